/*-------------------------------------------------------------------------
 *
 * json_event.h
 *	  A JSON body as an event: envelope and payload against the catalog
 *	  (pure: no backend needed)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_JSON_EVENT_H
#define CHEKT_JSON_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "outcome.h"

/*
 * Where the parser's results go: alloc(arg, size) returns memory that
 * outlives the call, and never NULL (running out of memory is reported the
 * caller's way: palloc raises an error, the fuzzer aborts).
 */
typedef struct ChektParseMemory
{
	void	   *(*alloc) (void *arg, size_t size);
	void	   *arg;
} ChektParseMemory;

/* One data field's value, as its kind stores it */
typedef struct ChektValue
{
	bool		isnull;
	char	   *string;			/* FIELD_STRING: length bytes, then a NUL */
	size_t		length;
	int32_t		seconds;		/* FIELD_SECONDS */
	int64_t		timestamp;		/* FIELD_TIMESTAMP: microseconds from
								 * 2000-01-01 00:00 UTC, as a TimestampTz */
} ChektValue;

/* A valid event, or as much of one as could be read */
typedef struct ChektParsedEvent
{
	char	   *event_id;		/* NUL-terminated; NULL if not read */
	size_t		event_id_len;
	const ChektEventType *type;
	int64_t		created_at;		/* as a TimestampTz */
	ChektValue *values;			/* one per column of the type's family */
} ChektParsedEvent;

extern ChektOutcome chekt_parse_json_event(const ChektCatalog *catalog,
										   const char *body, size_t len,
										   const ChektParseMemory *memory,
										   ChektParsedEvent *event,
										   char **detail);
extern const ChektEventType *chekt_catalog_find_type(const ChektCatalog *catalog,
													 const char *name, size_t len);

#endif							/* CHEKT_JSON_EVENT_H */
