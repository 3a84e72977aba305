/*-------------------------------------------------------------------------
 *
 * metrics.h
 *	  Counters and histograms, served in Prometheus text format
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_METRICS_H
#define CHEKT_INGEST_METRICS_H

#include <stddef.h>

extern void metrics_count_outcome(const char *outcome, size_t body_bytes);
extern void metrics_count_unauthenticated(size_t body_bytes);
extern void metrics_count_response(unsigned int status);
extern void metrics_observe_batch(int size, double commit_seconds, int committed);
extern void metrics_count_reconnect(void);
extern void metrics_set_database_up(int up);
extern void metrics_add_in_flight(int delta);
extern void metrics_add_queued(int delta);
extern long metrics_in_flight(void);
extern char *metrics_render(size_t *len);

#endif							/* CHEKT_INGEST_METRICS_H */
