/*
 * celery.c: a Celery beat schedule from a Python configuration file, read
 * as the literal subset such files use (dicts, lists, tuples, strings,
 * numbers, True/False/None, crontab(...), timedelta(...), schedule(...),
 * solar(...)); nothing is executed.  Or, when the text is NDJSON, the
 * records scripts/celery-beat-export writes from a live app.
 */
#include <ctype.h>
#include <errno.h>
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "cronexpr.h"
#include "json.h"

enum pv_type {
	PV_NONE,
	PV_BOOL,
	PV_NUM, /* int or float: its text in s, value in f */
	PV_STR,
	PV_LIST,
	PV_TUPLE,
	PV_SET,
	PV_DICT, /* items: key, value, key, value ... */
	PV_CALL, /* s: the callee's last name; keys[i]: a keyword or NULL */
	PV_NAME, /* s: a dotted name that is not a literal */
	PV_BAD,	 /* a literal that is no value here (bytes, 1j ...): s says */
};

struct pv {
	enum pv_type t;
	char *s;
	double f;
	int integer;
	int nul; /* a string holding a NUL, which JSON and SQL text cannot */
	struct pv **items;
	char **keys;
	size_t n;
	unsigned line;
};

struct parser {
	const char *p, *end, *file;
	unsigned line;
	int depth; /* brackets open: newlines inside do not end a line */
	int nest;  /* values open inside values */
	char why[256];
};

static void
pv_free(struct pv *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->n; i++) {
		pv_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static struct pv *
pv_new(enum pv_type t, unsigned line)
{
	struct pv *v = calloc(1, sizeof(*v));

	if (!v)
		errx(3, "out of memory");
	v->t = t;
	v->line = line;
	return v;
}

static void
pv_push(struct pv *v, struct pv *item, char *key)
{
	v->items = realloc(v->items, (v->n + 1) * sizeof(*v->items));
	v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
	if (!v->items || !v->keys)
		errx(3, "out of memory");
	v->items[v->n] = item;
	v->keys[v->n++] = key;
}

/* A deep copy of v. */
static struct pv *
pv_copy(const struct pv *v)
{
	struct pv *c = pv_new(v->t, v->line);
	size_t i;

	c->s = v->s ? xstrdup(v->s) : NULL;
	c->f = v->f;
	c->integer = v->integer;
	c->nul = v->nul;
	for (i = 0; i < v->n; i++)
		pv_push(c, pv_copy(v->items[i]),
			v->keys && v->keys[i] ? xstrdup(v->keys[i]) : NULL);
	return c;
}

/* Blanks and comments; newlines too inside brackets or after '\'. */
static void
skip(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
			ps->p++;
		} else if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
		} else if (c == '\\' && ps->p + 1 < ps->end &&
			   ps->p[1] == '\n') {
			ps->p += 2;
			ps->line++;
		} else if (c == '\n' && ps->depth > 0) {
			ps->p++;
			ps->line++;
		} else {
			break;
		}
	}
}

static int
fail(struct parser *ps, const char *what)
{
	snprintf(ps->why, sizeof(ps->why), "%s", what);
	return -1;
}

static int
hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0'
					 : tolower((unsigned char)c) - 'a' + 10;
}

/* A string literal's prefix at p (r, u, b, f, br, rb, fr, rf in any case):
 * its length, or -1 when p does not start a string literal */
static int
string_prefix(const char *p, const char *end)
{
	int n = 0, b = 0, f = 0, r = 0, u = 0;

	for (; p + n < end && n < 3 && isalpha((unsigned char)p[n]); n++) {
		switch (tolower((unsigned char)p[n])) {
		case 'b':
			b++;
			break;
		case 'f':
			f++;
			break;
		case 'r':
			r++;
			break;
		case 'u':
			u++;
			break;
		default:
			return -1;
		}
	}
	if (n > 2 || b > 1 || f > 1 || r > 1 || u > 1 || b + f > 1 ||
	    (u && n > 1) || p + n >= end || (p[n] != '\'' && p[n] != '"'))
		return -1;
	return n;
}

/*
 * One string literal, decoded as Python decodes it into out.  A literal
 * that is no str here is read to its end and *bad says what it is: a
 * bytes literal, an f-string (computed when the file runs), a \N{...}
 * escape (not decoded here), a surrogate.  -1 (ps->why) where Python's
 * tokenizer stops too.
 */
static int
string(struct parser *ps, struct buf *out, const char **bad)
{
	const char *p = ps->p, *end = ps->end;
	static const char simple[] = "n\nt\tr\ra\ab\bf\fv\v\\\\''\"\"";
	int raw = 0, triple, i, n, plen = string_prefix(p, end);
	const char *e;
	char q;
	unsigned long c;

	if (plen < 0)
		return fail(ps, "a string expected");
	for (i = 0; i < plen; i++, p++) {
		if (*p == 'r' || *p == 'R')
			raw = 1;
		else if (*p == 'b' || *p == 'B')
			*bad = "a bytes literal (no JSON form, no crontab "
			       "field)";
		else if (*p == 'f' || *p == 'F')
			*bad = "an f-string, computed when the file runs";
	}
	q = *p;
	triple = p + 2 < end && p[1] == q && p[2] == q;
	p += triple ? 3 : 1;
	for (;;) {
		if (p >= end)
			return fail(ps, "a string does not end");
		if (*p == q &&
		    (!triple || (p + 2 < end && p[1] == q && p[2] == q))) {
			p += triple ? 3 : 1;
			break;
		}
		if (*p == '\r' || *p == '\n') {
			/* Python reads \r\n and \r as \n */
			if (!triple)
				return fail(ps, "a string does not end");
			if (*p == '\r' && p + 1 < end && p[1] == '\n')
				p++;
			ps->line++;
			buf_addch(out, '\n');
			p++;
			continue;
		}
		if (*p != '\\' || raw) {
			/* raw: a backslash and what follows are both kept,
			 * and \' does not end the string */
			if (*p == '\\' && p + 1 < end) {
				buf_addch(out, *p++);
				if (*p == '\r' || *p == '\n') {
					if (*p == '\r' && p + 1 < end &&
					    p[1] == '\n')
						p++;
					ps->line++;
					buf_addch(out, '\n');
					p++;
					continue;
				}
			}
			buf_addch(out, *p++);
			continue;
		}
		p++;
		if (p >= end)
			return fail(ps, "a string does not end");
		if (*bad &&
		    (*p == 'N' || *p == 'u' || *p == 'U' || *p == 'x')) {
			/* a bytes or f-string: refused whatever it holds */
			p++;
			continue;
		}
		switch (*p) {
		case '\r':
			if (p + 1 < end && p[1] == '\n')
				p++;
			/* FALLTHROUGH */
		case '\n':
			ps->line++;
			p++;
			continue;
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
			for (c = 0, i = 0;
			     i < 3 && p < end && *p >= '0' && *p <= '7'; i++)
				c = c * 8 + (unsigned long)(*p++ - '0');
			json_put_utf8(out, c);
			continue;
		case 'N':
			if (p + 1 >= end || p[1] != '{' ||
			    !(e = memchr(p, '}', (size_t)(end - p))) ||
			    memchr(p, q, (size_t)(e - p)) ||
			    memchr(p, '\n', (size_t)(e - p)))
				return fail(ps, "a malformed \\N character "
						"escape");
			*bad = "a \\N{...} escape, not decoded here "
			       "(write the character or \\u)";
			p = e + 1;
			continue;
		case 'x':
		case 'u':
		case 'U':
			n = *p == 'x' ? 2 : *p == 'u' ? 4 : 8;
			for (c = 0, i = 0, p++; i < n; i++, p++) {
				if (p >= end || !isxdigit((unsigned char)*p))
					return fail(ps, "a bad \\x, \\u or \\U "
							"escape");
				c = c * 16 + (unsigned long)hexval(*p);
			}
			if (c > 0x10ffff)
				return fail(ps, "an escape that is no "
						"character");
			if (c >= 0xd800 && c <= 0xdfff)
				*bad = "a surrogate, which JSON text cannot "
				       "hold alone";
			else
				json_put_utf8(out, c);
			continue;
		default:
			/* one letter for one byte; any other escape Python
			 * keeps as written */
			for (e = simple; *e && *e != *p; e += 2)
				;
			if (*e) {
				buf_addch(out, e[1]);
			} else {
				buf_addch(out, '\\');
				buf_addch(out, *p);
			}
		}
		p++;
	}
	ps->p = p;
	return 0;
}

static int
is_string_start(const struct parser *ps)
{
	return string_prefix(ps->p, ps->end) >= 0;
}

static struct pv *expr(struct parser *ps);

/* items up to close: values, or key: value (dict), or name=value (call) */
static int
items(struct parser *ps, struct pv *v, char close, int dict, int call)
{
	struct pv *k, *val;
	const char *save;
	char *kw;

	for (;;) {
		skip(ps);
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		kw = NULL;
		if (call) { /* name=value */
			save = ps->p;
			while (ps->p < ps->end &&
			       (isalnum((unsigned char)*ps->p) ||
				*ps->p == '_'))
				ps->p++;
			skip(ps);
			if (ps->p > save && ps->p < ps->end && *ps->p == '=' &&
			    (ps->p + 1 >= ps->end || ps->p[1] != '=')) {
				kw = xstrndup(save, strcspn(save, " \t="));
				ps->p++;
			} else {
				ps->p = save;
			}
		}
		if (!(k = expr(ps))) {
			free(kw);
			return -1;
		}
		skip(ps);
		if (dict) {
			if (ps->p >= ps->end || *ps->p != ':') {
				pv_free(k);
				return fail(ps, "':' expected in a dict");
			}
			ps->p++;
			if (!(val = expr(ps))) {
				pv_free(k);
				return -1;
			}
			pv_push(v, k, NULL);
			pv_push(v, val, NULL);
		} else {
			pv_push(v, k, kw);
		}
		skip(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			return 0;
		}
		return fail(ps, "',' or a closing bracket expected");
	}
}

/* Out of a bracket: v when r is 0, else NULL (v freed). */
static struct pv *
leave(struct parser *ps, struct pv *v, int r)
{
	ps->depth--;
	ps->nest--;
	if (r < 0) {
		pv_free(v);
		return NULL;
	}
	return v;
}

/*
 * Into a bracket: its first item read into *k (0), or 1 when the bracket
 * closes at once, or -1; leave() gets out of it
 */
static int
first_item(struct parser *ps, char close, struct pv **k)
{
	ps->depth++;
	ps->nest++;
	skip(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 1;
	}
	return (*k = expr(ps)) ? 0 : -1;
}

/*
 * {...}: a dict, or a set when its first item has no ':'; that item is
 * read once, whichever it is (a probe would read nested braces again
 * at every depth)
 */
static struct pv *
braces(struct parser *ps, struct pv *v)
{
	struct pv *k, *val;
	int r = 0;

	if ((r = first_item(ps, '}', &k)) != 0) {
		r = r < 0 ? r : 0;
		goto out;
	}
	skip(ps);
	if (ps->p < ps->end && *ps->p == ':') {
		ps->p++;
		if (!(val = expr(ps))) {
			pv_free(k);
			r = -1;
			goto out;
		}
		pv_push(v, k, NULL);
		pv_push(v, val, NULL);
	} else {
		v->t = PV_SET;
		pv_push(v, k, NULL);
	}
	skip(ps);
	if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		r = items(ps, v, '}', v->t == PV_DICT, 0);
	} else if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
	} else {
		r = fail(ps, "',' or a closing bracket expected");
	}
out:
	return leave(ps, v, r);
}

/* v's items up to close, inside one more bracket; v, or NULL */
static struct pv *
bracketed(struct parser *ps, struct pv *v, char close, int dict, int call)
{
	ps->depth++;
	ps->nest++;
	return leave(ps, v, items(ps, v, close, dict, call));
}

/*
 * (...): a tuple when empty or when a ',' follows its first item, else
 * that item itself, as Python reads parentheses: ('x') is a string
 */
static struct pv *
parens(struct parser *ps, struct pv *v)
{
	struct pv *k;
	int r = 0;

	if ((r = first_item(ps, ')', &k)) != 0) {
		r = r < 0 ? r : 0;
		goto out;
	}
	skip(ps);
	if (ps->p < ps->end && *ps->p == ')') {
		ps->p++;
		pv_free(v);
		v = k;
	} else if (ps->p < ps->end && *ps->p == ',') {
		ps->p++;
		pv_push(v, k, NULL);
		r = items(ps, v, ')', 0, 0);
	} else {
		pv_free(k);
		r = fail(ps, "',' or a closing bracket expected");
	}
out:
	return leave(ps, v, r);
}

static int
is_digit_of(char d, int base)
{
	return base == 16 ? isxdigit((unsigned char)d) != 0
			  : d >= '0' && d < '0' + base;
}

/* digits of base with single '_' between them: their length (0: none) */
static size_t
digitpart(const char *p, const char *end, int base)
{
	const char *s = p;

	if (p >= end || !is_digit_of(*p, base))
		return 0;
	for (p++; p < end; p++) {
		if (*p == '_' && p + 1 < end && is_digit_of(p[1], base))
			p++;
		else if (!is_digit_of(*p, base))
			break;
	}
	return (size_t)(p - s);
}

/* the digits d[0..n) of base ('_' skipped) as decimal digits, exactly */
static void
to_decimal(struct buf *out, const char *d, size_t n, int base)
{
	unsigned char *dec = calloc(2 * n + 2, 1);
	size_t len = 1, i, k;
	unsigned carry;

	if (!dec)
		errx(3, "out of memory");
	for (k = 0; k < n; k++) {
		if (d[k] == '_')
			continue;
		carry = (unsigned)hexval(d[k]);
		for (i = 0; i < len; i++) {
			unsigned t = dec[i] * (unsigned)base + carry;
			dec[i] = (unsigned char)(t % 10);
			carry = t / 10;
		}
		for (; carry; carry /= 10)
			dec[len++] = (unsigned char)(carry % 10);
	}
	while (len > 1 && !dec[len - 1])
		len--;
	while (len-- > 0)
		buf_addch(out, (char)('0' + dec[len]));
	free(dec);
}

/* Python's int_max_str_digits: longer ints are not written as text */
#define INT_DIGITS 4300
#define INT_DIGITS_WHY                                                         \
	"an int of more than 4300 digits, which Python's json.dumps refuses"

/*
 * A number as Python's tokenizer reads it (1_000, 00, 0x_1F, .5e-3,
 * 1e400, 2j), negated when neg: an int's decimal digits exact however
 * many, a float correctly rounded (inf or 0.0 past its range, as in
 * Python), a complex a PV_BAD.  NULL where Python stops too (01, 1__0,
 * 0x, 1e, 1a).
 */
static struct pv *
number(struct parser *ps, int neg)
{
	const char *p = ps->p, *end = ps->end, *q, *x;
	struct buf s = BUF_INIT;
	struct pv *v;
	int base = 10, kind = 'i';
	size_t n, m;

	if (end - p > 1 && p[0] == '0' && strchr("xXoObB", p[1]) && p[1]) {
		base = strchr("xX", p[1]) ? 16 : strchr("oO", p[1]) ? 8 : 2;
		q = p + 2;
		if (q < end && *q == '_')
			q++;
		if (!(n = digitpart(q, end, base)))
			return NULL;
		p = q;
		q += n;
	} else {
		n = digitpart(p, end, 10);
		q = p + n;
		if (q < end && *q == '.') {
			m = digitpart(q + 1, end, 10);
			if (!n && !m)
				return NULL;
			q += 1 + m;
			kind = 'f';
		}
		if (q < end && (*q == 'e' || *q == 'E')) {
			x = q + 1;
			if (x < end && (*x == '+' || *x == '-'))
				x++;
			if (!(m = digitpart(x, end, 10)))
				return NULL;
			q = x + m;
			kind = 'f';
		}
		if (q < end && (*q == 'j' || *q == 'J')) {
			q++;
			kind = 'j';
		}
		/* a decimal int is 0s or starts with another digit */
		if (kind == 'i' && *p == '0')
			for (x = p; x < q; x++)
				if (*x != '0' && *x != '_')
					return NULL;
	}
	if (q < end && (isalnum((unsigned char)*q) || *q == '_'))
		return NULL;
	for (x = p, n = 0; kind == 'i' && x < q; x++)
		n += *x != '_' && (n || *x != '0'); /* significant digits */
	if (base == 10 && n > INT_DIGITS)
		return NULL; /* Python 3.11 does not compile it */
	ps->p = q;
	v = pv_new(PV_NUM, ps->line);
	if (kind == 'j' || (double)n * log10(base) > INT_DIGITS + 1) {
		v->t = PV_BAD;
		v->s = xstrdup(kind == 'j' ? "a complex number, which JSON "
					     "has no form of"
					   : INT_DIGITS_WHY);
		return v;
	}
	if (neg)
		buf_addch(&s, '-');
	if (kind == 'f') {
		for (x = p; x < q; x++)
			if (*x != '_')
				buf_addch(&s, *x);
		v->f = strtod(s.data, NULL); /* inf and 0 past the range */
	} else {
		to_decimal(&s, p, (size_t)(q - p), base);
		if (neg && strcmp(s.data, "-0") == 0)
			buf_reset(&s), buf_addch(&s, '0');
		if (s.len - (size_t)neg > INT_DIGITS) {
			buf_release(&s);
			v->t = PV_BAD;
			v->s = xstrdup(INT_DIGITS_WHY);
			return v;
		}
		v->f = strtod(s.data, NULL);
		v->integer = 1;
	}
	v->s = buf_detach(&s, NULL);
	return v;
}

static struct pv *
expr(struct parser *ps)
{
	struct buf s = BUF_INIT;
	struct pv *v;
	const char *w;
	int neg = 0;
	char close;

	skip(ps);
	if (ps->p >= ps->end) {
		fail(ps, "a value expected");
		return NULL;
	}
	if (ps->nest > 200) {
		fail(ps, "nested too deep");
		return NULL;
	}
	if (is_string_start(ps)) {
		const char *bad = NULL;
		v = pv_new(PV_STR, ps->line);
		/* adjacent strings are one */
		do {
			if (string(ps, &s, &bad) < 0) {
				buf_release(&s);
				pv_free(v);
				return NULL;
			}
			skip(ps);
		} while (is_string_start(ps));
		v->nul = memchr(s.data, '\0', s.len) != NULL;
		buf_addch(&s, '\0');
		v->s = buf_detach(&s, NULL);
		if (bad) {
			v->t = PV_BAD;
			free(v->s);
			v->s = xstrdup(bad);
		}
		return v;
	}
	if (*ps->p == '-' || *ps->p == '+') {
		neg = *ps->p == '-';
		ps->p++;
		skip(ps);
	}
	if (ps->p < ps->end && (isdigit((unsigned char)*ps->p) ||
				(*ps->p == '.' && ps->p + 1 < ps->end &&
				 isdigit((unsigned char)ps->p[1])))) {
		if (!(v = number(ps, neg)))
			fail(ps, "a bad number");
		return v;
	}
	if (neg) {
		fail(ps, "a number expected after '-'");
		return NULL;
	}
	close = *ps->p == '{'	? '}'
		: *ps->p == '[' ? ']'
		: *ps->p == '(' ? ')'
				: 0;
	if (close) {
		unsigned line = ps->line;
		int dict = 0;
		ps->p++;
		ps->depth++;
		v = pv_new(close == ']'	  ? PV_LIST
			   : close == ')' ? PV_TUPLE
					  : PV_DICT,
			   line);
		ps->depth--;
		if (close == '}')
			return braces(ps, v);
		if (close == ')')
			return parens(ps, v);
		return bracketed(ps, v, close, dict, 0);
	}
	if (isalpha((unsigned char)*ps->p) || *ps->p == '_') {
		w = ps->p;
		while (ps->p < ps->end && (isalnum((unsigned char)*ps->p) ||
					   *ps->p == '_' || *ps->p == '.'))
			ps->p++;
		if ((size_t)(ps->p - w) == 4 && strncmp(w, "True", 4) == 0) {
			v = pv_new(PV_BOOL, ps->line);
			v->integer = 1;
			return v;
		}
		if ((size_t)(ps->p - w) == 5 && strncmp(w, "False", 5) == 0)
			return pv_new(PV_BOOL, ps->line);
		if ((size_t)(ps->p - w) == 4 && strncmp(w, "None", 4) == 0)
			return pv_new(PV_NONE, ps->line);
		v = pv_new(PV_NAME, ps->line);
		v->s = xstrndup(w, (size_t)(ps->p - w));
		skip(ps);
		if (ps->p < ps->end && *ps->p == '(') {
			char *last = strrchr(v->s, '.');
			if (last) {
				last = xstrdup(last + 1);
				free(v->s);
				v->s = last;
			}
			v->t = PV_CALL;
			ps->p++;
			return bracketed(ps, v, ')', 0, 1);
		}
		return v;
	}
	snprintf(ps->why, sizeof(ps->why), "unexpected \"%.20s\"", ps->p);
	return NULL;
}

/* ---- from values to entries ---- */

/* the value of a dict's string key, the last one where it is given twice,
 * as in Python */
static const struct pv *
dict_get(const struct pv *d, const char *key)
{
	const struct pv *r = NULL;
	size_t i;

	for (i = 0; d && d->t == PV_DICT && i < d->n; i += 2)
		if (d->items[i]->t == PV_STR &&
		    strcmp(d->items[i]->s, key) == 0)
			r = d->items[i + 1];
	return r;
}

/*
 * v as JSON (args, kwargs); -1 for what JSON has no form of, *why set to
 * what it is when that is known
 */
static int
to_json(struct buf *out, const struct pv *v, const char **why)
{
	size_t i;

	switch (v->t) {
	case PV_NONE:
		buf_adds(out, "null");
		return 0;
	case PV_BOOL:
		buf_adds(out, v->integer ? "true" : "false");
		return 0;
	case PV_NUM:
		if (v->integer && strspn(v->s, "-0123456789") == strlen(v->s))
			buf_adds(out, v->s[0] == '-' && v->s[1] == '0' &&
						      v->s[2] == '\0'
					      ? "0"
					      : v->s);
		else if (isfinite(v->f)) {
			/* a float stays one: 2.0, not 2, as json.dumps */
			size_t mark = out->len;
			json_write_double(out, v->f);
			if (!memchr(out->data + mark, '.', out->len - mark) &&
			    !memchr(out->data + mark, 'e', out->len - mark))
				buf_adds(out, ".0");
		} else {
			*why = "a float that is not finite (inf), which JSON "
			       "has no form of";
			return -1;
		}
		return 0;
	case PV_BAD:
		*why = v->s;
		return -1;
	case PV_STR:
		if (v->nul ||
		    utf8_valid_prefix(v->s, strlen(v->s)) != strlen(v->s))
			return -1;
		json_write_string(out, v->s, strlen(v->s));
		return 0;
	case PV_LIST:
	case PV_TUPLE:
		buf_addch(out, '[');
		for (i = 0; i < v->n; i++) {
			if (i)
				buf_addch(out, ',');
			if (to_json(out, v->items[i], why) < 0)
				return -1;
		}
		buf_addch(out, ']');
		return 0;
	case PV_DICT:
		buf_addch(out, '{');
		for (i = 0; i < v->n; i += 2) {
			const struct pv *k = v->items[i];
			if (k->t == PV_BAD)
				*why = k->s;
			if (k->t != PV_STR || k->nul ||
			    utf8_valid_prefix(k->s, strlen(k->s)) !=
				    strlen(k->s))
				return -1;
			/* a key given twice: Python keeps the last value */
			if (dict_get(v, k->s) != v->items[i + 1])
				continue;
			if (out->len && out->data[out->len - 1] != '{')
				buf_addch(out, ',');
			json_write_string(out, k->s, strlen(k->s));
			buf_addch(out, ':');
			if (to_json(out, v->items[i + 1], why) < 0)
				return -1;
		}
		buf_addch(out, '}');
		return 0;
	default:
		return -1;
	}
}

/*
 * One crontab(...) field as the text Celery's crontab_parser would get:
 * a string as it is, an int, or a list, tuple, set or range(...) of ints
 * (Celery takes their set as it is: "N,N,..." parses to the same); NULL
 * and why set for what Celery raises on.
 */
static int
field_text(struct buf *out, const struct pv *v, const char **why)
{
	long a[3] = {0, 0, 1}, i;
	size_t k;

	if (v->t == PV_STR || (v->t == PV_NUM && v->integer)) {
		buf_adds(out, v->s);
		return 0;
	}
	if (v->t == PV_BAD) {
		*why = v->s;
		return -1;
	}
	if (v->t == PV_BOOL) { /* an int in Python */
		buf_adds(out, v->integer ? "1" : "0");
		return 0;
	}
	if (v->t == PV_CALL && strcmp(v->s, "range") == 0) {
		if (v->n < 1 || v->n > 3) {
			*why = "range() takes 1 to 3 arguments";
			return -1;
		}
		for (k = 0; k < v->n; k++) {
			const struct pv *x = v->items[k];
			if (v->keys[k] || x->t != PV_NUM || !x->integer ||
			    fabs(x->f) > 1e6) {
				*why = "range() of other than small ints";
				return -1;
			}
			a[v->n == 1 ? 1 : k] = (long)x->f;
		}
		if (a[2] == 0) {
			*why = "range() with a step of 0";
			return -1;
		}
		for (k = 0, i = a[0]; a[2] > 0 ? i < a[1] : i > a[1]; i += a[2])
			buf_addf(out, "%s%ld", k++ ? "," : "", i);
		if (!k)
			*why = "an empty set: Celery never runs it";
		return k ? 0 : -1;
	}
	if (v->t == PV_LIST || v->t == PV_TUPLE || v->t == PV_SET) {
		for (k = 0; k < v->n; k++) {
			const struct pv *x = v->items[k];
			if (x->t != PV_BOOL &&
			    (x->t != PV_NUM || !x->integer)) {
				*why = "a list holding other than ints: "
				       "Celery raises TypeError";
				return -1;
			}
			if (k)
				buf_addch(out, ',');
			field_text(out, x, why);
		}
		if (!v->n)
			*why = "an empty set: Celery never runs it";
		return v->n ? 0 : -1;
	}
	*why = NULL;
	return -1;
}

/* The call's arguments as Python binds them to the parameters kws
 * (npos of them positional); NULL, with why, when Python raises
 * TypeError.  Known keywords that are not supported name themselves. */
static int
bind(const struct pv *call, const char *const *kws, size_t nkws, size_t npos,
     const struct pv **slot, struct entry *e)
{
	size_t i, j, pos = 0;

	for (j = 0; j < nkws; j++)
		slot[j] = NULL;
	for (i = 0; i < call->n; i++) {
		if (!call->keys[i]) {
			if (pos >= npos) {
				entry_refuse(e,
					     "%s() takes at most %zu "
					     "positional arguments: Celery "
					     "raises TypeError",
					     call->s, npos);
				return -1;
			}
			slot[pos++] = call->items[i];
			continue;
		}
		for (j = 0; j < nkws && strcmp(kws[j], call->keys[i]); j++)
			;
		if (j == nkws) {
			entry_refuse(e,
				     "%s() got an unexpected keyword argument "
				     "'%s': Celery raises TypeError",
				     call->s, call->keys[i]);
			return -1;
		}
		if (slot[j]) {
			entry_refuse(e,
				     "%s() got multiple values for '%s': "
				     "Celery raises TypeError",
				     call->s, kws[j]);
			return -1;
		}
		slot[j] = call->items[i];
	}
	return 0;
}

/*
 * The seconds of a number or timedelta(...) (Python's arguments bound as
 * Python binds them): 0, or -1 with e refused
 */
static int
seconds_of(struct entry *e, const struct pv *v, double *sec)
{
	static const char *const kws[] = {
		"days",	   "seconds", "microseconds", "milliseconds",
		"minutes", "hours",   "weeks"};
	static const double mult[] = {86400, 1, 1e-6, 1e-3, 60, 3600, 604800};
	const struct pv *slot[7];
	size_t i;

	*sec = 0;
	if (v->t == PV_NUM) {
		*sec = v->f;
		return 0;
	}
	if (v->t == PV_BAD) {
		entry_refuse(e, "the schedule is %s", v->s);
		return -1;
	}
	if (v->t != PV_CALL || strcmp(v->s, "timedelta") != 0) {
		entry_refuse(e, "the schedule is not a literal");
		return -1;
	}
	if (bind(v, kws, 7, 7, slot, e) < 0)
		return -1;
	for (i = 0; i < 7; i++)
		if (slot[i]) {
			if (slot[i]->t != PV_NUM) {
				entry_refuse(e,
					     "timedelta(%s=...) is not a "
					     "number",
					     kws[i]);
				return -1;
			}
			*sec += slot[i]->f * mult[i];
		}
	return 0;
}

static void
celery_schedule(struct entry *e, const struct pv *sched)
{
	static const char *const kws[CF_N] = {"minute", "hour", "day_of_month",
					      "month_of_year", "day_of_week"};
	struct buf src = BUF_INIT;
	int f;

	if (sched->t == PV_CALL && strcmp(sched->s, "crontab") == 0) {
		/* crontab(minute, hour, day_of_week, day_of_month,
		 * month_of_year, **kwargs to BaseSchedule(nowfun, app)) */
		static const char *const params[] = {
			"minute",	"hour",		 "day_of_week",
			"day_of_month", "month_of_year", "nowfun",
			"app"};
		static const int order[CF_N] = {0, 1, 3, 4, 2};
		const struct pv *slot[7];
		struct buf t[CF_N];
		const char *field[CF_N], *why = NULL;
		if (bind(sched, params, 7, 5, slot, e) < 0)
			goto out;
		if (slot[5] || slot[6]) {
			entry_refuse(e,
				     slot[5] ? "crontab(nowfun=...) runs on "
					       "another clock"
					     : "crontab(app=...) takes another "
					       "app's time zone");
			goto out;
		}
		for (f = 0; f < CF_N; f++) {
			const struct pv *a = slot[order[f]];
			t[f] = (struct buf)BUF_INIT;
			field[f] = NULL;
			if (a && e->kind != SRC_REFUSED &&
			    field_text(&t[f], a, &why) < 0 && why)
				entry_refuse(e, "crontab(%s=...): %s", kws[f],
					     why);
			else if (a && e->kind != SRC_REFUSED && !t[f].len)
				entry_refuse(e,
					     "crontab(%s=...) is not a string, "
					     "a number or a list",
					     kws[f]);
			else if (a)
				field[f] = t[f].data;
		}
		if (e->kind != SRC_REFUSED)
			entry_crontab(e, field);
		for (f = 0; f < CF_N; f++)
			buf_release(&t[f]);
	} else if (sched->t == PV_CALL && strcmp(sched->s, "solar") == 0) {
		entry_refuse(e, "solar(...) follows the sun: no cron schedule "
				"gives its times");
	} else if (sched->t == PV_CALL && strcmp(sched->s, "schedule") == 0) {
		/* schedule(run_every, relative, nowfun, app) */
		static const char *const params[] = {"run_every", "relative",
						     "nowfun", "app"};
		const struct pv *slot[4];
		if (bind(sched, params, 4, 4, slot, e) < 0)
			goto out;
		if (slot[2] || slot[3]) {
			entry_refuse(e, slot[2] ? "schedule(nowfun=...) runs "
						  "on another clock"
						: "schedule(app=...) takes "
						  "another app's time zone");
			goto out;
		}
		if (slot[1] && (slot[1]->t != PV_BOOL || slot[1]->integer)) {
			entry_refuse(e, "relative=True rounds to when beat "
					"started");
			goto out;
		}
		if (!slot[0]) {
			entry_refuse(e, "schedule() without run_every");
			goto out;
		}
		if (slot[0]->t != PV_NUM &&
		    (slot[0]->t != PV_CALL ||
		     strcmp(slot[0]->s, "timedelta") != 0))
			entry_refuse(e, "schedule(run_every=...) is not a "
					"number or a timedelta");
		else if (seconds_of(e, slot[0], &e->seconds) == 0)
			e->kind = SRC_INTERVAL;
	} else if (sched->t == PV_CALL && strcmp(sched->s, "timedelta") != 0) {
		entry_refuse(e, "%s(...) is not a schedule cron-convert knows",
			     sched->s);
	} else if (sched->t != PV_NUM && sched->t != PV_CALL) {
		entry_refuse(e, "the schedule is not a literal");
	} else if (seconds_of(e, sched, &e->seconds) == 0) {
		e->kind = SRC_INTERVAL;
	}
	if (e->kind == SRC_INTERVAL && !(e->seconds < 86400 * 1e9)) {
		/* timedelta's days < 1e9; inf and past it raise */
		entry_refuse(e,
			     "an interval of %g seconds: Celery raises "
			     "OverflowError",
			     e->seconds);
	}
	if (e->kind == SRC_INTERVAL && !(e->seconds > 0)) {
		/* beat's is_due: remaining <= 0 at every tick */
		entry_refuse(e,
			     "an interval of %g seconds: beat runs it at "
			     "every tick",
			     e->seconds);
	}
out:
	if (!e->source) {
		buf_reset(&src);
		if (e->kind == SRC_INTERVAL)
			buf_addf(&src, "every %g seconds", e->seconds);
		else
			buf_adds(&src,
				 sched->t == PV_CALL ? sched->s : "schedule");
		e->source = xstrdup(src.data);
	}
	buf_release(&src);
}

struct module;
static void module_queue(struct module *m, struct entry *e,
			 const struct pv *opts);

static void
celery_entry(struct entries *es, const char *file, const struct pv *k,
	     const struct pv *v, struct module *m, const char *tz,
	     const char *tzwhy)
{
	struct entry *e = entry_add(es, file, k->line);
	const struct pv *task = dict_get(v, "task"),
			*sched = dict_get(v, "schedule"),
			*args = dict_get(v, "args"),
			*kwargs = dict_get(v, "kwargs"),
			*opts = dict_get(v, "options"), *q;
	struct buf j = BUF_INIT;
	const char *why = NULL;

	e->name = xstrdup(k->t == PV_STR ? k->s : "?");
	e->tz = tz ? xstrdup(tz) : NULL;
	e->task = xstrdup(task && task->t == PV_STR ? task->s : "");
	if (k->t == PV_BAD || (task && task->t == PV_BAD)) {
		e->source = xstrdup("?");
		entry_refuse(e, "its %s is %s",
			     k->t == PV_BAD ? "name" : "'task'",
			     k->t == PV_BAD ? k->s : task->s);
		return;
	}
	if (v->t != PV_DICT || !task || task->t != PV_STR || task->nul ||
	    !sched || k->t != PV_STR || k->nul) {
		e->source = xstrdup("?");
		entry_refuse(e, "an entry needs a dict with 'task' (a string) "
				"and 'schedule'");
		return;
	}
	if (args && args->t != PV_LIST && args->t != PV_TUPLE)
		args = NULL, entry_refuse(e, "'args' is not a list or tuple");
	if (kwargs && kwargs->t != PV_DICT)
		kwargs = NULL, entry_refuse(e, "'kwargs' is not a dict");
	if (args && to_json(&j, args, &why) < 0)
		entry_refuse(e, "'args' holds %s",
			     why ? why : "a value JSON cannot hold");
	if (e->kind != SRC_REFUSED)
		entry_json(e, "args", &e->args, args && j.len ? j.data : "[]");
	buf_reset(&j);
	why = NULL;
	if (kwargs && to_json(&j, kwargs, &why) < 0)
		entry_refuse(e, "'kwargs' holds %s",
			     why ? why : "a value JSON cannot hold");
	if (e->kind != SRC_REFUSED)
		entry_json(e, "kwargs", &e->kwargs,
			   kwargs && j.len ? j.data : "{}");
	if (!e->args)
		e->args = xstrdup("[]");
	if (!e->kwargs)
		e->kwargs = xstrdup("{}");
	buf_release(&j);
	if (e->kind != SRC_REFUSED)
		module_queue(m, e, opts);
	if (e->kind == SRC_REFUSED) {
		e->source = xstrdup("?");
		return;
	}
	celery_schedule(e, sched);
	if (e->kind != SRC_REFUSED && tzwhy)
		entry_refuse(e, "%s", tzwhy);
	if (e->kind != SRC_REFUSED && (q = dict_get(v, "relative")) &&
	    q->t == PV_BOOL && q->integer)
		entry_refuse(e, "relative=True rounds to when beat started");
}

/* The dotted name a statement assigns to, if NAME(.NAME)* = */
static int
assignment(struct parser *ps, struct buf *name)
{
	const char *p = ps->p;

	buf_reset(name);
	while (p < ps->end &&
	       (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
		buf_addch(name, *p++);
	while (p < ps->end && (*p == ' ' || *p == '\t'))
		p++;
	if (!name->len || p >= ps->end || *p != '=' ||
	    (p + 1 < ps->end && p[1] == '='))
		return 0;
	buf_addch(name, '\0');
	ps->p = p + 1;
	return 1;
}

static const char *
last_name(const char *s)
{
	const char *d = strrchr(s, '.');

	return d ? d + 1 : s;
}

/* skip the rest of a logical line (brackets and strings balanced) */
static int
skip_line(struct parser *ps)
{
	struct buf junk = BUF_INIT;
	const char *bad;
	int depth = 0, word = 0;

	while (ps->p < ps->end) {
		char c = *ps->p;
		if (!word && is_string_start(ps)) {
			buf_reset(&junk);
			if (string(ps, &junk, &bad) < 0) {
				buf_release(&junk);
				return -1;
			}
			continue;
		}
		if (c == '#') {
			while (ps->p < ps->end && *ps->p != '\n')
				ps->p++;
			continue;
		}
		if (c == '\\' && ps->p + 1 < ps->end && ps->p[1] == '\n') {
			ps->p += 2;
			ps->line++;
			continue;
		}
		if (strchr("([{", c))
			depth++;
		else if (strchr(")]}", c) && depth)
			depth--;
		word = isalnum((unsigned char)c) || c == '_';
		ps->p++;
		if (c == '\n') {
			ps->line++;
			if (!depth)
				break;
		}
	}
	buf_release(&junk);
	return 0;
}

/* ---- the module's statements ---- */

/*
 * The names of settings that decide when, in which zone and to which
 * queue an entry runs: Celery's, its old upper-case ones, and Django's
 * CELERY_ namespace.  A statement naming one is understood exactly or the
 * file is refused at its line.
 */
enum setting { S_SCHEDULE, S_TZ, S_UTC, S_QUEUE, S_ROUTES, S_N };

static const struct {
	const char *name;
	enum setting s;
} settings[] = {
	{"beat_schedule", S_SCHEDULE},
	{"CELERYBEAT_SCHEDULE", S_SCHEDULE},
	{"CELERY_BEAT_SCHEDULE", S_SCHEDULE},
	{"timezone", S_TZ},
	{"CELERY_TIMEZONE", S_TZ},
	{"enable_utc", S_UTC},
	{"CELERY_ENABLE_UTC", S_UTC},
	{"task_default_queue", S_QUEUE},
	{"CELERY_DEFAULT_QUEUE", S_QUEUE},
	{"CELERY_TASK_DEFAULT_QUEUE", S_QUEUE},
	{"task_routes", S_ROUTES},
	{"CELERY_ROUTES", S_ROUTES},
	{"CELERY_TASK_ROUTES", S_ROUTES},
};

/* other names whose statements change the schedule in ways not read here */
static const char *const unread[] = {"add_periodic_task",
				     "config_from_object",
				     "config_from_envvar",
				     "on_after_configure",
				     "on_after_finalize",
				     "setdefault",
				     "add_defaults",
				     "beat_scheduler",
				     "CELERYBEAT_SCHEDULER",
				     "CELERY_BEAT_SCHEDULER",
				     "imports",
				     "exec",
				     "eval",
				     "globals",
				     "setattr",
				     "__setitem__",
				     "vars",
				     "locals",
				     "importlib"};

static int
setting_of(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(settings) / sizeof(*settings); i++)
		if (strlen(settings[i].name) == n &&
		    memcmp(settings[i].name, name, n) == 0)
			return (int)settings[i].s;
	return -1;
}

/* A module-level name bound to a literal (NULL value: bound otherwise). */
struct binding {
	char *name;
	struct pv *v;
};

struct module {
	struct binding *b;
	size_t n;
	struct pv *set[S_N]; /* each setting's value, or NULL */
	unsigned set_line[S_N];
	char **alias; /* names a setting was set from */
	size_t nalias;
};

static struct binding *
module_get(struct module *m, const char *name, size_t n)
{
	size_t i;

	for (i = m->n; i-- > 0;)
		if (strlen(m->b[i].name) == n &&
		    memcmp(m->b[i].name, name, n) == 0)
			return &m->b[i];
	return NULL;
}

static void
module_bind(struct module *m, const char *name, size_t n, struct pv *v)
{
	struct binding *b = module_get(m, name, n);

	if (!b) {
		m->b = realloc(m->b, (m->n + 1) * sizeof(*m->b));
		if (!m->b)
			errx(3, "out of memory");
		b = &m->b[m->n++];
		b->name = xstrndup(name, n);
		b->v = NULL;
	}
	pv_free(b->v);
	b->v = v;
}

/*
 * The identifiers of text[0..n), strings and comments skipped: f is
 * called with each; a nonzero return stops the scan and is returned.
 */
static int
identifiers(const char *p, const char *end,
	    int (*f)(const char *, size_t, void *), void *arg)
{
	struct parser ps = {p, end, "", 1, 0, 0, ""};
	struct buf junk = BUF_INIT;
	const char *bad;
	const char *w;
	int r = 0;

	while (ps.p < ps.end && !r) {
		if (is_string_start(&ps)) {
			buf_reset(&junk);
			if (string(&ps, &junk, &bad) < 0)
				break;
			continue;
		}
		if (*ps.p == '#') {
			while (ps.p < ps.end && *ps.p != '\n')
				ps.p++;
			continue;
		}
		if (isalpha((unsigned char)*ps.p) || *ps.p == '_') {
			w = ps.p;
			while (ps.p < ps.end &&
			       (isalnum((unsigned char)*ps.p) || *ps.p == '_'))
				ps.p++;
			r = f(w, (size_t)(ps.p - w), arg);
			continue;
		}
		if (isdigit((unsigned char)*ps.p))
			while (ps.p < ps.end &&
			       (isalnum((unsigned char)*ps.p) || *ps.p == '_' ||
				*ps.p == '.'))
				ps.p++;
		else
			ps.p++;
	}
	buf_release(&junk);
	return r;
}

/*
 * a setting's name, one of unread[], or a name a setting was set from
 * (the same object: changing it changes the setting): 1
 */
static int
decisive(const char *w, size_t n, void *arg)
{
	struct module *m = arg;
	size_t i;

	if (setting_of(w, n) >= 0)
		return 1;
	for (i = 0; i < m->nalias; i++)
		if (strlen(m->alias[i]) == n && memcmp(m->alias[i], w, n) == 0)
			return 1;
	for (i = 0; i < sizeof(unread) / sizeof(*unread); i++)
		if (strlen(unread[i]) == n && memcmp(unread[i], w, n) == 0)
			return 1;
	return 0;
}

/* a name the module bound: that binding is no longer a known literal */
static int
poison(const char *w, size_t n, void *arg)
{
	struct binding *b = module_get(arg, w, n);

	if (b) {
		pv_free(b->v);
		b->v = NULL;
	}
	return 0;
}

/* v, a name of a literal the module bound, resolved (a copy): NULL if not */
static struct pv *
resolve(struct module *m, struct pv *v, char *why, size_t whysz)
{
	struct binding *b;

	if (!v || v->t != PV_NAME)
		return v;
	m->alias = realloc(m->alias, (m->nalias + 1) * sizeof(*m->alias));
	if (!m->alias)
		errx(3, "out of memory");
	m->alias[m->nalias++] = xstrdup(v->s);
	b = module_get(m, v->s, strlen(v->s));
	if (!b || !b->v) {
		snprintf(why, whysz, "%s is not a literal bound in this file",
			 v->s);
		pv_free(v);
		return NULL;
	}
	pv_free(v);
	return pv_copy(b->v);
}

/* setting s := v (taken over); -1 with why when v is not understood */
static int
module_set(struct module *m, int s, struct pv *v, unsigned line, char *why,
	   size_t whysz)
{
	if (!(v = resolve(m, v, why, whysz)))
		return -1;
	pv_free(m->set[s]);
	m->set[s] = v;
	m->set_line[s] = line;
	return 0;
}

/* beat_schedule[key] = v, or its .update(): into the dict set (Celery's
 * default is an empty one) */
static void
module_add(struct module *m, struct pv *k, struct pv *v)
{
	if (!m->set[S_SCHEDULE]) {
		m->set[S_SCHEDULE] = pv_new(PV_DICT, k->line);
		m->set_line[S_SCHEDULE] = k->line;
	}
	pv_push(m->set[S_SCHEDULE], k, NULL);
	pv_push(m->set[S_SCHEDULE], v, NULL);
}

/* ---- routing: celery/app/routes.py ---- */

/*
 * fnmatch.translate's pattern, matched whole: '*' any run, '?' one
 * character; 1, 0, or -1 for a '[' class (not read here)
 */
static int
glob_match(const char *g, const char *s)
{
	if (strchr(g, '['))
		return -1;
	for (; *g; g++, s++) {
		if (*g == '*') {
			for (;; s++) {
				if (glob_match(g + 1, s) == 1)
					return 1;
				if (!*s)
					return 0;
			}
		}
		if (!*s || (*g != '?' && *g != *s))
			return 0;
	}
	return *s == '\0';
}

/* A route's queue: a string, or a dict holding only 'queue' */
static int
route_queue(struct entry *e, const struct pv *route, const char **q)
{
	const struct pv *k;
	size_t i;

	if (route->t == PV_STR) {
		*q = route->s;
		return 0;
	}
	if (route->t != PV_DICT) {
		entry_refuse(e, "task_routes: a route that is not a queue name "
				"or a dict");
		return -1;
	}
	for (i = 0; i < route->n; i += 2) {
		k = route->items[i];
		if (k->t != PV_STR || strcmp(k->s, "queue") != 0 ||
		    route->items[i + 1]->t != PV_STR) {
			entry_refuse(e,
				     "task_routes: a route's %s is not carried "
				     "over: only its queue is",
				     k->t == PV_STR ? k->s : "key");
			return -1;
		}
		*q = route->items[i + 1]->s;
	}
	return 0;
}

/*
 * The queue Celery's Router gives e->task, as Router.route and MapRoute
 * do: the entry's options['queue'], else the first router of task_routes
 * (a dict, or a list of them) with a route for it (its exact name, then
 * its '*' patterns in order), else task_default_queue; none of them
 * leaves e->queue NULL.  What is not read here refuses e.
 */
static void
module_queue(struct module *m, struct entry *e, const struct pv *opts)
{
	const struct pv *routes = m->set[S_ROUTES], *r, *k, *q;
	const char *queue = NULL;
	size_t i, j, pass;

	if (opts && opts->t != PV_DICT) {
		entry_refuse(e, "'options' is not a dict");
		return;
	}
	for (i = 0; opts && i < opts->n; i += 2) {
		k = opts->items[i];
		if (k->t == PV_STR && strcmp(k->s, "queue") == 0 &&
		    opts->items[i + 1]->t == PV_STR && !opts->items[i + 1]->nul)
			continue;
		entry_refuse(e,
			     "options['%s'] is not carried over: a pg_cron "
			     "job sends the task and nothing else",
			     k->t == PV_STR ? k->s : "?");
		return;
	}
	if ((q = dict_get(opts, "queue"))) {
		e->queue = xstrdup(q->s);
		return;
	}
	if (routes && routes->t != PV_NONE) {
		size_t n = routes->t == PV_DICT ? 1 : routes->n;
		if (routes->t != PV_DICT && routes->t != PV_LIST &&
		    routes->t != PV_TUPLE) {
			entry_refuse(e, "task_routes is not a dict or a list "
					"of dicts");
			return;
		}
		for (j = 0; j < n && !queue; j++) {
			r = routes->t == PV_DICT ? routes : routes->items[j];
			if (r->t != PV_DICT) {
				entry_refuse(e, "task_routes: a router that is "
						"not a dict is not read here");
				return;
			}
			/* MapRoute: the exact names, then the patterns */
			for (pass = 0; pass < 2 && !queue; pass++)
				for (i = 0; i < r->n && !queue; i += 2) {
					int g;
					k = r->items[i];
					if (k->t != PV_STR) {
						entry_refuse(e,
							     "task_routes: a "
							     "key that is not "
							     "a string");
						return;
					}
					if (!strchr(k->s, '*') != !pass)
						continue;
					g = pass ? glob_match(k->s, e->task)
						 : strcmp(k->s, e->task) == 0;
					if (g < 0) {
						entry_refuse(e,
							     "task_routes: "
							     "the pattern %s "
							     "is not read here",
							     k->s);
						return;
					}
					if (g &&
					    (r->items[i + 1]->t != PV_DICT ||
					     r->items[i + 1]->n) &&
					    route_queue(e, r->items[i + 1],
							&queue) < 0)
						return;
				}
		}
	}
	if (!queue && (q = m->set[S_QUEUE])) {
		if (q->t != PV_STR) {
			entry_refuse(e, "task_default_queue is not a string");
			return;
		}
		queue = q->s;
	}
	if (queue)
		e->queue = xstrdup(queue);
}

/* Python's keywords that start a compound or non-assignment statement */
static int
compound(const char *p, const char *end)
{
	static const char *const kw[] = {
		"if",	  "elif",   "else",    "for",	 "while",    "with",
		"try",	  "except", "finally", "def",	 "class",    "async",
		"match",  "case",   "del",     "global", "nonlocal", "lambda",
		"return", "assert", "raise"};
	size_t i, n = 0;

	if (p < end && *p == '@')
		return 1;
	while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		n++;
	for (i = 0; i < sizeof(kw) / sizeof(*kw); i++)
		if (strlen(kw[i]) == n && memcmp(kw[i], p, n) == 0)
			return 1;
	return 0;
}

/* only blanks and a comment left on the line at ps */
static int
line_done(struct parser *ps, const char *end)
{
	skip(ps);
	return ps->p >= end || *ps->p == '\n';
}

/*
 * One top-level simple statement [p, end): understood (0), not about the
 * schedule (1), or not understood while it is (-1, why filled).
 */
static int
statement(struct module *m, struct parser *ps, const char *end)
{
	struct buf name = BUF_INIT;
	const char *start = ps->p, *n;
	struct pv *v = NULL, *k = NULL;
	int s, r = -1;
	size_t i;

	if (assignment(ps, &name)) {
		n = last_name(name.data);
		if (!(v = expr(ps)) || !line_done(ps, end))
			goto other;
		if ((s = setting_of(n, strlen(n))) >= 0) {
			r = module_set(m, s, v, ps->line, ps->why,
				       sizeof(ps->why));
			v = NULL;
			goto out;
		}
		if (strcmp(n, "conf") == 0)
			goto other;
		if (v->t == PV_CALL && strcmp(v->s, "Celery") == 0) {
			/* Celery(main, ..., **conf): its keywords are settings
			 */
			for (i = 0; i < v->n; i++) {
				if (!v->keys[i])
					continue;
				if (strcmp(v->keys[i], "config_source") == 0 ||
				    strcmp(v->keys[i], "namespace") == 0 ||
				    strcmp(v->keys[i], "changes") == 0) {
					snprintf(ps->why, sizeof(ps->why),
						 "Celery(%s=...) is not read "
						 "here",
						 v->keys[i]);
					goto out;
				}
				if ((s = setting_of(v->keys[i],
						    strlen(v->keys[i]))) >= 0 &&
				    module_set(m, s, pv_copy(v->items[i]),
					       ps->line, ps->why,
					       sizeof(ps->why)) < 0)
					goto out;
			}
		}
		if (!strchr(name.data, '.')) {
			module_bind(m, name.data, name.len - 1, v);
			v = NULL;
		}
		r = 1;
		goto out;
	}
	/* X[key] = value, X.update(...) */
	ps->p = start;
	buf_reset(&name);
	while (ps->p < end && (isalnum((unsigned char)*ps->p) ||
			       *ps->p == '_' || *ps->p == '.'))
		buf_addch(&name, *ps->p++);
	buf_addch(&name, '\0');
	n = last_name(name.data);
	s = setting_of(n, strlen(n));
	if (s == S_SCHEDULE && ps->p < end && *ps->p == '[') {
		ps->p++;
		ps->depth++;
		if (!(k = expr(ps)))
			goto other;
		skip(ps);
		ps->depth--;
		if (ps->p + 1 >= end || ps->p[0] != ']')
			goto other;
		ps->p++;
		skip(ps);
		if (ps->p >= end || *ps->p != '=' || ps->p[1] == '=')
			goto other;
		ps->p++;
		if (!(v = expr(ps)) || !line_done(ps, end))
			goto other;
		module_add(m, k, v);
		k = v = NULL;
		r = 0;
		goto out;
	}
	if ((s == S_SCHEDULE || strcmp(n, "update") == 0) && name.len > 8) {
		/* NAME.update(...): of conf, or of the schedule */
		const char *u = name.data + strlen(name.data) - 7;
		char *obj;
		if (strcmp(u, ".update") != 0)
			goto other;
		obj = xstrndup(name.data, (size_t)(u - name.data));
		n = last_name(obj);
		s = setting_of(n, strlen(n));
		if (s != S_SCHEDULE && strcmp(n, "conf") != 0) {
			free(obj);
			goto other;
		}
		ps->p = start + (u - name.data) + 7;
		skip(ps);
		free(obj);
		if (ps->p >= end || *ps->p != '(')
			goto other;
		ps->p++;
		v = pv_new(PV_CALL, ps->line);
		v->s = xstrdup("update");
		if (!(v = bracketed(ps, v, ')', 0, 1)) || !line_done(ps, end))
			goto other;
		for (i = 0; i < v->n; i++) {
			struct pv *d = v->items[i];
			size_t j;
			if (v->keys[i]) {
				k = pv_new(PV_STR, d->line);
				k->s = xstrdup(v->keys[i]);
				d = pv_copy(d);
			} else if (d->t == PV_DICT && s == S_SCHEDULE) {
				for (j = 0; j < d->n; j += 2)
					module_add(m, pv_copy(d->items[j]),
						   pv_copy(d->items[j + 1]));
				continue;
			} else if (d->t == PV_DICT) {
				for (j = 0; j < d->n; j += 2) {
					const struct pv *kk = d->items[j];
					int t = kk->t == PV_STR
							? setting_of(
								  kk->s,
								  strlen(kk->s))
							: -1;
					if (kk->t != PV_STR)
						goto other;
					if (t >= 0 &&
					    module_set(m, t,
						       pv_copy(d->items[j + 1]),
						       ps->line, ps->why,
						       sizeof(ps->why)) < 0)
						goto out;
				}
				continue;
			} else {
				goto other;
			}
			if (s == S_SCHEDULE) {
				module_add(m, k, d);
			} else {
				int t = setting_of(k->s, strlen(k->s));
				if (t >= 0 &&
				    module_set(m, t, d, ps->line, ps->why,
					       sizeof(ps->why)) < 0) {
					pv_free(k);
					k = NULL;
					goto out;
				}
				if (t < 0)
					pv_free(d);
				pv_free(k);
			}
			k = NULL;
		}
		r = 0;
		goto out;
	}
other:
	/* anything else: fine unless it names what decides the schedule */
	if (identifiers(start, end, decisive, m)) {
		snprintf(ps->why, sizeof(ps->why),
			 "a statement about the schedule, its zone or its "
			 "queues that is not read here");
		r = -1;
	} else {
		identifiers(start, end, poison, m);
		r = 1;
	}
out:
	pv_free(v);
	pv_free(k);
	buf_release(&name);
	return r;
}

/* names bound to literals, replaced by them anywhere inside v */
static struct pv *
resolve_deep(struct module *m, struct pv *v)
{
	struct binding *b;
	size_t i;

	if (v->t == PV_NAME && (b = module_get(m, v->s, strlen(v->s))) &&
	    b->v) {
		struct pv *c = pv_copy(b->v);
		c->line = v->line;
		pv_free(v);
		return c;
	}
	for (i = 0; i < v->n; i++)
		v->items[i] = resolve_deep(m, v->items[i]);
	return v;
}

static void
module_free(struct module *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->b[i].name);
		pv_free(m->b[i].v);
	}
	free(m->b);
	for (i = 0; i < S_N; i++)
		pv_free(m->set[i]);
	for (i = 0; i < m->nalias; i++)
		free(m->alias[i]);
	free(m->alias);
}

static int
python_read(struct entries *es, const char *file, const char *text, size_t len,
	    char **tz)
{
	struct parser ps = {text, text + len, file, 1, 0, 0, ""}, q;
	struct module m = {0};
	struct pv *sched, *v;
	const char *start, *why = NULL;
	unsigned line;
	int indent, r = -1;
	size_t i, j;

	while (ps.p < ps.end) {
		start = ps.p;
		while (ps.p < ps.end &&
		       (*ps.p == ' ' || *ps.p == '\t' || *ps.p == '\f'))
			ps.p++;
		indent = ps.p > start;
		start = ps.p;
		line = ps.line;
		q = ps;
		if (skip_line(&q) < 0) {
			ps = q;
			goto bad;
		}
		if (start < ps.end &&
		    (*start == '\n' || *start == '\r' || *start == '#')) {
			ps = q;
			continue;
		}
		if (indent || compound(start, q.p) ||
		    (strncmp(start, "from ", 5) == 0 &&
		     memchr(start, '*', (size_t)(q.p - start)))) {
			/* nested, conditional or a star import: only if it
			 * cannot touch the schedule */
			if (identifiers(start, q.p, decisive, &m) ||
			    (!indent && strncmp(start, "from ", 5) == 0)) {
				why = "a statement about the schedule, its "
				      "zone or its queues that may or may not "
				      "run";
				goto refuse;
			}
			identifiers(start, q.p, poison, &m);
		} else if (statement(&m, &ps, q.p) < 0) {
			why = ps.why;
			goto refuse;
		}
		ps = q;
	}
	if (!(sched = m.set[S_SCHEDULE])) {
		warnx("%s: no beat_schedule, CELERYBEAT_SCHEDULE or "
		      "CELERY_BEAT_SCHEDULE",
		      file);
		goto out;
	}
	if (sched->t != PV_DICT) {
		warnx("%s:%u: the beat schedule is not a dict literal", file,
		      m.set_line[S_SCHEDULE]);
		goto out;
	}
	line = m.set_line[S_SCHEDULE];
	if ((v = m.set[S_TZ]) && v->t != PV_STR && v->t != PV_NONE) {
		why = "the timezone is not a string";
		goto refuse;
	}
	free(*tz);
	*tz = v && v->t == PV_STR ? xstrdup(v->s) : NULL;
	if ((v = m.set[S_UTC]) && v->t != PV_BOOL) {
		line = m.set_line[S_UTC];
		why = "enable_utc is not True or False";
		goto refuse;
	}
	sched = resolve_deep(&m, sched);
	m.set[S_SCHEDULE] = sched;
	for (i = 0; i < sched->n; i += 2) {
		/* a key given again: Python keeps the last value */
		for (j = i + 2; j < sched->n; j += 2)
			if (sched->items[i]->t == PV_STR &&
			    sched->items[j]->t == PV_STR &&
			    strcmp(sched->items[i]->s, sched->items[j]->s) == 0)
				break;
		if (j < sched->n)
			continue;
		celery_entry(es, file, sched->items[i], sched->items[i + 1], &m,
			     *tz,
			     m.set[S_UTC] && !m.set[S_UTC]->integer && !*tz
				     ? "enable_utc is False and no timezone: "
				       "the workers' local time is not known "
				       "here"
				     : NULL);
	}
	r = 0;
	goto out;
refuse:
	warnx("%s:%u: refused: %s: no entry of the file is converted", file,
	      line, why);
	r = -2;
	goto out;
bad:
	warnx("%s:%u: %s", file, ps.line, ps.why);
out:
	module_free(&m);
	return r;
}

int
celery_read(struct entries *es, const char *file, const char *text, size_t len,
	    char **tz)
{
	return python_read(es, file, text, len, tz);
}
