/*-------------------------------------------------------------------------
 *
 * secret.c
 *	  Signature schemes and the signing keys their secrets stand for
 *
 * A CHeKT secret is used as the HMAC key byte for byte.  A Standard Webhooks
 * secret is base64, optionally behind a "whsec_" prefix, and the key is what
 * the base64 decodes to.  Nothing in this file ever puts a secret, or any
 * part of one, into a message.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/base64.h"
#include "fmgr.h"
#include "utils/builtins.h"

#include "compat.h"
#include "secret.h"

/* Prefix Standard Webhooks puts before the base64 of a secret */
#define STANDARD_WEBHOOKS_SECRET_PREFIX "whsec_"

/*
 * Look up a scheme by the name used in chekt_private.apps.scheme.  Returns false for
 * a name that is not a scheme.
 */
bool
chekt_scheme_from_name(const char *name, ChektScheme *scheme)
{
	if (strcmp(name, "chekt") == 0)
		*scheme = CHEKT_SCHEME_CHEKT;
	else if (strcmp(name, "standard_webhooks") == 0)
		*scheme = CHEKT_SCHEME_STANDARD_WEBHOOKS;
	else
		return false;
	return true;
}

/* The name of a scheme, as stored in chekt_private.apps.scheme */
const char *
chekt_scheme_name(ChektScheme scheme)
{
	return scheme == CHEKT_SCHEME_CHEKT ? "chekt" : "standard_webhooks";
}

/*
 * Derive the HMAC key that a secret stands for under a scheme.
 *
 * Returns NULL and fills *key on success; the key either points into secret
 * or is palloc'd in the current memory context.  Returns a description of
 * what is wrong (a constant string naming no part of the secret) when the
 * secret cannot be used.
 */
const char *
chekt_secret_key(ChektScheme scheme, const char *secret, size_t secret_len,
				 ChektKey *key)
{
	size_t		prefix_len = strlen(STANDARD_WEBHOOKS_SECRET_PREFIX);
	const char *b64;
	size_t		b64_len;
	char	   *padded;
	char	   *decoded;
	int			decoded_len;

	if (secret_len == 0)
		return "The secret is empty";

	if (scheme == CHEKT_SCHEME_CHEKT)
	{
		key->data = (const unsigned char *) secret;
		key->len = secret_len;
		return NULL;
	}

	b64 = secret;
	b64_len = secret_len;
	if (b64_len >= prefix_len &&
		memcmp(b64, STANDARD_WEBHOOKS_SECRET_PREFIX, prefix_len) == 0)
	{
		b64 += prefix_len;
		b64_len -= prefix_len;
	}
	if (b64_len == 0)
		return "The secret has no base64 after its \"whsec_\" prefix";
	if (b64_len > PG_INT32_MAX / 2)
		return "The secret is too long";

	/* Senders often drop the "=" padding; restore it before decoding. */
	padded = palloc(b64_len + 4);
	memcpy(padded, b64, b64_len);
	while (b64_len % 4 != 0)
		padded[b64_len++] = '=';

	decoded = palloc(pg_b64_dec_len((int) b64_len));
	decoded_len = pg_b64_decode(padded, (int) b64_len, CHEKT_B64_BYTES_OUT(decoded),
								pg_b64_dec_len((int) b64_len));
	pfree(padded);
	if (decoded_len <= 0)
	{
		pfree(decoded);
		return "The secret is not valid base64";
	}

	key->data = (const unsigned char *) decoded;
	key->len = (size_t) decoded_len;
	return NULL;
}

/*
 * Derive the HMAC key that a secret stands for under a scheme, raising an
 * error that says what is wrong (without showing the secret) if it cannot.
 */
void
chekt_secret_key_or_error(ChektScheme scheme, const char *secret,
						  size_t secret_len, ChektKey *key)
{
	const char *problem = chekt_secret_key(scheme, secret, secret_len, key);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("secret cannot be used with the \"%s\" scheme",
						chekt_scheme_name(scheme)),
				 errdetail("%s.", problem),
				 scheme == CHEKT_SCHEME_STANDARD_WEBHOOKS ?
				 errhint("A Standard Webhooks secret is base64, optionally prefixed with \"whsec_\"; copy it exactly as the sender shows it.") :
				 errhint("Copy the app's webhook secret exactly as CHeKT shows it.")));
}

/*
 * Look up a scheme by name, raising an error that lists the schemes if there
 * is none of that name.
 */
ChektScheme
chekt_scheme_from_name_or_error(const char *name)
{
	ChektScheme scheme;

	if (!chekt_scheme_from_name(name, &scheme))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown signature scheme \"%s\"", name),
				 errhint("Use \"chekt\" (X-CHeKT-Signature) or \"standard_webhooks\" (webhook-signature).")));
	return scheme;
}

PG_FUNCTION_INFO_V1(chekt_validate_secret);

/*
 * chekt.validate_secret(secret text, scheme text) RETURNS void
 *
 * Raises an error saying what is wrong when secret cannot sign deliveries
 * under scheme; returns quietly otherwise.
 */
Datum
chekt_validate_secret(PG_FUNCTION_ARGS)
{
	text	   *secret = PG_GETARG_TEXT_PP(0);
	ChektScheme scheme;
	ChektKey	key;

	scheme = chekt_scheme_from_name_or_error(text_to_cstring(PG_GETARG_TEXT_PP(1)));
	chekt_secret_key_or_error(scheme, VARDATA_ANY(secret),
							  VARSIZE_ANY_EXHDR(secret), &key);
	PG_RETURN_VOID();
}
