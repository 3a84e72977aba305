/*-------------------------------------------------------------------------
 *
 * owner_spi.c
 *	  SPI sessions that run as the owner of chekt.inbox
 *
 * Ingest reads secrets and the type catalog and writes the event tables on
 * behalf of whoever inserts into chekt.inbox; that role needs no privilege
 * on any of them.  Like PostgreSQL's foreign-key triggers, ingest switches to
 * the owner of the table for its own fixed queries, with search_path pinned
 * to pg_catalog so that no object of the caller's can stand in for a
 * built-in one.  On error, transaction abort restores both.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "owner_spi.h"

/* The owner of chekt.inbox, which owns everything ingest touches */
Oid
chekt_inbox_owner(void)
{
	Oid			nsp = get_namespace_oid("chekt", false);
	Oid			relid = get_relname_relid("inbox", nsp);
	Relation	rel;
	Oid			owner;

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation \"chekt.inbox\" does not exist"),
				 errhint("Reinstall the extension: DROP EXTENSION chekt_events; CREATE EXTENSION chekt_events;")));
	rel = table_open(relid, AccessShareLock);
	owner = rel->rd_rel->relowner;
	table_close(rel, AccessShareLock);
	return owner;
}

/*
 * Connect to SPI as owner, with search_path = pg_catalog, pg_temp.  Unlike
 * a bare SPI_connect(), leaves the caller in its own memory context.
 */
void
chekt_owner_spi_begin(ChektOwnerSpi *session, Oid owner)
{
	MemoryContext caller_cxt = CurrentMemoryContext;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(caller_cxt);
	GetUserIdAndSecContext(&session->saved_user, &session->saved_security_context);
	SetUserIdAndSecContext(owner, session->saved_security_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	session->guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Undo chekt_owner_spi_begin(), leaving the caller in the memory context it
 * is in now (SPI_finish() would return to the one current at connection).
 */
void
chekt_owner_spi_end(ChektOwnerSpi *session)
{
	MemoryContext caller_cxt = CurrentMemoryContext;

	AtEOXact_GUC(true, session->guc_nest_level);
	SetUserIdAndSecContext(session->saved_user, session->saved_security_context);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	MemoryContextSwitchTo(caller_cxt);
}
