/*-------------------------------------------------------------------------
 *
 * store_devices.c
 *	  Recording the months in which each app's devices reported
 *
 * chekt.device_months (0.12.0) holds a row for every month in which a
 * device of an app has an event in chekt.device_events.  The questions about
 * every device, and about one device in whichever app has it, find the
 * devices there rather than in every month of device_events, where a walk
 * over the devices costs a probe of every month per device.
 *
 * After a batch's events are stored, each device month its accepted device
 * events bring is looked up in the table's index, and those not there are
 * written.  The table has no key, so that no writer ever waits for another:
 * two that record the same device and month at once leave two rows, which
 * its readers take DISTINCT.  The lookup sees what is committed and what
 * this transaction wrote (SnapshotSelf), whatever the isolation level: a
 * row committed after the transaction's snapshot is not written again, and
 * the lookup takes no predicate lock, so two serializable writers recording
 * the same month cannot fail each other.  A row whose events are gone only
 * costs its readers a probe.
 *
 * Owner work (owner.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_type.h"
#include "executor/tuptable.h"
#include "utils/date.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "compat.h"
#include "route.h"
#include "schemas.h"
#include "store_devices.h"
#include "writer.h"

#define DEVICE_FAMILY "device"
#define DEVICE_COLUMN "device_id"

/* chekt.device_months' columns, in the order of its index */
#define MONTH_COLUMNS 3
static const char *const month_columns[MONTH_COLUMNS] = {"device_id", "app", "month"};
static const Oid month_column_types[MONTH_COLUMNS] = {TEXTOID, TEXTOID, DATEOID};

/* A device of an app, and a month in which it has an event */
typedef struct DeviceMonth
{
	text	   *device_id;
	text	   *app;
	DateADT		month;
} DeviceMonth;

/*
 * The index of the device family in the catalog, and of its device_id
 * among the family's columns; false if the catalog has no such family
 */
static bool
device_family(const ChektCatalog *catalog, int *family, int *column)
{
	int			f;
	int			c;

	for (f = 0; f < catalog->nfamilies; f++)
	{
		const ChektFamily *candidate = &catalog->families[f];

		if (strcmp(candidate->name, DEVICE_FAMILY) != 0)
			continue;
		for (c = 0; c < candidate->ncolumns; c++)
			if (strcmp(candidate->columns[c], DEVICE_COLUMN) == 0)
			{
				*family = f;
				*column = c;
				return true;
			}
	}
	return false;
}

/* Order of two texts by their bytes (equality is texteq's, collations being deterministic) */
static int
compare_text(const text *a, const text *b)
{
	int			la = VARSIZE_ANY_EXHDR(a);
	int			lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* qsort order of device months: month, app, device */
static int
compare_device_months(const void *a, const void *b)
{
	const DeviceMonth *x = a;
	const DeviceMonth *y = b;
	int			c;

	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	c = compare_text(x->app, y->app);
	return c != 0 ? c : compare_text(x->device_id, y->device_id);
}

/* The first day of the UTC month holding t, as a date */
static DateADT
utc_month(TimestampTz t)
{
	/* both epochs are 2000-01-01, and a month starts at a UTC midnight */
	return (DateADT) (chekt_month_start(t) / USECS_PER_DAY);
}

/*
 * The batch's accepted device events as device months, sorted and each
 * once; their number in *n
 */
static DeviceMonth *
batch_device_months(ChektBatch *batch, int family, int column, int *n)
{
	DeviceMonth *months = palloc(sizeof(DeviceMonth) * batch->nitems);
	int			count = 0;
	int			kept = 0;
	int			i;

	for (i = 0; i < batch->nitems; i++)
	{
		ChektBatchItem *item = &batch->items[i];

		if (item->outcome != OUTCOME_ACCEPTED || item->event.type->family != family ||
			item->event.nulls[column] || TIMESTAMP_NOT_FINITE(item->event.created_at))
			continue;
		months[count].device_id = DatumGetTextPP(item->event.values[column]);
		months[count].app = item->delivery.app;
		months[count].month = utc_month(item->event.created_at);
		count++;
	}
	if (count > 1)
		qsort(months, count, sizeof(DeviceMonth), compare_device_months);
	for (i = 0; i < count; i++)
		if (kept == 0 || compare_device_months(&months[kept - 1], &months[i]) != 0)
			months[kept++] = months[i];
	*n = kept;
	return months;
}

/* Is index on rel's (device_id, app, month), in that order? */
static bool
is_month_index(Relation index, Relation rel)
{
	int			k;

	if (index->rd_index->indrelid != RelationGetRelid(rel) ||
		index->rd_index->indnkeyatts != MONTH_COLUMNS)
		return false;
	for (k = 0; k < MONTH_COLUMNS; k++)
	{
		AttrNumber	attnum = index->rd_index->indkey.values[k];

		if (attnum <= 0 || attnum > RelationGetNumberOfAttributes(rel) ||
			strcmp(NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
				   month_columns[k]) != 0)
			return false;
	}
	return true;
}

/*
 * Record the months of the batch's accepted device events that
 * chekt.device_months lacks (nothing for a schema before 0.12.0)
 */
void
chekt_store_device_months(ChektBatch *batch)
{
	const ChektCatalog *catalog = chekt_judge_catalog(batch->judge);
	Oid			relid;
	Oid			indexid;
	Relation	rel;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	ChektWriter *writer = NULL;
	DeviceMonth *months;
	int			n;
	int			family;
	int			column;
	int			i;

	if (!device_family(catalog, &family, &column))
		return;
	relid = chekt_relation_oid("device_months", NULL);
	if (!OidIsValid(relid))
		return;
	months = batch_device_months(batch, family, column, &n);
	if (n == 0)
		return;

	rel = table_open(relid, RowExclusiveLock);
	indexid = chekt_relation_oid("device_months_device_idx", NULL);
	index = OidIsValid(indexid) ? index_open(indexid, AccessShareLock) : NULL;
	if (index == NULL || !is_month_index(index, rel))
	{
		if (index != NULL)
			index_close(index, AccessShareLock);
		table_close(rel, RowExclusiveLock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index device_months_device_idx of chekt.device_months is missing or changed"),
				 errdetail("Ingest looks each device's month up in it before recording it, on (device_id, app, month)."),
				 errhint("Make it again: CREATE INDEX device_months_device_idx ON chekt.device_months (device_id, app, month).")));
	}
	slot = table_slot_create(rel, NULL);
	scan = chekt_index_beginscan(rel, index, SnapshotSelf, MONTH_COLUMNS, 0);
	for (i = 0; i < n; i++)
	{
		ScanKeyData keys[MONTH_COLUMNS];

		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(months[i].device_id));
		ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(months[i].app));
		ScanKeyInit(&keys[2], 3, BTEqualStrategyNumber, F_DATE_EQ, DateADTGetDatum(months[i].month));
		keys[0].sk_collation = index->rd_indcollation[0];
		keys[1].sk_collation = index->rd_indcollation[1];
		keys[2].sk_collation = index->rd_indcollation[2];
		index_rescan(scan, keys, MONTH_COLUMNS, NULL, 0);
		if (index_getnext_slot(scan, ForwardScanDirection, slot))
			continue;

		if (writer == NULL)
			writer = chekt_writer_begin_relid(relid, MONTH_COLUMNS, month_columns, month_column_types);
		{
			Datum		values[MONTH_COLUMNS];
			bool		nulls[MONTH_COLUMNS] = {false, false, false};

			values[0] = PointerGetDatum(months[i].device_id);
			values[1] = PointerGetDatum(months[i].app);
			values[2] = DateADTGetDatum(months[i].month);
			chekt_writer_add(writer, values, nulls);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(rel, RowExclusiveLock);
	if (writer != NULL)
		chekt_writer_finish(writer);
}
