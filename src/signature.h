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

extern void chekt_signing_digest(ChektScheme scheme, const ChektKey *key,
								 ChektBytes message_id, ChektBytes signed_at,
								 ChektBytes body,
								 unsigned char digest[CHEKT_HMAC_LEN]);

#endif							/* CHEKT_SIGNATURE_H */
