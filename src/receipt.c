/*-------------------------------------------------------------------------
 *
 * receipt.c
 *	  The time a delivery is judged at: the database's, unless the
 *	  inserting role may backfill
 *
 * The replay window and a secret's active period are measured from a
 * delivery's receipt time, so whoever chooses that time chooses which
 * secrets sign and how old a signature may be.  A role that may only feed
 * deliveries gets the transaction's time (now()), whatever received_at it
 * gives; only the inbox owner (the extension owner), superusers, and
 * roles given chekt.grant_backfill() (and their members) are believed, for
 * replays and backfills.  A NULL received_at is now() for everyone.  What
 * a feeder without the right supplied is ignored, not refused: a refusal
 * would fail the whole COPY it rides in; a delivery that is then refused
 * as unauthenticated says why in its detail.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "owner.h"
#include "receipt.h"
#include "schemas.h"

/* Nobody asked about yet */
void
chekt_receipt_init(ChektReceipt *receipt, Oid owner)
{
	receipt->owner = owner;
	receipt->user = InvalidOid;
	receipt->may_backfill = -1;
}

/* What asking chekt_private.backfillers needs */
typedef struct BackfillQuestion
{
	Oid			user;
	bool		answer;
} BackfillQuestion;

/* Owner work: is the user a member of a role in chekt_private.backfillers? */
static void
ask_backfillers(void *arg)
{
	BackfillQuestion *question = arg;
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(question->user)};
	bool		isnull;

	chekt_owner_execute(psprintf("SELECT EXISTS (SELECT FROM %s b"
								 "                 JOIN pg_catalog.pg_roles r ON r.oid = b.backfiller::oid"
								 "                WHERE pg_catalog.pg_has_role($1, r.oid, 'USAGE'))",
								 chekt_relation_name("backfillers")),
						1, types, values, NULL, true, SPI_OK_SELECT);
	question->answer = SPI_processed == 1 &&
		DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)) &&
		!isnull;
}

/* May the current user supply received_at? */
static bool
may_backfill(ChektReceipt *receipt)
{
	Oid			user = GetUserId();

	if (receipt->may_backfill >= 0 && receipt->user == user)
		return receipt->may_backfill == 1;
	receipt->user = user;
	if (superuser_arg(user) || has_privs_of_role(user, receipt->owner))
		receipt->may_backfill = 1;
	else
	{
		BackfillQuestion question = {user, false};

		chekt_as_owner(receipt->owner, ask_backfillers, &question);
		receipt->may_backfill = question.answer ? 1 : 0;
	}
	return receipt->may_backfill == 1;
}

/*
 * Set the delivery's receipt time: the given one if the current user may
 * backfill, else the transaction's.  A time the user gave and may not is
 * kept in claimed_received_at, for chekt_receipt_note().  The right is
 * looked up only when a given time differs from now().
 */
void
chekt_receipt_time(ChektReceipt *receipt, ChektDelivery *delivery)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	delivery->claimed_received_at = 0;
	delivery->received_at_ignored = false;
	if (!delivery->has_received_at)
		delivery->received_at = now;
	else if (delivery->received_at != now && !may_backfill(receipt))
	{
		delivery->claimed_received_at = delivery->received_at;
		delivery->received_at_ignored = true;
		delivery->received_at = now;
	}
	delivery->has_received_at = true;
}

/*
 * Why a delivery was judged at now() and not at the time it was given
 * with, or NULL if it was judged at that time.
 */
char *
chekt_receipt_note(const ChektDelivery *delivery)
{
	char	   *judged_at;
	char	   *given;
	const char *user;

	if (!delivery->received_at_ignored)
		return NULL;
	/* timestamptz_to_str() answers in a static buffer */
	judged_at = pstrdup(timestamptz_to_str(delivery->received_at));
	given = pstrdup(timestamptz_to_str(delivery->claimed_received_at));
	user = GetUserNameFromId(GetUserId(), true);
	return psprintf("judged at the transaction's time %s, not at the received_at given (%s): role \"%s\" may not backfill (chekt.grant_backfill())",
					judged_at, given, user != NULL ? user : "?");
}
