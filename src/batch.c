/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  A batch of deliveries: checked one by one, written set-based
 *
 * Each delivery added to a batch is authenticated (authenticate.c), checked
 * against the body size limit, and parsed and validated (parse.c) at once;
 * what it needs from the database (an app's secrets, the type catalog) is
 * read once per batch.  chekt_batch_write() then writes all of them with a
 * few INSERT ... SELECT statements (route.c), after which every item holds
 * its final outcome.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "batch.h"
#include "route.h"

/* A batch is written when it holds this many deliveries... */
#define BATCH_MAX_ITEMS 1000
/* ...or this many bytes of bodies */
#define BATCH_MAX_BYTES (16 * 1024 * 1024)

int			chekt_max_body_bytes = 256 * 1024;

/* A new, empty batch in a memory context under parent */
ChektBatch *
chekt_batch_create(MemoryContext parent, Oid owner)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "chekt_events batch",
											  ALLOCSET_DEFAULT_SIZES);
	ChektBatch *batch = MemoryContextAllocZero(cxt, sizeof(ChektBatch));

	batch->cxt = cxt;
	/* keeps 4 MB between batches rather than give it back and fault it in */
	batch->items_cxt = AllocSetContextCreate(cxt, "chekt_events batch deliveries",
											 4 * 1024 * 1024, 4 * 1024 * 1024,
											 ALLOCSET_DEFAULT_MAXSIZE);
	batch->scratch_cxt = AllocSetContextCreate(cxt, "chekt_events delivery parsing",
											   ALLOCSET_DEFAULT_SIZES);
	batch->owner = owner;
	batch->auth = chekt_auth_cache_create(cxt);
	return batch;
}

/*
 * Make sure the batch has an SPI session as the inbox owner.  Opened on
 * first need, so that a delivery whose app and catalog are already known
 * costs no SPI round at all.
 */
void
chekt_batch_spi(ChektBatch *batch)
{
	if (!batch->spi_active)
	{
		chekt_owner_spi_begin(&batch->spi, batch->owner);
		batch->spi_active = true;
	}
}

/* Close the batch's SPI session, if open */
void
chekt_batch_end_spi(ChektBatch *batch)
{
	if (batch->spi_active)
	{
		batch->spi_active = false;
		chekt_owner_spi_end(&batch->spi);
	}
}

/* A copy of a text in the current memory context, with a 4-byte header */
static text *
copy_text(const text *t)
{
	size_t		len;
	text	   *copy;

	if (t == NULL)
		return NULL;
	len = VARSIZE_ANY_EXHDR(t);
	copy = palloc(VARHDRSZ + len);
	SET_VARSIZE(copy, VARHDRSZ + len);
	memcpy(VARDATA(copy), VARDATA_ANY(t), len);
	return copy;
}

/* Say where a body that is not text in the database encoding goes wrong */
static char *
describe_invalid_text(const text *body)
{
	const char *data = VARDATA_ANY(body);
	int			len = VARSIZE_ANY_EXHDR(body);
	int			valid = pg_encoding_verifymbstr(GetDatabaseEncoding(), data, len);

	if (valid < len && data[valid] == '\0')
		return psprintf("the body has a NUL byte at offset %d; it is kept as bytes in body_bytes",
						valid);
	return psprintf("the body is not valid %s: invalid byte sequence at offset %d; it is kept as bytes in body_bytes",
					GetDatabaseEncodingName(), valid);
}

/* Judge a delivery of the batch: everything but what needs the tables */
static void
check_delivery(ChektBatch *batch, ChektBatchItem *item)
{
	size_t		body_len = VARSIZE_ANY_EXHDR(item->delivery.body);

	item->outcome = chekt_authenticate(batch->auth, &item->delivery, &item->detail);
	if (item->outcome != OUTCOME_PENDING)
		return;

	if (body_len > (size_t) chekt_max_body_bytes)
	{
		item->outcome = OUTCOME_OVERSIZE;
		item->detail = psprintf("the body has %zu bytes; chekt.max_body_bytes allows %d",
								body_len, chekt_max_body_bytes);
		return;
	}

	if (item->delivery.body_is_bytes)
	{
		item->outcome = OUTCOME_MALFORMED_JSON;
		item->detail = describe_invalid_text(item->delivery.body);
		return;
	}

	if (batch->catalog == NULL)
	{
		chekt_batch_spi(batch);
		batch->catalog = chekt_catalog_load(batch->cxt);
	}
	item->outcome = chekt_parse_event(batch->catalog,
									  VARDATA_ANY(item->delivery.body), body_len,
									  batch->scratch_cxt, &item->event,
									  &item->detail);
	MemoryContextReset(batch->scratch_cxt);
}

/*
 * Add a copy of a delivery to the batch and judge it as far as can be done
 * before the batch is written.  Opens the batch's SPI session if an app's
 * secrets or the catalog must be read; the caller ends it.
 */
ChektBatchItem *
chekt_batch_add(ChektBatch *batch, const ChektDelivery *delivery)
{
	MemoryContext old;
	ChektBatchItem *item;

	old = MemoryContextSwitchTo(batch->items_cxt);
	if (batch->nitems == batch->capacity)
	{
		batch->capacity = batch->capacity == 0 ? 64 : batch->capacity * 2;
		batch->items = batch->items == NULL ?
			palloc(sizeof(ChektBatchItem) * batch->capacity) :
			repalloc(batch->items, sizeof(ChektBatchItem) * batch->capacity);
	}
	item = &batch->items[batch->nitems++];
	memset(item, 0, sizeof(ChektBatchItem));
	item->delivery.app = copy_text(delivery->app);
	item->delivery.received_at = delivery->received_at;
	item->delivery.signed_at = copy_text(delivery->signed_at);
	item->delivery.signature = copy_text(delivery->signature);
	item->delivery.body = copy_text(delivery->body);
	item->delivery.message_id = copy_text(delivery->message_id);
	item->delivery.headers = delivery->headers == NULL ? NULL :
		(Jsonb *) copy_text((text *) delivery->headers);
	item->delivery.body_is_bytes = delivery->body_is_bytes;
	item->delivery.rejected_id = delivery->rejected_id;
	batch->bytes += VARSIZE_ANY_EXHDR(delivery->body);

	if (!chekt_auth_cache_has(batch->auth, item->delivery.app))
		chekt_batch_spi(batch);
	check_delivery(batch, item);
	MemoryContextSwitchTo(old);
	return item;
}

/* Should the batch be written before it takes more deliveries? */
bool
chekt_batch_is_full(const ChektBatch *batch)
{
	return batch->nitems >= BATCH_MAX_ITEMS || batch->bytes >= BATCH_MAX_BYTES;
}

/*
 * Write the batch: events, family rows and quarantine, set-based.  Every
 * item then holds its final outcome, until chekt_batch_clear().
 */
void
chekt_batch_write(ChektBatch *batch)
{
	MemoryContext old;

	if (batch->nitems == 0)
		return;
	chekt_batch_spi(batch);
	old = MemoryContextSwitchTo(batch->items_cxt);
	chekt_route_batch(batch);
	MemoryContextSwitchTo(old);
}

/* Forget the batch's deliveries (after they were written) */
void
chekt_batch_clear(ChektBatch *batch)
{
	MemoryContextReset(batch->items_cxt);
	batch->items = NULL;
	batch->nitems = 0;
	batch->capacity = 0;
	batch->bytes = 0;
}
