/*-------------------------------------------------------------------------
 *
 * rfc3339.c
 *	  Strict RFC 3339 timestamps
 *
 * Accepts exactly the date-time production of RFC 3339 section 5.6:
 *
 *	YYYY-MM-DD "T" hh:mm:ss [ "." 1*DIGIT ] ( "Z" / ("+" / "-") hh:mm )
 *
 * with "T" and "Z" in either case.  PostgreSQL's timestamptz input is far
 * more lenient ("now", "epoch", "infinity", "May 26", bare numbers, missing
 * zones taken from the session's TimeZone); an event's time must not depend
 * on any of that.  Fractions beyond microseconds are truncated; a leap second
 * (60) counts as the first second of the next minute, as in PostgreSQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/datetime.h"

#include "rfc3339.h"

/*
 * Parse exactly len decimal digits at s (at most 18, so that any fits) into
 * *value; false if there are none, too many, or any is not a digit.
 */
bool
chekt_parse_decimal(const char *s, size_t len, int64 *value)
{
	int64		v = 0;
	size_t		i;

	if (len == 0 || len > 18)
		return false;
	for (i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

/* Parse n decimal digits at s into *value; false if any is not a digit */
static bool
parse_digits(const char *s, int n, int *value)
{
	int64		v;

	if (!chekt_parse_decimal(s, n, &v))
		return false;
	*value = (int) v;
	return true;
}

/*
 * Parse an RFC 3339 date-time of len bytes at s into *result.  Returns false
 * for anything else, without raising an error.
 */
bool
chekt_parse_rfc3339(const char *s, size_t len, TimestampTz *result)
{
	int			year,
				month,
				day,
				hour,
				minute,
				second,
				offset_hour = 0,
				offset_minute = 0,
				offset_sign = 0;
	int64		fraction_usec = 0;
	size_t		pos;
	int64		days;

	/* "YYYY-MM-DDThh:mm:ss" */
	if (len < 20 ||
		!parse_digits(s, 4, &year) || s[4] != '-' ||
		!parse_digits(s + 5, 2, &month) || s[7] != '-' ||
		!parse_digits(s + 8, 2, &day) ||
		(s[10] != 'T' && s[10] != 't') ||
		!parse_digits(s + 11, 2, &hour) || s[13] != ':' ||
		!parse_digits(s + 14, 2, &minute) || s[16] != ':' ||
		!parse_digits(s + 17, 2, &second))
		return false;
	pos = 19;

	/* optional fraction: at least one digit, microseconds kept */
	if (s[pos] == '.')
	{
		int64		scale = 100000;
		size_t		start = ++pos;

		while (pos < len && s[pos] >= '0' && s[pos] <= '9')
		{
			fraction_usec += (s[pos] - '0') * scale;
			scale /= 10;
			pos++;
		}
		if (pos == start)
			return false;
	}

	/* zone: Z or +hh:mm / -hh:mm, then nothing more */
	if (pos < len && (s[pos] == 'Z' || s[pos] == 'z'))
		pos++;
	else if (pos + 6 <= len && (s[pos] == '+' || s[pos] == '-'))
	{
		offset_sign = s[pos] == '+' ? 1 : -1;
		if (!parse_digits(s + pos + 1, 2, &offset_hour) || s[pos + 3] != ':' ||
			!parse_digits(s + pos + 4, 2, &offset_minute))
			return false;
		pos += 6;
	}
	else
		return false;
	if (pos != len)
		return false;

	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		day > day_tab[isleap(year)][month - 1] ||
		hour > 23 || minute > 59 || second > 60 ||
		offset_hour > 23 || offset_minute > 59)
		return false;

	days = date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
	*result = days * USECS_PER_DAY +
		((int64) hour * MINS_PER_HOUR + minute) * USECS_PER_MINUTE +
		(int64) second * USECS_PER_SEC + fraction_usec -
		offset_sign * ((int64) offset_hour * MINS_PER_HOUR + offset_minute) * USECS_PER_MINUTE;
	return true;
}
