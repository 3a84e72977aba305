/*-------------------------------------------------------------------------
 *
 * citus.h
 *	  What ingest must know of Citus, when the extension runs on it
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_CITUS_H
#define CHEKT_CITUS_H

extern bool chekt_citus_distributes(Oid relid);

#endif							/* CHEKT_CITUS_H */
