/*-------------------------------------------------------------------------
 *
 * route.c
 *	  Writing a checked batch: events, family tables, quarantine
 *
 * Every write is one statement for the whole batch, its rows passed as
 * arrays and unnested: plain INSERT ... SELECT (or UPDATE/DELETE) that a
 * distributed table (Citus) also takes, and an order of magnitude faster
 * than a statement per row.
 *
 * Deduplication is decided by chekt.events, whose primary key is the event
 * id, in one upsert: the first delivery of each id in the batch is inserted,
 * or, if the id is known with the same body, counted as a duplicate.  What
 * that leaves open (a known id with another body, or several bodies for one
 * id in the batch) is settled against the stored body: equal is a
 * duplicate, different is id_conflict.  Only events inserted by the upsert
 * get a row in their family table, so each event is stored once however
 * often, and however concurrently, it is delivered.
 *
 * The caller holds an SPI session as the inbox owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_collation_d.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "parser/parse_relation.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "route.h"
#include "writer.h"

/* The columns of one set-based statement, gathered row by row as arrays */
typedef struct ArrayColumns
{
	int			ncolumns;
	const Oid  *types;
	ArrayBuildState **states;
} ArrayColumns;

/* Start gathering rows of ncolumns columns of the given element types */
static ArrayColumns *
columns_begin(int ncolumns, const Oid *types)
{
	ArrayColumns *columns = palloc(sizeof(ArrayColumns));
	int			i;

	columns->ncolumns = ncolumns;
	columns->types = types;
	columns->states = palloc(sizeof(ArrayBuildState *) * ncolumns);
	for (i = 0; i < ncolumns; i++)
		columns->states[i] = initArrayResult(types[i], CurrentMemoryContext, false);
	return columns;
}

/* Add a value to column i of the row being gathered */
static inline void
column_add(ArrayColumns *columns, int i, Datum value, bool isnull)
{
	accumArrayResult(columns->states[i], value, isnull, columns->types[i],
					 CurrentMemoryContext);
}

/* Add a text, or NULL for a NULL pointer, to column i */
static inline void
column_add_text(ArrayColumns *columns, int i, const void *t)
{
	column_add(columns, i, PointerGetDatum(t), t == NULL);
}

/* Run sql with the gathered columns as array parameters $1, $2, ... */
static void
columns_execute(ArrayColumns *columns, const char *sql, int expected)
{
	Oid		   *argtypes = palloc(sizeof(Oid) * columns->ncolumns);
	Datum	   *args = palloc(sizeof(Datum) * columns->ncolumns);
	int			rc;
	int			i;

	for (i = 0; i < columns->ncolumns; i++)
	{
		argtypes[i] = get_array_type(columns->types[i]);
		args[i] = makeArrayResult(columns->states[i], CurrentMemoryContext);
	}
	rc = SPI_execute_with_args(sql, columns->ncolumns, argtypes, args, NULL,
							   false, 0);
	if (rc != expected)
		elog(ERROR, "ingest statement failed (%s): %s",
			 SPI_result_code_string(rc), sql);
}

/* Are two texts the same bytes? */
static bool
same_bytes(const text *a, const text *b)
{
	return VARSIZE_ANY_EXHDR(a) == VARSIZE_ANY_EXHDR(b) &&
		memcmp(VARDATA_ANY(a), VARDATA_ANY(b), VARSIZE_ANY_EXHDR(a)) == 0;
}

/* Are two deliveries' bodies the same bytes? */
static bool
same_body(const ChektBatchItem *a, const ChektBatchItem *b)
{
	return same_bytes(a->delivery.body, b->delivery.body);
}

/* Refuse a delivery whose event id was accepted with another body */
static void
refuse_as_id_conflict(ChektBatchItem *item)
{
	item->outcome = OUTCOME_ID_CONFLICT;
	item->detail = psprintf("event \"%s\" was accepted before with a different body; chekt.events keeps the accepted one",
							item->event.event_id);
}

/* qsort_arg order of item indexes: by event id, then by position in the batch */
static int
compare_event_ids(const void *a, const void *b, void *arg)
{
	const ChektBatchItem *items = arg;
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;
	int			c = strcmp(items[ia].event.event_id, items[ib].event.event_id);

	return c != 0 ? c : (ia > ib) - (ia < ib);
}

/*
 * The start of the run of order[] (sorted by event id) holding event_id, or
 * -1 if there is none
 */
static int
find_event_id_run(const ChektBatchItem *items, const int *order, int n,
				  const char *event_id)
{
	int			lo = 0;
	int			hi = n;

	/* the first position whose id is not below event_id */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (strcmp(items[order[mid]].event.event_id, event_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && strcmp(items[order[lo]].event.event_id, event_id) == 0 ? lo : -1;
}

/* The end (exclusive) of the run of order[] from start sharing one event id */
static int
event_id_run_end(const ChektBatchItem *items, const int *order, int n, int start)
{
	int			end = start + 1;

	while (end < n && strcmp(items[order[end]].event.event_id,
							 items[order[start]].event.event_id) == 0)
		end++;
	return end;
}

#define EVENT_COLUMNS 12
static const char *const event_columns[EVENT_COLUMNS] = {
	"event_id", "event_type", "created_at", "received_at", "last_received_at",
	"app", "delivery_count", "signed_at", "signature", "message_id",
	"headers", "body"
};
static const Oid event_column_types[EVENT_COLUMNS] = {
	TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID,
	INT4OID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID
};

/*
 * The chekt.events row of the run of order[] from start (one event id): its
 * first delivery, counting the run's pending deliveries with the same body.
 */
static void
event_row(const ChektBatchItem *items, const int *order, int start, int end,
		  Datum *values, bool *nulls)
{
	const ChektBatchItem *first = &items[order[start]];
	const ChektDelivery *d = &first->delivery;
	TimestampTz last_received = d->received_at;
	int32		count = 0;
	int			j;

	for (j = start; j < end; j++)
		if (items[order[j]].outcome == OUTCOME_PENDING && same_body(&items[order[j]], first))
		{
			count++;
			last_received = Max(last_received, items[order[j]].delivery.received_at);
		}

	values[0] = PointerGetDatum(first->event.event_id_text);
	values[1] = PointerGetDatum(first->event.type->name_text);
	values[2] = TimestampTzGetDatum(first->event.created_at);
	values[3] = TimestampTzGetDatum(d->received_at);
	values[4] = TimestampTzGetDatum(last_received);
	values[5] = PointerGetDatum(d->app);
	values[6] = Int32GetDatum(count);
	values[7] = PointerGetDatum(d->signed_at);
	values[8] = PointerGetDatum(d->signature);
	values[9] = PointerGetDatum(d->message_id);
	values[10] = PointerGetDatum(d->headers);
	values[11] = PointerGetDatum(d->body);
	memset(nulls, false, sizeof(bool) * EVENT_COLUMNS);
	nulls[7] = d->signed_at == NULL;
	nulls[8] = d->signature == NULL;
	nulls[9] = d->message_id == NULL;
	nulls[10] = d->headers == NULL;
}

/*
 * Settle a run whose first delivery was stored as a new event: it is
 * accepted, the same body again is a duplicate, another body id_conflict.
 */
static void
settle_new_event(ChektBatchItem *items, const int *order, int start, int end)
{
	ChektBatchItem *first = &items[order[start]];
	int			j;

	for (j = start; j < end; j++)
	{
		ChektBatchItem *item = &items[order[j]];

		if (item->outcome != OUTCOME_PENDING)
			continue;
		if (j == start)
			item->outcome = OUTCOME_ACCEPTED;
		else if (same_body(item, first))
			item->outcome = OUTCOME_DUPLICATE;
		else
			refuse_as_id_conflict(item);
	}
}

#define COUNT_COLUMNS 3
static const Oid count_column_types[COUNT_COLUMNS] = {TEXTOID, INT4OID, TIMESTAMPTZOID};
static const char *count_duplicates_sql =
"UPDATE chekt.events AS e"
"   SET delivery_count = e.delivery_count + d.n,"
"       last_received_at = greatest(e.last_received_at, d.last_received_at)"
"  FROM unnest($1, $2, $3) AS d (event_id, n, last_received_at)"
" WHERE e.event_id = d.event_id";

/*
 * Settle the pending deliveries whose event id chekt.events already holds,
 * against the stored body: the same body is a duplicate (counted), another
 * is id_conflict.  Deliveries of ids not stored stay pending.
 *
 * Each id is looked up in the primary key directly, under a snapshot taken
 * now (what a new query would see): most ids are new, and a lookup that
 * finds nothing reads no table page.
 */
static void
settle_against_stored(ChektBatch *batch, const int *order, int n)
{
	ChektBatchItem *items = batch->items;
	ArrayColumns *counts = columns_begin(COUNT_COLUMNS, count_column_types);
	Relation	events = table_open(get_relname_relid("events", get_namespace_oid("chekt", false)),
									AccessShareLock);
	Oid			pkey_oid = RelationGetPrimaryKeyIndex(events);
	Relation	pkey;
	AttrNumber	body_attnum = attnameAttNum(events, "body", false);
	Snapshot	snapshot;
	TupleTableSlot *slot;
	IndexScanDesc scan;
	bool		any_counted = false;
	int			start;
	int			end;

	if (!OidIsValid(pkey_oid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
				 errmsg("relation \"chekt.events\" has no primary key"),
				 errdetail("Ingest deduplicates events by their primary key, event_id."),
				 errhint("ALTER TABLE chekt.events ADD PRIMARY KEY (event_id);")));
	pkey = index_open(pkey_oid, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	slot = table_slot_create(events, NULL);
	scan = index_beginscan(events, pkey, snapshot, 1, 0);

	for (start = 0; start < n; start = end)
	{
		ScanKeyData key;
		text	   *stored_body;
		bool		isnull;
		int32		duplicates = 0;
		TimestampTz last_received = 0;
		int			j;

		end = event_id_run_end(items, order, n, start);
		if (items[order[start]].outcome != OUTCOME_PENDING)
			continue;

		ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ,
					PointerGetDatum(items[order[start]].event.event_id_text));
		key.sk_collation = C_COLLATION_OID;
		index_rescan(scan, &key, 1, NULL, 0);
		if (!index_getnext_slot(scan, ForwardScanDirection, slot))
			continue;
		stored_body = DatumGetTextPP(slot_getattr(slot, body_attnum, &isnull));

		for (j = start; j < end; j++)
		{
			ChektBatchItem *item = &items[order[j]];

			if (item->outcome != OUTCOME_PENDING)
				continue;
			if (same_bytes(stored_body, item->delivery.body))
			{
				item->outcome = OUTCOME_DUPLICATE;
				duplicates++;
				last_received = Max(last_received, item->delivery.received_at);
			}
			else
				refuse_as_id_conflict(item);
		}
		ExecClearTuple(slot);
		if (duplicates > 0)
		{
			column_add_text(counts, 0, items[order[start]].event.event_id_text);
			column_add(counts, 1, Int32GetDatum(duplicates), false);
			column_add(counts, 2, TimestampTzGetDatum(last_received), false);
			any_counted = true;
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	UnregisterSnapshot(snapshot);
	index_close(pkey, AccessShareLock);
	table_close(events, AccessShareLock);
	if (any_counted)
		columns_execute(counts, count_duplicates_sql, SPI_OK_UPDATE);
}

/*
 * Store the first delivery of each new event id (pending after
 * settle_against_stored) in chekt.events, straight into the table, inside a
 * subtransaction.  Returns false, having stored nothing, if another
 * transaction stored one of those ids since they were looked up (a unique
 * violation); any other error is raised.
 */
static bool
insert_new_events(ChektBatch *batch, const int *order, int n)
{
	ChektBatchItem *items = batch->items;
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	volatile bool stored = false;
	int			start;
	int			end;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		ChektWriter *writer = NULL;
		Datum		values[EVENT_COLUMNS];
		bool		nulls[EVENT_COLUMNS];

		for (start = 0; start < n; start = end)
		{
			end = event_id_run_end(items, order, n, start);
			if (items[order[start]].outcome != OUTCOME_PENDING)
				continue;
			if (writer == NULL)
				writer = chekt_writer_begin("events", EVENT_COLUMNS, event_columns,
											event_column_types);
			event_row(items, order, start, end, values, nulls);
			chekt_writer_add(writer, values, nulls);
		}
		if (writer != NULL)
			chekt_writer_finish(writer);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		stored = true;
	}
	PG_CATCH();
	{
		ErrorData  *error;

		MemoryContextSwitchTo(cxt);
		error = CopyErrorData();
		if (error->sqlerrcode != ERRCODE_UNIQUE_VIOLATION)
			PG_RE_THROW();
		FlushErrorState();
		FreeErrorData(error);
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_END_TRY();

	if (stored)
		for (start = 0; start < n; start = end)
		{
			end = event_id_run_end(items, order, n, start);
			settle_new_event(items, order, start, end);
		}
	return stored;
}

static const char *upsert_events_sql =
"INSERT INTO chekt.events AS e (event_id, event_type, created_at, received_at,"
"    last_received_at, app, delivery_count, signed_at, signature, message_id,"
"    headers, body)"
" SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), unnest($6),"
"        unnest($7), unnest($8), unnest($9), unnest($10), unnest($11), unnest($12)"
" ON CONFLICT (event_id) DO UPDATE"
"   SET delivery_count = e.delivery_count + excluded.delivery_count,"
"       last_received_at = greatest(e.last_received_at, excluded.last_received_at)"
" WHERE e.body = excluded.body"
" RETURNING e.event_id, e.xmax = 0";

/*
 * The way for a batch that raced another writer: store or count the first
 * delivery of each pending event id with INSERT ... ON CONFLICT, which waits
 * for the other writer and sees what it stored.  Settles the runs whose
 * first delivery it inserted and the duplicates it counted; other bodies of
 * a stored id are left to settle_against_stored().
 */
static void
upsert_events(ChektBatch *batch, const int *order, int n)
{
	ChektBatchItem *items = batch->items;
	ArrayColumns *columns = columns_begin(EVENT_COLUMNS, event_column_types);
	Datum		values[EVENT_COLUMNS];
	bool		nulls[EVENT_COLUMNS];
	int			start;
	int			end;
	int			c;
	uint64		r;

	for (start = 0; start < n; start = end)
	{
		end = event_id_run_end(items, order, n, start);
		if (items[order[start]].outcome != OUTCOME_PENDING)
			continue;
		event_row(items, order, start, end, values, nulls);
		for (c = 0; c < EVENT_COLUMNS; c++)
			column_add(columns, c, values[c], nulls[c]);
	}
	columns_execute(columns, upsert_events_sql, SPI_OK_INSERT_RETURNING);

	/*
	 * A returned id was inserted (its run is settled as a new event) or was
	 * stored with the same body, in which case the upsert has counted the
	 * run's deliveries with that body: they are duplicates, to be counted no
	 * more.  Other bodies of the id stay pending for settle_against_stored().
	 */
	for (r = 0; r < SPI_processed; r++)
	{
		char	   *event_id = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		bool		isnull;
		bool		inserted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[r],
														  SPI_tuptable->tupdesc, 2, &isnull));
		int			j;

		start = find_event_id_run(items, order, n, event_id);
		if (start < 0)
			elog(ERROR, "the upsert returned event id \"%s\" that the batch does not hold", event_id);
		end = event_id_run_end(items, order, n, start);
		if (inserted)
		{
			settle_new_event(items, order, start, end);
			continue;
		}
		for (j = start; j < end; j++)
			if (items[order[j]].outcome == OUTCOME_PENDING &&
				same_body(&items[order[j]], &items[order[start]]))
				items[order[j]].outcome = OUTCOME_DUPLICATE;
	}
	SPI_freetuptable(SPI_tuptable);
}

/* The element type of a family column of a kind */
static Oid
kind_type(ChektFieldKind kind)
{
	switch (kind)
	{
		case FIELD_STRING:
			return TEXTOID;
		case FIELD_SECONDS:
			return INT4OID;
		case FIELD_TIMESTAMP:
			return TIMESTAMPTZOID;
	}
	elog(ERROR, "unrecognized field kind %d", (int) kind);
	return InvalidOid;			/* keep compiler quiet */
}

/* Columns every family table starts with */
#define FAMILY_BASE_COLUMNS 4
static const char *const family_base_columns[FAMILY_BASE_COLUMNS] = {
	"event_id", "event_type", "created_at", "received_at"
};

/* One row per accepted event in its family's table */
static void
insert_family_rows(ChektBatch *batch)
{
	const ChektCatalog *catalog = batch->catalog;
	int			f;

	for (f = 0; f < catalog->nfamilies; f++)
	{
		const ChektFamily *family = &catalog->families[f];
		int			ncolumns = FAMILY_BASE_COLUMNS + family->ncolumns;
		const char **columns = palloc(sizeof(char *) * ncolumns);
		Oid		   *types = palloc(sizeof(Oid) * ncolumns);
		Datum	   *values = palloc(sizeof(Datum) * ncolumns);
		bool	   *nulls = palloc0(sizeof(bool) * ncolumns);
		ChektWriter *writer = NULL;
		int			i;
		int			c;

		memcpy(columns, family_base_columns, sizeof(family_base_columns));
		types[0] = TEXTOID;
		types[1] = TEXTOID;
		types[2] = TIMESTAMPTZOID;
		types[3] = TIMESTAMPTZOID;
		for (c = 0; c < family->ncolumns; c++)
		{
			columns[FAMILY_BASE_COLUMNS + c] = family->columns[c];
			types[FAMILY_BASE_COLUMNS + c] = kind_type(family->kinds[c]);
		}

		for (i = 0; i < batch->nitems; i++)
		{
			ChektBatchItem *item = &batch->items[i];

			if (item->outcome != OUTCOME_ACCEPTED || item->event.type->family != f)
				continue;
			if (writer == NULL)
				writer = chekt_writer_begin(psprintf("%s_events", family->name),
											ncolumns, columns, types);
			values[0] = PointerGetDatum(item->event.event_id_text);
			values[1] = PointerGetDatum(item->event.type->name_text);
			values[2] = TimestampTzGetDatum(item->event.created_at);
			values[3] = TimestampTzGetDatum(item->delivery.received_at);
			memcpy(values + FAMILY_BASE_COLUMNS, item->event.values, sizeof(Datum) * family->ncolumns);
			memcpy(nulls + FAMILY_BASE_COLUMNS, item->event.nulls, sizeof(bool) * family->ncolumns);
			chekt_writer_add(writer, values, nulls);
		}
		if (writer != NULL)
			chekt_writer_finish(writer);
	}
}

#define REJECTED_COLUMNS 11
static const char *const rejected_columns[REJECTED_COLUMNS] = {
	"app", "received_at", "signed_at", "signature", "body", "message_id",
	"headers", "reason", "detail", "event_id", "body_bytes"
};
static const Oid rejected_column_types[REJECTED_COLUMNS] = {
	TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	TEXTOID, TEXTOID, TEXTOID, BYTEAOID
};

#define RETRIED_COLUMNS 4
static const Oid retried_column_types[RETRIED_COLUMNS] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
static const char *update_retried_sql =
"UPDATE chekt.rejected AS r"
"   SET reason = u.reason, detail = u.detail, event_id = u.event_id,"
"       retried_at = now(), retries = r.retries + 1"
"  FROM unnest($1, $2, $3, $4) AS u (rejected_id, reason, detail, event_id)"
" WHERE r.rejected_id = u.rejected_id";

static const Oid passed_column_types[1] = {INT8OID};
static const char *delete_passed_sql =
"DELETE FROM chekt.rejected WHERE rejected_id = ANY ($1)";

/*
 * Quarantine refused deliveries.  Deliveries re-run from the quarantine
 * leave it if they passed, and have their reason brought up to date if not.
 */
static void
write_quarantine(ChektBatch *batch)
{
	ChektWriter *rejected = NULL;
	int			nrejected_columns = REJECTED_COLUMNS - 1;
	ArrayColumns *retried = columns_begin(RETRIED_COLUMNS, retried_column_types);
	ArrayColumns *passed = columns_begin(1, passed_column_types);
	int			nretried = 0;
	int			npassed = 0;
	int			i;

	/*
	 * body_bytes only when needed: the library may be newer than a schema
	 * not yet updated (0.2.0 had no body_bytes, and no way to send bytes)
	 */
	for (i = 0; i < batch->nitems; i++)
		if (batch->items[i].delivery.body_is_bytes)
			nrejected_columns = REJECTED_COLUMNS;

	for (i = 0; i < batch->nitems; i++)
	{
		ChektBatchItem *item = &batch->items[i];
		ChektDelivery *d = &item->delivery;
		text	   *reason;
		text	   *event_id;

		if (!OUTCOME_IS_REFUSAL(item->outcome))
		{
			if (d->rejected_id != 0)
			{
				column_add(passed, 0, Int64GetDatum(d->rejected_id), false);
				npassed++;
			}
			continue;
		}

		reason = cstring_to_text(chekt_outcome_name(item->outcome));
		event_id = item->event.event_id_text;
		if (d->rejected_id != 0)
		{
			column_add(retried, 0, Int64GetDatum(d->rejected_id), false);
			column_add_text(retried, 1, reason);
			column_add_text(retried, 2, cstring_to_text(item->detail));
			column_add_text(retried, 3, event_id);
			nretried++;
			continue;
		}
		{
			Datum		values[REJECTED_COLUMNS] = {
				PointerGetDatum(d->app), TimestampTzGetDatum(d->received_at),
				PointerGetDatum(d->signed_at), PointerGetDatum(d->signature),
				PointerGetDatum(d->body), PointerGetDatum(d->message_id),
				PointerGetDatum(d->headers), PointerGetDatum(reason),
				PointerGetDatum(cstring_to_text(item->detail)), PointerGetDatum(event_id),
				PointerGetDatum(d->body)
			};
			/* a body that is not text is kept in body_bytes */
			bool		nulls[REJECTED_COLUMNS] = {
				false, false, d->signed_at == NULL, d->signature == NULL, d->body_is_bytes,
				d->message_id == NULL, d->headers == NULL, false, false, event_id == NULL,
				!d->body_is_bytes
			};

			if (rejected == NULL)
				rejected = chekt_writer_begin("rejected", nrejected_columns,
											  rejected_columns, rejected_column_types);
			chekt_writer_add(rejected, values, nulls);
		}
	}

	if (rejected != NULL)
		chekt_writer_finish(rejected);
	if (nretried > 0)
		columns_execute(retried, update_retried_sql, SPI_OK_UPDATE);
	if (npassed > 0)
	{
		columns_execute(passed, delete_passed_sql, SPI_OK_DELETE);
		batch->passed_retries += npassed;
	}
}

/*
 * Write a checked batch.  Afterwards no item is pending: each is accepted,
 * a duplicate, or refused (and quarantined).
 */
void
chekt_route_batch(ChektBatch *batch)
{
	int		   *order = palloc(sizeof(int) * batch->nitems);
	int			npending = 0;
	int			i;

	for (i = 0; i < batch->nitems; i++)
		if (batch->items[i].outcome == OUTCOME_PENDING)
			order[npending++] = i;

	if (npending > 0)
	{
		qsort_arg(order, npending, sizeof(int), compare_event_ids, batch->items);
		settle_against_stored(batch, order, npending);
		if (!insert_new_events(batch, order, npending))
		{
			upsert_events(batch, order, npending);
			settle_against_stored(batch, order, npending);
		}
		insert_family_rows(batch);
	}

	/* can't happen: an event the upsert neither stored nor found */
	for (i = 0; i < batch->nitems; i++)
		if (batch->items[i].outcome == OUTCOME_PENDING)
		{
			batch->items[i].outcome = OUTCOME_ID_CONFLICT;
			batch->items[i].detail = pstrdup("the event could neither be stored nor found in chekt.events");
		}
	write_quarantine(batch);
}
