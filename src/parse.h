/*-------------------------------------------------------------------------
 *
 * parse.h
 *	  A delivery's body as an event of the backend
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_PARSE_H
#define CHEKT_PARSE_H

#include "datatype/timestamp.h"

#include "catalog.h"
#include "outcome.h"

/* A valid event: its envelope, and its data as values of its family's columns */
typedef struct ChektEvent
{
	char	   *event_id;
	text	   *event_id_text;	/* the same, as a text datum */
	const ChektEventType *type;
	TimestampTz created_at;
	Datum	   *values;			/* one per column of the type's family */
	bool	   *nulls;
} ChektEvent;

extern ChektOutcome chekt_parse_event(const ChektCatalog *catalog,
									  const char *body, size_t len,
									  MemoryContext scratch, ChektEvent *event,
									  char **detail);

#endif							/* CHEKT_PARSE_H */
