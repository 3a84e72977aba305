/*-------------------------------------------------------------------------
 *
 * log.h
 *	  Log lines on standard error
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_INGEST_LOG_H
#define CHEKT_INGEST_LOG_H

#include <stdbool.h>

extern bool log_verbose;

extern void log_line(const char *level, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

#define log_info(...) log_line("info", __VA_ARGS__)
#define log_warning(...) log_line("warning", __VA_ARGS__)
#define log_error(...) log_line("error", __VA_ARGS__)
#define log_debug(...) do { if (log_verbose) log_line("debug", __VA_ARGS__); } while (0)

#endif							/* CHEKT_INGEST_LOG_H */
