/*-------------------------------------------------------------------------
 *
 * store_alarms.h
 *	  Recording the first events of each alarm, by type and month
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_STORE_ALARMS_H
#define CHEKT_STORE_ALARMS_H

#include "batch.h"

extern void chekt_store_alarm_firsts(ChektBatch *batch);

#endif							/* CHEKT_STORE_ALARMS_H */
