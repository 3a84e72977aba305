/*-------------------------------------------------------------------------
 *
 * hmac.c
 *	  HMAC-SHA256 over a message given in several pieces (OpenSSL)
 *
 * Both signature schemes sign a message made of header values and the raw
 * body joined by dots.  Feeding the pieces to the MAC one after another
 * avoids copying a body of up to megabytes just to sign it.
 *
 * OpenSSL allocates outside PostgreSQL's memory contexts, so nothing here may
 * raise an error while an OpenSSL object is alive: failures are collected and
 * reported only after the context has been freed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "hmac.h"

/* The HMAC algorithm, fetched from OpenSSL once per backend */
static EVP_MAC *hmac_algorithm = NULL;

/* Digest parameter for EVP_MAC_init (OpenSSL wants a non-const string) */
static char hmac_digest_name[] = "SHA256";

/*
 * Compute HMAC-SHA256 under key of the concatenation of pieces into digest.
 * Raises an error only if OpenSSL itself fails (in practice, out of memory).
 */
void
chekt_hmac_sha256(const unsigned char *key, size_t keylen,
				  const ChektBytes *pieces, int npieces,
				  unsigned char digest[CHEKT_HMAC_LEN])
{
	EVP_MAC_CTX *ctx;
	OSSL_PARAM	params[2];
	size_t		digest_len = 0;
	bool		ok;
	int			i;

	if (hmac_algorithm == NULL)
	{
		hmac_algorithm = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
		if (hmac_algorithm == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_SYSTEM_ERROR),
					 errmsg("could not load the HMAC algorithm from OpenSSL")));
	}

	ctx = EVP_MAC_CTX_new(hmac_algorithm);
	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("OpenSSL could not allocate an HMAC context.")));

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
												 hmac_digest_name, 0);
	params[1] = OSSL_PARAM_construct_end();

	ok = EVP_MAC_init(ctx, key, keylen, params) == 1;
	for (i = 0; ok && i < npieces; i++)
		ok = EVP_MAC_update(ctx, (const unsigned char *) pieces[i].data,
							pieces[i].len) == 1;
	if (ok)
		ok = EVP_MAC_final(ctx, digest, &digest_len, CHEKT_HMAC_LEN) == 1 &&
			digest_len == CHEKT_HMAC_LEN;
	EVP_MAC_CTX_free(ctx);

	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_SYSTEM_ERROR),
				 errmsg("could not compute an HMAC-SHA256 digest with OpenSSL")));
}
