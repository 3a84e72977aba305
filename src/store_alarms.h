/*-------------------------------------------------------------------------
 *
 * store_alarms.h
 *	  Recording the events of each alarm beside the months
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_STORE_ALARMS_H
#define CHEKT_STORE_ALARMS_H

#include "batch.h"

extern void chekt_store_alarm_events(ChektBatch *batch);

#endif							/* CHEKT_STORE_ALARMS_H */
