/*-------------------------------------------------------------------------
 *
 * parse.c
 *	  A delivery's body as an event of the backend: json_event.c's result
 *	  as Datums of its family's columns
 *
 * json_event.c parses and validates without a backend; this file runs it
 * with PostgreSQL's memory (its results and jansson's tree in a scratch
 * context the caller resets, so an error anywhere frees everything) and
 * turns a valid event into the Datums ingest writes.
 *
 * jansson's allocator is process-wide: it is set for the parse only and
 * put back afterwards, error or not, so that another jansson user in the
 * same backend keeps its own.
 *
 * (utils/builtins.h is not included: PostgreSQL's SQL function json_object
 * would clash with jansson's.)
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <jansson.h>

#include "mb/pg_wchar.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "json_event.h"
#include "parse.h"

/* jansson's allocator: palloc in the current context, NULL instead of raising */
static void *
json_palloc(size_t size)
{
	return MemoryContextAllocExtended(CurrentMemoryContext, size,
									  MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
}

/* jansson's deallocator */
static void
json_pfree(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

/* The parser's allocator: palloc in a given context (raises when out) */
static void *
parse_alloc(void *arg, size_t size)
{
	return MemoryContextAllocExtended((MemoryContext) arg, size, MCXT_ALLOC_HUGE);
}

/*
 * A text datum of len bytes at s, in the current memory context, with a NUL
 * after its data (not part of it), so that VARDATA is a C string too
 */
static text *
make_text(const char *s, size_t len)
{
	text	   *t = palloc(VARHDRSZ + len + 1);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), s, len);
	VARDATA(t)[len] = '\0';
	return t;
}

/*
 * In a database whose encoding is not UTF-8, is every string of the event
 * valid text there?  (jansson decodes \u escapes to UTF-8, which another
 * multi-byte encoding may not take; an insert of it would fail the batch.)
 * NULL if so, else what is wrong.
 */
static char *
check_encoding(const ChektParsedEvent *parsed)
{
	int			i;

	if (GetDatabaseEncoding() == PG_UTF8)
		return NULL;
	for (i = 0; i < parsed->type->nfields; i++)
	{
		const ChektField *field = &parsed->type->fields[i];
		const ChektValue *value = &parsed->values[field->column];

		if (field->kind == FIELD_STRING && !value->isnull &&
			!pg_verifymbstr(value->string, value->length, true))
			return psprintf("data.%s is not valid text in the database encoding %s",
							field->name, GetDatabaseEncodingName());
	}
	return NULL;
}

/* The valid event's columns as Datums, in the current memory context */
static void
event_datums(const ChektCatalog *catalog, const ChektParsedEvent *parsed, ChektEvent *event)
{
	const ChektFamily *family = &catalog->families[parsed->type->family];
	int			c;

	event->values = palloc0(sizeof(Datum) * (family->ncolumns + 1));
	event->nulls = palloc(sizeof(bool) * (family->ncolumns + 1));
	for (c = 0; c < family->ncolumns; c++)
	{
		const ChektValue *value = &parsed->values[c];

		event->nulls[c] = value->isnull;
		if (value->isnull)
			continue;
		switch (family->kinds[c])
		{
			case FIELD_STRING:
				event->values[c] = PointerGetDatum(make_text(value->string, value->length));
				break;
			case FIELD_SECONDS:
				event->values[c] = Int32GetDatum(value->seconds);
				break;
			case FIELD_TIMESTAMP:
				event->values[c] = TimestampTzGetDatum((TimestampTz) value->timestamp);
				break;
		}
	}
}

/*
 * Parse and validate a body.  Returns OUTCOME_PENDING with *event filled
 * (in the current memory context) if the event is valid, else the reason
 * to refuse it with *detail saying why.  event->event_id is set whenever
 * the envelope's id could be read and is not too long.  Parsing happens in
 * scratch, which the caller resets afterwards.
 */
ChektOutcome
chekt_parse_event(const ChektCatalog *catalog, const char *body, size_t len,
				  MemoryContext scratch, ChektEvent *event, char **detail)
{
	ChektParseMemory memory = {parse_alloc, scratch};
	ChektParsedEvent parsed;
	char	   *parse_detail = NULL;
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	volatile ChektOutcome outcome = OUTCOME_PENDING;
	MemoryContext result_cxt = CurrentMemoryContext;

	memset(event, 0, sizeof(ChektEvent));
	json_get_alloc_funcs(&saved_malloc, &saved_free);
	json_set_alloc_funcs(json_palloc, json_pfree);
	PG_TRY();
	{
		MemoryContextSwitchTo(scratch);
		outcome = chekt_parse_json_event(catalog, body, len, &memory, &parsed, &parse_detail);
	}
	PG_FINALLY();
	{
		MemoryContextSwitchTo(result_cxt);
		json_set_alloc_funcs(saved_malloc, saved_free);
	}
	PG_END_TRY();

	*detail = parse_detail == NULL ? NULL : pstrdup(parse_detail);
	if (parsed.event_id != NULL && GetDatabaseEncoding() != PG_UTF8 &&
		!pg_verifymbstr(parsed.event_id, parsed.event_id_len, true))
	{
		*detail = psprintf("id is not valid text in the database encoding %s",
						   GetDatabaseEncodingName());
		return OUTCOME_INVALID_ENVELOPE;
	}
	if (parsed.event_id != NULL)
	{
		event->event_id_text = make_text(parsed.event_id, parsed.event_id_len);
		event->event_id = VARDATA(event->event_id_text);
	}
	if (outcome != OUTCOME_PENDING)
		return outcome;
	*detail = check_encoding(&parsed);
	if (*detail != NULL)
		return OUTCOME_INVALID_PAYLOAD;
	event->type = parsed.type;
	event->created_at = (TimestampTz) parsed.created_at;
	event_datums(catalog, &parsed, event);
	return outcome;
}
