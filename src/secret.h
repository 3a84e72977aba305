/*-------------------------------------------------------------------------
 *
 * secret.h
 *	  Signature schemes and the signing keys their secrets stand for
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_SECRET_H
#define CHEKT_SECRET_H

/* How a webhook sender signs its deliveries */
typedef enum ChektScheme
{
	CHEKT_SCHEME_CHEKT,			/* X-CHeKT-Signature: hex HMAC of "ts.body" */
	CHEKT_SCHEME_STANDARD_WEBHOOKS	/* webhook-signature: v1,base64 of "id.ts.body" */
} ChektScheme;

/* The HMAC key a secret stands for */
typedef struct ChektKey
{
	const unsigned char *data;
	size_t		len;
} ChektKey;

extern bool chekt_scheme_from_name(const char *name, ChektScheme *scheme);
extern ChektScheme chekt_scheme_from_name_or_error(const char *name);
extern const char *chekt_scheme_name(ChektScheme scheme);
extern const char *chekt_secret_key(ChektScheme scheme, const char *secret,
									size_t secret_len, ChektKey *key);
extern void chekt_secret_key_or_error(ChektScheme scheme, const char *secret,
									  size_t secret_len, ChektKey *key);

#endif							/* CHEKT_SECRET_H */
