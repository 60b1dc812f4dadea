/* json: in-place RFC 8259 scanner, validator and writer; no DOM, no malloc. */
#include "json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

struct scan {
	const char *start, *end;
	struct json_error *e;
	unsigned char escaped;
};

static const char *
fail(struct scan *s, const char *at, const char *msg)
{
	s->e->msg = msg;
	s->e->offset = (size_t)(at - s->start);
	return NULL;
}

const char *
json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL:
		return "null";
	case JSON_FALSE:
	case JSON_TRUE:
		return "boolean";
	case JSON_NUMBER:
		return "number";
	case JSON_STRING:
		return "string";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	}
	return "?";
}

static inline const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Bytes that end a run of plain string content: '"', '\\', < 0x20, >= 0x80. */
/* clang-format off */
static const unsigned char special[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};
/* clang-format on */

/* Skip plain string bytes (no quote, backslash, control or non-ASCII). */
static inline const char *
skip_plain(const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i bslash = _mm_set1_epi8('\\');
	const __m128i ctl = _mm_set1_epi8(0x20);

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* signed compare: bytes >= 0x80 are negative, so < 0x20 */
		__m128i m =
			_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote),
						  _mm_cmpeq_epi8(v, bslash)),
				     _mm_cmpgt_epi8(ctl, v));
		int mask = _mm_movemask_epi8(m);
		if (mask)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
#endif
	while (p < end && !special[(unsigned char)*p])
		p++;
	return p;
}

/* Length of the UTF-8 sequence at p, 0 when invalid. */
static inline size_t
utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t avail = (size_t)(end - p);

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		if (avail < 2 || (p[1] & 0xc0) != 0x80)
			return 0;
		return 2;
	}
	if (c < 0xf0) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : 0xbf;
		if (avail < 3 || p[1] < lo || p[1] > hi ||
		    (p[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c < 0xf5) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xf4 ? 0x8f : 0xbf;
		if (avail < 4 || p[1] < lo || p[1] > hi ||
		    (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

size_t
utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n;
		uint64_t w;
		if (end - p >= 8) {
			memcpy(&w, p, 8);
			if (!(w & 0x8080808080808080ull)) {
				p += 8;
				continue;
			}
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		n = utf8_seq(p, end);
		if (!n)
			break;
		p += n;
	}
	return (size_t)(p - (const unsigned char *)s);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Four hex digits at p (p+4 <= end checked by caller), or -1. */
static long
hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* p at the opening quote; returns the byte after the closing quote. */
static const char *
scan_string(struct scan *s, const char *p)
{
	const char *end = s->end;
	long u, lo;
	size_t n;

	s->escaped = 0;
	p++;
	for (;;) {
		p = skip_plain(p, end);
		if (p == end)
			return fail(s, p, "unterminated string");
		switch (*p) {
		case '"':
			return p + 1;
		case '\\':
			s->escaped = 1;
			if (end - p < 2)
				return fail(s, p, "unterminated string");
			switch (p[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				p += 2;
				continue;
			case 'u':
				break;
			default:
				return fail(s, p, "invalid escape in string");
			}
			if (end - p < 6 || (u = hex4(p + 2)) < 0)
				return fail(s, p,
					    "invalid \\u escape in string");
			if (u >= 0xdc00 && u <= 0xdfff)
				return fail(s, p,
					    "lone UTF-16 surrogate in "
					    "\\u escape");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (end - p < 12 || p[6] != '\\' ||
				    p[7] != 'u' || (lo = hex4(p + 8)) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(s, p,
						    "lone UTF-16 surrogate "
						    "in \\u escape");
				p += 12;
			} else {
				p += 6;
			}
			continue;
		default:
			if ((unsigned char)*p < 0x20)
				return fail(s, p,
					    "control character in string");
			n = utf8_seq((const unsigned char *)p,
				     (const unsigned char *)end);
			if (!n)
				return fail(s, p, "invalid UTF-8 in string");
			p += n;
		}
	}
}

static const char *
scan_number(struct scan *s, const char *p, unsigned char *integer)
{
	const char *end = s->end, *start = p;

	*integer = 1;
	if (*p == '-')
		p++;
	if (p == end)
		return fail(s, start, "invalid number");
	if (*p == '0') {
		p++;
	} else if (*p >= '1' && *p <= '9') {
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	} else {
		return fail(s, start, "invalid number");
	}
	if (p < end && *p == '.') {
		*integer = 0;
		p++;
		if (p == end || *p < '0' || *p > '9')
			return fail(s, p,
				    "invalid number: expected a digit "
				    "after '.'");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		*integer = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return fail(s, p,
				    "invalid number: expected a digit "
				    "in the exponent");
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	return p;
}

static const char *
scan_literal(struct scan *s, const char *p, const char *word, size_t n)
{
	if ((size_t)(s->end - p) < n || memcmp(p, word, n) != 0)
		return fail(s, p, "invalid literal");
	return p + n;
}

/*
 * Scan one value starting at p (whitespace skipped), containers completely,
 * without recursion: a byte per open container says object or array.
 */
static const char *
scan_value(struct scan *s, const char *p, struct json_value *v)
{
	const char *end = s->end;
	unsigned char stack[JSON_MAX_DEPTH];
	unsigned depth = 0;
	unsigned char integer;

	v->escaped = 0;
	v->integer = 0;
value:
	p = skip_ws(p, end);
	if (p == end)
		return fail(s, p, "unexpected end of input, expected a value");
	if (depth == 0)
		v->p = p;
	switch (*p) {
	case '{':
		if (depth == JSON_MAX_DEPTH)
			return fail(s, p, "nesting too deep");
		stack[depth++] = 1;
		if (depth == 1)
			v->type = JSON_OBJECT;
		p = skip_ws(p + 1, end);
		if (p < end && *p == '}') {
			p++;
			depth--;
			goto after;
		}
		goto key;
	case '[':
		if (depth == JSON_MAX_DEPTH)
			return fail(s, p, "nesting too deep");
		stack[depth++] = 0;
		if (depth == 1)
			v->type = JSON_ARRAY;
		p = skip_ws(p + 1, end);
		if (p < end && *p == ']') {
			p++;
			depth--;
			goto after;
		}
		goto value;
	case '"':
		if (depth == 0) {
			v->type = JSON_STRING;
			v->p = p + 1;
		}
		if (!(p = scan_string(s, p)))
			return NULL;
		if (depth == 0) {
			v->len = (size_t)(p - 1 - v->p);
			v->escaped = s->escaped;
			return p;
		}
		goto after;
	case 't':
		if (depth == 0)
			v->type = JSON_TRUE;
		if (!(p = scan_literal(s, p, "true", 4)))
			return NULL;
		goto after;
	case 'f':
		if (depth == 0)
			v->type = JSON_FALSE;
		if (!(p = scan_literal(s, p, "false", 5)))
			return NULL;
		goto after;
	case 'n':
		if (depth == 0)
			v->type = JSON_NULL;
		if (!(p = scan_literal(s, p, "null", 4)))
			return NULL;
		goto after;
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9')) {
			if (!(p = scan_number(s, p, &integer)))
				return NULL;
			if (depth == 0) {
				v->type = JSON_NUMBER;
				v->integer = integer;
			}
			goto after;
		}
		if (p + 3 <= s->end && memcmp(p, "\xef\xbb\xbf", 3) == 0)
			return fail(s, p,
				    "unexpected UTF-8 byte order mark (BOM)");
		return fail(s, p, "unexpected character, expected a value");
	}
key:
	if (p == end)
		return fail(s, p, "unexpected end of input in object");
	if (*p != '"')
		return fail(s, p, "expected a string as object key");
	if (!(p = scan_string(s, p)))
		return NULL;
	p = skip_ws(p, end);
	if (p == end || *p != ':')
		return fail(s, p, "expected ':' after object key");
	p++;
	goto value;
after:
	if (depth == 0) {
		v->len = (size_t)(p - v->p);
		return p;
	}
	p = skip_ws(p, end);
	if (p == end)
		return fail(s, p,
			    stack[depth - 1]
				    ? "unexpected end of input in object"
				    : "unexpected end of input in array");
	if (stack[depth - 1]) {
		if (*p == ',') {
			p = skip_ws(p + 1, end);
			goto key;
		}
		if (*p == '}') {
			p++;
			depth--;
			goto after;
		}
		return fail(s, p, "expected ',' or '}' in object");
	}
	if (*p == ',') {
		p++;
		goto value;
	}
	if (*p == ']') {
		p++;
		depth--;
		goto after;
	}
	return fail(s, p, "expected ',' or ']' in array");
}

int
json_validate(const char *p, size_t len, enum json_type *type,
	      struct json_error *e)
{
	struct scan s = {p, p + len, e, 0};
	struct json_value v;
	const char *q;

	if (!(q = scan_value(&s, p, &v)))
		return -1;
	q = skip_ws(q, s.end);
	if (q != s.end) {
		fail(&s, q, "unexpected data after the value");
		return -1;
	}
	if (type)
		*type = v.type;
	return 0;
}

int
json_object_open(struct json_iter *it, const char *p, size_t len,
		 struct json_error *e)
{
	struct scan s = {p, p + len, e, 0};
	struct json_value v;
	const char *q = skip_ws(p, s.end);

	it->start = p;
	it->end = p + len;
	it->first = 1;
	it->done = 0;
	if (q < s.end && *q == '{') {
		it->p = q + 1;
		return 0;
	}
	/* Say what it is when it is valid JSON of another type. */
	if (json_validate(p, len, NULL, e) < 0)
		return -1;
	scan_value(&s, p, &v);
	e->offset = (size_t)(q - p);
	switch (v.type) {
	case JSON_ARRAY:
		e->msg = "not a JSON object (found array)";
		break;
	case JSON_STRING:
		e->msg = "not a JSON object (found string)";
		break;
	case JSON_NUMBER:
		e->msg = "not a JSON object (found number)";
		break;
	case JSON_NULL:
		e->msg = "not a JSON object (found null)";
		break;
	default:
		e->msg = "not a JSON object (found boolean)";
		break;
	}
	return -1;
}

int
json_object_next(struct json_iter *it, struct json_value *key,
		 struct json_value *val, struct json_error *e)
{
	struct scan s = {it->start, it->end, e, 0};
	const char *p, *end = it->end;

	if (it->done)
		return 0;
	p = skip_ws(it->p, end);
	if (p == end) {
		fail(&s, p, "unexpected end of input in object");
		return -1;
	}
	if (*p == '}') {
		p = skip_ws(p + 1, end);
		if (p != end) {
			fail(&s, p, "unexpected data after the value");
			return -1;
		}
		it->done = 1;
		return 0;
	}
	if (!it->first) {
		if (*p != ',') {
			fail(&s, p, "expected ',' or '}' in object");
			return -1;
		}
		p = skip_ws(p + 1, end);
		if (p == end) {
			fail(&s, p, "unexpected end of input in object");
			return -1;
		}
	}
	if (*p != '"') {
		fail(&s, p, "expected a string as object key");
		return -1;
	}
	key->type = JSON_STRING;
	key->p = p + 1;
	if (!(p = scan_string(&s, p)))
		return -1;
	key->len = (size_t)(p - 1 - key->p);
	key->escaped = s.escaped;
	key->integer = 0;
	p = skip_ws(p, end);
	if (p == end || *p != ':') {
		fail(&s, p, "expected ':' after object key");
		return -1;
	}
	if (!(p = scan_value(&s, p + 1, val)))
		return -1;
	it->p = p;
	it->first = 0;
	return 1;
}

/*
 * Walking an already validated container: the scanner runs again with an
 * error sink, which it cannot fill, on the same bytes.
 */
int
json_object_open_value(struct json_iter *it, const struct json_value *v)
{
	it->start = v->p;
	it->end = v->p + v->len;
	it->p = v->p + 1;
	it->first = 1;
	it->done = 0;
	return v->type == JSON_OBJECT ? 0 : -1;
}

int
json_array_open(struct json_iter *it, const struct json_value *v)
{
	it->start = v->p;
	it->end = v->p + v->len;
	it->p = v->p + 1;
	it->first = 1;
	it->done = 0;
	return v->type == JSON_ARRAY ? 0 : -1;
}

int
json_array_next(struct json_iter *it, struct json_value *val)
{
	struct json_error e;
	struct scan s = {it->start, it->end, &e, 0};
	const char *p = skip_ws(it->p, it->end);

	if (it->done || p == it->end || *p == ']') {
		it->done = 1;
		return 0;
	}
	if (!it->first)
		p++; /* the ',' */
	if (!(p = scan_value(&s, p, val)))
		return -1;
	it->p = p;
	it->first = 0;
	return 1;
}

void
json_put_utf8(struct buf *out, unsigned long c)
{
	char t[4];

	if (c < 0x80) {
		buf_addch(out, (int)c);
	} else if (c < 0x800) {
		t[0] = (char)(0xc0 | c >> 6);
		t[1] = (char)(0x80 | (c & 0x3f));
		buf_add(out, t, 2);
	} else if (c < 0x10000) {
		t[0] = (char)(0xe0 | c >> 12);
		t[1] = (char)(0x80 | (c >> 6 & 0x3f));
		t[2] = (char)(0x80 | (c & 0x3f));
		buf_add(out, t, 3);
	} else {
		t[0] = (char)(0xf0 | c >> 18);
		t[1] = (char)(0x80 | (c >> 12 & 0x3f));
		t[2] = (char)(0x80 | (c >> 6 & 0x3f));
		t[3] = (char)(0x80 | (c & 0x3f));
		buf_add(out, t, 4);
	}
}

void
json_unescape(struct buf *out, const char *p, size_t len)
{
	const char *end = p + len, *q;
	unsigned long u, lo;

	while (p < end) {
		q = memchr(p, '\\', (size_t)(end - p));
		if (!q) {
			buf_add(out, p, (size_t)(end - p));
			return;
		}
		buf_add(out, p, (size_t)(q - p));
		p = q + 2;
		switch (q[1]) {
		case 'b':
			buf_addch(out, '\b');
			break;
		case 'f':
			buf_addch(out, '\f');
			break;
		case 'n':
			buf_addch(out, '\n');
			break;
		case 'r':
			buf_addch(out, '\r');
			break;
		case 't':
			buf_addch(out, '\t');
			break;
		case 'u':
			u = (unsigned long)hex4(q + 2);
			p = q + 6;
			if (u >= 0xd800 && u <= 0xdbff) {
				lo = (unsigned long)hex4(q + 8);
				u = 0x10000 + ((u - 0xd800) << 10) +
				    (lo - 0xdc00);
				p = q + 12;
			}
			json_put_utf8(out, u);
			break;
		default: /* '"', '\\', '/' */
			buf_addch(out, q[1]);
			break;
		}
	}
}

int
json_string_equals(const struct json_value *v, const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	int eq;

	if (v->type != JSON_STRING)
		return 0;
	if (!v->escaped)
		return v->len == n && memcmp(v->p, s, n) == 0;
	json_unescape(&b, v->p, v->len);
	eq = b.len == n && memcmp(b.data, s, n) == 0;
	buf_release(&b);
	return eq;
}

int
json_route(const char *p, size_t len, struct json_value *route,
	   struct json_error *e)
{
	struct json_iter it;
	struct json_value k;
	int r;

	if (json_object_open(&it, p, len, e) < 0)
		return -1;
	while ((r = json_object_next(&it, &k, route, e)) > 0)
		if (json_string_equals(&k, "$table", 6))
			return route->type == JSON_STRING ? 1 : -2;
	return r < 0 ? -1 : 0;
}

/* What a byte becomes inside a JSON string: 0 itself, else its escape. */
static const char *const esc[32] = {
	"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
	"\\u0006", "\\u0007", "\\b",	 "\\t",	    "\\n",     "\\u000b",
	"\\f",	   "\\r",     "\\u000e", "\\u000f", "\\u0010", "\\u0011",
	"\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
	"\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d",
	"\\u001e", "\\u001f",
};

void
json_write_string_body(struct buf *out, const char *p, size_t len)
{
	const char *end = p + len, *q;

	while (p < end) {
		/* non-ASCII stops skip_plain but needs no escape */
		q = p;
		for (;;) {
			q = skip_plain(q, end);
			if (q < end && (unsigned char)*q >= 0x80)
				q++;
			else
				break;
		}
		buf_add(out, p, (size_t)(q - p));
		if (q == end)
			return;
		if (*q == '"')
			buf_add(out, "\\\"", 2);
		else if (*q == '\\')
			buf_add(out, "\\\\", 2);
		else
			buf_adds(out, esc[(unsigned char)*q]);
		p = q + 1;
	}
}

void
json_write_string(struct buf *out, const char *p, size_t len)
{
	buf_addch(out, '"');
	json_write_string_body(out, p, len);
	buf_addch(out, '"');
}

/*
 * The common case without printf: 1e-4 <= |d| < 1e15 with at most 15
 * significant digits.  The smallest k for which d * 10^k is an integer m
 * below 2^53 with m / 10^k == d (both exact, the division correctly
 * rounded) proves that the decimal m / 10^k reads back as d.  With its
 * trailing zeros dropped and at most 15 digits it is the digit string
 * %.15g gives, in the fixed notation %g uses in this range.  Returns 0 when
 * d is not such a number.
 */
static int
write_double_fast(struct buf *out, double d)
{
	static const double p10[] = {1e0,  1e1,	 1e2,  1e3,  1e4,  1e5,	 1e6,
				     1e7,  1e8,	 1e9,  1e10, 1e11, 1e12, 1e13,
				     1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
	double a = fabs(d), m = 0;
	char t[48], *p = t + sizeof(t);
	uint64_t u, v;
	int k, digits = 0, i;

	if (!(a >= 1e-4 && a < 1e15))
		return 0;
	for (k = 0; k <= 19; k++) {
		m = a * p10[k];
		if (m >= 9007199254740992.0)
			return 0;
		if (m == (double)(uint64_t)m && m / p10[k] == a)
			break;
	}
	if (k > 19)
		return 0;
	u = (uint64_t)m;
	while (k > 0 && u % 10 == 0) {
		u /= 10;
		k--;
	}
	for (v = u; v; v /= 10)
		digits++;
	if (digits > 15)
		return 0;
	for (i = 0; i < k; i++) {
		*--p = (char)('0' + u % 10);
		u /= 10;
	}
	if (k > 0)
		*--p = '.';
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (d < 0)
		*--p = '-';
	buf_add(out, p, (size_t)(t + sizeof(t) - p));
	return 1;
}

void
json_write_text(struct buf *out, const char *p, size_t len)
{
	if (utf8_valid_prefix(p, len) == len)
		json_write_string(out, p, len);
	else
		json_write_binary(out, p, len, 0);
}

static const unsigned char ws_or_quote[256] = {
	['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [' '] = 1, ['"'] = 1,
};

/*
 * Valid JSON text, so every string ends at a quote that an even number of
 * backslashes (maybe none) precedes.
 */
void
json_compact(struct buf *out, const char *p, size_t n)
{
	const char *end = p + n, *q, *e;

	while (p < end) {
		if (*p == '"') {
			for (q = p + 1;; q = e + 1) {
				e = memchr(q, '"', (size_t)(end - q));
				const char *b = e;
				while (b > q && b[-1] == '\\')
					b--;
				if ((e - b) % 2 == 0)
					break;
			}
			buf_add(out, p, (size_t)(e + 1 - p));
			p = e + 1;
		} else if (ws_or_quote[(unsigned char)*p]) {
			p++;
		} else {
			for (q = p + 1;
			     q < end && !ws_or_quote[(unsigned char)*q]; q++)
				;
			buf_add(out, p, (size_t)(q - p));
			p = q;
		}
	}
}

void
json_write_key(struct buf *out, const char *p, size_t len)
{
	if (utf8_valid_prefix(p, len) != len) {
		buf_adds(out, "\"$binary:");
		b64_encode(out, p, len);
		buf_addch(out, '"');
		return;
	}
	buf_addch(out, '"');
	if (len && p[0] == '$')
		buf_addch(out, '$');
	json_write_string_body(out, p, len);
	buf_addch(out, '"');
}

/*
 * v's JSON text into out, compact, with its object keys, at any depth,
 * escaped: a data key that begins with '$' gets one more (json_write_key's
 * escape)
 */
static void
rewrite_keys(struct buf *out, const struct json_value *v)
{
	struct json_iter it;
	struct json_value k, val;
	struct json_error e;
	int n = 0;

	switch (v->type) {
	case JSON_OBJECT:
		json_object_open_value(&it, v);
		buf_addch(out, '{');
		while (json_object_next(&it, &k, &val, &e) > 0) {
			if (n++)
				buf_addch(out, ',');
			buf_addch(out, '"');
			if (k.len && k.p[0] == '$')
				buf_addch(out, '$'), buf_add(out, k.p, k.len);
			else if (k.len >= 6 &&
				 strncasecmp(k.p, "\\u0024", 6) == 0)
				/* written plain, as the reader looks for it */
				buf_adds(out, "$$"),
					buf_add(out, k.p + 6, k.len - 6);
			else
				buf_add(out, k.p, k.len);
			buf_adds(out, "\":");
			rewrite_keys(out, &val);
		}
		buf_addch(out, '}');
		break;
	case JSON_ARRAY:
		json_array_open(&it, v);
		buf_addch(out, '[');
		while (json_array_next(&it, &val) > 0) {
			if (n++)
				buf_addch(out, ',');
			rewrite_keys(out, &val);
		}
		buf_addch(out, ']');
		break;
	case JSON_STRING: /* p is the body: the quotes are around it */
		buf_add(out, v->p - 1, v->len + 2);
		break;
	default:
		buf_add(out, v->p, v->len);
	}
}

int
json_data_key(const char **p, size_t *n)
{
	if (*n == 0 || (*p)[0] != '$')
		return 1;
	if (*n < 2 || (*p)[1] != '$')
		return 0;
	++*p;
	--*n;
	return 1;
}

/* The bytes of one '$' at p[0..n): 1 for '$', 6 for \u0024, else 0. */
static size_t
dollar_at(const char *p, size_t n)
{
	if (n && p[0] == '$')
		return 1;
	return n >= 6 && strncasecmp(p, "\\u0024", 6) == 0 ? 6 : 0;
}

/*
 * dir < 0, text kept: v's bytes from *from on go to out as they are, but
 * for each object key, at any depth, that begins with two '$' (either
 * spelled \u0024), whose first is left out; *from ends past what is done
 */
static void
unescape_keys_in(struct buf *out, const struct json_value *v, const char **from)
{
	struct json_iter it;
	struct json_value k, val;
	struct json_error e;
	size_t a;

	if (v->type == JSON_OBJECT) {
		json_object_open_value(&it, v);
		while (json_object_next(&it, &k, &val, &e) > 0) {
			if ((a = dollar_at(k.p, k.len)) &&
			    dollar_at(k.p + a, k.len - a)) {
				buf_add(out, *from, (size_t)(k.p - *from));
				*from = k.p + a;
			}
			unescape_keys_in(out, &val, from);
		}
	} else if (v->type == JSON_ARRAY) {
		json_array_open(&it, v);
		while (json_array_next(&it, &val) > 0)
			unescape_keys_in(out, &val, from);
	}
}

static int
keys_rewritten(struct buf *out, const char *p, size_t n, int dir)
{
	struct json_value v = {0};
	struct json_error e;

	if (json_validate(p, n, &v.type, &e) < 0 ||
	    (v.type != JSON_OBJECT && v.type != JSON_ARRAY))
		return 0; /* only objects have keys */
	while (*p != '{' && *p != '[')
		p++, n--; /* the value itself, for rewrite_keys */
	while (p[n - 1] != '}' && p[n - 1] != ']')
		n--;
	v.p = p;
	v.len = n;
	buf_reset(out);
	if (dir < 0) {
		unescape_keys_in(out, &v, &p);
		buf_add(out, p, (size_t)(v.p + v.len - p));
	} else {
		rewrite_keys(out, &v);
	}
	return 1;
}

int
json_unescape_keys(struct buf *out, const char *p, size_t n)
{
	if (n < 3 || (!memmem(p, n, "\"$", 2) && !memmem(p, n, "\"\\u0024", 7)))
		return 0;
	return keys_rewritten(out, p, n, -1);
}

int
json_escape_keys(struct buf *out, const char *p, size_t n)
{
	if (n < 2 ||
	    (!memmem(p, n, "\"$", 2) && !memmem(p, n, "\"\\u0024", 7) &&
	     !memmem(p, n, "\"\\U0024", 7)))
		return 0;
	return keys_rewritten(out, p, n, 1);
}

/*
 * d (|d| >= 2^-1022, finite) as %.{n}g would write it, from n decimal
 * digits dig (rounded already) whose first has the exponent x.
 */
static size_t
format_g(char *o, const char *dig, int n, int x, int neg)
{
	char *w = o;
	int i, last = n - 1;

	while (last > 0 && dig[last] == '0')
		last--; /* %g drops trailing zeros of the fraction */
	if (neg)
		*w++ = '-';
	if (x < -4 || x >= n) {
		*w++ = dig[0];
		if (last > 0) {
			*w++ = '.';
			for (i = 1; i <= last; i++)
				*w++ = dig[i];
		}
		*w++ = 'e';
		*w++ = x < 0 ? '-' : '+';
		if (x < 0)
			x = -x;
		if (x >= 100)
			*w++ = (char)('0' + x / 100);
		*w++ = (char)('0' + x / 10 % 10);
		*w++ = (char)('0' + x % 10);
	} else if (x >= 0) {
		for (i = 0; i <= x; i++)
			*w++ = dig[i];
		if (last > x) {
			*w++ = '.';
			for (i = x + 1; i <= last; i++)
				*w++ = dig[i];
		}
	} else {
		*w++ = '0';
		*w++ = '.';
		for (i = -1; i > x; i--)
			*w++ = '0';
		for (i = 0; i <= last; i++)
			*w++ = dig[i];
	}
	*w = 0;
	return (size_t)(w - o);
}

/*
 * The shortest of 15, 16 or 17 digits that reads back as d, from one
 * correctly rounded 17-digit conversion: rounding those digits again to
 * 15 or 16 gives what a conversion to 15 or 16 would, except when the
 * digits dropped are exactly 5000..., where the exact value decides:
 * then 0, for the caller's printf to settle.
 */
static int
write_double_digits(struct buf *out, double d)
{
	char e[40], dig[18], r[18], cand[40];
	int x, n, i, half;

	snprintf(e, sizeof(e), "%.16e", fabs(d)); /* d.dddddddddddddddde+XX */
	if (e[1] != '.' || e[18] != 'e')
		return 0;
	dig[0] = e[0];
	memcpy(dig + 1, e + 2, 16);
	x = atoi(e + 19);
	for (n = 15; n <= 16; n++) {
		half = dig[n] == '5';
		for (i = n + 1; half && i < 17; i++)
			half = dig[i] == '0';
		if (half)
			return 0;
		memcpy(r, dig, (size_t)n);
		int ex = x;
		if (dig[n] >= '5') {
			for (i = n - 1; i >= 0 && r[i] == '9'; i--)
				r[i] = '0';
			if (i >= 0) {
				r[i]++;
			} else { /* 999... rounds up to 1000... */
				r[0] = '1';
				ex++;
			}
		}
		format_g(cand, r, n, ex, d < 0);
		if (strtod(cand, NULL) == d) {
			buf_adds(out, cand);
			return 1;
		}
	}
	buf_add(out, cand, format_g(cand, dig, 17, x, d < 0));
	return 1;
}

void
json_write_double(struct buf *out, double d)
{
	char t[40];
	int prec;

	if (isnan(d)) {
		buf_adds(out, "\"NaN\"");
		return;
	}
	if (isinf(d)) {
		buf_adds(out, d < 0 ? "\"-Infinity\"" : "\"Infinity\"");
		return;
	}
	if (write_double_fast(out, d))
		return;
	if (fabs(d) >= DBL_MIN && write_double_digits(out, d))
		return;
	/*
	 * For a normal double, when 15 digits read back the same they are also
	 * the shortest: the double's rounding error is below half a unit of the
	 * 15th digit.  Subnormals have fewer bits, so they search from 1.
	 */
	for (prec = fabs(d) < DBL_MIN && d != 0 ? 1 : 15; prec < 17; prec++) {
		snprintf(t, sizeof(t), "%.*g", prec, d);
		if (strtod(t, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(t, sizeof(t), "%.17g", d);
	buf_adds(out, t);
	/* 1e+20 and 5 are valid JSON; "inf"/"nan" were handled above */
}

/*
 * A JSON number's decimal value: sign, significant digits (no leading or
 * trailing zeros; d may have one '.' among them) and the power of ten of
 * the first of them.
 */
struct decimal {
	int neg;
	const char *d;
	size_t n;
	long exp;
};

static void
decimal_of(struct decimal *x, const char *p, size_t len)
{
	const char *end = p + len;
	long e = 0, ilen = 0, pos = 0, first = -1;
	size_t n = 0, sig = 0;
	int eneg;

	x->neg = p < end && *p == '-';
	p += x->neg;
	x->d = NULL;
	/* pos: index among all digits; ilen: the integer part's length */
	for (ilen = -1; p < end && (*p == '.' || (*p >= '0' && *p <= '9'));
	     p++) {
		if (*p == '.') {
			ilen = pos;
			continue;
		}
		if (*p != '0' || first >= 0) {
			if (first < 0) {
				first = pos;
				x->d = p;
			}
			n++;
			if (*p != '0')
				sig = n; /* trailing zeros do not count */
		}
		pos++;
	}
	if (ilen < 0)
		ilen = pos;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		eneg = p < end && *p == '-';
		p += p < end && (*p == '-' || *p == '+');
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (e < 100000000)
				e = e * 10 + (*p - '0');
		e = eneg ? -e : e;
	}
	x->n = sig;
	x->exp = sig ? ilen - 1 - first + e : 0;
}

double
json_number_double(const char *p, size_t n)
{
	static const double p10[] = {1e0,  1e1,	 1e2,  1e3,  1e4,  1e5,
				     1e6,  1e7,	 1e8,  1e9,  1e10, 1e11,
				     1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				     1e18, 1e19, 1e20, 1e21, 1e22};
	const char *s = p, *end = p + n;
	uint64_t m = 0;
	long e = 0, ex = 0;
	int neg = 0, digits = 0, eneg = 0;
	char t[128];
	double d;

	neg = s < end && *s == '-';
	s += neg;
	for (; s < end && *s >= '0' && *s <= '9'; s++, digits++)
		m = m * 10 + (uint64_t)(*s - '0');
	if (s < end && *s == '.')
		for (s++; s < end && *s >= '0' && *s <= '9'; s++, digits++) {
			m = m * 10 + (uint64_t)(*s - '0');
			e--;
		}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		eneg = s < end && *s == '-';
		s += s < end && (*s == '-' || *s == '+');
		for (; s < end && *s >= '0' && *s <= '9' && ex < 100000; s++)
			ex = ex * 10 + (*s - '0');
		e += eneg ? -ex : ex;
	}
	/* 19 digits cannot overflow m; 2^53 and 10^22 are exact doubles */
	if (s == end && digits <= 19 && m <= (UINT64_C(1) << 53) && e >= -22 &&
	    e <= 22) {
		d = (double)m;
		d = e < 0 ? d / p10[-e] : d * p10[e];
		return neg ? -d : d;
	}
	if (n < sizeof(t)) {
		memcpy(t, p, n);
		t[n] = '\0';
		return strtod(t, NULL);
	}
	{
		char *big = strndup(p, n); /* a number of 128 digits or more */
		d = big ? strtod(big, NULL) : NAN;
		free(big);
		return d;
	}
}

int
json_number_same(const char *a, size_t alen, const char *b, size_t blen)
{
	struct decimal x, y;
	size_t i, j, k;

	decimal_of(&x, a, alen);
	decimal_of(&y, b, blen);
	if (x.neg != y.neg || x.n != y.n || (x.n && x.exp != y.exp))
		return 0;
	for (i = j = k = 0; k < x.n; i++, j++) {
		if (x.d[i] == '.')
			i++;
		if (y.d[j] == '.')
			j++;
		if (x.d[i] != y.d[j])
			return 0;
		k++;
	}
	return 1;
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
b64_encode(struct buf *out, const void *src, size_t len)
{
	const unsigned char *p = src;
	size_t i, n = (len + 2) / 3 * 4;
	char *o;

	buf_grow(out, n);
	o = out->data + out->len;
	for (i = 0; i + 2 < len; i += 3) {
		*o++ = b64chars[p[i] >> 2];
		*o++ = b64chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = b64chars[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = b64chars[p[i + 2] & 63];
	}
	if (i < len) {
		*o++ = b64chars[p[i] >> 2];
		if (i + 1 < len) {
			*o++ = b64chars[(p[i] & 3) << 4 | p[i + 1] >> 4];
			*o++ = b64chars[(p[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(p[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	buf_setlen(out, out->len + n);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
b64_decode(struct buf *out, const char *p, size_t len)
{
	size_t i, pad = 0;
	unsigned long acc;
	int k, v;

	if (len % 4)
		return -1;
	if (len && p[len - 1] == '=')
		pad = len >= 2 && p[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		acc = 0;
		for (k = 0; k < 4; k++) {
			if (i + k >= len - pad) {
				v = 0;
			} else if ((v = b64val((unsigned char)p[i + k])) < 0) {
				return -1;
			}
			acc = acc << 6 | (unsigned long)v;
		}
		buf_addch(out, (int)(acc >> 16 & 0xff));
		if (i + 4 < len || pad < 2)
			buf_addch(out, (int)(acc >> 8 & 0xff));
		if (i + 4 < len || pad < 1)
			buf_addch(out, (int)(acc & 0xff));
	}
	return 0;
}

void
json_write_binary(struct buf *out, const void *p, size_t len, unsigned subtype)
{
	buf_adds(out, "{\"$binary\":{\"base64\":\"");
	b64_encode(out, p, len);
	buf_addf(out, "\",\"subType\":\"%02x\"}}", subtype & 0xff);
}

int
json_binary_decode(const struct json_value *v, struct buf *out)
{
	struct json_iter it, in;
	struct json_value k, val, b64 = {0}, sub = {0};
	int n = 0;

	if (v->type != JSON_OBJECT)
		return 0;
	json_object_open_value(&it, v);
	while (json_object_next(&it, &k, &val, &(struct json_error){0}) > 0) {
		if (n++ || !json_string_equals(&k, "$binary", 7) ||
		    val.type != JSON_OBJECT)
			return 0;
		json_object_open_value(&in, &val);
		while (json_object_next(&in, &k, &val,
					&(struct json_error){0}) > 0) {
			if (json_string_equals(&k, "base64", 6))
				b64 = val;
			else if (json_string_equals(&k, "subType", 7))
				sub = val;
			else
				return -1;
		}
	}
	if (n != 1)
		return 0;
	if (b64.type != JSON_STRING || sub.type != JSON_STRING || b64.escaped ||
	    sub.len < 1 || sub.len > 2 || hexval((unsigned char)sub.p[0]) < 0 ||
	    (sub.len == 2 && hexval((unsigned char)sub.p[1]) < 0))
		return -1;
	return b64_decode(out, b64.p, b64.len) < 0 ? -1 : 1;
}
