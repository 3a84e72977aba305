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
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "utils/lsyscache.h"

#include "schemas.h"

/*
 * The extension's relation of that name, in chekt_private or chekt (the
 * names are distinct across the two); InvalidOid if there is none
 */
Oid
chekt_relation_oid(const char *name)
{
	Oid			nsp = get_namespace_oid(CHEKT_PRIVATE_SCHEMA, true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;

	if (!OidIsValid(relid))
		relid = get_relname_relid(name, get_namespace_oid(CHEKT_SCHEMA, false));
	return relid;
}
