/*-------------------------------------------------------------------------
 *
 * replay.c
 *	  --replay: captured deliveries, bulk-loaded through the same COPY path
 *
 * The backfill tool.  Each line of the file is one captured delivery, a
 * JSON object:
 *
 *	{"app": "...", "received_at": "2026-05-26T10:21:36Z",
 *	 "timestamp": "1779790896", "signature": "...", "body": "..."}
 *
 * with, where the capture has them, "webhook_id" (Standard Webhooks),
 * "headers" (an object of other X-CHeKT-* headers), and "body_base64"
 * instead of "body" for a body that is not UTF-8 text.  Deliveries go
 * through the pump like HTTP requests do, received_at as captured (the
 * replay window is measured from it).  A line that cannot be read is
 * reported with its number and loaded nothing.  A database that goes away
 * is waited for, up to --patience seconds; after that the replay stops
 * reading and says where.  The exit status says whether every line was
 * stored.
 *
 *-------------------------------------------------------------------------
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inbox_copy.h"
#include "log.h"
#include "replay.h"

#define MAX_OUTCOMES 16

/* What became of the lines read so far */
static pthread_mutex_t tally_lock = PTHREAD_MUTEX_INITIALIZER;
static char outcome_names[MAX_OUTCOMES][32];
static long outcome_counts[MAX_OUTCOMES];
static long not_stored;
static char last_error[256];
static const char *replay_path;

/* Lines not stored are named, up to this many */
#define MAX_NAMED_FAILURES 20

/* Free a replayed delivery */
static void
delivery_free(Delivery *d)
{
	free(d->app);
	free(d->signed_at);
	free(d->signature);
	free(d->message_id);
	free(d->headers_json);
	free(d->body);
	free(d);
}

/* Called by a writer: count the outcome, free the delivery */
static void
replay_settled(Delivery *d)
{
	int			i;

	pthread_mutex_lock(&tally_lock);
	if (!d->committed)
	{
		if (++not_stored <= MAX_NAMED_FAILURES)
			log_error("%s:%ld: not stored: %s", replay_path, (long) (intptr_t) d->owner, d->error);
		snprintf(last_error, sizeof(last_error), "%s", d->error);
	}
	else
		for (i = 0; i < MAX_OUTCOMES; i++)
			if (outcome_names[i][0] == '\0' || strcmp(outcome_names[i], d->outcome) == 0)
			{
				snprintf(outcome_names[i], sizeof(outcome_names[i]), "%s", d->outcome);
				outcome_counts[i]++;
				break;
			}
	pthread_mutex_unlock(&tally_lock);
	delivery_free(d);
}

/* A string member as a malloc'd valid UTF-8 copy, NULL if absent */
static bool
string_member(json_t *line, const char *key, char **out, bool required, const char **problem)
{
	json_t	   *value = json_object_get(line, key);

	*out = NULL;
	if (value == NULL || json_is_null(value))
	{
		if (required)
			*problem = key;
		return !required;
	}
	/* jansson refuses NUL in strings by default, so this is text */
	if (!json_is_string(value) || (*out = strdup(json_string_value(value))) == NULL)
	{
		*problem = key;
		return false;
	}
	return true;
}

/* Decode base64 (RFC 4648, padding optional); NULL if it is not base64 */
static unsigned char *
decode_base64(const char *text, size_t *len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		n = strlen(text);
	unsigned char *out = malloc(n / 4 * 3 + 3);
	unsigned int acc = 0;
	int			bits = 0;
	size_t		i;

	if (out == NULL)
		return NULL;
	*len = 0;
	for (i = 0; i < n && text[i] != '='; i++)
	{
		const char *p = strchr(alphabet, text[i]);

		if (p == NULL || text[i] == '\0')
		{
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned int) (p - alphabet);
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			out[(*len)++] = (unsigned char) (acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	return out;
}

/* Read one line as a delivery; NULL (and which field) if it can't be */
static Delivery *
delivery_from_line(const char *text, size_t len, const char **problem)
{
	json_error_t error;
	json_t	   *line = json_loadb(text, len, JSON_REJECT_DUPLICATES, &error);
	Delivery   *d = calloc(1, sizeof(Delivery));
	char	   *received_at = NULL;
	char	   *body = NULL;
	char	   *body_base64 = NULL;
	json_t	   *headers;
	bool		ok;

	*problem = "not a JSON object";
	if (line == NULL || !json_is_object(line) || d == NULL)
	{
		json_decref(line);
		free(d);
		return NULL;
	}
	ok = string_member(line, "app", &d->app, true, problem) &&
		string_member(line, "received_at", &received_at, true, problem) &&
		string_member(line, "timestamp", &d->signed_at, false, problem) &&
		string_member(line, "signature", &d->signature, false, problem) &&
		string_member(line, "webhook_id", &d->message_id, false, problem) &&
		string_member(line, "body", &body, false, problem) &&
		string_member(line, "body_base64", &body_base64, false, problem);
	if (ok && strlen(received_at) >= sizeof(d->received_at))
		ok = false, *problem = "received_at";
	if (ok && (body == NULL) == (body_base64 == NULL))
		ok = false, *problem = "body (give exactly one of body and body_base64)";
	headers = json_object_get(line, "headers");
	if (ok && headers != NULL && !json_is_null(headers))
	{
		if (!json_is_object(headers))
			ok = false, *problem = "headers";
		else
			d->headers_json = json_dumps(headers, JSON_COMPACT | JSON_SORT_KEYS);
	}
	if (ok)
	{
		strcpy(d->received_at, received_at);
		if (body != NULL)
		{
			d->body_len = strlen(body);
			d->body = (unsigned char *) body;
			body = NULL;
		}
		else if ((d->body = decode_base64(body_base64, &d->body_len)) == NULL)
			ok = false, *problem = "body_base64";
	}
	free(received_at);
	free(body);
	free(body_base64);
	json_decref(line);
	if (!ok)
	{
		delivery_free(d);
		return NULL;
	}
	d->settled = replay_settled;
	return d;
}

/* Replay a file ("-": standard input); the process's exit status */
int
replay_file(const char *path, const PumpConfig *pump)
{
	FILE	   *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		len;
	long		number = 0;
	long		unreadable = 0;
	long		stored = 0;
	long		stopped_at = 0;
	int			i;

	if (in == NULL)
	{
		log_error("cannot open \"%s\": %m", path);
		return 2;
	}
	replay_path = path;
	if (!pump_start(pump))
	{
		log_error("cannot start the database writers");
		return 1;
	}
	while ((len = getline(&line, &cap, in)) >= 0)
	{
		const char *problem = NULL;
		Delivery   *d;

		number++;
		if (pump_gave_up())
		{
			log_error("%s:%ld: stopped reading: the database did not store a batch (%s)",
					  path, number, last_error);
			stopped_at = number;
			break;
		}
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		d = delivery_from_line(line, (size_t) len, &problem);
		if (d == NULL)
		{
			log_error("%s:%ld: not a captured delivery (%s); the line is not loaded",
					  path, number, problem);
			unreadable++;
			continue;
		}
		d->owner = (void *) (intptr_t) number;
		pump_submit(d, true);
	}
	if (ferror(in))
		log_error("reading \"%s\" failed at line %ld: %m", path, number);
	free(line);
	if (in != stdin)
		fclose(in);
	pump_stop(3600);

	for (i = 0; i < MAX_OUTCOMES && outcome_names[i][0] != '\0'; i++)
		stored += outcome_counts[i];
	printf("replayed %ld deliveries:", stored);
	for (i = 0; i < MAX_OUTCOMES && outcome_names[i][0] != '\0'; i++)
		printf(" %ld %s%s", outcome_counts[i], outcome_names[i],
			   i + 1 < MAX_OUTCOMES && outcome_names[i + 1][0] != '\0' ? "," : "");
	printf("\n");
	if (not_stored > 0)
		printf("%ld deliveries were not stored (last error: %s); fix the cause and replay the file again: what was stored comes back as duplicate\n",
			   not_stored, last_error);
	if (stopped_at > 0)
		printf("stopped at line %ld of %s: lines from there on were not read\n", stopped_at, path);
	if (unreadable > 0)
		printf("%ld lines could not be read (see the messages above)\n", unreadable);
	return not_stored > 0 || unreadable > 0 || stopped_at > 0 || ferror(stdout) ? 1 : 0;
}
