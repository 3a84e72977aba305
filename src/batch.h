/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  A batch of deliveries: checked one by one, written set-based
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_BATCH_H
#define CHEKT_BATCH_H

#include "authenticate.h"
#include "catalog.h"
#include "delivery.h"
#include "outcome.h"
#include "owner_spi.h"
#include "parse.h"

/* One delivery of a batch and what became of it */
typedef struct ChektBatchItem
{
	ChektDelivery delivery;
	ChektOutcome outcome;
	char	   *detail;			/* why it was refused */
	ChektEvent	event;			/* valid once parsed; event_id once read */
} ChektBatchItem;

typedef struct ChektBatch
{
	MemoryContext cxt;			/* the batch, its catalog and app cache */
	MemoryContext items_cxt;	/* the deliveries; reset after each write */
	MemoryContext scratch_cxt;	/* one delivery's parsing; reset after each */
	Oid			owner;			/* whose rights ingest's own queries use */
	bool		spi_active;		/* inside chekt_batch_spi()'s session? */
	ChektOwnerSpi spi;
	ChektCatalog *catalog;		/* read on first use */
	ChektAuthCache *auth;
	ChektBatchItem *items;
	int			nitems;
	int			capacity;
	Size		bytes;			/* body bytes held */
	int64		passed_retries; /* quarantined deliveries that now passed */
} ChektBatch;

/* Largest body accepted, in bytes (GUC chekt.max_body_bytes) */
extern int	chekt_max_body_bytes;

extern ChektBatch *chekt_batch_create(MemoryContext parent, Oid owner);
extern void chekt_batch_spi(ChektBatch *batch);
extern void chekt_batch_end_spi(ChektBatch *batch);
extern ChektBatchItem *chekt_batch_add(ChektBatch *batch, const ChektDelivery *delivery);
extern bool chekt_batch_is_full(const ChektBatch *batch);
extern void chekt_batch_write(ChektBatch *batch);
extern void chekt_batch_clear(ChektBatch *batch);

#endif							/* CHEKT_BATCH_H */
