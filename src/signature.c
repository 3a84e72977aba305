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
 * for ingest to decide.  Reading the header is signature_header.c's: a
 * header that cannot be read simply does not match, so verification never
 * raises an error on malformed input, and digests are compared in constant
 * time.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"


#include "common/base64.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "signature.h"
#include "signature_header.h"

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
	char		hex[CHEKT_DIGEST_HEX_LEN];

	chekt_secret_key_or_error(CHEKT_SCHEME_CHEKT, VARDATA_ANY(secret),
							  VARSIZE_ANY_EXHDR(secret), &key);
	chekt_signing_digest(CHEKT_SCHEME_CHEKT, &key, no_id,
						 text_bytes(PG_GETARG_TEXT_PP(1)),
						 text_bytes(PG_GETARG_TEXT_PP(2)), digest);
	hex_encode((const char *) digest, CHEKT_HMAC_LEN, hex);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(hex, CHEKT_DIGEST_HEX_LEN));
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
	b64_len = pg_b64_encode(CHEKT_B64_BYTES_IN(digest), CHEKT_HMAC_LEN,
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
