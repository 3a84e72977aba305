/*-------------------------------------------------------------------------
 *
 * batch.c
 *	  A batch of deliveries: judged one by one, written set-based
 *
 * Each delivery added to a batch is copied into the batch's memory and
 * judged at once (judge.c).  chekt_batch_write() then stores the whole
 * batch as one piece of owner work (owner.c): the events and their family
 * rows (store_events.c), then the refusals (store_refusals.c).  Afterwards
 * every item holds its final outcome.
 *
 * The write is tried the fast way first: new events go straight into
 * chekt_private.events.  If that insert fails, typically because another
 * transaction stored one of the same event ids in the meantime (whatever
 * error code a layer such as Citus reports that as), the attempt has been
 * rolled back whole, and the batch is written again the careful way
 * (INSERT ... ON CONFLICT DO NOTHING), which waits for such a writer and
 * sees what it stored.  Any other error, and any error of the careful way,
 * is the caller's, raised with everything of the attempt rolled back and
 * closed.  A cancel, a lack of resources and a serialization failure are
 * never retried: the careful way could not end otherwise.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/memutils.h"

#include "compat.h"
#include "batch.h"
#include "owner.h"
#include "store_alarms.h"
#include "store_devices.h"
#include "store_events.h"
#include "store_refusals.h"

/* A batch is written when it holds this many deliveries... */
#define BATCH_MAX_ITEMS 1000
/* ...or this many bytes of bodies */
#define BATCH_MAX_BYTES (16 * 1024 * 1024)

/* A new, empty batch in a memory context under parent, working as owner */
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
	batch->owner = owner;
	batch->judge = chekt_judge_create(cxt, owner);
	chekt_receipt_init(&batch->receipt, owner);
	return batch;
}

/* Free the batch and everything it holds */
void
chekt_batch_delete(ChektBatch *batch)
{
	MemoryContextDelete(batch->cxt);
}

/*
 * Add a copy of a delivery to the batch and judge it.  The item counts as
 * part of the batch only once it is judged: an error on the way (a cancel
 * while an app's secrets are read) leaves the batch as it was.
 */
ChektBatchItem *
chekt_batch_add(ChektBatch *batch, const ChektDelivery *delivery)
{
	MemoryContext old = MemoryContextSwitchTo(batch->items_cxt);
	ChektBatchItem *item;

	if (batch->nitems == batch->capacity)
	{
		batch->capacity = batch->capacity == 0 ? 64 : batch->capacity * 2;
		batch->items = batch->items == NULL ?
			palloc(sizeof(ChektBatchItem) * batch->capacity) :
			repalloc(batch->items, sizeof(ChektBatchItem) * batch->capacity);
	}
	item = &batch->items[batch->nitems];
	memset(item, 0, sizeof(ChektBatchItem));
	item->judged = item->outcome = OUTCOME_PENDING;
	chekt_delivery_copy(delivery, &item->delivery);
	/* a quarantined delivery keeps the receipt time it was judged at */
	if (item->delivery.rejected_id == 0)
		chekt_receipt_time(&batch->receipt, &item->delivery);
	item->judged = chekt_judge_delivery(batch->judge, &item->delivery,
										&item->event, &item->detail);
	if (chekt_outcome_is_unauthenticated(item->judged) && item->delivery.received_at_ignored)
		item->detail = psprintf("%s; %s", item->detail, chekt_receipt_note(&item->delivery));
	item->outcome = item->judged;
	batch->bytes += VARSIZE_ANY_EXHDR(item->delivery.body);
	batch->nitems++;
	MemoryContextSwitchTo(old);
	return item;
}

/* Should the batch be written before it takes more deliveries? */
bool
chekt_batch_is_full(const ChektBatch *batch)
{
	return batch->nitems >= BATCH_MAX_ITEMS || batch->bytes >= BATCH_MAX_BYTES;
}

/* Give every item its judged outcome back, before an attempt to write */
static void
reset_outcomes(ChektBatch *batch)
{
	int			i;

	for (i = 0; i < batch->nitems; i++)
	{
		ChektBatchItem *item = &batch->items[i];

		if (item->judged == OUTCOME_PENDING)
		{
			item->outcome = OUTCOME_PENDING;
			item->detail = NULL;
		}
	}
}

/* What one attempt to write a batch needs */
typedef struct WriteAttempt
{
	ChektBatch *batch;
	bool		careful;		/* INSERT ... ON CONFLICT rather than straight in */
	int64		passed;			/* quarantined deliveries that now passed */
} WriteAttempt;

/* Owner work: store the batch's events, then its refusals */
static void
write_attempt(void *arg)
{
	WriteAttempt *attempt = arg;

	reset_outcomes(attempt->batch);
	chekt_store_events(attempt->batch, attempt->careful);
	chekt_store_device_months(attempt->batch);
	chekt_store_alarm_events(attempt->batch);
	attempt->passed = chekt_store_refusals(attempt->batch);
}

/*
 * May a fast attempt that failed with this error be made again the careful
 * way?  Only if it failed inserting into chekt_private.events, the one step the
 * careful way does differently; and never after a cancel or shutdown, a
 * lack of memory or disk, or a serialization failure (the transaction is
 * past saving), as far as the error code still says so.
 */
static bool
may_retry(const ChektBatch *batch, const ErrorData *error)
{
	int			category = ERRCODE_TO_CATEGORY(error->sqlerrcode);

	return batch->inserting_events &&
		category != ERRCODE_OPERATOR_INTERVENTION &&
		category != ERRCODE_INSUFFICIENT_RESOURCES &&
		category != ERRCODE_PROGRAM_LIMIT_EXCEEDED &&
		error->sqlerrcode != ERRCODE_T_R_SERIALIZATION_FAILURE;
}

/*
 * Write the batch: events, family rows and quarantine, set-based.  Every
 * item then holds its final outcome, until chekt_batch_clear().
 */
void
chekt_batch_write(ChektBatch *batch)
{
	MemoryContext old;
	WriteAttempt attempt = {batch, false, 0};
	ErrorData  *error;

	if (batch->nitems == 0)
		return;

	/*
	 * Ingest writes without the executor (writer.c, delivery_count.c), which
	 * would check this for each statement
	 */
	if (XactReadOnly)
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot ingest deliveries in a read-only transaction"),
				 errdetail("Ingest stores events, counts redeliveries and keeps refused deliveries."),
				 errhint("Ingest in a read-write transaction, on the primary server.")));
	old = MemoryContextSwitchTo(batch->items_cxt);
	batch->writing = true;
	batch->inserting_events = false;
	PG_TRY();
	{
		error = chekt_try_as_owner(batch->owner, write_attempt, &attempt);
		if (error != NULL && may_retry(batch, error))
		{
			elog(DEBUG1, "chekt_events: writing a batch of %d again, carefully, after: %s",
				 batch->nitems, error->message);
			FreeErrorData(error);
			batch->inserting_events = false;
			attempt.careful = true;
			error = chekt_try_as_owner(batch->owner, write_attempt, &attempt);
		}
		if (error != NULL)
			ReThrowError(error);
	}
	PG_FINALLY();
	{
		batch->writing = false;
		MemoryContextSwitchTo(old);
	}
	PG_END_TRY();
	batch->passed_retries += attempt.passed;
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
