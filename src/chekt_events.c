/*-------------------------------------------------------------------------
 *
 * chekt_events.c
 *	  Entry point of the chekt_events extension
 *
 * The extension turns signed CHeKT webhook deliveries into verified, typed
 * rows.  Each step of that path lives in its own file under src/:
 *
 *	hmac.c			HMAC-SHA256 over a message in pieces (OpenSSL)
 *	secret.c		signature schemes and the keys their secrets stand for
 *	signature.c		signing and verifying deliveries; chekt.sign() & co.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

PG_MODULE_MAGIC;
