/*
 * fuzz_typmod: pg-copy-load's type modifier guard (typmod.c) on arbitrary
 * values, with what it must do without an oracle: the same answer twice; a
 * value kept by numeric(p,s), a time's or an interval's precision also
 * kept by a larger one; a value read as an array's, range's or
 * multirange's only element judged as the value alone; and values built to
 * fit the modifier (digits within the scale or precision, fields within an
 * interval's, no more characters than varchar(n)) kept, a varchar's
 * trailing blanks past n refused.
 *
 * Input: four bytes choosing the guard, then the value.
 *   [0] (c - 'a') & 7: numeric, timestamp, timestamptz, time, timetz,
 *       interval, varchar, bit (no guard)
 *   [1] m = c - '0': numeric's scale (signed byte), a time's or an
 *       interval's precision m & 7 (7: none given), varchar's length
 *   [2] r = c - '0': numeric's precision; an interval's fields,
 *       ranges[r & 15] below
 *   [3] (c - '0') & 7: the containers, wraps[] below
 * The rest is one JSON text when it is one, else the bytes of a string;
 * it is also the random stream the values built to fit are drawn from.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/pg-copy-load/typmod.h"
#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define Y (1 << 2)
#define MO (1 << 1)
#define D (1 << 3)
#define H (1 << 10)
#define MI (1 << 11)
#define S (1 << 12)
#define FULL 0x7fff

/* the fields PostgreSQL's grammar allows; -1: no modifier */
static const int ranges[16] = {FULL,
			       Y,
			       MO,
			       D,
			       H,
			       MI,
			       S,
			       Y | MO,
			       D | H,
			       D | H | MI,
			       D | H | MI | S,
			       H | MI,
			       H | MI | S,
			       MI | S,
			       0x5a5a,
			       -1};
static const char *const wraps[8] = {"", "a", "r", "m", "ar", "am", "aa", "ra"};
static const char *const types[8] = {"numeric", "timestamp", "timestamptz",
				     "time",	"timetz",    "interval",
				     "varchar", "bit"};

struct setup {
	int type; /* index into types */
	int typmod;
	int scale;  /* numeric */
	int prec;   /* times, intervals: 0..6 (6: all) */
	int fields; /* interval: the range, FULL when none */
	int len;    /* varchar */
	const char *wrap;
};

/* the random stream: zeros once it runs out */
struct rd {
	const uint8_t *p, *end;
};

static unsigned
rd(struct rd *r)
{
	return r->p < r->end ? *r->p++ : 0;
}

static int
check(const struct setup *s, int typmod, const char *wrap,
      const struct json_value *v, struct buf *msg)
{
	struct typmod_guard g;
	struct buf scratch[TYPMOD_SCRATCH];
	int i, rc, rc2;
	struct buf msg2 = BUF_INIT;

	for (i = 0; i < TYPMOD_SCRATCH; i++)
		scratch[i] = (struct buf)BUF_INIT;
	typmod_guard_init(&g, types[s->type], typmod, wrap);
	buf_reset(msg);
	rc = typmod_check(&g, "t", v, scratch, msg);
	if (rc != 0 && rc != -1)
		__builtin_trap();
	if (rc < 0 && msg->len == 0)
		__builtin_trap(); /* a refusal says why */
	/* the same answer again, with the buffers grown */
	rc2 = typmod_check(&g, "t", v, scratch, &msg2);
	if (rc2 != rc || (rc < 0 && (msg2.len != msg->len ||
				     memcmp(msg2.data, msg->data, msg->len))))
		__builtin_trap();
	for (i = 0; i < TYPMOD_SCRATCH; i++)
		buf_release(&scratch[i]);
	buf_release(&msg2);
	return rc;
}

/* the typmod one digit finer, or -1 when there is none */
static int
finer(const struct setup *s)
{
	switch (s->type) {
	case 0:
		if (s->scale >= 1023)
			return -1;
		return (int)(((unsigned)(s->typmod - 4) & ~0x7ffu) |
			     ((unsigned)(s->scale + 1) & 0x7ff)) +
		       4;
	case 1:
	case 2:
	case 3:
	case 4:
		return s->prec < 6 ? s->prec + 1 : -1;
	case 5:
		if (s->typmod < 0 || s->prec >= 6)
			return -1;
		return (s->typmod & ~0xffff) | (s->prec + 1);
	}
	return -1;
}

/* p[0..n) quoted for an array or range literal */
static void
quote(struct buf *out, const char *p, size_t n)
{
	size_t i;

	buf_addch(out, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			buf_addch(out, '\\');
		buf_addch(out, p[i]);
	}
	buf_addch(out, '"');
}

/* the text of wrap's containers around p[0..n), its one value */
static void
literal(struct buf *out, const char *wrap, const char *p, size_t n, int dims)
{
	struct buf in = BUF_INIT;

	if (!*wrap) {
		buf_add(out, p, n);
		return;
	}
	literal(&in, wrap + 1, p, n, dims);
	switch (*wrap) {
	case 'a':
		if (dims)
			buf_adds(out, "[1:1]=");
		buf_addch(out, '{');
		quote(out, in.data, in.len);
		buf_addch(out, '}');
		break;
	case 'r':
	case 'm':
		buf_adds(out, *wrap == 'm' ? " {[" : "[");
		quote(out, in.data, in.len);
		buf_addch(out, ',');
		quote(out, in.data, in.len);
		buf_adds(out, *wrap == 'm' ? "] } " : ")");
		break;
	}
	buf_release(&in);
}

/* a JSON string's body of p[0..n), escaped (raw bytes kept) */
static void
json_body(struct buf *out, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '"' || c == '\\') {
			buf_addch(out, '\\');
			buf_addch(out, c);
		} else if (c < 0x20) {
			buf_adds(out, "\\u00");
			buf_addch(out, hex[c >> 4]);
			buf_addch(out, hex[c & 15]);
		} else {
			buf_addch(out, c);
		}
	}
}

/*
 * The verdict on text p[0..n) in every form: alone (a JSON number too when
 * num), and as the one value of the setup's containers, as text and, for
 * an array, as a JSON array.  Each must be the same; it is returned.
 */
static int
verdict(const struct setup *s, const char *p, size_t n, int num, int dims,
	struct buf *msg)
{
	struct json_value v;
	struct buf t = BUF_INIT, j = BUF_INIT;
	int rc, rc2;

	v.type = JSON_STRING;
	v.p = p;
	v.len = n;
	v.escaped = 0;
	rc = check(s, s->typmod, "", &v, msg);
	if (num) {
		v.type = JSON_NUMBER;
		if (check(s, s->typmod, "", &v, msg) != rc)
			__builtin_trap();
	}
	/* an empty bound is no bound */
	if (!*s->wrap || (n == 0 && strchr(s->wrap, 'r')) ||
	    (n == 0 && strchr(s->wrap, 'm')))
		goto out;
	literal(&t, s->wrap, p, n, dims);
	json_body(&j, t.data, t.len);
	v.type = JSON_STRING;
	v.p = j.data;
	v.len = j.len;
	v.escaped = 1;
	if ((rc2 = check(s, s->typmod, s->wrap, &v, msg)) != rc)
		__builtin_trap();
	if (s->wrap[0] == 'a' && utf8_valid_prefix(p, n) == n) {
		/* ["x"] or [x]: elements of JSON, which is UTF-8 */
		buf_reset(&t);
		literal(&t, s->wrap + 1, p, n, dims);
		buf_reset(&j);
		buf_addch(&j, '[');
		if (num && !s->wrap[1]) {
			buf_add(&j, p, n);
		} else {
			buf_addch(&j, '"');
			json_body(&j, t.data, t.len);
			buf_addch(&j, '"');
		}
		buf_addch(&j, ']');
		v.type = JSON_ARRAY;
		v.p = j.data;
		v.len = j.len;
		if (check(s, s->typmod, s->wrap, &v, msg) != rc)
			__builtin_trap();
	}
out:
	buf_release(&t);
	buf_release(&j);
	return rc;
}

/* n random digits, the first not 0 when first */
static void
digits(struct rd *r, struct buf *out, int n, int first)
{
	int i;

	for (i = 0; i < n; i++)
		buf_addch(out, (i == 0 && first ? '1' + (int)(rd(r) % 9)
						: '0' + (int)(rd(r) % 10)));
}

/*
 * A number whose every digit is at 10^-scale or above: digits, a
 * fraction, an exponent that moves them there; trailing zeros, blanks,
 * signs.  *num: it is a JSON number too.
 */
static void
fit_numeric(struct rd *r, int scale, struct buf *out, int *num)
{
	int ni = (int)(rd(r) % 6), nf = (int)(rd(r) % 6);
	unsigned f = rd(r);
	long e, emin;

	if (!ni && !nf)
		ni = 1;
	emin = (nf ? nf : 0) - scale;
	e = emin <= 0 && (f & 1) ? 0 : emin + (long)(rd(r) % 3);
	*num = ni > 0 && !(f & (8 | 16 | 32));
	if (f & 32)
		buf_addch(out, ' ');
	if (f & 4)
		buf_addch(out, '-');
	else if (f & 8)
		buf_addch(out, '+');
	if (f & 16)
		buf_adds(out, "00");
	digits(r, out, ni, ni > 1);
	if (nf || (f & 2)) {
		buf_addch(out, '.');
		digits(r, out, nf, 0);
		if (f & 2) {
			int z = (int)(rd(r) % 20);
			if (!nf && !z)
				z = 1; /* "1." is no JSON number */
			buf_addf(out, "%.*s", z, "00000000000000000000");
		}
	}
	if (e)
		buf_addf(out, "%s%ld", f & 64 ? "E" : "e", e);
	else if (f & 128)
		buf_adds(out, "e+0");
	if (f & 32)
		buf_adds(out, "  ");
}

/* a fraction of at most prec digits (then zeros), or none */
static void
fit_fraction(struct rd *r, int prec, struct buf *out)
{
	int k = (int)(rd(r) % (unsigned)(prec + 1)), z = (int)(rd(r) % 4);

	if (!k && !(z & 1))
		return;
	buf_addch(out, '.');
	digits(r, out, k, 0);
	buf_addf(out, "%.*s", z * 3, "000000000");
}

/* a date, time or timestamp with at most prec digits of a second */
static void
fit_seconds(struct rd *r, int prec, struct buf *out)
{
	static const char *const zones[] = {
		"",	"Z",   "+02",	"-07:30",	 "+05:45",
		" UTC", "+00", "-0330", " Europe/Paris", "+14"};
	static const char *const words[] = {"infinity", "-infinity", "epoch",
					    "allballs", "now",	     "today"};
	unsigned form = rd(r) % 8;
	int y = 1 + (int)(rd(r) * 37 % 9999), mo = 1 + (int)(rd(r) % 12),
	    d = 1 + (int)(rd(r) % 28), h = (int)(rd(r) % 24),
	    mi = (int)(rd(r) % 60), sec = (int)(rd(r) % 61);

	switch (form) {
	case 0:
	case 1:
		buf_addf(out, "%04d-%02d-%02d%c%02d:%02d:%02d", y, mo, d,
			 form ? 'T' : ' ', h, mi, sec);
		break;
	case 2:
		buf_addf(out, "%02d:%02d:%02d", h, mi, sec);
		break;
	case 3:
		buf_addf(out, "%04d%02d%02dT%02d%02d%02d", y, mo, d, h, mi,
			 sec);
		break;
	case 4:
		buf_addf(out, "%02d%02d%02d", h, mi, sec);
		break;
	case 5:
		buf_addf(out, "Jan %d %02d:%02d:%02d", d, h, mi, sec);
		break;
	case 6:
		buf_addf(out, "%02d:%02d", h, mi); /* no seconds */
		return;
	default:
		buf_adds(out, words[rd(r) % 6]);
		return;
	}
	fit_fraction(r, prec, out);
	if (form == 5)
		buf_addf(out, " %d", y);
	buf_adds(out, zones[rd(r) % 10]);
	if (form != 2 && form != 4 && rd(r) % 4 == 0)
		buf_adds(out, " BC");
}

/* the finest field an interval's range keeps: 0 years .. 5 seconds */
static int
finest(int fields)
{
	if (fields == FULL || (fields & S))
		return 5;
	if (fields & MI)
		return 4;
	if (fields & H)
		return 3;
	if (fields & D)
		return 2;
	if (fields & MO)
		return 1;
	return 0;
}

/*
 * An interval of fields no finer than the range's, seconds of at most
 * prec digits, in the postgres style or ISO 8601.
 */
static void
fit_interval(struct rd *r, int fields, int prec, struct buf *out)
{
	static const char *const units[6][4] = {
		{"years", "year", "decades", "centuries"},
		{"mons", "months", "mon", "month"},
		{"days", "day", "weeks", "w"},
		{"hours", "h", "hr", "hours"},
		{"minutes", "min", "m", "mins"},
		{"seconds", "sec", "s", "secs"}};
	static const char iso[2][6] = {"YMWD", "HMS"};
	int top = finest(fields), i, n = 1 + (int)(rd(r) % 4), u, time = 0;
	unsigned f = rd(r);

	if (f & 1) {
		/* P1Y2M3W4DT5H6M7.5S */
		int any = 0;
		buf_addch(out, 'P');
		for (i = 0; i < 4; i++) {
			if ((top < 2 && i > top) || !(rd(r) & 1))
				continue;
			buf_addf(out, "%s%u%c", rd(r) % 4 ? "" : "-",
				 rd(r) % 100, iso[0][i]);
			any = 1;
		}
		if (top >= 3 && (rd(r) & 1)) {
			buf_addch(out, 'T');
			for (i = 0; i < 3 && i <= top - 3; i++) {
				buf_addf(out, "%u", rd(r) % 100);
				if (i == 2)
					fit_fraction(r, prec, out);
				buf_addch(out, iso[1][i]);
			}
			any = 1;
		}
		if (!any)
			buf_adds(out, top ? "0D" : "0Y");
		return;
	}
	if (f & 2)
		buf_adds(out, "@ ");
	for (i = 0; i < n; i++) {
		if (i)
			buf_addch(out, ' ');
		if (top == 5 && !time && rd(r) % 3 == 0) {
			/* [-]h:mm:ss[.f] */
			buf_addf(out, "%s%u:%02u:%02u", rd(r) & 1 ? "-" : "",
				 rd(r) % 30, rd(r) % 60, rd(r) % 60);
			fit_fraction(r, prec, out);
			time = 1;
			continue;
		}
		if (top == 4 && fields != (MI | S) && !time && rd(r) % 3 == 0) {
			buf_addf(out, "%u:%02u", rd(r) % 30, rd(r) % 60);
			time = 1;
			continue;
		}
		u = (int)(rd(r) % (unsigned)(top + 1));
		buf_addf(out, "%s%u", rd(r) % 4 ? "" : "-", rd(r) % 1000);
		if (u == 5)
			fit_fraction(r, prec, out);
		buf_addf(out, "%s%s", rd(r) & 1 ? " " : "",
			 units[u][rd(r) % 4]);
	}
	if (f & 4)
		buf_adds(out, " ago");
}

/* at most n characters, blanks among them */
static void
fit_varchar(struct rd *r, int n, struct buf *out)
{
	static const char *const chars[] = {
		"a", "Z",  "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
		" ", "\t", "{"};
	int k = (int)(rd(r) % (unsigned)(n + 1)), i;

	for (i = 0; i < k; i++)
		buf_adds(out, chars[rd(r) % 8]);
}

/* the values built to fit the setup's modifier, a few, from the stream */
static void
fitting(const struct setup *s, struct rd *r, struct buf *msg)
{
	struct buf t = BUF_INIT;
	int i, num, blanks;

	for (i = 0; i < 6 && r->p < r->end; i++) {
		buf_reset(&t);
		num = 0;
		switch (s->type) {
		case 0:
			fit_numeric(r, s->scale, &t, &num);
			break;
		case 1:
		case 2:
		case 3:
		case 4:
			fit_seconds(r, s->prec, &t);
			break;
		case 5:
			if (s->fields == 0x5a5a)
				goto out; /* no grammar gives it */
			fit_interval(r, s->fields, s->prec, &t);
			break;
		case 6:
			if (s->len > 40)
				goto out;
			fit_varchar(r, s->len, &t);
			if (verdict(s, t.data, t.len, 0, 0, msg) != 0)
				__builtin_trap();
			/* then blanks past n: cut by PostgreSQL, so refused */
			blanks = 1 + (int)(rd(r) % 3);
			buf_addf(&t, "%*s", s->len + blanks, "");
			if (verdict(s, t.data, t.len, 0, rd(r) & 1, msg) != -1)
				__builtin_trap();
			continue;
		default:
			goto out;
		}
		if (verdict(s, t.data, t.len, num, rd(r) & 1, msg) != 0)
			__builtin_trap();
	}
out:
	buf_release(&t);
}

/* the checks on one arbitrary value */
static void
arbitrary(const struct setup *s, const struct json_value *v, struct buf *msg)
{
	struct buf text = BUF_INIT;
	int rc = check(s, s->typmod, s->wrap, v, msg), typ;

	/* kept at a precision: kept at a finer one */
	if (rc == 0 && (typ = finer(s)) >= 0 &&
	    check(s, typ, s->wrap, v, msg) != 0)
		__builtin_trap();
	/* a scalar: the same as the one value of containers */
	if (v->type == JSON_NUMBER) {
		verdict(s, v->p, v->len, 1, 0, msg);
	} else if (v->type == JSON_STRING) {
		if (v->escaped)
			json_unescape(&text, v->p, v->len);
		else
			buf_add(&text, v->p, v->len);
		verdict(s, text.data, text.len, 0, 0, msg);
	}
	buf_release(&text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct setup s;
	struct json_error e;
	struct json_iter it;
	struct json_value v;
	struct buf msg = BUF_INIT, b = BUF_INIT;
	struct rd r;
	unsigned m, k;

	if (size < 4)
		return 0;
	memset(&s, 0, sizeof(s));
	s.type = (data[0] - 'a') & 7;
	m = (uint8_t)(data[1] - '0');
	k = (uint8_t)(data[2] - '0');
	s.wrap = wraps[(data[3] - '0') & 7];
	s.prec = (int)(m & 7) == 7 ? 6 : (int)(m & 7);
	s.fields = FULL;
	switch (s.type) {
	case 0:
		s.scale = (int8_t)m;
		s.typmod = (int)((k % 1000 + 1) << 16 |
				 ((unsigned)s.scale & 0x7ff)) +
			   4;
		break;
	case 1:
	case 2:
	case 3:
	case 4:
		s.typmod = (m & 7) == 7 ? -1 : s.prec;
		break;
	case 5:
		s.fields = ranges[k & 15];
		if (s.fields < 0) {
			s.typmod = -1;
			s.fields = FULL;
		} else {
			s.typmod = s.fields << 16 |
				   ((m & 7) == 7 ? 0xffff : s.prec);
		}
		break;
	case 6:
		s.len = (int)m;
		s.typmod = s.len + 4;
		break;
	default:
		s.typmod = (int)m;
		break;
	}
	data += 4;
	size -= 4;

	if (json_validate((const char *)data, size, NULL, &e) == 0) {
		/* the text as one value: scan it as an array's element */
		buf_addch(&b, '[');
		buf_add(&b, data, size);
		buf_addch(&b, ']');
		v.type = JSON_ARRAY;
		v.p = b.data;
		v.len = b.len;
		json_array_open(&it, &v);
		while (json_array_next(&it, &v) > 0)
			arbitrary(&s, &v, &msg);
	} else {
		v.type = JSON_STRING;
		v.p = (const char *)data;
		v.len = size;
		v.escaped = 0;
		arbitrary(&s, &v, &msg);
	}
	r.p = data;
	r.end = data + size;
	fitting(&s, &r, &msg);
	buf_release(&b);
	buf_release(&msg);
	return 0;
}
