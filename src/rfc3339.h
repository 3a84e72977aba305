/*-------------------------------------------------------------------------
 *
 * rfc3339.h
 *	  Strict RFC 3339 timestamps (pure: no backend needed)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_RFC3339_H
#define CHEKT_RFC3339_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

extern bool chekt_parse_decimal(const char *s, size_t len, int64_t *value);
extern bool chekt_parse_rfc3339(const char *s, size_t len, int64_t *result);

#endif							/* CHEKT_RFC3339_H */
