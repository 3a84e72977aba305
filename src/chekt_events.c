/*-------------------------------------------------------------------------
 *
 * chekt_events.c
 *	  Entry point of the chekt_events extension
 *
 * The extension turns signed CHeKT webhook deliveries into verified, typed
 * rows.  Each step of that path lives in its own file under src/, here in
 * the order a delivery meets them:
 *
 *	entry.c			the SQL entry points: chekt_private.inbox's triggers,
 *					ingest(), retry_rejected(), transaction_outcomes()
 *	delivery.c		a row of chekt_private.inbox (or chekt_private.rejected) as a delivery
 *	xact_state.c	what lives for a transaction: statement batches, the
 *					outcome log, their (sub)transaction callbacks
 *	batch.c			a batch of deliveries: judged as they come, written
 *					set-based, the fast way or the careful way
 *	receipt.c		the time a delivery is judged at: now(), unless the
 *					inserting role may backfill
 *	judge.c			judging one delivery, in the order of the reasons:
 *	  authenticate.c	app, secret, signature, replay window
 *	  signature.c		signing and verifying; chekt.sign() & co.
 *	  secret.c			signature schemes and their keys
 *	  hmac.c			HMAC-SHA256 over a message in pieces (OpenSSL)
 *	  parse.c			JSON (jansson), envelope and payload
 *	  rfc3339.c			strict RFC 3339 timestamps
 *	  catalog.c			the event type catalog, chekt.event_types
 *	owner.c			running ingest's own work as the inbox owner: one
 *					subtransaction, SPI, user switch, search_path
 *	store_events.c	dedupe, chekt_private.events, the family tables
 *	store_refusals.c	the quarantine, chekt_private.rejected
 *	writer.c		many rows into one table at once
 *	outcome.c		outcome names (chekt_protocol.h) and chekt.outcomes()
 *	analyst_scope.c	the apps an analyst may read, for the row level
 *					security of the family tables
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "analyst_scope.h"
#include "catalog.h"
#include "judge.h"
#include "schemas.h"
#include "store_refusals.h"
#include "xact_state.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Define the settings and set up the subsystems when the library is loaded */
void
_PG_init(void)
{
	/* before the "chekt." prefix is reserved, so a SET made earlier holds */
	chekt_xact_state_init();
	chekt_catalog_init();
	chekt_analyst_scope_init();
	chekt_schemas_init();
	DefineCustomIntVariable("chekt.max_body_bytes",
							"Largest webhook body ingest accepts.",
							"Larger deliveries are quarantined in chekt_private.rejected with reason oversize.",
							&chekt_max_body_bytes,
							256 * 1024, 1, MaxAllocSize - VARHDRSZ,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
	/* superuser only: whoever may raise it may fill the disk */
	DefineCustomIntVariable("chekt.max_unauthenticated_body_bytes",
							"Most bytes of the body of an unauthenticated delivery kept in quarantine.",
							"unknown_app, bad_signature and stale_signature deliveries keep their body's length and SHA-256 and at most this much of it.",
							&chekt_max_unauthenticated_body_bytes,
							8 * 1024, 0, MaxAllocSize - VARHDRSZ,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("chekt");
}
