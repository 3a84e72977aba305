/*-------------------------------------------------------------------------
 *
 * fuzz_signature_header.c
 *	  libFuzzer target: any bytes as a signature header, through
 *	  signature_header.c, under both schemes
 *
 * The first byte picks the scheme, the rest is the header.  Besides the
 * sanitizers' own checks: a header never matches a digest it does not
 * hold, and the reading is the same whatever the bytes around it.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "signature_header.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The digest signed: 32 bytes the seeds hold (hex 00..1f, and its base64) */
static const unsigned char digest[CHEKT_HMAC_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
	0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
};

/* One header */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ChektScheme scheme;
	char	   *header;
	unsigned char other[CHEKT_HMAC_LEN];
	bool		matches;

	if (size == 0)
		return 0;
	scheme = (data[0] & 1) ? CHEKT_SCHEME_STANDARD_WEBHOOKS : CHEKT_SCHEME_CHEKT;
	/* an exact-size copy, so that a read past the end is caught */
	header = malloc(size - 1 == 0 ? 1 : size - 1);
	if (header == NULL)
		abort();
	memcpy(header, data + 1, size - 1);
	matches = chekt_signature_header_matches(scheme, digest, header, size - 1);

	/* a header short of two entries cannot hold two different digests */
	memcpy(other, digest, sizeof(other));
	other[size % CHEKT_HMAC_LEN] ^= (unsigned char) (1 << (size % 8));
	if (matches && chekt_signature_header_matches(scheme, other, header, size - 1) &&
		size - 1 < 2 * CHEKT_DIGEST_BASE64_LEN)
		abort();
	if (matches != chekt_signature_header_matches(scheme, digest, header, size - 1))
		abort();
	free(header);
	return 0;
}
