/* copybin.h: JSON values into PostgreSQL's binary COPY format, where exact. */
#ifndef COPYBIN_H
#define COPYBIN_H

#include <stdint.h>

#include "buf.h"
#include "json.h"
#include "pgjsonb.h"

enum bin_type {
	BIN_NONE = 0, /* no encoder: the column loads as text */
	BIN_INT2,
	BIN_INT4,
	BIN_INT8,
	BIN_FLOAT4,
	BIN_FLOAT8,
	BIN_BOOL,
	BIN_TEXT,
	BIN_BYTEA,
	BIN_JSON,
	BIN_JSONB,
	BIN_DATE,
	BIN_TIMESTAMP,
	BIN_TIMESTAMPTZ,
	BIN_UUID,
	BIN_NUMERIC,
};

/* The encoder for a base type name (pg_type.typname), or BIN_NONE. */
enum bin_type bin_type_of(const char *typname);

/* The binary COPY header and trailer. */
void copy_binary_header(struct buf *out);
void copy_binary_trailer(struct buf *out);

/*
 * Append v as one binary COPY field (a 4-byte length, then the bytes) and
 * return 0; or return 1, appending nothing, when v is not a value whose
 * binary form is certain to be what PostgreSQL's text input would make of
 * it: a spelling only the server's parser reads (a timestamptz without an
 * offset, a string for an integer), or a value the server would reject.
 * The caller then loads that record as text, so that the server's own
 * rules and messages apply.  tmp is scratch space.
 */
int copy_binary_value(struct buf *out, const struct json_value *v,
		      enum bin_type type, struct buf *tmp);

/*
 * Scratch space for copy_binary_hash, kept from one call to the next, and
 * the seed its hashes take (hash_array_extended's second argument).
 */
struct copy_hash {
	struct buf field, tmp;
	struct pgjsonb jb;
	uint64_t seed;
};
#define COPY_HASH_INIT                                                         \
	{                                                                      \
		BUF_INIT, BUF_INIT, PGJSONB_INIT, 0                            \
	}

/*
 * The hash PostgreSQL's hash_array_extended(..., ch->seed) gives an element
 * that is the send function's bytes of the value a column of this type
 * stores for v (0 for NULL; type's send function, padded for char(n), which
 * is hashed as ::text, numeric as trim_scale(), jsonb as jsonb_send()): in
 * *h, and 0; or 1 when that is not certain here (v is a spelling only the
 * server's input reads, or a value it refuses).  Values the server would
 * store alike may hash apart (jsonb's 1.0 and 1); values it stores apart
 * never hash alike but by a 64-bit collision.
 */
int copy_binary_hash(struct copy_hash *ch, const struct json_value *v,
		     enum bin_type type, int padded, uint64_t *h);
void copy_hash_release(struct copy_hash *ch);

#endif
