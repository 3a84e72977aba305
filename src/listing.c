/*-------------------------------------------------------------------------
 *
 * listing.c
 *	  The tables ingest keeps beside the events for the questions
 *
 * Over monthly partitions a question that does not know its months would
 * plan and probe every month.  Ingest therefore keeps, in unpartitioned
 * tables of schema chekt, what those questions look up first: the months of
 * each device (chekt.device_months, store_devices.c) and, in a schema of
 * 0.13.0 or 0.14.0, the first events of each alarm (chekt.alarm_firsts,
 * store_alarms.c; 0.15.0 keeps every event of each alarm instead, with no
 * lookup).
 *
 * Those tables have no key, so that no writer ever waits for another: a
 * writer looks each row up in the table's index under SnapshotSelf (what
 * is committed, and what its own transaction wrote, whatever the isolation
 * level, without a predicate lock) and writes the rows not there.  Two
 * writers recording the same thing at once leave two rows, which readers
 * take as one.
 *
 * Here: opening such a table with its index, checked, and what the
 * lookups of both share.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/table.h"
#include "catalog/pg_am_d.h"

#include "listing.h"
#include "route.h"
#include "schemas.h"

/* Is index a valid B-tree on rel's columns keys[0..nkeys), in that order? */
static bool
index_has_keys(Relation index, Relation rel, int nkeys, const char *const *keys)
{
	int			k;

	if (index->rd_index->indrelid != RelationGetRelid(rel) ||
		index->rd_rel->relam != BTREE_AM_OID || !index->rd_index->indisvalid ||
		index->rd_index->indnkeyatts != nkeys)
		return false;
	for (k = 0; k < nkeys; k++)
	{
		AttrNumber	attnum = index->rd_index->indkey.values[k];

		if (attnum <= 0 || attnum > RelationGetNumberOfAttributes(rel) ||
			(index->rd_indoption[k] & INDOPTION_DESC) != 0 ||
			strcmp(NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
				   keys[k]) != 0)
			return false;
	}
	return true;
}

/*
 * Open a listing table for writing, with its index: false (nothing opened)
 * for a schema from before the table, an error (nothing left open) if the
 * index is missing or no longer on its columns
 */
bool
chekt_listing_open(const ChektListing *listing, Relation *rel, Relation *index)
{
	Oid			relid = chekt_relation_oid(listing->table, NULL);
	Oid			indexid;

	if (!OidIsValid(relid))
		return false;
	*rel = table_open(relid, RowExclusiveLock);
	indexid = chekt_relation_oid(listing->index, NULL);
	*index = OidIsValid(indexid) ? index_open(indexid, AccessShareLock) : NULL;
	if (*index == NULL || !index_has_keys(*index, *rel, listing->nkeys, listing->keys))
	{
		if (*index != NULL)
			index_close(*index, AccessShareLock);
		table_close(*rel, RowExclusiveLock);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("index %s of chekt.%s is missing or changed", listing->index, listing->table),
				 errdetail("Ingest looks each row up in it before recording it."),
				 errhint("Make it again: %s.", listing->remake)));
	}
	return true;
}

/* Close what chekt_listing_open() opened */
void
chekt_listing_close(Relation rel, Relation index)
{
	index_close(index, AccessShareLock);
	table_close(rel, RowExclusiveLock);
}

/* Order of two texts by their bytes (equality is texteq's, collations being deterministic) */
int
chekt_text_cmp(const text *a, const text *b)
{
	int			la = VARSIZE_ANY_EXHDR(a);
	int			lb = VARSIZE_ANY_EXHDR(b);
	int			c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* The first day of the UTC month holding t, as a date */
DateADT
chekt_utc_month(TimestampTz t)
{
	/* both epochs are 2000-01-01, and a month starts at a UTC midnight */
	return (DateADT) (chekt_month_start(t) / USECS_PER_DAY);
}
