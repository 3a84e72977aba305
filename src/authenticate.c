/*-------------------------------------------------------------------------
 *
 * authenticate.c
 *	  Is a delivery from the app it claims, signed recently enough?
 *
 * The first three checks of ingest, in this order and before anything looks
 * inside the body:
 *
 *	unknown_app		the app is not registered, or has no secret active
 *					when the delivery was received (fail closed)
 *	bad_signature	no active secret of the app signs it (or a header the
 *					app's scheme signs is missing)
 *	stale_signature	the signed timestamp is not Unix seconds within the
 *					app's replay tolerance of the time of receipt
 *
 * An app's scheme, tolerance and keys are read once per batch, as owner
 * work (owner.c), and kept in a small cache.  An app name longer than any
 * registered app can have is unknown without a look.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "authenticate.h"
#include "chekt_protocol.h"
#include "owner.h"
#include "rfc3339.h"
#include "schemas.h"
#include "signature.h"
#include "signature_header.h"

/* What ingest knows of one app */
typedef struct ChektAppAuth
{
	char	   *app;
	bool		registered;
	ChektScheme scheme;
	int			tolerance_s;
	int			nkeys;
	ChektKey   *keys;
	bool	   *expires;		/* does keys[i] expire? */
	TimestampTz *expires_at;	/* if so, when */
	struct ChektAppAuth *next;
} ChektAppAuth;

struct ChektAuthCache
{
	MemoryContext cxt;
	ChektAppAuth *apps;
};

/* %s: apps and app_secrets (schemas.c) */
static const char *app_query =
"SELECT a.scheme, a.replay_tolerance_s, s.secret, s.expires_at"
"  FROM %s a"
"  LEFT JOIN %s s ON s.app = a.app"
" WHERE a.app = $1";

/* A cache of apps whose memory lives in cxt */
ChektAuthCache *
chekt_auth_cache_create(MemoryContext cxt)
{
	ChektAuthCache *cache = MemoryContextAllocZero(cxt, sizeof(ChektAuthCache));

	cache->cxt = cxt;
	return cache;
}

/*
 * Read an app's scheme, tolerance and keys into the cache.  Owner work
 * (chekt_as_owner()): it reads the secrets through SPI.
 */
void
chekt_auth_cache_load(ChektAuthCache *cache, const text *app)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1] = {PointerGetDatum(app)};
	MemoryContext caller_cxt = CurrentMemoryContext;
	ChektAppAuth *auth;
	uint64		i;

	chekt_owner_execute(psprintf(app_query, chekt_relation_name("apps"), chekt_relation_name("app_secrets")),
						1, argtypes, args, NULL, true, SPI_OK_SELECT);

	MemoryContextSwitchTo(cache->cxt);
	auth = palloc0(sizeof(ChektAppAuth));
	auth->app = text_to_cstring(app);
	auth->registered = SPI_processed > 0;
	auth->keys = palloc0(sizeof(ChektKey) * (SPI_processed + 1));
	auth->expires = palloc0(sizeof(bool) * (SPI_processed + 1));
	auth->expires_at = palloc0(sizeof(TimestampTz) * (SPI_processed + 1));

	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		secret;

		/* chekt_private.apps.scheme is CHECKed to be a known name */
		(void) chekt_scheme_from_name(SPI_getvalue(tuple, desc, 1), &auth->scheme);
		auth->tolerance_s = DatumGetInt32(SPI_getbinval(tuple, desc, 2, &isnull));
		secret = SPI_getbinval(tuple, desc, 3, &isnull);
		if (isnull)
			continue;			/* an app without any secret */

		/*
		 * A secret unusable under the scheme (written around add_secret())
		 * cannot sign anything; it is simply not a key.
		 */
		{
			text	   *s = DatumGetTextPCopy(secret);

			if (chekt_secret_key(auth->scheme, VARDATA_ANY(s), VARSIZE_ANY_EXHDR(s),
								 &auth->keys[auth->nkeys]) != NULL)
				continue;
		}
		auth->expires_at[auth->nkeys] =
			DatumGetTimestampTz(SPI_getbinval(tuple, desc, 4, &isnull));
		auth->expires[auth->nkeys] = !isnull;
		auth->nkeys++;
	}
	auth->next = cache->apps;
	cache->apps = auth;
	MemoryContextSwitchTo(caller_cxt);
	SPI_freetuptable(SPI_tuptable);
}

/* The cached entry of an app, or NULL if it was not read yet */
static ChektAppAuth *
cached_app(const ChektAuthCache *cache, const text *app)
{
	ChektAppAuth *auth;
	size_t		len = VARSIZE_ANY_EXHDR(app);

	for (auth = cache->apps; auth != NULL; auth = auth->next)
		if (strlen(auth->app) == len && memcmp(auth->app, VARDATA_ANY(app), len) == 0)
			return auth;
	return NULL;
}

/* Is the app name longer than any app can have? */
static bool
app_name_too_long(const text *app)
{
	return VARSIZE_ANY_EXHDR(app) > CHEKT_KEY_MAX_BYTES;
}

/*
 * Must chekt_auth_cache_load() read this app before chekt_authenticate()
 * can judge its deliveries?
 */
bool
chekt_auth_cache_needs(const ChektAuthCache *cache, const text *app)
{
	return !app_name_too_long(app) && cached_app(cache, app) == NULL;
}

/* The bytes of a text, or none for NULL */
static inline ChektBytes
bytes_of(text *t)
{
	ChektBytes	b = {NULL, 0};

	if (t != NULL)
	{
		b.data = VARDATA_ANY(t);
		b.len = VARSIZE_ANY_EXHDR(t);
	}
	return b;
}

/*
 * Authenticate a delivery.  Returns OUTCOME_PENDING if it may be parsed, or
 * the reason to refuse it with *detail (palloc'd) saying why.
 */
ChektOutcome
chekt_authenticate(const ChektAuthCache *cache, const ChektDelivery *delivery,
				   char **detail)
{
	ChektAppAuth *auth;
	bool		standard;
	int			active = 0;
	bool		signed_by_active_key = false;
	unsigned char digest[CHEKT_HMAC_LEN];
	int64		signed_seconds;
	int64		received_seconds;
	int64		skew;
	int			i;

	if (app_name_too_long(delivery->app))
	{
		*detail = psprintf("the app name has %zu bytes; app names have at most %d",
						   VARSIZE_ANY_EXHDR(delivery->app), CHEKT_KEY_MAX_BYTES);
		return OUTCOME_UNKNOWN_APP;
	}
	auth = cached_app(cache, delivery->app);
	if (auth == NULL)
		elog(ERROR, "the secrets of an app were not read before its delivery was judged");
	if (!auth->registered)
	{
		*detail = psprintf("no app \"%s\" is registered; register its secret with chekt.add_secret()",
						   auth->app);
		return OUTCOME_UNKNOWN_APP;
	}

	standard = auth->scheme == CHEKT_SCHEME_STANDARD_WEBHOOKS;
	if (delivery->signature == NULL || delivery->signed_at == NULL ||
		(standard && delivery->message_id == NULL))
	{
		bool		any_active = false;

		for (i = 0; i < auth->nkeys; i++)
			any_active |= !auth->expires[i] || auth->expires_at[i] > delivery->received_at;
		if (!any_active)
			goto no_active_secret;
		*detail = psprintf("the delivery lacks the %s header",
						   delivery->signature == NULL ?
						   (standard ? "webhook-signature" : "X-CHeKT-Signature") :
						   delivery->signed_at == NULL ?
						   (standard ? "webhook-timestamp" : "X-CHeKT-Timestamp") :
						   "webhook-id");
		return OUTCOME_BAD_SIGNATURE;
	}

	for (i = 0; i < auth->nkeys && !signed_by_active_key; i++)
	{
		if (auth->expires[i] && auth->expires_at[i] <= delivery->received_at)
			continue;
		active++;
		chekt_signing_digest(auth->scheme, &auth->keys[i],
							 bytes_of(delivery->message_id),
							 bytes_of(delivery->signed_at),
							 bytes_of(delivery->body), digest);
		signed_by_active_key =
			chekt_signature_header_matches(auth->scheme, digest,
										   VARDATA_ANY(delivery->signature),
										   VARSIZE_ANY_EXHDR(delivery->signature));
	}
	if (active == 0)
		goto no_active_secret;
	if (!signed_by_active_key)
	{
		*detail = psprintf("the signature matches none of the %d secret%s of app \"%s\" active when it was received",
						   active, active == 1 ? "" : "s", auth->app);
		return OUTCOME_BAD_SIGNATURE;
	}

	if (!chekt_parse_decimal(VARDATA_ANY(delivery->signed_at),
							 VARSIZE_ANY_EXHDR(delivery->signed_at), &signed_seconds))
	{
		*detail = pstrdup("the signed timestamp header is not a number of Unix seconds");
		return OUTCOME_STALE_SIGNATURE;
	}
	/* received_at counts microseconds from 2000-01-01, Unix time from 1970 */
	received_seconds = delivery->received_at / USECS_PER_SEC +
		(int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY;
	skew = received_seconds - signed_seconds;
	if (skew > auth->tolerance_s)
	{
		*detail = psprintf("signed at Unix time " INT64_FORMAT ", received " INT64_FORMAT " s later; app \"%s\" accepts %d s",
						   signed_seconds, skew, auth->app, auth->tolerance_s);
		return OUTCOME_STALE_SIGNATURE;
	}
	if (-skew > auth->tolerance_s)
	{
		*detail = psprintf("signed at Unix time " INT64_FORMAT ", " INT64_FORMAT " s after it was received (is the sender's clock ahead?); app \"%s\" accepts %d s",
						   signed_seconds, -skew, auth->app, auth->tolerance_s);
		return OUTCOME_STALE_SIGNATURE;
	}
	return OUTCOME_PENDING;

no_active_secret:
	*detail = psprintf("app \"%s\" has no secret that was active when the delivery was received; add one with chekt.add_secret()",
					   auth->app);
	return OUTCOME_UNKNOWN_APP;
}
