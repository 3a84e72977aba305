/*-------------------------------------------------------------------------
 *
 * delivery.h
 *	  One webhook delivery on its way into chekt_private.inbox, and its answer
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_DELIVERY_H
#define CHEKT_INGEST_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "chekt_protocol.h"

struct Delivery;

/* Called from a writer thread once the delivery is settled */
typedef void (*DeliverySettled) (struct Delivery *delivery);

/*
 * The columns of a row of chekt_private.inbox, as the receiver got them.  Texts are
 * NUL-terminated valid UTF-8 (chekt_private.inbox's text columns take nothing
 * else); a missing header is NULL.  The body is bytes, as received.
 */
typedef struct Delivery
{
	char	   *app;
	char		received_at[40];	/* a timestamptz literal (--replay), or
									 * empty: the database's now() */
	char	   *signed_at;
	char	   *signature;
	char	   *message_id;
	char	   *headers_json;	/* other X-CHeKT-* headers, a JSON object */
	unsigned char *body;
	size_t		body_len;

	/* a health probe rides the queue too: it carries no row */
	bool		is_probe;

	/* the answer, set before settled() is called */
	bool		committed;		/* false: the database did not take it */
	char		outcome[32];	/* accepted, duplicate, a reason; or why not */
	char		event_id[CHEKT_KEY_MAX_BYTES + 1];	/* "" if none: ids are never
													 * longer */
	char		error[256];		/* why it was not committed */

	DeliverySettled settled;
	void	   *owner;			/* the HTTP request or replay line */
	struct Delivery *next;		/* the queue's link */
} Delivery;

#endif							/* CHEKT_INGEST_DELIVERY_H */
