/*-------------------------------------------------------------------------
 *
 * http.c
 *	  The HTTP side: POST /webhooks/{app}, GET /healthz, GET /metrics
 *
 * libmicrohttpd parses HTTP; this file maps requests to deliveries and
 * outcomes to status codes, and nothing more.  A webhook request is read
 * whole (up to the body limit), queued for the pump, and its connection
 * suspended until a writer has settled it; the writer resumes it and the
 * answer names the outcome of its own row:
 *
 *	200  accepted, duplicate, or authentic but quarantined (malformed_json,
 *		 invalid_envelope, unknown_type, invalid_payload, out_of_range,
 *		 id_conflict, oversize): stored, and a retry would not change it
 *	401  unknown_app, bad_signature, stale_signature: stored in quarantine;
 *		 a retry after the secret is fixed heals it
 *	400  no signature headers; a header or the app name is not UTF-8, or
 *		 the app name holds a control character (raw or percent-encoded)
 *	404, 405  no such endpoint (an app name over 200 bytes included), or
 *		 not its method
 *	413  a body over the limit (refused before it is read)
 *	503  not committed (database down, commit failed): retry later
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "chekt_protocol.h"
#include "hex.h"
#include "http.h"
#include "inbox_copy.h"
#include "log.h"
#include "metrics.h"
#include "pump.h"

#define WEBHOOK_PREFIX "/webhooks/"

/* One request being served */
typedef struct Request
{
	struct MHD_Connection *connection;
	Delivery	delivery;		/* a webhook delivery, or a health probe */
	size_t		body_cap;
	bool		too_large;
	bool		queued;			/* with the pump, connection suspended */
	json_t	   *headers;		/* other X-CHeKT-* headers */
	char	   *webhook_timestamp;	/* Standard Webhooks' pair, until taken */
	char	   *webhook_signature;
	time_t		started;		/* when its headers were in (monotonic) */
	bool		bad_header;		/* a header we keep is not valid UTF-8 */
	bool		complete;		/* all of it is in, one round ago */
} Request;

static HttpConfig config;
static struct MHD_Daemon *daemon_handle;
static volatile int draining;

/* Queue a response with a JSON body; counts it */
static enum MHD_Result
respond(struct MHD_Connection *connection, unsigned int status, json_t *body)
{
	char	   *text = json_dumps(body, JSON_COMPACT);
	struct MHD_Response *response;
	enum MHD_Result result;
	char		retry_after[16];

	json_decref(body);
	if (text == NULL)
		return MHD_NO;
	response = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (response == NULL)
	{
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE)
	{
		snprintf(retry_after, sizeof(retry_after), "%d", config.retry_after);
		MHD_add_response_header(response, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
	}
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "POST");
	if (draining)
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	result = MHD_queue_response(connection, status, response);
	MHD_destroy_response(response);
	metrics_count_response(status);
	return result;
}

/* Answer with {"outcome": outcome, "detail": detail} */
static enum MHD_Result
respond_outcome(struct MHD_Connection *connection, unsigned int status,
				const char *outcome, const char *detail)
{
	json_t	   *body = json_pack("{s:s}", "outcome", outcome);

	if (body != NULL && detail != NULL)
		json_object_set_new(body, "detail", json_string(detail));
	return respond(connection, status, body);
}

/* The outcome table (chekt_protocol.h): each outcome's answer */
typedef struct OutcomeStatus
{
	const char *name;
	unsigned int status;
} OutcomeStatus;

#define OUTCOME_STATUS(symbol, name, class, status, description) {name, status},
static const OutcomeStatus outcome_statuses[] = {
	CHEKT_OUTCOME_TABLE(OUTCOME_STATUS)
};
#undef OUTCOME_STATUS

/*
 * The status code that answers a stored delivery's outcome: 401 for those
 * refused before the body was trusted, else 200 (accepted, duplicate, or
 * authentic and quarantined for good).  An outcome this build does not know
 * (a newer extension) was stored all the same: 200.
 */
static unsigned int
status_for_outcome(const char *outcome)
{
	size_t		i;

	for (i = 0; i < sizeof(outcome_statuses) / sizeof(outcome_statuses[0]); i++)
		if (strcmp(outcome, outcome_statuses[i].name) == 0)
			return outcome_statuses[i].status;
	return MHD_HTTP_OK;
}

/* Answer a settled webhook delivery */
static enum MHD_Result
answer_delivery(Request *r)
{
	Delivery   *d = &r->delivery;
	json_t	   *body;

	if (!d->committed)
		return respond_outcome(r->connection, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
							   "the delivery was not stored; retry later");
	body = json_pack("{s:s}", "outcome", d->outcome);
	if (body != NULL && d->event_id[0] != '\0')
		json_object_set_new(body, "event_id", json_string(d->event_id));
	return respond(r->connection, status_for_outcome(d->outcome), body);
}

/* Answer a settled health probe */
static enum MHD_Result
answer_probe(Request *r)
{
	if (r->delivery.committed)
		return respond(r->connection, MHD_HTTP_OK, json_pack("{s:s}", "status", "ok"));
	return respond(r->connection, MHD_HTTP_SERVICE_UNAVAILABLE,
				   json_pack("{s:s,s:s}", "status", "unavailable",
							 "detail", r->delivery.error));
}

/* Called by a writer thread: the request can be answered */
static void
request_settled(Delivery *d)
{
	Request    *r = d->owner;

	MHD_resume_connection(r->connection);
}

/* Free a request and what it holds */
static void
request_free(Request *r)
{
	free(r->delivery.app);
	free(r->delivery.signed_at);
	free(r->delivery.signature);
	free(r->delivery.message_id);
	free(r->delivery.headers_json);
	free(r->delivery.body);
	free(r->webhook_timestamp);
	free(r->webhook_signature);
	json_decref(r->headers);
	free(r);
}

/* MHD_OPTION_NOTIFY_COMPLETED: the request is over, answered or not */
static void
request_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
				  enum MHD_RequestTerminationCode code)
{
	Request    *r = *con_cls;

	(void) cls;
	(void) connection;
	(void) code;
	if (r == NULL)
		return;
	*con_cls = NULL;
	request_free(r);
	metrics_add_in_flight(-1);
}

/* Seconds on a monotonic clock */
static time_t
monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec;
}

/* A new request, counted as in flight */
static Request *
request_new(struct MHD_Connection *connection)
{
	Request    *r = calloc(1, sizeof(Request));

	if (r == NULL)
		return NULL;
	r->connection = connection;
	r->started = monotonic_seconds();
	r->delivery.owner = r;
	r->delivery.settled = request_settled;
	metrics_add_in_flight(1);
	return r;
}

/*
 * Keep a copy of a header value.  A repeated header is one list, as HTTP
 * defines it: its values are joined by sep, so that every signature sent
 * is considered (and repeated timestamps no longer read as one).  False if
 * the value is not valid UTF-8.
 */
static bool
keep_header(char **field, const char *value, const char *sep)
{
	char	   *joined;

	if (!utf8_is_valid((const unsigned char *) value, strlen(value)))
		return false;
	if (*field == NULL)
		return (*field = strdup(value)) != NULL;
	if (asprintf(&joined, "%s%s%s", *field, sep, value) < 0)
		return false;
	free(*field);
	*field = joined;
	return true;
}

/* MHD_KeyValueIterator over the request headers */
static enum MHD_Result
take_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	Request    *r = cls;
	Delivery   *d = &r->delivery;
	char		name[128];
	size_t		i;
	bool		ok = true;

	(void) kind;
	if (value == NULL)
		value = "";
	for (i = 0; key[i] != '\0' && i < sizeof(name) - 1; i++)
		name[i] = (char) tolower((unsigned char) key[i]);
	name[i] = '\0';

	/* the signature lists' own separators: comma for CHeKT, space for v1 */
	if (strcmp(name, "x-chekt-timestamp") == 0)
		ok = keep_header(&d->signed_at, value, ", ");
	else if (strcmp(name, "x-chekt-signature") == 0)
		ok = keep_header(&d->signature, value, ", ");
	else if (strcmp(name, "webhook-id") == 0)
		ok = keep_header(&d->message_id, value, ", ");
	else if (strcmp(name, "webhook-timestamp") == 0)
		ok = keep_header(&r->webhook_timestamp, value, ", ");
	else if (strcmp(name, "webhook-signature") == 0)
		ok = keep_header(&r->webhook_signature, value, " ");
	else if (strncmp(name, "x-chekt-", 8) == 0)
	{
		const char *before;
		char	   *joined;

		if (!utf8_is_valid((const unsigned char *) value, strlen(value)) ||
			!utf8_is_valid((const unsigned char *) name, strlen(name)))
			ok = false;
		else
		{
			if (r->headers == NULL)
				r->headers = json_object();
			/* a repeated header is one list, as HTTP defines it */
			before = json_string_value(json_object_get(r->headers, name));
			if (before != NULL && asprintf(&joined, "%s, %s", before, value) >= 0)
			{
				json_object_set_new(r->headers, name, json_string(joined));
				free(joined);
			}
			else
				json_object_set_new(r->headers, name, json_string(value));
		}
	}
	if (!ok)
		r->bad_header = true;
	return MHD_YES;
}

/*
 * Take the signature headers.  The chekt scheme's pair wins; otherwise the
 * Standard Webhooks trio.  NULL if the headers are fine, else what is wrong.
 */
static const char *
take_signature_headers(Request *r)
{
	Delivery   *d = &r->delivery;

	MHD_get_connection_values(r->connection, MHD_HEADER_KIND, take_header, r);
	if (r->bad_header)
		return "a signature or X-CHeKT-* header is not valid UTF-8";
	if (d->signed_at == NULL && d->signature == NULL && d->message_id != NULL)
	{
		/* the request frees what it still holds */
		d->signed_at = r->webhook_timestamp;
		d->signature = r->webhook_signature;
		r->webhook_timestamp = r->webhook_signature = NULL;
	}
	if (r->headers != NULL)
		d->headers_json = json_dumps(r->headers, JSON_COMPACT | JSON_SORT_KEYS);
	if (d->signed_at == NULL || d->signature == NULL)
		return "the signature headers are missing: send X-CHeKT-Timestamp and X-CHeKT-Signature "
			"(or webhook-id, webhook-timestamp and webhook-signature)";
	return NULL;
}

/* Does s hold a control character (which no app name has)? */
static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char) *s < 0x20 || (unsigned char) *s == 0x7f)
			return true;
	return false;
}

/* The first call for a POST /webhooks/{app}: headers are in, body is not */
static enum MHD_Result
begin_webhook(struct MHD_Connection *connection, const char *app, void **con_cls)
{
	Request    *r;
	const char *length = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
													 MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *problem;
	char		detail[128];

	if (length != NULL && strtoull(length, NULL, 10) > config.max_body)
	{
		snprintf(detail, sizeof(detail), "the body has %s bytes; this receiver takes at most %zu",
				 length, config.max_body);
		return respond_outcome(connection, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", detail);
	}
	if (!utf8_is_valid((const unsigned char *) app, strlen(app)) || has_control(app))
		return respond_outcome(connection, MHD_HTTP_BAD_REQUEST, "bad_request",
							   "the app name in the URL is not valid UTF-8, or holds a control character");
	if (strlen(app) > CHEKT_KEY_MAX_BYTES)
	{
		/*
		 * The one refusal of ours that is unauthenticated: ingest would
		 * have called it unknown_app, so it counts with those, for no body
		 * bytes (the body is never read).  Not so the other refusals above
		 * and below: 413 is about size, and 400 (a name or header not
		 * UTF-8, no signature headers) says the request is not a CHeKT
		 * delivery at all; nor are other paths (404) or methods (405).
		 */
		metrics_count_unauthenticated(0);
		snprintf(detail, sizeof(detail), "no app has a name of over %d bytes", CHEKT_KEY_MAX_BYTES);
		return respond_outcome(connection, MHD_HTTP_NOT_FOUND, "not_found", detail);
	}

	r = request_new(connection);
	if (r == NULL || (r->delivery.app = strdup(app)) == NULL)
	{
		if (r != NULL)
			request_completed(NULL, connection, (void **) &r, MHD_REQUEST_TERMINATED_WITH_ERROR);
		return MHD_NO;
	}
	*con_cls = r;
	problem = take_signature_headers(r);
	if (problem != NULL)
		return respond_outcome(connection, MHD_HTTP_BAD_REQUEST, "bad_request", problem);
	return MHD_YES;
}

/* Take a piece of the body, or drop it once the body is too large */
static void
take_body(Request *r, const char *data, size_t size)
{
	Delivery   *d = &r->delivery;

	if (r->too_large)
	{
		d->body_len += size;	/* counted, not kept */
		return;
	}
	if (d->body_len + size > config.max_body)
	{
		r->too_large = true;
		free(d->body);
		d->body = NULL;
		d->body_len += size;
		return;
	}
	if (d->body_len + size > r->body_cap)
	{
		size_t		cap = r->body_cap == 0 ? 4096 : r->body_cap;
		unsigned char *body;

		while (cap < d->body_len + size)
			cap *= 2;
		if (cap > config.max_body)
			cap = config.max_body;
		body = realloc(d->body, cap);
		if (body == NULL)
		{
			r->too_large = true;	/* answered 413: it cannot be held */
			return;
		}
		d->body = body;
		r->body_cap = cap;
	}
	memcpy(d->body + d->body_len, data, size);
	d->body_len += size;
}

/* Suspend the connection and queue the request's delivery or probe */
static enum MHD_Result
queue_request(Request *r)
{
	r->queued = true;
	MHD_suspend_connection(r->connection);
	pump_submit(&r->delivery, false);
	return MHD_YES;
}

/* GET /metrics */
static enum MHD_Result
serve_metrics(struct MHD_Connection *connection)
{
	size_t		len;
	char	   *text = metrics_render(&len);
	struct MHD_Response *response;
	enum MHD_Result result;

	if (text == NULL)
		return MHD_NO;
	response = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (response == NULL)
	{
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
							"text/plain; version=0.0.4; charset=utf-8");
	result = MHD_queue_response(connection, MHD_HTTP_OK, response);
	MHD_destroy_response(response);
	metrics_count_response(MHD_HTTP_OK);
	return result;
}

/* The {app} of a path /webhooks/{app}, or NULL for any other path */
static const char *
webhook_app(const char *url)
{
	size_t		prefix = strlen(WEBHOOK_PREFIX);
	const char *c;

	if (strncmp(url, WEBHOOK_PREFIX, prefix) != 0 || url[prefix] == '\0')
		return NULL;
	for (c = url + prefix; *c != '\0'; c++)
		if (*c == '/')
			return NULL;
	return url + prefix;
}

/*
 * MHD_UnescapeCallback: decode %XX in a URL, in place.  A NUL or other
 * control character decodes to 0xFF instead, a byte no UTF-8 text holds:
 * the string stays whole (libmicrohttpd's own decoder would end it at a
 * %00, so that /webhooks/app-a%00evil read as app "app-a"), and the name
 * is refused.  Returns the new length.
 */
static size_t
unescape_url(void *cls, struct MHD_Connection *connection, char *s)
{
	char	   *in = s;
	char	   *out = s;

	(void) cls;
	(void) connection;
	while (*in != '\0')
	{
		int			high;
		int			low;

		if (in[0] == '%' && (high = chekt_hex_digit_value(in[1])) >= 0 &&
			(low = chekt_hex_digit_value(in[2])) >= 0)
		{
			unsigned char c = (unsigned char) (high * 16 + low);

			*out++ = (char) (c < 0x20 || c == 0x7f ? 0xFF : c);
			in += 3;
		}
		else
			*out++ = *in++;
	}
	*out = '\0';
	return (size_t) (out - s);
}

/* MHD_AccessHandlerCallback: every call for every request */
static enum MHD_Result
handle_request(void *cls, struct MHD_Connection *connection, const char *url,
			   const char *method, const char *version, const char *upload_data,
			   size_t *upload_data_size, void **con_cls)
{
	Request    *r = *con_cls;
	bool		is_get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	(void) cls;
	(void) version;
	if (r == NULL)
	{
		const char *app = webhook_app(url);

		if (app != NULL)
		{
			if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
				return respond_outcome(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
									   "webhooks are delivered with POST");
			return begin_webhook(connection, app, con_cls);
		}
		if (strcmp(url, "/healthz") == 0 || strcmp(url, "/metrics") == 0)
		{
			if (!is_get)
				return respond_outcome(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
									   "use GET");
			if (strcmp(url, "/metrics") == 0)
				return serve_metrics(connection);
			r = request_new(connection);
			if (r == NULL)
				return MHD_NO;
			r->delivery.is_probe = true;
			*con_cls = r;
			return MHD_YES;
		}
		return respond_outcome(connection, MHD_HTTP_NOT_FOUND, "not_found",
							   "webhooks are posted to /webhooks/{app}");
	}

	if (r->queued)
		return r->delivery.is_probe ? answer_probe(r) : answer_delivery(r);
	if (*upload_data_size > 0)
	{
		/* a body trickled in to hold the connection: cut off */
		if (monotonic_seconds() - r->started > (time_t) config.request_timeout)
		{
			if (r->delivery.is_probe)
				log_warning("closing a connection whose body for /healthz took over %u s",
							config.request_timeout);
			else
				log_warning("closing a connection whose body for app \"%s\" took over %u s",
							r->delivery.app, config.request_timeout);
			return MHD_NO;
		}
		if (r->delivery.is_probe)
		{
			/* a probe's body means nothing: counted, dropped, bounded */
			r->delivery.body_len += *upload_data_size;
			*upload_data_size = 0;
			return r->delivery.body_len > config.max_body ? MHD_NO : MHD_YES;
		}

		/*
		 * libmicrohttpd cannot answer in mid-upload: a chunked body past
		 * the limit is read on and dropped, up to a bound, so that the 413
		 * can be sent; past that the connection is just closed.
		 */
		if (r->too_large && r->delivery.body_len + *upload_data_size > 8 * config.max_body)
		{
			log_warning("closing a connection whose chunked body for app \"%s\" passed %zu bytes",
						r->delivery.app, 8 * config.max_body);
			return MHD_NO;
		}
		take_body(r, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* the whole request is in */
	if (!r->complete)
	{
		/*
		 * Suspend in the next round of the event loop, not this one.
		 * libmicrohttpd 0.9.75 leaves a suspended connection's event state
		 * as it was while the request was read, and on resume reads before
		 * anything else: from a client that half-closed after its request
		 * (shutdown(SHUT_WR)) it reads the end of the stream and drops the
		 * connection unanswered.  Answering "not yet" once lets it note
		 * that the connection now waits for us (no reading), and it calls
		 * again at once.
		 */
		r->complete = true;
		return MHD_YES;
	}
	if (r->delivery.is_probe)
		return queue_request(r);
	if (r->too_large)
	{
		char		detail[128];

		snprintf(detail, sizeof(detail), "the body is over %zu bytes, the most this receiver takes",
				 config.max_body);
		return respond_outcome(connection, MHD_HTTP_CONTENT_TOO_LARGE, "too_large", detail);
	}
	if (r->delivery.body == NULL)
	{
		/* an empty body is still a delivery: bytes of length zero */
		r->delivery.body = malloc(1);
		if (r->delivery.body == NULL)
			return MHD_NO;
	}
	/* received_at stays empty: the database's now() is the receipt time */
	return queue_request(r);
}

/* MHD's own error messages, as log lines */
static void log_mhd(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	char		text[512];
	size_t		len;

	(void) cls;
	vsnprintf(text, sizeof(text), fmt, ap);
	len = strlen(text);
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	log_warning("http: %s", text);
}

/* Start serving; false (after saying why) if that fails */
bool
http_start(const HttpConfig *c)
{
	struct addrinfo hints;
	struct addrinfo *address;
	char		host[256];
	const char *colon;
	const char *port;
	unsigned int flags;
	int			rc;

	config = *c;
	colon = strrchr(config.listen, ':');
	if (colon == NULL || colon == config.listen || colon[1] == '\0' ||
		(size_t) (colon - config.listen) >= sizeof(host))
	{
		log_error("--listen \"%s\" is not HOST:PORT (e.g. 127.0.0.1:8080 or [::1]:8080)",
				  config.listen);
		return false;
	}
	port = colon + 1;
	if (config.listen[0] == '[' && colon[-1] == ']')
		snprintf(host, sizeof(host), "%.*s", (int) (colon - config.listen - 2), config.listen + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int) (colon - config.listen), config.listen);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host, port, &hints, &address);
	if (rc != 0)
	{
		log_error("cannot listen on \"%s\": %s", config.listen, gai_strerror(rc));
		return false;
	}

	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME |
		MHD_USE_ERROR_LOG;
	if (address->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	daemon_handle = MHD_start_daemon(flags, 0, NULL, NULL, handle_request, NULL,
									 MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
									 MHD_OPTION_SOCK_ADDR, address->ai_addr,
									 MHD_OPTION_THREAD_POOL_SIZE, (unsigned int) config.threads,
									 MHD_OPTION_CONNECTION_LIMIT, config.max_connections,
									 MHD_OPTION_CONNECTION_TIMEOUT, config.client_timeout,
									 MHD_OPTION_CONNECTION_MEMORY_LIMIT, config.max_header,
									 MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
									 MHD_OPTION_NOTIFY_COMPLETED, request_completed, NULL,
									 MHD_OPTION_UNESCAPE_CALLBACK, unescape_url, NULL,
									 MHD_OPTION_END);
	freeaddrinfo(address);
	if (daemon_handle == NULL)
	{
		log_error("cannot listen on %s (in use, or not an address of this machine?)",
				  config.listen);
		return false;
	}
	return true;
}

/* Stop taking connections; those open are served, then closed */
void
http_stop_accepting(void)
{
	MHD_socket	listener;

	draining = 1;
	listener = MHD_quiesce_daemon(daemon_handle);
	if (listener != MHD_INVALID_SOCKET)
		close(listener);
}

/* Stop serving (every request must be settled) */
void
http_stop(void)
{
	MHD_stop_daemon(daemon_handle);
	daemon_handle = NULL;
}
