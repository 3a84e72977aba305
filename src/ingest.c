/*-------------------------------------------------------------------------
 *
 * ingest.c
 *	  chekt.inbox's triggers, chekt.ingest() and chekt.retry_rejected()
 *
 * A delivery enters through chekt.inbox (COPY or INSERT) or chekt.ingest().
 * The inbox's BEFORE ROW trigger adds each row to the statement's batch,
 * where it is checked at once (batch.c), and keeps nothing in the inbox;
 * the batch is written set-based (route.c) whenever it fills up and by the
 * AFTER STATEMENT trigger.  One bad delivery never fails the statement: it
 * is quarantined.  Only infrastructure failures raise errors.
 *
 * The statement's batch lives in TopTransactionContext and is forgotten
 * when the (sub)transaction that started it aborts.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "batch.h"
#include "ingest.h"
#include "outcome_log.h"

/* The columns of chekt.inbox, in the order the delivery reader wants them */
static const char *const inbox_columns[] = {
	"app", "received_at", "signed_at", "signature", "body", "message_id", "headers",
	"body_bytes"
};
#define INBOX_COLUMNS lengthof(inbox_columns)

/* The batch of the statement now inserting into chekt.inbox, if any */
typedef struct InboxStatement
{
	ChektBatch *batch;
	SubTransactionId subxid;	/* the subtransaction that started it */
	int			attnums[INBOX_COLUMNS];
} InboxStatement;

static InboxStatement *inbox_statement = NULL;

/* Forget the statement's batch (its memory goes with its context) */
static void
forget_inbox_statement(void)
{
	if (inbox_statement != NULL)
	{
		MemoryContext cxt = inbox_statement->batch->cxt;

		inbox_statement = NULL;
		MemoryContextDelete(cxt);
	}
}

/* The current statement's batch, started on its first row */
static InboxStatement *
inbox_statement_for(Relation inbox)
{
	if (inbox_statement == NULL)
	{
		ChektBatch *batch = chekt_batch_create(TopTransactionContext,
											   inbox->rd_rel->relowner);
		InboxStatement *st = MemoryContextAllocZero(batch->cxt, sizeof(InboxStatement));
		int			i;

		st->batch = batch;
		st->subxid = GetCurrentSubTransactionId();
		for (i = 0; i < (int) INBOX_COLUMNS; i++)
		{
			st->attnums[i] = SPI_fnumber(RelationGetDescr(inbox), inbox_columns[i]);
			/* body_bytes came with 0.3.0: the schema may not be updated yet */
			if (st->attnums[i] <= 0 && strcmp(inbox_columns[i], "body_bytes") == 0)
				st->attnums[i] = InvalidAttrNumber;
			else if (st->attnums[i] <= 0)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("column \"%s\" of relation \"chekt.inbox\" does not exist",
								inbox_columns[i]),
						 errhint("Reinstall the extension to restore chekt.inbox.")));
		}
		inbox_statement = st;
	}
	return inbox_statement;
}

/* A text column of a row, detoasted, or NULL */
static text *
text_column(HeapTuple tuple, TupleDesc desc, int attnum)
{
	bool		isnull;
	Datum		value = heap_getattr(tuple, attnum, desc, &isnull);

	return isnull ? NULL : DatumGetTextPP(value);
}

/*
 * Take a body given as bytes: as text if it is valid in the database
 * encoding (and so holds no NUL), else as bytes, to be quarantined as they
 * came.  text and bytea share their layout.
 */
static void
body_from_bytes(ChektDelivery *delivery, bytea *bytes)
{
	delivery->body = (text *) bytes;
	delivery->body_is_bytes = !pg_verifymbstr(VARDATA_ANY(bytes),
											  VARSIZE_ANY_EXHDR(bytes), true);
}

/* Read a row of chekt.inbox as a delivery */
static void
delivery_from_row(const InboxStatement *st, HeapTuple tuple, TupleDesc desc,
				  ChektDelivery *delivery)
{
	bool		isnull;
	Datum		value;

	memset(delivery, 0, sizeof(ChektDelivery));
	delivery->app = text_column(tuple, desc, st->attnums[0]);
	delivery->received_at = DatumGetTimestampTz(heap_getattr(tuple, st->attnums[1], desc, &isnull));
	delivery->signed_at = text_column(tuple, desc, st->attnums[2]);
	delivery->signature = text_column(tuple, desc, st->attnums[3]);
	delivery->body = text_column(tuple, desc, st->attnums[4]);
	delivery->message_id = text_column(tuple, desc, st->attnums[5]);
	value = heap_getattr(tuple, st->attnums[6], desc, &isnull);
	delivery->headers = isnull ? NULL : DatumGetJsonbP(value);
	isnull = true;
	if (st->attnums[7] != InvalidAttrNumber)
		value = heap_getattr(tuple, st->attnums[7], desc, &isnull);

	/* NOT NULL constraints are checked after BEFORE triggers */
	if (delivery->app == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("app of a row of chekt.inbox must not be null")));
	if ((delivery->body == NULL) == isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a row of chekt.inbox must have exactly one of body and body_bytes"),
				 errhint("Give the request body as text in body, or as bytes in body_bytes when it may not be valid text.")));
	if (!isnull)
		body_from_bytes(delivery, DatumGetByteaPP(value));
}

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
 * chekt.inbox_receive(): BEFORE INSERT FOR EACH ROW trigger of chekt.inbox.
 * Adds the row to the statement's batch and keeps nothing in the inbox.
 */
Datum
chekt_inbox_receive(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	InboxStatement *st;
	ChektDelivery delivery;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("chekt.inbox_receive() must be fired BEFORE INSERT FOR EACH ROW")));

	st = inbox_statement_for(trigdata->tg_relation);
	delivery_from_row(st, trigdata->tg_trigtuple,
					  RelationGetDescr(trigdata->tg_relation), &delivery);
	(void) chekt_batch_add(st->batch, &delivery);
	if (chekt_batch_is_full(st->batch))
	{
		write_and_log(st->batch);
		chekt_batch_clear(st->batch);
	}
	chekt_batch_end_spi(st->batch);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(chekt_inbox_flush);

/*
 * chekt.inbox_flush(): AFTER INSERT FOR EACH STATEMENT trigger of
 * chekt.inbox.  Writes what is left of the statement's batch.
 */
Datum
chekt_inbox_flush(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) ||
		!TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("chekt.inbox_flush() must be fired AFTER INSERT FOR EACH STATEMENT")));

	if (inbox_statement != NULL)
	{
		write_and_log(inbox_statement->batch);
		chekt_batch_end_spi(inbox_statement->batch);
		forget_inbox_statement();
	}
	return PointerGetDatum(NULL);
}

/* The same privilege check an INSERT into chekt.inbox would make */
static void
check_inbox_insert_privilege(void)
{
	Oid			inbox = get_relname_relid("inbox", get_namespace_oid("chekt", false));

	if (pg_class_aclcheck(inbox, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "inbox");
}

PG_FUNCTION_INFO_V1(chekt_ingest);

/*
 * chekt.ingest(app text, signed_at text, signature text, body text,
 *				received_at timestamptz, message_id text) RETURNS text
 *
 * Ingests one delivery as a row of chekt.inbox would be, and returns its
 * outcome: accepted, duplicate, or the reason it was quarantined.
 */
Datum
chekt_ingest(PG_FUNCTION_ARGS)
{
	ChektDelivery delivery;
	ChektBatch *batch;
	ChektOutcome outcome;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null",
						PG_ARGISNULL(0) ? "app" : PG_ARGISNULL(3) ? "body" : "received_at"),
				 errhint("A missing signature or timestamp header is passed as NULL; app, body and received_at are always known.")));
	check_inbox_insert_privilege();

	memset(&delivery, 0, sizeof(ChektDelivery));
	delivery.app = PG_GETARG_TEXT_PP(0);
	delivery.signed_at = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	delivery.signature = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	delivery.body = PG_GETARG_TEXT_PP(3);
	delivery.received_at = PG_GETARG_TIMESTAMPTZ(4);
	delivery.message_id = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);

	batch = chekt_batch_create(CurrentMemoryContext, chekt_inbox_owner());
	(void) chekt_batch_add(batch, &delivery);
	write_and_log(batch);
	outcome = batch->items[0].outcome;
	chekt_batch_end_spi(batch);
	MemoryContextDelete(batch->cxt);

	PG_RETURN_TEXT_P(cstring_to_text(chekt_outcome_name(outcome)));
}

/* Deliveries re-run per fetch from the quarantine */
#define RETRY_FETCH 500

/* %s is body_bytes, or NULL::bytea where the schema predates it (0.2.0) */
static const char *quarantine_query =
"SELECT rejected_id, app, received_at, signed_at, signature, body, message_id, headers,"
"       %s"
"  FROM chekt.rejected"
" WHERE $1 IS NULL OR reason = $1"
" ORDER BY rejected_id"
"   FOR UPDATE SKIP LOCKED";

/* Raise an error unless name is a refusal reason */
static void
check_reason(const char *name)
{
	ChektOutcome o;

	for (o = OUTCOME_UNKNOWN_APP; o <= OUTCOME_ID_CONFLICT; o++)
		if (strcmp(name, chekt_outcome_name(o)) == 0)
			return;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("\"%s\" is not a refusal reason", name),
			 errhint("Use one of unknown_app, bad_signature, stale_signature, oversize, malformed_json, invalid_envelope, unknown_type, invalid_payload, id_conflict, or NULL for all.")));
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
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	char		nulls[1] = {' '};
	ChektBatch *batch;
	Portal		portal;
	Oid			rejected;
	int64		passed;

	if (PG_ARGISNULL(0))
		nulls[0] = 'n';
	else
	{
		check_reason(text_to_cstring(PG_GETARG_TEXT_PP(0)));
		args[0] = PG_GETARG_DATUM(0);
	}

	batch = chekt_batch_create(CurrentMemoryContext, chekt_inbox_owner());
	chekt_batch_spi(batch);
	rejected = get_relname_relid("rejected", get_namespace_oid("chekt", false));
	portal = SPI_cursor_open_with_args(NULL,
									   psprintf(quarantine_query,
												get_attnum(rejected, "body_bytes") == InvalidAttrNumber ?
												"NULL::bytea" : "body_bytes"),
									   1, argtypes, args, nulls, false, 0);
	for (;;)
	{
		SPITupleTable *rows;
		uint64		nrows;
		uint64		i;

		SPI_cursor_fetch(portal, true, RETRY_FETCH);
		if (SPI_processed == 0)
			break;

		/* chekt_batch_add() may run queries of its own: keep the fetch */
		rows = SPI_tuptable;
		nrows = SPI_processed;
		for (i = 0; i < nrows; i++)
		{
			HeapTuple	tuple = rows->vals[i];
			TupleDesc	desc = rows->tupdesc;
			ChektDelivery delivery;
			bool		isnull;
			Datum		headers;

			memset(&delivery, 0, sizeof(ChektDelivery));
			delivery.rejected_id = DatumGetInt64(SPI_getbinval(tuple, desc, 1, &isnull));
			delivery.app = text_column(tuple, desc, 2);
			delivery.received_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 3, &isnull));
			delivery.signed_at = text_column(tuple, desc, 4);
			delivery.signature = text_column(tuple, desc, 5);
			delivery.body = text_column(tuple, desc, 6);
			delivery.message_id = text_column(tuple, desc, 7);
			headers = SPI_getbinval(tuple, desc, 8, &isnull);
			delivery.headers = isnull ? NULL : DatumGetJsonbP(headers);
			if (delivery.body == NULL)
				body_from_bytes(&delivery,
								DatumGetByteaPP(SPI_getbinval(tuple, desc, 9, &isnull)));
			(void) chekt_batch_add(batch, &delivery);
		}
		SPI_freetuptable(rows);
		chekt_batch_write(batch);
		chekt_batch_clear(batch);
	}
	SPI_cursor_close(portal);
	passed = batch->passed_retries;
	chekt_batch_end_spi(batch);
	MemoryContextDelete(batch->cxt);
	PG_RETURN_INT64(passed);
}

/*
 * At transaction end, forget the statement's batch; refuse to commit one
 * that was never written (only possible with inbox_flush disabled).
 */
static void
ingest_xact_callback(XactEvent event, pg_attribute_unused() void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (inbox_statement != NULL && inbox_statement->batch->nitems > 0)
				ereport(ERROR,
						(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
						 errmsg("deliveries inserted into chekt.inbox were not written"),
						 errdetail("The statement-level trigger inbox_flush did not run."),
						 errhint("ALTER TABLE chekt.inbox ENABLE ALWAYS TRIGGER inbox_flush;")));
			break;
		default:
			/* TopTransactionContext, and the batch with it, is going away */
			inbox_statement = NULL;
			break;
	}
}

/* When a subtransaction aborts, forget a batch it started */
static void
ingest_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						pg_attribute_unused() SubTransactionId parentSubid,
						pg_attribute_unused() void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && inbox_statement != NULL &&
		inbox_statement->subxid >= mySubid)
		forget_inbox_statement();
}

/* Define ingest's settings and transaction hooks (at library load) */
void
chekt_ingest_init(void)
{
	DefineCustomIntVariable("chekt.max_body_bytes",
							"Largest webhook body ingest accepts.",
							"Larger deliveries are quarantined in chekt.rejected with reason oversize.",
							&chekt_max_body_bytes,
							256 * 1024, 1, MaxAllocSize - VARHDRSZ,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("chekt");
	RegisterXactCallback(ingest_xact_callback, NULL);
	RegisterSubXactCallback(ingest_subxact_callback, NULL);
}
