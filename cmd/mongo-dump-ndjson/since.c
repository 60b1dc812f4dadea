/*
 * since.c: --since=FIELD=VALUE, the documents whose FIELD is past VALUE,
 * compared exactly as the field's own BSON type (no rounding through a
 * double, no fraction cut toward zero).
 */
#include <bson/bson.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "mdump.h"

/*
 * A decimal number: (neg ? -1 : 1) * 0.d[0]d[1]...d[n-1] * 10^e, with no
 * zero first or last digit; n == 0 is zero.
 */
struct dec {
	int neg;
	char *d;
	size_t n;
	long e;
};

/* [+-]digits[.digits][(e|E)[+-]digits] into x (x->d has strlen(s) bytes
 * free); -1 when s is not such a number. */
static int
dec_parse(const char *s, struct dec *x)
{
	long e = 0, exp = 0;
	int any = 0, eneg = 0;

	x->neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	x->n = 0;
	for (; isdigit((unsigned char)*s); s++, any = 1) {
		if (x->n || *s != '0')
			x->d[x->n++] = *s;
		if (x->n)
			e++;
	}
	if (*s == '.')
		for (s++; isdigit((unsigned char)*s); s++, any = 1) {
			if (x->n || *s != '0')
				x->d[x->n++] = *s;
			else
				e--;
		}
	if (!any)
		return -1;
	if (*s == 'e' || *s == 'E') {
		s++;
		eneg = *s == '-';
		if (*s == '-' || *s == '+')
			s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		for (; isdigit((unsigned char)*s); s++)
			if (exp < 1000000000L)
				exp = exp * 10 + (*s - '0');
	}
	if (*s)
		return -1;
	while (x->n && x->d[x->n - 1] == '0')
		x->n--;
	x->e = e + (eneg ? -exp : exp);
	if (!x->n)
		x->neg = 0;
	return 0;
}

/* <0, 0, >0 as a < b, a == b, a > b, exactly. */
static int
dec_cmp(const struct dec *a, const struct dec *b)
{
	size_t i;
	int m = 0;

	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	if (!a->n || !b->n)
		m = !a->n && !b->n ? 0 : !a->n ? -1 : 1;
	else if (a->e != b->e)
		m = a->e < b->e ? -1 : 1;
	else {
		for (i = 0; !m && i < a->n && i < b->n; i++)
			m = a->d[i] - b->d[i];
		if (!m && a->n != b->n)
			m = a->n < b->n ? -1 : 1;
	}
	return a->neg ? -m : m;
}

/* floor(x) as an int64, saturated; *below when x < INT64_MIN. */
static int64_t
dec_floor(const struct dec *x, int *below)
{
	uint64_t ip = 0;
	long i;
	int frac;

	*below = 0;
	if (!x->n)
		return 0;
	if (x->e > 19)
		return x->neg ? (*below = 1, INT64_MIN) : INT64_MAX;
	for (i = 0; i < x->e; i++)
		ip = ip * 10 + (uint64_t)((size_t)i < x->n ? x->d[i] - '0' : 0);
	frac = x->e < 0 || x->n > (size_t)(x->e > 0 ? x->e : 0);
	if (!x->neg)
		return ip > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)ip;
	ip += (uint64_t)frac;
	if (ip > (uint64_t)INT64_MAX + 1 || ip < (uint64_t)frac) {
		*below = 1;
		return INT64_MIN;
	}
	return ip == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)ip;
}

int
since_parse(char *arg, struct since *s)
{
	char *eq = strchr(arg, '='), buf[800];
	struct isotime t;
	struct dec x, v;
	size_t k;

	if (!eq || eq == arg)
		return -1;
	*eq = '\0';
	s->field = arg;
	s->value = eq + 1;
	s->vlen = strlen(s->value);
	if (isotime_parse(s->value, s->vlen, 0, &t) == 0 ||
	    isotime_parse(s->value, s->vlen, 1, &t) == 0) {
		/* a time without an offset is UTC, as BSON dates are; an
		 * integral date is past it when past its floor in ms */
		int64_t us = t.usec - (int64_t)t.zone_sec * 1000000;
		s->has_ms = 1;
		s->ms = us / 1000 - (us % 1000 < 0);
	}
	if (!(x.d = malloc(s->vlen + 1)))
		return -1;
	if (dec_parse(s->value, &x) == 0) {
		s->has_num = 1;
		s->ifloor = dec_floor(&x, &s->ibelow);
		/* the nearest double, and where VALUE is beside it: a double
		 * other than it is on the same side of VALUE as of it */
		s->num = strtod(s->value, NULL);
		s->num_cmp = 0;
		if (isfinite(s->num)) {
			/* glibc prints a double's exact decimal expansion */
			snprintf(buf, sizeof(buf), "%.770e", s->num);
			if (!(v.d = malloc(strlen(buf) + 1)))
				return -1;
			dec_parse(buf, &v);
			s->num_cmp = dec_cmp(&x, &v);
			free(v.d);
		}
	}
	free(x.d);
	s->has_oid = s->vlen == 24;
	for (k = 0; k < 12 && s->has_oid; k++) {
		unsigned u;
		if (sscanf(s->value + 2 * k, "%2x", &u) != 1 ||
		    !isxdigit((unsigned char)s->value[2 * k]) ||
		    !isxdigit((unsigned char)s->value[2 * k + 1]))
			s->has_oid = 0;
		s->oid[k] = (uint8_t)u;
	}
	return 0;
}

/* Is the double d past VALUE, exactly? */
static int
double_past(const struct since *s, double d)
{
	if (isnan(d))
		return 0; /* NaN is below every number in MongoDB's order */
	if (d != s->num)
		return d > s->num;
	return s->num_cmp < 0;
}

int
since_keep(struct since *s, const uint8_t *p, size_t len)
{
	bson_iter_t it;
	const bson_oid_t *oid;
	const char *str;
	uint32_t n;
	int c;

	if (!bson_iter_init_from_data(&it, p, len))
		return 1;
	if (!bson_iter_find(&it, s->field)) {
		s->absent++;
		return 0;
	}
	s->present++;
	switch (bson_iter_type(&it)) {
	case BSON_TYPE_DATE_TIME:
		if (!s->has_ms)
			break;
		return bson_iter_date_time(&it) > s->ms;
	case BSON_TYPE_INT32:
	case BSON_TYPE_INT64:
		/* an integer is past VALUE when past its floor */
		if (s->has_num)
			return s->ibelow || bson_iter_as_int64(&it) > s->ifloor;
		break;
	case BSON_TYPE_DOUBLE:
		if (s->has_num)
			return double_past(s, bson_iter_double(&it));
		break;
	case BSON_TYPE_UTF8:
		str = bson_iter_utf8(&it, &n);
		c = memcmp(str, s->value, n < s->vlen ? n : s->vlen);
		return c > 0 || (c == 0 && n > s->vlen);
	case BSON_TYPE_OID:
		if (!s->has_oid)
			break;
		oid = bson_iter_oid(&it);
		return memcmp(oid->bytes, s->oid, 12) > 0;
	default:
		break;
	}
	s->other++;
	return -1;
}
