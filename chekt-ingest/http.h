/*-------------------------------------------------------------------------
 *
 * http.h
 *	  The HTTP side: POST /webhooks/{app}, GET /healthz, GET /metrics
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_HTTP_H
#define CHEKT_INGEST_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct HttpConfig
{
	const char *listen;			/* host:port, [v6]:port */
	int			threads;
	unsigned int max_connections;
	unsigned int client_timeout;	/* seconds a client may stay idle */
	unsigned int request_timeout;	/* seconds a request body may take */
	size_t		max_body;
	size_t		max_header;		/* per connection: request line and headers */
	int			retry_after;	/* seconds, on 503 */
} HttpConfig;

extern bool http_start(const HttpConfig *config);
extern void http_stop_accepting(void);
extern void http_stop(void);

#endif							/* CHEKT_INGEST_HTTP_H */
