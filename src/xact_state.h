/*-------------------------------------------------------------------------
 *
 * xact_state.h
 *	  What ingest keeps for the length of a transaction
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_XACT_STATE_H
#define CHEKT_XACT_STATE_H

#include "utils/relcache.h"

#include "batch.h"
#include "delivery.h"
#include "outcome.h"

/* Are outcomes being logged (GUC chekt.log_outcomes)? */
extern bool chekt_log_outcomes;

extern ChektBatch *chekt_statement_batch(Relation inbox,
										 const ChektDeliveryColumns **columns);
extern ChektBatch *chekt_statement_batch_to_flush(void);
extern void chekt_statement_batch_end(ChektBatch *batch);

extern void chekt_outcome_log_add(ChektOutcome outcome, const text *event_id);
extern int64 chekt_outcome_log_count(void);
extern ChektOutcome chekt_outcome_log_get(int64 i, const char **event_id);

extern void chekt_xact_state_init(void);

#endif							/* CHEKT_XACT_STATE_H */
