/*-------------------------------------------------------------------------
 *
 * outcome.c
 *	  What became of a delivery: accepted, duplicate, or why it was refused
 *
 * The table itself is chekt_protocol.h, shared with chekt-ingest; this file
 * gives it to the C code by enum and to SQL as chekt.outcomes().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

#include "outcome.h"

/* One row of the outcome table */
typedef struct OutcomeRow
{
	const char *name;
	const char *class;
	int			http_status;
	const char *description;
} OutcomeRow;

#define CHEKT_OUTCOME_ROW(symbol, name, class, status, description) {name, class, status, description},
static const OutcomeRow outcome_rows[OUTCOME_COUNT] = {
	CHEKT_OUTCOME_TABLE(CHEKT_OUTCOME_ROW)
};
#undef CHEKT_OUTCOME_ROW

/* The outcome's name as chekt.ingest() returns it and chekt_private.rejected stores it */
const char *
chekt_outcome_name(ChektOutcome outcome)
{
	if (outcome == OUTCOME_PENDING)
		return "pending";
	if (outcome < 0 || outcome >= OUTCOME_COUNT)
		elog(ERROR, "unrecognized delivery outcome %d", (int) outcome);
	return outcome_rows[outcome].name;
}

/* Was the delivery refused before it was known to be authentic? */
bool
chekt_outcome_is_unauthenticated(ChektOutcome outcome)
{
	return outcome >= 0 && outcome < OUTCOME_COUNT &&
		strcmp(outcome_rows[outcome].class, CHEKT_CLASS_UNAUTHENTICATED) == 0;
}

/* The refusal reason of that name, if there is one */
bool
chekt_refusal_from_name(const char *name, ChektOutcome *outcome)
{
	int			o;

	for (o = OUTCOME_UNKNOWN_APP; o < OUTCOME_COUNT; o++)
		if (strcmp(name, outcome_rows[o].name) == 0)
		{
			*outcome = (ChektOutcome) o;
			return true;
		}
	return false;
}

/* The refusal reasons, comma-separated, for a hint */
const char *
chekt_refusal_names(void)
{
	StringInfoData names;
	int			o;

	initStringInfo(&names);
	for (o = OUTCOME_UNKNOWN_APP; o < OUTCOME_COUNT; o++)
		appendStringInfo(&names, "%s%s", o > OUTCOME_UNKNOWN_APP ? ", " : "",
						 outcome_rows[o].name);
	return names.data;
}

PG_FUNCTION_INFO_V1(chekt_outcomes);

/*
 * chekt.outcomes() RETURNS TABLE (outcome text, class text, http_status
 * integer, description text): the outcome table, in the order ingest
 * decides.
 */
Datum
chekt_outcomes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			o;

	InitMaterializedSRF(fcinfo, 0);
	for (o = 0; o < OUTCOME_COUNT; o++)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(outcome_rows[o].name);
		values[1] = CStringGetTextDatum(outcome_rows[o].class);
		values[2] = Int32GetDatum(outcome_rows[o].http_status);
		values[3] = CStringGetTextDatum(outcome_rows[o].description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
