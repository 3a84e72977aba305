/*-------------------------------------------------------------------------
 *
 * signature_header.c
 *	  Reading a signature header (pure: no backend needed)
 *
 * A signature header is attacker-controlled text; this file reads it, and
 * nothing else.  Under the chekt scheme (X-CHeKT-Signature) it holds lower-
 * or uppercase hex digests, each optionally prefixed "sha256=" or "v1=",
 * separated by commas and/or white space (several while a secret rotates);
 * under standard_webhooks (webhook-signature), space-separated
 * "v1,<base64>" entries, entries of other versions being skipped.
 *
 * A header that cannot be read simply does not match: nothing here fails
 * or allocates, and digests are compared in constant time.  No PostgreSQL
 * header is included, so that a fuzzer drives it without a server
 * (test/fuzz/).
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <openssl/crypto.h>

#include "hex.h"
#include "signature_header.h"

/* Value of a base64 digit (standard alphabet), or -1 */
static int
base64_digit_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Case-insensitive test whether s[0..len) starts with the ASCII prefix */
static bool
has_prefix_ci(const char *s, size_t len, const char *prefix)
{
	size_t		plen = strlen(prefix);
	size_t		i;

	if (len < plen)
		return false;
	for (i = 0; i < plen; i++)
	{
		char		c = s[i];

		if (c >= 'A' && c <= 'Z')
			c = (char) (c - 'A' + 'a');
		if (c != prefix[i])
			return false;
	}
	return true;
}

/*
 * Does one entry of an X-CHeKT-Signature header (already split off) hold
 * the expected digest?
 */
static bool
chekt_entry_matches(const char *entry, size_t len,
					const unsigned char expected[CHEKT_HMAC_LEN])
{
	unsigned char given[CHEKT_HMAC_LEN];
	size_t		i;

	if (has_prefix_ci(entry, len, "sha256="))
	{
		entry += 7;
		len -= 7;
	}
	else if (has_prefix_ci(entry, len, "v1="))
	{
		entry += 3;
		len -= 3;
	}
	if (len != CHEKT_DIGEST_HEX_LEN)
		return false;

	for (i = 0; i < CHEKT_HMAC_LEN; i++)
	{
		int			hi = chekt_hex_digit_value(entry[2 * i]);
		int			lo = chekt_hex_digit_value(entry[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		given[i] = (unsigned char) (hi << 4 | lo);
	}
	return CRYPTO_memcmp(given, expected, CHEKT_HMAC_LEN) == 0;
}

/*
 * Decode the 44 base64 characters of a 32-byte digest (43 digits, then
 * "="); false for anything else, including a last digit with stray bits.
 */
static bool
decode_digest_base64(const char *s, unsigned char digest[CHEKT_HMAC_LEN])
{
	unsigned int bits = 0;
	int			nbits = 0;
	size_t		out = 0;
	size_t		i;

	if (s[CHEKT_DIGEST_BASE64_LEN - 1] != '=')
		return false;
	for (i = 0; i < CHEKT_DIGEST_BASE64_LEN - 1; i++)
	{
		int			v = base64_digit_value(s[i]);

		if (v < 0)
			return false;
		bits = (bits << 6) | (unsigned int) v;
		nbits += 6;
		if (nbits >= 8)
		{
			nbits -= 8;
			digest[out++] = (unsigned char) (bits >> nbits);
			bits &= (1u << nbits) - 1;
		}
	}
	/* 43 digits are 258 bits: 256 of the digest, 2 that must be zero */
	return out == CHEKT_HMAC_LEN && bits == 0;
}

/*
 * Does one entry of a webhook-signature header (already split off) hold the
 * expected digest?  Entries of other versions (v1a, v2, ...) never match.
 */
static bool
standard_entry_matches(const char *entry, size_t len,
					   const unsigned char expected[CHEKT_HMAC_LEN])
{
	unsigned char given[CHEKT_HMAC_LEN];

	if (len != 3 + CHEKT_DIGEST_BASE64_LEN || memcmp(entry, "v1,", 3) != 0)
		return false;
	if (!decode_digest_base64(entry + 3, given))
		return false;
	return CRYPTO_memcmp(given, expected, CHEKT_HMAC_LEN) == 0;
}

/* Does c separate the entries of a signature header under scheme? */
static bool
is_entry_separator(ChektScheme scheme, char c)
{
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
		return true;
	return scheme == CHEKT_SCHEME_CHEKT && c == ',';
}

/*
 * Does any entry of a signature header hold the expected digest?
 */
bool
chekt_signature_header_matches(ChektScheme scheme,
							   const unsigned char expected[CHEKT_HMAC_LEN],
							   const char *header, size_t header_len)
{
	size_t		pos = 0;

	while (pos < header_len)
	{
		size_t		start;

		while (pos < header_len && is_entry_separator(scheme, header[pos]))
			pos++;
		start = pos;
		while (pos < header_len && !is_entry_separator(scheme, header[pos]))
			pos++;
		if (pos == start)
			break;
		if (scheme == CHEKT_SCHEME_CHEKT ?
			chekt_entry_matches(header + start, pos - start, expected) :
			standard_entry_matches(header + start, pos - start, expected))
			return true;
	}
	return false;
}
