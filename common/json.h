/*
 * json: a streaming JSON scanner, validator and writer (RFC 8259).
 *
 * The scanner works in place over one complete text (an NDJSON line): it
 * never allocates and builds no tree.  Strings are checked for valid UTF-8,
 * escapes and control characters; numbers are checked against the grammar
 * and kept as their text, never converted.  Lone UTF-16 surrogates in \u
 * escapes are rejected: they have no UTF-8 form, so no tool could pass them
 * on unchanged.  Nesting deeper than JSON_MAX_DEPTH is rejected.
 *
 * Errors fill a struct json_error: a static message and the byte offset
 * (0-based) in the text where the problem was found.
 *
 * Iterating over the members of an object (what every tool does per record):
 *
 *	struct json_iter it;
 *	struct json_value k, v;
 *	struct json_error e;
 *	if (json_object_open(&it, line, len, &e) < 0) ...
 *	while ((r = json_object_next(&it, &k, &v, &e)) > 0)
 *		... k.p/k.len is the key's raw text between the quotes ...
 *	if (r < 0) ... report e.msg at e.offset ...
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define JSON_MAX_DEPTH 1024

enum json_type {
	JSON_NULL = 1,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_error {
	const char *msg; /* static text, e.g. "expected ':'" */
	size_t offset;	 /* byte offset into the text, 0-based */
};

/*
 * One scanned value.  p/len is its raw text; for a string, the bytes
 * between the quotes (still escaped when escaped is set).  For a number,
 * integer is set when it has no fraction and no exponent.
 */
struct json_value {
	enum json_type type;
	const char *p;
	size_t len;
	unsigned char escaped;
	unsigned char integer;
};

struct json_iter {
	const char *start, *p, *end;
	int first, done;
};

/* Name of a type for messages: "null", "string", "object", ... */
const char *json_type_name(enum json_type t);

/*
 * Validate one complete JSON value in p[0..len), surrounded by optional
 * whitespace.  Returns 0, or -1 with e filled.  If type is not NULL it
 * receives the top-level type.
 */
int json_validate(const char *p, size_t len, enum json_type *type,
		  struct json_error *e);

/*
 * Start iterating over a text that must hold one JSON object.  Returns 0
 * when it starts with '{' (the rest is checked by json_object_next), or -1
 * with e filled: the scanner's message when the text is not valid JSON,
 * else "not a JSON object (found array)" (or string, number, ...).
 */
int json_object_open(struct json_iter *it, const char *p, size_t len,
		     struct json_error *e);

/*
 * Next member: returns 1 with key (a JSON_STRING) and val filled, 0 at the
 * closing brace once the rest of the text is checked to be whitespace, or
 * -1 with e filled.  Nested objects and arrays are validated completely and
 * returned as one value with their raw text.
 */
int json_object_next(struct json_iter *it, struct json_value *key,
		     struct json_value *val, struct json_error *e);

/*
 * Iterate over the elements of an array value v (as returned above):
 * json_array_open, then json_array_next until it returns 0.  The text was
 * validated when v was scanned, so these only fail on misuse.
 */
int json_array_open(struct json_iter *it, const struct json_value *v);
int json_array_next(struct json_iter *it, struct json_value *val);

/* Same for an object value v returned by json_object_next. */
int json_object_open_value(struct json_iter *it, const struct json_value *v);

/*
 * Append the decoded bytes of a validated string body (json_value.p/len of
 * a JSON_STRING) to out.  \u0000 becomes a NUL byte; surrogate pairs become
 * one 4-byte UTF-8 sequence.
 */
void json_unescape(struct buf *out, const char *p, size_t len);

/* The UTF-8 bytes of code point c (at most U+10FFFF; not a surrogate). */
void json_put_utf8(struct buf *out, unsigned long c);

/* True when the decoded string equals s[0..n) (decoding escapes). */
int json_string_equals(const struct json_value *v, const char *s, size_t n);

/*
 * The routing field of an NDJSON record (ndjson-migrate(7)): 1 with route
 * the value of its "$table" key, a JSON_STRING (the members after it are
 * not checked: the reader of the record does that); 0 when the record is
 * one valid JSON object without that key; -1 with e filled when it is not
 * valid JSON or not an object ("not a JSON object (found array)"); -2 when
 * $table is not a string (route says what it is).
 */
int json_route(const char *p, size_t len, struct json_value *route,
	       struct json_error *e);

/*
 * Length of the valid UTF-8 prefix of p[0..len): len when it is all valid.
 * Rejects overlong forms, surrogates and code points above U+10FFFF.
 */
size_t utf8_valid_prefix(const char *p, size_t len);

/* Writer.  Each appends to out and cannot fail (buf handles memory). */

/* A JSON string with quotes; p[0..len) must be valid UTF-8 (may hold NUL). */
void json_write_string(struct buf *out, const char *p, size_t len);
/* The escaped body only, without quotes. */
void json_write_string_body(struct buf *out, const char *p, size_t len);
/*
 * A double as the shortest of 15, 16 or 17 significant digits that reads
 * back as the same double.  NaN and infinities have no JSON form: they are
 * written as the strings "NaN", "Infinity" and "-Infinity" (PostgreSQL's
 * spellings; see ndjson-migrate(7)).
 */
void json_write_double(struct buf *out, double d);
/*
 * True when two JSON number texts are the same decimal value (1e3, 1000
 * and 1000.0 are; 0.1 and 0.10000000000000001 are not).  Zero keeps its
 * sign: -0 and 0 differ, as they do for a double.
 */
int json_number_same(const char *a, size_t alen, const char *b, size_t blen);
/*
 * The double nearest a JSON number text p[0..n), as strtod gives it: the
 * common case (at most 2^53 in the digits, a power of ten within 22) by one
 * exact multiplication or division, which IEEE rounds once (Clinger's fast
 * path); anything else by strtod.  Sets errno to ERANGE as strtod does.
 */
double json_number_double(const char *p, size_t n);
/*
 * Bytes that should be text: a JSON string when they are valid UTF-8
 * (NUL included), else the binary form below, so nothing is lost.
 */
void json_write_text(struct buf *out, const char *p, size_t len);
/* Valid JSON text p[0..n) without the white space between its tokens. */
void json_compact(struct buf *out, const char *p, size_t n);
/*
 * A data key (a column, a field, a hash member), as the contract writes
 * keys: a key that begins with '$' gets one more, so that no data key is
 * ever one the contract reserves ("$table", "$binary"); bytes that are not
 * UTF-8 as "$binary:<base64>".
 */
void json_write_key(struct buf *out, const char *p, size_t len);
/*
 * JSON text v[0..n) with every object key, at any depth, that json_write_key
 * escaped ("$$x") written back as the data key ("$x").  Returns 0 when
 * there was none (nothing appended: use the text as it is), 1 when out has
 * the rewritten text.  The text must be valid JSON.
 */
int json_unescape_keys(struct buf *out, const char *p, size_t n);
/*
 * The other way: JSON text p[0..n) with every object key, at any depth, that
 * begins with '$' escaped as json_write_key does ("$x" as "$$x"), for JSON
 * that comes from data (a parsed string).  0 when there was none, 1 when out
 * has the rewritten text.  The text must be valid JSON.
 */
int json_escape_keys(struct buf *out, const char *p, size_t n);
/*
 * A decoded key as a reader takes it: 1 for a data key, *p and *n moved
 * past the escape's '$' when it has one ("$$x" is the data key "$x"); 0
 * for a key the contract reserves (one '$': "$table", "$binary:...").
 */
int json_data_key(const char **p, size_t *n);
/* The contract's binary form: {"$binary":{"base64":"...","subType":"00"}}. */
void json_write_binary(struct buf *out, const void *p, size_t len,
		       unsigned subtype);

/*
 * Base64 (RFC 4648, with padding).  b64_decode appends to out and returns 0,
 * or -1 on a character outside the alphabet or a bad length.
 */
void b64_encode(struct buf *out, const void *p, size_t len);
int b64_decode(struct buf *out, const char *p, size_t len);

/*
 * If v is the contract's binary form, {"$binary":{"base64":..., "subType":
 * ...}}, decode its bytes into out and return 1; return 0 when v is not of
 * that shape, -1 when it is but its base64 or subType is invalid.
 */
int json_binary_decode(const struct json_value *v, struct buf *out);

#endif
