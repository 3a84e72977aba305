/*-------------------------------------------------------------------------
 *
 * pump.h
 *	  Group commit: queued deliveries, written in batches by a few writers
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_PUMP_H
#define CHEKT_INGEST_PUMP_H

#include "delivery.h"

typedef struct PumpConfig
{
	const char *conninfo;
	int			writers;		/* database connections, one thread each */
	int			batch_max;		/* deliveries per transaction at most */
	int			batch_delay_us; /* how long a batch waits to fill */
	int			queue_max;		/* queued deliveries before submit waits */
	int			patience_seconds;	/* retry a batch the database could not
									 * take for this long (0: fail at once) */
} PumpConfig;

extern bool pump_start(const PumpConfig *config);
extern void pump_submit(Delivery *delivery, bool may_wait);
extern bool pump_gave_up(void);
extern void pump_hurry(void);
extern void pump_stop(int timeout_seconds);

#endif							/* CHEKT_INGEST_PUMP_H */
