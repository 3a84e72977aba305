/*-------------------------------------------------------------------------
 *
 * outcome_log.h
 *	  The outcome of every delivery of the current transaction, on request
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_OUTCOME_LOG_H
#define CHEKT_OUTCOME_LOG_H

#include "outcome.h"

/* Are outcomes being logged (GUC chekt.log_outcomes)? */
extern bool chekt_log_outcomes;

extern void chekt_outcome_log_init(void);
extern void chekt_outcome_log_add(ChektOutcome outcome, const text *event_id);

#endif							/* CHEKT_OUTCOME_LOG_H */
