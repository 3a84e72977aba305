/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  The event type catalog, read from chekt.event_types and event_fields
 *
 * The types are plain C (no PostgreSQL header), so that the pure parser
 * (json_event.c) and its fuzzer use them without a server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_CATALOG_H
#define CHEKT_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

struct varlena;

/* How a data field is checked and stored */
typedef enum ChektFieldKind
{
	FIELD_STRING,				/* JSON string; column text */
	FIELD_SECONDS,				/* non-negative JSON integer; column integer */
	FIELD_TIMESTAMP				/* RFC 3339 string; column timestamptz */
} ChektFieldKind;

/* One data field of an event type */
typedef struct ChektField
{
	char	   *name;			/* key in the payload's data object */
	int			column;			/* index into its family's columns */
	ChektFieldKind kind;
	bool		required;
	int			max_bytes;		/* longest string accepted; 0: no limit */
} ChektField;

/* An event family: the table chekt.<name>_events and its data columns */
typedef struct ChektFamily
{
	char	   *name;
	int			ncolumns;
	char	  **columns;
	ChektFieldKind *kinds;
} ChektFamily;

/* An event type: which family stores it, which fields it has */
typedef struct ChektEventType
{
	char	   *name;
	struct varlena *name_text;	/* the same as a text datum (in a server) */
	int			family;			/* index into the catalog's families */
	int			nfields;
	ChektField *fields;
} ChektEventType;

typedef struct ChektCatalog
{
	int			ntypes;
	ChektEventType *types;
	int			nfamilies;
	ChektFamily *families;
} ChektCatalog;

extern ChektCatalog *chekt_catalog_load(void);
extern void chekt_catalog_init(void);

#endif							/* CHEKT_CATALOG_H */
