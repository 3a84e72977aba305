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
 * written, as listing.c describes; readers take the rows DISTINCT.  A row
 * whose events are gone only costs its readers a probe.  Once Citus holds
 * the table (chekt.distribute()), its index on the coordinator is an empty
 * shell's, and the batch's devices are looked up by one query instead.
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
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/fmgroids.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "citus.h"
#include "compat.h"
#include "listing.h"
#include "store_devices.h"
#include "writer.h"

#define DEVICE_FAMILY "device"
#define DEVICE_COLUMN "device_id"

/* chekt.device_months' columns, in the order of its index */
#define MONTH_COLUMNS 3
static const char *const month_columns[MONTH_COLUMNS] = {"device_id", "app", "month"};
static const Oid month_column_types[MONTH_COLUMNS] = {TEXTOID, TEXTOID, DATEOID};

static const ChektListing device_months = {
	"device_months", "device_months_device_idx", MONTH_COLUMNS, month_columns,
	"CREATE INDEX device_months_device_idx ON chekt.device_months (device_id, app, month)"
};

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

/* qsort order of device months: month, app, device */
static int
compare_device_months(const void *a, const void *b)
{
	const DeviceMonth *x = a;
	const DeviceMonth *y = b;
	int			c;

	if (x->month != y->month)
		return x->month < y->month ? -1 : 1;
	c = chekt_text_cmp(x->app, y->app);
	return c != 0 ? c : chekt_text_cmp(x->device_id, y->device_id);
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
		months[count].month = chekt_utc_month(item->event.created_at);
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

/*
 * Mark listed[i] for each of months[0..n) (sorted, each once) that
 * chekt.device_months holds, looked up in its index under SnapshotSelf
 */
static void
listed_in_index(Relation rel, Relation index, const DeviceMonth *months, int n, bool *listed)
{
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	IndexScanDesc scan = chekt_index_beginscan(rel, index, SnapshotSelf, MONTH_COLUMNS, 0);
	int			i;

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
		listed[i] = index_getnext_slot(scan, ForwardScanDirection, slot);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * Mark listed[i] for each of months[0..n) (sorted, each once) that
 * chekt.device_months holds, read through SQL: the table is Citus's (its
 * index, on the coordinator, is an empty shell's).  One query for the
 * batch's devices, which Citus sends to their shards.
 */
static void
listed_through_sql(const DeviceMonth *months, int n, bool *listed)
{
	static const Oid types[1] = {TEXTOID};
	ChektArrays *devices = chekt_arrays_begin(1, types);
	uint64		r;
	int			i;

	for (i = 0; i < n; i++)
	{
		Datum		value = PointerGetDatum(months[i].device_id);
		bool		isnull = false;

		listed[i] = false;
		chekt_arrays_add(devices, &value, &isnull);
	}
	chekt_arrays_execute(devices,
						 "SELECT device_id, app, month FROM chekt.device_months"
						 " WHERE device_id OPERATOR(pg_catalog.=) ANY ($1)",
						 SPI_OK_SELECT);
	for (r = 0; r < SPI_processed; r++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[r];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		DeviceMonth key;
		DeviceMonth *found;
		bool		isnull[MONTH_COLUMNS];

		key.device_id = DatumGetTextPP(SPI_getbinval(tuple, desc, 1, &isnull[0]));
		key.app = DatumGetTextPP(SPI_getbinval(tuple, desc, 2, &isnull[1]));
		key.month = DatumGetDateADT(SPI_getbinval(tuple, desc, 3, &isnull[2]));
		if (isnull[0] || isnull[1] || isnull[2])
			continue;
		found = bsearch(&key, months, n, sizeof(DeviceMonth), compare_device_months);
		if (found != NULL)
			listed[found - months] = true;
	}
	SPI_freetuptable(SPI_tuptable);
}

/*
 * Record the months of the batch's accepted device events that
 * chekt.device_months lacks (nothing for a schema before 0.12.0)
 */
void
chekt_store_device_months(ChektBatch *batch)
{
	const ChektCatalog *catalog = chekt_judge_catalog(batch->judge);
	Relation	rel;
	Relation	index;
	ChektWriter *writer = NULL;
	DeviceMonth *months;
	bool	   *listed;
	int			n;
	int			family;
	int			column;
	int			i;

	if (!device_family(catalog, &family, &column))
		return;
	months = batch_device_months(batch, family, column, &n);
	if (n == 0 || !chekt_listing_open(&device_months, &rel, &index))
		return;
	listed = palloc(sizeof(bool) * n);
	if (chekt_citus_distributes(RelationGetRelid(rel)))
		listed_through_sql(months, n, listed);
	else
		listed_in_index(rel, index, months, n, listed);
	for (i = 0; i < n; i++)
	{
		Datum		values[MONTH_COLUMNS];
		bool		nulls[MONTH_COLUMNS] = {false, false, false};

		if (listed[i])
			continue;
		if (writer == NULL)
			writer = chekt_writer_begin_relid(RelationGetRelid(rel), MONTH_COLUMNS, month_columns, month_column_types);
		values[0] = PointerGetDatum(months[i].device_id);
		values[1] = PointerGetDatum(months[i].app);
		values[2] = DateADTGetDatum(months[i].month);
		chekt_writer_add(writer, values, nulls);
	}
	chekt_listing_close(rel, index);
	if (writer != NULL)
		chekt_writer_finish(writer);
}
