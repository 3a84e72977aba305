/*-------------------------------------------------------------------------
 *
 * store_devices.h
 *	  Recording the months in which each app's devices reported
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_STORE_DEVICES_H
#define CHEKT_STORE_DEVICES_H

#include "batch.h"

extern void chekt_store_device_months(ChektBatch *batch);

#endif							/* CHEKT_STORE_DEVICES_H */
