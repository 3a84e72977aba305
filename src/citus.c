/*-------------------------------------------------------------------------
 *
 * citus.c
 *	  What ingest must know of Citus, when the extension runs on it
 *
 * After chekt.distribute() (0.19.0) the family tables, their months, the
 * trail and the device months are Citus tables: on the coordinator each is
 * an empty shell whose rows live in shards on the workers.  Ingest must
 * then neither write into a shell nor look a row up in a shell's index;
 * it goes through SQL, which Citus plans.  Citus is never linked against:
 * whether it holds a table is read from its catalog table, when it has one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_namespace.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"

#include "citus.h"

/*
 * Does Citus hold the table relid (distributed, reference, or a partition
 * of one): are its rows elsewhere than in it?  Read under a new snapshot,
 * so that a month this transaction attached a moment ago, which Citus
 * distributed as it was attached, is seen as Citus's.
 */
bool
chekt_citus_distributes(Oid relid)
{
	Oid			dist = get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE);
	AttrNumber	attnum;
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	Snapshot	snapshot;
	bool		found;

	if (!OidIsValid(dist))
		return false;
	attnum = get_attnum(dist, "logicalrelid");
	if (attnum == InvalidAttrNumber)
		return false;
	rel = table_open(dist, AccessShareLock);
	ScanKeyInit(&key, attnum, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = systable_beginscan(rel, InvalidOid, false, snapshot, 1, &key);
	found = HeapTupleIsValid(systable_getnext(scan));
	systable_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return found;
}
