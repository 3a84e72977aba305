/*-------------------------------------------------------------------------
 *
 * entry.c
 *	  The SQL entry points of ingest
 *
 * A delivery enters through chekt_private.inbox (COPY or INSERT) or chekt.ingest();
 * a quarantined one is re-run by chekt.retry_rejected().  Each entry point
 * reads its deliveries (delivery.c) into a batch (batch.c), has the batch
 * written, and logs each delivery's outcome (xact_state.c):
 *
 *	inbox_receive		BEFORE ROW trigger: adds the row to its statement's
 *						batch, writes the batch when full; keeps nothing in
 *						the inbox
 *	inbox_flush			AFTER STATEMENT trigger: writes and ends the batch
 *	ingest()			one delivery, its outcome returned
 *	retry_rejected()	the quarantine, re-run in batches
 *	transaction_outcomes()	the outcome log, read before COMMIT
 *
 * One bad delivery never fails the statement: it is quarantined.  Only a
 * caller's mistake (a NULL where a value is required) or a failure of the
 * database itself raises an error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "batch.h"
#include "compat.h"
#include "owner.h"
#include "schemas.h"
#include "xact_state.h"

/* Write the batch and log the outcome of each of its deliveries */
static void
write_and_log(ChektBatch *batch)
{
	int			i;

	chekt_batch_write(batch);
	if (!chekt_log_outcomes)
		return;
	for (i = 0; i < batch->nitems; i++)
		chekt_outcome_log_add(batch->items[i].outcome,
							  batch->items[i].event.event_id_text);
}

PG_FUNCTION_INFO_V1(chekt_inbox_receive);

/*
 * chekt.inbox_receive(): BEFORE INSERT FOR EACH ROW trigger of chekt_private.inbox.
 * Adds the row to the statement's batch and keeps nothing in the inbox.
 */
Datum
chekt_inbox_receive(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	const ChektDeliveryColumns *columns;
	ChektDelivery delivery;
	ChektBatch *batch;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("chekt.inbox_receive() must be fired BEFORE INSERT FOR EACH ROW")));

	batch = chekt_statement_batch(trigdata->tg_relation, &columns);
	chekt_delivery_from_tuple(columns, trigdata->tg_trigtuple,
							  RelationGetDescr(trigdata->tg_relation), &delivery);
	(void) chekt_batch_add(batch, &delivery);
	if (chekt_batch_is_full(batch))
	{
		write_and_log(batch);
		chekt_batch_clear(batch);
	}
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(chekt_inbox_flush);

/*
 * chekt.inbox_flush(): AFTER INSERT FOR EACH STATEMENT trigger of
 * chekt_private.inbox.  Writes what is left of the statement's batch.
 */
Datum
chekt_inbox_flush(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	ChektBatch *batch;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("chekt.inbox_flush() must be fired AFTER INSERT FOR EACH STATEMENT")));

	batch = chekt_statement_batch_to_flush();
	if (batch != NULL)
	{
		write_and_log(batch);
		chekt_statement_batch_end(batch);
	}
	return PointerGetDatum(NULL);
}

/* The columns of the inbox chekt.ingest() fills */
static const char *const ingest_columns[] = {
	"app", "received_at", "signed_at", "signature", "body", "message_id"
};

/*
 * The privilege checks an INSERT of those columns into the inbox would make:
 * USAGE on its schema (to name it), INSERT on the table or on each column
 */
static void
check_inbox_insert_privilege(void)
{
	Relation	rel = chekt_relation_open("inbox", AccessShareLock);
	Oid			inbox = RelationGetRelid(rel);
	Oid			nsp = RelationGetNamespace(rel);
	Oid			user = GetUserId();
	size_t		i;

	/* kept to the end of the transaction, as an INSERT would keep it */
	table_close(rel, NoLock);
	if (!chekt_schema_usage(nsp, user))
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_SCHEMA, get_namespace_name(nsp));
	if (pg_class_aclcheck(inbox, user, ACL_INSERT) == ACLCHECK_OK)
		return;
	for (i = 0; i < lengthof(ingest_columns); i++)
	{
		AttrNumber	attnum = get_attnum(inbox, ingest_columns[i]);

		if (attnum == InvalidAttrNumber ||
			pg_attribute_aclcheck(inbox, attnum, user, ACL_INSERT) != ACLCHECK_OK)
			aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "inbox");
	}
}

PG_FUNCTION_INFO_V1(chekt_ingest);

/*
 * chekt.ingest(app text, signed_at text, signature text, body text,
 *				received_at timestamptz, message_id text) RETURNS text
 *
 * Ingests one delivery as a row of chekt_private.inbox would be, and returns its
 * outcome: accepted, duplicate, or the reason it was quarantined.
 */
Datum
chekt_ingest(PG_FUNCTION_ARGS)
{
	ChektDelivery delivery;
	ChektBatch *batch;
	ChektOutcome outcome;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", PG_ARGISNULL(0) ? "app" : "body"),
				 errhint("A missing signature or timestamp header is passed as NULL; app and body are always known.")));
	check_inbox_insert_privilege();

	memset(&delivery, 0, sizeof(ChektDelivery));
	delivery.app = PG_GETARG_TEXT_PP(0);
	delivery.signed_at = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	delivery.signature = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	delivery.body = PG_GETARG_TEXT_PP(3);
	/* NULL is now(); a given time counts only for a role that may backfill */
	delivery.has_received_at = !PG_ARGISNULL(4);
	if (delivery.has_received_at)
		delivery.received_at = PG_GETARG_TIMESTAMPTZ(4);
	delivery.message_id = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);

	batch = chekt_batch_create(CurrentMemoryContext, chekt_inbox_owner());
	(void) chekt_batch_add(batch, &delivery);
	write_and_log(batch);
	outcome = batch->items[0].outcome;
	chekt_batch_delete(batch);

	PG_RETURN_TEXT_P(cstring_to_text(chekt_outcome_name(outcome)));
}

/*
 * Rows fetched from the quarantine at a time: few, since each may hold a
 * body as large as chekt.max_body_bytes; the batch is written whenever it
 * is full.
 */
#define RETRY_FETCH 16

/*
 * %s: the quarantine (schemas.c).  A truncated body is not the delivery: it
 * is never judged again.
 */
static const char *quarantine_query =
"SELECT rejected_id, app, received_at, signed_at, signature, body, message_id, headers,"
"       body_bytes"
"  FROM %s"
" WHERE ($1 IS NULL OR reason = $1) AND NOT truncated"
" ORDER BY rejected_id"
"   FOR UPDATE SKIP LOCKED";

/* What re-running the quarantine needs */
typedef struct Retry
{
	ChektBatch *batch;
	Datum		reason;			/* text, or 0 for every reason */
} Retry;

/*
 * Owner work: read the quarantine through a cursor into the batch, writing
 * it whenever it is full.
 */
static void
retry_quarantine(void *arg)
{
	Retry	   *retry = arg;
	ChektBatch *batch = retry->batch;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {retry->reason};
	char		nulls[1] = {retry->reason == (Datum) 0 ? 'n' : ' '};
	char	   *rejected_name = chekt_relation_name("rejected");
	Oid			rejected = chekt_relation_oid("rejected", NULL);
	ChektDeliveryColumns columns;
	bool		have_columns = false;
	Portal		portal;
	MemoryContext fetch_cxt = AllocSetContextCreate(CurrentMemoryContext,
													"chekt_events quarantine fetch",
													ALLOCSET_DEFAULT_SIZES);

	if (get_attnum(rejected, "truncated") == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"truncated\" of relation \"rejected\" does not exist"),
				 errdetail("The chekt_events library is %s; its schema is older.", CHEKT_VERSION),
				 errhint("Update the extension: ALTER EXTENSION chekt_events UPDATE.")));
	portal = chekt_owner_cursor(psprintf(quarantine_query, rejected_name), 1, argtypes, args, nulls);
	for (;;)
	{
		SPITupleTable *rows;
		uint64		nrows;
		uint64		i;

		chekt_owner_fetch(portal, RETRY_FETCH);
		if (SPI_processed == 0)
			break;

		/* writing runs queries of its own: keep the fetch */
		rows = SPI_tuptable;
		nrows = SPI_processed;
		if (!have_columns)
		{
			chekt_delivery_columns(rows->tupdesc, rejected_name, &columns);
			have_columns = true;
		}
		for (i = 0; i < nrows; i++)
		{
			ChektDelivery delivery;
			MemoryContext old = MemoryContextSwitchTo(fetch_cxt);

			/* detoasted into fetch_cxt; the batch keeps its own copy */
			chekt_delivery_from_tuple(&columns, rows->vals[i], rows->tupdesc, &delivery);
			MemoryContextSwitchTo(old);
			(void) chekt_batch_add(batch, &delivery);
			MemoryContextReset(fetch_cxt);
			if (chekt_batch_is_full(batch))
			{
				chekt_batch_write(batch);
				chekt_batch_clear(batch);
			}
		}
		SPI_freetuptable(rows);
	}
	SPI_cursor_close(portal);
	chekt_batch_write(batch);
	chekt_batch_clear(batch);
	MemoryContextDelete(fetch_cxt);
}

PG_FUNCTION_INFO_V1(chekt_retry_rejected);

/*
 * chekt.retry_rejected(reason text DEFAULT NULL) RETURNS bigint
 *
 * Re-runs quarantined deliveries (all, or those refused for reason) with
 * their original received_at; those that now pass leave the quarantine for
 * the event tables, the others get their reason brought up to date.
 * Returns how many passed.
 */
Datum
chekt_retry_rejected(PG_FUNCTION_ARGS)
{
	Retry		retry = {NULL, (Datum) 0};
	ChektOutcome reason;
	int64		passed;

	if (!PG_ARGISNULL(0))
	{
		char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

		if (!chekt_refusal_from_name(name, &reason))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" is not a refusal reason", name),
					 errhint("Use one of %s, or NULL for all.", chekt_refusal_names())));
		retry.reason = PG_GETARG_DATUM(0);
	}

	retry.batch = chekt_batch_create(CurrentMemoryContext, chekt_inbox_owner());
	chekt_as_owner(retry.batch->owner, retry_quarantine, &retry);
	passed = retry.batch->passed_retries;
	chekt_batch_delete(retry.batch);
	PG_RETURN_INT64(passed);
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
	int64		n = chekt_outcome_log_count();
	int64		i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		const char *event_id;
		ChektOutcome outcome = chekt_outcome_log_get(i, &event_id);
		Datum		values[3];
		bool		nulls[3] = {false, false, event_id == NULL};

		values[0] = Int64GetDatum(i + 1);
		values[1] = CStringGetTextDatum(chekt_outcome_name(outcome));
		values[2] = event_id == NULL ? (Datum) 0 : CStringGetTextDatum(event_id);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}
