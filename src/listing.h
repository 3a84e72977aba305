/*-------------------------------------------------------------------------
 *
 * listing.h
 *	  The tables ingest keeps beside the events for the questions
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_LISTING_H
#define CHEKT_LISTING_H

#include "utils/date.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

/* A table of the listings and the index ingest looks rows up in */
typedef struct ChektListing
{
	const char *table;			/* its name, in schema chekt */
	const char *index;			/* its index's name */
	int			nkeys;			/* the index's columns, in order */
	const char *const *keys;
	const char *remake;			/* the CREATE INDEX that makes it again */
} ChektListing;

extern bool chekt_listing_open(const ChektListing *listing, Relation *rel, Relation *index);
extern void chekt_listing_close(Relation rel, Relation index);
extern int	chekt_text_cmp(const text *a, const text *b);
extern DateADT chekt_utc_month(TimestampTz t);

#endif							/* CHEKT_LISTING_H */
