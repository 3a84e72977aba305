/*-------------------------------------------------------------------------
 *
 * xact_state.c
 *	  What ingest keeps for the length of a transaction
 *
 * Two things outlive a function call, and both live in the transaction's
 * memory, under one pair of (sub)transaction callbacks:
 *
 *	statement batches	the batch of each statement now inserting into
 *						chekt_private.inbox, innermost last.  A statement's rows
 *						join the innermost batch unless that batch is being
 *						written (then the statement, run by a trigger of a
 *						table the write touches, gets a batch of its own).
 *						The AFTER STATEMENT trigger writes the innermost
 *						batch and ends it.
 *	outcome log			with chekt.log_outcomes on, the outcome of every
 *						delivery of the transaction in arrival order, for
 *						chekt.transaction_outcomes(): COPY reports no
 *						per-row result, yet a receiver that answers each
 *						HTTP request needs one.  Off by default, so a bulk
 *						load pays nothing for it.
 *
 * A subtransaction that aborts takes back the batches it started and what
 * it logged; the end of the transaction takes everything.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "xact_state.h"

bool		chekt_log_outcomes = false;

/* A statement's batch, and the statement batches around it */
typedef struct StatementBatch
{
	ChektBatch *batch;
	Oid			relid;			/* the table whose rows it takes */
	ChektDeliveryColumns columns;	/* where those rows hold what */
	SubTransactionId subxid;	/* the subtransaction that started it */
	struct StatementBatch *outer;
} StatementBatch;

static StatementBatch *statement_batches = NULL;

/* One logged delivery */
typedef struct OutcomeEntry
{
	ChektOutcome outcome;
	SubTransactionId subxid;	/* the subtransaction that ingested it */
	char	   *event_id;		/* NULL if it had none */
} OutcomeEntry;

/* The transaction's outcome log */
typedef struct OutcomeLog
{
	MemoryContext cxt;
	OutcomeEntry *entries;
	int64		nentries;
	int64		capacity;
} OutcomeLog;

static OutcomeLog *outcome_log = NULL;

/*
 * Can the innermost statement batch take rows now?  Only if it is not being
 * written and belongs to the current subtransaction: a row of a statement
 * run in a subtransaction (an EXCEPTION block, a savepoint) must go, and be
 * rolled back, with that subtransaction's own batch.
 */
static bool
innermost_takes_rows(void)
{
	return statement_batches != NULL &&
		!statement_batches->batch->writing &&
		statement_batches->subxid == GetCurrentSubTransactionId();
}

/*
 * The batch that takes the rows of the statement now inserting into
 * chekt_private.inbox: the innermost one, if it can take them (above); else a new
 * one, working as the inbox's owner.  *columns says where the rows hold
 * what (found once per batch, not once per row).
 */
ChektBatch *
chekt_statement_batch(Relation inbox, const ChektDeliveryColumns **columns)
{
	StatementBatch *st = statement_batches;

	if (!innermost_takes_rows() || st->relid != RelationGetRelid(inbox))
	{
		st = MemoryContextAlloc(TopTransactionContext, sizeof(StatementBatch));
		st->relid = RelationGetRelid(inbox);
		chekt_delivery_columns(RelationGetDescr(inbox), RelationGetRelationName(inbox),
							   &st->columns);
		st->batch = chekt_batch_create(TopTransactionContext, inbox->rd_rel->relowner);
		st->subxid = GetCurrentSubTransactionId();
		st->outer = statement_batches;
		statement_batches = st;
	}
	*columns = &st->columns;
	return st->batch;
}

/*
 * The batch an AFTER STATEMENT trigger of chekt_private.inbox writes and ends, or
 * NULL if its statement inserted no row (the innermost batch, if any, is
 * then an outer statement's: being written, or of another subtransaction).
 */
ChektBatch *
chekt_statement_batch_to_flush(void)
{
	return innermost_takes_rows() ? statement_batches->batch : NULL;
}

/* Pop the innermost statement batch, freeing it */
static void
pop_statement_batch(void)
{
	StatementBatch *st = statement_batches;

	statement_batches = st->outer;
	chekt_batch_delete(st->batch);
	pfree(st);
}

/* End a statement batch (the innermost), freeing it */
void
chekt_statement_batch_end(ChektBatch *batch)
{
	if (statement_batches == NULL || statement_batches->batch != batch)
		elog(ERROR, "the statement batch ended is not the innermost one");
	pop_statement_batch();
}

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

/* How many outcomes the transaction has logged */
int64
chekt_outcome_log_count(void)
{
	return outcome_log == NULL ? 0 : outcome_log->nentries;
}

/* The i-th logged outcome (from 0), and its event id (NULL if none) */
ChektOutcome
chekt_outcome_log_get(int64 i, const char **event_id)
{
	Assert(outcome_log != NULL && i >= 0 && i < outcome_log->nentries);
	*event_id = outcome_log->entries[i].event_id;
	return outcome_log->entries[i].outcome;
}

/*
 * At commit, refuse deliveries that were never written (only possible with
 * the inbox_flush trigger disabled); at the end of the transaction, forget
 * everything: it goes with TopTransactionContext.
 */
static void
xact_callback(XactEvent event, pg_attribute_unused() void *arg)
{
	StatementBatch *st;

	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			for (st = statement_batches; st != NULL; st = st->outer)
				if (st->batch->nitems > 0)
					ereport(ERROR,
							(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
							 errmsg("deliveries inserted into chekt_private.inbox were not written"),
							 errdetail("The statement-level trigger inbox_flush did not run."),
							 errhint("ALTER TABLE chekt_private.inbox ENABLE ALWAYS TRIGGER inbox_flush;")));
			break;
		default:
			statement_batches = NULL;
			outcome_log = NULL;
			break;
	}
}

/*
 * A subtransaction that aborts takes back the batches it (or a child)
 * started, and what they logged: they started after it, so theirs are the
 * innermost batches and the log's tail.
 */
static void
subxact_callback(SubXactEvent event, SubTransactionId mySubid,
				 pg_attribute_unused() SubTransactionId parentSubid,
				 pg_attribute_unused() void *arg)
{
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	while (statement_batches != NULL && statement_batches->subxid >= mySubid)
		pop_statement_batch();
	while (outcome_log != NULL && outcome_log->nentries > 0 &&
		   outcome_log->entries[outcome_log->nentries - 1].subxid >= mySubid)
		outcome_log->nentries--;
}

/* Define chekt.log_outcomes and the transaction callbacks (at library load) */
void
chekt_xact_state_init(void)
{
	DefineCustomBoolVariable("chekt.log_outcomes",
							 "Logs the outcome of each delivery of the transaction for chekt.transaction_outcomes().",
							 "A receiver that COPYs deliveries into chekt_private.inbox turns it on to read each row's outcome before COMMIT.",
							 &chekt_log_outcomes,
							 false,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	RegisterXactCallback(xact_callback, NULL);
	RegisterSubXactCallback(subxact_callback, NULL);
}
