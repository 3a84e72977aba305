/*-------------------------------------------------------------------------
 *
 * owner.h
 *	  Running ingest's own work as the owner of chekt_private.inbox
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_OWNER_H
#define CHEKT_OWNER_H

#include "executor/spi.h"

/* Work to run as the owner; arg is the caller's */
typedef void (*ChektOwnerWork) (void *arg);

extern Oid	chekt_inbox_owner(void);
extern void chekt_as_owner(Oid owner, ChektOwnerWork work, void *arg);
extern ErrorData *chekt_try_as_owner(Oid owner, ChektOwnerWork work, void *arg);

/* SPI calls for owner work, each leaving the caller's memory context current */
extern void chekt_owner_execute(const char *sql, int nargs, const Oid *types,
								const Datum *values, const char *nulls,
								bool read_only, int expected);
extern Portal chekt_owner_cursor(const char *sql, int nargs, const Oid *types,
								 const Datum *values, const char *nulls);
extern void chekt_owner_fetch(Portal portal, long count);

#endif							/* CHEKT_OWNER_H */
