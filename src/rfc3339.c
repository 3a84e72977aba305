/*-------------------------------------------------------------------------
 *
 * rfc3339.c
 *	  Strict RFC 3339 timestamps (pure: no backend needed)
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
 * The result counts microseconds from 2000-01-01 00:00:00 UTC, as a
 * TimestampTz does.  This file includes no PostgreSQL header, so that a
 * fuzzer drives it without a server (test/fuzz/).
 *
 *-------------------------------------------------------------------------
 */
#include "rfc3339.h"

#define USECS_PER_SECOND INT64_C(1000000)
#define SECONDS_PER_DAY INT64_C(86400)

/*
 * Parse exactly len decimal digits at s (at most 18, so that any fits) into
 * *value; false if there are none, too many, or any is not a digit.
 */
bool
chekt_parse_decimal(const char *s, size_t len, int64_t *value)
{
	int64_t		v = 0;
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
	int64_t		v;

	if (!chekt_parse_decimal(s, (size_t) n, &v))
		return false;
	*value = (int) v;
	return true;
}

/* Is year a leap year of the Gregorian calendar? */
static bool
is_leap(int year)
{
	return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/* Days in a month (1-12) of a year */
static int
days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/*
 * Days from 2000-01-01 to a date of the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil, shifted to PostgreSQL's epoch).
 */
static int64_t
days_from_2000(int year, int month, int day)
{
	int64_t		y = year - (month <= 2);
	int64_t		era = (y >= 0 ? y : y - 399) / 400;
	int64_t		year_of_era = y - era * 400;
	int64_t		day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t		day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;

	/* day 730425 of that count is 2000-01-01 */
	return era * 146097 + day_of_era - 730425;
}

/*
 * Parse an RFC 3339 date-time of len bytes at s into *result.  Returns false
 * for anything else, without raising an error.
 */
bool
chekt_parse_rfc3339(const char *s, size_t len, int64_t *result)
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
	int64_t		fraction_usec = 0;
	size_t		pos;

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
		int64_t		scale = 100000;
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
		day > days_in_month(year, month) ||
		hour > 23 || minute > 59 || second > 60 ||
		offset_hour > 23 || offset_minute > 59)
		return false;

	*result = days_from_2000(year, month, day) * SECONDS_PER_DAY * USECS_PER_SECOND +
		(((int64_t) hour * 60 + minute) * 60 + second) * USECS_PER_SECOND +
		fraction_usec -
		offset_sign * ((int64_t) offset_hour * 60 + offset_minute) * 60 * USECS_PER_SECOND;
	return true;
}
