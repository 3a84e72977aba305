/*-------------------------------------------------------------------------
 *
 * pump.c
 *	  Group commit: queued deliveries, written in batches by a few writers
 *
 * Deliveries from every connection join one queue.  Each writer thread
 * owns a database connection; it takes what is queued (up to batch_max,
 * after waiting batch_delay for more to arrive) and stores it with one COPY
 * in one transaction (inbox_copy.c), then settles every delivery of the
 * batch: committed with its outcome, or not committed.  While one writer
 * commits, the next batch gathers, so the busier the receiver the bigger
 * its batches.
 *
 * A writer that loses its connection fails its batch (the requests get
 * 503, and CHeKT retries them) and connects again; while the database is
 * down it fails batches at once rather than hold requests, trying again
 * after a back-off of up to two seconds.  A batch that fails on a live
 * connection is retried one delivery per transaction, so that one
 * delivery the database refuses cannot fail the others.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inbox_copy.h"
#include "log.h"
#include "metrics.h"
#include "pump.h"

#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 2000

typedef struct Writer
{
	int			number;
	pthread_t	thread;
	PGconn	   *conn;
	bool		ever_connected;
	long		retry_at_ms;	/* no connection attempt before this */
	long		backoff_ms;
	long		down_since_ms;	/* when the outage began; 0 if none */
	char		last_error[256];
	PGcancel   *cancel;			/* for pump_stop() when a batch hangs */
} Writer;

static PumpConfig config;
static Writer *writers;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static Delivery *queue_head;
static Delivery *queue_tail;
static int	queue_length;
static bool hurrying;			/* no waiting for batches to fill */
static bool stopping;			/* writers end once the queue is empty */
static int	writers_alive;
static bool gave_up;			/* a batch failed for want of a database */

/* Milliseconds on a monotonic clock */
static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* Seconds, with fractions, on a monotonic clock */
static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Queue a delivery; settled() is called from a writer once it is settled */
void
pump_submit(Delivery *delivery, bool may_wait)
{
	pthread_mutex_lock(&lock);
	while (may_wait && queue_length >= config.queue_max && !stopping)
		pthread_cond_wait(&not_full, &lock);
	if (writers_alive == 0)
	{
		/* too late: no writer is left to store it */
		pthread_mutex_unlock(&lock);
		delivery->committed = false;
		snprintf(delivery->outcome, sizeof(delivery->outcome), "unavailable");
		snprintf(delivery->error, sizeof(delivery->error), "the receiver is shutting down");
		if (!delivery->is_probe)
			metrics_count_outcome("unavailable", delivery->body_len);
		delivery->settled(delivery);
		return;
	}
	delivery->next = NULL;
	if (queue_tail == NULL)
		queue_head = delivery;
	else
		queue_tail->next = delivery;
	queue_tail = delivery;
	queue_length++;
	metrics_add_queued(1);
	pthread_cond_signal(&not_empty);
	pthread_mutex_unlock(&lock);
}

/*
 * Wait for a batch and take it off the queue; 0 once stopping with nothing
 * left.  Called and returns with the lock held.
 */
static int
take_batch(Delivery **batch)
{
	int			n = 0;

	while (queue_length == 0 && !stopping)
		pthread_cond_wait(&not_empty, &lock);
	if (queue_length == 0)
		return 0;

	/* let the batch fill a little, unless it is full or we are stopping */
	if (config.batch_delay_us > 0 && queue_length < config.batch_max && !hurrying)
	{
		struct timespec deadline;

		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_nsec += (long) config.batch_delay_us * 1000;
		deadline.tv_sec += deadline.tv_nsec / 1000000000;
		deadline.tv_nsec %= 1000000000;
		while (queue_length < config.batch_max && !hurrying &&
			   pthread_cond_timedwait(&not_empty, &lock, &deadline) != ETIMEDOUT)
			;
		if (queue_length == 0)	/* another writer took them */
			return 0;
	}

	while (queue_head != NULL && n < config.batch_max)
	{
		batch[n++] = queue_head;
		queue_head = queue_head->next;
	}
	if (queue_head == NULL)
		queue_tail = NULL;
	queue_length -= n;
	metrics_add_queued(-n);
	pthread_cond_broadcast(&not_full);
	return n;
}

/* Have a connection, or say why not; at most one attempt per back-off */
static bool
writer_connect(Writer *w)
{
	long		now = now_ms();
	char		error[256];
	PGcancel   *cancel;

	if (w->conn != NULL)
		return true;
	if (now < w->retry_at_ms)
		return false;

	w->conn = inbox_connect(config.conninfo, error, sizeof(error));
	if (w->conn == NULL)
	{
		w->backoff_ms = w->backoff_ms == 0 ? BACKOFF_MIN_MS :
			(w->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : w->backoff_ms * 2);
		w->retry_at_ms = now + w->backoff_ms;
		if (w->down_since_ms == 0 || strcmp(error, w->last_error) != 0)
			log_error("writer %d: cannot use the database: %s; trying again (meanwhile requests get 503)",
					  w->number, error);
		if (w->down_since_ms == 0)
			w->down_since_ms = now;
		snprintf(w->last_error, sizeof(w->last_error), "%s", error);
		metrics_set_database_up(0);
		return false;
	}

	cancel = PQgetCancel(w->conn);
	pthread_mutex_lock(&lock);
	w->cancel = cancel;
	pthread_mutex_unlock(&lock);
	if (w->ever_connected)
	{
		metrics_count_reconnect();
		log_info("writer %d: connected to the database again after %.1f s",
				 w->number, w->down_since_ms == 0 ? 0.0 : (now_ms() - w->down_since_ms) / 1000.0);
	}
	else
		log_debug("writer %d: connected to database \"%s\"", w->number, PQdb(w->conn));
	w->ever_connected = true;
	w->backoff_ms = 0;
	w->down_since_ms = 0;
	w->last_error[0] = '\0';
	metrics_set_database_up(1);
	return true;
}

/* Drop a connection that is broken; the next batch connects again */
static void
writer_check_connection(Writer *w, const char *error)
{
	PGcancel   *cancel;

	if (w->conn == NULL || !inbox_connection_lost(w->conn))
		return;
	log_error("writer %d: lost the database connection: %s", w->number, error);
	pthread_mutex_lock(&lock);
	cancel = w->cancel;
	w->cancel = NULL;
	pthread_mutex_unlock(&lock);
	PQfreeCancel(cancel);
	PQfinish(w->conn);
	w->conn = NULL;
	w->retry_at_ms = 0;			/* try again at once: it may be a restart */
	w->down_since_ms = now_ms();
	snprintf(w->last_error, sizeof(w->last_error), "%s", error);
	metrics_set_database_up(0);
}

/* Mark deliveries as not stored */
static void
fail_all(Delivery **batch, int n, const char *error)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		batch[i]->committed = false;
		snprintf(batch[i]->outcome, sizeof(batch[i]->outcome), "unavailable");
		snprintf(batch[i]->error, sizeof(batch[i]->error), "%s", error);
	}
}

/* Wait until the writer may try to connect again (patient mode) */
static void
wait_to_retry(Writer *w)
{
	long		wait_ms = w->retry_at_ms - now_ms();
	struct timespec pause;

	if (wait_ms < BACKOFF_MIN_MS)
		wait_ms = BACKOFF_MIN_MS;
	pause.tv_sec = wait_ms / 1000;
	pause.tv_nsec = (wait_ms % 1000) * 1000000L;
	nanosleep(&pause, NULL);
}

/*
 * Store the deliveries of a batch; each ends committed or not.  Serving
 * HTTP, a batch the database cannot take fails at once (CHeKT retries);
 * patient (replaying a file), it is tried again for up to patience_seconds
 * first, and after one batch gave up, the others fail at once.
 */
static void
write_deliveries(Writer *w, Delivery **batch, int n)
{
	long		give_up_at = now_ms() + config.patience_seconds * 1000L;
	char		error[256];
	bool		committed;
	int			i;

	for (;;)
	{
		if (writer_connect(w))
		{
			double		started = now_seconds();

			committed = inbox_copy_batch(w->conn, batch, n, error, sizeof(error));
			metrics_observe_batch(n, now_seconds() - started, committed);
			if (committed)
				return;
			writer_check_connection(w, error);
			if (w->conn != NULL)
				break;			/* the database refused the batch itself */
		}
		else
		{
			snprintf(error, sizeof(error), "%s", w->last_error);
			metrics_observe_batch(n, 0, 0);
		}
		if (now_ms() >= give_up_at || __atomic_load_n(&gave_up, __ATOMIC_RELAXED))
		{
			__atomic_store_n(&gave_up, true, __ATOMIC_RELAXED);
			fail_all(batch, n, error);
			return;
		}
		wait_to_retry(w);
	}

	if (n == 1)
	{
		log_error("writer %d: the database refused a delivery for app \"%s\": %s",
				  w->number, batch[0]->app, error);
		fail_all(batch, n, error);
		return;
	}
	/* a live connection: find the delivery that failed the batch */
	log_warning("writer %d: a batch of %d failed (%s); storing its deliveries one by one",
				w->number, n, error);
	for (i = 0; i < n; i++)
		write_deliveries(w, &batch[i], 1);
}

/* Has a batch failed for want of a database (after any patience)? */
bool
pump_gave_up(void)
{
	return __atomic_load_n(&gave_up, __ATOMIC_RELAXED);
}

/* Answer health probes: up if the database answered just now */
static void
answer_probes(Writer *w, Delivery **probes, int n, bool answered)
{
	char		error[256] = "";
	int			i;

	if (!answered && writer_connect(w))
	{
		answered = inbox_probe(w->conn, error, sizeof(error));
		if (!answered)
			writer_check_connection(w, error);
	}
	else if (!answered)
		snprintf(error, sizeof(error), "%s", w->last_error);
	for (i = 0; i < n; i++)
	{
		probes[i]->committed = answered;
		snprintf(probes[i]->outcome, sizeof(probes[i]->outcome), "%s", answered ? "ok" : "unavailable");
		snprintf(probes[i]->error, sizeof(probes[i]->error), "%s", error);
	}
}

/* Log a batch: a line only when something in it needs a look */
static void
log_batch(Writer *w, Delivery **batch, int n)
{
	int			refused = 0,
				quarantined = 0,
				failed = 0,
				i;

	for (i = 0; i < n; i++)
	{
		const char *o = batch[i]->outcome;

		if (!batch[i]->committed)
			failed++;
		else if (strcmp(o, "unknown_app") == 0 || strcmp(o, "bad_signature") == 0 ||
				 strcmp(o, "stale_signature") == 0)
			refused++;
		else if (strcmp(o, "accepted") != 0 && strcmp(o, "duplicate") != 0)
			quarantined++;
	}
	if (refused > 0 || quarantined > 0 || failed > 0)
		log_info("writer %d: batch of %d: %d refused as not authentic, %d quarantined, %d not stored",
				 w->number, n, refused, quarantined, failed);
	else
		log_debug("writer %d: batch of %d stored", w->number, n);
}

/* A writer thread: batches until stopped and the queue is empty */
static void *
writer_main(void *arg)
{
	Writer	   *w = arg;
	Delivery  **taken = malloc(sizeof(Delivery *) * config.batch_max);
	Delivery  **batch = malloc(sizeof(Delivery *) * config.batch_max);
	Delivery  **probes = malloc(sizeof(Delivery *) * config.batch_max);

	if (taken == NULL || batch == NULL || probes == NULL)
	{
		log_error("writer %d: out of memory", w->number);
		abort();
	}
	pthread_mutex_lock(&lock);
	for (;;)
	{
		int			n = take_batch(taken);
		int			ndeliveries = 0;
		int			nprobes = 0;
		int			i;

		if (n == 0)
		{
			if (stopping && queue_length == 0)
			{
				writers_alive--;
				break;
			}
			continue;
		}
		pthread_mutex_unlock(&lock);

		for (i = 0; i < n; i++)
		{
			if (taken[i]->is_probe)
				probes[nprobes++] = taken[i];
			else
				batch[ndeliveries++] = taken[i];
		}
		if (ndeliveries > 0)
		{
			write_deliveries(w, batch, ndeliveries);
			log_batch(w, batch, ndeliveries);
		}
		if (nprobes > 0)
			answer_probes(w, probes, nprobes, ndeliveries > 0 && batch[0]->committed);
		for (i = 0; i < n; i++)
		{
			if (!taken[i]->is_probe)
				metrics_count_outcome(taken[i]->committed ? taken[i]->outcome : "unavailable",
									  taken[i]->body_len);
			taken[i]->settled(taken[i]);
		}

		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);

	if (w->conn != NULL)
		PQfinish(w->conn);
	PQfreeCancel(w->cancel);
	free(taken);
	free(batch);
	free(probes);
	return NULL;
}

/* Start the writers; false if a thread could not be started */
bool
pump_start(const PumpConfig *c)
{
	int			i;

	config = *c;
	writers = calloc(config.writers, sizeof(Writer));
	if (writers == NULL)
		return false;
	for (i = 0; i < config.writers; i++)
	{
		writers[i].number = i + 1;
		pthread_mutex_lock(&lock);
		writers_alive++;
		pthread_mutex_unlock(&lock);
		if (pthread_create(&writers[i].thread, NULL, writer_main, &writers[i]) != 0)
			return false;
	}
	return true;
}

/* Write what is queued at once, without waiting for batches to fill */
void
pump_hurry(void)
{
	pthread_mutex_lock(&lock);
	hurrying = true;
	pthread_cond_broadcast(&not_empty);
	pthread_mutex_unlock(&lock);
}

/*
 * Stop: the writers store what is queued and end.  A batch still running
 * after timeout_seconds is cancelled (its requests get 503).
 */
void
pump_stop(int timeout_seconds)
{
	struct timespec deadline;
	int			i;

	pthread_mutex_lock(&lock);
	hurrying = true;
	stopping = true;
	pthread_cond_broadcast(&not_empty);
	pthread_cond_broadcast(&not_full);
	pthread_mutex_unlock(&lock);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_seconds;
	for (i = 0; i < config.writers; i++)
	{
		if (pthread_timedjoin_np(writers[i].thread, NULL, &deadline) == 0)
			continue;
		pthread_mutex_lock(&lock);
		if (writers[i].cancel != NULL)
		{
			char		error[256];

			log_warning("writer %d: still busy after %d s; cancelling its batch",
						writers[i].number, timeout_seconds);
			PQcancel(writers[i].cancel, error, sizeof(error));
		}
		pthread_mutex_unlock(&lock);
		pthread_join(writers[i].thread, NULL);
	}
	free(writers);
	writers = NULL;
}
