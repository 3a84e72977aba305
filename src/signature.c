/*-------------------------------------------------------------------------
 *
 * signature.c
 *	  Signing and verifying webhook deliveries (CHeKT, Standard Webhooks)
 *
 * Two schemes, both HMAC-SHA256 over header values and the raw body joined
 * by dots:
 *
 *	chekt				"{timestamp}.{body}"; the X-CHeKT-Signature header
 *						holds lower- or uppercase hex digests, each optionally
 *						prefixed "sha256=" or "v1=", separated by commas
 *						and/or white space (several while a secret rotates).
 *	standard_webhooks	"{webhook-id}.{timestamp}.{body}"; the
 *						webhook-signature header holds space-separated
 *						"v1,<base64>" entries.
 *
 * These functions judge bytes only; whether a timestamp is fresh enough is
 * for ingest to decide.  A header that cannot be parsed simply does not
 * match: verification never raises an error on malformed input, and digests
 * are compared in constant time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/crypto.h>

#include "common/base64.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "signature.h"

/* Length of a digest written in hex */
#define DIGEST_HEX_LEN (2 * CHEKT_HMAC_LEN)

/* The bytes of a text datum, without copying them */
static inline ChektBytes
text_bytes(text *t)
{
	ChektBytes	b;

	b.data = VARDATA_ANY(t);
	b.len = VARSIZE_ANY_EXHDR(t);
	return b;
}

/*
 * Compute the digest a sender using scheme signs a delivery with.
 * message_id is ignored by the chekt scheme.
 */
void
chekt_signing_digest(ChektScheme scheme, const ChektKey *key,
					 ChektBytes message_id, ChektBytes signed_at,
					 ChektBytes body, unsigned char digest[CHEKT_HMAC_LEN])
{
	ChektBytes	dot = {".", 1};
	ChektBytes	pieces[5];
	int			n = 0;

	if (scheme == CHEKT_SCHEME_STANDARD_WEBHOOKS)
	{
		pieces[n++] = message_id;
		pieces[n++] = dot;
	}
	pieces[n++] = signed_at;
	pieces[n++] = dot;
	pieces[n++] = body;
	chekt_hmac_sha256(key->data, key->len, pieces, n, digest);
}

/* Value of a hex digit, or -1 if c is not one */
static inline int
hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Case-insensitive test whether s[0..len) starts with the ASCII prefix */
static bool
has_prefix_ci(const char *s, size_t len, const char *prefix)
{
	size_t		plen = strlen(prefix);

	return len >= plen && pg_strncasecmp(s, prefix, plen) == 0;
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
	if (len != DIGEST_HEX_LEN)
		return false;

	for (i = 0; i < CHEKT_HMAC_LEN; i++)
	{
		int			hi = hex_digit_value(entry[2 * i]);
		int			lo = hex_digit_value(entry[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		given[i] = (unsigned char) (hi << 4 | lo);
	}
	return CRYPTO_memcmp(given, expected, CHEKT_HMAC_LEN) == 0;
}

/*
 * Does one entry of a webhook-signature header (already split off) hold the
 * expected digest?  Entries of other versions (v1a, v2, ...) never match.
 */
static bool
standard_entry_matches(const char *entry, size_t len,
					   const unsigned char expected[CHEKT_HMAC_LEN])
{
	/* pg_b64_decode wants room for the padding bytes too */
	char		given[CHEKT_HMAC_LEN + 2];

	if (len != 3 + CHEKT_DIGEST_BASE64_LEN || memcmp(entry, "v1,", 3) != 0)
		return false;
	if (pg_b64_decode(entry + 3, CHEKT_DIGEST_BASE64_LEN, given,
					  sizeof(given)) != CHEKT_HMAC_LEN)
		return false;
	return CRYPTO_memcmp(given, expected, CHEKT_HMAC_LEN) == 0;
}

/* Does c separate the entries of a signature header under scheme? */
static inline bool
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

/*
 * Shared body of the two verify_* SQL functions: false for a secret that
 * cannot be a key, else whether the header holds the delivery's digest.
 */
static bool
verify_delivery(ChektScheme scheme, text *secret, ChektBytes message_id,
				ChektBytes signed_at, ChektBytes body, text *header)
{
	ChektKey	key;
	unsigned char digest[CHEKT_HMAC_LEN];

	if (chekt_secret_key(scheme, VARDATA_ANY(secret),
						 VARSIZE_ANY_EXHDR(secret), &key) != NULL)
		return false;
	chekt_signing_digest(scheme, &key, message_id, signed_at, body, digest);
	return chekt_signature_header_matches(scheme, digest, VARDATA_ANY(header),
										  VARSIZE_ANY_EXHDR(header));
}

PG_FUNCTION_INFO_V1(chekt_sign);

/*
 * chekt.sign(secret text, signed_at text, body text) RETURNS text
 *
 * Lowercase hex of HMAC-SHA256(secret, signed_at || '.' || body), the value
 * CHeKT puts in X-CHeKT-Signature.
 */
Datum
chekt_sign(PG_FUNCTION_ARGS)
{
	text	   *secret = PG_GETARG_TEXT_PP(0);
	ChektBytes	no_id = {NULL, 0};
	ChektKey	key;
	unsigned char digest[CHEKT_HMAC_LEN];
	char		hex[DIGEST_HEX_LEN];

	chekt_secret_key_or_error(CHEKT_SCHEME_CHEKT, VARDATA_ANY(secret),
							  VARSIZE_ANY_EXHDR(secret), &key);
	chekt_signing_digest(CHEKT_SCHEME_CHEKT, &key, no_id,
						 text_bytes(PG_GETARG_TEXT_PP(1)),
						 text_bytes(PG_GETARG_TEXT_PP(2)), digest);
	hex_encode((const char *) digest, CHEKT_HMAC_LEN, hex);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(hex, DIGEST_HEX_LEN));
}

PG_FUNCTION_INFO_V1(chekt_verify_signature);

/*
 * chekt.verify_signature(secret text, signed_at text, body text,
 *						  signature text) RETURNS boolean
 *
 * True if any entry of an X-CHeKT-Signature header value is the delivery's
 * signature under secret; false for anything else, malformed or not.
 */
Datum
chekt_verify_signature(PG_FUNCTION_ARGS)
{
	ChektBytes	no_id = {NULL, 0};

	PG_RETURN_BOOL(verify_delivery(CHEKT_SCHEME_CHEKT,
								   PG_GETARG_TEXT_PP(0), no_id,
								   text_bytes(PG_GETARG_TEXT_PP(1)),
								   text_bytes(PG_GETARG_TEXT_PP(2)),
								   PG_GETARG_TEXT_PP(3)));
}

PG_FUNCTION_INFO_V1(chekt_sign_standard_webhook);

/*
 * chekt.sign_standard_webhook(secret text, msg_id text, timestamp text,
 *							   body text) RETURNS text
 *
 * The webhook-signature value "v1,<base64>" Standard Webhooks puts on a
 * message; secret is base64 with or without the "whsec_" prefix.
 */
Datum
chekt_sign_standard_webhook(PG_FUNCTION_ARGS)
{
	text	   *secret = PG_GETARG_TEXT_PP(0);
	ChektKey	key;
	unsigned char digest[CHEKT_HMAC_LEN];
	char		signature[3 + CHEKT_DIGEST_BASE64_LEN + 1];
	int			b64_len;

	chekt_secret_key_or_error(CHEKT_SCHEME_STANDARD_WEBHOOKS,
							  VARDATA_ANY(secret), VARSIZE_ANY_EXHDR(secret),
							  &key);
	chekt_signing_digest(CHEKT_SCHEME_STANDARD_WEBHOOKS, &key,
						 text_bytes(PG_GETARG_TEXT_PP(1)),
						 text_bytes(PG_GETARG_TEXT_PP(2)),
						 text_bytes(PG_GETARG_TEXT_PP(3)), digest);

	memcpy(signature, "v1,", 3);
	b64_len = pg_b64_encode((const char *) digest, CHEKT_HMAC_LEN,
							signature + 3, CHEKT_DIGEST_BASE64_LEN + 1);
	if (b64_len != CHEKT_DIGEST_BASE64_LEN)
		elog(ERROR, "base64 of an HMAC-SHA256 digest has %d characters", b64_len);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(signature,
											  3 + CHEKT_DIGEST_BASE64_LEN));
}

PG_FUNCTION_INFO_V1(chekt_verify_standard_webhook);

/*
 * chekt.verify_standard_webhook(secret text, msg_id text, timestamp text,
 *								 body text, signature text) RETURNS boolean
 *
 * True if any "v1," entry of a webhook-signature header value is the
 * message's signature under secret; false for anything else.
 */
Datum
chekt_verify_standard_webhook(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(verify_delivery(CHEKT_SCHEME_STANDARD_WEBHOOKS,
								   PG_GETARG_TEXT_PP(0),
								   text_bytes(PG_GETARG_TEXT_PP(1)),
								   text_bytes(PG_GETARG_TEXT_PP(2)),
								   text_bytes(PG_GETARG_TEXT_PP(3)),
								   PG_GETARG_TEXT_PP(4)));
}
