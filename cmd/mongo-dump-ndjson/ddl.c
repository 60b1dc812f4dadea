/*
 * ddl.c: PostgreSQL DDL for a collection: a table with _id as its primary
 * key and the document as jsonb, or typed columns for the --fields named
 * (types inferred from a scan); and the indexes of its metadata, where
 * PostgreSQL can express them.
 */
#include <bson/bson.h>
#include <err.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "md5.h"
#include "mdump.h"
#include "sqltext.h"

/* What a field held, over the documents scanned: a bit a kind. */
enum {
	K_NULL = 1 << 0, /* null, or absent */
	K_I32 = 1 << 1,
	K_I64 = 1 << 2,
	K_DBL = 1 << 3,
	K_DEC = 1 << 4,
	K_STR = 1 << 5,
	K_BOOL = 1 << 6,
	K_DATE = 1 << 7,
	K_OID = 1 << 8,
	K_UUID = 1 << 9,
	K_BIN = 1 << 10,
	K_DOC = 1 << 11,
	K_OTHER = 1 << 12,
	K_DNEG0 = 1 << 13, /* a Double -0, beside K_DBL */
};

struct coll_ddl {
	char *name;
	uint64_t docs;
	int ncol;	  /* _id first, then the --fields named at the top */
	const char **col; /* their names */
	unsigned *kinds;
	uint64_t *present;
	int *nested; /* a column named with a path under it: jsonb */
	/* the key paths of the metadata's unique indexes, and whether a
	 * document held an array on the way (MongoDB: multikey) */
	char **watch;
	int *arrays;
	int nwatch;
	char *collation; /* the collection's default collation's locale */
};

struct coll_ddl *
ddl_begin(const char *coll, const struct bson_fields *f)
{
	struct coll_ddl *c = calloc(1, sizeof(*c));
	int i, n = 1 + (f ? f->nkid : 0);

	if (!c || !(c->name = strdup(coll)))
		err(3, "out of memory");
	c->col = calloc((size_t)n, sizeof(*c->col));
	c->kinds = calloc((size_t)n, sizeof(*c->kinds));
	c->present = calloc((size_t)n, sizeof(*c->present));
	c->nested = calloc((size_t)n, sizeof(*c->nested));
	if (!c->col || !c->kinds || !c->present || !c->nested)
		err(3, "out of memory");
	c->col[c->ncol++] = "_id";
	for (i = 0; f && i < f->nkid; i++) {
		if (strcmp(f->kid[i].name, "_id") == 0)
			continue;
		c->nested[c->ncol] = f->kid[i].nkid > 0;
		c->col[c->ncol++] = f->kid[i].name;
	}
	return c;
}

static unsigned
kind_of(const bson_iter_t *it)
{
	bson_subtype_t st;
	uint32_t n;
	const uint8_t *p;

	switch (bson_iter_type(it)) {
	case BSON_TYPE_NULL:
	case BSON_TYPE_UNDEFINED:
		return K_NULL;
	case BSON_TYPE_INT32:
		return K_I32;
	case BSON_TYPE_INT64:
		return K_I64;
	case BSON_TYPE_DOUBLE:
		return bson_iter_double(it) == 0 &&
				       signbit(bson_iter_double(it))
			       ? K_DBL | K_DNEG0
			       : K_DBL;
	case BSON_TYPE_DECIMAL128:
		return K_DEC;
	case BSON_TYPE_UTF8:
	case BSON_TYPE_SYMBOL:
	case BSON_TYPE_CODE:
	case BSON_TYPE_REGEX:
		return K_STR;
	case BSON_TYPE_BOOL:
		return K_BOOL;
	case BSON_TYPE_DATE_TIME:
		return K_DATE;
	case BSON_TYPE_OID:
		return K_OID;
	case BSON_TYPE_BINARY:
		bson_iter_binary(it, &st, &n, &p);
		/* a legacy UUID (3) is bytes: its byte order is unknown */
		return st == BSON_SUBTYPE_UUID && n == 16 ? K_UUID : K_BIN;
	case BSON_TYPE_DOCUMENT:
	case BSON_TYPE_ARRAY:
		return K_DOC;
	default:
		return K_OTHER;
	}
}

/* Is there an array on the way to path (a.b.c) in the document at it? */
static int
array_on_path(bson_iter_t *it, const char *path)
{
	const char *dot = strchr(path, '.');
	size_t n = dot ? (size_t)(dot - path) : strlen(path);
	bson_iter_t child;

	if (!bson_iter_find_w_len(it, path, (int)n))
		return 0;
	if (BSON_ITER_HOLDS_ARRAY(it))
		return 1;
	if (!dot || !BSON_ITER_HOLDS_DOCUMENT(it) ||
	    !bson_iter_recurse(it, &child))
		return 0;
	return array_on_path(&child, dot + 1);
}

void
ddl_doc(struct coll_ddl *c, const uint8_t *p, size_t len)
{
	bson_iter_t it;
	int i;

	c->docs++;
	for (i = 0; i < c->nwatch; i++)
		if (!c->arrays[i] && bson_iter_init_from_data(&it, p, len))
			c->arrays[i] = array_on_path(&it, c->watch[i]);
	if (!bson_iter_init_from_data(&it, p, len))
		return;
	while (bson_iter_next(&it)) {
		const char *k = bson_iter_key(&it);
		for (i = 0; i < c->ncol; i++)
			if (strcmp(k, c->col[i]) == 0) {
				c->kinds[i] |= kind_of(&it);
				c->present[i]++;
				break;
			}
	}
}

/* The PostgreSQL type that takes every value --mode=pg writes for kinds. */
static const char *
pg_type(unsigned k, int nested)
{
	unsigned v = k & ~(unsigned)(K_NULL | K_DNEG0);

	if (nested || v == 0)
		return nested ? "jsonb" : "text";
	if (v == K_I32)
		return "integer";
	if ((v & ~(unsigned)(K_I32 | K_I64)) == 0)
		return "bigint";
	/* a double holds every Int32, not every Int64 (2^53 + 1) */
	if ((v & ~(unsigned)(K_I32 | K_DBL)) == 0)
		return "double precision";
	if ((v & ~(unsigned)(K_I32 | K_I64 | K_DBL | K_DEC)) == 0)
		return "numeric";
	switch (v) {
	case K_STR:
	case K_OID:
		return "text";
	case K_BOOL:
		return "boolean";
	case K_DATE:
		return "timestamptz";
	case K_UUID:
		return "uuid";
	case K_BIN:
		return "bytea";
	default:
		return "jsonb"; /* documents, arrays, and mixed kinds */
	}
}

static int
ddl_table(struct coll_ddl *c, struct buf *out)
{
	int i, bad = 0;

	if (c->collation)
		warnx("%s: the collection's default collation (locale %s): "
		      "MongoDB compares its _id and strings by it, PostgreSQL "
		      "here byte by byte (\"red\" and \"Red\" two keys)",
		      c->name, c->collation);

	buf_adds(out, "CREATE TABLE ");
	sql_ident(out, c->name, 0);
	buf_adds(out, " (\n");
	for (i = 0; i < c->ncol; i++) {
		buf_adds(out, "    ");
		sql_ident(out, c->col[i], 0);
		buf_addch(out, ' ');
		buf_adds(out, pg_type(c->kinds[i], c->nested[i]));
		if ((c->kinds[i] & K_DNEG0) &&
		    strcmp(pg_type(c->kinds[i], c->nested[i]), "numeric") ==
			    0) {
			warnx("%s: column %s: numeric (for its integers and "
			      "doubles) has no -0, and a Double -0 is there: "
			      "it would load as 0",
			      c->name, c->col[i]);
			bad = 1;
		}
		if (i == 0)
			buf_adds(out, " PRIMARY KEY");
		else if (c->docs > 0 && c->present[i] == c->docs &&
			 !(c->kinds[i] & K_NULL))
			buf_adds(out, " NOT NULL");
		buf_adds(out, i + 1 < c->ncol || c->ncol == 1 ? ",\n" : "\n");
	}
	if (c->ncol == 1)
		buf_adds(out, "    doc jsonb NOT NULL\n");
	buf_adds(out, ");\n");
	return bad;
}

/* A number in Extended JSON: 1, -1.0, {"$numberInt":"1"} ...; 0 if not. */
static double
ejson_number(const struct json_value *v)
{
	struct json_iter it;
	struct json_value k, x;
	struct json_error je;
	char t[64];

	if (v->type == JSON_NUMBER && v->len < sizeof(t)) {
		memcpy(t, v->p, v->len);
		t[v->len] = 0;
		return strtod(t, NULL);
	}
	if (v->type != JSON_OBJECT)
		return 0;
	json_object_open_value(&it, v);
	if (json_object_next(&it, &k, &x, &je) > 0 && x.type == JSON_STRING &&
	    k.len > 7 && memcmp(k.p, "$number", 7) == 0 && x.len < sizeof(t)) {
		memcpy(t, x.p, x.len);
		t[x.len] = 0;
		return strtod(t, NULL);
	}
	return 0;
}

/*
 * The index's expression for a key path a.b, on this table's columns: 0
 * for a column, 1 for a jsonb expression ((doc->'a'->'b')); -1 when typed
 * columns hold no such field.
 */
static int
key_expr(const struct coll_ddl *c, const char *path, struct buf *out)
{
	const char *dot = strchr(path, '.'), *p;
	struct buf seg = BUF_INIT;
	int i;

	for (i = 0; i < c->ncol; i++)
		if (strlen(c->col[i]) ==
			    (size_t)(dot ? dot - path : (long)strlen(path)) &&
		    strncmp(c->col[i], path, strlen(c->col[i])) == 0)
			break;
	if (i < c->ncol && (i == 0 || c->ncol > 1) && !dot) {
		sql_ident(out, c->col[i], 0); /* a column */
		return 0;
	}
	if (c->ncol > 1 && (i == c->ncol || i == 0))
		return -1; /* typed columns, none holding this path */
	/* (a path into a column: a document there, so a jsonb column) */
	buf_addch(out, '(');
	if (i < c->ncol && c->ncol > 1) {
		sql_ident(out, c->col[i], 0); /* a jsonb column, then in it */
		p = dot + 1;
	} else {
		buf_adds(out, "doc");
		p = path;
	}
	while (p && *p) {
		dot = strchr(p, '.');
		buf_reset(&seg);
		buf_add(&seg, p, dot ? (size_t)(dot - p) : strlen(p));
		buf_adds(out, "->");
		sql_literal(out, seg.data);
		p = dot ? dot + 1 : NULL;
	}
	buf_addch(out, ')');
	buf_release(&seg);
	return 1;
}

/*
 * An index name: table_index, within PostgreSQL's 63 bytes; one that an
 * earlier index of the run already has (users + org_id_1 and users_org +
 * id_1 are both users_org_id_1, which CREATE INDEX IF NOT EXISTS would
 * skip) is cut and given a hash of its table and index names instead.
 */
static void
index_name(const char *table, const char *name, struct buf *out)
{
	static char **names; /* the run's, as written */
	static size_t nnames;
	struct buf n = BUF_INIT, key = BUF_INIT;
	char hex[33];
	size_t i;

	buf_addf(&n, "%s_%s", table, name);
	for (i = 0; n.len <= 63 && i < nnames; i++)
		if (strcmp(names[i], n.data) == 0)
			break;
	if (n.len > 63 || i < nnames) {
		/* a name taken: hashed with its table, NUL, its name (no two
		 * pairs give the same text); a long one as it always was */
		if (i < nnames) {
			buf_add(&key, table, strlen(table) + 1);
			buf_adds(&key, name);
		} else {
			buf_add(&key, n.data, n.len);
		}
		md5_hex(key.data, key.len, hex);
		buf_release(&key);
		if (n.len > 54)
			buf_setlen(&n, 54);
		/* not in the middle of a UTF-8 sequence */
		while (n.len > 0 &&
		       ((unsigned char)n.data[n.len] & 0xc0) == 0x80)
			buf_setlen(&n, n.len - 1);
		buf_addch(&n, '_');
		buf_add(&n, hex, 8);
	}
	if (!(names = realloc(names, (nnames + 1) * sizeof(*names))))
		err(1, "out of memory");
	if (!(names[nnames++] = strdup(n.data)))
		err(1, "out of memory");
	sql_ident(out, n.data, 0);
	buf_release(&n);
}

/* A collation's locale, or NULL for "simple" (binary: what PostgreSQL's
 * "C" does); the caller frees it. */
static char *
collation_locale(const struct json_value *coll)
{
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	struct buf loc = BUF_INIT;
	char *r = NULL;

	json_object_open_value(&it, coll);
	while (json_object_next(&it, &k, &v, &je) > 0)
		if (json_string_equals(&k, "locale", 6) &&
		    v.type == JSON_STRING)
			json_unescape(&loc, v.p, v.len);
	if (strcmp(loc.data, "simple") != 0 &&
	    !(r = strdup(loc.len ? loc.data : "?")))
		err(3, "out of memory");
	buf_release(&loc);
	return r;
}

/*
 * An index option as MongoDB reads it (BSONElement::trueValue): false,
 * null, undefined and numbers equal to 0 are false; every other value
 * is true ({"$numberInt":"1"}, {"$numberDouble":"1.0"}, "no").
 */
static int
truthy(const struct json_value *v)
{
	struct json_iter it;
	struct json_value k, x;
	struct json_error je;

	switch (v->type) {
	case JSON_FALSE:
	case JSON_NULL:
		return 0;
	case JSON_NUMBER:
		return ejson_number(v) != 0;
	case JSON_OBJECT:
		json_object_open_value(&it, v);
		if (json_object_next(&it, &k, &x, &je) <= 0)
			return 1;
		if (json_string_equals(&k, "$undefined", 10))
			return 0;
		/* "0", "-0.0", "0E+3" are 0; NaN is not */
		if (k.len > 7 && memcmp(k.p, "$number", 7) == 0)
			return ejson_number(v) != 0;
		return 1;
	default:
		return 1;
	}
}

/* Each key path of an object of an index's "key" into out (a.b.c). */
static void
key_paths(const struct json_value *key, void (*fn)(void *, const char *),
	  void *arg)
{
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	struct buf path = BUF_INIT;

	json_object_open_value(&it, key);
	while (json_object_next(&it, &k, &v, &je) > 0) {
		buf_reset(&path);
		json_unescape(&path, k.p, k.len);
		fn(arg, path.data);
	}
	buf_release(&path);
}

static void
watch_path(void *arg, const char *path)
{
	struct coll_ddl *c = arg;
	int i;

	for (i = 0; i < c->nwatch; i++)
		if (strcmp(c->watch[i], path) == 0)
			return;
	c->watch = reallocarray(c->watch, (size_t)c->nwatch + 1,
				sizeof(*c->watch));
	c->arrays = reallocarray(c->arrays, (size_t)c->nwatch + 1,
				 sizeof(*c->arrays));
	if (!c->watch || !c->arrays || !(c->watch[c->nwatch] = strdup(path)))
		err(3, "out of memory");
	c->arrays[c->nwatch++] = 0;
}

void
ddl_watch(struct coll_ddl *c, const char *meta, size_t mlen)
{
	struct json_iter it, ai, ixit, oit;
	struct json_value k, v, ix, ik, iv, key;
	struct json_error je;
	int unique, haskey;

	if (!meta || json_object_open(&it, meta, mlen, &je) < 0)
		return;
	while (json_object_next(&it, &k, &v, &je) > 0) {
		if (json_string_equals(&k, "options", 7) &&
		    v.type == JSON_OBJECT) {
			json_object_open_value(&oit, &v);
			while (json_object_next(&oit, &ik, &iv, &je) > 0)
				if (json_string_equals(&ik, "collation", 9) &&
				    iv.type == JSON_OBJECT)
					c->collation = collation_locale(&iv);
		}
		if (!json_string_equals(&k, "indexes", 7) ||
		    v.type != JSON_ARRAY)
			continue;
		json_array_open(&ai, &v);
		while (json_array_next(&ai, &ix) > 0) {
			if (ix.type != JSON_OBJECT)
				continue;
			unique = haskey = 0;
			json_object_open_value(&ixit, &ix);
			while (json_object_next(&ixit, &ik, &iv, &je) > 0)
				if (json_string_equals(&ik, "unique", 6))
					unique = truthy(&iv);
				else if (json_string_equals(&ik, "key", 3) &&
					 iv.type == JSON_OBJECT)
					key = iv, haskey = 1;
			if (unique && haskey)
				key_paths(&key, watch_path, c);
		}
	}
}

/* Was an array seen on the way to path (a unique index's key)? */
static int
multikey(const struct coll_ddl *c, const char *path)
{
	int i;

	for (i = 0; i < c->nwatch; i++)
		if (strcmp(c->watch[i], path) == 0)
			return c->arrays[i];
	return 0;
}

/*
 * One index of the metadata: its CREATE INDEX, or a warning.  What rows
 * MongoDB's index accepts, PostgreSQL's must: a missing field is null to
 * a MongoDB index (one document without it in a unique index), so a
 * jsonb key is COALESCE(key, 'null') and column keys are NULLS NOT
 * DISTINCT; a sparse one leaves out documents without any key (a partial
 * index); what cannot be said so is skipped with a warning naming it.
 */
static void
ddl_index(const struct coll_ddl *c, const struct json_value *ix,
	  struct buf *out, const char *where)
{
	struct json_iter it, kit;
	struct json_value k, v, kk, kv;
	struct json_error je;
	struct buf name = BUF_INIT, cols = BUF_INIT, tmp = BUF_INIT,
		   expr = BUF_INIT, pred = BUF_INIT;
	const struct json_value *key = NULL;
	struct json_value keyv;
	int unique = 0, sparse = 0, hashed = 0, nkeys = 0, ncols = 0, own = 0;
	const char *why = NULL;
	char *loc;
	double dir;
	int e;

	json_object_open_value(&it, ix);
	while (json_object_next(&it, &k, &v, &je) > 0) {
		if (json_string_equals(&k, "name", 4) && v.type == JSON_STRING)
			json_unescape(&name, v.p, v.len);
		else if (json_string_equals(&k, "key", 3) &&
			 v.type == JSON_OBJECT)
			keyv = v, key = &keyv;
		else if (json_string_equals(&k, "unique", 6))
			unique = truthy(&v); /* {"$numberInt":"1"} too */
		else if (json_string_equals(&k, "sparse", 6))
			sparse = truthy(&v);
		else if (json_string_equals(&k, "partialFilterExpression", 23))
			why = "a partial index (partialFilterExpression)";
		else if (json_string_equals(&k, "collation", 9)) {
			own = 1;
			if (v.type == JSON_OBJECT &&
			    (loc = collation_locale(&v))) {
				why = "a collation";
				free(loc);
			}
		} else if (json_string_equals(&k, "expireAfterSeconds", 18))
			warnx("%s: index %s: a TTL index: PostgreSQL does not "
			      "expire rows (schedule a DELETE with pg_cron)",
			      where, name.len ? name.data : "?");
	}
	if (!name.len || !key) {
		warnx("%s: an index without a name or key: skipped", where);
		goto done;
	}
	if (strcmp(name.data, "_id_") == 0)
		goto done; /* the primary key */
	if (!why && !own && c->collation)
		why = "a collation (the collection's default)";
	json_object_open_value(&kit, key);
	while (!why && json_object_next(&kit, &kk, &kv, &je) > 0) {
		buf_reset(&tmp);
		json_unescape(&tmp, kk.p, kk.len);
		if (strstr(tmp.data, "$**")) {
			why = "a wildcard index ($**)";
			break;
		}
		if (kv.type == JSON_STRING) {
			if (json_string_equals(&kv, "hashed", 6) && nkeys == 0)
				hashed = 1;
			else
				why = "a special index (text, 2d, 2dsphere, "
				      "compound hashed)";
		}
		if (!why && unique && multikey(c, tmp.data))
			why = "a unique index on a field holding arrays "
			      "(MongoDB holds each element unique)";
		dir = ejson_number(&kv);
		if (nkeys++)
			buf_adds(&cols, ", ");
		buf_reset(&expr);
		if (!why && (e = key_expr(c, tmp.data, &expr)) < 0)
			why = "a key on a field that is not a column (name it "
			      "in --fields)";
		else if (!why && e == 0) {
			ncols++;
			buf_add(&cols, expr.data, expr.len);
		} else if (!why && unique) {
			/* a missing field is null, as in MongoDB */
			buf_adds(&cols, "(COALESCE(");
			buf_add(&cols, expr.data, expr.len);
			buf_adds(&cols, ", 'null'::jsonb))");
		} else if (!why) {
			buf_add(&cols, expr.data, expr.len);
		}
		if (!why && sparse) {
			buf_adds(&pred, pred.len ? " OR " : "");
			buf_add(&pred, expr.data, expr.len);
			buf_adds(&pred, " IS NOT NULL");
		}
		if (dir < 0)
			buf_adds(&cols, " DESC");
	}
	if (!why && hashed && (nkeys > 1 || unique))
		why = "a hashed index on several keys, or unique";
	if (!why && unique && sparse && ncols)
		why = "a sparse unique index on a column (a null and a "
		      "missing field are one NULL there)";
	if (why) {
		warnx("%s: index %s: %s has no PostgreSQL form here: skipped",
		      where, name.data, why);
		goto done;
	}
	/* IF NOT EXISTS: a phase that runs again leaves the indexes as they are
	 */
	buf_adds(out, unique ? "CREATE UNIQUE INDEX IF NOT EXISTS "
			     : "CREATE INDEX IF NOT EXISTS ");
	index_name(c->name, name.data, out);
	buf_adds(out, " ON ");
	sql_ident(out, c->name, 0);
	if (hashed)
		buf_adds(out, " USING hash");
	buf_adds(out, " (");
	buf_add(out, cols.data, cols.len);
	buf_adds(out, ")");
	/* MongoDB's unique index takes one document without the field */
	if (unique && ncols)
		buf_adds(out, " NULLS NOT DISTINCT");
	if (unique && sparse) {
		buf_adds(out, " WHERE ");
		buf_add(out, pred.data, pred.len);
	}
	buf_adds(out, ";\n");
done:
	buf_release(&name);
	buf_release(&cols);
	buf_release(&tmp);
	buf_release(&expr);
	buf_release(&pred);
}

int
ddl_write(struct coll_ddl *c, int post, const char *meta, size_t mlen,
	  struct buf *out, const char *where)
{
	struct json_iter it, ai;
	struct json_value k, v, ix;
	struct json_error je;

	if (!post)
		return ddl_table(c, out);
	if (!meta || json_object_open(&it, meta, mlen, &je) < 0)
		return 0; /* (a broken one was reported when read) */
	while (json_object_next(&it, &k, &v, &je) > 0)
		if (json_string_equals(&k, "indexes", 7) &&
		    v.type == JSON_ARRAY) {
			json_array_open(&ai, &v);
			while (json_array_next(&ai, &ix) > 0)
				if (ix.type == JSON_OBJECT)
					ddl_index(c, &ix, out, where);
		}
	return 0;
}

void
ddl_free(struct coll_ddl *c)
{
	int i;

	if (!c)
		return;
	free(c->name);
	free(c->col);
	free(c->kinds);
	free(c->present);
	free(c->nested);
	for (i = 0; i < c->nwatch; i++)
		free(c->watch[i]);
	free(c->watch);
	free(c->arrays);
	free(c->collation);
	free(c);
}
