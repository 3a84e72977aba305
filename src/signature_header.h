/*-------------------------------------------------------------------------
 *
 * signature_header.h
 *	  Reading a signature header (pure: no backend needed)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_SIGNATURE_HEADER_H
#define CHEKT_SIGNATURE_HEADER_H

#include <stdbool.h>
#include <stddef.h>

#include "hmac.h"
#include "secret.h"

/* Length of a digest written in hex */
#define CHEKT_DIGEST_HEX_LEN (2 * CHEKT_HMAC_LEN)

/* Length of a Standard Webhooks v1 signature's base64 (32 bytes, padded) */
#define CHEKT_DIGEST_BASE64_LEN 44

extern bool chekt_signature_header_matches(ChektScheme scheme,
										   const unsigned char digest[CHEKT_HMAC_LEN],
										   const char *header, size_t header_len);

#endif							/* CHEKT_SIGNATURE_HEADER_H */
