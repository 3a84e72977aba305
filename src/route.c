/*-------------------------------------------------------------------------
 *
 * route.c
 *	  Which monthly partition holds an event; partitions made on demand
 *
 * chekt_private.events and the family tables are range partitioned by the
 * UTC month of created_at (0.9.0).  Ingest never scans a partitioned index:
 * it finds the partition (leaf) of an event's month from the table's
 * partition bounds, and probes and writes that leaf (store_events.c).
 *
 * Before a batch is stored, chekt_route_batch() makes sure that every
 * event it may accept has a partition to go to, so that no event can fail
 * a batch for lack of one.  An event is quarantined as out_of_range
 * instead when its created_at is
 *
 *	- later than its receipt plus the storage policy's max_future;
 *	- before the oldest month kept: its receipt minus the retention, or a
 *	  month chekt.drop_events_before() dropped (kept_from);
 *	- in a month without a partition that could not be made now.
 *
 * A missing month is made by chekt_private.create_month(), which attaches
 * the new partitions under SHARE UPDATE EXCLUSIVE (ingest and readers go
 * on) and, called from here, gives up after ten seconds rather than
 * queue for a lock where it could close a cycle with another writer.
 * chekt.maintain() retries what was quarantined so.
 *
 * A schema from before 0.9.0 (tables not partitioned) is routed to the
 * tables themselves, without a policy, so ingest goes on between
 * installing the library and ALTER EXTENSION ... UPDATE.
 *
 * Owner work (owner.c).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/inval.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "owner.h"
#include "route.h"
#include "schemas.h"

/*
 * How long ingest tries to lock a table to attach a month to it: another
 * writer that made the month holds the lock until it commits
 */
#define ROUTE_CREATE_WAIT "10 seconds"

/*
 * Far enough from either end of the timestamp range that a receipt time
 * plus or minus any policy interval (at most a year ahead, a century
 * back) stays inside it
 */
#define ROUTE_MARGIN ((int64) 200 * 366 * USECS_PER_DAY)

/*
 * The leaf of rel (an event table) whose month holds created_at: rel itself
 * if it is not partitioned, InvalidOid if no partition holds that month.
 */
Oid
chekt_route_leaf(Relation rel, TimestampTz created_at)
{
	PartitionKey key;
	PartitionDesc desc;
	Datum		value = TimestampTzGetDatum(created_at);
	bool		equal;
	int			offset;
	int			index;

	if (rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		return RelationGetRelid(rel);
	key = RelationGetPartitionKey(rel);
	if (key->strategy != PARTITION_STRATEGY_RANGE || key->partnatts != 1 ||
		key->parttypid[0] != TIMESTAMPTZOID)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"%s\" is not partitioned by range of created_at",
						RelationGetRelationName(rel)),
				 errhint("Update the extension: ALTER EXTENSION chekt_events UPDATE.")));
	desc = RelationGetPartitionDesc(rel, true);
	if (desc->nparts == 0 || desc->boundinfo == NULL)
		return InvalidOid;
	/* the greatest bound at or below the value; the next one ends its range */
	offset = partition_range_datum_bsearch(key->partsupfunc, key->partcollation,
										   desc->boundinfo, 1, &value, &equal);
	index = desc->boundinfo->indexes[offset + 1];
	return index >= 0 ? desc->oids[index] : InvalidOid;
}

/* The start of the UTC month holding t */
TimestampTz
chekt_month_start(TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(t) || timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		return t;
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (tm2timestamp(&tm, 0, NULL, &result) != 0)
		return t;
	return result;
}

/* A time as text for a detail (timestamptz_to_str() reuses its buffer) */
static char *
show_time(TimestampTz t)
{
	return pstrdup(timestamptz_to_str(t));
}

/* What the storage policy says of the range of created_at kept */
typedef struct Policy
{
	Interval	max_future_value;
	Interval	retention_value;
	Interval   *max_future;		/* NULL: no limit; else &max_future_value */
	Interval   *retention;		/* NULL: every month kept */
	TimestampTz kept_from;		/* DT_NOBEGIN: nothing dropped */
} Policy;

/*
 * The policy as this backend last read it, good for the transaction that
 * read it (a later one may see another policy, at REPEATABLE READ from its
 * own snapshot) until any relcache invalidation: the trigger on
 * chekt_private.storage_policy sends one when it changes.
 */
static Policy cached_policy;
static bool cached_policy_valid = false;
static LocalTransactionId cached_policy_lxid = InvalidLocalTransactionId;

/* Forget the policy (relcache callback) */
static void
forget_policy(Datum arg, Oid relid)
{
	(void) arg;
	(void) relid;
	cached_policy_valid = false;
}

/* Copy an interval the policy read into the policy; NULL for SQL NULL */
static Interval *
keep_interval(HeapTuple row, TupleDesc desc, int column, Interval *into)
{
	bool		isnull;
	Datum		value = SPI_getbinval(row, desc, column, &isnull);

	if (isnull)
		return NULL;
	*into = *DatumGetIntervalP(value);
	return into;
}

/*
 * The policy in force (chekt_private.effective_policy()), read once per
 * transaction: a call of chekt.ingest() is a batch of its own.
 */
static const Policy *
read_policy(void)
{
	static bool callback_registered = false;
	HeapTuple	row;
	bool		isnull;
	Datum		value;

	if (cached_policy_valid && cached_policy_lxid == CHEKT_MY_LXID())
		return &cached_policy;
	if (!callback_registered)
	{
		CacheRegisterRelcacheCallback(forget_policy, (Datum) 0);
		callback_registered = true;
	}
	chekt_owner_execute(psprintf("SELECT max_future, retention, kept_from FROM %s.effective_policy()",
								 CHEKT_PRIVATE_SCHEMA),
						0, NULL, NULL, NULL, true, SPI_OK_SELECT);
	if (SPI_processed != 1)
		elog(ERROR, "chekt_private.effective_policy() returned %d rows", (int) SPI_processed);
	row = SPI_tuptable->vals[0];
	cached_policy.max_future = keep_interval(row, SPI_tuptable->tupdesc, 1, &cached_policy.max_future_value);
	cached_policy.retention = keep_interval(row, SPI_tuptable->tupdesc, 2, &cached_policy.retention_value);
	value = SPI_getbinval(row, SPI_tuptable->tupdesc, 3, &isnull);
	cached_policy.kept_from = isnull ? DT_NOBEGIN : DatumGetTimestampTz(value);
	SPI_freetuptable(SPI_tuptable);
	cached_policy_lxid = CHEKT_MY_LXID();
	cached_policy_valid = true;
	return &cached_policy;
}

/*
 * t plus (or minus) an interval on UTC's calendar, whatever the session's
 * time zone: a timestamptz is UTC inside, and timestamp arithmetic takes
 * it as it is (timestamptz arithmetic would count days and months in the
 * session's zone, so sessions behind a pooler could judge alike events
 * apart).
 */
static TimestampTz
utc_plus(TimestampTz t, Interval *span, bool minus)
{
	return DatumGetTimestamp(DirectFunctionCall2(minus ? timestamp_mi_interval : timestamp_pl_interval,
												 TimestampGetDatum(t), IntervalPGetDatum(span)));
}

/* Quarantine an item as out_of_range */
static void
refuse_out_of_range(ChektBatchItem *item, char *detail)
{
	item->outcome = OUTCOME_OUT_OF_RANGE;
	item->detail = detail;
}

/*
 * Quarantine the item if the policy does not keep its created_at: later
 * than its receipt plus max_future, or before the oldest month kept at its
 * receipt.  Judged by the receipt time, so a retry judges the same.
 */
static void
check_policy(const Policy *policy, ChektBatchItem *item)
{
	TimestampTz created = item->event.created_at;
	TimestampTz received = item->delivery.received_at;
	TimestampTz oldest = policy->kept_from;

	if (received < MIN_TIMESTAMP + ROUTE_MARGIN || received > END_TIMESTAMP - ROUTE_MARGIN)
		return;
	if (policy->max_future != NULL)
	{
		TimestampTz latest = utc_plus(received, policy->max_future, false);

		if (created > latest)
		{
			refuse_out_of_range(item,
								psprintf("created_at %s is later than its receipt (%s) plus the storage policy's max_future (%s); chekt.maintain() retries it",
										 show_time(created), show_time(received),
										 DatumGetCString(DirectFunctionCall1(interval_out,
																			 IntervalPGetDatum(policy->max_future)))));
			return;
		}
	}
	if (policy->retention != NULL)
		oldest = Max(oldest, chekt_month_start(utc_plus(received, policy->retention, true)));
	if (created < oldest)
		refuse_out_of_range(item,
							psprintf("created_at %s is before %s, the oldest month kept (%s)",
									 show_time(created), show_time(oldest),
									 oldest == policy->kept_from ?
									 "chekt.drop_events_before() dropped the months before it" :
									 "the storage policy's retention"));
}

/* A month to make, and the outcome of making it */
typedef struct Month
{
	TimestampTz start;
	ErrorData  *error;
} Month;

/* Owner work: make the partitions of one month, waiting a little at most */
static void
create_month(void *arg)
{
	Month	   *month = arg;
	Oid			types[1] = {TIMESTAMPTZOID};
	Datum		values[1] = {TimestampTzGetDatum(month->start)};

	chekt_owner_execute(psprintf("SELECT %s.create_month($1, interval '%s')",
								 CHEKT_PRIVATE_SCHEMA, ROUTE_CREATE_WAIT),
						1, types, values, NULL, false, SPI_OK_SELECT);
}

/*
 * Make the month's partitions; NULL on success, else what went wrong.  A
 * cancel or a lack of resources is the caller's: raised, not kept.
 */
static ErrorData *
try_create_month(ChektBatch *batch, TimestampTz start)
{
	Month		month = {start, NULL};
	ErrorData  *error = chekt_try_as_owner(batch->owner, create_month, &month);
	int			category;

	if (error == NULL)
	{
		CommandCounterIncrement();
		return NULL;
	}
	category = ERRCODE_TO_CATEGORY(error->sqlerrcode);
	if (category == ERRCODE_OPERATOR_INTERVENTION || category == ERRCODE_INSUFFICIENT_RESOURCES ||
		category == ERRCODE_PROGRAM_LIMIT_EXCEEDED)
		ReThrowError(error);
	return error;
}

/* The family table of an item, opened once per pass */
static Relation
family_relation(ChektBatch *batch, Relation *families, int family)
{
	const ChektCatalog *catalog = chekt_judge_catalog(batch->judge);

	if (families[family] == NULL)
		families[family] = chekt_relation_open(psprintf("%s_events", catalog->families[family].name),
											   RowExclusiveLock);
	return families[family];
}

/* The months of the pending items lacking a partition, and what became of making them */
typedef struct Missing
{
	TimestampTz *starts;
	ErrorData **errors;
	int			n;
} Missing;

/*
 * One pass over the pending items: with policy, quarantine those it does
 * not keep; collect the months lacking a partition in chekt_private.events
 * or the family table into missing, or, if missing is already made,
 * quarantine their items.  The tables are closed again (keeping their
 * locks): ALTER TABLE refuses a table this session holds open.
 */
static void
route_pass(ChektBatch *batch, const Policy *policy, Missing *missing, bool made)
{
	const ChektCatalog *catalog = chekt_judge_catalog(batch->judge);
	Relation	events = chekt_relation_open("events", RowExclusiveLock);
	Relation   *families = palloc0(sizeof(Relation) * catalog->nfamilies);
	int			i;
	int			f;

	for (i = 0; i < batch->nitems; i++)
	{
		ChektBatchItem *item = &batch->items[i];
		TimestampTz created = item->event.created_at;
		TimestampTz start;
		int			m;

		if (item->outcome != OUTCOME_PENDING)
			continue;
		if (policy != NULL)
		{
			check_policy(policy, item);
			if (item->outcome != OUTCOME_PENDING)
				continue;
		}
		if (OidIsValid(chekt_route_leaf(events, created)) &&
			OidIsValid(chekt_route_leaf(family_relation(batch, families, item->event.type->family), created)))
			continue;
		start = chekt_month_start(created);
		for (m = 0; m < missing->n && missing->starts[m] != start; m++)
			;
		if (made)
			refuse_out_of_range(item,
								psprintf("no partition holds events created in the month from %s, and none could be made now: %s; chekt.maintain() retries it",
										 show_time(start),
										 m < missing->n && missing->errors[m] != NULL ?
										 missing->errors[m]->message :
										 "a table of another layout holds that month"));
		else if (m == missing->n)
		{
			missing->starts = missing->n == 0 ? palloc(sizeof(TimestampTz)) :
				repalloc(missing->starts, sizeof(TimestampTz) * (missing->n + 1));
			missing->starts[missing->n++] = start;
		}
	}

	for (f = 0; f < catalog->nfamilies; f++)
		if (families[f] != NULL)
			table_close(families[f], NoLock);
	table_close(events, NoLock);
}

/*
 * Before the batch is stored: quarantine as out_of_range every pending
 * event the storage policy does not keep, and make the partitions of the
 * others' months where missing (or quarantine them as out_of_range if that
 * cannot be done now).
 */
void
chekt_route_batch(ChektBatch *batch)
{
	Relation	events = chekt_relation_open("events", RowExclusiveLock);
	bool		partitioned = events->rd_rel->relkind == RELKIND_PARTITIONED_TABLE;
	Missing		missing = {NULL, NULL, 0};
	int			m;

	table_close(events, NoLock);
	if (!partitioned)
		return;
	route_pass(batch, read_policy(), &missing, false);
	if (missing.n == 0)
		return;

	missing.errors = palloc0(sizeof(ErrorData *) * missing.n);
	for (m = 0; m < missing.n; m++)
		missing.errors[m] = try_create_month(batch, missing.starts[m]);
	route_pass(batch, NULL, &missing, true);
	for (m = 0; m < missing.n; m++)
		if (missing.errors[m] != NULL)
			FreeErrorData(missing.errors[m]);
}
