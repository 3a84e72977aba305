/*-------------------------------------------------------------------------
 *
 * delivery_count.c
 *	  Counting redeliveries on the stored event
 *
 * A redelivery of a stored event (the same body) adds to the event's
 * delivery_count and moves its last_received_at in its month of
 * chekt_private.events.  store_events.c has just found the row through the
 * month's key; the count replaces that row in place, the way an UPDATE
 * replaces it at the transaction's isolation level:
 *
 *	READ COMMITTED		a transaction updating the row is waited for, and
 *						the count goes on the row's latest version if that
 *						is still the event (not on a row deleted meanwhile)
 *	REPEATABLE READ,	a row another transaction updated or deleted
 *	SERIALIZABLE		since the snapshot is a serialization failure
 *
 * As for an UPDATE, the row is locked only when another transaction
 * changed it first, so a count writes one WAL record.
 *
 * No plan is made, so nothing depends on a month's statistics.  (An
 * UPDATE ... FROM unnest(...), which counted before, was planned as a full
 * scan of a month that autovacuum had analysed while one transaction's
 * uncommitted rows filled it, once per batch.)  A month ingest may
 * not write without a plan (writer.c: a trigger, a rule, Citus) is counted
 * by that UPDATE still, one per month and batch.
 *
 * Owner work (owner.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/sysattr.h"
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "parser/parse_relation.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "compat.h"
#include "delivery_count.h"
#include "schemas.h"
#include "writer.h"

struct ChektDeliveryCounts
{
	Oid			relid;
	bool		in_place;
	uint64		counted;		/* rows counted on in place */

	/* in place */
	Relation	rel;
	Snapshot	snapshot;
	ChektDirect direct;
	AttrNumber	app_attnum;		/* the event's key */
	AttrNumber	id_attnum;
	AttrNumber	created_attnum;
	AttrNumber	count_attnum;	/* what a count sets */
	AttrNumber	last_attnum;
	TupleTableSlot *latest;		/* a later version of the row, locked */
	TupleTableSlot *counted_row;	/* the version that replaces it */

	/* by UPDATE */
	ChektArrays *arrays;
};

#define COUNT_COLUMNS 5
static const Oid count_column_types[COUNT_COLUMNS] = {
	TEXTOID, TEXTOID, TIMESTAMPTZOID, INT4OID, TIMESTAMPTZOID
};
/* %s: the month of chekt_private.events (or, before 0.9.0, the table) */
static const char *count_by_update_sql =
"UPDATE %s AS e"
"   SET delivery_count = e.delivery_count + d.n,"
"       last_received_at = greatest(e.last_received_at, d.last_received_at)"
"  FROM unnest($1, $2, $3, $4, $5) AS d (app, event_id, created_at, n, last_received_at)"
" WHERE e.app = d.app AND e.event_id = d.event_id AND e.created_at = d.created_at";

/* The attribute number of rel's column name if it is of type, else InvalidAttrNumber */
static AttrNumber
column_of_type(Relation rel, const char *name, Oid type)
{
	AttrNumber	attnum = attnameAttNum(rel, name, false);

	if (attnum <= 0 ||
		TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid != type ||
		TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attgenerated)
		return InvalidAttrNumber;
	return attnum;
}

/*
 * Can counts go on rel's rows in place?  On a table ingest may update
 * without a plan (writer.c) whose key and counted columns are of the types
 * ingest writes, and with no generated column an update would compute
 * again.
 */
static bool
can_count_in_place(ChektDeliveryCounts *counts, Relation rel)
{
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	counts->app_attnum = column_of_type(rel, "app", TEXTOID);
	counts->id_attnum = column_of_type(rel, "event_id", TEXTOID);
	counts->created_attnum = column_of_type(rel, "created_at", TIMESTAMPTZOID);
	counts->count_attnum = column_of_type(rel, "delivery_count", INT4OID);
	counts->last_attnum = column_of_type(rel, "last_received_at", TIMESTAMPTZOID);
	return counts->app_attnum != InvalidAttrNumber &&
		counts->id_attnum != InvalidAttrNumber &&
		counts->created_attnum != InvalidAttrNumber &&
		counts->count_attnum != InvalidAttrNumber &&
		counts->last_attnum != InvalidAttrNumber &&
		!(constr != NULL && constr->has_generated_stored) &&
		chekt_writable_directly(rel, CMD_UPDATE);
}

/*
 * Start counting redeliveries on rows of table relid (a month of
 * chekt_private.events), found under snapshot, which stays registered
 * until chekt_delivery_counts_finish().
 */
ChektDeliveryCounts *
chekt_delivery_counts_begin(Oid relid, Snapshot snapshot)
{
	ChektDeliveryCounts *counts = palloc0(sizeof(ChektDeliveryCounts));
	Relation	rel = table_open(relid, RowExclusiveLock);

	counts->relid = relid;
	counts->in_place = can_count_in_place(counts, rel);
	if (!counts->in_place)
	{
		table_close(rel, NoLock);
		counts->arrays = chekt_arrays_begin(COUNT_COLUMNS, count_column_types);
		return counts;
	}

	CheckCmdReplicaIdentity(rel, CMD_UPDATE);
	counts->rel = rel;
	counts->snapshot = snapshot;
	/* the two columns set, for the indexes' hint that their keys stay */
	chekt_direct_begin(&counts->direct, rel, ACL_UPDATE,
					   bms_add_member(bms_make_singleton(counts->count_attnum - FirstLowInvalidHeapAttributeNumber),
									  counts->last_attnum - FirstLowInvalidHeapAttributeNumber));
	counts->latest = ExecInitExtraTupleSlot(counts->direct.estate, RelationGetDescr(rel),
											table_slot_callbacks(rel));
	counts->counted_row = ExecInitExtraTupleSlot(counts->direct.estate, RelationGetDescr(rel),
												 &TTSOpsVirtual);
	return counts;
}

/* Is the row in slot the event (app, event_id, created_at)? */
static bool
same_event(ChektDeliveryCounts *counts, TupleTableSlot *slot, const text *app,
		   const text *event_id, TimestampTz created_at)
{
	bool		app_null;
	bool		id_null;
	bool		created_null;
	Datum		row_app = slot_getattr(slot, counts->app_attnum, &app_null);
	Datum		row_id = slot_getattr(slot, counts->id_attnum, &id_null);
	Datum		row_created = slot_getattr(slot, counts->created_attnum, &created_null);

	return !app_null && !id_null && !created_null &&
		DatumGetTimestampTz(row_created) == created_at &&
		DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, row_app,
											 PointerGetDatum(app))) &&
		DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, row_id,
											 PointerGetDatum(event_id)));
}

/*
 * Under READ COMMITTED, after another transaction updated the row at *tid:
 * lock its latest version into counts->latest and point *tid at it.  False,
 * and nothing locked, if the row was deleted meanwhile or is no longer the
 * event (app, event_id, created_at): an UPDATE's recheck would skip it too.
 */
static bool
lock_latest(ChektDeliveryCounts *counts, ItemPointer tid, const text *app,
			const text *event_id, TimestampTz created_at)
{
	TM_FailureData tmfd;
	TM_Result	result;

	result = table_tuple_lock(counts->rel, tid, counts->snapshot, counts->latest,
							  GetCurrentCommandId(true), LockTupleNoKeyExclusive,
							  LockWaitBlock, TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
	if (result == TM_Ok && same_event(counts, counts->latest, app, event_id, created_at))
	{
		*tid = counts->latest->tts_tid;
		return true;
	}
	if (result != TM_Ok && result != TM_Deleted && result != TM_SelfModified)
		elog(ERROR, "unexpected result %d locking a stored event of %s to count its redeliveries",
			 (int) result, RelationGetRelationName(counts->rel));
	ExecClearTuple(counts->latest);
	return false;
}

/*
 * Make counts->counted_row the row in version with n more deliveries, the
 * latest received at last_received: what count_by_update_sql's SET makes of
 * it, checked against the table's constraints (the partition's is kept, as
 * its key, created_at, is).
 */
static void
count_onto(ChektDeliveryCounts *counts, TupleTableSlot *version, int32 n,
		   TimestampTz last_received)
{
	TupleTableSlot *row = counts->counted_row;
	int			c = counts->count_attnum - 1;
	int			l = counts->last_attnum - 1;
	int32		count;

	ExecCopySlot(row, version); /* values of its own */

	/* a NULL count stays NULL, and a NULL time is replaced, as in SQL */
	if (!row->tts_isnull[c])
	{
		if (pg_add_s32_overflow(DatumGetInt32(row->tts_values[c]), n, &count))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("integer out of range")));
		row->tts_values[c] = Int32GetDatum(count);
	}
	if (row->tts_isnull[l] || DatumGetTimestampTz(row->tts_values[l]) < last_received)
		row->tts_values[l] = TimestampTzGetDatum(last_received);
	row->tts_isnull[l] = false;
	if (RelationGetDescr(counts->rel)->constr != NULL)
		ExecConstraints(counts->direct.rri, row, counts->direct.estate);
}

/*
 * Add n redeliveries to the stored event (app, event_id, created_at) whose
 * row is in stored, in place, as an UPDATE of it would: waiting for a
 * transaction that holds the row; under READ COMMITTED following it to its
 * latest version if another transaction updated it (and not counting on a
 * row deleted meanwhile); under REPEATABLE READ and SERIALIZABLE failing
 * then, as the snapshot's rules say.
 */
static void
count_in_place(ChektDeliveryCounts *counts, TupleTableSlot *stored,
			   const text *app, const text *event_id, TimestampTz created_at,
			   int32 n, TimestampTz last_received)
{
	CommandId	cid = GetCurrentCommandId(true);
	TupleTableSlot *version = stored;
	ItemPointerData tid = stored->tts_tid;
	bool		done = false;

	while (!done)
	{
		TM_FailureData tmfd;
		ChektNewIndexEntries entries;

		count_onto(counts, version, n, last_received);
		switch (chekt_update_row(counts->rel, &tid, counts->counted_row, cid,
								 counts->snapshot, &tmfd, &entries))
		{
			case TM_Ok:
				chekt_update_index_tuples(counts->direct.rri, counts->counted_row,
										  counts->direct.estate, entries);
				counts->counted++;
				done = true;
				break;
			case TM_Updated:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent update")));
				if (lock_latest(counts, &tid, app, event_id, created_at))
					version = counts->latest;
				else
					done = true;
				break;
			case TM_Deleted:
				if (IsolationUsesXactSnapshot())
					ereport(ERROR,
							(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
							 errmsg("could not serialize access due to concurrent delete")));
				done = true;
				break;
			case TM_SelfModified:
				/* counted on by this very command: once, as an UPDATE joining it twice */
				if (tmfd.cmax != cid)
					elog(ERROR, "a stored event of %s to count redeliveries on was changed by a later command",
						 RelationGetRelationName(counts->rel));
				done = true;
				break;
			default:
				elog(ERROR, "unexpected result updating a stored event of %s to count its redeliveries",
					 RelationGetRelationName(counts->rel));
		}
	}
	ExecClearTuple(counts->latest);
	ExecClearTuple(counts->counted_row);
	ResetPerTupleExprContext(counts->direct.estate);
}

/*
 * Count n redeliveries of the stored event (app, event_id, created_at),
 * the latest received at last_received; stored holds its row as a probe
 * under the counts' snapshot found it.
 */
void
chekt_delivery_counts_add(ChektDeliveryCounts *counts, TupleTableSlot *stored,
						  const text *app, const text *event_id,
						  TimestampTz created_at, int32 n,
						  TimestampTz last_received)
{
	if (counts->in_place)
		count_in_place(counts, stored, app, event_id, created_at, n, last_received);
	else
	{
		Datum		values[COUNT_COLUMNS] = {
			PointerGetDatum(app), PointerGetDatum(event_id),
			TimestampTzGetDatum(created_at), Int32GetDatum(n),
			TimestampTzGetDatum(last_received)
		};
		bool		nulls[COUNT_COLUMNS] = {false, false, false, false, false};

		chekt_arrays_add(counts->arrays, values, nulls);
	}
}

/* Count what is left to count and close what the counts opened */
void
chekt_delivery_counts_finish(ChektDeliveryCounts *counts)
{
	if (counts->in_place)
	{
		chekt_direct_end(&counts->direct);
		table_close(counts->rel, NoLock);
		/* later lookups of this transaction see the counts */
		if (counts->counted > 0)
			CommandCounterIncrement();
	}
	else if (chekt_arrays_count(counts->arrays) > 0)
		chekt_arrays_execute(counts->arrays,
							 psprintf(count_by_update_sql, chekt_relid_name(counts->relid)),
							 SPI_OK_UPDATE);
	pfree(counts);
}
