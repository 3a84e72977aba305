/*-------------------------------------------------------------------------
 *
 * replay.h
 *	  --replay: captured deliveries, bulk-loaded through the same COPY path
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_REPLAY_H
#define CHEKT_INGEST_REPLAY_H

#include "pump.h"

extern int	replay_file(const char *path, const PumpConfig *pump);

#endif							/* CHEKT_INGEST_REPLAY_H */
