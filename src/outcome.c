/*-------------------------------------------------------------------------
 *
 * outcome.c
 *	  What became of a delivery: accepted, duplicate, or why it was refused
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "outcome.h"

/* The outcome's name as chekt.ingest() returns it and chekt.rejected stores it */
const char *
chekt_outcome_name(ChektOutcome outcome)
{
	switch (outcome)
	{
		case OUTCOME_PENDING:
			return "pending";
		case OUTCOME_ACCEPTED:
			return "accepted";
		case OUTCOME_DUPLICATE:
			return "duplicate";
		case OUTCOME_UNKNOWN_APP:
			return "unknown_app";
		case OUTCOME_BAD_SIGNATURE:
			return "bad_signature";
		case OUTCOME_STALE_SIGNATURE:
			return "stale_signature";
		case OUTCOME_OVERSIZE:
			return "oversize";
		case OUTCOME_MALFORMED_JSON:
			return "malformed_json";
		case OUTCOME_INVALID_ENVELOPE:
			return "invalid_envelope";
		case OUTCOME_UNKNOWN_TYPE:
			return "unknown_type";
		case OUTCOME_INVALID_PAYLOAD:
			return "invalid_payload";
		case OUTCOME_ID_CONFLICT:
			return "id_conflict";
	}
	elog(ERROR, "unrecognized delivery outcome %d", (int) outcome);
	return NULL;				/* keep compiler quiet */
}
