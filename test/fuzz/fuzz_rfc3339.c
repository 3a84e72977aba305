/*-------------------------------------------------------------------------
 *
 * fuzz_rfc3339.c
 *	  libFuzzer target: any bytes as an RFC 3339 timestamp and as Unix
 *	  seconds, through rfc3339.c
 *
 * Besides the sanitizers' own checks: what is accepted has the shape of
 * RFC 3339 and a time between years 1 and 9999 (a day either side for the
 * zone), and parsing is deterministic.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rfc3339.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 0001-01-01 and 10000-01-01 in microseconds from 2000-01-01, a day wider */
#define EARLIEST (INT64_C(-63082281600000000) - INT64_C(86400000000))
#define LATEST (INT64_C(252455616000000000) + INT64_C(86400000000))

/* One input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so that a read past the end is caught */
	char	   *s = malloc(size == 0 ? 1 : size);
	int64_t		ts;
	int64_t		again;
	int64_t		seconds;

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	if (chekt_parse_rfc3339(s, size, &ts))
	{
		if (size < 20 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
			ts < EARLIEST || ts > LATEST)
			abort();
		if (!chekt_parse_rfc3339(s, size, &again) || again != ts)
			abort();
	}
	if (chekt_parse_decimal(s, size, &seconds) && (size == 0 || size > 18 || seconds < 0))
		abort();
	free(s);
	return 0;
}
