/*-------------------------------------------------------------------------
 *
 * store_refusals.c
 *	  Storing a batch's refusals in the quarantine, chekt.rejected
 *
 * A refused delivery is kept whole with its reason and detail.  A delivery
 * that came from the quarantine (retry_rejected()) leaves it if it passed
 * now, or has its reason brought up to date if not.  Each is one statement
 * for the whole batch.
 *
 * Owner work (owner.c), after store_events.c has settled every event.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "store_refusals.h"
#include "writer.h"

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

/* The chekt.rejected row of a refused delivery */
static void
rejected_row(const ChektBatchItem *item, Datum *values, bool *nulls)
{
	const ChektDelivery *d = &item->delivery;
	text	   *event_id = item->event.event_id_text;

	values[0] = PointerGetDatum(d->app);
	values[1] = TimestampTzGetDatum(d->received_at);
	values[2] = PointerGetDatum(d->signed_at);
	values[3] = PointerGetDatum(d->signature);
	values[4] = PointerGetDatum(d->body);
	values[5] = PointerGetDatum(d->message_id);
	values[6] = PointerGetDatum(d->headers);
	values[7] = CStringGetTextDatum(chekt_outcome_name(item->outcome));
	values[8] = CStringGetTextDatum(item->detail);
	values[9] = PointerGetDatum(event_id);
	values[10] = PointerGetDatum(d->body);
	memset(nulls, false, sizeof(bool) * REJECTED_COLUMNS);
	nulls[2] = d->signed_at == NULL;
	nulls[3] = d->signature == NULL;
	/* a body that is not text is kept in body_bytes */
	nulls[4] = d->body_is_bytes;
	nulls[5] = d->message_id == NULL;
	nulls[6] = d->headers == NULL;
	nulls[9] = event_id == NULL;
	nulls[10] = !d->body_is_bytes;
}

/*
 * Quarantine the batch's refused deliveries.  Returns how many deliveries
 * re-run from the quarantine passed (and left it).
 */
int64
chekt_store_refusals(ChektBatch *batch)
{
	ChektWriter *rejected = NULL;
	int			nrejected_columns = REJECTED_COLUMNS - 1;
	ChektArrays *retried = chekt_arrays_begin(RETRIED_COLUMNS, retried_column_types);
	ChektArrays *passed = chekt_arrays_begin(1, passed_column_types);
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
		const ChektDelivery *d = &item->delivery;
		Datum		values[REJECTED_COLUMNS];
		bool		nulls[REJECTED_COLUMNS];

		if (!OUTCOME_IS_REFUSAL(item->outcome))
		{
			if (d->rejected_id != 0)
			{
				values[0] = Int64GetDatum(d->rejected_id);
				nulls[0] = false;
				chekt_arrays_add(passed, values, nulls);
			}
			continue;
		}

		rejected_row(item, values, nulls);
		if (d->rejected_id != 0)
		{
			Datum		update[RETRIED_COLUMNS] = {
				Int64GetDatum(d->rejected_id), values[7], values[8], values[9]
			};
			bool		update_nulls[RETRIED_COLUMNS] = {false, false, false, nulls[9]};

			chekt_arrays_add(retried, update, update_nulls);
			continue;
		}
		if (rejected == NULL)
			rejected = chekt_writer_begin("rejected", nrejected_columns,
										  rejected_columns, rejected_column_types);
		chekt_writer_add(rejected, values, nulls);
	}

	if (rejected != NULL)
		chekt_writer_finish(rejected);
	if (chekt_arrays_count(retried) > 0)
		chekt_arrays_execute(retried, update_retried_sql, SPI_OK_UPDATE);
	if (chekt_arrays_count(passed) > 0)
		chekt_arrays_execute(passed, delete_passed_sql, SPI_OK_DELETE);
	return (int64) chekt_arrays_count(passed);
}
