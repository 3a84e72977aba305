/*-------------------------------------------------------------------------
 *
 * schemas.h
 *	  Where the extension's relations are
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_SCHEMAS_H
#define CHEKT_SCHEMAS_H

#include "storage/lockdefs.h"
#include "utils/relcache.h"

/* The analytic surface: family tables, type catalog, views, functions */
#define CHEKT_SCHEMA "chekt"
/* What analysts may not open: inbox, quarantine, envelopes, secrets, grants */
#define CHEKT_PRIVATE_SCHEMA "chekt_private"

extern void chekt_schemas_init(void);
extern Oid	chekt_relation_oid(const char *name, const char **schema);
extern void chekt_missing_relation(const char *name);
extern Relation chekt_relation_open(const char *name, LOCKMODE lockmode);
extern char *chekt_relation_name(const char *name);
extern char *chekt_relid_name(Oid relid);

#endif							/* CHEKT_SCHEMAS_H */
