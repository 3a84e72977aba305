/*-------------------------------------------------------------------------
 *
 * judge.c
 *	  Judging a delivery: authentic, not too large, a valid event?
 *
 * Everything ingest decides about one delivery before anything is written,
 * in the order of the reason codes:
 *
 *	authenticate	app, secret, signature, replay window (authenticate.c)
 *	size			the body within chekt.max_body_bytes
 *	text			the body valid text in the database encoding
 *	parse			JSON, envelope, type and payload against the catalog
 *					(parse.c)
 *
 * The result is OUTCOME_PENDING (a valid event, to be stored) or a refusal
 * with a detail.  What judging needs from the database, an app's secrets
 * and the type catalog, is read once per judge (that is, per batch) as
 * owner work: a delivery whose app is known costs no query at all.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "compat.h"
#include "authenticate.h"
#include "judge.h"
#include "owner.h"

int			chekt_max_body_bytes = 256 * 1024;

struct ChektJudge
{
	MemoryContext cxt;			/* the judge, its app cache and catalog */
	MemoryContext scratch_cxt;	/* one delivery's parsing; reset after each */
	Oid			owner;			/* whose rights the reads use */
	ChektAuthCache *auth;
	ChektCatalog *catalog;		/* read on first use */
};

/* A judge whose memory lives in cxt, reading as owner */
ChektJudge *
chekt_judge_create(MemoryContext cxt, Oid owner)
{
	ChektJudge *judge = MemoryContextAllocZero(cxt, sizeof(ChektJudge));

	judge->cxt = cxt;
	judge->scratch_cxt = AllocSetContextCreate(cxt, "chekt_events delivery parsing",
											   ALLOCSET_DEFAULT_SIZES);
	judge->owner = owner;
	judge->auth = chekt_auth_cache_create(cxt);
	return judge;
}

/* What loading an app's secrets needs */
typedef struct AppToLoad
{
	ChektJudge *judge;
	const text *app;
} AppToLoad;

/* Owner work: read an app's secrets into the cache */
static void
load_app(void *arg)
{
	AppToLoad  *load = arg;

	chekt_auth_cache_load(load->judge->auth, load->app);
}

/* Owner work: read the type catalog into the judge's memory */
static void
load_catalog(void *arg)
{
	ChektJudge *judge = arg;
	MemoryContext old = MemoryContextSwitchTo(judge->cxt);

	judge->catalog = chekt_catalog_load();
	MemoryContextSwitchTo(old);
}

/* The type catalog, read on first use */
const ChektCatalog *
chekt_judge_catalog(ChektJudge *judge)
{
	if (judge->catalog == NULL)
		chekt_as_owner(judge->owner, load_catalog, judge);
	return judge->catalog;
}

/* Say where a body that is not text in the database encoding goes wrong */
static char *
describe_invalid_text(const text *body)
{
	const char *data = VARDATA_ANY(body);
	int			len = VARSIZE_ANY_EXHDR(body);
	int			valid = pg_encoding_verifymbstr(GetDatabaseEncoding(), data, len);

	if (valid < len && data[valid] == '\0')
		return psprintf("the body has a NUL byte at offset %d; it is kept as bytes in body_bytes",
						valid);
	return psprintf("the body is not valid %s: invalid byte sequence at offset %d; it is kept as bytes in body_bytes",
					GetDatabaseEncodingName(), valid);
}

/*
 * Judge a delivery.  Returns OUTCOME_PENDING with *event filled if it is a
 * valid event, else the reason to refuse it with *detail saying why; both
 * in the current memory context.
 */
ChektOutcome
chekt_judge_delivery(ChektJudge *judge, const ChektDelivery *delivery,
					 ChektEvent *event, char **detail)
{
	size_t		body_len = VARSIZE_ANY_EXHDR(delivery->body);
	ChektOutcome outcome;

	memset(event, 0, sizeof(ChektEvent));
	*detail = NULL;

	if (chekt_auth_cache_needs(judge->auth, delivery->app))
	{
		AppToLoad	load = {judge, delivery->app};

		chekt_as_owner(judge->owner, load_app, &load);
	}
	outcome = chekt_authenticate(judge->auth, delivery, detail);
	if (outcome != OUTCOME_PENDING)
		return outcome;

	if (body_len > (size_t) chekt_max_body_bytes)
	{
		*detail = psprintf("the body has %zu bytes; chekt.max_body_bytes allows %d",
						   body_len, chekt_max_body_bytes);
		return OUTCOME_OVERSIZE;
	}

	if (delivery->body_is_bytes)
	{
		*detail = describe_invalid_text(delivery->body);
		return OUTCOME_MALFORMED_JSON;
	}

	outcome = chekt_parse_event(chekt_judge_catalog(judge),
								VARDATA_ANY(delivery->body), body_len,
								judge->scratch_cxt, event, detail);
	MemoryContextReset(judge->scratch_cxt);
	return outcome;
}
