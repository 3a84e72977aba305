/*-------------------------------------------------------------------------
 *
 * inbox_copy.h
 *	  One batch of deliveries, one COPY into chekt_private.inbox, one transaction
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_INBOX_COPY_H
#define CHEKT_INGEST_INBOX_COPY_H

#include <libpq-fe.h>

#include "delivery.h"

extern PGconn *inbox_connect(const char *conninfo, char *error, size_t errlen);
extern bool inbox_copy_batch(PGconn *conn, Delivery **batch, int n,
							 char *error, size_t errlen);
extern bool inbox_connection_lost(PGconn *conn);
extern bool inbox_probe(PGconn *conn, char *error, size_t errlen);
extern bool utf8_is_valid(const unsigned char *s, size_t len);

#endif							/* CHEKT_INGEST_INBOX_COPY_H */
