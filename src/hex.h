/*-------------------------------------------------------------------------
 *
 * hex.h
 *	  The value of a hex digit, for the extension and chekt-ingest alike
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_HEX_H
#define CHEKT_HEX_H

/* Value of a hex digit (either case), or -1 if c is not one */
static inline int
chekt_hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif							/* CHEKT_HEX_H */
