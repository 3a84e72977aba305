/*-------------------------------------------------------------------------
 *
 * parse.c
 *	  Parsing a delivery's body and validating it against the catalog
 *
 * Runs only on authenticated deliveries, and decides the next four refusal
 * reasons in this order:
 *
 *	malformed_json		the body is not JSON (jansson; duplicate keys and
 *						\u0000 are refused too: they let two readers see
 *						two different events)
 *	invalid_envelope	id is not a non-empty string, type not a string,
 *						created_at not a strict RFC 3339 timestamp, or data
 *						not an object
 *	unknown_type		the type is not in chekt.event_types
 *	invalid_payload		a data field breaks chekt.event_fields: a required
 *						field missing or null, or any field of the wrong kind
 *
 * Unknown fields and unknown values of known fields are accepted.
 *
 * (utils/builtins.h is not included: PostgreSQL's SQL function json_object
 * would clash with jansson's.)
 *
 * While a body is parsed, jansson allocates through palloc in a scratch
 * context that the caller resets, so an error anywhere frees everything it
 * allocated.  jansson's allocator is process-wide: it is set for the parse
 * only and put back afterwards, error or not, so that another jansson user
 * in the same backend keeps its own.
 *
 * Every string that lands in an index (the event id; a data field whose
 * column a btree index covers, as the catalog says) is at most
 * CHEKT_KEY_MAX_BYTES long: a longer one could fail the index insert and,
 * with it, every delivery of the batch.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <jansson.h>

#include "mb/pg_wchar.h"
#include "utils/timestamp.h"

#include "chekt_protocol.h"
#include "parse.h"
#include "rfc3339.h"

/* How much of a bad value a detail message shows */
#define DETAIL_VALUE_MAX 64

/* jansson's allocator: palloc that returns NULL instead of raising */
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

/* A JSON string in quotes, cut short (on a character boundary) if long */
static char *
quote_string(json_t *value)
{
	const char *s = json_string_value(value);
	int			len = (int) json_string_length(value);
	int			shown = pg_mbcliplen(s, len, DETAIL_VALUE_MAX);

	return psprintf("\"%.*s\"%s", shown, s, shown < len ? "..." : "");
}

/* A short quotation of a JSON value, for a detail message */
static char *
describe_value(json_t *value)
{
	switch (json_typeof(value))
	{
		case JSON_STRING:
			return psprintf("the string %s", quote_string(value));
		case JSON_INTEGER:
			return psprintf("the number " INT64_FORMAT, (int64) json_integer_value(value));
		case JSON_REAL:
			return psprintf("the real number %g", json_real_value(value));
		case JSON_TRUE:
			return pstrdup("true");
		case JSON_FALSE:
			return pstrdup("false");
		case JSON_NULL:
			return pstrdup("null");
		case JSON_OBJECT:
			return pstrdup("an object");
		case JSON_ARRAY:
			return pstrdup("an array");
	}
	return pstrdup("a value");
}

/* A text datum of a JSON string, allocated in cxt */
static Datum
string_datum(json_t *value, MemoryContext cxt)
{
	size_t		len = json_string_length(value);
	text	   *t = MemoryContextAlloc(cxt, VARHDRSZ + len);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), json_string_value(value), len);
	return PointerGetDatum(t);
}

/* Is value an RFC 3339 timestamp string?  If so, store it in *ts */
static bool
timestamp_value(json_t *value, TimestampTz *ts)
{
	return json_is_string(value) &&
		chekt_parse_rfc3339(json_string_value(value), json_string_length(value), ts);
}

/*
 * Check one data field and store it into the event's column.  Returns NULL
 * if it is acceptable, else what is wrong.
 */
static char *
check_field(const ChektField *field, json_t *data, ChektEvent *event,
			MemoryContext cxt)
{
	json_t	   *value = json_object_get(data, field->name);
	TimestampTz ts;

	if (value == NULL || json_is_null(value))
	{
		if (field->required)
			return psprintf("data.%s is required but %s", field->name,
							value == NULL ? "missing" : "null");
		return NULL;
	}

	switch (field->kind)
	{
		case FIELD_STRING:
			if (!json_is_string(value))
				return psprintf("data.%s must be a string, not %s",
								field->name, describe_value(value));
			if (field->max_bytes > 0 && json_string_length(value) > (size_t) field->max_bytes)
				return psprintf("data.%s has %zu bytes; it is a key, and keys have at most %d",
								field->name, json_string_length(value), field->max_bytes);
			event->values[field->column] = string_datum(value, cxt);
			break;
		case FIELD_SECONDS:
			if (!json_is_integer(value) || json_integer_value(value) < 0 ||
				json_integer_value(value) > PG_INT32_MAX)
				return psprintf("data.%s must be a whole number of seconds from 0 to %d, not %s",
								field->name, PG_INT32_MAX, describe_value(value));
			event->values[field->column] = Int32GetDatum((int32) json_integer_value(value));
			break;
		case FIELD_TIMESTAMP:
			if (!timestamp_value(value, &ts))
				return psprintf("data.%s must be an RFC 3339 timestamp such as 2026-05-26T10:21:34Z, not %s",
								field->name, describe_value(value));
			event->values[field->column] = TimestampTzGetDatum(ts);
			break;
	}
	event->nulls[field->column] = false;
	return NULL;
}

/* chekt_parse_event(), with jansson allocating in the current context */
static ChektOutcome
parse_event(const ChektCatalog *catalog, const char *body, size_t len,
			MemoryContext scratch, ChektEvent *event, char **detail)
{
	MemoryContext result_cxt = CurrentMemoryContext;
	json_error_t error;
	json_t	   *root;
	json_t	   *id;
	json_t	   *type;
	json_t	   *data;
	const ChektFamily *family;
	ChektOutcome outcome = OUTCOME_PENDING;
	int			i;

	memset(event, 0, sizeof(ChektEvent));
	MemoryContextSwitchTo(scratch);

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
	if (root == NULL)
	{
		MemoryContextSwitchTo(result_cxt);
		if (json_error_code(&error) == json_error_null_character)
			*detail = psprintf("invalid JSON at line %d, column %d: a string holds \\u0000, which text cannot store",
							   error.line, error.column);
		else
			*detail = psprintf("invalid JSON at line %d, column %d: %s",
							   error.line, error.column, error.text);
		return OUTCOME_MALFORMED_JSON;
	}

	/* the envelope */
	if (!json_is_object(root))
	{
		*detail = psprintf("the body is %s, not an object with id, type, created_at and data",
						   describe_value(root));
		outcome = OUTCOME_INVALID_ENVELOPE;
		goto done;
	}
	id = json_object_get(root, "id");
	if (json_is_string(id) && json_string_length(id) > CHEKT_KEY_MAX_BYTES)
	{
		*detail = psprintf("id has %zu bytes; event ids have at most %d",
						   json_string_length(id), CHEKT_KEY_MAX_BYTES);
		outcome = OUTCOME_INVALID_ENVELOPE;
		goto done;
	}
	if (json_is_string(id) && json_string_length(id) > 0)
	{
		event->event_id = MemoryContextStrdup(result_cxt, json_string_value(id));
		event->event_id_text = (text *) DatumGetPointer(string_datum(id, result_cxt));
	}
	else
	{
		*detail = id == NULL ? pstrdup("id is missing") :
			psprintf("id must be a non-empty string, not %s", describe_value(id));
		outcome = OUTCOME_INVALID_ENVELOPE;
		goto done;
	}
	type = json_object_get(root, "type");
	if (!json_is_string(type))
	{
		*detail = type == NULL ? pstrdup("type is missing") :
			psprintf("type must be a string, not %s", describe_value(type));
		outcome = OUTCOME_INVALID_ENVELOPE;
		goto done;
	}
	if (!timestamp_value(json_object_get(root, "created_at"), &event->created_at))
	{
		json_t	   *created_at = json_object_get(root, "created_at");

		*detail = created_at == NULL ? pstrdup("created_at is missing") :
			psprintf("created_at must be an RFC 3339 timestamp such as 2026-05-26T10:21:34Z, not %s",
					 describe_value(created_at));
		outcome = OUTCOME_INVALID_ENVELOPE;
		goto done;
	}
	data = json_object_get(root, "data");
	if (!json_is_object(data))
	{
		*detail = data == NULL ? pstrdup("data is missing") :
			psprintf("data must be an object, not %s", describe_value(data));
		outcome = OUTCOME_INVALID_ENVELOPE;
		goto done;
	}

	/* the type */
	event->type = chekt_catalog_find_type(catalog, json_string_value(type),
										  json_string_length(type));
	if (event->type == NULL)
	{
		*detail = psprintf("type %s is not in chekt.event_types", quote_string(type));
		outcome = OUTCOME_UNKNOWN_TYPE;
		goto done;
	}

	/* the payload */
	family = &catalog->families[event->type->family];
	event->values = MemoryContextAllocZero(result_cxt, sizeof(Datum) * (family->ncolumns + 1));
	event->nulls = MemoryContextAlloc(result_cxt, sizeof(bool) * (family->ncolumns + 1));
	memset(event->nulls, true, sizeof(bool) * (family->ncolumns + 1));
	for (i = 0; i < event->type->nfields; i++)
	{
		*detail = check_field(&event->type->fields[i], data, event, result_cxt);
		if (*detail != NULL)
		{
			outcome = OUTCOME_INVALID_PAYLOAD;
			goto done;
		}
	}

done:
	MemoryContextSwitchTo(result_cxt);
	if (outcome != OUTCOME_PENDING && *detail != NULL)
		*detail = pstrdup(*detail);
	return outcome;
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
	json_malloc_t saved_malloc;
	json_free_t saved_free;
	volatile ChektOutcome outcome = OUTCOME_PENDING;

	json_get_alloc_funcs(&saved_malloc, &saved_free);
	json_set_alloc_funcs(json_palloc, json_pfree);
	PG_TRY();
	{
		outcome = parse_event(catalog, body, len, scratch, event, detail);
	}
	PG_FINALLY();
	{
		json_set_alloc_funcs(saved_malloc, saved_free);
	}
	PG_END_TRY();
	return outcome;
}
