/*-------------------------------------------------------------------------
 *
 * judge.h
 *	  Judging a delivery: authentic, not too large, a valid event?
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_JUDGE_H
#define CHEKT_JUDGE_H

#include "catalog.h"
#include "delivery.h"
#include "outcome.h"
#include "parse.h"

/* Largest body accepted, in bytes (GUC chekt.max_body_bytes) */
extern int	chekt_max_body_bytes;

typedef struct ChektJudge ChektJudge;

extern ChektJudge *chekt_judge_create(MemoryContext cxt, Oid owner);
extern ChektOutcome chekt_judge_delivery(ChektJudge *judge,
										 const ChektDelivery *delivery,
										 ChektEvent *event, char **detail);
extern const ChektCatalog *chekt_judge_catalog(ChektJudge *judge);

#endif							/* CHEKT_JUDGE_H */
