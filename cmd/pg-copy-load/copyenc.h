/* copyenc.h: JSON values into PostgreSQL COPY text format, per column kind. */
#ifndef COPYENC_H
#define COPYENC_H

#include "buf.h"
#include "json.h"

enum col_kind {
	KIND_PLAIN = 0, /* the value's text, PostgreSQL parses it */
	KIND_BYTEA,	/* $binary objects decoded into bytes */
	KIND_JSON,	/* json, jsonb: the value's JSON text, strings too */
	KIND_ARRAY,	/* PostgreSQL arrays: JSON arrays become {...} */
	KIND_TIME,	/* dates and times: no words that move (now, today) */
	KIND_TIME_INF,	/* the same, infinity and -infinity allowed */
};

/*
 * Append v to out as one COPY text field for a column of the given kind.
 * tmp is scratch space.  Returns 0, or -1 with *why set to a static
 * message (a value PostgreSQL could not store, e.g. NUL in text).
 */
int copy_value(struct buf *out, const struct json_value *v, enum col_kind kind,
	       struct buf *tmp, const char **why);

#endif
