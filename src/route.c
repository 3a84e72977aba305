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

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

#include "route.h"

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

/* Are two deliveries' bodies the same bytes? */
static bool
same_body(const ChektBatchItem *a, const ChektBatchItem *b)
{
	return VARSIZE(a->delivery.body) == VARSIZE(b->delivery.body) &&
		memcmp(VARDATA(a->delivery.body), VARDATA(b->delivery.body),
			   VARSIZE(a->delivery.body) - VARHDRSZ) == 0;
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
static const Oid event_column_types[EVENT_COLUMNS] = {
	TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TEXTOID,
	INT4OID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, TEXTOID
};
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
 * Insert or count the first delivery of each event id (the batch's
 * deliveries with that id and body count with it).  Settles the items it
 * can: accepted or duplicate.
 */
static void
upsert_events(ChektBatch *batch, const int *order, int n)
{
	ChektBatchItem *items = batch->items;
	ArrayColumns *columns = columns_begin(EVENT_COLUMNS, event_column_types);
	int		   *run_start = palloc(sizeof(int) * n);
	int		   *run_end = palloc(sizeof(int) * n);
	int			nruns = 0;
	int			start;
	uint64		r;

	for (start = 0; start < n; start = run_end[nruns++])
	{
		ChektBatchItem *first = &items[order[start]];
		TimestampTz last_received = first->delivery.received_at;
		int32		count = 0;
		int			j;

		run_start[nruns] = start;
		run_end[nruns] = event_id_run_end(items, order, n, start);
		for (j = start; j < run_end[nruns]; j++)
			if (same_body(&items[order[j]], first))
			{
				count++;
				last_received = Max(last_received, items[order[j]].delivery.received_at);
			}

		column_add_text(columns, 0, cstring_to_text(first->event.event_id));
		column_add_text(columns, 1, cstring_to_text(first->event.type->name));
		column_add(columns, 2, TimestampTzGetDatum(first->event.created_at), false);
		column_add(columns, 3, TimestampTzGetDatum(first->delivery.received_at), false);
		column_add(columns, 4, TimestampTzGetDatum(last_received), false);
		column_add_text(columns, 5, first->delivery.app);
		column_add(columns, 6, Int32GetDatum(count), false);
		column_add_text(columns, 7, first->delivery.signed_at);
		column_add_text(columns, 8, first->delivery.signature);
		column_add_text(columns, 9, first->delivery.message_id);
		column_add_text(columns, 10, first->delivery.headers);
		column_add_text(columns, 11, first->delivery.body);
	}
	columns_execute(columns, upsert_events_sql, SPI_OK_INSERT_RETURNING);

	/* each returned id was inserted, or known with the same body */
	for (r = 0; r < SPI_processed; r++)
	{
		char	   *event_id = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1);
		bool		isnull;
		bool		inserted = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[r],
														  SPI_tuptable->tupdesc, 2, &isnull));
		int			lo = 0;
		int			hi = nruns - 1;

		while (lo <= hi)
		{
			int			mid = (lo + hi) / 2;
			ChektBatchItem *first = &items[order[run_start[mid]]];
			int			c = strcmp(event_id, first->event.event_id);

			if (c == 0)
			{
				int			j;

				for (j = run_start[mid]; j < run_end[mid]; j++)
					if (same_body(&items[order[j]], first))
						items[order[j]].outcome =
							(inserted && j == run_start[mid]) ? OUTCOME_ACCEPTED : OUTCOME_DUPLICATE;
				break;
			}
			if (c < 0)
				hi = mid - 1;
			else
				lo = mid + 1;
		}
	}
	SPI_freetuptable(SPI_tuptable);
}

static const Oid stored_body_types[1] = {TEXTOID};
static const char *stored_bodies_sql =
"SELECT event_id, body FROM chekt.events"
" WHERE event_id = ANY ($1) ORDER BY event_id COLLATE \"C\"";

#define COUNT_COLUMNS 3
static const Oid count_column_types[COUNT_COLUMNS] = {TEXTOID, INT4OID, TIMESTAMPTZOID};
static const char *count_duplicates_sql =
"UPDATE chekt.events AS e"
"   SET delivery_count = e.delivery_count + d.n,"
"       last_received_at = greatest(e.last_received_at, d.last_received_at)"
"  FROM unnest($1, $2, $3) AS d (event_id, n, last_received_at)"
" WHERE e.event_id = d.event_id";

/*
 * Settle the items upsert_events() left open against the body stored for
 * their event id: the same body is a duplicate, another is id_conflict.
 */
static void
settle_against_stored(ChektBatch *batch, const int *order, int n)
{
	ChektBatchItem *items = batch->items;
	ArrayColumns *ids = columns_begin(1, stored_body_types);
	ArrayColumns *counts = columns_begin(COUNT_COLUMNS, count_column_types);
	SPITupleTable *stored;
	uint64		nstored;
	bool		any_open = false;
	bool		any_counted = false;
	int			start;

	for (start = 0; start < n; start = event_id_run_end(items, order, n, start))
	{
		int			j;

		for (j = start; j < event_id_run_end(items, order, n, start); j++)
			if (items[order[j]].outcome == OUTCOME_PENDING)
			{
				column_add_text(ids, 0, cstring_to_text(items[order[j]].event.event_id));
				any_open = true;
				break;
			}
	}
	if (!any_open)
		return;
	columns_execute(ids, stored_bodies_sql, SPI_OK_SELECT);
	stored = SPI_tuptable;
	nstored = SPI_processed;

	for (start = 0; start < n; start = event_id_run_end(items, order, n, start))
	{
		int			end = event_id_run_end(items, order, n, start);
		const char *event_id = items[order[start]].event.event_id;
		text	   *stored_body = NULL;
		int32		duplicates = 0;
		TimestampTz last_received = 0;
		uint64		r;
		int			j;

		for (r = 0; r < nstored && stored_body == NULL; r++)
			if (strcmp(SPI_getvalue(stored->vals[r], stored->tupdesc, 1), event_id) == 0)
			{
				bool		isnull;

				stored_body = DatumGetTextPP(SPI_getbinval(stored->vals[r], stored->tupdesc, 2, &isnull));
			}

		for (j = start; j < end; j++)
		{
			ChektBatchItem *item = &items[order[j]];

			if (item->outcome != OUTCOME_PENDING)
				continue;
			if (stored_body != NULL &&
				VARSIZE_ANY_EXHDR(stored_body) == VARSIZE(item->delivery.body) - VARHDRSZ &&
				memcmp(VARDATA_ANY(stored_body), VARDATA(item->delivery.body),
					   VARSIZE_ANY_EXHDR(stored_body)) == 0)
			{
				item->outcome = OUTCOME_DUPLICATE;
				duplicates++;
				last_received = Max(last_received, item->delivery.received_at);
			}
			else
			{
				item->outcome = OUTCOME_ID_CONFLICT;
				item->detail = psprintf("event \"%s\" was accepted before with a different body; chekt.events keeps the accepted one",
										event_id);
			}
		}
		if (duplicates > 0)
		{
			column_add_text(counts, 0, cstring_to_text(event_id));
			column_add(counts, 1, Int32GetDatum(duplicates), false);
			column_add(counts, 2, TimestampTzGetDatum(last_received), false);
			any_counted = true;
		}
	}
	SPI_freetuptable(stored);
	if (any_counted)
		columns_execute(counts, count_duplicates_sql, SPI_OK_UPDATE);
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

/* INSERT ... SELECT FROM unnest(...) into a family's table */
static char *
family_insert_sql(const ChektFamily *family)
{
	StringInfoData sql;
	int			i;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO chekt.%s (event_id, event_type, created_at, received_at",
					 quote_identifier(psprintf("%s_events", family->name)));
	for (i = 0; i < family->ncolumns; i++)
		appendStringInfo(&sql, ", %s", quote_identifier(family->columns[i]));
	appendStringInfoString(&sql, ") SELECT unnest($1)");
	for (i = 1; i < FAMILY_BASE_COLUMNS + family->ncolumns; i++)
		appendStringInfo(&sql, ", unnest($%d)", i + 1);
	return sql.data;
}

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
		Oid		   *types = palloc(sizeof(Oid) * ncolumns);
		ArrayColumns *columns;
		bool		any = false;
		int			i;
		int			c;

		types[0] = TEXTOID;
		types[1] = TEXTOID;
		types[2] = TIMESTAMPTZOID;
		types[3] = TIMESTAMPTZOID;
		for (c = 0; c < family->ncolumns; c++)
			types[FAMILY_BASE_COLUMNS + c] = kind_type(family->kinds[c]);
		columns = columns_begin(ncolumns, types);

		for (i = 0; i < batch->nitems; i++)
		{
			ChektBatchItem *item = &batch->items[i];

			if (item->outcome != OUTCOME_ACCEPTED || item->event.type->family != f)
				continue;
			column_add_text(columns, 0, cstring_to_text(item->event.event_id));
			column_add_text(columns, 1, cstring_to_text(item->event.type->name));
			column_add(columns, 2, TimestampTzGetDatum(item->event.created_at), false);
			column_add(columns, 3, TimestampTzGetDatum(item->delivery.received_at), false);
			for (c = 0; c < family->ncolumns; c++)
				column_add(columns, FAMILY_BASE_COLUMNS + c,
						   item->event.values[c], item->event.nulls[c]);
			any = true;
		}
		if (any)
			columns_execute(columns, family_insert_sql(family), SPI_OK_INSERT);
	}
}

#define REJECTED_COLUMNS 10
static const Oid rejected_column_types[REJECTED_COLUMNS] = {
	TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	TEXTOID, TEXTOID, TEXTOID
};
static const char *insert_rejected_sql =
"INSERT INTO chekt.rejected (app, received_at, signed_at, signature, body,"
"    message_id, headers, reason, detail, event_id)"
" SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), unnest($6),"
"        unnest($7), unnest($8), unnest($9), unnest($10)";

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
	ArrayColumns *rejected = columns_begin(REJECTED_COLUMNS, rejected_column_types);
	ArrayColumns *retried = columns_begin(RETRIED_COLUMNS, retried_column_types);
	ArrayColumns *passed = columns_begin(1, passed_column_types);
	int			nrejected = 0;
	int			nretried = 0;
	int			npassed = 0;
	int			i;

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
		event_id = item->event.event_id ? cstring_to_text(item->event.event_id) : NULL;
		if (d->rejected_id != 0)
		{
			column_add(retried, 0, Int64GetDatum(d->rejected_id), false);
			column_add_text(retried, 1, reason);
			column_add_text(retried, 2, cstring_to_text(item->detail));
			column_add_text(retried, 3, event_id);
			nretried++;
			continue;
		}
		column_add_text(rejected, 0, d->app);
		column_add(rejected, 1, TimestampTzGetDatum(d->received_at), false);
		column_add_text(rejected, 2, d->signed_at);
		column_add_text(rejected, 3, d->signature);
		column_add_text(rejected, 4, d->body);
		column_add_text(rejected, 5, d->message_id);
		column_add_text(rejected, 6, d->headers);
		column_add_text(rejected, 7, reason);
		column_add_text(rejected, 8, cstring_to_text(item->detail));
		column_add_text(rejected, 9, event_id);
		nrejected++;
	}

	if (nrejected > 0)
		columns_execute(rejected, insert_rejected_sql, SPI_OK_INSERT);
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
		upsert_events(batch, order, npending);
		settle_against_stored(batch, order, npending);
		insert_family_rows(batch);
	}
	write_quarantine(batch);
}
