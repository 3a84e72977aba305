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
 *	ingest.c		chekt.inbox's triggers, chekt.ingest(), retry_rejected()
 *	batch.c			one statement's deliveries, checked as they arrive
 *	authenticate.c	app, secret, signature and replay window
 *	parse.c			JSON (jansson), envelope and payload against the catalog
 *	rfc3339.c		strict RFC 3339 timestamps
 *	catalog.c		the event type catalog, read from chekt.event_types
 *	route.c			set-based writes: events, family tables, quarantine
 *	owner_spi.c		ingest's own queries, run as the inbox owner
 *	outcome.c		outcome and reason codes
 *	outcome_log.c	each delivery's outcome, for chekt.transaction_outcomes()
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "ingest.h"
#include "outcome_log.h"
#include "parse.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Set up the subsystems when the library is loaded */
void
_PG_init(void)
{
	chekt_parse_init();
	/* before ingest reserves the "chekt." prefix, so a SET made earlier holds */
	chekt_outcome_log_init();
	chekt_ingest_init();
}
