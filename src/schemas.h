/*-------------------------------------------------------------------------
 *
 * schemas.h
 *	  Where the extension's relations are
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_SCHEMAS_H
#define CHEKT_SCHEMAS_H

/* The analytic surface: family tables, type catalog, views, functions */
#define CHEKT_SCHEMA "chekt"
/* What analysts may not open: inbox, quarantine, envelopes, secrets, grants */
#define CHEKT_PRIVATE_SCHEMA "chekt_private"

/*
 * The search_path of ingest's own queries: built-ins first, so nothing can
 * stand in for one, then the extension's two schemas (a database not yet
 * updated to 0.8.0 has no chekt_private, and the names resolve in chekt).
 * Those queries name the private relations unqualified for that reason.
 */
#define CHEKT_OWNER_SEARCH_PATH "pg_catalog, chekt_private, chekt, pg_temp"

extern Oid	chekt_relation_oid(const char *name);

#endif							/* CHEKT_SCHEMAS_H */
