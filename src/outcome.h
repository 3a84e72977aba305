/*-------------------------------------------------------------------------
 *
 * outcome.h
 *	  What became of a delivery: accepted, duplicate, or why it was refused
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_OUTCOME_H
#define CHEKT_OUTCOME_H

/*
 * The refusal reasons are listed in the order ingest checks them; their
 * names are the reason codes users and the HTTP shim rely on.
 */
typedef enum ChektOutcome
{
	OUTCOME_PENDING,			/* valid, waiting for the batch to be written */
	OUTCOME_ACCEPTED,
	OUTCOME_DUPLICATE,
	OUTCOME_UNKNOWN_APP,
	OUTCOME_BAD_SIGNATURE,
	OUTCOME_STALE_SIGNATURE,
	OUTCOME_OVERSIZE,
	OUTCOME_MALFORMED_JSON,
	OUTCOME_INVALID_ENVELOPE,
	OUTCOME_UNKNOWN_TYPE,
	OUTCOME_INVALID_PAYLOAD,
	OUTCOME_ID_CONFLICT
} ChektOutcome;

/* Does the outcome put the delivery in quarantine? */
#define OUTCOME_IS_REFUSAL(o) ((o) >= OUTCOME_UNKNOWN_APP)

extern const char *chekt_outcome_name(ChektOutcome outcome);

#endif							/* CHEKT_OUTCOME_H */
