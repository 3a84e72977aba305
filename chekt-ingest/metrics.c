/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Counters and histograms, served in Prometheus text format
 *
 * Gauges and counters touched per request are atomics; what is observed
 * once per batch (sizes, commit latency) sits behind one mutex.
 *
 * Unauthenticated requests are counted apart, with their body bytes, so
 * that a flood of them can be alerted on: the deliveries whose outcome is
 * of class unauthenticated in the outcome table (answered 401), and those
 * http.c refuses itself for what would be such an outcome.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chekt_protocol.h"
#include "metrics.h"

/* An outcome counted, and its class ("" for the receiver's own) */
typedef struct Outcome
{
	const char *name;
	const char *class;
} Outcome;

/* The outcomes ingest reports (chekt_protocol.h), then the receiver's own */
#define OUTCOME(symbol, name, class, status, description) {name, class},
static const Outcome outcomes[] = {
	CHEKT_OUTCOME_TABLE(OUTCOME)
	{"unavailable", ""}, {"other", ""}
};
#undef OUTCOME
#define NOUTCOMES (sizeof(outcomes) / sizeof(outcomes[0]))

static const unsigned int statuses[] = {200, 400, 401, 404, 405, 413, 500, 503};
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

static const double batch_bounds[] = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
#define NBATCH (sizeof(batch_bounds) / sizeof(batch_bounds[0]))

static const double commit_bounds[] = {
	0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5
};
#define NCOMMIT (sizeof(commit_bounds) / sizeof(commit_bounds[0]))

static long outcome_counts[NOUTCOMES];
static long unauthenticated_requests;
static long unauthenticated_body_bytes;
static long status_counts[NSTATUSES + 1];	/* the last: any other status */
static long reconnects;
static long database_up;
static long in_flight;
static long queued;

static pthread_mutex_t histogram_lock = PTHREAD_MUTEX_INITIALIZER;
static long batch_buckets[NBATCH + 1];
static double batch_sum;
static long commit_buckets[NCOMMIT + 1];
static double commit_sum;
static long batches_failed;

/*
 * Count a settled delivery by its outcome; one of class unauthenticated is
 * an unauthenticated request too, with the bytes of its body.
 */
void
metrics_count_outcome(const char *outcome, size_t body_bytes)
{
	size_t		i;

	for (i = 0; i < NOUTCOMES - 1; i++)
		if (strcmp(outcome, outcomes[i].name) == 0)
			break;
	__atomic_add_fetch(&outcome_counts[i], 1, __ATOMIC_RELAXED);
	if (strcmp(outcomes[i].class, CHEKT_CLASS_UNAUTHENTICATED) == 0)
		metrics_count_unauthenticated(body_bytes);
}

/* Count a request refused as not authentic, and the body bytes it brought */
void
metrics_count_unauthenticated(size_t body_bytes)
{
	__atomic_add_fetch(&unauthenticated_requests, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&unauthenticated_body_bytes, (long) body_bytes, __ATOMIC_RELAXED);
}

/* Count an HTTP response by its status */
void
metrics_count_response(unsigned int status)
{
	size_t		i;

	for (i = 0; i < NSTATUSES; i++)
		if (statuses[i] == status)
			break;
	__atomic_add_fetch(&status_counts[i], 1, __ATOMIC_RELAXED);
}

/* Observe a batch: its size, and its commit latency if it committed */
void
metrics_observe_batch(int size, double commit_seconds, int committed)
{
	size_t		i;

	pthread_mutex_lock(&histogram_lock);
	for (i = 0; i < NBATCH && size > batch_bounds[i]; i++)
		;
	batch_buckets[i]++;
	batch_sum += size;
	if (committed)
	{
		for (i = 0; i < NCOMMIT && commit_seconds > commit_bounds[i]; i++)
			;
		commit_buckets[i]++;
		commit_sum += commit_seconds;
	}
	else
		batches_failed++;
	pthread_mutex_unlock(&histogram_lock);
}

/* Count a successful reconnection to the database */
void
metrics_count_reconnect(void)
{
	__atomic_add_fetch(&reconnects, 1, __ATOMIC_RELAXED);
}

/* Record whether the database answered the last attempt */
void
metrics_set_database_up(int up)
{
	__atomic_store_n(&database_up, up ? 1 : 0, __ATOMIC_RELAXED);
}

/* Requests being received, queued or answered */
void
metrics_add_in_flight(int delta)
{
	__atomic_add_fetch(&in_flight, delta, __ATOMIC_SEQ_CST);
}

/* Deliveries waiting for a writer */
void
metrics_add_queued(int delta)
{
	__atomic_add_fetch(&queued, delta, __ATOMIC_RELAXED);
}

/* How many requests are in flight now */
long
metrics_in_flight(void)
{
	return __atomic_load_n(&in_flight, __ATOMIC_SEQ_CST);
}

/* Append a histogram's lines */
static void
render_histogram(FILE *out, const char *name, const double *bounds, size_t nbounds,
				 const long *buckets, double sum)
{
	long		cumulative = 0;
	size_t		i;

	for (i = 0; i < nbounds; i++)
	{
		cumulative += buckets[i];
		fprintf(out, "%s_bucket{le=\"%g\"} %ld\n", name, bounds[i], cumulative);
	}
	cumulative += buckets[nbounds];
	fprintf(out, "%s_bucket{le=\"+Inf\"} %ld\n%s_sum %g\n%s_count %ld\n",
			name, cumulative, name, sum, name, cumulative);
}

/* The metrics as Prometheus text exposition format (malloc'd) */
char *
metrics_render(size_t *len)
{
	char	   *text = NULL;
	FILE	   *out = open_memstream(&text, len);
	size_t		i;

	if (out == NULL)
		return NULL;
	fputs("# HELP chekt_ingest_deliveries_total Deliveries settled, by outcome (unavailable: not committed, answered 503).\n"
		  "# TYPE chekt_ingest_deliveries_total counter\n", out);
	for (i = 0; i < NOUTCOMES; i++)
		fprintf(out, "chekt_ingest_deliveries_total{outcome=\"%s\"} %ld\n", outcomes[i].name,
				__atomic_load_n(&outcome_counts[i], __ATOMIC_RELAXED));
	fputs("# HELP chekt_ingest_responses_total HTTP responses, by status code.\n"
		  "# TYPE chekt_ingest_responses_total counter\n", out);
	for (i = 0; i <= NSTATUSES; i++)
	{
		if (i < NSTATUSES)
			fprintf(out, "chekt_ingest_responses_total{code=\"%u\"} ", statuses[i]);
		else
			fputs("chekt_ingest_responses_total{code=\"other\"} ", out);
		fprintf(out, "%ld\n", __atomic_load_n(&status_counts[i], __ATOMIC_RELAXED));
	}
	fprintf(out, "# HELP chekt_ingest_unauthenticated_requests_total Webhook requests refused as not authentic: deliveries of an outcome of class " CHEKT_CLASS_UNAUTHENTICATED " (chekt.outcomes()), and app names over %d bytes (404).\n"
			"# TYPE chekt_ingest_unauthenticated_requests_total counter\n"
			"chekt_ingest_unauthenticated_requests_total %ld\n"
			"# HELP chekt_ingest_unauthenticated_body_bytes_total Body bytes of those requests, as received (none for an app name refused before its body is read).\n"
			"# TYPE chekt_ingest_unauthenticated_body_bytes_total counter\n"
			"chekt_ingest_unauthenticated_body_bytes_total %ld\n",
			CHEKT_KEY_MAX_BYTES,
			__atomic_load_n(&unauthenticated_requests, __ATOMIC_RELAXED),
			__atomic_load_n(&unauthenticated_body_bytes, __ATOMIC_RELAXED));
	fprintf(out, "# HELP chekt_ingest_reconnects_total Connections to the database made again after one was lost.\n"
			"# TYPE chekt_ingest_reconnects_total counter\n"
			"chekt_ingest_reconnects_total %ld\n"
			"# HELP chekt_ingest_database_up Whether the database answered the last attempt (1) or not (0).\n"
			"# TYPE chekt_ingest_database_up gauge\n"
			"chekt_ingest_database_up %ld\n"
			"# HELP chekt_ingest_in_flight_requests Webhook requests being received, waiting for their commit, or answered.\n"
			"# TYPE chekt_ingest_in_flight_requests gauge\n"
			"chekt_ingest_in_flight_requests %ld\n"
			"# HELP chekt_ingest_queued_deliveries Deliveries waiting for a database writer.\n"
			"# TYPE chekt_ingest_queued_deliveries gauge\n"
			"chekt_ingest_queued_deliveries %ld\n",
			__atomic_load_n(&reconnects, __ATOMIC_RELAXED),
			__atomic_load_n(&database_up, __ATOMIC_RELAXED),
			__atomic_load_n(&in_flight, __ATOMIC_RELAXED),
			__atomic_load_n(&queued, __ATOMIC_RELAXED));

	pthread_mutex_lock(&histogram_lock);
	fputs("# HELP chekt_ingest_batch_size Deliveries per COPY transaction.\n"
		  "# TYPE chekt_ingest_batch_size histogram\n", out);
	render_histogram(out, "chekt_ingest_batch_size", batch_bounds, NBATCH, batch_buckets, batch_sum);
	fputs("# HELP chekt_ingest_commit_seconds Time from BEGIN to COMMIT of committed batches.\n"
		  "# TYPE chekt_ingest_commit_seconds histogram\n", out);
	render_histogram(out, "chekt_ingest_commit_seconds", commit_bounds, NCOMMIT, commit_buckets, commit_sum);
	fprintf(out, "# HELP chekt_ingest_batches_failed_total Batches the database did not commit (their requests got 503).\n"
			"# TYPE chekt_ingest_batches_failed_total counter\n"
			"chekt_ingest_batches_failed_total %ld\n", batches_failed);
	pthread_mutex_unlock(&histogram_lock);

	if (fclose(out) != 0)
	{
		free(text);
		return NULL;
	}
	return text;
}
