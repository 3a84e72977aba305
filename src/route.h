/*-------------------------------------------------------------------------
 *
 * route.h
 *	  Which monthly partition holds an event; partitions made on demand
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_ROUTE_H
#define CHEKT_ROUTE_H

#include "datatype/timestamp.h"
#include "utils/relcache.h"

#include "batch.h"

extern Oid	chekt_route_leaf(Relation rel, TimestampTz created_at);
extern TimestampTz chekt_month_start(TimestampTz t);
extern void chekt_route_batch(ChektBatch *batch);

#endif							/* CHEKT_ROUTE_H */
