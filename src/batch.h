/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  A batch of deliveries: judged one by one, written set-based
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_BATCH_H
#define CHEKT_BATCH_H

#include "delivery.h"
#include "judge.h"
#include "outcome.h"
#include "parse.h"
#include "receipt.h"

/* One delivery of a batch and what became of it */
typedef struct ChektBatchItem
{
	ChektDelivery delivery;
	ChektOutcome judged;		/* OUTCOME_PENDING, or why judging refused it */
	ChektOutcome outcome;		/* final once the batch is written */
	char	   *detail;			/* why it was refused */
	ChektEvent	event;			/* valid once parsed; event_id once read */
} ChektBatchItem;

typedef struct ChektBatch
{
	MemoryContext cxt;			/* the batch and its judge */
	MemoryContext items_cxt;	/* the deliveries; reset after each write */
	Oid			owner;			/* whose rights ingest's own work uses */
	ChektJudge *judge;
	ChektReceipt receipt;		/* may the inserting role backfill? */
	ChektBatchItem *items;
	int			nitems;
	int			capacity;
	Size		bytes;			/* body bytes held */
	bool		writing;		/* being written (a nested statement that
								 * inserts into chekt_private.inbox meanwhile gets a
								 * batch of its own) */
	bool		inserting_events;	/* inside the fast insert into
									 * chekt_private.events (store_events.c) */
	int64		passed_retries; /* quarantined deliveries that now passed */
} ChektBatch;

extern ChektBatch *chekt_batch_create(MemoryContext parent, Oid owner);
extern void chekt_batch_delete(ChektBatch *batch);
extern ChektBatchItem *chekt_batch_add(ChektBatch *batch, const ChektDelivery *delivery);
extern bool chekt_batch_is_full(const ChektBatch *batch);
extern void chekt_batch_write(ChektBatch *batch);
extern void chekt_batch_clear(ChektBatch *batch);

#endif							/* CHEKT_BATCH_H */
