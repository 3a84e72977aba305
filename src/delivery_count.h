/*-------------------------------------------------------------------------
 *
 * delivery_count.h
 *	  Counting redeliveries on the stored event
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_DELIVERY_COUNT_H
#define CHEKT_DELIVERY_COUNT_H

#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "utils/snapshot.h"

typedef struct ChektDeliveryCounts ChektDeliveryCounts;

extern ChektDeliveryCounts *chekt_delivery_counts_begin(Oid relid, Snapshot snapshot);
extern void chekt_delivery_counts_add(ChektDeliveryCounts *counts, TupleTableSlot *stored,
									  const text *app, const text *event_id,
									  TimestampTz created_at, int32 n,
									  TimestampTz last_received);
extern void chekt_delivery_counts_finish(ChektDeliveryCounts *counts);

#endif							/* CHEKT_DELIVERY_COUNT_H */
