/*
 * typmod.c: values a column's type modifier would round or cut, read the
 * way PostgreSQL's input functions read them, so that they are rejected.
 */
#include "typmod.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* PostgreSQL's INTERVAL_MASK bits (datetime.h) */
#define IV_MONTH (1 << 1)
#define IV_YEAR (1 << 2)
#define IV_DAY (1 << 3)
#define IV_HOUR (1 << 10)
#define IV_MINUTE (1 << 11)
#define IV_SECOND (1 << 12)
#define IV_FULL_RANGE 0x7fff
#define IV_FULL_PRECISION 0xffff

#define USEC_SEC INT64_C(1000000)
#define USEC_MIN (60 * USEC_SEC)
#define USEC_HOUR (60 * USEC_MIN)
#define USEC_DAY (24 * USEC_HOUR)

/* what a value comes to, besides "as written" (0) */
enum { CHANGED = 1, UNREADABLE };

static const int64_t pow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000};

void
typmod_guard_init(struct typmod_guard *g, const char *typname, int typmod,
		  const char *wrap)
{
	memset(g, 0, sizeof(*g));
	if (strlen(wrap) > TYPMOD_DEPTH)
		wrap = "";
	strcpy(g->wrap, wrap);
	if (strcmp(typname, "numeric") == 0 && typmod >= 4) {
		/* the scale is the low 11 bits, signed (numeric.c) */
		g->kind = TYPMOD_NUMERIC;
		g->n = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
	} else if ((strcmp(typname, "timestamp") == 0 ||
		    strcmp(typname, "timestamptz") == 0 ||
		    strcmp(typname, "time") == 0 ||
		    strcmp(typname, "timetz") == 0) &&
		   typmod >= 0 && typmod < 6) {
		g->kind = TYPMOD_SECONDS;
		g->n = typmod;
	} else if (strcmp(typname, "interval") == 0 && typmod >= 0) {
		g->kind = TYPMOD_INTERVAL;
		g->range = (typmod >> 16) & 0x7fff;
		g->n = typmod & 0xffff;
		if (g->n >= 6)
			g->n = IV_FULL_PRECISION;
		if (g->range == IV_FULL_RANGE && g->n == IV_FULL_PRECISION)
			g->kind = TYPMOD_NONE;
	} else if (strcmp(typname, "varchar") == 0 && typmod >= 4) {
		g->kind = TYPMOD_VARCHAR;
		g->n = typmod - 4;
	} else if (strcmp(typname, "name") == 0) {
		g->kind = TYPMOD_BYTES;
		g->n = 63; /* NAMEDATALEN - 1 */
	} else if (strcmp(typname, "char") == 0) {
		g->kind = TYPMOD_BYTES;
		g->n = 1;
	}
}

/*
 * numeric_in's reading of p..end: 0, with the power of ten of its last
 * digit that is not zero in *last (LONG_MAX for zero); -1 for NaN,
 * Infinity or no number (the server decides those).
 */
static int
last_digit(const char *p, const char *end, long *last)
{
	const char *digits, *dot = NULL, *q, *r;
	long e = 0, nint;
	int any = 0, eneg = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && (*p == '+' || *p == '-'))
		p++;
	for (digits = p;
	     p < end && (isdigit((unsigned char)*p) || (*p == '.' && !dot));
	     p++) {
		if (*p == '.')
			dot = p;
		else
			any = 1;
	}
	if (!any)
		return -1;
	q = p;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || !isdigit((unsigned char)*p))
			return -1;
		for (; p < end && isdigit((unsigned char)*p); p++)
			if (e < 1000000000L)
				e = e * 10 + (*p - '0');
		if (eneg)
			e = -e;
	}
	if (p != end)
		return -1;
	nint = (long)((dot ? dot : q) - digits);
	*last = LONG_MAX;
	for (r = q; r > digits; r--) {
		if (r[-1] == '.' || r[-1] == '0')
			continue;
		if (!dot || r - 1 < dot)
			*last = nint - 1 - (long)(r - 1 - digits) + e;
		else
			*last = -(long)(r - 1 - dot) + e;
		break;
	}
	return 0;
}

/*
 * The fraction at p ('.' and digits, up to end or the first other byte)
 * as strtod reads it (ParseFraction); *len: the bytes read.
 */
static double
fraction_at(const char *p, const char *end, size_t *len)
{
	char t[128];
	size_t n = 1, i;
	int sticky = 0;

	t[0] = '.';
	for (i = 1; p + i < end && isdigit((unsigned char)p[i]); i++) {
		if (n < sizeof(t) - 2)
			t[n++] = p[i];
		else if (p[i] != '0')
			sticky = 1; /* beyond: only "more than" matters */
	}
	if (sticky)
		t[n++] = '1';
	t[n] = '\0';
	*len = i;
	return strtod(t, NULL);
}

/* its microseconds, rint(strtod() * 1e6), as ParseFractionalSecond */
static int64_t
fraction_usec(const char *p, const char *end, size_t *len)
{
	return (int64_t)rint(fraction_at(p, end, len) * 1e6);
}

/*
 * A date or time with a fraction of a second: each fraction that is one
 * of seconds (after hh:mm:ss or mm:ss, after T, or after six digits or
 * more: hhmmss, yyyymmddhhmmss) must be whole in the type's digits.
 * Julian days with a fraction are not read here (UNREADABLE).
 */
static int
seconds_changed(const char *p, size_t len, int digits)
{
	const char *end = p + len, *q, *d;
	size_t n;

	for (q = p; q < end; q++) {
		if (*q != '.' || q + 1 == end || !isdigit((unsigned char)q[1]))
			continue;
		for (d = q; d > p && isdigit((unsigned char)d[-1]); d--)
			;
		if (d > p && (d[-1] == 'J' || d[-1] == 'j') && q > d) {
			if (fraction_usec(q, end, &n) != 0)
				return UNREADABLE;
			continue;
		}
		if (!((d > p && d[-1] == ':' && q > d) ||
		      (d > p && (d[-1] == 'T' || d[-1] == 't')) || q - d >= 6))
			continue; /* a date's dots: 2024.01.31 */
		for (n = 1; q + n < end && isdigit((unsigned char)q[n]); n++)
			;
		/* n - 1 digits: up to the type's, nothing to round */
		if (n - 1 > (size_t)digits &&
		    fraction_usec(q, end, &n) % pow10[6 - digits] != 0)
			return CHANGED;
		q += n - 1;
	}
	return 0;
}

/* an interval as PostgreSQL 15's interval_in adds it up */
struct iv {
	int64_t months, days, usec;
	int usec_set; /* a time field was read: what follows adds no time */
	int overflow; /* out of range: the server says so */
};

/* *acc += a * b, or overflow noted */
static void
mul_add(struct iv *x, int64_t *acc, int64_t a, int64_t b)
{
	int64_t m;

	if (__builtin_mul_overflow(a, b, &m) ||
	    __builtin_add_overflow(*acc, m, acc))
		x->overflow = 1;
}

/* AdjustFractMicroseconds */
static int64_t
fract_usec(double frac, int64_t scale)
{
	int64_t u;

	if (frac == 0)
		return 0;
	frac *= (double)scale;
	u = (int64_t)frac;
	frac -= (double)u;
	return u + (int64_t)rint(frac);
}

static void
iv_usec(struct iv *x, int64_t u)
{
	if (!x->usec_set)
		mul_add(x, &x->usec, u, 1);
}

/* AdjustFractDays */
static void
fract_days(struct iv *x, double frac, int scale)
{
	int extra;

	if (frac == 0)
		return;
	frac *= scale;
	extra = (int)frac;
	mul_add(x, &x->days, extra, 1);
	frac -= extra;
	iv_usec(x, fract_usec(frac, USEC_DAY));
}

enum unit {
	U_NONE,
	U_US,
	U_MS,
	U_S,
	U_MIN,
	U_H,
	U_D,
	U_W,
	U_MON,
	U_Y,
	U_DEC,
	U_CENT,
	U_MIL,
	U_AGO
};

/* DecodeInterval's units (deltatktbl), read to 10 bytes like its lookup */
static enum unit
unit_of(const char *w, size_t n)
{
	static const struct {
		const char *name;
		enum unit u;
	} units[] = {
		{"ago", U_AGO},	      {"c", U_CENT},
		{"cent", U_CENT},     {"centuries", U_CENT},
		{"century", U_CENT},  {"d", U_D},
		{"day", U_D},	      {"days", U_D},
		{"dec", U_DEC},	      {"decade", U_DEC},
		{"decades", U_DEC},   {"decs", U_DEC},
		{"h", U_H},	      {"hour", U_H},
		{"hours", U_H},	      {"hr", U_H},
		{"hrs", U_H},	      {"m", U_MIN},
		{"microsecon", U_US}, {"mil", U_MIL},
		{"millennia", U_MIL}, {"millennium", U_MIL},
		{"millisecon", U_MS}, {"mils", U_MIL},
		{"min", U_MIN},	      {"mins", U_MIN},
		{"minute", U_MIN},    {"minutes", U_MIN},
		{"mon", U_MON},	      {"mons", U_MON},
		{"month", U_MON},     {"months", U_MON},
		{"ms", U_MS},	      {"msec", U_MS},
		{"msecond", U_MS},    {"mseconds", U_MS},
		{"msecs", U_MS},      {"s", U_S},
		{"sec", U_S},	      {"second", U_S},
		{"seconds", U_S},     {"secs", U_S},
		{"us", U_US},	      {"usec", U_US},
		{"usecond", U_US},    {"useconds", U_US},
		{"usecs", U_US},      {"w", U_W},
		{"week", U_W},	      {"weeks", U_W},
		{"y", U_Y},	      {"year", U_Y},
		{"years", U_Y},	      {"yr", U_Y},
		{"yrs", U_Y},
	};
	char t[11];
	size_t i;

	if (n > 10)
		n = 10;
	for (i = 0; i < n; i++)
		t[i] = (char)tolower((unsigned char)w[i]);
	t[n] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(*units); i++)
		if (strcmp(t, units[i].name) == 0)
			return units[i].u;
	return U_NONE;
}

/* val units of u and the fraction fval of one, as DecodeInterval adds */
static void
iv_add(struct iv *x, enum unit u, int64_t val, double fval)
{
	static const int64_t us[] = {[U_US] = 1,
				     [U_MS] = 1000,
				     [U_S] = USEC_SEC,
				     [U_MIN] = USEC_MIN,
				     [U_H] = USEC_HOUR};
	static const int years[] = {
		[U_Y] = 1, [U_DEC] = 10, [U_CENT] = 100, [U_MIL] = 1000};

	switch (u) {
	case U_US:
	case U_MS:
	case U_S:
	case U_MIN:
	case U_H:
		if (!x->usec_set)
			mul_add(x, &x->usec, val, us[u]);
		iv_usec(x, fract_usec(fval, us[u]));
		break;
	case U_D:
		mul_add(x, &x->days, val, 1);
		iv_usec(x, fract_usec(fval, USEC_DAY));
		break;
	case U_W:
		mul_add(x, &x->days, val, 7);
		fract_days(x, fval, 7);
		break;
	case U_MON:
		mul_add(x, &x->months, val, 1);
		fract_days(x, fval, 30);
		break;
	case U_Y:
	case U_DEC:
	case U_CENT:
	case U_MIL:
		mul_add(x, &x->months, val, 12 * years[u]);
		mul_add(x, &x->months, (int64_t)rint(fval * years[u] * 12), 1);
		break;
	default:
		break;
	}
}

/* strtod of p..end's number, at most 63 bytes of [0-9.eE+-] */
static double
number_at(const char *p, const char *end, size_t *len)
{
	char t[64], *e;
	size_t n = 0;

	while (p + n < end && n < sizeof(t) - 1 &&
	       (isdigit((unsigned char)p[n]) || strchr(".eE+-", p[n])))
		n++;
	memcpy(t, p, n);
	t[n] = '\0';
	{
		double v = strtod(t, &e);
		*len = (size_t)(e - t);
		return v;
	}
}

/* ISO 8601 with designators (DecodeISO8601Interval): P1Y2M3DT4H5M6.5S */
static int
iso_interval(const char *p, const char *end, struct iv *x)
{
	int datepart = 1;
	size_t n;
	double v, fpart;
	int64_t ipart;
	char u;

	if (end - p < 2 || *p != 'P')
		return UNREADABLE;
	for (p++; p < end;) {
		if (*p == 'T') {
			datepart = 0;
			p++;
			continue;
		}
		if (!(isdigit((unsigned char)*p) || *p == '-' || *p == '.'))
			return UNREADABLE;
		v = number_at(p, end, &n);
		if (!n || isnan(v) || v < -1.0e15 || v > 1.0e15)
			return UNREADABLE;
		p += n;
		ipart = v >= 0 ? (int64_t)floor(v) : -(int64_t)floor(-v);
		fpart = v - (double)ipart;
		u = p < end ? *p++ : '\0';
		if (datepart && u == 'Y')
			iv_add(x, U_Y, ipart, fpart);
		else if (datepart && u == 'M')
			iv_add(x, U_MON, ipart, fpart);
		else if (datepart && u == 'W')
			iv_add(x, U_W, ipart, fpart);
		else if (datepart && u == 'D')
			iv_add(x, U_D, ipart, fpart);
		else if (!datepart && u == 'H')
			iv_add(x, U_H, ipart, fpart);
		else if (!datepart && u == 'M')
			iv_add(x, U_MIN, ipart, fpart);
		else if (!datepart && u == 'S')
			iv_add(x, U_S, ipart, fpart);
		else
			return UNREADABLE; /* the alternative format too */
	}
	return 0;
}

/* digits at *p into *v (saturating); how many */
static int
digits_at(const char **p, const char *end, int64_t *v)
{
	int n = 0;

	for (*v = 0; *p < end && isdigit((unsigned char)**p); (*p)++, n++)
		if (*v < INT64_MAX / 100)
			*v = *v * 10 + (**p - '0');
	return n;
}

/*
 * The postgres style, verbose or not: numbers each with a unit, one time
 * field h:mm[:ss[.f]], "@" and "ago".  A lone number is in the range's
 * last field (*bare set to 1).  Anything else is UNREADABLE.
 */
static int
postgres_interval(const char *p, const char *end, int range, struct iv *x,
		  int *bare, int *mmss)
{
	const char *w, *start = p;
	int64_t val, h, m, s, usec;
	double fval;
	size_t n;
	int neg, ago = 0, nfields = 0;
	enum unit u;

	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end)
			break;
		if (*p == '@') {
			p++;
			continue;
		}
		if (isalpha((unsigned char)*p)) {
			for (w = p; p < end && isalpha((unsigned char)*p); p++)
				;
			if (unit_of(w, (size_t)(p - w)) != U_AGO)
				return UNREADABLE;
			ago = 1;
			continue;
		}
		nfields++;
		neg = *p == '-';
		if (*p == '-' || *p == '+')
			p++;
		w = p;
		if (digits_at(&p, end, &val) && p < end && *p == ':') {
			/* a time: DecodeTimeForInterval, signed as DTK_TZ */
			h = val;
			p++;
			if (!digits_at(&p, end, &m))
				return UNREADABLE;
			s = usec = 0;
			if (p < end && *p == ':') {
				p++;
				if (!digits_at(&p, end, &s))
					return UNREADABLE;
				if (p < end && *p == '.')
					usec = fraction_usec(p, end, &n),
					p += n;
			} else if (p < end && *p == '.') {
				/* mm:ss.f */
				usec = fraction_usec(p, end, &n), p += n;
				s = m, m = h, h = 0;
			} else if (range == (IV_MINUTE | IV_SECOND)) {
				*mmss = 1; /* read as mm:ss, not hh:mm */
			}
			if (p < end && !isspace((unsigned char)*p))
				return UNREADABLE;
			mul_add(x, &usec, h, USEC_HOUR);
			mul_add(x, &usec, m, USEC_MIN);
			mul_add(x, &usec, s, USEC_SEC);
			if (neg && usec == INT64_MIN)
				x->overflow = 1; /* INT64_MIN: no negative */
			else
				iv_usec(x, neg ? -usec : usec);
			x->usec_set = 1;
			continue;
		}
		p = w;
		digits_at(&p, end, &val);
		fval = 0;
		if (p < end && *p == '.') {
			fval = fraction_at(p, end, &n);
			p += n;
		}
		if (p - w < 2 && (p == w || *w == '.'))
			return UNREADABLE; /* no digit */
		if (neg) {
			val = -val;
			fval = -fval;
		}
		while (p < end && isspace((unsigned char)*p))
			p++;
		for (w = p; p < end && isalpha((unsigned char)*p); p++)
			;
		u = unit_of(w, (size_t)(p - w));
		if (p == w) {
			/* a number alone: in the range's last field */
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (p != end || nfields != 1 || ago ||
			    memchr(start, '@', (size_t)(end - start)))
				return UNREADABLE;
			*bare = 1;
			u = U_S;
		} else if (u == U_NONE || u == U_AGO) {
			return UNREADABLE;
		}
		iv_add(x, u, val, fval);
	}
	if (!nfields)
		return UNREADABLE;
	if (ago) {
		/* INT64_MIN has no negative: DecodeInterval refuses it */
		if (x->months == INT64_MIN || x->days == INT64_MIN ||
		    x->usec == INT64_MIN) {
			x->overflow = 1;
			return 0;
		}
		x->months = -x->months;
		x->days = -x->days;
		x->usec = -x->usec;
	}
	return 0;
}

/* what an interval's type modifier drops (AdjustIntervalForTypmod) */
static const char *
interval_drops(const struct typmod_guard *g, const struct iv *x)
{
	int r = g->range;

	if (r == IV_YEAR && (x->months % 12 || x->days || x->usec))
		return "has parts finer than";
	if ((r == IV_MONTH || r == (IV_YEAR | IV_MONTH)) &&
	    (x->days || x->usec))
		return "has parts finer than";
	if (r == IV_DAY && x->usec)
		return "has parts finer than";
	if ((r == IV_HOUR || r == (IV_DAY | IV_HOUR)) && x->usec % USEC_HOUR)
		return "has parts finer than";
	if ((r == IV_MINUTE || r == (IV_HOUR | IV_MINUTE) ||
	     r == (IV_DAY | IV_HOUR | IV_MINUTE)) &&
	    x->usec % USEC_MIN)
		return "has parts finer than";
	if (g->n != IV_FULL_PRECISION && x->usec % pow10[6 - g->n])
		return "has a fraction of a second finer than";
	return NULL;
}

/* a lone number is read in the range's last field: seconds, or not */
static int
range_reads_seconds(int r)
{
	return r == IV_FULL_RANGE || (r & IV_SECOND);
}

static void
subject(struct buf *msg, const char *p, size_t n, int elem, int quote)
{
	int len = (int)(n > 64 ? 64 : n);

	buf_reset(msg);
	if (elem)
		buf_adds(msg, "an element, ");
	buf_addf(msg, quote ? "\"%.*s\"" : "%.*s", len, p);
	if (elem)
		buf_addch(msg, ',');
}

/* the scalar p[0..n) as the element's type reads it */
static int
scalar_check(const struct typmod_guard *g, const char *type, const char *p,
	     size_t n, int elem, struct buf *msg)
{
	const char *end = p + n, *q;
	struct iv x = {0, 0, 0, 0, 0};
	long last;
	size_t k;
	int r, bare = 0, mmss = 0;
	const char *why;

	switch (g->kind) {
	case TYPMOD_NUMERIC:
		if (last_digit(p, end, &last) < 0 || last == LONG_MAX ||
		    last >= -(long)g->n)
			return 0;
		subject(msg, p, n, elem, 0);
		if (g->n >= 0)
			buf_addf(msg,
				 " has more decimal places than the column's "
				 "%d: PostgreSQL would round it",
				 g->n);
		else
			buf_addf(msg,
				 " is not a multiple of 1e%d, as %s keeps: "
				 "PostgreSQL would round it",
				 -g->n, type);
		return -1;
	case TYPMOD_SECONDS:
		if (!(r = seconds_changed(p, n, g->n)))
			return 0;
		subject(msg, p, n, elem, 0);
		buf_addf(msg,
			 r == CHANGED
				 ? " has a fraction of a second finer than %s "
				   "keeps: PostgreSQL would round it"
				 : " is a Julian day with a fraction, not read "
				   "here: %s could round it",
			 type);
		return -1;
	case TYPMOD_VARCHAR:
		/* varchar_input cuts blanks past n characters, silently */
		if (n <= (size_t)g->n)
			return 0; /* no more characters than bytes */
		for (q = p, k = 0; q < end && k < (size_t)g->n; q++)
			k += ((unsigned char)*q & 0xc0) != 0x80;
		while (q < end && ((unsigned char)*q & 0xc0) == 0x80)
			q++;
		if (q == end)
			return 0;
		while (q < end && *q == ' ')
			q++;
		if (q != end)
			return 0; /* too long: the server says so */
		subject(msg, p, n, elem, 1);
		buf_addf(msg,
			 " is longer than %s: PostgreSQL would cut its "
			 "trailing blanks",
			 type);
		return -1;
	case TYPMOD_BYTES:
		/* namein and charin keep the first n bytes; charin reads a
		 * \ooo escape as one byte */
		if (n <= (size_t)g->n || (g->n == 1 && n == 4 && p[0] == '\\' &&
					  strspn(p + 1, "01234567") >= 3))
			return 0;
		subject(msg, p, n, elem, 1);
		buf_addf(msg,
			 " is longer than %s's %d byte%s: PostgreSQL would "
			 "cut it",
			 type, g->n, g->n == 1 ? "" : "s");
		return -1;
	case TYPMOD_INTERVAL:
		r = n && *p == 'P' ? iso_interval(p, end, &x)
				   : postgres_interval(p, end, g->range, &x,
						       &bare, &mmss);
		subject(msg, p, n, elem, 0);
		if (x.overflow)
			return 0;
		if (r == UNREADABLE) {
			buf_addf(msg,
				 " is not in a form read here (postgres "
				 "style, 1 day 02:03:04.5, or ISO 8601, "
				 "P1DT2H3M4.5S): %s could change it",
				 type);
			return -1;
		}
		if (bare && !range_reads_seconds(g->range)) {
			buf_addf(msg,
				 " has no unit: %s reads it in its last "
				 "field, interval as seconds",
				 type);
			return -1;
		}
		if (mmss) {
			buf_addf(msg,
				 " is read as minutes:seconds by %s, as "
				 "hours:minutes by interval",
				 type);
			return -1;
		}
		if (!(why = interval_drops(g, &x)))
			return 0;
		buf_addf(msg, " %s %s keeps: PostgreSQL would %s", why, type,
			 why[4] == 'p' ? "drop them" : "round it");
		return -1;
	case TYPMOD_NONE:
		break;
	}
	return 0;
}

static int check_text(const struct typmod_guard *g, const char *type,
		      const char *wrap, const char *p, size_t n,
		      struct buf *scratch, struct buf *msg);

/*
 * One element or bound of a literal at p (quoted "..." or bare, with
 * backslash escapes), up to an unquoted byte of stop, into out; bare ones
 * trimmed of blanks when trim (array_in, not range_in).  Returns where it
 * ends, *null set for a bare NULL, or NULL when it does not end.
 */
static const char *
literal_item(const char *p, const char *end, const char *stop, int trim,
	     struct buf *out, int *null)
{
	int quoted = 0, any_quote = 0;
	size_t keep = 0; /* out's length up to its last byte to keep */

	buf_reset(out);
	if (trim)
		while (p < end && isspace((unsigned char)*p))
			p++;
	for (; p < end; p++) {
		if (*p == '\\' && p + 1 < end) {
			buf_addch(out, *++p);
			keep = out->len;
		} else if (*p == '"') {
			/* "" in a range's quotes is a quote */
			if (!trim && quoted && p + 1 < end && p[1] == '"') {
				buf_addch(out, *++p);
				keep = out->len;
				continue;
			}
			quoted = !quoted;
			any_quote = 1;
			keep = out->len;
		} else if (!quoted && strchr(stop, *p)) {
			break;
		} else {
			buf_addch(out, *p);
			if (quoted || !trim || !isspace((unsigned char)*p))
				keep = out->len;
		}
	}
	if (p == end)
		return NULL;
	if (trim)
		buf_setlen(out, keep);
	*null = trim && !any_quote && out->len == 4 &&
		strncasecmp(out->data, "NULL", 4) == 0;
	return p;
}

/*
 * The literals below: -1 a value is changed (msg says which), 0 none is,
 * 1 the literal does not read (the server refuses it).
 */

/*
 * array_in's elements of {...} at *pp, nested braces as dimensions: read
 * in one loop, with a count of the braces open, however deep they go.
 */
static int
array_text(const struct typmod_guard *g, const char *type, const char *wrap,
	   const char **pp, const char *end, struct buf *scratch,
	   struct buf *msg)
{
	const char *p = *pp;
	size_t depth = 1;
	int null, first = 1, closed = 0;

	if (p == end || *p++ != '{')
		return 1;
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && *p == '{') {
			p++; /* a dimension more */
			depth++;
			first = 1;
			continue;
		}
		if (first && p < end && *p == '}') {
			p++; /* {} */
			closed = 1;
		} else {
			if (!(p = literal_item(p, end, ",}", 1, scratch,
					       &null)))
				return 1;
			if (!null &&
			    check_text(g, type, wrap + 1, scratch->data,
				       scratch->len, scratch + 1, msg) < 0)
				return -1;
		}
		/* then '}' closing dimensions, up to a separator */
		for (;; closed = 1) {
			if (closed && --depth == 0) {
				*pp = p;
				return 0;
			}
			while (p < end && isspace((unsigned char)*p))
				p++;
			if (p == end)
				return 1;
			if (*p++ != '}')
				break;
		}
		first = 0;
		closed = 0;
	}
}

/* range_in's bounds of [a,b) at *pp, or "empty" */
static int
range_text(const struct typmod_guard *g, const char *type, const char *wrap,
	   const char **pp, const char *end, struct buf *scratch,
	   struct buf *msg)
{
	const char *p = *pp;
	int i, null;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (end - p >= 5 && strncasecmp(p, "empty", 5) == 0) {
		*pp = p + 5;
		return 0;
	}
	if (p == end || (*p != '[' && *p != '('))
		return 1;
	p++;
	for (i = 0; i < 2; i++) {
		if (!(p = literal_item(p, end, i ? "])" : ",", 0, scratch,
				       &null)))
			return 1;
		p++;
		/* an empty bound is no bound */
		if (scratch->len &&
		    check_text(g, type, wrap + 1, scratch->data, scratch->len,
			       scratch + 1, msg) < 0)
			return -1;
	}
	*pp = p;
	return 0;
}

/* multirange_in's ranges of {[a,b), ...} */
static int
multirange_text(const struct typmod_guard *g, const char *type,
		const char *wrap, const char *p, const char *end,
		struct buf *scratch, struct buf *msg)
{
	int r;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end || *p++ != '{')
		return 1;
	for (;;) {
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p < end && *p == '}')
			return 0;
		if ((r = range_text(g, type, wrap, &p, end, scratch, msg)) != 0)
			return r;
		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p == end || *p++ != ',')
			return 1;
	}
}

/* the text p[0..n) of a value of wrap's containers */
static int
check_text(const struct typmod_guard *g, const char *type, const char *wrap,
	   const char *p, size_t n, struct buf *scratch, struct buf *msg)
{
	const char *q = p, *end = p + n;

	switch (*wrap) {
	case '\0':
		return scalar_check(g, type, p, n, wrap != g->wrap, msg);
	case 'a':
		/* [1:2]={...}: the bounds first */
		while (q < end && isspace((unsigned char)*q))
			q++;
		if (q < end && *q == '[')
			while (q < end && *q != '=')
				q++;
		if (q < end && *q == '=')
			q++;
		while (q < end && isspace((unsigned char)*q))
			q++;
		return array_text(g, type, wrap, &q, end, scratch, msg) < 0 ? -1
									    : 0;
	case 'r':
		return range_text(g, type, wrap, &q, end, scratch, msg) < 0 ? -1
									    : 0;
	case 'm':
		return multirange_text(g, type, wrap, p, end, scratch, msg) < 0
			       ? -1
			       : 0;
	}
	return 0;
}

/* a JSON value of wrap's containers, as copyenc.c sends it */
static int
check_json(const struct typmod_guard *g, const char *type, const char *wrap,
	   const struct json_value *v, struct buf *scratch, struct buf *msg)
{
	struct json_iter it;
	struct json_value el;

	switch (v->type) {
	case JSON_NUMBER:
		return *wrap ? 0
			     : scalar_check(g, type, v->p, v->len,
					    wrap != g->wrap, msg);
	case JSON_STRING:
		if (!v->escaped)
			return check_text(g, type, wrap, v->p, v->len, scratch,
					  msg);
		buf_reset(scratch);
		json_unescape(scratch, v->p, v->len);
		return check_text(g, type, wrap, scratch->data, scratch->len,
				  scratch + 1, msg);
	case JSON_ARRAY:
		/* copyenc.c's array_literal: nested arrays are dimensions */
		if (*wrap != 'a')
			return 0;
		json_array_open(&it, v);
		while (json_array_next(&it, &el) > 0)
			if (check_json(g, type,
				       el.type == JSON_ARRAY ? wrap : wrap + 1,
				       &el, scratch, msg) < 0)
				return -1;
		return 0;
	default:
		return 0;
	}
}

int
typmod_check(const struct typmod_guard *g, const char *type,
	     const struct json_value *v, struct buf *scratch, struct buf *msg)
{
	if (g->kind == TYPMOD_NONE)
		return 0;
	return check_json(g, type, g->wrap, v, scratch, msg);
}
