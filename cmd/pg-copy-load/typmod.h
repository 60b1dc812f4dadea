/*
 * typmod.h: the values a column's type modifier would change, found before
 * they load.  PostgreSQL's input functions round numeric(p,s) to s places,
 * time(p) and the other times to p digits of a second, an interval to its
 * fields and precision, and cut the blanks past n of varchar(n); and two
 * types cut by themselves: name to 63 bytes, "char" to one; all without a
 * word: the loader rejects such a value instead (exact or loud).
 *
 *	struct typmod_guard g;
 *	typmod_guard_init(&g, "numeric", typmod, "a");	(numeric(5,2)[])
 *	if (typmod_check(&g, "numeric(5,2)", &v, scratch, &msg) < 0)
 *		reject the record with msg.data, naming the column
 *
 * A value the server refuses anyway (a string that is no number, a
 * varchar too long by more than blanks) passes: the server's message is
 * the better one.  bit(n) and varbit(n) need no guard (their input
 * refuses a length that does not fit); char(n) has none by choice: its
 * trailing blanks are no part of its values (pg-copy-load(1)).
 */
#ifndef TYPMOD_H
#define TYPMOD_H

#include "buf.h"
#include "json.h"

enum typmod_kind {
	TYPMOD_NONE = 0,
	TYPMOD_NUMERIC,	 /* n: the scale, negative too */
	TYPMOD_SECONDS,	 /* time, timetz, timestamp, timestamptz: n digits */
	TYPMOD_INTERVAL, /* n: digits (6 for all), range: fields (mask) */
	TYPMOD_VARCHAR,	 /* n: characters */
	TYPMOD_BYTES,	 /* name (63), "char" (1): n bytes, the rest cut */
};

/* Containers a guard looks into, outermost first: at most this many. */
#define TYPMOD_DEPTH 4
/* The scratch buffers typmod_check takes. */
#define TYPMOD_SCRATCH (TYPMOD_DEPTH + 2)

struct typmod_guard {
	enum typmod_kind kind;
	int n;
	int range; /* interval: PostgreSQL's INTERVAL_RANGE(typmod) */
	/*
	 * 'a' an array, 'r' a range, 'm' a multirange, from the column's
	 * type in to the element's; "" for a scalar
	 */
	char wrap[TYPMOD_DEPTH + 1];
};

/*
 * The guard for a base type (pg_type.typname) with a type modifier as
 * pg_attribute.atttypmod holds it (-1: none), inside the containers of
 * wrap (a string of 'a', 'r', 'm', or ""); kind TYPMOD_NONE when nothing
 * of it is ever changed.
 */
void typmod_guard_init(struct typmod_guard *g, const char *typname,
		       int typmod, const char *wrap);

/*
 * Would the column store v (its JSON value) changed?  0 no (or the server
 * refuses it anyway); -1 yes, with why in msg (replaced), naming type (the
 * element's type as PostgreSQL writes it, e.g. "numeric(5,-2)").  scratch
 * is TYPMOD_SCRATCH buffers the caller keeps (no allocation once they have
 * grown).
 */
int typmod_check(const struct typmod_guard *g, const char *type,
		 const struct json_value *v, struct buf *scratch,
		 struct buf *msg);

#endif
