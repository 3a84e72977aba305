/*-------------------------------------------------------------------------
 *
 * store_alarms.c
 *	  Recording the events of each alarm beside the months
 *
 * Alarms carry no time, so over monthly partitions a question about one
 * alarm would plan and probe every month.  chekt.alarm_trail (0.15.0) holds
 * every event linked to an alarm (alarm.*, snapshots, verification
 * requests: every family with an alarm_id; relays, whose trigger names the
 * alarm), with what the timeline and the lifecycle show of it, taken by
 * name from the event's family: chekt.alarm_timeline() reads it alone, and
 * the lifecycle takes its earliest row of each type.  Ingest writes each
 * newly stored event's row in the same batch, with no lookup: dedupe has
 * already made each event new once.
 *
 * A schema of 0.13.0 or 0.14.0 (the library updated, the extension not
 * yet) has chekt.alarm_firsts instead, the first event of each alarm, type
 * and month with the lifecycle's columns: the batch's first of each is
 * looked up in the table's index and written unless an event as early or
 * earlier is there, as listing.c describes; readers take the earliest row.
 *
 * Owner work (owner.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "compat.h"
#include "listing.h"
#include "route.h"
#include "schemas.h"
#include "store_alarms.h"
#include "writer.h"

#define ALARM_COLUMN "alarm_id"

/*
 * A family without an alarm_id field names its alarm in a trigger of this
 * form: relay_events.alarm_id is generated from it so (0.1.0), and here it
 * is read alike
 */
#define TRIGGER_COLUMN "trigger"
#define TRIGGER_PREFIX "alarm.created:"

/*
 * chekt.alarm_trail's columns: first the keys of chekt.alarm_firsts' index
 * (0.13.0; the trail's own index had them until 0.18.0, and is on
 * (alarm_id, app) since), in order, then what the families' events give the timeline
 * and the lifecycle.  The first FIRST_COLUMNS are chekt.alarm_firsts', in
 * its order.
 */
#define FIRST_KEYS 5
#define FIRST_COLUMNS 14
#define TRAIL_COLUMNS 23
#define PAYLOAD_COLUMNS (TRAIL_COLUMNS - FIRST_KEYS)
#define KEY_CREATED_AT 3
#define KEY_EVENT_ID 4
static const char *const trail_columns[TRAIL_COLUMNS] = {
	"alarm_id", "app", "event_type", "created_at", "event_id",
	"site_id", "device_id", "priority", "trigger", "location",
	"operator_id", "responder_type", "eta_seconds", "resolution",
	"reason", "responder_id", "tracking_url", "notes", "url",
	"relay_id", "duration_seconds", "requested_by", "deadline_seconds"
};
static const Oid trail_column_types[TRAIL_COLUMNS] = {
	TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, TEXTOID, INT4OID, TEXTOID,
	TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	TEXTOID, INT4OID, TEXTOID, INT4OID
};

#define TRAIL_TABLE "alarm_trail"

static const ChektListing alarm_firsts = {
	"alarm_firsts", "alarm_firsts_alarm_idx", FIRST_KEYS, trail_columns,
	"CREATE INDEX alarm_firsts_alarm_idx ON chekt.alarm_firsts (alarm_id, app, event_type, created_at, event_id)"
};

/* An accepted event linked to an alarm */
typedef struct AlarmEvent
{
	text	   *alarm_id;
	text	   *app;
	text	   *event_type;
	DateADT		month;			/* its UTC month (set by keep_firsts()) */
	TimestampTz created_at;
	text	   *event_id;
	const ChektBatchItem *item;
} AlarmEvent;

/* Where the catalog's families keep what the trail takes */
typedef struct AlarmColumns
{
	int		   *alarm_column;	/* per family: its alarm_id column, or -1 */
	int		   *trigger_column; /* per family without one: its trigger, or -1 */
	int		   *payload;		/* per family, PAYLOAD_COLUMNS each: its
								 * column of that name and kind, or -1 */
} AlarmColumns;

/* The catalog column kind that stores a column of the trail's type */
static ChektFieldKind
kind_of(Oid type)
{
	return type == INT4OID ? FIELD_SECONDS : type == TIMESTAMPTZOID ? FIELD_TIMESTAMP : FIELD_STRING;
}

/*
 * Find each family's alarm_id column (or trigger naming the alarm), and its
 * columns of the trail (by name and kind); false if no family names alarms
 */
static bool
alarm_columns(const ChektCatalog *catalog, AlarmColumns *where)
{
	int			nfamilies = Max(catalog->nfamilies, 1);
	bool		any = false;
	int			f;
	int			c;
	int			p;

	where->alarm_column = palloc(sizeof(int) * nfamilies);
	where->trigger_column = palloc(sizeof(int) * nfamilies);
	where->payload = palloc(sizeof(int) * nfamilies * PAYLOAD_COLUMNS);
	for (f = 0; f < catalog->nfamilies; f++)
	{
		const ChektFamily *family = &catalog->families[f];
		int		   *payload = &where->payload[f * PAYLOAD_COLUMNS];

		where->alarm_column[f] = -1;
		where->trigger_column[f] = -1;
		for (c = 0; c < family->ncolumns; c++)
			if (family->kinds[c] == FIELD_STRING && strcmp(family->columns[c], ALARM_COLUMN) == 0)
				where->alarm_column[f] = c;
			else if (family->kinds[c] == FIELD_STRING && strcmp(family->columns[c], TRIGGER_COLUMN) == 0)
				where->trigger_column[f] = c;
		if (where->alarm_column[f] >= 0)
			where->trigger_column[f] = -1;
		any = any || where->alarm_column[f] >= 0 || where->trigger_column[f] >= 0;
		for (p = 0; p < PAYLOAD_COLUMNS; p++)
		{
			payload[p] = -1;
			for (c = 0; c < family->ncolumns; c++)
				if (strcmp(family->columns[c], trail_columns[FIRST_KEYS + p]) == 0 &&
					family->kinds[c] == kind_of(trail_column_types[FIRST_KEYS + p]))
					payload[p] = c;
		}
	}
	return any;
}

/*
 * The alarm an event names: its alarm_id, or what follows TRIGGER_PREFIX
 * in its trigger; NULL if none
 */
static text *
alarm_of(const ChektEvent *event, const AlarmColumns *where)
{
	int			family = event->type->family;
	int			column = where->alarm_column[family];
	text	   *trigger;
	const char *chars;
	int			len;
	int			prefix = strlen(TRIGGER_PREFIX);

	if (column >= 0)
		return event->nulls[column] ? NULL : DatumGetTextPP(event->values[column]);
	column = where->trigger_column[family];
	if (column < 0 || event->nulls[column])
		return NULL;
	trigger = DatumGetTextPP(event->values[column]);
	chars = VARDATA_ANY(trigger);
	len = VARSIZE_ANY_EXHDR(trigger);
	if (len <= prefix || memcmp(chars, TRIGGER_PREFIX, prefix) != 0)
		return NULL;
	return cstring_to_text_with_len(chars + prefix, len - prefix);
}

/* qsort order: alarm, app, type, month, then time and id (the first first) */
static int
compare_alarm_events(const void *a, const void *b)
{
	const AlarmEvent *x = a;
	const AlarmEvent *y = b;
	int			c;

	if ((c = chekt_text_cmp(x->alarm_id, y->alarm_id)) != 0 ||
		(c = chekt_text_cmp(x->app, y->app)) != 0 ||
		(c = chekt_text_cmp(x->event_type, y->event_type)) != 0)
		return c;
	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	if (x->created_at != y->created_at)
		return x->created_at < y->created_at ? -1 : 1;
	return chekt_text_cmp(x->event_id, y->event_id);
}

/* Are a and b of the same alarm, app, type and month? */
static bool
same_first(const AlarmEvent *a, const AlarmEvent *b)
{
	return a->month == b->month &&
		chekt_text_cmp(a->alarm_id, b->alarm_id) == 0 &&
		chekt_text_cmp(a->app, b->app) == 0 &&
		chekt_text_cmp(a->event_type, b->event_type) == 0;
}

/* The batch's accepted events linked to an alarm, in its order; their number in *n */
static AlarmEvent *
batch_alarm_events(ChektBatch *batch, const AlarmColumns *where, int *n)
{
	AlarmEvent *events = palloc(sizeof(AlarmEvent) * Max(batch->nitems, 1));
	int			count = 0;
	int			i;

	for (i = 0; i < batch->nitems; i++)
	{
		const ChektBatchItem *item = &batch->items[i];
		text	   *alarm_id;

		if (item->outcome != OUTCOME_ACCEPTED || TIMESTAMP_NOT_FINITE(item->event.created_at) ||
			(alarm_id = alarm_of(&item->event, where)) == NULL)
			continue;
		events[count].alarm_id = alarm_id;
		events[count].app = item->delivery.app;
		events[count].event_type = (text *) item->event.type->name_text;
		events[count].created_at = item->event.created_at;
		events[count].event_id = item->event.event_id_text;
		events[count].item = item;
		count++;
	}
	*n = count;
	return events;
}

/* Keep, of events sorted by compare_alarm_events(), the first of each alarm, app, type and month */
static int
keep_firsts(AlarmEvent *events, int n)
{
	int			kept = 0;
	int			i;

	for (i = 0; i < n; i++)
		events[i].month = chekt_utc_month(events[i].created_at);
	if (n > 1)
		qsort(events, n, sizeof(AlarmEvent), compare_alarm_events);
	for (i = 0; i < n; i++)
		if (kept == 0 || !same_first(&events[kept - 1], &events[i]))
			events[kept++] = events[i];
	return kept;
}

/*
 * Does the table already hold, for e's alarm, app, type and month, an
 * event as early as e or earlier?  scan is on its index; slot its rows.
 */
static bool
first_is_stored(IndexScanDesc scan, Relation index, TupleTableSlot *slot, const AlarmEvent *e)
{
	ScanKeyData keys[FIRST_KEYS];
	AttrNumber	created_attnum = index->rd_index->indkey.values[KEY_CREATED_AT];
	AttrNumber	event_id_attnum = index->rd_index->indkey.values[KEY_EVENT_ID];
	TimestampTz stored_at;
	Datum		stored_id;
	bool		isnull;
	int			k;

	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(e->alarm_id));
	ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(e->app));
	ScanKeyInit(&keys[2], 3, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(e->event_type));
	/* from the start of the month to e's time: the earliest row comes first */
	ScanKeyInit(&keys[3], KEY_CREATED_AT + 1, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE,
				TimestampTzGetDatum(chekt_month_start(e->created_at)));
	ScanKeyInit(&keys[4], KEY_CREATED_AT + 1, BTLessEqualStrategyNumber, F_TIMESTAMPTZ_LE,
				TimestampTzGetDatum(e->created_at));
	for (k = 0; k < FIRST_KEYS; k++)
		keys[k].sk_collation = index->rd_indcollation[keys[k].sk_attno - 1];
	index_rescan(scan, keys, FIRST_KEYS, NULL, 0);
	if (!index_getnext_slot(scan, ForwardScanDirection, slot))
		return false;
	stored_at = DatumGetTimestampTz(slot_getattr(slot, created_attnum, &isnull));
	if (isnull || stored_at < e->created_at)
		return true;
	/* at the same instant: the lower id is the first */
	stored_id = slot_getattr(slot, event_id_attnum, &isnull);
	return isnull || chekt_text_cmp(DatumGetTextPP(stored_id), e->event_id) <= 0;
}

/* Add e's row to writer, of its first ncolumns columns */
static void
write_row(ChektWriter *writer, const AlarmColumns *where, const AlarmEvent *e, int ncolumns)
{
	Datum		values[TRAIL_COLUMNS];
	bool		nulls[TRAIL_COLUMNS];
	const ChektEvent *event = &e->item->event;
	const int  *payload = &where->payload[event->type->family * PAYLOAD_COLUMNS];
	int			p;

	Assert(ncolumns <= TRAIL_COLUMNS);
	values[0] = PointerGetDatum(e->alarm_id);
	values[1] = PointerGetDatum(e->app);
	values[2] = PointerGetDatum(e->event_type);
	values[3] = TimestampTzGetDatum(e->created_at);
	values[4] = PointerGetDatum(e->event_id);
	memset(nulls, false, sizeof(bool) * FIRST_KEYS);
	for (p = 0; p < ncolumns - FIRST_KEYS; p++)
	{
		int			column = payload[p];

		nulls[FIRST_KEYS + p] = column < 0 || event->nulls[column];
		values[FIRST_KEYS + p] = nulls[FIRST_KEYS + p] ? (Datum) 0 : event->values[column];
	}
	chekt_writer_add(writer, values, nulls);
}

/* Write every event into chekt.alarm_trail (relid) */
static void
store_trail(Oid relid, const AlarmColumns *where, const AlarmEvent *events, int n)
{
	ChektWriter *writer = chekt_writer_begin_relid(relid, TRAIL_COLUMNS, trail_columns,
												   trail_column_types);
	int			i;

	for (i = 0; i < n; i++)
		write_row(writer, where, &events[i], TRAIL_COLUMNS);
	chekt_writer_finish(writer);
}

/*
 * Write into chekt.alarm_firsts (a schema of 0.13.0 or 0.14.0) the first
 * of events for each alarm, app, type and month that it lacks
 */
static void
store_firsts(const AlarmColumns *where, AlarmEvent *events, int n)
{
	Relation	rel;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ChektWriter *writer = NULL;
	int			i;

	n = keep_firsts(events, n);
	if (!chekt_listing_open(&alarm_firsts, &rel, &index))
		return;
	slot = table_slot_create(rel, NULL);
	scan = chekt_index_beginscan(rel, index, SnapshotSelf, FIRST_KEYS, 0);
	for (i = 0; i < n; i++)
	{
		if (first_is_stored(scan, index, slot, &events[i]))
			continue;
		if (writer == NULL)
			writer = chekt_writer_begin_relid(RelationGetRelid(rel), FIRST_COLUMNS,
											  trail_columns, trail_column_types);
		write_row(writer, where, &events[i], FIRST_COLUMNS);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	chekt_listing_close(rel, index);
	if (writer != NULL)
		chekt_writer_finish(writer);
}

/*
 * Record the batch's accepted events linked to alarms: in chekt.alarm_trail,
 * or in chekt.alarm_firsts for a schema of 0.13.0 or 0.14.0, or nowhere for
 * an older one
 */
void
chekt_store_alarm_events(ChektBatch *batch)
{
	AlarmColumns where;
	AlarmEvent *events;
	Oid			trail;
	int			n;

	if (!alarm_columns(chekt_judge_catalog(batch->judge), &where))
		return;
	events = batch_alarm_events(batch, &where, &n);
	if (n == 0)
		return;
	trail = chekt_relation_oid(TRAIL_TABLE, NULL);
	if (OidIsValid(trail))
		store_trail(trail, &where, events, n);
	else
		store_firsts(&where, events, n);
}
