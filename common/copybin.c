/*
 * copybin.c: JSON values into PostgreSQL's binary COPY format.  Only what
 * is exact is encoded here; anything else is left to the server's text
 * input (copy_binary_value returns 1).
 */
#include "copybin.h"

#include "isotime.h"
#include "pghash.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	enum bin_type type;
} types[] = {
	{"int2", BIN_INT2},
	{"int4", BIN_INT4},
	{"int8", BIN_INT8},
	{"float4", BIN_FLOAT4},
	{"float8", BIN_FLOAT8},
	{"bool", BIN_BOOL},
	{"text", BIN_TEXT},
	{"varchar", BIN_TEXT},
	{"bpchar", BIN_TEXT},
	{"bytea", BIN_BYTEA},
	{"json", BIN_JSON},
	{"jsonb", BIN_JSONB},
	{"date", BIN_DATE},
	{"timestamp", BIN_TIMESTAMP},
	{"timestamptz", BIN_TIMESTAMPTZ},
	{"uuid", BIN_UUID},
	{"numeric", BIN_NUMERIC},
};

enum bin_type
bin_type_of(const char *typname)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(*types); i++)
		if (strcmp(types[i].name, typname) == 0)
			return types[i].type;
	return BIN_NONE;
}

static void
put16(struct buf *b, uint16_t v)
{
	unsigned char t[2] = {(unsigned char)(v >> 8), (unsigned char)v};

	buf_add(b, t, 2);
}

static void
put32(struct buf *b, uint32_t v)
{
	unsigned char t[4] = {(unsigned char)(v >> 24),
			      (unsigned char)(v >> 16), (unsigned char)(v >> 8),
			      (unsigned char)v};

	buf_add(b, t, 4);
}

static void
put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)(v >> 32));
	put32(b, (uint32_t)v);
}

void
copy_binary_header(struct buf *out)
{
	buf_add(out, "PGCOPY\n\377\r\n\0", 11);
	put32(out, 0); /* flags */
	put32(out, 0); /* header extension */
}

void
copy_binary_trailer(struct buf *out)
{
	put16(out, 0xffff);
}

/* A JSON integer (no fraction, no exponent) that fits in [lo, hi]. */
static int
parse_int(const struct json_value *v, int64_t lo, int64_t hi, int64_t *out)
{
	const char *p = v->p, *end = v->p + v->len;
	uint64_t u = 0, lim;
	int neg = 0;

	if (v->type != JSON_NUMBER || !v->integer)
		return -1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)0 - (uint64_t)lo : (uint64_t)hi;
	for (; p < end; p++) {
		if (u > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(*p - '0');
	}
	*out = neg ? (int64_t)((uint64_t)0 - u) : (int64_t)u;
	return 0;
}

/* A JSON number as strtod/strtof read it, the way float8in/float4in do. */
static int
parse_float(const struct json_value *v, int single, double *out)
{
	char t[128];

	if (v->type == JSON_STRING && !v->escaped) {
		/* the contract's spellings of values JSON lacks */
		if (v->len == 3 && memcmp(v->p, "NaN", 3) == 0)
			*out = NAN;
		else if (v->len == 8 && memcmp(v->p, "Infinity", 8) == 0)
			*out = INFINITY;
		else if (v->len == 9 && memcmp(v->p, "-Infinity", 9) == 0)
			*out = -INFINITY;
		else
			return -1;
		return 0;
	}
	if (v->type != JSON_NUMBER || v->len >= sizeof(t))
		return -1;
	errno = 0;
	if (single) {
		memcpy(t, v->p, v->len);
		t[v->len] = '\0';
		*out = strtof(t, NULL);
	} else {
		*out = json_number_double(v->p, v->len);
	}
	/* out of range either way is the server's error to give */
	if (errno == ERANGE && (*out == 0 || isinf(*out)))
		return -1;
	return 0;
}

/*
 * An ISO 8601 date and time as PostgreSQL reads it (common/isotime), years
 * 1 to 9999: *usec is microseconds from 2000-01-01 (PostgreSQL's epoch) in
 * the written time; *has_zone and *zone_sec give the offset, if any.
 */
static int
parse_datetime(const struct json_value *v, int date_only, int64_t *usec,
	       int *has_zone, int64_t *zone_sec)
{
	struct isotime t;

	if (v->type != JSON_STRING || v->escaped ||
	    isotime_parse(v->p, v->len, date_only, &t) < 0)
		return -1;
	*usec = t.usec - ISOTIME_USEC_1970_TO_2000;
	*has_zone = t.has_zone;
	*zone_sec = t.zone_sec;
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 8-4-4-4-12 hex digits, or 32 in a row; upper or lower case. */
static int
parse_uuid(const struct json_value *v, unsigned char out[16])
{
	const char *p = v->p;
	size_t i, k = 0;
	int hi, lo;

	if (v->type != JSON_STRING || (v->len != 36 && v->len != 32))
		return -1;
	for (i = 0; i < v->len;) {
		if (v->len == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (p[i++] != '-')
				return -1;
			continue;
		}
		if ((hi = hexval((unsigned char)p[i])) < 0 ||
		    (lo = hexval((unsigned char)p[i + 1])) < 0)
			return -1;
		out[k++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return k == 16 ? 0 : -1;
}

/*
 * A JSON number as numeric's binary form: base-10000 digits around the
 * decimal point, the weight of the first, and the display scale numeric_in
 * would give it (fraction digits less the exponent).
 */
static int
put_numeric(struct buf *out, const struct json_value *v, struct buf *tmp)
{
	const char *p = v->p, *end = v->p + v->len;
	int neg = 0, frac = 0, expo = 0, eneg = 0, point, ndig, first, i, g;
	long dscale;
	size_t start;
	char *d;

	if (v->type != JSON_NUMBER)
		return -1;
	buf_reset(tmp);
	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		buf_addch(tmp, *p);
	point = (int)tmp->len;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, frac++)
			buf_addch(tmp, *p);
	if (p < end) { /* e or E */
		p++;
		if (*p == '+' || *p == '-')
			eneg = *p++ == '-';
		for (; p < end; p++) {
			expo = expo * 10 + (*p - '0');
			if (expo > 1000)
				return -1;
		}
		if (eneg)
			expo = -expo;
	}
	dscale = (long)frac - expo;
	if (dscale < 0)
		dscale = 0;
	if (dscale > 16383)
		return -1;
	point += expo;
	/* pad with zeros so that both ends fall on 4-digit groups */
	d = tmp->data;
	ndig = (int)tmp->len;
	for (first = 0; first < ndig && d[first] == '0'; first++)
		;
	while (ndig > first && d[ndig - 1] == '0')
		ndig--;
	if (first == ndig) { /* zero */
		put32(out, 8);
		put16(out, 0);
		put16(out, 0);
		put16(out, 0);
		put16(out, (uint16_t)dscale);
		return 0;
	}
	{
		/* group boundaries are multiples of 4 digits from the point */
		int lo = first - point, hi = ndig - point; /* digit positions */
		int glo = lo >= 0 ? lo / 4 * 4 : -((-lo + 3) / 4 * 4);
		int ghi = hi > 0 ? (hi + 3) / 4 * 4 : -(-hi / 4 * 4);
		int ngroups = (ghi - glo) / 4;
		int weight = -glo / 4 - 1;

		if (ngroups > 10000 || weight > 32767 || weight < -32768)
			return -1;
		start = out->len;
		put32(out, (uint32_t)(8 + 2 * ngroups));
		put16(out, (uint16_t)ngroups);
		put16(out, (uint16_t)(int16_t)weight);
		put16(out, neg ? 0x4000 : 0);
		put16(out, (uint16_t)dscale);
		for (g = 0; g < ngroups; g++) {
			int val = 0;
			for (i = 0; i < 4; i++) {
				int pos = glo + g * 4 + i +
					  point; /* index in d */
				val = val * 10 + (pos >= first && pos < ndig
							  ? d[pos] - '0'
							  : 0);
			}
			put16(out, (uint16_t)val);
		}
		(void)start;
	}
	return 0;
}

/*
 * A boolean as PostgreSQL's boolin reads it, for the spellings it takes
 * exactly (SQLite's 0 and 1, "t", "yes", "off" in any case): 1, 0, or -1
 * for anything else, which the text path leaves to the server.
 */
static int
bool_of(const struct json_value *v)
{
	static const char *const yes[] = {"t", "true", "y", "yes", "on", "1"};
	static const char *const no[] = {"f", "false", "n", "no", "off", "0"};
	size_t i;

	if (v->type == JSON_TRUE || v->type == JSON_FALSE)
		return v->type == JSON_TRUE;
	if (v->type == JSON_NUMBER && v->len == 1 &&
	    (v->p[0] == '0' || v->p[0] == '1'))
		return v->p[0] == '1';
	if (v->type != JSON_STRING || v->escaped)
		return -1;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strlen(yes[i]) == v->len &&
		    strncasecmp(v->p, yes[i], v->len) == 0)
			return 1;
		if (strlen(no[i]) == v->len &&
		    strncasecmp(v->p, no[i], v->len) == 0)
			return 0;
	}
	return -1;
}

int
copy_binary_value(struct buf *out, const struct json_value *v,
		  enum bin_type type, struct buf *tmp)
{
	int64_t i, usec, zone;
	double f;
	unsigned char u[16];
	int has_zone, r;
	size_t mark = out->len;

	if (v->type == JSON_NULL) {
		put32(out, 0xffffffff);
		return 0;
	}
	switch (type) {
	case BIN_INT2:
		if (parse_int(v, INT16_MIN, INT16_MAX, &i) < 0)
			return 1;
		put32(out, 2);
		put16(out, (uint16_t)i);
		return 0;
	case BIN_INT4:
		if (parse_int(v, INT32_MIN, INT32_MAX, &i) < 0)
			return 1;
		put32(out, 4);
		put32(out, (uint32_t)i);
		return 0;
	case BIN_INT8:
		if (parse_int(v, INT64_MIN, INT64_MAX, &i) < 0)
			return 1;
		put32(out, 8);
		put64(out, (uint64_t)i);
		return 0;
	case BIN_FLOAT4: {
		float fl;
		uint32_t bits;
		if (parse_float(v, 1, &f) < 0)
			return 1;
		fl = (float)f;
		memcpy(&bits, &fl, 4);
		put32(out, 4);
		put32(out, bits);
		return 0;
	}
	case BIN_FLOAT8: {
		uint64_t bits;
		if (parse_float(v, 0, &f) < 0)
			return 1;
		memcpy(&bits, &f, 8);
		put32(out, 8);
		put64(out, bits);
		return 0;
	}
	case BIN_BOOL:
		if ((r = bool_of(v)) < 0)
			return 1; /* the server's boolin decides */
		put32(out, 1);
		buf_addch(out, (char)r);
		return 0;
	case BIN_TEXT:
		if (v->type == JSON_STRING) {
			buf_reset(tmp);
			json_unescape(tmp, v->p, v->len);
			if (memchr(tmp->data, '\0', tmp->len))
				return 1;
			put32(out, (uint32_t)tmp->len);
			buf_add(out, tmp->data, tmp->len);
			return 0;
		}
		if (v->type == JSON_OBJECT) {
			buf_reset(tmp);
			if (json_binary_decode(v, tmp) != 0)
				return 1;
		}
		/* numbers, booleans, JSON text: as the text path sends them */
		if (json_unescape_keys(tmp, v->p, v->len)) {
			put32(out, (uint32_t)tmp->len);
			buf_add(out, tmp->data, tmp->len);
			return 0;
		}
		put32(out, (uint32_t)v->len);
		buf_add(out, v->p, v->len);
		return 0;
	case BIN_BYTEA:
		/* $binary's bytes, else the value's own (a string's UTF-8) */
		buf_reset(tmp);
		if (v->type == JSON_STRING)
			json_unescape(tmp, v->p, v->len);
		else if (v->type != JSON_OBJECT ||
			 (r = json_binary_decode(v, tmp)) == 0)
			buf_add(tmp, v->p, v->len);
		else if (r < 0)
			return 1;
		put32(out, (uint32_t)tmp->len);
		buf_add(out, tmp->data, tmp->len);
		return 0;
	case BIN_JSON:
	case BIN_JSONB: {
		const char *p = v->type == JSON_STRING ? v->p - 1 : v->p;
		size_t n = v->type == JSON_STRING ? v->len + 2 : v->len;
		/* data keys as the data's: "$$x" was the key "$x" */
		if (v->type != JSON_STRING && json_unescape_keys(tmp, p, n)) {
			p = tmp->data;
			n = tmp->len;
		}
		put32(out, (uint32_t)(n + (type == BIN_JSONB)));
		if (type == BIN_JSONB)
			buf_addch(out, 1); /* jsonb's binary version */
		buf_add(out, p, n);
		return 0;
	}
	case BIN_DATE:
		if (parse_datetime(v, 1, &usec, &has_zone, &zone) < 0)
			return 1;
		put32(out, 4);
		put32(out, (uint32_t)(int32_t)(usec / 86400000000LL));
		return 0;
	case BIN_TIMESTAMP:
		/* a zone written on a timestamp is ignored, as the server does
		 */
		if (parse_datetime(v, 0, &usec, &has_zone, &zone) < 0)
			return 1;
		put32(out, 8);
		put64(out, (uint64_t)usec);
		return 0;
	case BIN_TIMESTAMPTZ:
		/* without a zone the session's TimeZone decides: the server's
		 */
		if (parse_datetime(v, 0, &usec, &has_zone, &zone) < 0 ||
		    !has_zone)
			return 1;
		put32(out, 8);
		put64(out, (uint64_t)(usec - zone * 1000000));
		return 0;
	case BIN_UUID:
		if (parse_uuid(v, u) < 0)
			return 1;
		put32(out, 16);
		buf_add(out, u, 16);
		return 0;
	case BIN_NUMERIC:
		r = put_numeric(out, v, tmp);
		if (r < 0) {
			buf_setlen(out, mark);
			return 1;
		}
		return 0;
	case BIN_NONE:
		break;
	}
	return 1;
}

/*
 * pg-verify's digest: what the server's send function gives for the value
 * it stores, computed here from the field above.  A string spelling a
 * JSON number is that number (int4in, numeric_in and float8in read both
 * alike); numeric loses its trailing zeros (trim_scale); char(n) its
 * padding (bpchar as text); jsonb is jsonb_out's text after its version.
 */
/*
 * A string that is a JSON number ("12", "-1.50e3"), as that number: what
 * int4in, numeric_in and float8in make of both is the same.
 */
static int
number_string(const struct json_value *v, struct json_value *num)
{
	const char *p = v->p, *end = v->p + v->len;
	int integer = 1;

	if (v->type != JSON_STRING || v->escaped || !v->len)
		return 0;
	if (*p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if (p < end && *p >= '1' && *p <= '9')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	else
		return 0;
	if (p < end && *p == '.') {
		integer = 0;
		if (++p == end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		integer = 0;
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p == end || *p < '0' || *p > '9')
			return 0;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p != end)
		return 0;
	*num = *v;
	num->type = JSON_NUMBER;
	num->integer = (unsigned char)integer;
	return 1;
}

int
copy_binary_hash(struct copy_hash *ch, const struct json_value *v,
		 enum bin_type type, int padded, uint64_t *h)
{
	struct json_value num;
	struct buf *out = &ch->field;
	size_t mark = 0, n;
	unsigned char *f;
	int nd, weight, last, tz, frac;

	if ((type == BIN_INT2 || type == BIN_INT4 || type == BIN_INT8 ||
	     type == BIN_NUMERIC || type == BIN_FLOAT4 || type == BIN_FLOAT8) &&
	    number_string(v, &num))
		v = &num;
	buf_reset(out);
	if (copy_binary_value(out, v, type, &ch->tmp))
		return 1;
	if (v->type == JSON_NULL) {
		*h = 0;
		return 0;
	}
	if (type == BIN_JSONB) {
		/* jsonb_send: its version, then jsonb_out's text */
		buf_setlen(&ch->tmp, 0);
		buf_addch(&ch->tmp, 1);
		if (pgjsonb_text(&ch->jb, &ch->tmp, out->data + 5,
				 out->len - 5))
			return 1;
		*h = pghash_bytes(ch->tmp.data, ch->tmp.len, ch->seed);
		return 0;
	}
	f = (unsigned char *)out->data + mark;
	if (type == BIN_NUMERIC) {
		/* trim_scale: the places down to the last digit not zero */
		nd = f[4] << 8 | f[5];
		weight = (int16_t)(f[6] << 8 | f[7]);
		frac = 0;
		if (nd) {
			last = f[12 + 2 * (nd - 1)] << 8 |
			       f[12 + 2 * (nd - 1) + 1];
			for (tz = 0; last % 10 == 0 && tz < 3; tz++)
				last /= 10;
			frac = (nd - 1 - weight) * 4 - tz;
		}
		if (frac < 0)
			frac = 0;
		f[10] = (unsigned char)(frac >> 8);
		f[11] = (unsigned char)frac;
	} else if (type == BIN_TEXT && padded) {
		n = out->len - mark - 4;
		while (n && f[4 + n - 1] == ' ')
			n--;
		f[0] = (unsigned char)(n >> 24);
		f[1] = (unsigned char)(n >> 16);
		f[2] = (unsigned char)(n >> 8);
		f[3] = (unsigned char)n;
		out->len = mark + 4 + n;
	}
	*h = pghash_bytes(out->data + 4, out->len - 4, ch->seed);
	return 0;
}

void
copy_hash_release(struct copy_hash *ch)
{
	buf_release(&ch->field);
	buf_release(&ch->tmp);
	pgjsonb_release(&ch->jb);
}
