/*-------------------------------------------------------------------------
 *
 * chekt_protocol.h
 *	  What the extension and chekt-ingest agree on, written once
 *
 * Plain C with no PostgreSQL include, so that the extension (src/) and the
 * receiver (chekt-ingest/) both include this one file:
 *
 *	- the outcomes of a delivery, in the order ingest decides them, each
 *	  with its class and the HTTP status that answers it;
 *	- the longest key a delivery may carry.
 *
 * The extension's SQL reads the same table through chekt.outcomes().
 *
 *-------------------------------------------------------------------------
 */
#ifndef CHEKT_PROTOCOL_H
#define CHEKT_PROTOCOL_H

/*
 * The longest event id, app name, or data field stored in an indexed column
 * (alarm, device, site, partition, relay and snapshot ids), in bytes.  Three
 * such keys side by side stay far below a btree entry's limit (about 2,700
 * bytes), so no delivery can make an index insert fail; longer is refused
 * as invalid_envelope (the id), invalid_payload (a field) or unknown_app
 * (the app) before anything is written.
 */
#define CHEKT_KEY_MAX_BYTES 200

/*
 * The outcome classes:
 *
 *	stored			an event is stored (new or counted again): answer 200
 *	unauthenticated	refused before the body was trusted; quarantined, and a
 *					retry once the secret is fixed heals it: answer 401
 *	quarantined		authentic but unusable as it is; quarantined, and a
 *					retry would not change it: answer 200
 */
#define CHEKT_CLASS_STORED "stored"
#define CHEKT_CLASS_UNAUTHENTICATED "unauthenticated"
#define CHEKT_CLASS_QUARANTINED "quarantined"

/*
 * X(symbol, name, class, HTTP status, description), in the order ingest
 * checks them.  The names are the reason codes stored in chekt_private.rejected and
 * returned by chekt.ingest(); users and chekt-ingest rely on them.
 */
#define CHEKT_OUTCOME_TABLE(X) \
	X(ACCEPTED, "accepted", CHEKT_CLASS_STORED, 200, \
	  "a new event, stored in chekt_private.events and its family table") \
	X(DUPLICATE, "duplicate", CHEKT_CLASS_STORED, 200, \
	  "an event stored before, delivered again with the same body; counted in delivery_count") \
	X(UNKNOWN_APP, "unknown_app", CHEKT_CLASS_UNAUTHENTICATED, 401, \
	  "the app is not registered, or had no secret active when the delivery was received") \
	X(BAD_SIGNATURE, "bad_signature", CHEKT_CLASS_UNAUTHENTICATED, 401, \
	  "no secret of the app active at receipt signs the delivery, or a signed header is missing") \
	X(STALE_SIGNATURE, "stale_signature", CHEKT_CLASS_UNAUTHENTICATED, 401, \
	  "the signed timestamp is not within the app's replay tolerance of the time of receipt") \
	X(OVERSIZE, "oversize", CHEKT_CLASS_QUARANTINED, 200, \
	  "the body is larger than chekt.max_body_bytes") \
	X(MALFORMED_JSON, "malformed_json", CHEKT_CLASS_QUARANTINED, 200, \
	  "the body is not JSON, or not valid text") \
	X(INVALID_ENVELOPE, "invalid_envelope", CHEKT_CLASS_QUARANTINED, 200, \
	  "id, type, created_at or data is missing or malformed, or the id is too long") \
	X(UNKNOWN_TYPE, "unknown_type", CHEKT_CLASS_QUARANTINED, 200, \
	  "the type is not in chekt.event_types") \
	X(INVALID_PAYLOAD, "invalid_payload", CHEKT_CLASS_QUARANTINED, 200, \
	  "a data field breaks chekt.event_fields: required and missing, of the wrong kind, or a key too long") \
	X(OUT_OF_RANGE, "out_of_range", CHEKT_CLASS_QUARANTINED, 200, \
	  "created_at is outside what is kept: further after receipt than max_future, before the oldest month kept, or in a month whose partition could not be made") \
	X(ID_CONFLICT, "id_conflict", CHEKT_CLASS_QUARANTINED, 200, \
	  "the event id was accepted before with a different body")

#endif							/* CHEKT_PROTOCOL_H */
