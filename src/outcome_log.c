/*-------------------------------------------------------------------------
 *
 * outcome_log.c
 *	  The outcome of every delivery of the current transaction, on request
 *
 * COPY reports no per-row result, yet a receiver that answers each HTTP
 * request with the outcome of its own delivery needs one.  With
 * chekt.log_outcomes on, ingest logs each delivery's outcome in arrival
 * order, and chekt.transaction_outcomes() lists them before COMMIT: the
 * n-th row sent is the n-th outcome.  The log lives in the transaction's
 * memory; a rolled back subtransaction takes its entries with it.  Off by
 * default, so a bulk load pays nothing for it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/tuplestore.h"

#include "outcome_log.h"

bool		chekt_log_outcomes = false;

/* One logged delivery */
typedef struct OutcomeEntry
{
	ChektOutcome outcome;
	SubTransactionId subxid;	/* the subtransaction that ingested it */
	char	   *event_id;		/* NULL if it had none */
} OutcomeEntry;

/* The transaction's log, in a context under TopTransactionContext */
typedef struct OutcomeLog
{
	MemoryContext cxt;
	OutcomeEntry *entries;
	int64		nentries;
	int64		capacity;
} OutcomeLog;

static OutcomeLog *outcome_log = NULL;

/* Log the outcome of a delivery, if outcomes are being logged */
void
chekt_outcome_log_add(ChektOutcome outcome, const text *event_id)
{
	OutcomeEntry *entry;

	if (!chekt_log_outcomes)
		return;
	if (outcome_log == NULL)
	{
		MemoryContext cxt = AllocSetContextCreate(TopTransactionContext,
												  "chekt_events outcome log",
												  ALLOCSET_DEFAULT_SIZES);

		outcome_log = MemoryContextAllocZero(cxt, sizeof(OutcomeLog));
		outcome_log->cxt = cxt;
	}
	if (outcome_log->nentries == outcome_log->capacity)
	{
		int64		capacity = outcome_log->capacity == 0 ? 256 : outcome_log->capacity * 2;

		if ((Size) capacity * sizeof(OutcomeEntry) > MaxAllocHugeSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many deliveries in one transaction to log their outcomes"),
					 errhint("Turn chekt.log_outcomes off for bulk loads, or commit more often.")));
		outcome_log->entries = outcome_log->entries == NULL ?
			MemoryContextAllocHuge(outcome_log->cxt, capacity * sizeof(OutcomeEntry)) :
			repalloc_huge(outcome_log->entries, capacity * sizeof(OutcomeEntry));
		outcome_log->capacity = capacity;
	}
	entry = &outcome_log->entries[outcome_log->nentries++];
	entry->outcome = outcome;
	entry->subxid = GetCurrentSubTransactionId();
	entry->event_id = NULL;
	if (event_id != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(outcome_log->cxt);

		entry->event_id = text_to_cstring(event_id);
		MemoryContextSwitchTo(old);
	}
}

PG_FUNCTION_INFO_V1(chekt_transaction_outcomes);

/*
 * chekt.transaction_outcomes() RETURNS TABLE (ordinal bigint, outcome text,
 * event_id text)
 *
 * The outcome of each delivery ingested so far in this transaction while
 * chekt.log_outcomes was on, numbered from 1 in arrival order.
 */
Datum
chekt_transaction_outcomes(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int64		i;

	InitMaterializedSRF(fcinfo, 0);
	if (outcome_log == NULL)
		PG_RETURN_VOID();
	for (i = 0; i < outcome_log->nentries; i++)
	{
		OutcomeEntry *entry = &outcome_log->entries[i];
		Datum		values[3];
		bool		nulls[3] = {false, false, entry->event_id == NULL};

		values[0] = Int64GetDatum(i + 1);
		values[1] = CStringGetTextDatum(chekt_outcome_name(entry->outcome));
		values[2] = nulls[2] ? (Datum) 0 : CStringGetTextDatum(entry->event_id);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/* At transaction end the log goes with TopTransactionContext */
static void
outcome_log_xact_callback(XactEvent event, pg_attribute_unused() void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		outcome_log = NULL;
}

/*
 * A subtransaction that aborts takes back what it and its children logged:
 * they started after it, so their entries are the log's tail.
 */
static void
outcome_log_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
							 pg_attribute_unused() SubTransactionId parentSubid,
							 pg_attribute_unused() void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB || outcome_log == NULL)
		return;
	while (outcome_log->nentries > 0 &&
		   outcome_log->entries[outcome_log->nentries - 1].subxid >= mySubid)
		outcome_log->nentries--;
}

/* Define chekt.log_outcomes and the transaction hooks (at library load) */
void
chekt_outcome_log_init(void)
{
	DefineCustomBoolVariable("chekt.log_outcomes",
							 "Logs the outcome of each delivery of the transaction for chekt.transaction_outcomes().",
							 "A receiver that COPYs deliveries into chekt.inbox turns it on to read each row's outcome before COMMIT.",
							 &chekt_log_outcomes,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	RegisterXactCallback(outcome_log_xact_callback, NULL);
	RegisterSubXactCallback(outcome_log_subxact_callback, NULL);
}
