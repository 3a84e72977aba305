/*-------------------------------------------------------------------------
 *
 * writer.c
 *	  Writing many rows into one table of the extension at once
 *
 * Two ways, chosen per table when a writer begins:
 *
 *	multi-insert	for a plain local heap table without triggers whose
 *					every stored column the writer fills: rows go straight
 *					to table_multi_insert() and the table's indexes, the
 *					way COPY writes them, checking constraints and
 *					computing generated columns.  No executor per row, one
 *					WAL record per page rather than per row.
 *	SQL				for anything else (a table distributed by Citus, one a
 *					user partitioned, gave a trigger or a column with a
 *					default): one INSERT ... SELECT unnest($1), ... with
 *					the rows as arrays, which every table takes.
 *
 * Both are owner work (owner.c).  The SQL way's rows travel as arrays,
 * gathered column by column (ChektArrays), which is also how ingest runs
 * its other set-based statements (counting duplicates, updating the
 * quarantine).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "citus.h"
#include "compat.h"
#include "owner.h"
#include "schemas.h"
#include "writer.h"

/* Rows the multi-insert way sends to the table at a time */
#define WRITER_SLOTS 1000

struct ChektWriter
{
	char	   *table;			/* schema-qualified and quoted */
	int			ncolumns;
	const char *const *columns;
	const Oid  *types;
	bool		multi_insert;
	uint64		nrows;

	/* the multi-insert way */
	Relation	rel;
	TupleDesc	slot_desc;		/* the table's, not reference-counted */
	ChektDirect direct;			/* its estate and result relation */
	BulkInsertState bistate;
	AttrNumber *attnums;		/* column i goes to attribute attnums[i] */
	TupleTableSlot **slots;
	int			nslots;

	/* the SQL way */
	ChektArrays *arrays;
};

/* The columns of one set-based statement, gathered row by row as arrays */
struct ChektArrays
{
	int			ncolumns;
	const Oid  *types;
	ArrayBuildState **states;
	uint64		nrows;
};

/* Start gathering rows of ncolumns columns of the given element types */
ChektArrays *
chekt_arrays_begin(int ncolumns, const Oid *types)
{
	ChektArrays *arrays = palloc0(sizeof(ChektArrays));
	int			c;

	arrays->ncolumns = ncolumns;
	arrays->types = types;
	arrays->states = palloc(sizeof(ArrayBuildState *) * ncolumns);
	for (c = 0; c < ncolumns; c++)
		arrays->states[c] = initArrayResult(types[c], CurrentMemoryContext, false);
	return arrays;
}

/* Add a row; values and nulls follow the columns */
void
chekt_arrays_add(ChektArrays *arrays, const Datum *values, const bool *nulls)
{
	int			c;

	for (c = 0; c < arrays->ncolumns; c++)
		accumArrayResult(arrays->states[c], values[c], nulls[c], arrays->types[c],
						 CurrentMemoryContext);
	arrays->nrows++;
}

/* How many rows were gathered */
uint64
chekt_arrays_count(const ChektArrays *arrays)
{
	return arrays->nrows;
}

/*
 * Run sql with the gathered columns as array parameters $1, $2, ...; raise
 * an error unless SPI answers expected.
 */
void
chekt_arrays_execute(ChektArrays *arrays, const char *sql, int expected)
{
	Oid		   *argtypes = palloc(sizeof(Oid) * arrays->ncolumns);
	Datum	   *args = palloc(sizeof(Datum) * arrays->ncolumns);
	int			c;

	for (c = 0; c < arrays->ncolumns; c++)
	{
		argtypes[c] = get_array_type(arrays->types[c]);
		args[c] = makeArrayResult(arrays->states[c], CurrentMemoryContext);
	}
	chekt_owner_execute(sql, arrays->ncolumns, argtypes, args, NULL, false, expected);
}

/* Has rel a trigger that an INSERT or UPDATE (cmd) fires, row or statement level? */
static bool
has_triggers(Relation rel, CmdType cmd)
{
	TriggerDesc *t = rel->trigdesc;

	if (t == NULL)
		return false;
	if (cmd == CMD_INSERT)
		return t->trig_insert_before_row || t->trig_insert_after_row ||
			t->trig_insert_instead_row || t->trig_insert_before_statement ||
			t->trig_insert_after_statement || t->trig_insert_new_table;
	return t->trig_update_before_row || t->trig_update_after_row ||
		t->trig_update_instead_row || t->trig_update_before_statement ||
		t->trig_update_after_statement || t->trig_update_old_table ||
		t->trig_update_new_table;
}

/*
 * May ingest write rel for cmd (CMD_INSERT, CMD_UPDATE) without a plan?
 * Only a plain heap table without triggers for cmd (chekt_private.event_ids
 * has triggers on removal only), rules or forced row security, which Citus
 * does not distribute; the caller checks the columns.
 */
bool
chekt_writable_directly(Relation rel, CmdType cmd)
{
	return rel->rd_rel->relkind == RELKIND_RELATION && !has_triggers(rel, cmd) &&
		!rel->rd_rel->relhasrules && !rel->rd_rel->relforcerowsecurity &&
		rel->rd_tableam == GetHeapamTableAmRoutine() &&
		!chekt_citus_distributes(RelationGetRelid(rel));
}

/*
 * Set up the executor state that writing rel without a plan needs, as COPY
 * does: rel, which the caller holds RowExclusiveLock on, as a result
 * relation with its indexes open.  perms and updated_cols as
 * chekt_init_range_table() (compat.h) takes them.
 */
void
chekt_direct_begin(ChektDirect *direct, Relation rel, AclMode perms,
				   Bitmapset *updated_cols)
{
	direct->estate = CreateExecutorState();
	chekt_init_range_table(direct->estate, rel, perms, updated_cols);
	direct->rri = makeNode(ResultRelInfo);
	ExecInitResultRelation(direct->estate, direct->rri, 1);
	ExecOpenIndices(direct->rri, false);
}

/* Close what chekt_direct_begin() opened, and the slots made in its state */
void
chekt_direct_end(ChektDirect *direct)
{
	ExecResetTupleTable(direct->estate->es_tupleTable, false);
	ExecCloseResultRelations(direct->estate);	/* and their indexes */
	ExecCloseRangeTableRelations(direct->estate);
	FreeExecutorState(direct->estate);
}

/*
 * Can rows go straight into rel?  Only into a table ingest may insert into
 * without a plan (chekt_writable_directly()) whose every stored column is
 * one the writer fills (generated columns aside).
 */
static bool
can_multi_insert(ChektWriter *writer, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			filled = 0;
	int			stored = 0;
	int			i;
	int			c;

	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->attgenerated)
			continue;
		stored++;
		for (c = 0; c < writer->ncolumns; c++)
			if (strcmp(NameStr(att->attname), writer->columns[c]) == 0)
			{
				if (att->atttypid != writer->types[c])
					return false;
				writer->attnums[c] = att->attnum;
				filled++;
			}
	}
	return filled == stored && filled == writer->ncolumns &&
		chekt_writable_directly(rel, CMD_INSERT);
}

/* Set up the executor state a multi-insert into rel needs, as COPY does */
static void
begin_multi_insert(ChektWriter *writer, Relation rel)
{
	int			i;

	writer->rel = rel;
	chekt_direct_begin(&writer->direct, rel, ACL_INSERT, NULL);
	writer->bistate = GetBulkInsertState();

	/*
	 * The slots share a copy of the table's descriptor that no resource
	 * owner tracks: a thousand pins of the relation's own would cost a
	 * search each to release.
	 */
	writer->slot_desc = CreateTupleDescCopy(RelationGetDescr(rel));
	writer->slots = palloc(sizeof(TupleTableSlot *) * WRITER_SLOTS);
	for (i = 0; i < WRITER_SLOTS; i++)
		writer->slots[i] = NULL;
}

/*
 * Start writing rows of the given columns (of the given types) into the
 * extension's table of that name (schemas.c).
 */
ChektWriter *
chekt_writer_begin(const char *table, int ncolumns, const char *const *columns,
				   const Oid *types)
{
	const char *schema;
	Oid			relid = chekt_relation_oid(table, &schema);

	if (!OidIsValid(relid))
		chekt_missing_relation(table);
	return chekt_writer_begin_relid(relid, ncolumns, columns, types);
}

/*
 * Start writing rows into the table relid: one of the extension's, or a
 * partition of one (route.c).
 */
ChektWriter *
chekt_writer_begin_relid(Oid relid, int ncolumns, const char *const *columns,
						 const Oid *types)
{
	ChektWriter *writer = palloc0(sizeof(ChektWriter));
	Relation	rel = table_open(relid, RowExclusiveLock);

	writer->table = chekt_relid_name(relid);
	writer->ncolumns = ncolumns;
	writer->columns = columns;
	writer->types = types;
	writer->attnums = palloc0(sizeof(AttrNumber) * ncolumns);

	writer->multi_insert = can_multi_insert(writer, rel);
	if (writer->multi_insert)
		begin_multi_insert(writer, rel);
	else
	{
		table_close(rel, NoLock);
		writer->arrays = chekt_arrays_begin(ncolumns, types);
	}
	return writer;
}

/* Send the gathered slots to the table and its indexes */
static void
flush_slots(ChektWriter *writer)
{
	EState	   *estate = writer->direct.estate;
	int			i;

	if (writer->nslots == 0)
		return;
	table_multi_insert(writer->rel, writer->slots, writer->nslots,
					   GetCurrentCommandId(true), 0, writer->bistate);
	for (i = 0; i < writer->nslots; i++)
	{
		if (writer->direct.rri->ri_NumIndices > 0)
			chekt_insert_index_tuples(writer->direct.rri, writer->slots[i], estate);
		ExecClearTuple(writer->slots[i]);
		ResetPerTupleExprContext(estate);
	}
	writer->nslots = 0;
}

/*
 * Add a row.  values and nulls follow the writer's columns; by-reference
 * values must stay valid until chekt_writer_finish().
 */
void
chekt_writer_add(ChektWriter *writer, const Datum *values, const bool *nulls)
{
	int			c;

	writer->nrows++;
	if (!writer->multi_insert)
	{
		chekt_arrays_add(writer->arrays, values, nulls);
		return;
	}

	{
		TupleTableSlot *slot;
		TupleConstr *constr = RelationGetDescr(writer->rel)->constr;

		if (writer->slots[writer->nslots] == NULL)
			writer->slots[writer->nslots] =
				MakeSingleTupleTableSlot(writer->slot_desc,
										 table_slot_callbacks(writer->rel));
		slot = writer->slots[writer->nslots];
		ExecClearTuple(slot);
		memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
		for (c = 0; c < writer->ncolumns; c++)
		{
			slot->tts_values[writer->attnums[c] - 1] = values[c];
			slot->tts_isnull[writer->attnums[c] - 1] = nulls[c];
		}
		ExecStoreVirtualTuple(slot);
		if (constr != NULL && constr->has_generated_stored)
			ExecComputeStoredGenerated(writer->direct.rri, writer->direct.estate, slot, CMD_INSERT);
		if (constr != NULL)
			ExecConstraints(writer->direct.rri, slot, writer->direct.estate);
		/* a partition's bounds, against a row routed wrongly */
		if (writer->rel->rd_rel->relispartition)
			ExecPartitionCheck(writer->direct.rri, slot, writer->direct.estate, true);
		if (++writer->nslots == WRITER_SLOTS)
			flush_slots(writer);
	}
}

/* INSERT INTO <schema>.<table> (columns) SELECT unnest($1), unnest($2), ... */
static void
insert_as_sql(ChektWriter *writer)
{
	StringInfoData sql;
	int			c;

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO %s (", writer->table);
	for (c = 0; c < writer->ncolumns; c++)
		appendStringInfo(&sql, "%s%s", c > 0 ? ", " : "", quote_identifier(writer->columns[c]));
	appendStringInfoString(&sql, ") SELECT ");
	for (c = 0; c < writer->ncolumns; c++)
		appendStringInfo(&sql, "%sunnest($%d)", c > 0 ? ", " : "", c + 1);
	chekt_arrays_execute(writer->arrays, sql.data, SPI_OK_INSERT);
}

/* Write what is left and release the writer; returns the rows written */
uint64
chekt_writer_finish(ChektWriter *writer)
{
	uint64		nrows = writer->nrows;

	if (writer->multi_insert)
	{
		int			i;

		flush_slots(writer);
		FreeBulkInsertState(writer->bistate);
		for (i = 0; i < WRITER_SLOTS && writer->slots[i] != NULL; i++)
			ExecDropSingleTupleTableSlot(writer->slots[i]);
		chekt_direct_end(&writer->direct);
		table_close(writer->rel, NoLock);
		/* later queries of this transaction see the rows */
		CommandCounterIncrement();
	}
	else if (nrows > 0)
		insert_as_sql(writer);
	pfree(writer);
	return nrows;
}
