/*-------------------------------------------------------------------------
 *
 * fuzz_json_event.c
 *	  libFuzzer target: any bytes as a webhook body, through json_event.c
 *
 * The catalog below has every kind of field (string, seconds, timestamp),
 * required and optional ones, keys with a length limit and a type per
 * family shape; the bodies come from the fuzzer, seeded with CHeKT's 11
 * catalog payloads.  Besides the sanitizers' own checks, every result must
 * keep the parser's promises: an outcome of the table, a detail exactly
 * when refused, a valid event complete and within its limits.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chekt_protocol.h"
#include "json_event.h"

/* Every allocation of one run, freed at its end (LeakSanitizer checks) */
typedef struct Arena
{
	void	  **blocks;
	size_t		n;
	size_t		cap;
} Arena;

/* The parser's allocator: never NULL (abort, as the contract says) */
static void *
arena_alloc(void *arg, size_t size)
{
	Arena	   *arena = arg;
	void	   *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		abort();
	if (arena->n == arena->cap)
	{
		arena->cap = arena->cap == 0 ? 64 : arena->cap * 2;
		arena->blocks = realloc(arena->blocks, sizeof(void *) * arena->cap);
		if (arena->blocks == NULL)
			abort();
	}
	arena->blocks[arena->n++] = p;
	return p;
}

/* Free a run's allocations */
static void
arena_free(Arena *arena)
{
	size_t		i;

	for (i = 0; i < arena->n; i++)
		free(arena->blocks[i]);
	free(arena->blocks);
	memset(arena, 0, sizeof(Arena));
}

static char *alarm_columns[] = {"alarm_id", "site_id", "priority", "eta_seconds", "created"};
static ChektFieldKind alarm_kinds[] = {FIELD_STRING, FIELD_STRING, FIELD_STRING, FIELD_SECONDS, FIELD_TIMESTAMP};
static char *device_columns[] = {"device_id", "last_seen_at", "downtime_seconds"};
static ChektFieldKind device_kinds[] = {FIELD_STRING, FIELD_TIMESTAMP, FIELD_SECONDS};

static ChektField alarm_created_fields[] = {
	{"alarm_id", 0, FIELD_STRING, true, CHEKT_KEY_MAX_BYTES},
	{"site_id", 1, FIELD_STRING, true, CHEKT_KEY_MAX_BYTES},
	{"priority", 2, FIELD_STRING, false, 0},
	{"opened_at", 4, FIELD_TIMESTAMP, false, 0},
};
static ChektField alarm_dispatched_fields[] = {
	{"alarm_id", 0, FIELD_STRING, true, CHEKT_KEY_MAX_BYTES},
	{"eta_seconds", 3, FIELD_SECONDS, false, 0},
};
static ChektField device_offline_fields[] = {
	{"device_id", 0, FIELD_STRING, true, CHEKT_KEY_MAX_BYTES},
	{"last_seen_at", 1, FIELD_TIMESTAMP, false, 0},
};
static ChektField device_online_fields[] = {
	{"device_id", 0, FIELD_STRING, true, CHEKT_KEY_MAX_BYTES},
	{"downtime_seconds", 2, FIELD_SECONDS, false, 0},
};

static ChektFamily families[] = {
	{"alarm", 5, alarm_columns, alarm_kinds},
	{"device", 3, device_columns, device_kinds},
};
static ChektEventType types[] = {
	{"alarm.created", NULL, 0, 4, alarm_created_fields},
	{"alarm.dispatched", NULL, 0, 2, alarm_dispatched_fields},
	{"device.offline", NULL, 1, 2, device_offline_fields},
	{"device.online", NULL, 1, 2, device_online_fields},
};
static const ChektCatalog catalog = {4, types, 2, families};

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One body */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Arena		arena = {NULL, 0, 0};
	ChektParseMemory memory = {arena_alloc, &arena};
	ChektParsedEvent event;
	char	   *detail;
	ChektOutcome outcome;

	outcome = chekt_parse_json_event(&catalog, (const char *) data, size, &memory,
									 &event, &detail);
	if (outcome == OUTCOME_PENDING)
	{
		const ChektFamily *family;
		int			i;

		if (detail != NULL || event.type == NULL || event.event_id == NULL ||
			event.event_id_len == 0 || event.event_id_len > CHEKT_KEY_MAX_BYTES ||
			strlen(event.event_id) > event.event_id_len)
			abort();
		family = &catalog.families[event.type->family];
		for (i = 0; i < event.type->nfields; i++)
		{
			const ChektField *field = &event.type->fields[i];
			const ChektValue *value = &event.values[field->column];

			if (field->required && value->isnull)
				abort();
			if (!value->isnull && field->kind == FIELD_STRING &&
				(value->string == NULL || value->string[value->length] != '\0' ||
				 (field->max_bytes > 0 && value->length > (size_t) field->max_bytes)))
				abort();
			if (!value->isnull && field->kind == FIELD_SECONDS && value->seconds < 0)
				abort();
		}
		(void) family;
	}
	else if (outcome < OUTCOME_MALFORMED_JSON || outcome > OUTCOME_INVALID_PAYLOAD ||
			 detail == NULL || detail[0] == '\0' ||
			 (event.event_id != NULL && event.event_id_len > CHEKT_KEY_MAX_BYTES))
		abort();
	arena_free(&arena);
	return 0;
}
