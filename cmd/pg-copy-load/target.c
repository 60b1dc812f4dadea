/* target.c: a target table: its columns from the catalog, key matching, set-up.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "load.h"
#include "pgconn.h"
#include "sqltext.h"

static char *
escape_ident(struct loader *l, const char *s)
{
	char *q = PQescapeIdentifier(l->conn, s, strlen(s));
	char *r;

	if (!q)
		loader_oom(strlen(s));
	r = xstrdup(q);
	PQfreemem(q);
	return r;
}

/*
 * Is there a relation of this name (an extension's catalog, say)?  1 yes,
 * 0 no, -1 after a message: a query that cannot fail for its absence.
 */
int
catalog_has(struct loader *l, const char *what, const char *relname)
{
	const char *p[1] = {relname};
	PGresult *r = sql_query(
		l, what, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1, p);
	int yes;

	if (!r)
		return -1;
	yes = PQgetvalue(r, 0, 0)[0] == 't';
	PQclear(r);
	return yes;
}

/*
 * 1 when the table is distributed by Citus (its catalog says so), 0 when
 * not or when there is no Citus; -1 after a message.  The least and
 * greatest shard ids (of every table: a message may name another's, as a
 * foreign key's) go to *shard_min and *shard_max.  Two queries, so that
 * none names a catalog that is not there (that would end the transaction).
 */
static int
distributed_check(struct loader *l, const char *qualified,
		  unsigned long long *shard_min, unsigned long long *shard_max)
{
	const char *p[1] = {qualified};
	PGresult *r;
	int yes;

	if ((yes = catalog_has(l, "Citus", "pg_catalog.pg_dist_partition")) <=
	    0)
		return yes;
	r = sql_query(l, "Citus",
		      "SELECT count(*), (SELECT min(shardid) FROM"
		      " pg_catalog.pg_dist_shard), (SELECT max(shardid) FROM"
		      " pg_catalog.pg_dist_shard)"
		      " FROM pg_catalog.pg_dist_partition"
		      " WHERE logicalrelid = $1::pg_catalog.regclass",
		      1, p);
	if (!r)
		return -1;
	yes = atoi(PQgetvalue(r, 0, 0)) > 0;
	*shard_min = strtoull(PQgetvalue(r, 0, 1), NULL, 10);
	*shard_max = strtoull(PQgetvalue(r, 0, 2), NULL, 10);
	PQclear(r);
	return yes;
}

/*
 * Citus: warn when the load's connections to a worker (--jobs times the
 * shards of the table there, each COPY opening one per shard up to
 * citus.max_adaptive_executor_pool_size) exceed what
 * the worker takes: its max_connections less those it keeps for
 * superusers.  The workers are asked through the coordinator, under a
 * savepoint: a worker that does not answer leaves no warning and the
 * load's transaction as it was.
 */
static void
citus_capacity_check(struct loader *l, const struct target *t)
{
	char jobs[16];
	const char *p[2] = {t->qualified, jobs};
	PGresult *r;
	int i;

	snprintf(jobs, sizeof(jobs), "%d", l->o->jobs);
	if (sql_exec(l, "SAVEPOINT ndjson_capacity") < 0)
		loader_fail(l, 3);
	r = PQexecParams(
		l->conn,
		"SELECT w.nodename || ':' || w.nodeport, count(*), $2::int *"
		" LEAST(count(*), pg_catalog.current_setting("
		"'citus.max_adaptive_executor_pool_size')::int), w.result"
		" FROM pg_catalog.pg_dist_shard s"
		" JOIN pg_catalog.pg_dist_placement p USING (shardid)"
		" JOIN pg_catalog.pg_dist_node n USING (groupid)"
		" JOIN pg_catalog.run_command_on_workers("
		"'SELECT current_setting(''max_connections'')::int"
		" - current_setting(''superuser_reserved_connections'')::int')"
		" w ON w.nodename = n.nodename AND w.nodeport = n.nodeport"
		" WHERE s.logicalrelid = $1::pg_catalog.regclass AND w.success"
		" GROUP BY w.nodename, w.nodeport, w.result"
		" HAVING $2::int * LEAST(count(*), pg_catalog.current_setting("
		"'citus.max_adaptive_executor_pool_size')::int) > w.result::int"
		" ORDER BY 1",
		2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		for (i = 0; i < PQntuples(r); i++)
			warnx("%s: --jobs=%d x %s shards on worker %s: %s "
			      "connections, more than the %s it takes "
			      "(max_connections less "
			      "superuser_reserved_connections): lower --jobs "
			      "or raise its max_connections",
			      t->display, l->o->jobs, PQgetvalue(r, i, 1),
			      PQgetvalue(r, i, 0), PQgetvalue(r, i, 2),
			      PQgetvalue(r, i, 3));
	}
	PQclear(r);
	if (sql_exec(l, "ROLLBACK TO SAVEPOINT ndjson_capacity") < 0 ||
	    sql_exec(l, "RELEASE SAVEPOINT ndjson_capacity") < 0)
		loader_fail(l, 3);
}

/*
 * What each column's type modifier would change: the type is followed
 * through domains (a domain's typmod when the column has none), arrays
 * (whose elements take the column's), ranges and multiranges (whose
 * subtypes have none but a domain's) to the base type the values are
 * read as, in the order of describe()'s columns.  The multirange's range
 * is looked up through to_jsonb so that the query reads on a server with
 * no multiranges (before 14) too.
 */
static int
describe_guards(struct loader *l, struct target *t, const char **param)
{
	PGresult *r;
	int i;

	r = sql_query(
		l, l->tmp.data,
		"WITH RECURSIVE w(attnum, typ, typmod, wrap, depth) AS ("
		" SELECT a.attnum, a.atttypid, a.atttypmod, ''::text, 0"
		" FROM pg_catalog.pg_attribute a"
		" WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0"
		" AND NOT a.attisdropped"
		" UNION ALL"
		" SELECT w.attnum, CASE t.typtype WHEN 'd' THEN t.typbasetype"
		"  WHEN 'r' THEN (SELECT g.rngsubtype FROM pg_catalog.pg_range "
		"g"
		"   WHERE g.rngtypid = t.oid)"
		"  WHEN 'm' THEN (SELECT g.rngsubtype FROM pg_catalog.pg_range "
		"g"
		"   WHERE (pg_catalog.to_jsonb(g) ->> 'rngmultitypid')::oid"
		"   = t.oid)"
		"  ELSE t.typelem END,"
		" CASE WHEN t.typtype = 'd' AND w.typmod = -1 THEN t.typtypmod"
		"  WHEN t.typtype IN ('r', 'm') THEN -1 ELSE w.typmod END,"
		" w.wrap || CASE t.typtype WHEN 'd' THEN '' WHEN 'r' THEN 'r'"
		"  WHEN 'm' THEN 'm' ELSE 'a' END, w.depth + 1"
		" FROM w JOIN pg_catalog.pg_type t ON t.oid = w.typ"
		" WHERE w.depth < 16 AND (t.typtype IN ('d', 'r', 'm')"
		"  OR (t.typelem <> 0 AND t.typlen = -1)))"
		" SELECT DISTINCT ON (w.attnum) b.typname, w.typmod, w.wrap,"
		" pg_catalog.format_type(w.typ, w.typmod)"
		" FROM w JOIN pg_catalog.pg_type b ON b.oid = w.typ"
		" ORDER BY w.attnum, w.depth DESC",
		1, param);
	if (!r)
		return -1;
	for (i = 0; i < t->ncol && i < PQntuples(r); i++) {
		struct column *c = &t->col[i];

		typmod_guard_init(&c->guard, PQgetvalue(r, i, 0),
				  atoi(PQgetvalue(r, i, 1)),
				  PQgetvalue(r, i, 2));
		c->guard_type = xstrdup(PQgetvalue(r, i, 3));
		t->guarded |= c->guard.kind != TYPMOD_NONE;
	}
	PQclear(r);
	return 0;
}

/*
 * Read a table's columns.  A name from -t is resolved as psql would
 * (regclass: unquoted folds, "Quoted" keeps, schema.table); a routed name
 * ($table) is a plain table name in the search path, or else SCHEMA.TABLE,
 * matched exactly first, then case-insensitively when one table matches,
 * by a query that cannot fail (a failed query would abort the load's
 * transaction).
 * Returns -1 when there is no such table (after a message for -t).
 */
static int
describe(struct loader *l, struct target *t, const char *name, int routed)
{
	const char *param[1] = {name};
	PGresult *r;
	char oid[16], cut[64];
	size_t n = strlen(name);
	int i;

	/* a name PostgreSQL cut to 63 bytes when the table was made */
	if (routed && sql_name_cut(name, n) < n) {
		n = sql_name_cut(name, n);
		memcpy(cut, name, n);
		cut[n] = '\0';
		param[0] = cut;
	}
	/*
	 * routed: a table in the search path; else, for SCHEMA.TABLE, that
	 * schema's table (split at the first dot); each exactly first
	 */
	if (routed)
		r = PQexecParams(
			l->conn,
			"SELECT c.oid::text, n.nspname, c.relname,"
			" (v AND c.relname = $1) OR n.nspname || '.' || "
			"c.relname = $1 AS exact"
			" FROM pg_catalog.pg_class c"
			" JOIN pg_catalog.pg_namespace n ON n.oid = "
			"c.relnamespace,"
			" LATERAL (SELECT pg_catalog.pg_table_is_visible(c.oid)"
			" AND lower(c.relname) = lower($1) AS v) p"
			" WHERE c.relkind IN ('r', 'p') AND (v OR ("
			" strpos($1, '.') > 0"
			" AND lower(n.nspname) = lower(split_part($1, '.', 1))"
			" AND lower(c.relname) = "
			"lower(substr($1, strpos($1, '.') + 1))))"
			" ORDER BY 4 DESC, v DESC LIMIT 2",
			1, NULL, param, NULL, NULL, 0);
	else
		r = PQexecParams(l->conn,
				 "SELECT c.oid::text, n.nspname, c.relname"
				 " FROM pg_catalog.pg_class c"
				 " JOIN pg_catalog.pg_namespace n ON n.oid = "
				 "c.relnamespace"
				 " WHERE c.oid = $1::pg_catalog.regclass",
				 1, NULL, param, NULL, NULL, 0);
	/* routed: an exact match comes first; else exactly one may match */
	if (routed && PQresultStatus(r) == PGRES_TUPLES_OK &&
	    PQntuples(r) == 2 && PQgetvalue(r, 0, 3)[0] != 't') {
		PQclear(r);
		return -1;
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1) {
		if (!routed) {
			buf_reset(&l->msg);
			pgconn_describe(&l->msg, l->conn, r);
			warnx("table %s: %s", name, l->msg.data);
		}
		PQclear(r);
		return -1;
	}
	buf_reset(&l->msg);
	buf_addf(&l->msg, "%s.%s", PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	t->display = xstrdup(l->msg.data);
	t->qualified = escape_ident(l, PQgetvalue(r, 0, 1));
	buf_reset(&l->msg);
	buf_addf(&l->msg, "%s.", t->qualified);
	free(t->qualified);
	t->qualified = escape_ident(l, PQgetvalue(r, 0, 2));
	buf_adds(&l->msg, t->qualified);
	free(t->qualified);
	t->qualified = xstrdup(l->msg.data);
	snprintf(oid, sizeof(oid), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);

	param[0] = oid;
	buf_reset(&l->tmp);
	buf_addf(&l->tmp, "table %s", t->display);
	r = sql_query(
		l, l->tmp.data,
		"SELECT a.attname, b.typname, b.typcategory,"
		" a.attgenerated <> '',"
		" b.typnamespace = 'pg_catalog'::pg_catalog.regnamespace,"
		" COALESCE((SELECT NOT co.collisdeterministic"
		"  FROM pg_catalog.pg_collation co"
		"  WHERE co.oid = a.attcollation), false),"
		/* a domain's CHECK added NOT VALID: rows may break it */
		" EXISTS (WITH RECURSIVE d(oid) AS (SELECT a.atttypid"
		"  UNION SELECT y.typbasetype FROM pg_catalog.pg_type y"
		"  JOIN d ON y.oid = d.oid WHERE y.typtype = 'd')"
		"  SELECT 1 FROM pg_catalog.pg_constraint k JOIN d"
		"  ON k.contypid = d.oid WHERE NOT k.convalidated),"
		/* the type's send function, its schema and name quoted */
		" (SELECT pg_catalog.quote_ident(n.nspname) || '.' ||"
		"  pg_catalog.quote_ident(p.proname) FROM pg_catalog.pg_proc p"
		"  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace"
		"  WHERE p.oid = b.typsend)"
		" FROM pg_catalog.pg_attribute a"
		/* the base type, under every level of domain */
		" JOIN LATERAL (WITH RECURSIVE d(oid) AS (SELECT a.atttypid"
		"  UNION SELECT y.typbasetype FROM pg_catalog.pg_type y"
		"  JOIN d ON y.oid = d.oid WHERE y.typtype = 'd')"
		"  SELECT z.* FROM d JOIN pg_catalog.pg_type z ON z.oid = d.oid"
		"  WHERE z.typtype <> 'd') b ON true"
		" WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0"
		" AND NOT a.attisdropped ORDER BY a.attnum",
		1, param);
	if (!r)
		return -1;
	t->ncol = PQntuples(r);
	t->col = xcalloc((size_t)t->ncol, sizeof(*t->col));
	for (i = 0; i < t->ncol; i++) {
		struct column *c = &t->col[i];
		const char *typ = PQgetvalue(r, i, 1);

		c->name = xstrdup(PQgetvalue(r, i, 0));
		c->namelen = strlen(c->name);
		c->quoted = escape_ident(l, c->name);
		if (strcmp(typ, "bytea") == 0)
			c->kind = KIND_BYTEA;
		else if (strcmp(typ, "json") == 0 || strcmp(typ, "jsonb") == 0)
			c->kind = KIND_JSON;
		else if (PQgetvalue(r, i, 2)[0] == 'A')
			c->kind = KIND_ARRAY;
		else if (PQgetvalue(r, i, 2)[0] == 'D')
			c->kind = l->o->infinity ? KIND_TIME_INF : KIND_TIME;
		else
			c->kind = KIND_PLAIN;
		c->generated = PQgetvalue(r, i, 3)[0] == 't';
		c->builtin = PQgetvalue(r, i, 4)[0] == 't';
		c->nondet = PQgetvalue(r, i, 5)[0] == 't';
		c->unvalidated = PQgetvalue(r, i, 6)[0] == 't';
		c->send = PQgetisnull(r, i, 7) ? NULL
					       : xstrdup(PQgetvalue(r, i, 7));
		c->type = xstrdup(typ);
		c->bin = c->kind == KIND_ARRAY ? BIN_NONE : bin_type_of(typ);
	}
	PQclear(r);
	return describe_guards(l, t, param);
}

/*
 * The next name of a comma-separated list, as PostgreSQL reads names:
 * "Quoted" as written ("" for a quote), else folded to lower case.
 * Returns where the list goes on, or NULL at its end or on a stray quote.
 */
const char *
target_next_name(const char *p, struct buf *name, int *quoted)
{
	buf_reset(name);
	while (*p == ' ')
		p++;
	if (!*p)
		return NULL;
	*quoted = *p == '"';
	if (*quoted) {
		for (p++; *p && !(p[0] == '"' && p[1] != '"'); p++) {
			buf_addch(name, *p);
			p += *p == '"'; /* "" */
		}
		if (*p++ != '"')
			return NULL;
		while (*p == ' ')
			p++;
	} else {
		for (; *p && *p != ','; p++)
			buf_addch(name, *p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		while (name->len && name->data[name->len - 1] == ' ')
			buf_setlen(name, name->len - 1);
	}
	if (*p && *p != ',')
		return NULL;
	return *p ? p + 1 : p;
}

int
target_key_unique(struct loader *l, const struct target *t, int immediate)
{
	struct buf arr = BUF_INIT;
	const char *param[4];
	char nkeys[16];
	PGresult *r;
	int i, n = 0, yes;
	size_t k;

	/* the key columns as a text[] literal, each quoted for array_in */
	buf_addch(&arr, '{');
	for (i = 0; i < t->ncol; i++) {
		if (!t->col[i].key)
			continue;
		buf_adds(&arr, n++ ? ",\"" : "\"");
		for (k = 0; k < t->col[i].namelen; k++) {
			if (t->col[i].name[k] == '"' ||
			    t->col[i].name[k] == '\\')
				buf_addch(&arr, '\\');
			buf_addch(&arr, t->col[i].name[k]);
		}
		buf_addch(&arr, '"');
	}
	buf_addch(&arr, '}');
	snprintf(nkeys, sizeof(nkeys), "%d", n);
	param[0] = t->qualified;
	param[1] = arr.data;
	param[2] = nkeys;
	param[3] = immediate ? "t" : "f";
	r = sql_query(l, "key",
		      "SELECT 1 FROM pg_catalog.pg_index i"
		      " JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
		      " WHERE i.indrelid = $1::pg_catalog.regclass"
		      " AND i.indisunique AND i.indisvalid"
		      " AND (i.indimmediate OR NOT $4::bool)"
		      /* pg-verify reads the children too: a parent's
		       * index holds for them only when it partitions; and
		       * rows whose key is NULL may repeat under it */
		      " AND ($4::bool OR ((c.relkind = 'p' OR NOT "
		      "c.relhassubclass) AND (i.indnullsnotdistinct OR NOT "
		      "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute n"
		      " WHERE n.attrelid = i.indrelid AND n.attnum = ANY "
		      "(i.indkey[0:i.indnkeyatts - 1]) AND NOT "
		      "n.attnotnull))"
		      /* and its equality the type's own, under the
		       * column's collation: a custom operator class may
		       * tell 1.0 from 1.00 */
		      " AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest("
		      "i.indclass::pg_catalog.oid[]) u(cls) JOIN "
		      "pg_catalog.pg_opclass o ON o.oid = u.cls WHERE NOT "
		      "o.opcdefault)"
		      " AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest("
		      "i.indcollation::pg_catalog.oid[]) WITH ORDINALITY "
		      "v(coll, ord) JOIN pg_catalog.pg_attribute m ON "
		      "m.attrelid = i.indrelid AND m.attnum = "
		      "i.indkey[v.ord - 1] WHERE v.coll <> m.attcollation)))"
		      " AND i.indpred IS NULL AND i.indexprs IS NULL"
		      " AND i.indnkeyatts = $3::int"
		      " AND ARRAY(SELECT a.attname::text"
		      " FROM pg_catalog.pg_attribute a"
		      " WHERE a.attrelid = i.indrelid"
		      " AND a.attnum = ANY (i.indkey[0:i.indnkeyatts - 1]))"
		      " OPERATOR(pg_catalog.<@) $2::text[]",
		      4, param);
	buf_release(&arr);
	if (!r)
		loader_fail(l, 3);
	yes = PQntuples(r) > 0;
	PQclear(r);
	return yes;
}

/*
 * Mark the key columns (--upsert's, pg-verify's --key): a quoted name
 * matches exactly, an unquoted one folded, or case-insensitively when only
 * that matches.  For an upsert, ON CONFLICT needs a unique index on exactly
 * those columns.  A name that is not there, or no such index, is a usage
 * error (exit 2).
 */
static void
mark_keys(struct loader *l, struct target *t, const char *list)
{
	struct buf name = BUF_INIT;
	const char *p = list, *what = l->o->verify ? "--key" : "--upsert";
	int i, n = 0, quoted = 0, bad = 0;

	while (p && *p && (p = target_next_name(p, &name, &quoted))) {
		for (i = 0; i < t->ncol; i++)
			if (strcmp(t->col[i].name, name.data) == 0)
				break;
		if (i == t->ncol && !quoted)
			for (i = 0; i < t->ncol; i++)
				if (strcasecmp(t->col[i].name, name.data) == 0)
					break;
		if (i == t->ncol || !name.len) {
			warnx("%s: %s has no column %s%s%s", what, t->display,
			      quoted ? "\"" : "", name.data,
			      quoted ? "\"" : "");
			bad = 1;
			continue;
		}
		n += !t->col[i].key;
		t->col[i].key = 1;
	}
	buf_release(&name);
	if (!p) {
		warnx("%s: cannot read the column list %s", what, list);
		bad = 1;
	}
	if (!bad && !n) {
		warnx("%s: no key columns", what);
		bad = 1;
	}
	/* pg-verify checks the table's keys itself, by its rows */
	if (!bad && !l->o->verify && !target_key_unique(l, t, 1)) {
		warnx("--upsert: %s has no primary key or unique index on "
		      "exactly (%s), which ON CONFLICT needs",
		      t->display, list);
		bad = 1;
	}
	if (bad)
		loader_fail(l, 2);
}

void
target_unused_name(const struct target *t, const char *base, struct buf *out)
{
	int i, n = 1;

	buf_reset(out);
	buf_adds(out, base);
	for (i = 0; i < t->ncol; i++)
		if (strcmp(t->col[i].name, out->data) == 0) {
			buf_reset(out);
			buf_addf(out, "%s_%d", base, ++n);
			i = -1; /* and look again */
		}
}

/*
 * A column's default as a load meets it: its own, else its domain's (the
 * nearest, under any number of domains); and whether it is a candidate
 * for pg-verify's stage: made of PostgreSQL's own functions and operators
 * (pg_depend names every function, operator or sequence of a user's: one
 * declared immutable may still write)
 */
static const char defaults_sql[] =
	"SELECT a.attname, COALESCE(pg_catalog.pg_get_expr(d.adbin, "
	"d.adrelid), m.def), NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend p "
	"WHERE CASE WHEN d.oid IS NOT NULL THEN p.classid = "
	"'pg_catalog.pg_attrdef'::pg_catalog.regclass AND p.objid = d.oid "
	"ELSE p.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND "
	"p.objid = m.oid END AND (p.refclassid IN "
	"('pg_catalog.pg_proc'::pg_catalog.regclass, "
	"'pg_catalog.pg_operator'::pg_catalog.regclass) OR (p.refclassid = "
	"'pg_catalog.pg_class'::pg_catalog.regclass AND p.refobjid "
	"OPERATOR(pg_catalog.<>) a.attrelid)))"
	" FROM pg_catalog.pg_attribute a"
	" LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND "
	"d.adnum = a.attnum"
	" LEFT JOIN LATERAL (WITH RECURSIVE c(oid, lvl) AS (SELECT a.atttypid, "
	"0 UNION ALL SELECT y.typbasetype, c.lvl + 1 FROM pg_catalog.pg_type y "
	"JOIN c ON y.oid = c.oid WHERE y.typtype = 'd') SELECT y.oid, "
	"pg_catalog.pg_get_expr(y.typdefaultbin, 0) AS def FROM c JOIN "
	"pg_catalog.pg_type y ON y.oid = c.oid WHERE y.typdefaultbin IS NOT "
	"NULL ORDER BY c.lvl LIMIT 1) m ON true"
	" WHERE a.attrelid = $1::pg_catalog.regclass AND a.attnum > 0 AND NOT "
	"a.attisdropped AND a.attgenerated = '' AND (d.oid IS NOT NULL OR "
	"m.def IS NOT NULL)";

/*
 * The stage's defaults.  It is made without the table's, but a column of
 * a domain with a default would still take the domain's: each column with
 * a default gets DEFAULT NULL, so that no default runs there (an upsert
 * inserts only the columns each batch has; a default could write).  But
 * pg-verify's stage takes back the defaults that are immutable (the same
 * value now as at the load) and candidates (defaults_sql), so that a record
 * without such a column is compared with it; PostgreSQL says which are
 * immutable: an index on an expression takes only such a one.  Any other
 * (nextval(), now(), random(), a user's function) is never run: it could
 * change the database, and would not give the load's value anyway.
 */
static void
stage_defaults(struct loader *l, struct target *t)
{
	const char *param[1] = {t->qualified};
	PGresult *r, *p = NULL;
	char *q;
	int i;

	if (!(r = sql_query(l, t->display, defaults_sql, 1, param)))
		loader_fail(l, 3);
	for (i = 0; i < PQntuples(r); i++) {
		buf_reset(&l->sql);
		if (l->o->verify && PQgetvalue(r, i, 2)[0] == 't') {
			buf_addf(&l->sql,
				 "SAVEPOINT ndjson_migrate_d; CREATE TEMPORARY "
				 "TABLE ndjson_migrate_probe (); CREATE INDEX "
				 "ON "
				 "ndjson_migrate_probe (((%s) IS NULL))",
				 PQgetvalue(r, i, 1));
			p = PQexec(l->conn, l->sql.data);
			buf_reset(&l->sql);
			buf_adds(&l->sql, "ROLLBACK TO SAVEPOINT "
					  "ndjson_migrate_d; RELEASE "
					  "SAVEPOINT ndjson_migrate_d; ");
		}
		q = escape_ident(l, PQgetvalue(r, i, 0));
		buf_addf(&l->sql,
			 "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
			 t->stage, q,
			 p && PQresultStatus(p) == PGRES_COMMAND_OK
				 ? PQgetvalue(r, i, 1)
				 : "NULL");
		free(q);
		PQclear(p);
		p = NULL;
		if (sql_exec(l, l->sql.data) < 0)
			loader_fail(l, 3);
	}
	PQclear(r);
}

/* The temporary table an upsert or pg-verify COPYs into, with an order
 * column, and its defaults (stage_defaults). */
void
target_stage(struct loader *l, struct target *t)
{
	int i, n;

	for (n = 0; n < l->nt && l->t[n] != t; n++)
		;
	free(t->stage);
	buf_reset(&l->msg);
	buf_addf(&l->msg, "ndjson_migrate_stage_%d", n + 1);
	t->stage = escape_ident(l, l->msg.data);
	target_unused_name(t, "ndjson_migrate_ord", &l->msg);
	free(t->ord);
	t->ord = xstrdup(l->msg.data);
	buf_reset(&l->sql);
	/*
	 * an upsert orders a key's records by it (the last wins); pg-verify
	 * only needs a column never NULL: a constant, for nextval() takes its
	 * sequence's lock for the whole transaction, past any savepoint, and
	 * pg-verify holds one table's locks at a time
	 */
	buf_addf(&l->sql,
		 l->o->verify ? "CREATE TEMPORARY TABLE %s (LIKE %s, %s bigint "
				"NOT NULL DEFAULT 0)"
			      : "CREATE TEMPORARY TABLE %s (LIKE %s, %s bigint "
				"GENERATED ALWAYS AS IDENTITY)",
		 t->stage, t->qualified, t->ord);
	/*
	 * NOT NULL is the table's to check, so that its error names the
	 * table and not the stage (LIKE copies NOT NULL, never CHECK)
	 */
	buf_addf(&l->sql, "; ALTER TABLE %s", t->stage);
	for (i = 0; i < t->ncol; i++)
		buf_addf(&l->sql, "%s ALTER COLUMN %s DROP NOT NULL",
			 i ? "," : "", t->col[i].quoted);
	if (sql_exec(l, l->sql.data) < 0)
		loader_fail(l, 3);
	stage_defaults(l, t);
}

/*
 * pg-verify --key, pg-copy-load --upsert: this table's key columns, from
 * "TABLE:COLS" for it or else "COLS" for any table.
 */
const char *
target_key_table(const char *k, struct buf *table)
{
	const char *p;
	int quoted = 0;

	for (p = k; *p && (quoted || *p != ':'); p++)
		quoted ^= *p == '"';
	if (!*p)
		return NULL;
	buf_reset(table);
	if (*k == '"' && p - k >= 2 && p[-1] == '"') { /* "TABLE" */
		for (k++; k < p - 1; k++) {
			buf_addch(table, *k);
			k += *k == '"'; /* "" */
		}
	} else
		buf_add(table, k, (size_t)(p - k));
	return p + 1;
}

static const char *
table_keys(struct loader *l, const struct target *t, const char *name)
{
	const char *any = NULL, *c = NULL, *dot = strchr(t->display, '.');
	struct buf tab = BUF_INIT;
	size_t j;
	int i;

	for (i = 0; i < l->o->nkeys; i++) {
		const char *k = l->o->keys[i];
		if (!(c = target_key_table(k, &tab))) {
			any = k;
			continue;
		}
		/*
		 * the table as routed, or as PostgreSQL reads the name: a
		 * "quoted" one exactly, else folded to lower case ("T" and t
		 * are two tables)
		 */
		if (strcmp(tab.data, name) == 0)
			break;
		if (*k != '"')
			for (j = 0; j < tab.len; j++)
				if (tab.data[j] >= 'A' && tab.data[j] <= 'Z')
					tab.data[j] += 32;
		if (strcmp(tab.data, t->display) == 0 ||
		    (dot && strcmp(tab.data, dot + 1) == 0))
			break;
	}
	buf_release(&tab);
	if (i < l->o->nkeys)
		return c;
	if (!any) {
		warnx("%s: no key columns for table %s",
		      l->o->verify ? "--key" : "--upsert", t->display);
		loader_fail(l, 2);
	}
	return any;
}

struct target *
target_find(struct loader *l, const char *name)
{

	int i, k;

	for (i = 0; i < l->nt; i++) {
		if (strcmp(l->t[i]->name, name) == 0)
			return l->t[i];
		for (k = 0; k < l->t[i]->nalias; k++)
			if (strcmp(l->t[i]->alias[k], name) == 0)
				return l->t[i];
	}
	return NULL;
}

struct target *
target_open(struct loader *l, const char *name, int routed)
{
	struct target *t;
	int i;

	/* no query can run while a COPY is open or its result unread */
	batch_quiesce(l);
	t = xcalloc(1, sizeof(*t));
	t->name = xstrdup(name);
	t->b.data = (struct buf)BUF_INIT;
	t->b.raw = (struct buf)BUF_INIT;
	if (describe(l, t, name, routed) < 0) {
		target_free(t);
		return NULL;
	}
	if ((t->distributed = distributed_check(l, t->qualified, &t->shard_min,
						&t->shard_max)) < 0) {
		target_free(t);
		loader_fail(l, 3);
	}
	if (!t->distributed && (l->o->distribute || l->o->reference)) {
		/* asked for a Citus table: a local one is a mistake */
		warnx("--%s: %s is not a Citus table",
		      l->o->reference ? "reference" : "distribute", t->display);
		target_free(t);
		loader_fail(l, 2);
	}
	if (t->distributed)
		citus_capacity_check(l, t);
	if (t->distributed && l->o->freeze) {
		warnx("--freeze: %s is distributed by Citus: COPY FREEZE has "
		      "no effect on its shards",
		      t->display);
		target_free(t);
		loader_fail(l, 2);
	}
	if (l->o->hypertable) {
		/* asked for a hypertable: a plain table is a mistake to stop at
		 */
		int h = hypertable_check(l, t->qualified);
		if (h == 1)
			;
		else if (h == -2)
			warnx("--hypertable: %s: TimescaleDB is not installed "
			      "in "
			      "this database (CREATE EXTENSION timescaledb)",
			      t->display);
		else if (h == 0)
			warnx("--hypertable: %s is not a hypertable on %.*s",
			      t->display, (int)strcspn(l->o->hypertable, ":"),
			      l->o->hypertable);
		if (h != 1) {
			target_free(t);
			loader_fail(l, 2);
		}
	}
	/* another spelling of a table already open: one target, one count */
	for (i = 0; i < l->nt; i++)
		if (strcmp(l->t[i]->qualified, t->qualified) == 0) {
			struct target *o = l->t[i];
			o->alias = realloc(o->alias, (size_t)(o->nalias + 1) *
							     sizeof(char *));
			if (!o->alias)
				loader_oom(0);
			o->alias[o->nalias++] = xstrdup(name);
			target_free(t);
			return o;
		}
	if (l->o->upsert)
		mark_keys(l, t, table_keys(l, t, name));
	else if (l->o->verify)
		mark_keys(l, t, table_keys(l, t, name));
	t->slot = xcalloc((size_t)t->ncol, sizeof(*t->slot));
	t->present = xcalloc((size_t)t->ncol, 1);
	t->seen = xcalloc((size_t)t->ncol, 1);
	t->b.colset = xcalloc((size_t)t->ncol, 1);
	t->nguess = 1024;
	t->guess = xcalloc((size_t)t->nguess, sizeof(*t->guess));
	t->guess_ci = xcalloc((size_t)t->nguess, 1);
	memset(t->guess, 0xff, (size_t)t->nguess * sizeof(*t->guess));
	if (!(l->t = realloc(l->t, (size_t)(l->nt + 1) * sizeof(*l->t))))
		loader_oom(0);
	l->t[l->nt++] = t;
	if (l->o->unlogged) {
		buf_reset(&l->sql);
		buf_addf(&l->sql, "ALTER TABLE %s SET UNLOGGED", t->qualified);
		if (sql_exec(l, l->sql.data) < 0)
			loader_fail(l, 3);
	}
	if (l->o->truncate && !l->ndone) {
		buf_reset(&l->sql);
		buf_addf(&l->sql, "TRUNCATE %s", t->qualified);
		if (sql_exec(l, l->sql.data) < 0)
			loader_fail(l, 3);
	}
	if (l->o->upsert || l->o->verify == VERIFY_FULL) {
		/* temporary tables are per session: one on each connection */
		int prev = l->slot;
		for (i = 0; i < (l->nslots ? l->nslots : 1); i++) {
			if (l->nslots)
				switch_slot(l, i);
			target_stage(l, t);
		}
		if (l->nslots)
			switch_slot(l, prev);
	}
	/*
	 * --jobs: other connections must see the table as set up here (and
	 * not wait on its locks): commit the set-up now
	 */
	if (l->nslots > 1) {
		txn_commit(l);
		txn_begin(l);
	}
	return t;
}

/*
 * The column for a key: exactly first, then case-insensitively when one
 * column matches (ndjson-migrate(7)).  Records mostly repeat their key
 * order, so the column the key at this position matched last is tried
 * first.  Returns the column, -1 for none, -2 when ambiguous.
 */
int
target_match_key(struct loader *l, struct target *t, const struct json_value *k,
		 int pos)
{
	const char *kp = k->p;
	size_t kn = k->len;
	int i, found = -1, n = 0;

	if (k->escaped) {
		buf_reset(&l->key);
		json_unescape(&l->key, k->p, k->len);
		kp = l->key.data;
		kn = l->key.len;
	}
	if (!json_data_key(&kp, &kn))
		return -3;
	/*
	 * PostgreSQL cuts names to 63 bytes (at a character): a longer key
	 * names the column it was cut to; two such keys are one column
	 */
	kn = sql_name_cut(kp, kn);
	if (pos < t->nguess && t->guess[pos] >= 0) {
		struct column *c = &t->col[t->guess[pos]];
		if (c->namelen == kn &&
		    (t->guess_ci[pos] ? strncasecmp(c->name, kp, kn) == 0
				      : memcmp(c->name, kp, kn) == 0))
			return t->guess[pos];
	}
	for (i = 0; i < t->ncol; i++)
		if (t->col[i].namelen == kn &&
		    memcmp(t->col[i].name, kp, kn) == 0)
			break;
	if (i < t->ncol) {
		found = i;
	} else {
		for (i = 0; i < t->ncol; i++)
			if (t->col[i].namelen == kn &&
			    strncasecmp(t->col[i].name, kp, kn) == 0) {
				found = i;
				n++;
			}
		if (n > 1)
			return -2;
	}
	if (found >= 0 && pos < t->nguess) {
		t->guess[pos] = found;
		t->guess_ci[pos] = n > 0;
	}
	return found;
}

void
target_free(struct target *t)
{
	int i;

	for (i = 0; i < t->ncol; i++) {
		free(t->col[i].name);
		free(t->col[i].type);
		free(t->col[i].guard_type);
		free(t->col[i].send);
		free(t->col[i].quoted);
	}
	free(t->col);
	for (i = 0; i < t->nalias; i++)
		free(t->alias[i]);
	free(t->alias);
	free(t->name);
	free(t->qualified);
	free(t->display);
	free(t->stage);
	free(t->ord);
	free(t->seen);
	free(t->slot);
	free(t->present);
	free(t->guess);
	free(t->guess_ci);
	free(t->b.colset);
	free(t->b.rows);
	buf_release(&t->b.data);
	buf_release(&t->b.raw);
	free(t);
}
