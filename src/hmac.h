/*-------------------------------------------------------------------------
 *
 * hmac.h
 *	  HMAC-SHA256 over a message given in several pieces (OpenSSL)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_HMAC_H
#define CHEKT_HMAC_H

/* Length in bytes of an HMAC-SHA256 digest */
#define CHEKT_HMAC_LEN 32

/* One piece of a message: bytes that need not be NUL-terminated */
typedef struct ChektBytes
{
	const char *data;
	size_t		len;
} ChektBytes;

extern void chekt_hmac_sha256(const unsigned char *key, size_t keylen,
							  const ChektBytes *pieces, int npieces,
							  unsigned char digest[CHEKT_HMAC_LEN]);

#endif							/* CHEKT_HMAC_H */
