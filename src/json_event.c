/*-------------------------------------------------------------------------
 *
 * json_event.c
 *	  A JSON body as an event: envelope and payload against the catalog
 *	  (pure: no backend needed)
 *
 * Runs only on authenticated bodies, and decides the next four refusal
 * reasons in this order:
 *
 *	malformed_json		the body is not JSON (jansson; duplicate keys and
 *						\u0000 are refused too: they let two readers see
 *						two different events)
 *	invalid_envelope	id is not a non-empty string of at most
 *						CHEKT_KEY_MAX_BYTES, type not a string, created_at
 *						not a strict RFC 3339 timestamp, or data not an
 *						object
 *	unknown_type		the type is not in the catalog
 *	invalid_payload		a data field breaks the catalog: a required field
 *						missing or null, any field of the wrong kind, or a
 *						key (a field with max_bytes) too long
 *
 * Unknown fields and unknown values of known fields are accepted.
 *
 * Nothing here fails: every input ends in an outcome, with a detail saying
 * what was wrong.  Results and details are allocated through the caller's
 * ChektParseMemory; the JSON tree is jansson's, freed before returning.
 * No PostgreSQL header is included, so that a fuzzer drives this file
 * without a server (test/fuzz/); parse.c is its adapter to the backend.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "chekt_protocol.h"
#include "json_event.h"
#include "rfc3339.h"

/* How much of a bad value a detail message shows, in bytes */
#define DETAIL_VALUE_MAX 64

static char *format(const ChektParseMemory *memory, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* A message formatted into the caller's memory */
static char *
format(const ChektParseMemory *memory, const char *fmt,...)
{
	va_list		ap;
	int			len;
	char	   *out;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	out = memory->alloc(memory->arg, (size_t) len + 1);
	va_start(ap, fmt);
	vsnprintf(out, (size_t) len + 1, fmt, ap);
	va_end(ap);
	return out;
}

/* A copy of len bytes, NUL-terminated, in the caller's memory */
static char *
copy_bytes(const ChektParseMemory *memory, const char *s, size_t len)
{
	char	   *out = memory->alloc(memory->arg, len + 1);

	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

/* How many bytes of UTF-8 s, at most max, end on a character boundary */
static size_t
clip_utf8(const char *s, size_t len, size_t max)
{
	size_t		n = len < max ? len : max;

	/* back off from the middle of a character: continuation bytes 10xxxxxx */
	while (n > 0 && n < len && ((unsigned char) s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* A JSON string in quotes, cut short (on a character boundary) if long */
static char *
quote_string(const ChektParseMemory *memory, json_t *value)
{
	const char *s = json_string_value(value);
	size_t		len = json_string_length(value);
	size_t		shown = clip_utf8(s, len, DETAIL_VALUE_MAX);

	return format(memory, "\"%.*s\"%s", (int) shown, s, shown < len ? "..." : "");
}

/* A short quotation of a JSON value, for a detail message */
static char *
describe_value(const ChektParseMemory *memory, json_t *value)
{
	switch (json_typeof(value))
	{
		case JSON_STRING:
			return format(memory, "the string %s", quote_string(memory, value));
		case JSON_INTEGER:
			return format(memory, "the number %lld", (long long) json_integer_value(value));
		case JSON_REAL:
			return format(memory, "the real number %g", json_real_value(value));
		case JSON_TRUE:
			return format(memory, "true");
		case JSON_FALSE:
			return format(memory, "false");
		case JSON_NULL:
			return format(memory, "null");
		case JSON_OBJECT:
			return format(memory, "an object");
		case JSON_ARRAY:
			return format(memory, "an array");
	}
	return format(memory, "a value");
}

/* Is value an RFC 3339 timestamp string?  If so, store it in *ts */
static bool
timestamp_value(json_t *value, int64_t *ts)
{
	return json_is_string(value) &&
		chekt_parse_rfc3339(json_string_value(value), json_string_length(value), ts);
}

/* The event type of that name, or NULL if the catalog has none */
const ChektEventType *
chekt_catalog_find_type(const ChektCatalog *catalog, const char *name, size_t len)
{
	int			i;

	for (i = 0; i < catalog->ntypes; i++)
	{
		const char *candidate = catalog->types[i].name;

		if (strlen(candidate) == len && memcmp(candidate, name, len) == 0)
			return &catalog->types[i];
	}
	return NULL;
}

/*
 * Check one data field and store it into the event's column.  Returns NULL
 * if it is acceptable, else what is wrong.
 */
static char *
check_field(const ChektParseMemory *memory, const ChektField *field, json_t *data,
			ChektParsedEvent *event)
{
	json_t	   *value = json_object_get(data, field->name);
	ChektValue *column = &event->values[field->column];
	int64_t		ts;

	if (value == NULL || json_is_null(value))
	{
		if (field->required)
			return format(memory, "data.%s is required but %s", field->name,
						  value == NULL ? "missing" : "null");
		return NULL;
	}

	switch (field->kind)
	{
		case FIELD_STRING:
			if (!json_is_string(value))
				return format(memory, "data.%s must be a string, not %s",
							  field->name, describe_value(memory, value));
			if (field->max_bytes > 0 && json_string_length(value) > (size_t) field->max_bytes)
				return format(memory, "data.%s has %zu bytes; it is a key, and keys have at most %d",
							  field->name, json_string_length(value), field->max_bytes);
			column->length = json_string_length(value);
			column->string = copy_bytes(memory, json_string_value(value), column->length);
			break;
		case FIELD_SECONDS:
			if (!json_is_integer(value) || json_integer_value(value) < 0 ||
				json_integer_value(value) > INT32_MAX)
				return format(memory, "data.%s must be a whole number of seconds from 0 to %d, not %s",
							  field->name, INT32_MAX, describe_value(memory, value));
			column->seconds = (int32_t) json_integer_value(value);
			break;
		case FIELD_TIMESTAMP:
			if (!timestamp_value(value, &ts))
				return format(memory, "data.%s must be an RFC 3339 timestamp such as 2026-05-26T10:21:34Z, not %s",
							  field->name, describe_value(memory, value));
			column->timestamp = ts;
			break;
	}
	column->isnull = false;
	return NULL;
}

/* Check the envelope: id, type, created_at, data.  NULL if it is valid. */
static char *
check_envelope(const ChektParseMemory *memory, json_t *root, ChektParsedEvent *event,
			   json_t **type, json_t **data)
{
	json_t	   *id;
	json_t	   *created_at;

	if (!json_is_object(root))
		return format(memory, "the body is %s, not an object with id, type, created_at and data",
					  describe_value(memory, root));
	id = json_object_get(root, "id");
	if (id == NULL)
		return format(memory, "id is missing");
	if (!json_is_string(id) || json_string_length(id) == 0)
		return format(memory, "id must be a non-empty string, not %s", describe_value(memory, id));
	if (json_string_length(id) > CHEKT_KEY_MAX_BYTES)
		return format(memory, "id has %zu bytes; event ids have at most %d",
					  json_string_length(id), CHEKT_KEY_MAX_BYTES);
	event->event_id_len = json_string_length(id);
	event->event_id = copy_bytes(memory, json_string_value(id), event->event_id_len);

	*type = json_object_get(root, "type");
	if (*type == NULL)
		return format(memory, "type is missing");
	if (!json_is_string(*type))
		return format(memory, "type must be a string, not %s", describe_value(memory, *type));

	created_at = json_object_get(root, "created_at");
	if (created_at == NULL)
		return format(memory, "created_at is missing");
	if (!timestamp_value(created_at, &event->created_at))
		return format(memory, "created_at must be an RFC 3339 timestamp such as 2026-05-26T10:21:34Z, not %s",
					  describe_value(memory, created_at));

	*data = json_object_get(root, "data");
	if (*data == NULL)
		return format(memory, "data is missing");
	if (!json_is_object(*data))
		return format(memory, "data must be an object, not %s", describe_value(memory, *data));
	return NULL;
}

/* Check a valid envelope's type and payload against the catalog */
static ChektOutcome
check_type_and_payload(const ChektParseMemory *memory, const ChektCatalog *catalog,
					   json_t *type, json_t *data, ChektParsedEvent *event, char **detail)
{
	const ChektFamily *family;
	int			i;

	event->type = chekt_catalog_find_type(catalog, json_string_value(type),
										  json_string_length(type));
	if (event->type == NULL)
	{
		*detail = format(memory, "type %s is not in chekt.event_types", quote_string(memory, type));
		return OUTCOME_UNKNOWN_TYPE;
	}

	family = &catalog->families[event->type->family];
	event->values = memory->alloc(memory->arg, sizeof(ChektValue) * (size_t) (family->ncolumns + 1));
	memset(event->values, 0, sizeof(ChektValue) * (size_t) (family->ncolumns + 1));
	for (i = 0; i <= family->ncolumns; i++)
		event->values[i].isnull = true;
	for (i = 0; i < event->type->nfields; i++)
	{
		*detail = check_field(memory, &event->type->fields[i], data, event);
		if (*detail != NULL)
			return OUTCOME_INVALID_PAYLOAD;
	}
	return OUTCOME_PENDING;
}

/*
 * Parse and validate a body of len bytes.  Returns OUTCOME_PENDING with
 * *event filled if the event is valid, else the reason to refuse it with
 * *detail saying why.  event->event_id is set whenever the envelope's id
 * could be read and is not too long.
 */
ChektOutcome
chekt_parse_json_event(const ChektCatalog *catalog, const char *body, size_t len,
					   const ChektParseMemory *memory, ChektParsedEvent *event,
					   char **detail)
{
	json_error_t error;
	json_t	   *root;
	json_t	   *type = NULL;
	json_t	   *data = NULL;
	ChektOutcome outcome;

	memset(event, 0, sizeof(ChektParsedEvent));
	*detail = NULL;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &error);
	if (root == NULL)
	{
		if (json_error_code(&error) == json_error_null_character)
			*detail = format(memory, "invalid JSON at line %d, column %d: a string holds \\u0000, which text cannot store",
							 error.line, error.column);
		else
			*detail = format(memory, "invalid JSON at line %d, column %d: %s",
							 error.line, error.column, error.text);
		return OUTCOME_MALFORMED_JSON;
	}

	*detail = check_envelope(memory, root, event, &type, &data);
	if (*detail != NULL)
		outcome = OUTCOME_INVALID_ENVELOPE;
	else
		outcome = check_type_and_payload(memory, catalog, type, data, event, detail);
	json_decref(root);
	return outcome;
}
