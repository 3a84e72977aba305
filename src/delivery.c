/*-------------------------------------------------------------------------
 *
 * delivery.c
 *	  One webhook delivery, as a row of chekt_private.inbox holds it
 *
 * The one decoder of a row into a delivery, for the rows COPY or INSERT put
 * into chekt_private.inbox and for the quarantined rows retry_rejected() re-runs.
 * Columns are found by name, so that both kinds of row, and a schema one
 * version older than the library (without body_bytes), read the same way.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "delivery.h"

static const char *const column_names[DELIVERY_NCOLUMNS] = {
	"app", "received_at", "signed_at", "signature", "body", "message_id",
	"headers", "body_bytes", "rejected_id"
};
static const Oid column_types[DELIVERY_NCOLUMNS] = {
	TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
	JSONBOID, BYTEAOID, INT8OID
};

/*
 * Find the delivery columns of rows of desc (rows of relation, for the
 * message).  body_bytes and rejected_id may be absent; any other column
 * must be there.
 */
void
chekt_delivery_columns(TupleDesc desc, const char *relation,
					   ChektDeliveryColumns *columns)
{
	int			c;
	int			i;

	for (c = 0; c < DELIVERY_NCOLUMNS; c++)
	{
		columns->attnums[c] = InvalidAttrNumber;
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (att->attisdropped || strcmp(NameStr(att->attname), column_names[c]) != 0)
				continue;
			/* the row is read as these types: anything else could crash */
			if (att->atttypid != column_types[c])
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of relation \"%s\" has type %s, not %s",
								column_names[c], relation, format_type_be(att->atttypid),
								format_type_be(column_types[c])),
						 errhint("Ingest reads rows of chekt_private.inbox only; reinstall the extension to restore it.")));
			columns->attnums[c] = att->attnum;
		}
		if (columns->attnums[c] == InvalidAttrNumber &&
			c != DELIVERY_BODY_BYTES && c != DELIVERY_REJECTED_ID)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("column \"%s\" of relation \"%s\" does not exist",
							column_names[c], relation),
					 errhint("Update the extension (ALTER EXTENSION chekt_events UPDATE), or reinstall it.")));
	}
}

/* A column's value, or NULL if it is NULL or absent */
static Pointer
column_value(const ChektDeliveryColumns *columns, ChektDeliveryColumn c,
			 HeapTuple tuple, TupleDesc desc)
{
	bool		isnull;
	Datum		value;

	if (columns->attnums[c] == InvalidAttrNumber)
		return NULL;
	value = heap_getattr(tuple, columns->attnums[c], desc, &isnull);
	return isnull ? NULL : DatumGetPointer(value);
}

/* A by-value column's value into *value; false if it is NULL or absent */
static bool
scalar_column(const ChektDeliveryColumns *columns, ChektDeliveryColumn c,
			  HeapTuple tuple, TupleDesc desc, Datum *value)
{
	bool		isnull;

	if (columns->attnums[c] == InvalidAttrNumber)
		return false;
	*value = heap_getattr(tuple, columns->attnums[c], desc, &isnull);
	return !isnull;
}

/* A text column, detoasted, or NULL */
static text *
text_column(const ChektDeliveryColumns *columns, ChektDeliveryColumn c,
			HeapTuple tuple, TupleDesc desc)
{
	Pointer		value = column_value(columns, c, tuple, desc);

	return value == NULL ? NULL : DatumGetTextPP(PointerGetDatum(value));
}

/*
 * Read a row as a delivery.  Its texts point into the row (or are
 * detoasted in the current memory context): chekt_delivery_copy() keeps
 * them.  A NULL app, or not exactly one of body and body_bytes, is the
 * caller's mistake and raises an error, as a NOT NULL constraint would
 * (BEFORE ROW triggers run before they are checked).  A NULL received_at is
 * the current time (receipt.c).
 */
void
chekt_delivery_from_tuple(const ChektDeliveryColumns *columns, HeapTuple tuple,
						  TupleDesc desc, ChektDelivery *delivery)
{
	Pointer		headers;
	Datum		value;
	bytea	   *bytes;

	memset(delivery, 0, sizeof(ChektDelivery));
	delivery->app = text_column(columns, DELIVERY_APP, tuple, desc);
	delivery->signed_at = text_column(columns, DELIVERY_SIGNED_AT, tuple, desc);
	delivery->signature = text_column(columns, DELIVERY_SIGNATURE, tuple, desc);
	delivery->body = text_column(columns, DELIVERY_BODY, tuple, desc);
	delivery->message_id = text_column(columns, DELIVERY_MESSAGE_ID, tuple, desc);
	headers = column_value(columns, DELIVERY_HEADERS, tuple, desc);
	delivery->headers = headers == NULL ? NULL : DatumGetJsonbP(PointerGetDatum(headers));
	bytes = (bytea *) text_column(columns, DELIVERY_BODY_BYTES, tuple, desc);

	/* NULL is now(), for everyone (receipt.c) */
	delivery->has_received_at = scalar_column(columns, DELIVERY_RECEIVED_AT, tuple, desc, &value);
	if (delivery->has_received_at)
		delivery->received_at = DatumGetTimestampTz(value);
	if (scalar_column(columns, DELIVERY_REJECTED_ID, tuple, desc, &value))
		delivery->rejected_id = DatumGetInt64(value);

	if (delivery->app == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("app of a row of chekt_private.inbox must not be null"),
				 errhint("Give the name the delivery was posted under, the {app} of POST /webhooks/{app}.")));
	if ((delivery->body == NULL) == (bytes == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("a row of chekt_private.inbox must have exactly one of body and body_bytes"),
				 errhint("Give the request body as text in body, or as bytes in body_bytes when it may not be valid text.")));

	/*
	 * A body given as bytes is taken as text if it is valid in the database
	 * encoding (and so holds no NUL), else kept as bytes, to be quarantined
	 * as it came.  text and bytea share their layout.
	 */
	if (bytes != NULL)
	{
		delivery->body = (text *) bytes;
		delivery->body_is_bytes = !pg_verifymbstr(VARDATA_ANY(bytes),
												  VARSIZE_ANY_EXHDR(bytes), true);
	}
}

/* A copy of a text in the current memory context, with a 4-byte header */
static text *
copy_text(const text *t)
{
	size_t		len;
	text	   *copy;

	if (t == NULL)
		return NULL;
	len = VARSIZE_ANY_EXHDR(t);
	copy = palloc(VARHDRSZ + len);
	SET_VARSIZE(copy, VARHDRSZ + len);
	memcpy(VARDATA(copy), VARDATA_ANY(t), len);
	return copy;
}

/* Copy a delivery into the current memory context */
void
chekt_delivery_copy(const ChektDelivery *from, ChektDelivery *to)
{
	to->app = copy_text(from->app);
	to->received_at = from->received_at;
	to->has_received_at = from->has_received_at;
	to->received_at_ignored = from->received_at_ignored;
	to->claimed_received_at = from->claimed_received_at;
	to->signed_at = copy_text(from->signed_at);
	to->signature = copy_text(from->signature);
	to->body = copy_text(from->body);
	to->message_id = copy_text(from->message_id);
	to->headers = from->headers == NULL ? NULL :
		(Jsonb *) copy_text((const text *) from->headers);
	to->body_is_bytes = from->body_is_bytes;
	to->rejected_id = from->rejected_id;
}
