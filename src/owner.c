/*-------------------------------------------------------------------------
 *
 * owner.c
 *	  Running ingest's own work as the owner of chekt_private.inbox
 *
 * Ingest reads secrets and the type catalog and writes the event tables on
 * behalf of whoever inserts into chekt_private.inbox; that role needs no
 * privilege on any of them.  Like PostgreSQL's foreign-key triggers, ingest
 * runs its own fixed queries as the owner of the table, with search_path
 * pinned to pg_catalog so that no object of the caller's can stand in for a
 * built-in one; they name the extension's relations schema-qualified
 * (schemas.c).
 *
 * chekt_as_owner() is the one place that opens and closes all of it, in
 * this order: an internal subtransaction, an SPI connection, the user
 * switch, the search_path pin.  On success it closes them in reverse; on
 * any error it rolls the subtransaction back, which closes them all (and
 * every relation, snapshot, portal and lock the work took), puts the
 * caller's memory context and resource owner back, and only then re-throws
 * the error, as PL/pgSQL's exception blocks do (pl_exec.c).  So an error
 * inside ingest, a cancel included, leaves the session as it found it.
 *
 * SPI leaves its own memory context current after every call; the wrappers
 * below put the caller's back, so what the work allocates outlives
 * SPI_finish().
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/resowner.h"

#include "owner.h"
#include "schemas.h"

/* The owner of chekt_private.inbox, which owns everything ingest touches */
Oid
chekt_inbox_owner(void)
{
	Relation	rel = chekt_relation_open("inbox", AccessShareLock);
	Oid			owner = rel->rd_rel->relowner;

	/*
	 * The lock is kept to the end of the transaction: ingest then holds the
	 * inbox before anything else it reads or writes, as COPY does, and an
	 * update of the extension that locks the inbox first waits for it
	 * instead of deadlocking with it
	 */
	table_close(rel, NoLock);
	return owner;
}

/* Inside the subtransaction: connect, become owner, run the work, undo */
static void
run_connected(Oid owner, ChektOwnerWork work, void *arg, MemoryContext caller_cxt)
{
	Oid			saved_user;
	int			saved_security_context;
	int			guc_nest_level;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	MemoryContextSwitchTo(caller_cxt);
	GetUserIdAndSecContext(&saved_user, &saved_security_context);
	SetUserIdAndSecContext(owner, saved_security_context |
						   SECURITY_LOCAL_USERID_CHANGE | SECURITY_NOFORCE_RLS);
	guc_nest_level = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp",
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	work(arg);

	AtEOXact_GUC(true, guc_nest_level);
	SetUserIdAndSecContext(saved_user, saved_security_context);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "SPI_finish failed");
	MemoryContextSwitchTo(caller_cxt);
}

/*
 * Run work(arg) as owner.  Returns NULL when it succeeded (its effects kept),
 * else the error it raised, with everything it did rolled back and
 * everything opened for it closed.  The ErrorData is in the caller's memory
 * context; the caller re-throws it (ReThrowError) or recovers.
 */
ErrorData *
chekt_try_as_owner(Oid owner, ChektOwnerWork work, void *arg)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	ResourceOwner caller_owner = CurrentResourceOwner;
	ErrorData  *volatile error = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller_cxt);
	PG_TRY();
	{
		run_connected(owner, work, arg, caller_cxt);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller_cxt);
		CurrentResourceOwner = caller_owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(caller_cxt);
		error = CopyErrorData();
		FlushErrorState();
		/* closes SPI, restores user and search_path, releases what work held */
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller_cxt);
		CurrentResourceOwner = caller_owner;
	}
	PG_END_TRY();
	return error;
}

/*
 * Run work(arg) as owner; an error it raises is re-thrown once everything
 * opened for it is closed and its effects are rolled back.
 */
void
chekt_as_owner(Oid owner, ChektOwnerWork work, void *arg)
{
	ErrorData  *error = chekt_try_as_owner(owner, work, arg);

	if (error != NULL)
		ReThrowError(error);
}

/*
 * Run sql with parameters; raise an error unless SPI answers expected.
 * SPI_tuptable and SPI_processed hold the result.
 */
void
chekt_owner_execute(const char *sql, int nargs, const Oid *types,
					const Datum *values, const char *nulls,
					bool read_only, int expected)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	int			rc;

	rc = SPI_execute_with_args(sql, nargs, (Oid *) types, (Datum *) values,
							   nulls, read_only, 0);
	MemoryContextSwitchTo(caller_cxt);
	if (rc != expected)
		elog(ERROR, "ingest statement failed (%s): %s", SPI_result_code_string(rc), sql);
}

/* Open a read-only cursor over sql with parameters */
Portal
chekt_owner_cursor(const char *sql, int nargs, const Oid *types,
				   const Datum *values, const char *nulls)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	Portal		portal;

	portal = SPI_cursor_open_with_args(NULL, sql, nargs, (Oid *) types,
									   (Datum *) values, nulls, false, 0);
	MemoryContextSwitchTo(caller_cxt);
	return portal;
}

/* Fetch up to count rows of a cursor into SPI_tuptable */
void
chekt_owner_fetch(Portal portal, long count)
{
	MemoryContext caller_cxt = CurrentMemoryContext;

	SPI_cursor_fetch(portal, true, count);
	MemoryContextSwitchTo(caller_cxt);
}
