/*-------------------------------------------------------------------------
 *
 * authenticate.h
 *	  Is a delivery from the app it claims, signed recently enough?
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_AUTHENTICATE_H
#define CHEKT_AUTHENTICATE_H


#include "delivery.h"
#include "outcome.h"

typedef struct ChektAuthCache ChektAuthCache;

extern ChektAuthCache *chekt_auth_cache_create(MemoryContext cxt);
extern bool chekt_auth_cache_needs(const ChektAuthCache *cache, const text *app);
extern void chekt_auth_cache_load(ChektAuthCache *cache, const text *app);
extern ChektOutcome chekt_authenticate(const ChektAuthCache *cache,
									   const ChektDelivery *delivery,
									   char **detail);

#endif							/* CHEKT_AUTHENTICATE_H */
