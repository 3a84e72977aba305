/*-------------------------------------------------------------------------
 *
 * writer.h
 *	  Writing many rows into one table of the extension at once
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_WRITER_H
#define CHEKT_WRITER_H

typedef struct ChektWriter ChektWriter;

extern ChektWriter *chekt_writer_begin(const char *table, int ncolumns,
									   const char *const *columns,
									   const Oid *types);
extern void chekt_writer_add(ChektWriter *writer, const Datum *values,
							 const bool *nulls);
extern uint64 chekt_writer_finish(ChektWriter *writer);

#endif							/* CHEKT_WRITER_H */
