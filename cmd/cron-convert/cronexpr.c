/* cronexpr: cron fields as bit sets (see cronexpr.h). */
#include "cronexpr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const int low[CF_N] = {0, 0, 1, 1, 0};
static const int high[CF_N] = {59, 23, 31, 12, 6};
static const char *const names[CF_N] = {"minute", "hour", "day of month",
					"month", "day of week"};
static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
				     "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const days[] = {"sun", "mon", "tue", "wed",
				   "thu", "fri", "sat"};

int
cron_low(enum cron_field f)
{
	return low[f];
}

int
cron_high(enum cron_field f)
{
	return high[f];
}

/* pg_cron's LAST_DOW is 7, another Sunday */
static int
vixie_high(enum cron_field f)
{
	return f == CF_DOW ? 7 : high[f];
}

const char *
cron_field_name(enum cron_field f)
{
	return names[f];
}

uint64_t
cron_all(enum cron_field f)
{
	uint64_t b = 0;
	int v;

	for (v = low[f]; v <= high[f]; v++)
		b |= (uint64_t)1 << v;
	return b;
}

/*
 * A number or a name at *p, as pg_cron's get_number (Vixie's): its value,
 * p moved past it; -1 when there is neither (why filled).  Three-letter
 * names; 7 is Sunday too (the caller folds it into 0).
 */
static int
value(enum cron_field f, const char **pp, const char *end, char *why,
      size_t whysz)
{
	const char *p = *pp, *w = p;
	const char *const *tab = f == CF_MON   ? months
				 : f == CF_DOW ? days
					       : NULL;
	int n = tab == months ? 12 : 7, i, v = 0, max = vixie_high(f);

	if (p < end && isdigit((unsigned char)*p)) {
		for (; p < end && isdigit((unsigned char)*p); p++)
			if ((v = v * 10 + (*p - '0')) > 1000)
				break;
		if (v < low[f] || v > max) {
			snprintf(why, whysz, "%s: %.*s is not in %d-%d",
				 names[f], (int)(p - w), w, low[f], max);
			return -1;
		}
		*pp = p;
		return v;
	}
	while (p < end && isalpha((unsigned char)*p))
		p++;
	if (tab && p - w == 3)
		for (i = 0; i < n; i++)
			if (strncasecmp(w, tab[i], 3) == 0) {
				*pp = p;
				return f == CF_MON ? i + 1 : i;
			}
	if (p == w)
		snprintf(why, whysz, "%s: a number expected at \"%.*s\"",
			 names[f], (int)(end - w), w);
	else
		snprintf(why, whysz, "%s: \"%.*s\" is not a %s", names[f],
			 (int)(p - w), w,
			 tab ? (f == CF_MON ? "month name" : "weekday name")
			     : "number");
	return -1;
}

/* ---- Celery: celery.schedules.crontab_parser, read from its source ---- */

static int
is_word(int c)
{
	return isalnum(c) || c == '_';
}

/*
 * Python's int(s) for a str: blanks around, a sign, digits with single
 * '_' between them; 1 with *v set, 0 when Python raises ValueError
 */
static int
py_int(const char *p, const char *end, long *v)
{
	int neg = 0, digits = 0;

	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	for (*v = 0; p < end; p++) {
		if (*p == '_' && digits && p + 1 < end &&
		    isdigit((unsigned char)p[1]))
			continue;
		if (!isdigit((unsigned char)*p))
			return 0;
		if (*v < 100000)
			*v = *v * 10 + (*p - '0');
		digits++;
	}
	if (neg)
		*v = -*v;
	return digits > 0;
}

/* crontab_parser._expand_number: a number, or a weekday's first 3 letters */
static int
celery_number(enum cron_field f, const char *p, const char *end, char *why,
	      size_t whysz)
{
	long v;
	int i;

	if (p < end && *p == '-') {
		snprintf(why, whysz, "%s: negative numbers: %.*s", names[f],
			 (int)(end - p), p);
		return -1;
	}
	if (!py_int(p, end, &v)) {
		/* celery.utils.time.weekday: name[:3].lower(), in any field */
		for (i = 0; end - p >= 3 && i < 7; i++)
			if (strncasecmp(p, days[i], 3) == 0)
				break;
		if (end - p < 3 || i == 7) {
			snprintf(why, whysz, "%s: \"%.*s\" is not a number",
				 names[f], (int)(end - p), p);
			return -1;
		}
		v = i;
	}
	if (v < low[f] || v > high[f]) {
		snprintf(why, whysz, "%s: %.*s is not in %d-%d", names[f],
			 (int)(end - p), p, low[f], high[f]);
		return -1;
	}
	return (int)v;
}

/* a prefix match of \w+ at p: its end (p when none) */
static const char *
word(const char *p, const char *end)
{
	while (p < end && is_word((unsigned char)*p))
		p++;
	return p;
}

/*
 * One part between commas, as crontab_parser._parse_part: its patterns
 * are re.match, anchored at the start only, so what follows a match is
 * ignored, as Celery ignores it.
 */
static int
celery_part(enum cron_field f, const char *p, const char *end, uint64_t *bits,
	    char *why, size_t whysz)
{
	const char *a = p, *ae = word(p, end), *b = NULL, *be = NULL, *s = NULL,
		   *se = NULL;
	int from, to, step = 1, n, i, vals[64], span = high[f] - low[f] + 1;
	long st;

	if (ae > a && ae < end && *ae == '-' && word(ae + 1, end) > ae + 1) {
		b = ae + 1;
		be = word(b, end);
		if (be < end && *be == '/') {
			s = be + 1;
			se = word(s, end);
			if (se == s) {
				snprintf(why, whysz, "%s: empty filter: %.*s",
					 names[f], (int)(end - p), p);
				return -1;
			}
		}
	} else if (end - p >= 2 && p[0] == '*' && p[1] == '/') {
		s = p + 2;
		se = word(s, end);
		if (se == s) {
			snprintf(why, whysz, "%s: empty filter: %.*s", names[f],
				 (int)(end - p), p);
			return -1;
		}
		a = NULL;
	} else if (end - p == 1 && *p == '*') {
		a = NULL;
	} else {
		ae = end; /* _expand_range((part,)): the whole part */
	}
	if (s) {
		if (!py_int(s, se, &st) || st == 0 || st < 0) {
			snprintf(why, whysz, "%s: a bad step in %.*s", names[f],
				 (int)(end - p), p);
			return -1;
		}
		step = st > 100 ? 100 : (int)st;
	}
	if (!a) {
		from = low[f];
		to = high[f];
	} else {
		if ((from = celery_number(f, a, ae, why, whysz)) < 0)
			return -1;
		to = from;
		if (b && (to = celery_number(f, b, be, why, whysz)) < 0)
			return -1;
	}
	/* the list the range expands to (wrapping past the top), sliced */
	for (n = 0, i = from; n < span; n++) {
		vals[n] = i;
		if (i == to)
			break;
		i = i == high[f] ? low[f] : i + 1;
	}
	for (i = 0; i <= n && i < span; i += step)
		*bits |= (uint64_t)1 << vals[i];
	return 0;
}

static int
celery_field_parse(enum cron_field f, const char *p, size_t n, uint64_t *bits,
		   char *why, size_t whysz)
{
	const char *end = p + n, *c;
	size_t i;

	*bits = 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80 || p[i] == '\0') {
			snprintf(why, whysz, "%s: a character other than ASCII",
				 names[f]);
			return -1;
		}
	for (;;) {
		c = memchr(p, ',', (size_t)(end - p));
		if (!c)
			c = end;
		if (c == p) {
			snprintf(why, whysz, "%s: an empty part", names[f]);
			return -1;
		}
		if (celery_part(f, p, c, bits, why, whysz) < 0)
			return -1;
		if (c == end)
			return 0;
		p = c + 1;
	}
}

int
cron_field_parse(enum cron_field f, const char *p, size_t n,
		 enum cron_dialect d, uint64_t *bits, unsigned char *star,
		 char *why, size_t whysz)
{
	const char *end = p + n, *item;
	int a, b, step, v, max = vixie_high(f);

	*bits = 0;
	*star = n > 0 && *p == '*';
	if (n == 0) {
		snprintf(why, whysz, "%s: empty", names[f]);
		return -1;
	}
	if (d == CRON_CELERY)
		return celery_field_parse(f, p, n, bits, why, whysz);
	for (;;) {
		item = p;
		if (p < end && *p == '*') {
			p++;
			a = low[f];
			b = max;
		} else {
			if ((a = value(f, &p, end, why, whysz)) < 0)
				return -1;
			b = a;
			if (p < end && *p == '-') {
				p++;
				if ((b = value(f, &p, end, why, whysz)) < 0)
					return -1;
				if (b < a) {
					snprintf(why, whysz,
						 "%s: the range %.*s runs "
						 "backwards",
						 names[f], (int)(p - item),
						 item);
					return -1;
				}
			} else if (p < end && *p == '/') {
				snprintf(why, whysz,
					 "%s: a step needs a range or *: "
					 "%.*s",
					 names[f], (int)(end - item), item);
				return -1;
			}
		}
		step = 1;
		if (p < end && *p == '/') {
			const char *s = ++p;
			step = 0;
			for (; p < end && isdigit((unsigned char)*p); p++)
				if ((step = step * 10 + (*p - '0')) > 1000)
					break;
			/* pg_cron's get_range: 0 < step <= the field's top */
			if (p == s || step == 0 || step > max) {
				snprintf(why, whysz, "%s: a bad step in %.*s",
					 names[f], (int)(end - item), item);
				return -1;
			}
		}
		for (v = a; v <= b; v += step)
			*bits |= (uint64_t)1 << v;
		if (p == end)
			break;
		if (*p != ',') {
			snprintf(why, whysz, "%s: unexpected \"%.*s\"",
				 names[f], (int)(end - p), p);
			return -1;
		}
		p++;
	}
	/* pg_cron (as Vixie cron): "make sundays equivalent" */
	if (f == CF_DOW && (*bits & (1u << 7)))
		*bits = (*bits & ~(uint64_t)(1u << 7)) | 1;
	return 0;
}

int
cron_parse(const char *expr, enum cron_dialect d, struct cron_sched *s,
	   char *why, size_t whysz)
{
	static const struct {
		const char *name, *expr;
	} macros[] = {
		{"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"},
		{"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
		{"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
		{"@hourly", "0 * * * *"},
	};
	const char *p = expr, *w;
	size_t i;
	int f;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '@') {
		for (i = 0; i < sizeof(macros) / sizeof(*macros); i++)
			if (strcmp(p, macros[i].name) == 0)
				return cron_parse(macros[i].expr, d, s, why,
						  whysz);
		snprintf(why, whysz, "%s has no fire times a schedule gives",
			 p);
		return -1;
	}
	for (f = 0; f < CF_N; f++) {
		while (*p == ' ' || *p == '\t')
			p++;
		w = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (p == w) {
			snprintf(why, whysz, "%d fields, not 5", f);
			return -1;
		}
		if (cron_field_parse((enum cron_field)f, w, (size_t)(p - w), d,
				     &s->bits[f], &s->star[f], why, whysz) < 0)
			return -1;
	}
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p) {
		snprintf(why, whysz, "more than 5 fields: \"%s\"", p);
		return -1;
	}
	return 0;
}

int
cron_days_and(const struct cron_sched *s)
{
	return s->star[CF_DOM] || s->star[CF_DOW];
}

int
cron_fires(const struct cron_sched *s, int days_and, int min, int hour, int dom,
	   int mon, int dow)
{
	int in_dom = (s->bits[CF_DOM] >> dom) & 1,
	    in_dow = (s->bits[CF_DOW] >> dow) & 1;

	return ((s->bits[CF_MIN] >> min) & 1) &&
	       ((s->bits[CF_HOUR] >> hour) & 1) &&
	       ((s->bits[CF_MON] >> mon) & 1) &&
	       (days_and ? in_dom && in_dow : in_dom || in_dow);
}

/* N when bits are exactly 0, N, 2N ... of the field (N > 1), else 0 */
static int
step_of(uint64_t bits, int f)
{
	int n, v;
	uint64_t want;

	for (n = 2; n <= high[f]; n++) {
		for (want = 0, v = 0; v <= high[f]; v += n)
			want |= (uint64_t)1 << v;
		if (want == bits)
			return n;
	}
	return 0;
}

/* bits of field f as "N" and "N-M" items, comma-separated */
static void
format_list(struct buf *out, enum cron_field f, uint64_t bits)
{
	int n = 0, v, w;

	for (v = low[f]; v <= high[f]; v++) {
		if (!((bits >> v) & 1))
			continue;
		for (w = v; w < high[f] && ((bits >> (w + 1)) & 1); w++)
			;
		if (n++)
			buf_addch(out, ',');
		if (w - v >= 2) {
			buf_addf(out, "%d-%d", v, w);
			v = w;
		} else {
			buf_addf(out, "%d", v);
		}
	}
}

/*
 * The values pg_cron's "*\/N" gives in field f (a day field): from the
 * first value every N, a 7 in the weekdays being Sunday
 */
static uint64_t
star_step(enum cron_field f, int n)
{
	uint64_t b = 0;
	int v;

	for (v = low[f]; v <= vixie_high(f); v += n)
		b |= (uint64_t)1 << (f == CF_DOW && v == 7 ? 0 : v);
	return b;
}

/*
 * A day field written to start with '*', so that pg_cron ANDs the two
 * day fields (its DOM_STAR, DOW_STAR): "*\/N" for the largest such set
 * inside bits, then the rest; 0, or -1 when bits lack the first value
 * (1, or Sunday), which every "*" form holds.
 */
static int
format_star(struct buf *out, enum cron_field f, uint64_t bits)
{
	uint64_t in = 0;
	int n;

	for (n = 2; n <= vixie_high(f); n++)
		if (((in = star_step(f, n)) & ~bits) == 0)
			break;
	if (n > vixie_high(f))
		return -1;
	buf_addf(out, "*/%d", n);
	if (bits & ~in) {
		buf_addch(out, ',');
		format_list(out, f, bits & ~in);
	}
	return 0;
}

int
cron_format(struct buf *out, const struct cron_sched *s, int days_and)
{
	uint64_t dom = s->bits[CF_DOM], dow = s->bits[CF_DOW];
	int dom_all = dom == cron_all(CF_DOM),
	    dow_all = dow == cron_all(CF_DOW);
	int f, n;

	/* ORed with one of them every day: every day */
	if (!days_and && (dom_all || dow_all))
		dom_all = dow_all = 1;
	for (f = 0; f < CF_N; f++) {
		uint64_t bits = f == CF_DOM   ? dom
				: f == CF_DOW ? dow
					      : s->bits[f];
		if (f)
			buf_addch(out, ' ');
		if ((f == CF_DOM && dom_all) || (f == CF_DOW && dow_all) ||
		    bits == cron_all((enum cron_field)f)) {
			buf_addch(out, '*');
			continue;
		}
		/* minutes and hours every N from 0: "*\/N" (a '*' in a day
		 * field would change how pg_cron joins the two) */
		if ((f == CF_MIN || f == CF_HOUR) && (n = step_of(bits, f))) {
			buf_addf(out, "*/%d", n);
			continue;
		}
		/* both day fields lists, ANDed: one of them starts with '*' */
		if (days_and && !dom_all && !dow_all && f == CF_DOM &&
		    format_star(out, CF_DOM, bits) == 0) {
			days_and = 0; /* done */
			continue;
		}
		if (days_and && !dom_all && !dow_all && f == CF_DOW) {
			if (format_star(out, CF_DOW, bits) < 0)
				return -1;
			continue;
		}
		format_list(out, (enum cron_field)f, bits);
	}
	return 0;
}
