/*-------------------------------------------------------------------------
 *
 * inbox_copy.c
 *	  One batch of deliveries, one COPY into chekt_private.inbox, one transaction
 *
 * The whole of the receiver's database protocol:
 *
 *	BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL chekt.log_outcomes = on;
 *	COPY chekt_private.inbox (app, received_at, ..., body_bytes, ...) FROM STDIN;
 *	SELECT outcome, event_id FROM chekt.transaction_outcomes() ORDER BY ordinal;
 *	COMMIT;
 *
 * The n-th outcome is the n-th row's.  READ COMMITTED whatever the
 * database's default: under REPEATABLE READ or SERIALIZABLE, CHeKT sending
 * the same event twice at once would fail a whole batch with a
 * serialization failure.  Nothing is kept in the session (no
 * session setting, no prepared statement), so that a pooler in transaction
 * mode (pgbouncer) may give each transaction another server connection.
 * A batch counts as stored only when COMMIT says so.  Bodies go
 * as bytes (body_bytes), so that one which is not valid UTF-8 cannot fail
 * the COPY: the extension judges and keeps it.  The text columns get only
 * valid UTF-8, which the HTTP side checks before a delivery is queued.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inbox_copy.h"
#include "log.h"

/*
 * The COPY into the extension's inbox: chekt_private.inbox, or chekt.inbox
 * in a database not yet updated to 0.8.0, as found when this thread's
 * connection was made.  An update in between makes the COPY fail to start
 * with undefined_table (inbox_moved), and the connection is made again.
 * Room for two quoted names of 63 bytes, each character doubled.
 */
static __thread char copy_sql[512];
static __thread bool inbox_moved;

static const char *copy_columns =
" (app, received_at, signed_at, signature, body_bytes, message_id, headers) FROM STDIN";

/* The extension's own inbox, by membership (not any schema's "inbox") */
static const char *session_sql =
"SELECT to_regprocedure('chekt.transaction_outcomes()') IS NOT NULL,"
"       e.extversion, pg_catalog.format('%I.%I', n.nspname, c.relname),"
"       pg_catalog.has_schema_privilege(n.oid, 'USAGE'), n.nspname, current_user"
"  FROM pg_catalog.pg_extension e"
"  LEFT JOIN pg_catalog.pg_depend d"
"    ON d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.refobjid = e.oid"
"   AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'"
"   AND d.objid IN (SELECT c2.oid FROM pg_catalog.pg_class c2 WHERE c2.relname = 'inbox')"
"  LEFT JOIN pg_catalog.pg_class c ON c.oid = d.objid"
"  LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
" WHERE e.extname = 'chekt_events'";

static const char *begin_sql =
"BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL chekt.log_outcomes = on";

static const char *outcomes_sql =
"SELECT outcome, coalesce(event_id, '') FROM chekt.transaction_outcomes() ORDER BY ordinal";

/* A growing buffer of COPY text */
typedef struct CopyBuffer
{
	char	   *data;
	size_t		len;
	size_t		cap;
} CopyBuffer;

/* Make room for more bytes; false when out of memory */
static bool
buffer_reserve(CopyBuffer *buf, size_t more)
{
	if (buf->len + more > buf->cap)
	{
		size_t		cap = buf->cap == 0 ? 65536 : buf->cap;
		char	   *data;

		while (cap < buf->len + more)
			cap *= 2;
		data = realloc(buf->data, cap);
		if (data == NULL)
			return false;
		buf->data = data;
		buf->cap = cap;
	}
	return true;
}

/* Append a text field in COPY text format; NULL is \N */
static bool
append_text(CopyBuffer *buf, const char *s, char terminator)
{
	if (!buffer_reserve(buf, s == NULL ? 3 : strlen(s) * 2 + 1))
		return false;
	if (s == NULL)
	{
		memcpy(buf->data + buf->len, "\\N", 2);
		buf->len += 2;
	}
	else
		for (; *s != '\0'; s++)
		{
			char		c = *s;

			switch (c)
			{
				case '\\':
				case '\t':
				case '\n':
				case '\r':
					buf->data[buf->len++] = '\\';
					c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
					break;
				default:
					break;
			}
			buf->data[buf->len++] = c;
		}
	buf->data[buf->len++] = terminator;
	return true;
}

/* Append bytes as a bytea field in COPY text format: \\x and hex */
static bool
append_bytes(CopyBuffer *buf, const unsigned char *bytes, size_t len, char terminator)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i;

	if (!buffer_reserve(buf, len * 2 + 4))
		return false;
	memcpy(buf->data + buf->len, "\\\\x", 3);
	buf->len += 3;
	for (i = 0; i < len; i++)
	{
		buf->data[buf->len++] = hex[bytes[i] >> 4];
		buf->data[buf->len++] = hex[bytes[i] & 15];
	}
	buf->data[buf->len++] = terminator;
	return true;
}

/* Append a delivery as one row */
static bool
append_row(CopyBuffer *buf, const Delivery *d)
{
	return append_text(buf, d->app, '\t') &&
		append_text(buf, d->received_at[0] != '\0' ? d->received_at : NULL, '\t') &&
		append_text(buf, d->signed_at, '\t') &&
		append_text(buf, d->signature, '\t') &&
		append_bytes(buf, d->body, d->body_len, '\t') &&
		append_text(buf, d->message_id, '\t') &&
		append_text(buf, d->headers_json, '\n');
}

static void set_error(char *error, size_t errlen, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));

/* Put a message into error, on one line (libpq's have newlines and tabs) */
static void
set_error(char *error, size_t errlen, const char *fmt,...)
{
	va_list		ap;
	char	   *in;
	char	   *out;

	va_start(ap, fmt);
	vsnprintf(error, errlen, fmt, ap);
	va_end(ap);
	for (in = out = error; *in != '\0'; in++)
	{
		char		c = (*in == '\n' || *in == '\t') ? ' ' : *in;

		if (c == ' ' && (out == error || out[-1] == ' '))
			continue;
		*out++ = c;
	}
	while (out > error && out[-1] == ' ')
		out--;
	*out = '\0';
}

/* The SQLSTATE of the last failure of this thread's connection, or "" */
static __thread char last_sqlstate[6];

/* Remember a failed result's SQLSTATE */
static void
note_sqlstate(const PGresult *res)
{
	const char *state = res == NULL ? NULL : PQresultErrorField(res, PG_DIAG_SQLSTATE);

	snprintf(last_sqlstate, sizeof(last_sqlstate), "%s", state == NULL ? "" : state);
}

/*
 * After a failure: is the connection gone, or going (the server shutting
 * down, a connection error, or a failure libpq reported without a
 * SQLSTATE)?  Or has the inbox gone from where the connection found it
 * (the COPY could not start: ALTER EXTENSION ... UPDATE moved it)?  Then it
 * is dropped and made again.
 */
bool
inbox_connection_lost(PGconn *conn)
{
	return PQstatus(conn) != CONNECTION_OK || last_sqlstate[0] == '\0' ||
		strncmp(last_sqlstate, "08", 2) == 0 || strncmp(last_sqlstate, "57", 2) == 0 ||
		inbox_moved;
}

/* Run a statement that returns no rows; false (and why) if it failed */
static bool
run(PGconn *conn, const char *sql, char *error, size_t errlen)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
	{
		set_error(error, errlen, "%s", PQerrorMessage(conn));
		note_sqlstate(res);
	}
	PQclear(res);
	return ok;
}

/* The server's notices (e.g. "terminating connection") as log lines */
static void
log_notice(void *arg, const char *message)
{
	char		line[512];

	(void) arg;
	set_error(line, sizeof(line), "%s", message);
	log_warning("database: %s", line);
}

/*
 * Connect to the database and check that it has an extension that logs
 * outcomes.  NULL (and why) if that cannot be done.
 */
PGconn *
inbox_connect(const char *conninfo, char *error, size_t errlen)
{
	/* the caller's conninfo (and PG* variables) win over these defaults */
	const char *keywords[] = {"connect_timeout", "fallback_application_name", "dbname",
	"client_encoding", NULL};
	const char *values[] = {"5", "chekt-ingest", conninfo, "UTF8", NULL};
	PGconn	   *conn = PQconnectdbParams(keywords, values, 1);
	PGresult   *res;

	if (conn == NULL)
	{
		set_error(error, errlen, "out of memory");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK)
	{
		set_error(error, errlen, "%s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, log_notice, NULL);
	res = PQexec(conn, session_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		set_error(error, errlen, "%s", PQerrorMessage(conn));
	else if (PQntuples(res) == 0)
		set_error(error, errlen,
				  "extension chekt_events is not installed in database \"%s\"; run CREATE EXTENSION chekt_events there",
				  PQdb(conn));
	else if (PQntuples(res) > 1)
		set_error(error, errlen,
				  "extension chekt_events of database \"%s\" has %d tables named inbox; reinstall it there",
				  PQdb(conn), PQntuples(res));
	else if (strcmp(PQgetvalue(res, 0, 0), "t") != 0)
		set_error(error, errlen,
				  "database \"%s\" has chekt_events %s, which cannot report each row's outcome; run ALTER EXTENSION chekt_events UPDATE there",
				  PQdb(conn), PQgetvalue(res, 0, 1));
	else if (PQgetisnull(res, 0, 2))
		set_error(error, errlen,
				  "extension chekt_events of database \"%s\" has no table inbox; reinstall it there",
				  PQdb(conn));
	else if (strlen(PQgetvalue(res, 0, 2)) + strlen(copy_columns) + 6 > sizeof(copy_sql))
		set_error(error, errlen, "the name of the inbox of database \"%s\" is too long: %s",
				  PQdb(conn), PQgetvalue(res, 0, 2));
	else if (strcmp(PQgetvalue(res, 0, 3), "t") != 0)
		set_error(error, errlen,
				  "role \"%s\" may not use schema %s, where the inbox of database \"%s\" is; run GRANT USAGE ON SCHEMA %s TO \"%s\" there",
				  PQgetvalue(res, 0, 5), PQgetvalue(res, 0, 4), PQdb(conn), PQgetvalue(res, 0, 4),
				  PQgetvalue(res, 0, 5));
	else
	{
		snprintf(copy_sql, sizeof(copy_sql), "COPY %s%s", PQgetvalue(res, 0, 2), copy_columns);
		inbox_moved = false;
		PQclear(res);
		return conn;
	}
	PQclear(res);
	PQfinish(conn);
	return NULL;
}

/*
 * COPY data is sent in pieces of at most this size, however large a row:
 * memory stays flat and a length never leaves the range of an int.
 */
#define COPY_PIECE_BYTES (1024 * 1024)

/* Send the buffer's bytes in pieces; false if the connection failed */
static bool
send_pieces(PGconn *conn, CopyBuffer *buf)
{
	size_t		sent = 0;

	while (sent < buf->len)
	{
		size_t		piece = buf->len - sent < COPY_PIECE_BYTES ? buf->len - sent : COPY_PIECE_BYTES;

		if (PQputCopyData(conn, buf->data + sent, (int) piece) != 1)
			return false;
		sent += piece;
	}
	buf->len = 0;
	return true;
}

/* Send the batch's rows through COPY; false (and why) if that failed */
static bool
copy_rows(PGconn *conn, Delivery **batch, int n, char *error, size_t errlen)
{
	CopyBuffer	buf = {NULL, 0, 0};
	PGresult   *res;
	bool		ok = true;
	bool		out_of_memory = false;
	int			i;

	res = PQexec(conn, copy_sql);
	if (PQresultStatus(res) != PGRES_COPY_IN)
	{
		set_error(error, errlen, "%s", PQerrorMessage(conn));
		note_sqlstate(res);
		inbox_moved = strcmp(last_sqlstate, "42P01") == 0;
		PQclear(res);
		return false;
	}
	PQclear(res);

	for (i = 0; i < n && ok; i++)
	{
		if (!append_row(&buf, batch[i]))
		{
			out_of_memory = true;
			ok = false;
		}
		else if (buf.len >= COPY_PIECE_BYTES || i == n - 1)
			ok = send_pieces(conn, &buf);
	}
	free(buf.data);

	if (out_of_memory)
	{
		/* end the COPY with an error: nothing of it is stored */
		set_error(error, errlen, "out of memory for a batch of %d deliveries", n);
		note_sqlstate(NULL);
		PQputCopyEnd(conn, "chekt-ingest ran out of memory");
	}
	else if (!ok || PQputCopyEnd(conn, NULL) != 1)
	{
		set_error(error, errlen, "%s", PQerrorMessage(conn));
		note_sqlstate(NULL);
		ok = false;
	}

	/* the COPY's result, and whatever follows it until NULL */
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (ok && PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			set_error(error, errlen, "%s", PQerrorMessage(conn));
			note_sqlstate(res);
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

/* Read each row's outcome; false (and why) unless there is one per row */
static bool
read_outcomes(PGconn *conn, Delivery **batch, int n, char *error, size_t errlen)
{
	PGresult   *res = PQexec(conn, outcomes_sql);
	int			i;

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		set_error(error, errlen, "%s", PQerrorMessage(conn));
		note_sqlstate(res);
		PQclear(res);
		return false;
	}
	if (PQntuples(res) != n)
	{
		set_error(error, errlen,
				  "chekt.transaction_outcomes() listed %d outcomes for %d rows; is chekt.log_outcomes forced off?",
				  PQntuples(res), n);
		snprintf(last_sqlstate, sizeof(last_sqlstate), "XX000");
		PQclear(res);
		return false;
	}
	for (i = 0; i < n; i++)
	{
		snprintf(batch[i]->outcome, sizeof(batch[i]->outcome), "%s", PQgetvalue(res, i, 0));
		/* whole or not at all (the extension reports no longer id) */
		batch[i]->event_id[0] = '\0';
		if ((size_t) PQgetlength(res, i, 1) < sizeof(batch[i]->event_id))
			memcpy(batch[i]->event_id, PQgetvalue(res, i, 1), PQgetlength(res, i, 1) + 1);
	}
	PQclear(res);
	return true;
}

/*
 * Store a batch in one transaction.  True when it committed: every
 * delivery then holds its outcome.  False (and why) otherwise: nothing of
 * the batch is stored, or at least nothing is known to be.
 */
bool
inbox_copy_batch(PGconn *conn, Delivery **batch, int n, char *error, size_t errlen)
{
	PGresult   *res;
	bool		committed;
	int			i;

	if (!run(conn, begin_sql, error, errlen))
		return false;
	if (!copy_rows(conn, batch, n, error, errlen) ||
		!read_outcomes(conn, batch, n, error, errlen))
	{
		if (PQstatus(conn) == CONNECTION_OK)
		{
			res = PQexec(conn, "ROLLBACK");
			PQclear(res);
		}
		return false;
	}

	/* an aborted transaction "commits" as ROLLBACK */
	res = PQexec(conn, "COMMIT");
	committed = PQresultStatus(res) == PGRES_COMMAND_OK &&
		strcmp(PQcmdStatus(res), "COMMIT") == 0;
	if (!committed)
	{
		set_error(error, errlen, "COMMIT failed: %s", PQerrorMessage(conn));
		note_sqlstate(res);
	}
	PQclear(res);
	for (i = 0; i < n; i++)
		batch[i]->committed = committed;
	return committed;
}

/* Does the database answer a query? */
bool
inbox_probe(PGconn *conn, char *error, size_t errlen)
{
	PGresult   *res = PQexec(conn, "SELECT 1");
	bool		ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
	{
		set_error(error, errlen, "%s", PQerrorMessage(conn));
		note_sqlstate(res);
	}
	PQclear(res);
	return ok;
}

/* Is s valid UTF-8 without NUL, as PostgreSQL's text takes it? */
bool
utf8_is_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		unsigned char c = s[i];
		size_t		n;
		unsigned int cp;
		size_t		k;

		if (c == 0)
			return false;
		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07;
		else
			return false;
		if (i + n >= len)
			return false;
		for (k = 1; k <= n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			(cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			return false;
		i += n + 1;
	}
	return true;
}
