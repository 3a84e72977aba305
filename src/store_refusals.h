/*-------------------------------------------------------------------------
 *
 * store_refusals.h
 *	  Storing a batch's refusals in the quarantine, chekt_private.rejected
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_STORE_REFUSALS_H
#define CHEKT_STORE_REFUSALS_H

#include "batch.h"

extern int	chekt_max_unauthenticated_body_bytes;

extern int64 chekt_store_refusals(ChektBatch *batch);

#endif							/* CHEKT_STORE_REFUSALS_H */
