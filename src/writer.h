/*-------------------------------------------------------------------------
 *
 * writer.h
 *	  Writing many rows into one table of the extension at once
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_WRITER_H
#define CHEKT_WRITER_H

#include "nodes/execnodes.h"
#include "utils/relcache.h"

typedef struct ChektWriter ChektWriter;
typedef struct ChektArrays ChektArrays;

/* The executor state ingest writes one table with, without a plan */
typedef struct ChektDirect
{
	EState	   *estate;
	ResultRelInfo *rri;			/* the table, with its indexes open */
} ChektDirect;

extern bool chekt_writable_directly(Relation rel, CmdType cmd);
extern void chekt_direct_begin(ChektDirect *direct, Relation rel, AclMode perms,
							   Bitmapset *updated_cols);
extern void chekt_direct_end(ChektDirect *direct);

extern ChektWriter *chekt_writer_begin(const char *table, int ncolumns,
									   const char *const *columns,
									   const Oid *types);
extern ChektWriter *chekt_writer_begin_relid(Oid relid, int ncolumns,
											 const char *const *columns,
											 const Oid *types);
extern void chekt_writer_add(ChektWriter *writer, const Datum *values,
							 const bool *nulls);
extern uint64 chekt_writer_finish(ChektWriter *writer);

extern ChektArrays *chekt_arrays_begin(int ncolumns, const Oid *types);
extern void chekt_arrays_add(ChektArrays *arrays, const Datum *values,
							 const bool *nulls);
extern uint64 chekt_arrays_count(const ChektArrays *arrays);
extern void chekt_arrays_execute(ChektArrays *arrays, const char *sql,
								 int expected);

#endif							/* CHEKT_WRITER_H */
