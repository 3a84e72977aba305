/*-------------------------------------------------------------------------
 *
 * signature.h
 *	  Signing and verifying webhook deliveries (CHeKT, Standard Webhooks)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_SIGNATURE_H
#define CHEKT_SIGNATURE_H

#include "hmac.h"
#include "secret.h"

/* Length of a Standard Webhooks v1 signature's base64 (32 bytes, padded) */
#define CHEKT_DIGEST_BASE64_LEN 44

extern void chekt_signing_digest(ChektScheme scheme, const ChektKey *key,
								 ChektBytes message_id, ChektBytes signed_at,
								 ChektBytes body,
								 unsigned char digest[CHEKT_HMAC_LEN]);
extern bool chekt_signature_header_matches(ChektScheme scheme,
										   const unsigned char digest[CHEKT_HMAC_LEN],
										   const char *header, size_t header_len);

#endif							/* CHEKT_SIGNATURE_H */
