/*-------------------------------------------------------------------------
 *
 * outcome.h
 *	  What became of a delivery: accepted, duplicate, or why it was refused
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_OUTCOME_H
#define CHEKT_OUTCOME_H

#include "chekt_protocol.h"

/*
 * OUTCOME_PENDING while a delivery waits for its batch to be written, then
 * one of the outcomes of chekt_protocol.h, in the order ingest decides them.
 */
#define CHEKT_OUTCOME_ENUM(symbol, name, class, status, description) OUTCOME_##symbol,
typedef enum ChektOutcome
{
	OUTCOME_PENDING = -1,
	CHEKT_OUTCOME_TABLE(CHEKT_OUTCOME_ENUM)
	OUTCOME_COUNT
} ChektOutcome;
#undef CHEKT_OUTCOME_ENUM

/* Does the outcome put the delivery in quarantine? */
#define OUTCOME_IS_REFUSAL(o) ((o) >= OUTCOME_UNKNOWN_APP)

extern const char *chekt_outcome_name(ChektOutcome outcome);
extern bool chekt_outcome_is_unauthenticated(ChektOutcome outcome);
extern bool chekt_refusal_from_name(const char *name, ChektOutcome *outcome);
extern const char *chekt_refusal_names(void);

#endif							/* CHEKT_OUTCOME_H */
