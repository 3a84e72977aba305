/*-------------------------------------------------------------------------
 *
 * store_refusals.c
 *	  Storing a batch's refusals in the quarantine, chekt_private.rejected
 *
 * A refused delivery is kept with its reason and detail, and its body's
 * length and SHA-256.  The body is kept whole, except for a delivery
 * refused before it authenticated (unknown_app, bad_signature,
 * stale_signature): anyone who can reach the endpoint can send those, so
 * only the first chekt.max_unauthenticated_body_bytes are kept (every body
 * of CHeKT's catalog fits whole in the default 8 kB, so a retry after a
 * late add_secret() still recovers real deliveries), the app name and each
 * signature header at most UNAUTHENTICATED_HEADER_BYTES, the other headers
 * only if they take at most UNAUTHENTICATED_HEADERS_BYTES; a row missing
 * any of it is marked truncated, never to be retried.  A delivery that came from the
 * quarantine (retry_rejected()) leaves it if it passed now, or has its
 * reason brought up to date if not.  Each is one statement for the whole
 * batch.
 *
 * Owner work (owner.c), after store_events.c has settled every event.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "schemas.h"
#include "store_refusals.h"
#include "writer.h"

int			chekt_max_unauthenticated_body_bytes = 8 * 1024;

/* What an unauthenticated delivery keeps of its headers */
#define UNAUTHENTICATED_HEADER_BYTES 256
#define UNAUTHENTICATED_HEADERS_BYTES 1024

#define REJECTED_COLUMNS 14
static const char *const rejected_columns[REJECTED_COLUMNS] = {
	"app", "received_at", "signed_at", "signature", "body", "message_id",
	"headers", "reason", "detail", "event_id", "body_bytes",
	"body_length", "body_sha256", "truncated"
};
static const Oid rejected_column_types[REJECTED_COLUMNS] = {
	TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID,
	TEXTOID, TEXTOID, TEXTOID, BYTEAOID, INT4OID, BYTEAOID, BOOLOID
};

#define RETRIED_COLUMNS 4
static const Oid retried_column_types[RETRIED_COLUMNS] = {INT8OID, TEXTOID, TEXTOID, TEXTOID};
static const char *update_retried_sql =
"UPDATE %s AS r"
"   SET reason = u.reason, detail = u.detail, event_id = u.event_id,"
"       retried_at = now(), retries = r.retries + 1"
"  FROM unnest($1, $2, $3, $4) AS u (rejected_id, reason, detail, event_id)"
" WHERE r.rejected_id = u.rejected_id";

static const Oid passed_column_types[1] = {INT8OID};
static const char *delete_passed_sql =
"DELETE FROM %s WHERE rejected_id = ANY ($1)";

/* SHA-256 of a body, as bytea */
static bytea *
body_sha256(const text *body)
{
	bytea	   *digest = palloc(VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, (const uint8 *) VARDATA_ANY(body), VARSIZE_ANY_EXHDR(body)) < 0 ||
		pg_cryptohash_final(ctx, (uint8 *) VARDATA(digest), PG_SHA256_DIGEST_LENGTH) < 0)
	{
		char	   *reason = pstrdup(pg_cryptohash_error(ctx));

		pg_cryptohash_free(ctx);
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not compute the SHA-256 of a delivery's body"),
				 errdetail("%s", reason)));
	}
	pg_cryptohash_free(ctx);
	SET_VARSIZE(digest, VARHDRSZ + PG_SHA256_DIGEST_LENGTH);
	return digest;
}

/*
 * At most the first limit bytes of a text (or of bytes, if as_bytes), cut
 * at a character boundary when it is text; *cut is set if anything was.
 */
static text *
at_most(text *t, int limit, bool as_bytes, bool *cut)
{
	int			len;
	int			keep;
	text	   *prefix;

	if (t == NULL || (len = VARSIZE_ANY_EXHDR(t)) <= limit)
		return t;
	keep = as_bytes ? limit : pg_mbcliplen(VARDATA_ANY(t), len, limit);
	prefix = palloc(VARHDRSZ + keep);
	SET_VARSIZE(prefix, VARHDRSZ + keep);
	memcpy(VARDATA(prefix), VARDATA_ANY(t), keep);
	*cut = true;
	return prefix;
}

/*
 * What the quarantine keeps of a delivery: all of it, or, if it never
 * authenticated, a bounded part (see the top of the file).
 */
static void
delivery_to_keep(const ChektBatchItem *item, ChektDelivery *keep, bool *truncated)
{
	*keep = item->delivery;
	*truncated = false;
	if (!chekt_outcome_is_unauthenticated(item->outcome))
		return;
	/* an app name is refused past 200 bytes, and kept up to 256 */
	keep->app = at_most(keep->app, UNAUTHENTICATED_HEADER_BYTES, false, truncated);
	keep->body = at_most(keep->body, chekt_max_unauthenticated_body_bytes,
						 keep->body_is_bytes, truncated);
	keep->signed_at = at_most(keep->signed_at, UNAUTHENTICATED_HEADER_BYTES, false, truncated);
	keep->signature = at_most(keep->signature, UNAUTHENTICATED_HEADER_BYTES, false, truncated);
	keep->message_id = at_most(keep->message_id, UNAUTHENTICATED_HEADER_BYTES, false, truncated);
	if (keep->headers != NULL && VARSIZE_ANY_EXHDR(keep->headers) > UNAUTHENTICATED_HEADERS_BYTES)
	{
		keep->headers = NULL;
		*truncated = true;
	}
}

/* The chekt_private.rejected row of a refused delivery */
static void
rejected_row(const ChektBatchItem *item, Datum *values, bool *nulls)
{
	const ChektDelivery *whole = &item->delivery;
	ChektDelivery kept;
	const ChektDelivery *d = &kept;
	text	   *event_id = item->event.event_id_text;
	bool		truncated;

	delivery_to_keep(item, &kept, &truncated);

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
	values[11] = Int32GetDatum((int32) VARSIZE_ANY_EXHDR(whole->body));
	values[12] = PointerGetDatum(body_sha256(whole->body));
	values[13] = BoolGetDatum(truncated);
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
	ChektArrays *retried = chekt_arrays_begin(RETRIED_COLUMNS, retried_column_types);
	ChektArrays *passed = chekt_arrays_begin(1, passed_column_types);
	int			i;

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

		/* a retried row keeps what it kept; only its verdict changes */
		if (d->rejected_id != 0)
		{
			text	   *event_id = item->event.event_id_text;
			Datum		update[RETRIED_COLUMNS] = {
				Int64GetDatum(d->rejected_id),
				CStringGetTextDatum(chekt_outcome_name(item->outcome)),
				CStringGetTextDatum(item->detail), PointerGetDatum(event_id)
			};
			bool		update_nulls[RETRIED_COLUMNS] = {false, false, false, event_id == NULL};

			chekt_arrays_add(retried, update, update_nulls);
			continue;
		}
		rejected_row(item, values, nulls);
		if (rejected == NULL)
			rejected = chekt_writer_begin("rejected", REJECTED_COLUMNS,
										  rejected_columns, rejected_column_types);
		chekt_writer_add(rejected, values, nulls);
	}

	if (rejected != NULL)
		chekt_writer_finish(rejected);
	if (chekt_arrays_count(retried) > 0)
		chekt_arrays_execute(retried, psprintf(update_retried_sql, chekt_relation_name("rejected")),
							 SPI_OK_UPDATE);
	if (chekt_arrays_count(passed) > 0)
		chekt_arrays_execute(passed, psprintf(delete_passed_sql, chekt_relation_name("rejected")),
							 SPI_OK_DELETE);
	return (int64) chekt_arrays_count(passed);
}
