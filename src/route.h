/*-------------------------------------------------------------------------
 *
 * route.h
 *	  Writing a checked batch: events, family tables, quarantine
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_ROUTE_H
#define CHEKT_ROUTE_H

#include "batch.h"

extern void chekt_route_batch(ChektBatch *batch);

#endif							/* CHEKT_ROUTE_H */
