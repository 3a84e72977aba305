/*-------------------------------------------------------------------------
 *
 * rfc3339.h
 *	  Strict RFC 3339 timestamps
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_RFC3339_H
#define CHEKT_RFC3339_H

#include "datatype/timestamp.h"

extern bool chekt_parse_decimal(const char *s, size_t len, int64 *value);
extern bool chekt_parse_rfc3339(const char *s, size_t len, TimestampTz *result);

#endif							/* CHEKT_RFC3339_H */
