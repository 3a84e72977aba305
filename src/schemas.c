/*-------------------------------------------------------------------------
 *
 * schemas.c
 *	  Where the extension's relations are
 *
 * Schema chekt holds what an analyst may open; chekt_private what only the
 * owner, feeders and backfillers reach (the inbox, the quarantine, the
 * accepted envelopes, secrets, the grant tables), out of sight of BI tools
 * browsing an analyst's schema.  Until ALTER EXTENSION ... UPDATE brings a
 * database to 0.8.0 everything is in chekt, and this library, installed
 * before the update, finds it there: ingest goes on in between.
 *
 * A schema named chekt_private counts only if it belongs to the extension:
 * before the update, any role allowed to create schemas could create one,
 * and ingest, which runs as the owner, must not read or write its tables.
 * Owner work names relations by the schema-qualified names given here,
 * never through search_path (where pg_temp would answer for a name the
 * extension's schemas lack).
 *
 * Whether chekt_private is the extension's takes two catalog scans, and
 * chekt.ingest() asks for about ten relations a delivery: the answer is
 * kept per backend and forgotten whenever a schema is created, renamed or
 * dropped (the update that creates chekt_private, DROP EXTENSION).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "schemas.h"

/* chekt_private's OID if it is the extension's, else InvalidOid; if known */
static Oid	private_nsp = InvalidOid;
static bool private_nsp_known = false;

/* A schema changed: ask again */
static void
forget_private_namespace(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	private_nsp_known = false;
}

/* Forget what is kept whenever a schema changes */
void
chekt_schemas_init(void)
{
	CacheRegisterSyscacheCallback(NAMESPACEOID, forget_private_namespace, (Datum) 0);
}

/* chekt_private, if it is the extension's; else InvalidOid */
static Oid
private_namespace(void)
{
	Oid			nsp;
	Oid			extension;

	if (private_nsp_known)
		return private_nsp;
	nsp = get_namespace_oid(CHEKT_PRIVATE_SCHEMA, true);
	extension = get_extension_oid("chekt_events", true);
	if (!OidIsValid(nsp) || !OidIsValid(extension) ||
		getExtensionOfObject(NamespaceRelationId, nsp) != extension)
		nsp = InvalidOid;
	private_nsp = nsp;
	private_nsp_known = true;
	return nsp;
}

/*
 * The extension's relation of that name, in chekt_private or chekt (the
 * names are distinct across the two), and (if schema is not NULL) the name
 * of the schema it is in; InvalidOid if there is none
 */
Oid
chekt_relation_oid(const char *name, const char **schema)
{
	Oid			nsp = private_namespace();
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
	const char *found = CHEKT_PRIVATE_SCHEMA;

	if (!OidIsValid(relid))
	{
		nsp = get_namespace_oid(CHEKT_SCHEMA, true);
		relid = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
		found = CHEKT_SCHEMA;
	}
	if (schema != NULL)
		*schema = OidIsValid(relid) ? found : NULL;
	return relid;
}

/* Raise the error of a relation the extension should have and has not */
void
chekt_missing_relation(const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("extension chekt_events has no relation \"%s\"", name),
			 errdetail("The library looks for it in schema %s, or in schema %s of a database not yet updated to 0.8.0.",
					   CHEKT_PRIVATE_SCHEMA, CHEKT_SCHEMA),
			 errhint("Update the extension (ALTER EXTENSION chekt_events UPDATE), or reinstall it.")));
}

/* Open the extension's relation of that name; an error if there is none */
Relation
chekt_relation_open(const char *name, LOCKMODE lockmode)
{
	Oid			relid = chekt_relation_oid(name, NULL);

	if (!OidIsValid(relid))
		chekt_missing_relation(name);
	return table_open(relid, lockmode);
}

/*
 * The schema-qualified, quoted name of the extension's relation of that
 * name, for owner work's SQL; an error if there is none.  The schema is one
 * of the two constants, never a lookup that could come back empty and
 * leave the name to search_path.
 */
char *
chekt_relation_name(const char *name)
{
	const char *schema;

	if (!OidIsValid(chekt_relation_oid(name, &schema)))
		chekt_missing_relation(name);
	return quote_qualified_identifier(schema, name);
}

/*
 * The schema-qualified, quoted name of the relation relid (one of the
 * extension's, or a month of one), for owner work's SQL
 */
char *
chekt_relid_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}
