/*-------------------------------------------------------------------------
 *
 * main.c
 *	  chekt-ingest: receives CHeKT webhooks over HTTP and COPYs them into
 *	  chekt_private.inbox, answering each request only once it is committed
 *
 *	http.c			requests in, answers out (libmicrohttpd)
 *	pump.c			the queue and its writer threads: group commit
 *	inbox_copy.c	one batch, one COPY, one transaction (libpq)
 *	replay.c		--replay: captured deliveries through the same path
 *	metrics.c		counters and histograms for GET /metrics
 *	log.c			log lines
 *
 * All judgement of a delivery (app, signature, replay window, JSON, type)
 * is the extension's: the receiver only carries bytes and reports.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/*
 * The largest --max-body: a body travels to the database as hex (twice its
 * size) in one COPY row, which must stay well inside PostgreSQL's 1 GB
 * limit for a value and a line.
 */
#define MAX_BODY_LIMIT (256L * 1024 * 1024)
#include <unistd.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "pump.h"
#include "replay.h"

/* The extension's version, from chekt_events.control (see the Makefile) */
#ifndef CHEKT_INGEST_VERSION
#error "CHEKT_INGEST_VERSION is not defined: build with the Makefile"
#endif

static void
usage(FILE *out)
{
	fprintf(out,
			"chekt-ingest receives CHeKT webhooks and stores them in chekt_private.inbox.\n"
			"\n"
			"Usage:\n"
			"  chekt-ingest [OPTION]...                  serve POST /webhooks/{app}\n"
			"  chekt-ingest --replay FILE [OPTION]...    load captured deliveries (- for stdin)\n"
			"\n"
			"Options:\n"
			"  --listen HOST:PORT        address to serve (default 127.0.0.1:8080)\n"
			"  --db CONNINFO             libpq connection string or URI (default: PG* variables)\n"
			"  --writers N               database connections writing batches (default 2)\n"
			"  --batch-max N             deliveries per transaction at most (default 500)\n"
			"  --batch-delay-us N        how long a batch waits to fill (default 1000)\n"
			"  --max-body BYTES          largest body taken; larger get 413 (default 262144, at most 268435456)\n"
			"  --max-header-bytes BYTES  request line and headers, per connection (default 32768)\n"
			"  --max-connections N       open connections at most (default 1024)\n"
			"  --client-timeout SECONDS  idle client connections are closed (default 30)\n"
			"  --request-timeout SECONDS a body must arrive within this (default 60)\n"
			"  --threads N               HTTP threads (default 2)\n"
			"  --retry-after SECONDS     Retry-After of a 503 (default 5)\n"
			"  --drain-timeout SECONDS   on SIGTERM, how long in-flight requests may take (default 30)\n"
			"  --patience SECONDS        --replay: how long a batch waits for the database (default 60)\n"
			"  --verbose                 a log line per batch\n"
			"  --help, --version\n"
			"\n"
			"Status codes: 200 stored (accepted, duplicate, or quarantined for good),\n"
			"401 not authentic (kept in quarantine), 400 no signature headers,\n"
			"404/405 no such endpoint or method, 413 body too large, 503 not stored.\n");
}

/* A positive integer option, or exit with a message */
static long
int_option(const char *name, const char *value, long max)
{
	char	   *end;
	long		n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0 || n > max)
	{
		fprintf(stderr, "chekt-ingest: --%s must be a whole number from 0 to %ld, not \"%s\"\n",
				name, max, value);
		exit(2);
	}
	return n;
}

/* Allow as many open files as connections need */
static void
raise_file_limit(unsigned int connections)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
		return;
	if (limit.rlim_cur < connections + 64)
	{
		limit.rlim_cur = limit.rlim_max < connections + 64 ? limit.rlim_max : connections + 64;
		if (setrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < connections + 64)
			log_warning("open files are limited to %lu: fewer than %u connections will be served",
						(unsigned long) limit.rlim_cur, connections);
	}
}

/* Wait until in-flight requests are answered, or the timeout passes */
static void
drain(int timeout_seconds)
{
	struct timespec pause = {0, 10 * 1000 * 1000};
	long		waited_ms = 0;

	while (metrics_in_flight() > 0 && waited_ms < timeout_seconds * 1000L)
	{
		nanosleep(&pause, NULL);
		waited_ms += 10;
	}
	if (metrics_in_flight() > 0)
		log_warning("%ld requests still in flight after %d s", metrics_in_flight(), timeout_seconds);
}

int
main(int argc, char **argv)
{
	static const struct option options[] = {
		{"listen", required_argument, NULL, 'l'},
		{"db", required_argument, NULL, 'd'},
		{"writers", required_argument, NULL, 'w'},
		{"batch-max", required_argument, NULL, 'b'},
		{"batch-delay-us", required_argument, NULL, 'B'},
		{"max-body", required_argument, NULL, 'm'},
		{"max-header-bytes", required_argument, NULL, 'H'},
		{"max-connections", required_argument, NULL, 'c'},
		{"client-timeout", required_argument, NULL, 't'},
		{"request-timeout", required_argument, NULL, 'q'},
		{"threads", required_argument, NULL, 'T'},
		{"retry-after", required_argument, NULL, 'r'},
		{"drain-timeout", required_argument, NULL, 'D'},
		{"replay", required_argument, NULL, 'R'},
		{"patience", required_argument, NULL, 'P'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0}
	};
	HttpConfig	http = {"127.0.0.1:8080", 2, 1024, 30, 60, 262144, 32768, 5};
	PumpConfig	pump = {"", 2, 500, 1000, 0, 0};
	const char *replay = NULL;
	int			drain_timeout = 30;
	int			patience = 60;
	sigset_t	signals;
	int			signal_number;
	int			opt;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1)
	{
		switch (opt)
		{
			case 'l':
				http.listen = optarg;
				break;
			case 'd':
				pump.conninfo = optarg;
				break;
			case 'w':
				pump.writers = (int) int_option("writers", optarg, 64);
				break;
			case 'b':
				pump.batch_max = (int) int_option("batch-max", optarg, 100000);
				break;
			case 'B':
				pump.batch_delay_us = (int) int_option("batch-delay-us", optarg, 10000000);
				break;
			case 'm':
				http.max_body = (size_t) int_option("max-body", optarg, MAX_BODY_LIMIT);
				break;
			case 'H':
				http.max_header = (size_t) int_option("max-header-bytes", optarg, 1024L * 1024);
				break;
			case 'c':
				http.max_connections = (unsigned int) int_option("max-connections", optarg, 1000000);
				break;
			case 't':
				http.client_timeout = (unsigned int) int_option("client-timeout", optarg, 86400);
				break;
			case 'q':
				http.request_timeout = (unsigned int) int_option("request-timeout", optarg, 86400);
				break;
			case 'T':
				http.threads = (int) int_option("threads", optarg, 256);
				break;
			case 'r':
				http.retry_after = (int) int_option("retry-after", optarg, 86400);
				break;
			case 'D':
				drain_timeout = (int) int_option("drain-timeout", optarg, 86400);
				break;
			case 'R':
				replay = optarg;
				break;
			case 'P':
				patience = (int) int_option("patience", optarg, 86400);
				break;
			case 'v':
				log_verbose = true;
				break;
			case 'h':
				usage(stdout);
				return 0;
			case 'V':
				printf("chekt-ingest %s\n", CHEKT_INGEST_VERSION);
				return 0;
			default:
				usage(stderr);
				return 2;
		}
	}
	if (optind < argc)
	{
		fprintf(stderr, "chekt-ingest: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (pump.writers < 1 || pump.batch_max < 1 || http.threads < 1 || http.max_connections < 1)
	{
		fprintf(stderr, "chekt-ingest: --writers, --batch-max, --threads and --max-connections must be at least 1\n");
		return 2;
	}
	pump.queue_max = pump.batch_max * pump.writers * 4;

	/* signals are taken by sigwait() below, in no other thread */
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	pthread_sigmask(SIG_BLOCK, &signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (replay != NULL)
	{
		/* a backfill waits out a database restart rather than fail */
		pump.patience_seconds = patience;
		return replay_file(replay, &pump);
	}

	raise_file_limit(http.max_connections);
	if (!pump_start(&pump))
	{
		log_error("cannot start the database writers");
		return 1;
	}
	if (!http_start(&http))
		return 1;
	log_info("chekt-ingest %s listening on %s: POST /webhooks/{app}, GET /healthz, GET /metrics",
			 CHEKT_INGEST_VERSION, http.listen);

	if (sigwait(&signals, &signal_number) != 0)
		signal_number = SIGTERM;
	log_info("%s: no new connections; answering the %ld requests in flight",
			 signal_number == SIGINT ? "SIGINT" : "SIGTERM", metrics_in_flight());
	http_stop_accepting();
	pump_hurry();
	drain(drain_timeout);
	pump_stop(drain_timeout);
	drain(1);					/* resumed requests being answered */
	http_stop();
	log_info("stopped");
	return 0;
}
