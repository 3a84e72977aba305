/*-------------------------------------------------------------------------
 *
 * store_events.h
 *	  Storing a batch's events: dedupe, chekt_private.events, family tables
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_STORE_EVENTS_H
#define CHEKT_STORE_EVENTS_H

#include "batch.h"

extern void chekt_store_events(ChektBatch *batch, bool careful);

#endif							/* CHEKT_STORE_EVENTS_H */
