/*-------------------------------------------------------------------------
 *
 * analyst_scope.c
 *	  The apps the current user may read, for the row level security
 *	  policies of the family tables
 *
 * Every query an analyst runs reads the family tables through the policy
 * analyst_apps, which asks chekt.visible_apps() once per table it reads.
 * The answer comes from chekt.analyst_scope (the chekt_private.analysts rows of the
 * roles whose privileges the user has) and changes only when chekt_private.analysts
 * or a role membership does, so it is kept per backend for the user it was
 * computed for, and forgotten on any relcache invalidation (a statement
 * trigger on chekt_private.analysts, chekt.analysts_changed(), sends one for the
 * table when its rows change) and on any change of roles or memberships.
 * Asking then costs a comparison, where a query of the view cost about as
 * much as the rest of a short question.
 *
 * Once chekt.distribute() has made chekt_private.analysts a Citus reference
 * table, its rows change in shards that have no such trigger, on every
 * node; the scope is then read for each command, as in a parallel query.
 * There chekt.analyst_scope itself reads the rows through
 * chekt.analyst_scope_rows(), as the table's owner on the node that asks.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "analyst_scope.h"
#include "citus.h"
#include "compat.h"
#include "schemas.h"

/* The scope of one user, or nothing */
typedef struct Scope
{
	bool		valid;
	Oid			user;
	bool		every_app;		/* may read every app */
	ArrayType  *apps;			/* otherwise these (in TopMemoryContext) */
} Scope;

static Scope scope = {false, InvalidOid, false, NULL};
static uint64 scope_invalidations = 0;	/* counts the callbacks' calls */

/*
 * When the scope was read in a parallel query, under its snapshot: the
 * command it serves (every policy of that query asks), not later ones.
 * InvalidLocalTransactionId when it was read under the latest snapshot.
 */
static LocalTransactionId command_lxid = InvalidLocalTransactionId;
static CommandId command_cid = InvalidCommandId;

/* Forget the scope (relcache callback) */
static void
forget_scope_relcache(Datum arg, Oid relid)
{
	(void) arg;
	(void) relid;
	scope.valid = false;
	scope_invalidations++;
}

/* Forget the scope (syscache callback: roles and memberships) */
static void
forget_scope_syscache(Datum arg, int cacheid, uint32 hashvalue)
{
	(void) arg;
	(void) cacheid;
	(void) hashvalue;
	scope.valid = false;
	scope_invalidations++;
}

/* Register the invalidation callbacks, once per backend */
void
chekt_analyst_scope_init(void)
{
	CacheRegisterRelcacheCallback(forget_scope_relcache, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHOID, forget_scope_syscache, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMMEMROLE, forget_scope_syscache, (Datum) 0);
	CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, forget_scope_syscache, (Datum) 0);
}

/*
 * Run a read-only SPI plan under a new snapshot, which it unregisters; in
 * a parallel query (where no new snapshot may be taken: the policies' first
 * call in a session can come in the leader of one) under the query's own,
 * and say that the answer holds for this command only.
 */
static int
execute_latest(SPIPlanPtr plan, bool *keep)
{
	Snapshot	snapshot;
	volatile int rc = 0;

	if (IsInParallelMode())
	{
		*keep = false;
		return SPI_execute_plan(plan, NULL, NULL, true, 0);
	}
	*keep = true;
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	PG_TRY();
	{
		rc = SPI_execute_snapshot(plan, NULL, NULL, snapshot, InvalidSnapshot, true, false, 0);
	}
	PG_FINALLY();
	{
		UnregisterSnapshot(snapshot);
	}
	PG_END_TRY();
	return rc;
}

/*
 * The rows of chekt.analyst_scope for user $1 among the analysts in %s:
 * the view's own query, with the user given
 */
#define SCOPE_ROWS_QUERY \
"SELECT a.analyst::pg_catalog.text AS analyst, x.app" \
"  FROM %s a" \
"  CROSS JOIN LATERAL pg_catalog.unnest(coalesce(a.apps, ARRAY[NULL::pg_catalog.text])) AS x (app)" \
" WHERE pg_catalog.pg_has_role($1, a.analyst::pg_catalog.oid, 'USAGE')"

/* A scope of such rows s: may read every app, else which apps */
#define SCOPE_OF_ROWS \
"SELECT coalesce(pg_catalog.bool_or(s.app IS NULL), false)," \
"       coalesce(pg_catalog.array_agg(DISTINCT s.app) FILTER (WHERE s.app IS NOT NULL)," \
"                '{}'::pg_catalog.text[])" \
"  FROM "

/*
 * Read the current user's scope from chekt.analyst_scope, as the user (the view reads
 * chekt_private.analysts with its owner's rights and keeps the user's rows),
 * under a new snapshot: the scope is kept beyond this query, so it must be
 * the latest committed one, not what an older snapshot (a REPEATABLE READ
 * transaction's, a cursor's) would show.  In a parallel query, under the
 * query's snapshot, for that command only (*keep false).  SPI is connected.
 */
static void
query_scope_view(bool *keep)
{
	SPIPlanPtr	plan;
	int			rc;

	plan = SPI_prepare(SCOPE_OF_ROWS "chekt.analyst_scope s", 0, NULL);
	if (plan == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not read chekt.analyst_scope: %s", SPI_result_code_string(SPI_result)),
				 errhint("Update the extension (ALTER EXTENSION chekt_events UPDATE), or reinstall it.")));
	rc = execute_latest(plan, keep);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not read chekt.analyst_scope: %s", SPI_result_code_string(rc)),
				 errhint("Update the extension (ALTER EXTENSION chekt_events UPDATE), or reinstall it.")));
}

/*
 * Run query (a format with one %s, the analysts' relation, and one
 * parameter, user) over chekt_private.analysts, or, once chekt.distribute()
 * has made it a Citus reference table, over this node's own copy
 * (placement) of it: the row level security of the distributed tables asks
 * on the workers, inside Citus's queries of the shards, where Citus refuses
 * a query of the reference table itself ("cannot execute a distributed
 * query from a query on a shard"), and Citus would run a query of the table
 * as the user on a worker, where the view's rights are not lent.  Read as
 * the table's owner, whose rights the view would have lent, under the
 * command's snapshot.  SPI is connected; the result is in SPI_tuptable.
 */
static void
query_analysts_as_owner(Oid user, Oid analysts, const char *query)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(user)};
	Oid			owner = InvalidOid;
	Oid			saved_user;
	int			saved_context;
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(analysts));

	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
		ReleaseSysCache(tuple);
	}
	if (!OidIsValid(owner))
		elog(ERROR, "cache lookup failed for relation %u", analysts);
	/* (as PostgreSQL runs code as a table's owner: nothing may be left behind) */
	GetUserIdAndSecContext(&saved_user, &saved_context);
	SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		char	   *relation;

		if (!chekt_citus_distributes(analysts))
			relation = chekt_relid_name(analysts);
		else
		{
			Oid			relid_type[1] = {OIDOID};
			Datum		relid_value[1] = {ObjectIdGetDatum(analysts)};

			/* the placement this node holds, if any */
			if (SPI_execute_with_args("SELECT pg_catalog.format('%I.%I', n.nspname,"
									  "                        c.relname OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) s.shardid)"
									  "  FROM pg_catalog.pg_dist_shard s"
									  "  JOIN pg_catalog.pg_dist_placement p ON p.shardid OPERATOR(pg_catalog.=) s.shardid"
									  "  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.logicalrelid"
									  "  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
									  " WHERE s.logicalrelid OPERATOR(pg_catalog.=) $1"
									  "   AND p.groupid OPERATOR(pg_catalog.=) (SELECT l.groupid FROM pg_catalog.pg_dist_local_group l)",
									  1, relid_type, relid_value, NULL, true, 0) != SPI_OK_SELECT ||
				SPI_processed != 1)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("chekt_private.analysts has no placement on this node"),
						 errdetail("The row level security of the family tables and chekt.analyst_scope read it on every node of the Citus cluster."),
						 errhint("Add the coordinator to the cluster's metadata (citus_set_coordinator_host()), and replicate the reference tables to every node: SELECT replicate_reference_tables().")));
			relation = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		}
		if (SPI_execute_with_args(psprintf(query, relation), 1, types, values,
								  NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not read the analysts from %s", relation);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(saved_user, saved_context);
	}
	PG_END_TRY();
}

/*
 * Read the scope of user (the current user), keep it, and say for how
 * long: as chekt.analyst_scope shows it, or, once Citus holds the analysts,
 * as this node's copy of them does
 */
static void
read_scope(Oid user)
{
	uint64		invalidations = scope_invalidations;
	Oid			analysts = chekt_relation_oid("analysts", NULL);
	bool		every_app = false;
	ArrayType  *apps = NULL;
	bool		isnull;
	Datum		value;
	bool		keep;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (OidIsValid(analysts) && chekt_citus_distributes(analysts))
	{
		/* no trigger tells of a change to a Citus table's rows */
		keep = false;
		query_analysts_as_owner(user, analysts, SCOPE_OF_ROWS "(" SCOPE_ROWS_QUERY ") s");
		if (SPI_processed != 1)
			elog(ERROR, "could not read the scope of role %u", user);
	}
	else
		query_scope_view(&keep);
	every_app = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	if (!every_app)
	{
		MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

		apps = DatumGetArrayTypePCopy(value);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();

	if (scope.apps != NULL)
		pfree(scope.apps);
	scope.user = user;
	scope.every_app = every_app;
	scope.apps = apps;
	/* an invalidation that came while reading leaves it to be read again */
	scope.valid = scope_invalidations == invalidations;
	if (keep)
		command_lxid = InvalidLocalTransactionId;
	else
	{
		command_lxid = CHEKT_MY_LXID();
		command_cid = GetCurrentCommandId(false);
	}
}

PG_FUNCTION_INFO_V1(chekt_visible_apps);

/*
 * chekt.visible_apps() RETURNS text[]
 *
 * The apps the current user may read; NULL for every app.
 */
Datum
chekt_visible_apps(PG_FUNCTION_ARGS)
{
	Oid			user = GetUserId();

	(void) fcinfo;
	if (!scope.valid || scope.user != user ||
		(command_lxid != InvalidLocalTransactionId &&
		 (command_lxid != CHEKT_MY_LXID() || command_cid != GetCurrentCommandId(false))))
		read_scope(user);
	if (scope.every_app)
		PG_RETURN_NULL();
	PG_RETURN_ARRAYTYPE_P(DatumGetArrayTypePCopy(PointerGetDatum(scope.apps)));
}

PG_FUNCTION_INFO_V1(chekt_analyst_scope_rows);

/*
 * chekt.analyst_scope_rows() RETURNS TABLE (analyst text, app text)
 *
 * The rows of chekt.analyst_scope for the current user, read as the
 * analysts' owner: the view's form on a Citus cluster, where a query of
 * the reference table would reach a worker as the user, without the
 * view's rights ("permission denied for schema chekt_private")
 */
Datum
chekt_analyst_scope_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			user = GetUserId();
	Oid			analysts = chekt_relation_oid("analysts", NULL);
	uint64		row;

	InitMaterializedSRF(fcinfo, 0);
	if (!OidIsValid(analysts))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("chekt_private.analysts does not exist"),
				 errhint("Update the extension (ALTER EXTENSION chekt_events UPDATE), or reinstall it.")));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	query_analysts_as_owner(user, analysts, SCOPE_ROWS_QUERY);
	for (row = 0; row < SPI_processed; row++)
	{
		Datum		values[2];
		bool		nulls[2];

		values[0] = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1, &nulls[0]);
		values[1] = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 2, &nulls[1]);
		/* (copied into the tuplestore, which outlives SPI's memory) */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(chekt_analysts_changed);

/*
 * AFTER ... FOR EACH STATEMENT trigger on chekt_private.analysts (and, as
 * chekt_private.storage_policy_changed(), on chekt_private.storage_policy):
 * every backend forgets what it keeps of the table (at this transaction's
 * commit; this backend at its next command), through a relcache
 * invalidation of it.
 */
Datum
chekt_analysts_changed(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"%s\" must be fired AFTER ... FOR EACH STATEMENT",
						get_func_name(fcinfo->flinfo->fn_oid))));
	CacheInvalidateRelcache(trigdata->tg_relation);
	return PointerGetDatum(NULL);
}
