/*
 * compat.h
 *		What differs between the PostgreSQL majors chekt_events supports
 *		(15 to 18), in one place: the rest of the code calls these names
 *		and never tests PG_VERSION_NUM itself.
 *
 * Include after postgres.h (and before nothing else of the project's).
 */
#ifndef CHEKT_COMPAT_H
#define CHEKT_COMPAT_H

#include "access/genam.h"
#include "access/tableam.h"
#include "catalog/pg_namespace.h"
#include "common/base64.h"
#include "executor/executor.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/relcache.h"

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "chekt_events supports PostgreSQL 15, 16, 17 and 18"
#endif

/* 16 moved the varlena macros (VARDATA, SET_VARSIZE, ...) to varatt.h */
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/* May the role use the schema? (16 folded pg_namespace_aclcheck() into object_aclcheck()) */
#if PG_VERSION_NUM >= 160000
#define chekt_schema_usage(nsp, role) \
	(object_aclcheck(NamespaceRelationId, (nsp), (role), ACL_USAGE) == ACLCHECK_OK)
#else
#define chekt_schema_usage(nsp, role) \
	(pg_namespace_aclcheck((nsp), (role), ACL_USAGE) == ACLCHECK_OK)
#endif

/*
 * The local transaction id of this backend's current transaction (17 moved
 * it into PGPROC's vxid)
 */
#if PG_VERSION_NUM >= 170000
#define CHEKT_MY_LXID() (MyProc->vxid.lxid)
#else
#define CHEKT_MY_LXID() (MyProc->lxid)
#endif

/*
 * pg_b64_encode() reads and pg_b64_decode() writes bytes: char in 15-17,
 * uint8 from 18
 */
#if PG_VERSION_NUM >= 180000
#define CHEKT_B64_BYTES_IN(p) ((const uint8 *) (p))
#define CHEKT_B64_BYTES_OUT(p) ((uint8 *) (p))
#else
#define CHEKT_B64_BYTES_IN(p) ((const char *) (p))
#define CHEKT_B64_BYTES_OUT(p) ((char *) (p))
#endif

/* The primary key index of rel, InvalidOid if none (18: deferrable ones too on request) */
static inline Oid
chekt_primary_key_index(Relation rel)
{
#if PG_VERSION_NUM >= 180000
	return RelationGetPrimaryKeyIndex(rel, false);
#else
	return RelationGetPrimaryKeyIndex(rel);
#endif
}

/* Begin a plain index scan (18 adds instrumentation, none here) */
static inline IndexScanDesc
chekt_index_beginscan(Relation heap, Relation index, Snapshot snapshot,
					  int nkeys, int norderbys)
{
#if PG_VERSION_NUM >= 180000
	return index_beginscan(heap, index, snapshot, NULL, nkeys, norderbys);
#else
	return index_beginscan(heap, index, snapshot, nkeys, norderbys);
#endif
}

/*
 * Give estate a range table of the one relation rel, to be written with
 * perms (ACL_INSERT, ACL_UPDATE) and, for an update, the columns it sets
 * (attribute numbers less FirstLowInvalidHeapAttributeNumber), as COPY FROM
 * and the executor build it (16 moved the required permissions from the
 * range table entry to RTEPermissionInfo; 18 asks which entries survive
 * pruning: this one).  The privileges it records are not checked here:
 * ingest writes as the extension's owner (owner.c)
 */
static inline void
chekt_init_range_table(EState *estate, Relation rel, AclMode perms,
					   Bitmapset *updated_cols)
{
	RangeTblEntry *rte = makeNode(RangeTblEntry);

	rte->rtekind = RTE_RELATION;
	rte->relid = RelationGetRelid(rel);
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
#if PG_VERSION_NUM >= 160000
	{
		RTEPermissionInfo *perminfo = makeNode(RTEPermissionInfo);

		perminfo->relid = rte->relid;
		perminfo->inh = false;
		perminfo->requiredPerms = perms;
		perminfo->updatedCols = updated_cols;
		rte->perminfoindex = 1;
#if PG_VERSION_NUM >= 180000
		ExecInitRangeTable(estate, list_make1(rte), list_make1(perminfo),
						   bms_make_singleton(1));
#else
		ExecInitRangeTable(estate, list_make1(rte), list_make1(perminfo));
#endif
	}
#else
	rte->requiredPerms = perms;
	rte->updatedCols = updated_cols;
	ExecInitRangeTable(estate, list_make1(rte));
#endif
}

/* Insert the index entries of a new row in slot; no conflict checks */
static inline void
chekt_insert_index_tuples(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate)
{
#if PG_VERSION_NUM >= 160000
	list_free(ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL, false));
#else
	list_free(ExecInsertIndexTuples(rri, slot, estate, false, false, NULL, NIL));
#endif
}

/*
 * Which indexes a row updated in place needs new entries in: none (a HOT
 * update), all, or (16 on) only the summarizing ones such as BRIN
 */
typedef enum ChektNewIndexEntries
{
	CHEKT_INDEX_ENTRIES_NONE,
	CHEKT_INDEX_ENTRIES_ALL,
	CHEKT_INDEX_ENTRIES_SUMMARIZING
} ChektNewIndexEntries;

/*
 * Replace the row at otid by the row in slot, waiting for a transaction
 * that holds it, as an UPDATE does; *entries says which indexes the new
 * version needs entries in (16 tells summarizing indexes apart)
 */
static inline TM_Result
chekt_update_row(Relation rel, ItemPointer otid, TupleTableSlot *slot,
				 CommandId cid, Snapshot snapshot, TM_FailureData *tmfd,
				 ChektNewIndexEntries *entries)
{
	LockTupleMode lockmode;
	TM_Result	result;
#if PG_VERSION_NUM >= 160000
	TU_UpdateIndexes which = TU_None;

	result = table_tuple_update(rel, otid, slot, cid, snapshot, InvalidSnapshot,
								true, tmfd, &lockmode, &which);
	*entries = which == TU_None ? CHEKT_INDEX_ENTRIES_NONE :
		which == TU_Summarizing ? CHEKT_INDEX_ENTRIES_SUMMARIZING :
		CHEKT_INDEX_ENTRIES_ALL;
#else
	bool		all = false;

	result = table_tuple_update(rel, otid, slot, cid, snapshot, InvalidSnapshot,
								true, tmfd, &lockmode, &all);
	*entries = all ? CHEKT_INDEX_ENTRIES_ALL : CHEKT_INDEX_ENTRIES_NONE;
#endif
	return result;
}

/*
 * Insert the index entries the updated row in slot needs; the executor's
 * range table says which columns the update set, for the indexes' hint
 * that their keys did not change
 */
static inline void
chekt_update_index_tuples(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate,
						  ChektNewIndexEntries which)
{
	if (which == CHEKT_INDEX_ENTRIES_NONE)
		return;
#if PG_VERSION_NUM >= 160000
	list_free(ExecInsertIndexTuples(rri, slot, estate, true, false, NULL, NIL,
									which == CHEKT_INDEX_ENTRIES_SUMMARIZING));
#else
	list_free(ExecInsertIndexTuples(rri, slot, estate, true, false, NULL, NIL));
#endif
}

#endif							/* CHEKT_COMPAT_H */
