/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The event type catalog, read from chekt.event_types and event_fields
 *
 * Which event types exist, which family table stores each, and how each
 * data field is checked are rows in the catalog tables, so that a new CHeKT
 * type or field is an upgrade script, not new C.  Ingest loads the catalog
 * once per batch; which columns are keys, from the system catalogs, once
 * per backend until a relation changes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "chekt_protocol.h"
#include "owner.h"

/* One row per (type, field); types without fields appear once with NULLs */
static const char *catalog_query =
"SELECT t.event_type, t.family, f.field, f.column_name, f.kind, f.required"
"  FROM chekt.event_types t"
"  LEFT JOIN chekt.event_fields f ON f.event_type = t.event_type"
" ORDER BY t.family, t.event_type, f.field";

/*
 * The key columns of the extension's tables: every column that is an id
 * (it compares byte by byte, COLLATE "C", as every id column of the family
 * tables does) or that lands in a btree index, as a key or included
 * column, in an index expression or predicate; and every column a
 * generated one of those is computed from (relay_events.alarm_id, an id,
 * from the trigger: chekt.alarm_trail's index takes it as the alarm).  A
 * field stored in such a column is limited to
 * CHEKT_KEY_MAX_BYTES, so that no delivery can make an index insert fail;
 * an index a user adds is covered as well.  Since 0.10.0 a partitioned
 * table has no index of its own and each month (a partition, in
 * chekt_private) has its table's: a month's column counts for its table,
 * matched by name.
 */
static const char *key_columns_query =
"WITH RECURSIVE family (relid, tableid) AS ("
"  SELECT c.oid, c.oid FROM pg_catalog.pg_class c"
"   WHERE c.relnamespace = 'chekt'::pg_catalog.regnamespace"
"  UNION ALL"
"  SELECT h.inhrelid, f.tableid"
"    FROM family f JOIN pg_catalog.pg_inherits h ON h.inhparent = f.relid"
"), btree_index AS ("
"  SELECT i.indexrelid, i.indrelid, i.indkey"
"    FROM pg_catalog.pg_index i"
"    JOIN family f ON f.relid = i.indrelid"
"    JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid"
"    JOIN pg_catalog.pg_am am ON am.oid = ic.relam"
"   WHERE am.amname = 'btree'"
"), key_column (relid, attnum) AS ("
"  SELECT b.indrelid, k.attnum"
"    FROM btree_index b, unnest(b.indkey::pg_catalog.int2[]) AS k (attnum)"
"   WHERE k.attnum > 0"
"  UNION"
"  SELECT d.refobjid, d.refobjsubid"
"    FROM btree_index b"
"    JOIN pg_catalog.pg_depend d"
"      ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = b.indexrelid"
"     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
"     AND d.refobjid = b.indrelid AND d.refobjsubid > 0"
"  UNION"
"  SELECT a.attrelid, a.attnum"
"    FROM family f"
"    JOIN pg_catalog.pg_attribute a ON a.attrelid = f.relid AND a.attnum > 0 AND NOT a.attisdropped"
"   WHERE f.relid = f.tableid AND a.attcollation = 'pg_catalog.\"C\"'::pg_catalog.regcollation"
"  UNION"
"  SELECT d.refobjid, d.refobjsubid"
"    FROM key_column k"
"    JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = k.relid AND ad.adnum = k.attnum"
"    JOIN pg_catalog.pg_depend d"
"      ON d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass AND d.objid = ad.oid"
"     AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"
"     AND d.refobjid = k.relid AND d.refobjsubid > 0"
")"
"SELECT DISTINCT t.relname, a.attname"
"  FROM family f"
"  JOIN pg_catalog.pg_class t ON t.oid = f.tableid"
"  JOIN pg_catalog.pg_attribute a ON a.attrelid = f.relid AND a.attnum > 0 AND NOT a.attisdropped"
" WHERE EXISTS (SELECT FROM key_column k WHERE k.relid = f.relid AND k.attnum = a.attnum)";

/*
 * The key columns, "table.column" each, read on first use and kept for the
 * backend until any relation changes (a relcache invalidation: an index
 * created or dropped, a column altered; also rarer events, which merely
 * cost one more read).  Reading them takes milliseconds, which a call of
 * chekt.ingest() per delivery must not pay every time.
 */
static MemoryContext key_cache_cxt = NULL;
static char **key_cache = NULL;
static int	key_cache_count = 0;
static bool key_cache_valid = false;
static uint64 key_cache_invalidations = 0;	/* counts the callback's calls */

/* Relcache callback: forget the key columns */
static void
forget_key_columns(pg_attribute_unused() Datum arg, pg_attribute_unused() Oid relid)
{
	key_cache_valid = false;
	key_cache_invalidations++;
}

/* Read the key columns into the cache (owner work: it reads through SPI) */
static void
read_key_columns(void)
{
	MemoryContext caller_cxt = CurrentMemoryContext;
	uint64		invalidations = key_cache_invalidations;
	uint64		row;

	if (key_cache_cxt == NULL)
		key_cache_cxt = AllocSetContextCreate(CacheMemoryContext, "chekt_events key columns",
											  ALLOCSET_SMALL_SIZES);
	MemoryContextReset(key_cache_cxt);
	key_cache = NULL;
	key_cache_count = 0;
	chekt_owner_execute(key_columns_query, 0, NULL, NULL, NULL, true, SPI_OK_SELECT);
	MemoryContextSwitchTo(key_cache_cxt);
	key_cache = palloc(sizeof(char *) * (SPI_processed + 1));
	for (row = 0; row < SPI_processed; row++)
		key_cache[row] = psprintf("%s.%s",
								  SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 1),
								  SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, 2));
	key_cache_count = (int) SPI_processed;
	MemoryContextSwitchTo(caller_cxt);
	SPI_freetuptable(SPI_tuptable);
	/* an invalidation that came while reading leaves the cache to read again */
	key_cache_valid = key_cache_invalidations == invalidations;
}

/*
 * The tables ingest keeps beside the families (listing.h), each column
 * filled from the families' column of its name: a key there is a key of
 * every family that has the column (chekt.alarm_firsts is
 * chekt.alarm_trail before 0.15.0)
 */
static const char *const listing_tables[] = {"alarm_trail", "alarm_firsts", "device_months"};

/* Is "table.column" among the key columns? */
static bool
key_cache_has(const char *table, const char *column)
{
	char	   *name = psprintf("%s.%s", table, column);
	bool		found = false;
	int			i;

	for (i = 0; i < key_cache_count && !found; i++)
		found = strcmp(key_cache[i], name) == 0;
	pfree(name);
	return found;
}

/* Is column of family's table, or of a listing filled from it, a key column? */
static bool
is_key_column(const char *family, const char *column)
{
	char	   *table = psprintf("%s_events", family);
	bool		key = key_cache_has(table, column);
	int			t;

	for (t = 0; t < (int) lengthof(listing_tables) && !key; t++)
		key = key_cache_has(listing_tables[t], column);
	pfree(table);
	return key;
}

/* Watch for changes of the key columns (at library load) */
void
chekt_catalog_init(void)
{
	CacheRegisterRelcacheCallback(forget_key_columns, (Datum) 0);
}

/* Map a kind name of chekt.event_fields.kind to the enum */
static ChektFieldKind
field_kind_from_name(const char *name)
{
	if (strcmp(name, "string") == 0)
		return FIELD_STRING;
	if (strcmp(name, "seconds") == 0)
		return FIELD_SECONDS;
	if (strcmp(name, "timestamp") == 0)
		return FIELD_TIMESTAMP;
	elog(ERROR, "unrecognized field kind \"%s\" in chekt.event_fields", name);
	return FIELD_STRING;		/* keep compiler quiet */
}

/* Index of the family of that name, adding it if new */
static int
family_index(ChektCatalog *catalog, const char *name, int max_families)
{
	int			i;

	for (i = 0; i < catalog->nfamilies; i++)
		if (strcmp(catalog->families[i].name, name) == 0)
			return i;
	if (catalog->nfamilies >= max_families)
		elog(ERROR, "more event families than catalog rows");
	catalog->families[i].name = pstrdup(name);
	catalog->families[i].ncolumns = 0;
	catalog->families[i].columns = NULL;
	catalog->families[i].kinds = NULL;
	catalog->nfamilies++;
	return i;
}

/*
 * Index of a data column of a family, adding it if new.  Two types of one
 * family may share a column only if they give it the same kind.
 */
static int
column_index(ChektFamily *family, const char *column, ChektFieldKind kind,
			 int max_columns)
{
	int			i;

	for (i = 0; i < family->ncolumns; i++)
		if (strcmp(family->columns[i], column) == 0)
		{
			if (family->kinds[i] != kind)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("column \"%s\" of family \"%s\" has two kinds in chekt.event_fields",
								column, family->name),
						 errhint("Every field stored in one column must have the same kind.")));
			return i;
		}
	if (family->ncolumns == 0)
	{
		family->columns = palloc(sizeof(char *) * max_columns);
		family->kinds = palloc(sizeof(ChektFieldKind) * max_columns);
	}
	family->columns[i] = pstrdup(column);
	family->kinds[i] = kind;
	family->ncolumns++;
	return i;
}

/*
 * Load the catalog into the current memory context.  Owner work
 * (chekt_as_owner()): it reads through SPI.
 */
ChektCatalog *
chekt_catalog_load(void)
{
	ChektCatalog *catalog;
	uint64		nrows;
	uint64		row;
	int			max;

	if (!key_cache_valid)
		read_key_columns();
	chekt_owner_execute(catalog_query, 0, NULL, NULL, NULL, true, SPI_OK_SELECT);
	nrows = SPI_processed;

	/* no catalog has more types, families or columns than it has rows */
	max = (int) nrows + 1;
	catalog = palloc0(sizeof(ChektCatalog));
	catalog->types = palloc0(sizeof(ChektEventType) * max);
	catalog->families = palloc0(sizeof(ChektFamily) * max);

	for (row = 0; row < nrows; row++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[row];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *type_name = SPI_getvalue(tuple, desc, 1);
		char	   *family_name = SPI_getvalue(tuple, desc, 2);
		char	   *field_name = SPI_getvalue(tuple, desc, 3);
		ChektEventType *type;

		if (catalog->ntypes == 0 ||
			strcmp(catalog->types[catalog->ntypes - 1].name, type_name) != 0)
		{
			type = &catalog->types[catalog->ntypes++];
			type->name = pstrdup(type_name);
			type->name_text = cstring_to_text(type_name);
			type->family = family_index(catalog, family_name, max);
			type->fields = palloc0(sizeof(ChektField) * max);
		}
		type = &catalog->types[catalog->ntypes - 1];

		if (field_name != NULL)
		{
			ChektField *field = &type->fields[type->nfields++];
			bool		isnull;

			field->name = pstrdup(field_name);
			field->kind = field_kind_from_name(SPI_getvalue(tuple, desc, 5));
			field->required = DatumGetBool(SPI_getbinval(tuple, desc, 6, &isnull));
			field->max_bytes = field->kind == FIELD_STRING &&
				is_key_column(family_name, SPI_getvalue(tuple, desc, 4)) ? CHEKT_KEY_MAX_BYTES : 0;
			field->column = column_index(&catalog->families[type->family],
										 SPI_getvalue(tuple, desc, 4),
										 field->kind, max);
		}
	}
	SPI_freetuptable(SPI_tuptable);
	return catalog;
}
