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
 * One statement per batch: the month of each accepted device event, those
 * not recorded yet.  The table has no key, so that no writer ever waits for
 * another: two that record the same device and month at once leave two
 * rows, which its readers take DISTINCT.  A row whose events are gone (a
 * month dropped, rows deleted by hand) only costs its readers a probe.
 *
 * Owner work (owner.c), after the batch's events are stored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "schemas.h"
#include "store_devices.h"
#include "writer.h"

#define DEVICE_FAMILY "device"
#define DEVICE_COLUMN "device_id"

#define MONTH_COLUMNS 3
static const Oid month_column_types[MONTH_COLUMNS] = {TEXTOID, TEXTOID, TIMESTAMPTZOID};

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

/*
 * Record the months of the batch's accepted device events that
 * chekt.device_months lacks (nothing for a schema before 0.12.0)
 */
void
chekt_store_device_months(ChektBatch *batch)
{
	const ChektCatalog *catalog = chekt_judge_catalog(batch->judge);
	const char *schema;
	ChektArrays *months = NULL;
	int			family;
	int			column;
	int			i;

	if (!device_family(catalog, &family, &column) ||
		!OidIsValid(chekt_relation_oid("device_months", &schema)))
		return;

	for (i = 0; i < batch->nitems; i++)
	{
		ChektBatchItem *item = &batch->items[i];
		Datum		values[MONTH_COLUMNS];
		bool		nulls[MONTH_COLUMNS] = {false, false, false};

		if (item->outcome != OUTCOME_ACCEPTED || item->event.type->family != family ||
			item->event.nulls[column])
			continue;
		if (months == NULL)
			months = chekt_arrays_begin(MONTH_COLUMNS, month_column_types);
		values[0] = item->event.values[column];
		values[1] = PointerGetDatum(item->delivery.app);
		values[2] = TimestampTzGetDatum(item->event.created_at);
		chekt_arrays_add(months, values, nulls);
	}
	if (months == NULL)
		return;

	chekt_arrays_execute(months,
						 psprintf("INSERT INTO %s (device_id, app, month) "
								  "SELECT DISTINCT n.device_id, n.app, n.month "
								  "FROM (SELECT u.device_id, u.app, date_trunc('month', u.created_at AT TIME ZONE 'UTC')::date "
								  "FROM unnest($1, $2, $3) AS u (device_id, app, created_at)) AS n (device_id, app, month) "
								  "WHERE NOT EXISTS (SELECT FROM %s m "
								  "WHERE m.device_id = n.device_id AND m.app = n.app AND m.month = n.month)",
								  chekt_relation_name("device_months"), chekt_relation_name("device_months")),
						 SPI_OK_INSERT);
}
