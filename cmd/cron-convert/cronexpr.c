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
 * A number or a name at *p: its value, p moved past it; -1 when there is
 * neither (why filled).  Vixie takes three-letter names; Celery any word
 * whose first three letters are one ("monday"); 7 is Sunday in Vixie.
 */
static int
value(enum cron_field f, const char **pp, const char *end, enum cron_dialect d,
      char *why, size_t whysz)
{
	const char *p = *pp, *w = p;
	const char *const *tab = f == CF_MON   ? months
				 : f == CF_DOW ? days
					       : NULL;
	int n = tab == months ? 12 : 7, i, v = 0, max = high[f];

	if (p < end && isdigit((unsigned char)*p)) {
		for (; p < end && isdigit((unsigned char)*p); p++)
			if ((v = v * 10 + (*p - '0')) > 1000)
				break;
		if (f == CF_DOW && d == CRON_VIXIE && v == 7)
			v = 0;
		if (v < low[f] || v > max) {
			snprintf(why, whysz, "%s: %.*s is not in %d-%d",
				 names[f], (int)(p - w), w, low[f],
				 f == CF_DOW && d == CRON_VIXIE ? 7 : max);
			return -1;
		}
		*pp = p;
		return v;
	}
	while (p < end && isalpha((unsigned char)*p))
		p++;
	if (tab && p - w >= 3 && (d == CRON_CELERY || p - w == 3))
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

int
cron_field_parse(enum cron_field f, const char *p, size_t n,
		 enum cron_dialect d, uint64_t *bits, unsigned char *star,
		 char *why, size_t whysz)
{
	const char *end = p + n, *item;
	int a, b, step, v, span = high[f] - low[f] + 1;

	*bits = 0;
	*star = n > 0 && *p == '*';
	if (n == 0) {
		snprintf(why, whysz, "%s: empty", names[f]);
		return -1;
	}
	for (;;) {
		item = p;
		if (p < end && *p == '*') {
			p++;
			a = low[f];
			b = high[f];
		} else {
			if ((a = value(f, &p, end, d, why, whysz)) < 0)
				return -1;
			b = a;
			if (p < end && *p == '-') {
				p++;
				if ((b = value(f, &p, end, d, why, whysz)) < 0)
					return -1;
				if (b < a && d == CRON_VIXIE) {
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
			if (p == s || step == 0 || step > 1000) {
				snprintf(why, whysz, "%s: a bad step in %.*s",
					 names[f], (int)(end - item), item);
				return -1;
			}
		}
		/* a range that wraps (Celery): a to the top, then the bottom */
		for (v = 0; v * step < (b >= a ? b - a + 1 : b - a + 1 + span);
		     v++)
			*bits |= (uint64_t)1
				 << ((a - low[f] + v * step) % span + low[f]);
		if (p == end)
			return 0;
		if (*p != ',') {
			snprintf(why, whysz, "%s: unexpected \"%.*s\"",
				 names[f], (int)(end - p), p);
			return -1;
		}
		p++;
	}
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

void
cron_format(struct buf *out, const struct cron_sched *s)
{
	int f, v, w, n;

	for (f = 0; f < CF_N; f++) {
		if (f)
			buf_addch(out, ' ');
		if (s->bits[f] == cron_all((enum cron_field)f)) {
			buf_addch(out, '*');
			continue;
		}
		/* minutes and hours every N from 0: "*\/N" (a '*' in a day
		 * field would change how pg_cron joins the two) */
		if ((f == CF_MIN || f == CF_HOUR) &&
		    (n = step_of(s->bits[f], f))) {
			buf_addf(out, "*/%d", n);
			continue;
		}
		for (n = 0, v = low[f]; v <= high[f]; v++) {
			if (!((s->bits[f] >> v) & 1))
				continue;
			for (w = v;
			     w < high[f] && ((s->bits[f] >> (w + 1)) & 1); w++)
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
}
