/*-------------------------------------------------------------------------
 *
 * ingest.h
 *	  chekt.inbox's triggers, chekt.ingest() and chekt.retry_rejected()
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_H
#define CHEKT_INGEST_H

extern void chekt_ingest_init(void);

#endif							/* CHEKT_INGEST_H */
