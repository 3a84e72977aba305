/*-------------------------------------------------------------------------
 *
 * delivery.h
 *	  One webhook delivery, as a row of chekt_private.inbox holds it
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_DELIVERY_H
#define CHEKT_DELIVERY_H

#include "access/attnum.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
#include "utils/jsonb.h"

/*
 * The columns of chekt_private.inbox.  Texts have 4-byte headers; a NULL column is
 * a NULL pointer.
 */
typedef struct ChektDelivery
{
	text	   *app;
	TimestampTz received_at;	/* valid if has_received_at */
	bool		has_received_at;	/* given and not NULL (receipt.c then
									 * decides it) */
	bool		received_at_ignored;	/* the given one was not believed */
	TimestampTz claimed_received_at;	/* what was given, if ignored */
	text	   *signed_at;
	text	   *signature;
	text	   *body;			/* as bytes if body_is_bytes */
	text	   *message_id;
	Jsonb	   *headers;
	bool		body_is_bytes;	/* body is not text in the database encoding */
	int64		rejected_id;	/* the chekt_private.rejected row it came from, or 0 */
} ChektDelivery;

/* Where a row's delivery columns are: chekt_private.inbox's, or a quarantine query's */
typedef enum ChektDeliveryColumn
{
	DELIVERY_APP,
	DELIVERY_RECEIVED_AT,
	DELIVERY_SIGNED_AT,
	DELIVERY_SIGNATURE,
	DELIVERY_BODY,
	DELIVERY_MESSAGE_ID,
	DELIVERY_HEADERS,
	DELIVERY_BODY_BYTES,		/* since 0.3.0 */
	DELIVERY_REJECTED_ID,		/* a quarantined delivery's */
	DELIVERY_NCOLUMNS
} ChektDeliveryColumn;

typedef struct ChektDeliveryColumns
{
	AttrNumber	attnums[DELIVERY_NCOLUMNS];	/* InvalidAttrNumber: absent */
} ChektDeliveryColumns;

extern void chekt_delivery_columns(TupleDesc desc, const char *relation,
								   ChektDeliveryColumns *columns);
extern void chekt_delivery_from_tuple(const ChektDeliveryColumns *columns,
									  HeapTuple tuple, TupleDesc desc,
									  ChektDelivery *delivery);
extern void chekt_delivery_copy(const ChektDelivery *from, ChektDelivery *to);

#endif							/* CHEKT_DELIVERY_H */
