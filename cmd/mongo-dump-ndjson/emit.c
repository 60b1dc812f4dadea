/*
 * emit.c: a BSON document as JSON text, walking it with bson_iter (no DOM,
 * nothing allocated beyond the output buffer).
 *
 * relaxed and canonical follow MongoDB Extended JSON v2; pg writes plain
 * values PostgreSQL loads (the table in mongo-dump-ndjson(1)).
 */
#include <bson/bson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"
#include "json.h"
#include "mdump.h"

struct emitter {
	struct buf *out;
	enum mode mode;
	const uint8_t *base; /* the document's first byte */
	struct bson_problem *pb;
	int bad_text; /* text that is not UTF-8 was written as binary */
	int depth;
	struct buf *tmp; /* kept from document to document */
};

#define MAX_DEPTH 200

static void
problem(struct emitter *e, const bson_iter_t *it, const char *what)
{
	e->pb->offset = (size_t)(it->raw - e->base) + it->off;
	snprintf(e->pb->what, sizeof(e->pb->what), "%s", what);
}

/* Text: a string when valid UTF-8, else the binary form (and noted). */
static void
text(struct emitter *e, const bson_iter_t *it, const char *p, size_t n,
     const char *what)
{
	if (utf8_valid_prefix(p, n) == n) {
		json_write_string(e->out, p, n);
		return;
	}
	if (!e->bad_text) {
		char m[160];
		snprintf(m, sizeof(m),
			 "%s is not valid UTF-8: written in the "
			 "binary form",
			 what);
		problem(e, it, m);
	}
	e->bad_text = 1;
	json_write_binary(e->out, p, n, 0);
}

/*
 * A key, as the contract writes data keys: "$x" as "$$x"; bytes that are
 * not UTF-8 as "$binary:<base64>".
 */
static void
key(struct emitter *e, const bson_iter_t *it)
{
	const char *k = bson_iter_key(it);
	size_t n = bson_iter_key_len(it);

	if (utf8_valid_prefix(k, n) != n) {
		if (!e->bad_text)
			problem(e, it,
				"a key is not valid UTF-8: written as "
				"\"$binary:<base64>\"");
		e->bad_text = 1;
	}
	json_write_key(e->out, k, n);
}

/* A double for Extended JSON: shortest round-trip text, integral ones
 * with ".0" so that they read back as doubles. */
static void
ejson_double(struct buf *out, double d)
{
	size_t mark = out->len, i;
	int plain = 1;

	json_write_double(out, d);
	for (i = mark; i < out->len; i++)
		if (out->data[i] == '.' || out->data[i] == 'e' ||
		    out->data[i] == 'E')
			plain = 0;
	if (plain)
		buf_adds(out, ".0");
}

/*
 * -1 (and the problem) for a double that --mode=pg cannot write as it is:
 * inside a document or array (a jsonb value) jsonb has no NaN, Infinity or
 * -0 (its numbers are numeric), and a string or 0 would be another value.
 * A top-level field's column is double precision, which takes all three.
 */
static int
dbl(struct emitter *e, const bson_iter_t *it, double d)
{
	struct buf *o = e->out;

	if (e->mode == MODE_PG) {
		if (e->depth > 1 &&
		    (isnan(d) || isinf(d) || (d == 0 && signbit(d)))) {
			problem(e, it,
				isnan(d) ? "a NaN inside a document or array: "
					   "jsonb cannot hold it"
				: isinf(d) ? "an Infinity inside a document or "
					     "array: jsonb cannot hold it"
					   : "a -0.0 inside a document or "
					     "array: jsonb cannot hold it");
			return -1;
		}
		json_write_double(o, d); /* NaN, Infinity as strings */
		return 0;
	}
	if (isnan(d) || isinf(d)) {
		buf_adds(o, "{\"$numberDouble\":\"");
		buf_adds(o, isnan(d) ? "NaN"
			    : d < 0  ? "-Infinity"
				     : "Infinity");
		buf_adds(o, "\"}");
		return 0;
	}
	if (e->mode == MODE_CANONICAL) {
		buf_adds(o, "{\"$numberDouble\":\"");
		ejson_double(o, d);
		buf_adds(o, "\"}");
		return 0;
	}
	ejson_double(o, d);
	return 0;
}

static void
int_value(struct emitter *e, int64_t v, int is64)
{
	if (e->mode == MODE_CANONICAL) {
		buf_adds(e->out,
			 is64 ? "{\"$numberLong\":\"" : "{\"$numberInt\":\"");
		buf_addi64(e->out, v);
		buf_adds(e->out, "\"}");
		return;
	}
	buf_addi64(e->out, v);
}

/* v (0 <= v < 10^n) in n digits, zeros first */
static void
digits(struct buf *o, int v, int n)
{
	char t[8];
	int i;

	for (i = n - 1; i >= 0; i--, v /= 10)
		t[i] = (char)('0' + v % 10);
	buf_add(o, t, (size_t)n);
}

/* ISO 8601 UTC with milliseconds (when any, or always with ms) */
static void
iso_date(struct buf *o, int64_t ms, int always_ms)
{
	int64_t days = ms / 86400000, rem = ms % 86400000;
	int y, m, d;

	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	isotime_civil(days, &y, &m, &d);
	/* by hand: printf is a third of a document's time */
	digits(o, y, 4);
	buf_addch(o, '-');
	digits(o, m, 2);
	buf_addch(o, '-');
	digits(o, d, 2);
	buf_addch(o, 'T');
	digits(o, (int)(rem / 3600000), 2);
	buf_addch(o, ':');
	digits(o, (int)(rem / 60000 % 60), 2);
	buf_addch(o, ':');
	digits(o, (int)(rem / 1000 % 60), 2);
	if (always_ms || rem % 1000) {
		buf_addch(o, '.');
		digits(o, (int)(rem % 1000), 3);
	}
	buf_addch(o, 'Z');
}

/* Milliseconds of the years 1970..9999, and of 1..9999 */
#define MS_10000 253402300800000LL  /* 10000-01-01 */
#define MS_0001 (-62135596800000LL) /* 0001-01-01 */

static void
date(struct emitter *e, int64_t ms)
{
	struct buf *o = e->out;

	if (e->mode == MODE_PG && ms >= MS_0001 && ms < MS_10000) {
		buf_addch(o, '"');
		iso_date(o, ms, 1);
		buf_addch(o, '"');
		return;
	}
	if (e->mode == MODE_RELAXED && ms >= 0 && ms < MS_10000) {
		buf_adds(o, "{\"$date\":\"");
		iso_date(o, ms, 0);
		buf_adds(o, "\"}");
		return;
	}
	/* canonical, and the years no ISO form serves */
	buf_adds(o, "{\"$date\":{\"$numberLong\":\"");
	buf_addi64(o, ms);
	buf_adds(o, "\"}}");
}

static void
oid(struct emitter *e, const bson_oid_t *id)
{
	char hex[25];

	bson_oid_to_string(id, hex);
	if (e->mode == MODE_PG) {
		buf_addch(e->out, '"');
		buf_add(e->out, hex, 24);
		buf_addch(e->out, '"');
		return;
	}
	buf_adds(e->out, "{\"$oid\":\"");
	buf_add(e->out, hex, 24);
	buf_adds(e->out, "\"}");
}

static void
binary(struct emitter *e, bson_subtype_t st, const uint8_t *p, uint32_t n)
{
	struct buf *o = e->out;
	static const char hex[] = "0123456789abcdef";
	uint32_t i;

	/*
	 * Only subtype 4: a legacy UUID (3) is in its writer's byte order
	 * (Java, C# and Python drivers each their own), which the bytes do
	 * not say; as uuid text it would be another UUID.  Written in the
	 * binary form, a uuid column refuses it by name.
	 */
	if (e->mode == MODE_PG && st == BSON_SUBTYPE_UUID && n == 16) {
		buf_addch(o, '"');
		for (i = 0; i < 16; i++) {
			if (i == 4 || i == 6 || i == 8 || i == 10)
				buf_addch(o, '-');
			buf_addch(o, hex[p[i] >> 4]);
			buf_addch(o, hex[p[i] & 15]);
		}
		buf_addch(o, '"');
		return;
	}
	/* the contract's binary form is Extended JSON's */
	json_write_binary(o, p, n, (unsigned)st);
}

static int value(struct emitter *e, const bson_iter_t *it,
		 const struct bson_fields *f);

/* The field of f named as it's key, or NULL. */
static const struct bson_fields *
field_of(const struct bson_fields *f, const bson_iter_t *it)
{
	const char *k = bson_iter_key(it);
	size_t n = bson_iter_key_len(it);
	int i;

	for (i = 0; i < f->nkid; i++)
		if (f->kid[i].len == n && memcmp(f->kid[i].name, k, n) == 0)
			return &f->kid[i];
	return NULL;
}

/*
 * The keys of the documents being written, a stack: each level's above
 * its parent's, checked by dup_key() when the level ends.  Kept from
 * document to document.
 */
static struct key_ref {
	const char *k;
	uint32_t n, off; /* length; element's offset from the document */
} * keys;
static size_t nkeys, capkeys;

static void
push_key(struct emitter *e, const bson_iter_t *it)
{
	if (nkeys == capkeys) {
		capkeys = capkeys ? 2 * capkeys : 256;
		if (!(keys = reallocarray(keys, capkeys, sizeof(*keys))))
			abort();
	}
	keys[nkeys].k = bson_iter_key(it);
	keys[nkeys].n = (uint32_t)bson_iter_key_len(it);
	keys[nkeys].off = (uint32_t)(it->raw - e->base) + it->off;
	nkeys++;
}

/*
 * BSON allows a field name twice in a document; MongoDB keeps both, jsonb
 * one.  1 (and the problem) when two of the keys written at one level,
 * keys[base..nkeys), are the same.  Few are compared pair by pair, many
 * through a hash table kept from document to document.
 */
static int
dup_key(struct emitter *e, size_t base)
{
	static uint32_t *tab;
	static size_t ntab;
	struct key_ref *k = keys + base;
	size_t n = nkeys - base, i, j, h;

	if (n <= 16) {
		for (i = 1; i < n; i++)
			for (j = 0; j < i; j++)
				if (k[i].n == k[j].n &&
				    memcmp(k[i].k, k[j].k, k[i].n) == 0)
					goto dup;
		return 0;
	}
	if (ntab < 2 * n) {
		for (ntab = 64; ntab < 2 * n; ntab *= 2)
			;
		if (!(tab = reallocarray(tab, ntab, sizeof(*tab))))
			abort();
	}
	memset(tab, 0, ntab * sizeof(*tab));
	for (i = 0; i < n; i++) {
		for (h = 2166136261u, j = 0; j < k[i].n; j++)
			h = (h ^ (uint8_t)k[i].k[j]) * 16777619u;
		for (h &= ntab - 1; tab[h]; h = (h + 1) & (ntab - 1)) {
			j = tab[h] - 1;
			if (k[i].n == k[j].n &&
			    memcmp(k[i].k, k[j].k, k[i].n) == 0)
				goto dup;
		}
		tab[h] = (uint32_t)i + 1;
	}
	return 0;
dup:
	e->pb->offset = k[i].off;
	snprintf(e->pb->what, sizeof(e->pb->what),
		 "the field name \"%.*s%s\" twice in one document (jsonb "
		 "keeps one value): not written",
		 k[i].n > 60 ? 60 : (int)k[i].n, k[i].k,
		 k[i].n > 60 ? "..." : "");
	return 1;
}

/*
 * The members of a document (or array, when array is set) under it, after
 * prefix (the document's first member's text) when not NULL; with f, only
 * the fields it names (in an array: of each document in it).
 */
static int
members(struct emitter *e, bson_iter_t *child, int array, const char *prefix,
	size_t prefixlen, const struct bson_fields *f)
{
	const struct bson_fields *kf = NULL;
	bson_type_t t;
	const uint8_t *raw = child->raw; /* bson_iter_next clears it */
	size_t base = nkeys;		 /* this level's keys: keys[base..) */
	int first = 1;

	if (++e->depth > MAX_DEPTH) {
		problem(e, child, "documents nested too deep");
		return -1;
	}
	buf_addch(e->out, array ? '[' : '{');
	if (prefix) {
		buf_add(e->out, prefix, prefixlen);
		first = 0;
	}
	while (bson_iter_next(child)) {
		if (f) {
			t = bson_iter_type(child);
			if (array) /* the same fields of each document in it */
				kf = f;
			else if (!(kf = field_of(f, child)))
				continue;
			if (kf->nkid == 0) /* the whole value */
				kf = NULL;
			else if (t != BSON_TYPE_DOCUMENT &&
				 t != BSON_TYPE_ARRAY)
				continue; /* a path into a scalar: nothing */
		}
		if (!first)
			buf_addch(e->out, ',');
		first = 0;
		if (!array) {
			push_key(e, child);
			key(e, child);
			buf_addch(e->out, ':');
		}
		if (value(e, child, kf) < 0)
			return -1;
	}
	if (child->err_off) {
		e->pb->offset = (size_t)(raw - e->base) + child->err_off;
		snprintf(e->pb->what, sizeof(e->pb->what),
			 "a corrupt element (its length or type is wrong)");
		return -1;
	}
	if (!array) {
		if (nkeys - base > 1 && dup_key(e, base))
			return -1;
		nkeys = base;
	}
	buf_addch(e->out, array ? ']' : '}');
	e->depth--;
	return 0;
}

static int
sub(struct emitter *e, const bson_iter_t *it, int array,
    const struct bson_fields *f)
{
	bson_iter_t child;

	if (!bson_iter_recurse(it, &child)) {
		problem(e, it,
			array ? "an array whose length disagrees with its "
				"content"
			      : "a document whose length disagrees with its "
				"content");
		return -1;
	}
	return members(e, &child, array, NULL, 0, f);
}

static void text(struct emitter *e, const bson_iter_t *it, const char *p,
		 size_t n, const char *what);

/* A regex's options, sorted (Extended JSON wants them in order), all of
 * them however many. */
static void
options(struct emitter *e, const bson_iter_t *it, const char *opt)
{
	struct buf *s = e->tmp;
	size_t i, j;

	buf_reset(s);
	buf_adds(s, opt);
	for (i = 1; i < s->len; i++)
		for (j = i; j > 0 && s->data[j - 1] > s->data[j]; j--) {
			char t = s->data[j];
			s->data[j] = s->data[j - 1];
			s->data[j - 1] = t;
		}
	text(e, it, s->data, s->len, "a regex's options");
}

/* Decimal128 text of a zero with its sign set: -0, -0.00, -0E+3 */
static int
negative_zero(const char *t)
{
	if (*t++ != '-')
		return 0;
	for (; *t && *t != 'E'; t++)
		if (*t != '0' && *t != '.')
			return 0;
	return 1;
}

static int
value(struct emitter *e, const bson_iter_t *it, const struct bson_fields *f)
{
	struct buf *o = e->out;
	const char *s, *s2;
	uint32_t n, n2, ts, ti;
	const uint8_t *p;
	bson_subtype_t st;
	const bson_oid_t *id;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_DOUBLE:
		if (dbl(e, it, bson_iter_double(it)) < 0)
			return -1;
		break;
	case BSON_TYPE_UTF8:
		s = bson_iter_utf8(it, &n);
		text(e, it, s, n, "a string");
		break;
	case BSON_TYPE_DOCUMENT:
		return sub(e, it, 0, f);
	case BSON_TYPE_ARRAY:
		return sub(e, it, 1, f);
	case BSON_TYPE_BINARY:
		bson_iter_binary(it, &st, &n, &p);
		binary(e, st, p, n);
		break;
	case BSON_TYPE_UNDEFINED:
		buf_adds(o,
			 e->mode == MODE_PG ? "null" : "{\"$undefined\":true}");
		break;
	case BSON_TYPE_OID:
		oid(e, bson_iter_oid(it));
		break;
	case BSON_TYPE_BOOL:
		buf_adds(o, bson_iter_bool(it) ? "true" : "false");
		break;
	case BSON_TYPE_DATE_TIME:
		date(e, bson_iter_date_time(it));
		break;
	case BSON_TYPE_NULL:
		buf_adds(o, "null");
		break;
	case BSON_TYPE_REGEX:
		s = bson_iter_regex(it, &s2);
		if (e->mode == MODE_PG) {
			/* /pattern/options, as text */
			buf_reset(e->tmp);
			buf_addch(e->tmp, '/');
			buf_adds(e->tmp, s);
			buf_addch(e->tmp, '/');
			buf_adds(e->tmp, s2);
			text(e, it, e->tmp->data, e->tmp->len, "a regex");
			break;
		}
		buf_adds(o, "{\"$regularExpression\":{\"pattern\":");
		text(e, it, s, strlen(s), "a regex");
		buf_adds(o, ",\"options\":");
		options(e, it, s2);
		buf_adds(o, "}}");
		break;
	case BSON_TYPE_DBPOINTER:
		bson_iter_dbpointer(it, &n, &s, &id);
		buf_adds(o, e->mode == MODE_PG ? "{\"$ref\":"
					       : "{\"$dbPointer\":{\"$ref\":");
		text(e, it, s, n, "a DBPointer's collection");
		buf_adds(o, ",\"$id\":");
		oid(e, id); /* $oid in both Extended JSON modes */
		buf_adds(o, e->mode == MODE_PG ? "}" : "}}");
		break;
	case BSON_TYPE_CODE:
		s = bson_iter_code(it, &n);
		if (e->mode != MODE_PG)
			buf_adds(o, "{\"$code\":");
		text(e, it, s, n, "code");
		if (e->mode != MODE_PG)
			buf_addch(o, '}');
		break;
	case BSON_TYPE_SYMBOL:
		s = bson_iter_symbol(it, &n);
		if (e->mode != MODE_PG)
			buf_adds(o, "{\"$symbol\":");
		text(e, it, s, n, "a symbol");
		if (e->mode != MODE_PG)
			buf_addch(o, '}');
		break;
	case BSON_TYPE_CODEWSCOPE: {
		const uint8_t *scope;
		bson_iter_t sc;
		s = bson_iter_codewscope(it, &n, &n2, &scope);
		buf_adds(o, e->mode == MODE_PG ? "{\"code\":" : "{\"$code\":");
		text(e, it, s, n, "code");
		buf_adds(o,
			 e->mode == MODE_PG ? ",\"scope\":" : ",\"$scope\":");
		if (!bson_iter_init_from_data(&sc, scope, n2)) {
			problem(e, it, "a code's scope is corrupt");
			return -1;
		}
		if (members(e, &sc, 0, NULL, 0, NULL) < 0)
			return -1;
		buf_addch(o, '}');
		break;
	}
	case BSON_TYPE_INT32:
		int_value(e, bson_iter_int32(it), 0);
		break;
	case BSON_TYPE_TIMESTAMP:
		bson_iter_timestamp(it, &ts, &ti);
		buf_adds(o, e->mode == MODE_PG ? "{\"t\":"
					       : "{\"$timestamp\":{\"t\":");
		buf_addu64(o, ts);
		buf_adds(o, ",\"i\":");
		buf_addu64(o, ti);
		buf_adds(o, e->mode == MODE_PG ? "}" : "}}");
		break;
	case BSON_TYPE_INT64:
		int_value(e, bson_iter_int64(it), 1);
		break;
	case BSON_TYPE_DECIMAL128: {
		bson_decimal128_t d;
		char t[BSON_DECIMAL128_STRING];
		bson_iter_decimal128(it, &d);
		bson_decimal128_to_string(&d, t);
		/* libbson drops a NaN's sign; Python's Decimal keeps it */
		if (strcmp(t, "NaN") == 0 && d.high >> 63)
			memcpy(t, "-NaN", 5);
		/* numeric has no -0: the canonical form, which a numeric
		 * column refuses by name and jsonb keeps */
		if (e->mode != MODE_PG || negative_zero(t)) {
			buf_adds(o, "{\"$numberDecimal\":\"");
			buf_adds(o, t);
			buf_adds(o, "\"}");
		} else if (strchr(t, 'N') || strchr(t, 'I')) {
			/* NaN, Infinity, -Infinity: the contract's strings */
			json_write_string(o, t, strlen(t));
		} else {
			buf_adds(o, t); /* exact: 1.10, 1E+3 */
		}
		break;
	}
	case BSON_TYPE_MAXKEY:
		buf_adds(o, "{\"$maxKey\":1}");
		break;
	case BSON_TYPE_MINKEY:
		buf_adds(o, "{\"$minKey\":1}");
		break;
	default:
		problem(e, it, "an unknown element type");
		return -1;
	}
	return 0;
}

int
bson_to_json(struct buf *out, const uint8_t *data, size_t len, enum mode mode,
	     const char *prefix, size_t prefixlen,
	     const struct bson_fields *fields, struct bson_problem *pb)
{
	static struct buf tmp = BUF_INIT;
	struct emitter e = {out, mode, data, pb, 0, 0, &tmp};
	int r;

	size_t mark = out->len;
	bson_iter_t it;

	pb->offset = 0;
	pb->what[0] = 0;
	if (!bson_iter_init_from_data(&it, data, len)) {
		snprintf(pb->what, sizeof(pb->what),
			 "not a BSON document (its length or end is wrong)");
		return -1;
	}
	nkeys = 0; /* (a corrupt document left its keys) */
	r = members(&e, &it, 0, prefix, prefixlen, fields);
	if (r < 0) {
		buf_setlen(out, mark);
		return -1;
	}
	return e.bad_text;
}

static struct bson_fields *
add_field(struct bson_fields *f, const char *name, size_t len)
{
	struct bson_fields *k;
	int i;

	for (i = 0; i < f->nkid; i++)
		if (f->kid[i].len == len &&
		    memcmp(f->kid[i].name, name, len) == 0)
			return &f->kid[i];
	if (!(k = realloc(f->kid, (size_t)(f->nkid + 1) * sizeof(*k))))
		abort();
	f->kid = k;
	k = &f->kid[f->nkid++];
	f->cap = f->nkid;
	memset(k, 0, sizeof(*k));
	if (!(k->name = malloc(len + 1)))
		abort();
	memcpy(k->name, name, len);
	k->name[len] = 0;
	k->len = len;
	k->leaf = 0;
	return k;
}

struct bson_fields *
bson_fields_parse(const char *spec, char *why, size_t whylen)
{
	struct bson_fields *root = calloc(1, sizeof(*root)), *f;
	const char *p = spec, *end, *dot;

	if (!root)
		abort();
	for (;;) {
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		f = root;
		for (;;) {
			dot = memchr(p, '.', (size_t)(end - p));
			if (!dot)
				dot = end;
			if (dot == p) {
				snprintf(why, whylen,
					 "an empty name in a field path: %s",
					 spec);
				bson_fields_free(root);
				return NULL;
			}
			if (f->leaf) /* a.b after a: a, whole, wins */
				break;
			f = add_field(f, p, (size_t)(dot - p));
			if (dot == end) {
				/* a after a.b: a, whole */
				f->leaf = 1;
				f->nkid = 0; /* (kids kept for freeing) */
				break;
			}
			p = dot + 1;
		}
		if (!*end)
			return root;
		p = end + 1;
	}
}

static void
free_kids(struct bson_fields *f, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free_kids(&f->kid[i], f->kid[i].cap);
		free(f->kid[i].name);
	}
	free(f->kid);
}

void
bson_fields_free(struct bson_fields *f)
{
	if (!f)
		return;
	free_kids(f, f->cap);
	free(f);
}
