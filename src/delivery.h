/*-------------------------------------------------------------------------
 *
 * delivery.h
 *	  One webhook delivery, as a row of chekt.inbox holds it
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_DELIVERY_H
#define CHEKT_DELIVERY_H

#include "datatype/timestamp.h"
#include "utils/jsonb.h"

/*
 * The columns of chekt.inbox.  Texts have 4-byte headers and live in the
 * batch's memory; a NULL column is a NULL pointer.
 */
typedef struct ChektDelivery
{
	text	   *app;
	TimestampTz received_at;
	text	   *signed_at;
	text	   *signature;
	text	   *body;			/* as bytes if body_is_bytes */
	text	   *message_id;
	Jsonb	   *headers;
	bool		body_is_bytes;	/* body is not text in the database encoding */
	int64		rejected_id;	/* the chekt.rejected row it came from, or 0 */
} ChektDelivery;

#endif							/* CHEKT_DELIVERY_H */
