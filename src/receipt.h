/*-------------------------------------------------------------------------
 *
 * receipt.h
 *	  The time a delivery is judged at: the database's, unless the
 *	  inserting role may backfill
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_RECEIPT_H
#define CHEKT_RECEIPT_H

#include "delivery.h"

/* Whether the inserting role may supply received_at, asked once per role */
typedef struct ChektReceipt
{
	Oid			owner;			/* the inbox owner, who always may */
	Oid			user;			/* the role last asked about */
	int			may_backfill;	/* for user: 1, 0, or -1 not asked yet */
} ChektReceipt;

extern void chekt_receipt_init(ChektReceipt *receipt, Oid owner);
extern void chekt_receipt_time(ChektReceipt *receipt, ChektDelivery *delivery);
extern char *chekt_receipt_note(const ChektDelivery *delivery);

#endif							/* CHEKT_RECEIPT_H */
