/* pgjsonb: JSON text in the form jsonb_out gives it (see pgjsonb.h). */
#include "pgjsonb.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 1000	  /* jsonb's own nesting limit is deeper */
#define MAX_EXPONENT 1000 /* numeric_in's */

/* An object's member while its object is written: key bytes in keys. */
struct member {
	size_t koff, klen, order;
	struct json_value v;
};

#define MEMBERS(st) ((struct member *)(st)->members.data)

/* jsonb's key order: shorter first, then by bytes; for a key given twice
 * the later first, so that the one kept is the last written */
static int
by_key(const void *a, const void *b, void *arg)
{
	const struct member *x = a, *y = b;
	const char *keys = arg;
	int c;

	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	c = memcmp(keys + x->koff, keys + y->koff, x->klen);
	if (c)
		return c;
	return x->order > y->order ? -1 : 1;
}

/* numeric_out(numeric_in(p)): no exponent, the places the text gave */
static int
number(struct pgjsonb *st, struct buf *out, const char *p, size_t n)
{
	const char *end = p + n, *d;
	long ip, len, e = 0, dscale, i;
	int neg = 0, eneg = 0, zero = 1;

	buf_reset(&st->digits);
	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < end && *p >= '0' && *p <= '9'; p++)
		buf_addch(&st->digits, *p);
	ip = (long)st->digits.len;
	if (p < end && *p == '.')
		for (p++; p < end && *p >= '0' && *p <= '9'; p++)
			buf_addch(&st->digits, *p);
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end; p++)
			if ((e = e * 10 + (*p - '0')) > MAX_EXPONENT)
				return -1;
	}
	ip += eneg ? -e : e; /* digits before the point */
	d = st->digits.data;
	len = (long)st->digits.len;
	dscale = len - ip > 0 ? len - ip : 0;
	for (i = 0; i < len; i++)
		zero &= d[i] == '0';
	if (neg && !zero)
		buf_addch(out, '-');
	/* the integer part, without leading zeros (nor zeros after them) */
	i = 0;
	while (i < ip && i < len && d[i] == '0')
		i++;
	if (i >= ip || i >= len) {
		buf_addch(out, '0');
	} else {
		buf_add(out, d + i, (size_t)((ip < len ? ip : len) - i));
		for (i = len; i < ip; i++)
			buf_addch(out, '0');
	}
	if (dscale) {
		buf_addch(out, '.');
		for (i = ip; i < 0; i++)
			buf_addch(out, '0');
		buf_add(out, d + (ip > 0 ? ip : 0),
			(size_t)(len - (ip > 0 ? ip : 0)));
	}
	return 0;
}

/* a string body's decoded bytes, escaped as escape_json does */
static int
string(struct buf *out, const struct json_value *v, struct buf *tmp)
{
	const char *p = v->p;
	size_t n = v->len;

	if (v->escaped) {
		buf_reset(tmp);
		json_unescape(tmp, v->p, v->len);
		if (memchr(tmp->data, '\0', tmp->len))
			return -1; /* jsonb refuses \u0000 */
		p = tmp->data;
		n = tmp->len;
	}
	buf_addch(out, '"');
	json_write_string_body(out, p, n);
	buf_addch(out, '"');
	return 0;
}

static int value(struct pgjsonb *st, struct buf *out,
		 const struct json_value *v, int depth);

static int
object(struct pgjsonb *st, struct buf *out, const struct json_value *v,
       int depth)
{
	struct json_iter it;
	struct json_value k, val;
	struct json_error e;
	struct member m, *a, *b;
	size_t mbase = st->members.len, kbase = st->keys.len, i, n, kept = 0;
	int r = 0;

	/* the members, at the top of the stack of every open object's */
	json_object_open_value(&it, v);
	for (n = 0; (r = json_object_next(&it, &k, &val, &e)) > 0; n++) {
		m.koff = st->keys.len;
		json_unescape(&st->keys, k.p, k.len);
		m.klen = st->keys.len - m.koff;
		m.order = n;
		m.v = val;
		buf_add(&st->members, &m, sizeof(m));
	}
	if (r == 0)
		qsort_r(MEMBERS(st) + mbase / sizeof(m), n, sizeof(m), by_key,
			st->keys.data);
	buf_addch(out, '{');
	for (i = 0; r == 0 && i < n; i++) {
		/* (the stack moves as values open objects of their own) */
		a = MEMBERS(st) + mbase / sizeof(m) + i;
		b = a - 1;
		if (i && a->klen == b->klen &&
		    memcmp(st->keys.data + a->koff, st->keys.data + b->koff,
			   a->klen) == 0)
			continue; /* an earlier value of a key given again */
		if (memchr(st->keys.data + a->koff, '\0', a->klen))
			r = -1;
		if (kept++)
			buf_adds(out, ", ");
		buf_addch(out, '"');
		json_write_string_body(out, st->keys.data + a->koff, a->klen);
		buf_adds(out, "\": ");
		val = a->v;
		if (r == 0)
			r = value(st, out, &val, depth + 1);
	}
	buf_addch(out, '}');
	buf_setlen(&st->members, mbase);
	buf_setlen(&st->keys, kbase);
	return r;
}

static int
value(struct pgjsonb *st, struct buf *out, const struct json_value *v,
      int depth)
{
	struct json_iter it;
	struct json_value el;
	int n = 0, r = 0;

	if (depth > MAX_DEPTH)
		return -1;
	switch (v->type) {
	case JSON_NULL:
		buf_adds(out, "null");
		return 0;
	case JSON_TRUE:
		buf_adds(out, "true");
		return 0;
	case JSON_FALSE:
		buf_adds(out, "false");
		return 0;
	case JSON_NUMBER:
		return number(st, out, v->p, v->len);
	case JSON_STRING:
		return string(out, v, &st->str);
	case JSON_ARRAY:
		json_array_open(&it, v);
		buf_addch(out, '[');
		while (r == 0 && json_array_next(&it, &el) > 0) {
			if (n++)
				buf_adds(out, ", ");
			r = value(st, out, &el, depth + 1);
		}
		buf_addch(out, ']');
		return r;
	case JSON_OBJECT:
		return object(st, out, v, depth);
	}
	return -1;
}

int
pgjsonb_text(struct pgjsonb *st, struct buf *out, const char *p, size_t n)
{
	struct json_error e;
	struct json_value v = {0};
	size_t mark = out->len;
	int r;

	if (json_validate(p, n, &v.type, &e) < 0)
		return -1;
	while (n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		p++;
		n--;
	}
	while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' ||
		     p[n - 1] == '\r'))
		n--;
	v.p = p;
	v.len = n;
	if (v.type == JSON_STRING) {
		v.p = p + 1;
		v.len = n - 2;
		v.escaped = memchr(v.p, '\\', v.len) != NULL;
	}
	buf_reset(&st->keys);
	buf_reset(&st->members);
	r = value(st, out, &v, 0);
	if (r < 0)
		buf_setlen(out, mark);
	return r;
}

void
pgjsonb_release(struct pgjsonb *st)
{
	buf_release(&st->keys);
	buf_release(&st->digits);
	buf_release(&st->str);
	buf_release(&st->members);
}

int
pgjsonb_keep_types(struct pgjsonb *st, struct buf *out, const char *p, size_t n)
{
	const char *end = p + n, *t;
	size_t mark = out->len, w;
	struct json_error e;
	int flt;

	if (json_validate(p, n, NULL, &e) < 0)
		return -1;
	while (p < end) {
		if (*p == '"') { /* a string, escapes and all */
			for (t = p + 1; *t != '"'; t++)
				if (*t == '\\')
					t++;
			buf_add(out, p, (size_t)(t + 1 - p));
			p = t + 1;
			continue;
		}
		if (*p != '-' && (*p < '0' || *p > '9')) {
			buf_addch(out, *p++);
			continue;
		}
		for (t = p, flt = 0; t < end && strchr("+-.eE0123456789", *t);
		     t++)
			flt |= *t == '.' || *t == 'e' || *t == 'E';
		if (!flt) {
			buf_add(out, p, (size_t)(t - p));
		} else {
			w = out->len;
			if (number(st, out, p, (size_t)(t - p)) < 0)
				goto fail;
			/* a zero's sign is lost: -0.0 cannot be kept */
			if (*p == '-' && out->data[w] != '-')
				goto fail;
			if (!memchr(out->data + w, '.', out->len - w))
				buf_adds(out, ".0");
		}
		p = t;
	}
	return 0;
fail:
	buf_setlen(out, mark);
	return -1;
}
