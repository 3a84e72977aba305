/*-------------------------------------------------------------------------
 *
 * store_events.c
 *	  Storing a batch's events: dedupe, chekt_private.events, family tables
 *
 * Deduplication is per app and event id: the same id under two apps is two
 * events, neither touching the other.  An event is stored in its month of
 * chekt_private.events (partitioned by created_at, 0.9.0), and its id in
 * chekt_private.event_ids, the one unpartitioned key that every writer of
 * the id goes through first and that finds a redelivery under another
 * created_at for as long as the id stays there (a schema before 0.9.0 has
 * no event_ids: its unpartitioned events key decides).  The batch's valid
 * deliveries are sorted by app and event id; a run of one (app, id) is
 * settled as a whole:
 *
 *	- ids chekt_private.events already holds are settled against the stored body:
 *	  the same body is a duplicate (counted in delivery_count), another is
 *	  id_conflict;
 *	- the first delivery of each other id is stored, and the run settled
 *	  around it: accepted, then duplicates of it or id_conflicts.
 *
 * Only events stored here get a row in their family table, so each event
 * is stored once however often, and however concurrently, it is delivered.
 *
 * The lookups read what a query of this transaction would read now: its
 * snapshot under REPEATABLE READ and SERIALIZABLE, a new one under READ
 * COMMITTED, and in every case the transaction's own earlier writes.  The
 * count of duplicates goes on the row found, under an UPDATE's rules
 * (delivery_count.c), so the answer and the count always agree.
 *
 * New ids are stored straight into the table (writer.c), or, carefully, by
 * INSERT ... ON CONFLICT DO NOTHING, which waits for another transaction
 * storing the same id and then sees it (under REPEATABLE READ, an id another
 * transaction committed after this one's snapshot is a serialization
 * failure, as PostgreSQL's rules say).  batch.c chooses.
 *
 * Owner work (owner.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "parser/parse_relation.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "delivery_count.h"
#include "owner.h"
#include "route.h"
#include "schemas.h"
#include "store_events.h"
#include "writer.h"

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
	item->detail = psprintf("event \"%s\" of app \"%s\" was accepted before with a different body; chekt_private.events keeps the accepted one",
							item->event.event_id, text_to_cstring(item->delivery.app));
}

/* The pending items of a batch, sorted by app and event id, then by arrival */
typedef struct Runs
{
	ChektBatchItem *items;
	int		   *order;			/* item indexes */
	int			n;
} Runs;

/* Order of two (app, event id) keys: by the app's bytes, then the id's */
static int
compare_key(const text *app_a, const char *id_a, const text *app_b, const char *id_b)
{
	size_t		len_a = VARSIZE_ANY_EXHDR(app_a);
	size_t		len_b = VARSIZE_ANY_EXHDR(app_b);
	int			c = memcmp(VARDATA_ANY(app_a), VARDATA_ANY(app_b), Min(len_a, len_b));

	if (c == 0)
		c = (len_a > len_b) - (len_a < len_b);
	return c != 0 ? c : strcmp(id_a, id_b);
}

/* Order of two items' keys */
static int
compare_items(const ChektBatchItem *a, const ChektBatchItem *b)
{
	return compare_key(a->delivery.app, a->event.event_id,
					   b->delivery.app, b->event.event_id);
}

/* qsort_arg order of item indexes: by key, then by position in the batch */
static int
compare_event_keys(const void *a, const void *b, void *arg)
{
	const ChektBatchItem *items = arg;
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;
	int			c = compare_items(&items[ia], &items[ib]);

	return c != 0 ? c : (ia > ib) - (ia < ib);
}

/* The item at position i of the runs */
static inline ChektBatchItem *
run_item(const Runs *runs, int i)
{
	return &runs->items[runs->order[i]];
}

/* The end (exclusive) of the run from start sharing one (app, event id) */
static int
run_end(const Runs *runs, int start)
{
	int			end = start + 1;

	while (end < runs->n &&
		   compare_items(run_item(runs, end), run_item(runs, start)) == 0)
		end++;
	return end;
}

/* The start of the run holding (app, event_id), or -1 if there is none */
static int
find_run(const Runs *runs, const text *app, const char *event_id)
{
	int			lo = 0;
	int			hi = runs->n;

	/* the first position whose key is not below (app, event_id) */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;
		const ChektBatchItem *item = run_item(runs, mid);

		if (compare_key(item->delivery.app, item->event.event_id, app, event_id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < runs->n)
	{
		const ChektBatchItem *item = run_item(runs, lo);

		if (compare_key(item->delivery.app, item->event.event_id, app, event_id) == 0)
			return lo;
	}
	return -1;
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
 * The chekt_private.events row of the run from start to end: its first delivery,
 * counting the run's pending deliveries with the same body.
 */
static void
event_row(const Runs *runs, int start, int end, Datum *values, bool *nulls)
{
	const ChektBatchItem *first = run_item(runs, start);
	const ChektDelivery *d = &first->delivery;
	TimestampTz last_received = d->received_at;
	int32		count = 0;
	int			j;

	for (j = start; j < end; j++)
	{
		const ChektBatchItem *item = run_item(runs, j);

		if (item->outcome == OUTCOME_PENDING && same_body(item, first))
		{
			count++;
			last_received = Max(last_received, item->delivery.received_at);
		}
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
settle_new_event(const Runs *runs, int start, int end)
{
	const ChektBatchItem *first = run_item(runs, start);
	int			j;

	for (j = start; j < end; j++)
	{
		ChektBatchItem *item = run_item(runs, j);

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

/*
 * A table probed for (app, event_id) through its primary key: the events
 * table or one of its monthly partitions (keyed with created_at too), or
 * chekt_private.event_ids.  Ingest never scans a partitioned index.
 */
typedef struct Probe
{
	Oid			relid;
	Relation	rel;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	int			nkeys;
	int			app_key;		/* 0-based key columns; created_key -1 if none */
	int			id_key;
	int			created_key;
	AttrNumber	created_attnum;
	AttrNumber	body_attnum;	/* InvalidAttrNumber in chekt_private.event_ids */
	ChektDeliveryCounts *counts;	/* duplicates counted in it */
} Probe;

/* The probes of one lookup, by table (each allocated once: callers keep pointers) */
typedef struct Probes
{
	Probe	  **probes;
	int			n;
	int			capacity;
	Snapshot	snapshot;
} Probes;

/* The error for a month (or table) ingest dedupes by that has no primary key */
static void
report_missing_key(Relation rel)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table %s has no primary key", RelationGetRelationName(rel)),
			 errdetail("Ingest stores each event once by the key (app, event_id, created_at) of its month of chekt_private.events."),
			 errhint("Make months with chekt.create_partitions(), or give this one its key: ALTER TABLE chekt_private.%s ADD PRIMARY KEY (app, event_id, created_at).",
					 RelationGetRelationName(rel))));
}

/*
 * Where app, event_id and created_at are in rel's primary key, which dedupe
 * relies on: (app, event_id) in either order, with created_at or not.  A
 * schema older than the library (0.4.0 and before keyed events on event_id
 * alone) must be updated first.
 */
static Oid
probe_key(Probe *probe)
{
	Oid			index = chekt_primary_key_index(probe->rel);
	HeapTuple	tuple;
	int			k;

	probe->app_key = probe->id_key = probe->created_key = -1;
	probe->nkeys = 0;
	if (!OidIsValid(index) && probe->rel->rd_rel->relispartition)
		report_missing_key(probe->rel);
	if (OidIsValid(index) &&
		HeapTupleIsValid(tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(index))))
	{
		Form_pg_index form = (Form_pg_index) GETSTRUCT(tuple);

		probe->nkeys = form->indnkeyatts;
		for (k = 0; k < form->indnkeyatts; k++)
		{
			AttrNumber	attnum = form->indkey.values[k];
			const char *name = attnum > 0 ? get_attname(probe->relid, attnum, false) : "";

			if (strcmp(name, "app") == 0)
				probe->app_key = k;
			else if (strcmp(name, "event_id") == 0)
				probe->id_key = k;
			else if (strcmp(name, "created_at") == 0)
				probe->created_key = k;
		}
		ReleaseSysCache(tuple);
	}
	if (probe->app_key < 0 || probe->id_key < 0 ||
		probe->nkeys != (probe->created_key < 0 ? 2 : 3))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the primary key of %s is not (app, event_id)",
						RelationGetRelationName(probe->rel)),
				 errdetail("Ingest deduplicates events per app and event id; the chekt_events library is %s.",
						   CHEKT_VERSION),
				 errhint("Update the extension: ALTER EXTENSION chekt_events UPDATE.")));
	return index;
}

/* The probe of table relid, opened on first use */
static Probe *
probe_of(Probes *probes, Oid relid)
{
	Probe	   *probe;
	int			i;

	for (i = 0; i < probes->n; i++)
		if (probes->probes[i]->relid == relid)
			return probes->probes[i];
	if (probes->n == probes->capacity)
	{
		probes->capacity = probes->capacity == 0 ? 4 : probes->capacity * 2;
		probes->probes = probes->probes == NULL ?
			palloc(sizeof(Probe *) * probes->capacity) :
			repalloc(probes->probes, sizeof(Probe *) * probes->capacity);
	}
	probe = palloc0(sizeof(Probe));
	probes->probes[probes->n++] = probe;
	probe->relid = relid;
	probe->rel = table_open(relid, AccessShareLock);
	probe->index = index_open(probe_key(probe), AccessShareLock);
	probe->created_attnum = attnameAttNum(probe->rel, "created_at", false);
	probe->body_attnum = attnameAttNum(probe->rel, "body", false);
	probe->slot = table_slot_create(probe->rel, NULL);
	probe->scan = chekt_index_beginscan(probe->rel, probe->index, probes->snapshot, probe->nkeys, 0);
	return probe;
}

/* Set up one key of a probe */
static void
probe_scankey(Probe *probe, ScanKey keys, int k, RegProcedure eq, Datum value)
{
	ScanKeyInit(&keys[k], k + 1, BTEqualStrategyNumber, eq, value);
	keys[k].sk_collation = probe->index->rd_indcollation[k];
}

/* Find (app, event_id[, created_at]) in the probe's table; the row is in its slot */
static bool
probe_find(Probe *probe, const text *app, const text *event_id, TimestampTz created_at)
{
	ScanKeyData keys[3];

	probe_scankey(probe, keys, probe->app_key, F_TEXTEQ, PointerGetDatum(app));
	probe_scankey(probe, keys, probe->id_key, F_TEXTEQ, PointerGetDatum(event_id));
	if (probe->created_key >= 0)
		probe_scankey(probe, keys, probe->created_key, F_TIMESTAMPTZ_EQ,
					  TimestampTzGetDatum(created_at));
	ExecClearTuple(probe->slot);
	index_rescan(probe->scan, keys, probe->nkeys, NULL, 0);
	return index_getnext_slot(probe->scan, ForwardScanDirection, probe->slot);
}

/* The created_at of the row a probe found */
static TimestampTz
probe_created_at(Probe *probe)
{
	bool		isnull;

	return DatumGetTimestampTz(slot_getattr(probe->slot, probe->created_attnum, &isnull));
}

/* Close every probe's scan and table; their duplicate counts stay */
static void
probes_close(Probes *probes)
{
	int			i;

	for (i = 0; i < probes->n; i++)
	{
		Probe	   *probe = probes->probes[i];

		index_endscan(probe->scan);
		ExecDropSingleTupleTableSlot(probe->slot);
		index_close(probe->index, AccessShareLock);
		table_close(probe->rel, AccessShareLock);
	}
}

/* chekt_private.event_ids, InvalidOid in a schema before 0.9.0 (events then decides) */
static Oid
event_ids_relid(void)
{
	return chekt_relation_oid("event_ids", NULL);
}

/*
 * The latest created_at of an id ever removed from chekt_private.event_ids,
 * as chekt_private.event_ids_trimmed records it under snapshot (the one
 * event_ids is probed with, so that a trim committing meanwhile is seen in
 * both or in neither): every stored event created later has its id in
 * event_ids.  DT_NOEND, nothing known, without the table (before 0.11.0)
 * or a row.
 */
static TimestampTz
ids_trimmed_latest(Snapshot snapshot)
{
	Oid			relid = chekt_relation_oid("event_ids_trimmed", NULL);
	Relation	rel;
	TableScanDesc scan;
	TupleTableSlot *slot;
	AttrNumber	attnum;
	TimestampTz latest = DT_NOEND;
	bool		found = false;

	if (!OidIsValid(relid))
		return DT_NOEND;
	rel = table_open(relid, AccessShareLock);
	attnum = attnameAttNum(rel, "latest_created_at", false);
	slot = table_slot_create(rel, NULL);
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while (attnum > 0 && table_scan_getnextslot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		value = slot_getattr(slot, attnum, &isnull);

		if (isnull)
			continue;
		/* the greatest row counts */
		if (!found || DatumGetTimestampTz(value) > latest)
			latest = DatumGetTimestampTz(value);
		found = true;
	}
	table_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, AccessShareLock);
	return found ? latest : DT_NOEND;
}

/*
 * Settle the pending deliveries whose event chekt_private.events already
 * holds, against the stored body: the same body is a duplicate (counted),
 * another is id_conflict.  Deliveries of ids not stored stay pending.
 *
 * The stored event is in the month chekt_private.event_ids names for a
 * recent id, else in the month of the delivery's own created_at (an
 * identical delivery however old), looked up in that partition's key
 * directly, under the snapshot a query of this transaction would take now.
 * That month is not looked at when the delivery was created after the
 * latest id ever trimmed from event_ids: its event, if stored, would have
 * its id there (0.11.0; most ids are new, and this saves their second probe).
 * The careful way (careful) looks at every month: should the record be
 * wrong, the fast way fails on the month's key, and the batch written again
 * carefully still finds the event.
 */
static void
settle_against_stored(const Runs *runs, bool careful)
{
	Relation	events = chekt_relation_open("events", AccessShareLock);
	Oid			ids_relid = event_ids_relid();
	Probes		probes = {NULL, 0, 0, NULL};
	Probe	   *ids;
	TimestampTz ids_trimmed_through;
	int			start;
	int			end;
	int			i;

	/*
	 * event_ids locked before the snapshot is taken: a TRUNCATE of it (which
	 * no snapshot hides) that this waited for is then seen with the record
	 * its trigger raised
	 */
	if (OidIsValid(ids_relid))
		LockRelationOid(ids_relid, AccessShareLock);
	probes.snapshot = RegisterSnapshot(GetTransactionSnapshot());
	ids = OidIsValid(ids_relid) ? probe_of(&probes, ids_relid) : NULL;
	ids_trimmed_through = careful ? DT_NOEND : ids_trimmed_latest(probes.snapshot);

	for (start = 0; start < runs->n; start = end)
	{
		const ChektBatchItem *first = run_item(runs, start);
		TimestampTz created_at = first->event.created_at;
		Oid			leaf;
		Probe	   *probe;
		Datum		stored;
		Size		stored_len;
		text	   *stored_body;
		bool		isnull;
		int32		duplicates = 0;
		TimestampTz last_received = 0;
		int			j;

		end = run_end(runs, start);
		if (first->outcome != OUTCOME_PENDING)
			continue;
		if (ids != NULL && probe_find(ids, first->delivery.app, first->event.event_id_text, 0))
			created_at = probe_created_at(ids);
		else if (ids != NULL && created_at > ids_trimmed_through)
			continue;			/* stored, its id would be there: new */
		leaf = chekt_route_leaf(events, created_at);
		if (!OidIsValid(leaf))
			continue;
		probe = probe_of(&probes, leaf);
		if (!probe_find(probe, first->delivery.app, first->event.event_id_text, created_at))
			continue;
		created_at = probe_created_at(probe);
		stored = slot_getattr(probe->slot, probe->body_attnum, &isnull);
		stored_len = toast_raw_datum_size(stored) - VARHDRSZ;
		stored_body = NULL;

		for (j = start; j < end; j++)
		{
			ChektBatchItem *item = run_item(runs, j);
			bool		same = false;

			if (item->outcome != OUTCOME_PENDING)
				continue;
			/* the stored body is read (and detoasted) only if a length matches */
			if (VARSIZE_ANY_EXHDR(item->delivery.body) == stored_len)
			{
				if (stored_body == NULL)
					stored_body = DatumGetTextPP(stored);
				same = same_bytes(stored_body, item->delivery.body);
			}
			if (same)
			{
				item->outcome = OUTCOME_DUPLICATE;
				duplicates++;
				last_received = Max(last_received, item->delivery.received_at);
			}
			else
				refuse_as_id_conflict(item);
		}
		if (stored_body != NULL && (Pointer) stored_body != DatumGetPointer(stored))
			pfree(stored_body);
		if (duplicates > 0)
		{
			if (probe->counts == NULL)
				probe->counts = chekt_delivery_counts_begin(probe->relid, probes.snapshot);
			chekt_delivery_counts_add(probe->counts, probe->slot, first->delivery.app,
									  first->event.event_id_text, created_at,
									  duplicates, last_received);
		}
		ExecClearTuple(probe->slot);
	}
	probes_close(&probes);
	for (i = 0; i < probes.n; i++)
		if (probes.probes[i]->counts != NULL)
			chekt_delivery_counts_finish(probes.probes[i]->counts);
	UnregisterSnapshot(probes.snapshot);
	table_close(events, AccessShareLock);
}

/* Writers into the partitions of one table, begun as rows need them */
typedef struct LeafWriters
{
	Relation	parent;
	int			ncolumns;
	const char *const *columns;
	const Oid  *types;
	bool		keyed;			/* each partition must have its primary key */
	Oid		   *leaves;
	ChektWriter **writers;
	int			n;
	int			capacity;
} LeafWriters;

/* Start writing rows of the given columns into the table of that name */
static void
leaf_writers_begin(LeafWriters *lw, const char *table, int ncolumns,
				   const char *const *columns, const Oid *types)
{
	memset(lw, 0, sizeof(LeafWriters));
	lw->parent = chekt_relation_open(table, RowExclusiveLock);
	lw->keyed = strcmp(table, "events") == 0;
	lw->ncolumns = ncolumns;
	lw->columns = columns;
	lw->types = types;
}

/*
 * Refuse to write into a month of chekt_private.events without its primary
 * key (one made by hand with CREATE TABLE ... PARTITION OF, since the table
 * itself has none): a new id is stored there without a look at the month,
 * and the key is what makes a wrongly new one fail and be written again
 * carefully instead of stored twice.
 */
static void
require_month_key(Oid leaf)
{
	Relation	rel = table_open(leaf, RowExclusiveLock);

	if (!OidIsValid(chekt_primary_key_index(rel)))
		report_missing_key(rel);
	table_close(rel, NoLock);
}

/* Add a row to the partition of created_at's month (route.c) */
static void
leaf_writers_add(LeafWriters *lw, TimestampTz created_at, const Datum *values, const bool *nulls)
{
	Oid			leaf = chekt_route_leaf(lw->parent, created_at);
	int			i;

	if (!OidIsValid(leaf))
		elog(ERROR, "no partition of %s holds %s",
			 RelationGetRelationName(lw->parent), timestamptz_to_str(created_at));
	for (i = 0; i < lw->n && lw->leaves[i] != leaf; i++)
		;
	if (i == lw->n)
	{
		if (lw->n == lw->capacity)
		{
			lw->capacity = lw->capacity == 0 ? 4 : lw->capacity * 2;
			lw->leaves = lw->leaves == NULL ? palloc(sizeof(Oid) * lw->capacity) :
				repalloc(lw->leaves, sizeof(Oid) * lw->capacity);
			lw->writers = lw->writers == NULL ? palloc(sizeof(ChektWriter *) * lw->capacity) :
				repalloc(lw->writers, sizeof(ChektWriter *) * lw->capacity);
		}
		if (lw->keyed)
			require_month_key(leaf);
		lw->leaves[i] = leaf;
		lw->writers[i] = chekt_writer_begin_relid(leaf, lw->ncolumns, lw->columns, lw->types);
		lw->n++;
	}
	chekt_writer_add(lw->writers[i], values, nulls);
}

/* Write what is left into every partition and close them */
static void
leaf_writers_finish(LeafWriters *lw)
{
	int			i;

	for (i = 0; i < lw->n; i++)
		chekt_writer_finish(lw->writers[i]);
	table_close(lw->parent, NoLock);
}

#define ID_COLUMNS 4
static const char *const id_columns[ID_COLUMNS] = {
	"app", "event_id", "created_at", "received_at"
};
static const Oid id_column_types[ID_COLUMNS] = {
	TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID
};

/* The chekt_private.event_ids row of the event a run stores */
static void
id_row(const Runs *runs, int start, Datum *values, bool *nulls)
{
	const ChektBatchItem *first = run_item(runs, start);

	values[0] = PointerGetDatum(first->delivery.app);
	values[1] = PointerGetDatum(first->event.event_id_text);
	values[2] = TimestampTzGetDatum(first->event.created_at);
	values[3] = TimestampTzGetDatum(first->delivery.received_at);
	memset(nulls, false, sizeof(bool) * ID_COLUMNS);
}

/*
 * Store the first delivery of each id still pending straight into
 * chekt_private.event_ids and its month of chekt_private.events, and settle
 * the runs around them.  A concurrent writer of the same id makes the
 * insert into event_ids (or, before 0.9.0, events) fail; the caller then
 * tries the careful way.
 */
static void
insert_new_events(const Runs *runs)
{
	Oid			ids_relid = event_ids_relid();
	ChektWriter *ids = NULL;
	LeafWriters events;
	Datum		values[EVENT_COLUMNS];
	bool		nulls[EVENT_COLUMNS];
	int			start;
	int			end;

	if (OidIsValid(ids_relid))
	{
		ids = chekt_writer_begin_relid(ids_relid, ID_COLUMNS, id_columns, id_column_types);
		for (start = 0; start < runs->n; start = end)
		{
			end = run_end(runs, start);
			if (run_item(runs, start)->outcome != OUTCOME_PENDING)
				continue;
			id_row(runs, start, values, nulls);
			chekt_writer_add(ids, values, nulls);
		}
		chekt_writer_finish(ids);
	}

	leaf_writers_begin(&events, "events", EVENT_COLUMNS, event_columns, event_column_types);
	for (start = 0; start < runs->n; start = end)
	{
		end = run_end(runs, start);
		if (run_item(runs, start)->outcome != OUTCOME_PENDING)
			continue;
		event_row(runs, start, end, values, nulls);
		leaf_writers_add(&events, run_item(runs, start)->event.created_at, values, nulls);
	}
	leaf_writers_finish(&events);
	for (start = 0; start < runs->n; start = end)
	{
		end = run_end(runs, start);
		settle_new_event(runs, start, end);
	}
}

/*
 * The returned rows are the keys it inserted (a CTE, so that SPI takes an
 * insert that returns no row from any planner, Citus's included).  %s: the
 * table (schemas.c); the columns are its key's and what ids need.
 */
static const char *insert_ids_if_absent_sql =
"WITH inserted AS ("
" INSERT INTO %s (app, event_id, created_at, received_at)"
" SELECT unnest($1), unnest($2), unnest($3), unnest($4)"
" ON CONFLICT (app, event_id) DO NOTHING"
" RETURNING app, event_id)"
"SELECT app, event_id FROM inserted";
/* before 0.9.0: chekt_private.events, unpartitioned, decides */
static const char *insert_events_if_absent_sql =
"WITH inserted AS ("
" INSERT INTO %s (event_id, event_type, created_at, received_at,"
"    last_received_at, app, delivery_count, signed_at, signature, message_id,"
"    headers, body)"
" SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), unnest($6),"
"        unnest($7), unnest($8), unnest($9), unnest($10), unnest($11), unnest($12)"
" ON CONFLICT (app, event_id) DO NOTHING"
" RETURNING app, event_id)"
"SELECT app, event_id FROM inserted";

/*
 * The careful way: claim the id of the first delivery of each run still
 * pending unless chekt_private.event_ids holds it by then, waiting for any
 * other writer of it; store the events of the ids claimed, and settle their
 * runs.  The others stay pending for settle_against_stored().
 */
static void
insert_if_absent(const Runs *runs)
{
	Oid			ids_relid = event_ids_relid();
	bool		with_ids = OidIsValid(ids_relid);
	ChektArrays *rows = with_ids ? chekt_arrays_begin(ID_COLUMNS, id_column_types) :
		chekt_arrays_begin(EVENT_COLUMNS, event_column_types);
	Datum		values[EVENT_COLUMNS];
	bool		nulls[EVENT_COLUMNS];
	int		   *claimed;
	int			nclaimed = 0;
	int			start;
	int			end;
	uint64		r;

	for (start = 0; start < runs->n; start = end)
	{
		end = run_end(runs, start);
		if (run_item(runs, start)->outcome != OUTCOME_PENDING)
			continue;
		if (with_ids)
			id_row(runs, start, values, nulls);
		else
			event_row(runs, start, end, values, nulls);
		chekt_arrays_add(rows, values, nulls);
	}
	if (chekt_arrays_count(rows) == 0)
		return;
	chekt_arrays_execute(rows,
						 with_ids ? psprintf(insert_ids_if_absent_sql, chekt_relid_name(ids_relid)) :
						 psprintf(insert_events_if_absent_sql, chekt_relation_name("events")),
						 SPI_OK_SELECT);

	claimed = palloc(sizeof(int) * (SPI_processed + 1));
	for (r = 0; r < SPI_processed; r++)
	{
		bool		isnull;
		text	   *app = DatumGetTextPP(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
		char	   *event_id = SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2);

		start = find_run(runs, app, event_id);
		if (start < 0)
			elog(ERROR, "the careful insert returned event id \"%s\" of app \"%s\", which the batch does not hold",
				 event_id, text_to_cstring(app));
		claimed[nclaimed++] = start;
	}
	SPI_freetuptable(SPI_tuptable);

	if (with_ids && nclaimed > 0)
	{
		LeafWriters events;
		int			c;

		leaf_writers_begin(&events, "events", EVENT_COLUMNS, event_columns, event_column_types);
		for (c = 0; c < nclaimed; c++)
		{
			event_row(runs, claimed[c], run_end(runs, claimed[c]), values, nulls);
			leaf_writers_add(&events, run_item(runs, claimed[c])->event.created_at, values, nulls);
		}
		leaf_writers_finish(&events);
	}
	for (r = 0; r < (uint64) nclaimed; r++)
		settle_new_event(runs, claimed[r], run_end(runs, claimed[r]));
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
#define FAMILY_BASE_COLUMNS 5
static const char *const family_base_columns[FAMILY_BASE_COLUMNS] = {
	"event_id", "app", "event_type", "created_at", "received_at"
};
static const Oid family_base_types[FAMILY_BASE_COLUMNS] = {
	TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID
};

/* One row per accepted event in its family's table */
static void
insert_family_rows(ChektBatch *batch, const ChektCatalog *catalog)
{
	int			f;

	for (f = 0; f < catalog->nfamilies; f++)
	{
		const ChektFamily *family = &catalog->families[f];
		int			ncolumns = FAMILY_BASE_COLUMNS + family->ncolumns;
		const char **columns = palloc(sizeof(char *) * ncolumns);
		Oid		   *types = palloc(sizeof(Oid) * ncolumns);
		Datum	   *values = palloc(sizeof(Datum) * ncolumns);
		bool	   *nulls = palloc0(sizeof(bool) * ncolumns);
		LeafWriters writers;
		bool		begun = false;
		int			i;
		int			c;

		memcpy(columns, family_base_columns, sizeof(family_base_columns));
		memcpy(types, family_base_types, sizeof(family_base_types));
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
			if (!begun)
				leaf_writers_begin(&writers, psprintf("%s_events", family->name),
								   ncolumns, columns, types);
			begun = true;
			values[0] = PointerGetDatum(item->event.event_id_text);
			values[1] = PointerGetDatum(item->delivery.app);
			values[2] = PointerGetDatum(item->event.type->name_text);
			values[3] = TimestampTzGetDatum(item->event.created_at);
			values[4] = TimestampTzGetDatum(item->delivery.received_at);
			memcpy(values + FAMILY_BASE_COLUMNS, item->event.values, sizeof(Datum) * family->ncolumns);
			memcpy(nulls + FAMILY_BASE_COLUMNS, item->event.nulls, sizeof(bool) * family->ncolumns);
			leaf_writers_add(&writers, item->event.created_at, values, nulls);
		}
		if (begun)
			leaf_writers_finish(&writers);
	}
}

/*
 * Store the batch's valid events.  Afterwards none of its items is
 * pending: each is accepted, a duplicate, or id_conflict.
 */
void
chekt_store_events(ChektBatch *batch, bool careful)
{
	Runs		runs;
	int			i;

	chekt_route_batch(batch);

	runs.items = batch->items;
	runs.order = palloc(sizeof(int) * batch->nitems);
	runs.n = 0;
	for (i = 0; i < batch->nitems; i++)
		if (batch->items[i].outcome == OUTCOME_PENDING)
			runs.order[runs.n++] = i;
	if (runs.n == 0)
		return;
	qsort_arg(runs.order, runs.n, sizeof(int), compare_event_keys, batch->items);

	settle_against_stored(&runs, careful);
	if (!careful)
	{
		/* the one step another writer of the same ids can make fail */
		batch->inserting_events = true;
		insert_new_events(&runs);
		batch->inserting_events = false;
	}
	else
	{
		insert_if_absent(&runs);
		settle_against_stored(&runs, true);
	}
	insert_family_rows(batch, chekt_judge_catalog(batch->judge));

	/*
	 * Only if the stored event was deleted meanwhile: neither stored nor
	 * found.  Quarantined, where retry_rejected() can store it later.
	 */
	for (i = 0; i < runs.n; i++)
	{
		ChektBatchItem *item = run_item(&runs, i);

		if (item->outcome == OUTCOME_PENDING)
		{
			item->outcome = OUTCOME_ID_CONFLICT;
			item->detail = pstrdup("the event could neither be stored nor found in chekt_private.events");
		}
	}
}
