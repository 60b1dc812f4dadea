/*
 * compare.c: the stream's rows, staged in a temporary table through
 * pg-copy-load's own encoders, against the table, by key, in SQL: so
 * "equal" is what PostgreSQL's types say once pg-copy-load has loaded a
 * value (jsonb by jsonb equality, timestamptz as instants, numeric by
 * value), and the client holds no row.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#include "buf.h"
#include "json.h"
#include "load.h"
#include "pgconn.h"
#include "verify.h"

struct counts {
	uint64_t source, target, missing, extra, changed, duplicate, invalid;
};

/*
 * Is c, a column of t, the one a name of a list names (target_next_name's:
 * "Quoted" exactly; unquoted folded, or case-insensitively when no column
 * of t is exactly the folded name, as --key reads it)?
 */
static int
names(const struct buf *name, int quoted, const struct target *t,
      const struct column *c)
{
	int i;

	if (quoted || strcmp(name->data, c->name) == 0)
		return strcmp(name->data, c->name) == 0;
	if (strcasecmp(name->data, c->name) != 0)
		return 0;
	for (i = 0; i < t->ncol; i++)
		if (strcmp(name->data, t->col[i].name) == 0)
			return 0; /* that column is the one named */
	return 1;
}

/* Is column c of t named in the comma-separated list? */
static int
listed(const char *list, const struct target *t, const struct column *c)
{
	struct buf name = BUF_INIT;
	const char *p = list;
	int quoted = 0, yes = 0;

	while (!yes && p && *p && (p = target_next_name(p, &name, &quoted)))
		yes = names(&name, quoted, t, c);
	buf_release(&name);
	return yes;
}

/*
 * Every query that reads a table runs read-only (a savepoint with
 * transaction_read_only, on the session that also writes its staging
 * tables) and as one statement (the extended protocol): --where can
 * neither end the query nor change anything.  The savepoint is rolled
 * back: the locks the query took go with it (verify_tables holds the
 * table's own while it compares it).
 */
static void
read_only(struct loader *l, int on)
{
	if (loader_stop) { /* a signal between two queries */
		warnx("stopped by signal %d", (int)loader_stop);
		loader_fail(l, 3);
	}
	if (sql_exec(l, on ? "SAVEPOINT ndjson_migrate_ro; SET LOCAL "
			     "transaction_read_only = on"
			   : "ROLLBACK TO SAVEPOINT ndjson_migrate_ro; "
			     "RELEASE SAVEPOINT ndjson_migrate_ro") < 0)
		loader_fail(l, 3);
}

/*
 * What a table is made of, as a catalog shows it: the table, its
 * inheritance children and partitions, and what its views' rules read,
 * to any depth; for each, its oid, kind, file, columns, schema, name and
 * rules (a table renamed into the name is another table).  Run in
 * the run's snapshot it tells the table as the snapshot knows it; on a
 * connection of its own, as it is now.  The name resolves as it is now in
 * both: a table made anew under it is not in the snapshot's pg_class.
 */
static const char made_of[] =
	"WITH RECURSIVE r(oid) AS (SELECT $1::pg_catalog.regclass::"
	"pg_catalog.oid UNION SELECT x.oid FROM r, LATERAL (SELECT i.inhrelid "
	"FROM pg_catalog.pg_inherits i WHERE i.inhparent = r.oid UNION ALL "
	"SELECT d.refobjid FROM pg_catalog.pg_rewrite w JOIN "
	"pg_catalog.pg_depend d ON d.classid = "
	"'pg_catalog.pg_rewrite'::pg_catalog.regclass AND d.objid = w.oid AND "
	"d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass WHERE "
	"w.ev_class = r.oid AND d.refobjid <> r.oid) x(oid)) "
	/* each by its oid (an index scan), never by a join over pg_class */
	"SELECT pg_catalog.string_agg(r.oid::pg_catalog.text || ':' || "
	"COALESCE((SELECT c.relkind::pg_catalog.text || ':' || "
	"c.relfilenode::pg_catalog.text || ':' || c.relnatts::pg_catalog.text "
	"|| ':' || c.relnamespace::pg_catalog.text || ':' || "
	"pg_catalog.md5(c.relname::pg_catalog.text) FROM pg_catalog.pg_class c "
	"WHERE c.oid = r.oid), 'gone') || ':' || "
	"(SELECT COALESCE(pg_catalog.md5(pg_catalog.string_agg("
	"a.attname::pg_catalog.text || a.atttypid::pg_catalog.text || "
	"a.atttypmod::pg_catalog.text || a.attisdropped::pg_catalog.text, ',' "
	"ORDER BY a.attnum)), '') FROM pg_catalog.pg_attribute a WHERE "
	"a.attrelid = r.oid AND a.attnum > 0) || ':' || (SELECT "
	"COALESCE(pg_catalog.md5(pg_catalog.string_agg(w.oid::pg_catalog.text "
	"|| w.ev_action::pg_catalog.text, ',' ORDER BY w.oid)), '') FROM "
	"pg_catalog.pg_rewrite w WHERE w.ev_class = r.oid), ';' ORDER BY "
	"r.oid), pg_catalog.bool_or((SELECT c.relkind = 'f' FROM "
	"pg_catalog.pg_class c WHERE c.oid = r.oid)) FROM r";

/* The session that sees the catalog as it is now (autocommit). */
static PGconn *now_conn;

static PGresult *
made_of_query(struct loader *l, PGconn *conn, const struct target *t)
{
	static PGconn *prepared[3]; /* the sessions it is prepared on */
	const char *p[1] = {t->qualified};
	PGresult *r = NULL;
	int i;

	/* prepared once a session: its plan is most of its cost */
	for (i = 0; i < 3 && prepared[i] && prepared[i] != conn; i++)
		;
	if (i == 3 || !prepared[i]) {
		r = PQprepare(conn, "ndjson_migrate_made_of", made_of, 1, NULL);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			goto fail;
		PQclear(r);
		if (i < 3)
			prepared[i] = conn;
	}
	r = PQexecPrepared(conn, "ndjson_migrate_made_of", 1, p, NULL, NULL, 0);

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		return r;
fail:
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, conn, r);
	warnx("%s: %s", t->display, l->msg.data);
	PQclear(r);
	loader_fail(l, 3);
}

int
verify_foreign(struct loader *l, const struct target *t)
{
	PGresult *r = made_of_query(l, l->conn, t);
	int yes = PQgetvalue(r, 0, 1)[0] == 't';

	PQclear(r);
	return yes;
}

void
verify_hold(struct loader *l, PGconn *conn, const struct target *t, int lock)
{
	struct buf sql = BUF_INIT;
	struct err e = {0};
	PGresult *r = NULL, *now;

	if (lock) {
		buf_addf(&sql, "SELECT 1 FROM %s LIMIT 0", t->qualified);
		r = PQexecParams(conn, sql.data, 0, NULL, NULL, NULL, NULL, 0);
		buf_release(&sql);
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			buf_reset(&l->msg);
			pgconn_describe(&l->msg, conn, r);
			warnx("%s: %s", t->display, l->msg.data);
			PQclear(r);
			loader_fail(l, 3);
		}
		PQclear(r);
	}
	if (!now_conn &&
	    (!(now_conn = pgconn_open(l->o->conninfo, "pg-verify", &e)) ||
	     pgconn_exec(now_conn, "SET row_security = off", &e) < 0)) {
		warnx("%s", e.msg);
		loader_fail(l, 3);
	}
	r = made_of_query(l, conn, t);
	now = made_of_query(l, now_conn, t);
	if (strcmp(PQgetvalue(r, 0, 0), PQgetvalue(now, 0, 0)) != 0) {
		warnx("%s: changed since the run began (TRUNCATE, ALTER TABLE, "
		      "VACUUM FULL, CLUSTER, a partition or child attached or "
		      "detached, a view replaced, a table renamed or made "
		      "anew): the "
		      "rows its snapshot saw cannot be read; run again",
		      t->display);
		PQclear(r);
		PQclear(now);
		loader_fail(l, 3);
	}
	PQclear(r);
	PQclear(now);
}

void
verify_end(void)
{
	if (now_conn)
		PQfinish(now_conn);
	now_conn = NULL;
}

void
verify_where(struct loader *l, const struct target *t,
	     const struct verify_options *vo)
{
	struct buf *s = &l->sql;
	PGresult *r;

	if (!vo->where)
		return;
	buf_reset(s);
	buf_addf(s, "SELECT 1 FROM %s WHERE (%s) LIMIT 0", t->qualified,
		 vo->where);
	read_only(l, 1);
	r = PQexecParams(l->conn, s->data, 0, NULL, NULL, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		buf_reset(&l->msg);
		pgconn_describe(&l->msg, l->conn, r);
		warnx("%s: --where: %s", t->display, l->msg.data);
		PQclear(r);
		loader_fail(l, 2);
	}
	PQclear(r);
	read_only(l, 0);
}

/* Each name of --columns or --ignore a column of some table?  Else 2. */
static int
names_known(struct loader *l, const char *opt, const char *list)
{
	struct buf name = BUF_INIT;
	const char *p = list;
	int i, k, quoted = 0, rc = 0, found;

	while (!rc && p && *p && (p = target_next_name(p, &name, &quoted))) {
		for (found = 0, i = 0; !found && i < l->nt; i++)
			for (k = 0; !found && k < l->t[i]->ncol; k++)
				found = names(&name, quoted, l->t[i],
					      &l->t[i]->col[k]);
		if (!found) {
			warnx("%s: %s%s%s is a column of no table verified",
			      opt, quoted ? "\"" : "", name.data,
			      quoted ? "\"" : "");
			rc = 2;
		}
	}
	if (!rc && (!p || !*list)) {
		warnx("%s: cannot read the column list \"%s\"", opt, list);
		rc = 2;
	}
	buf_release(&name);
	return rc;
}

int
verify_names(struct loader *l, const struct verify_options *vo)
{
	if (vo->columns && names_known(l, "--columns", vo->columns))
		return 2;
	if (vo->ignore && names_known(l, "--ignore", vo->ignore))
		return 2;
	return 0;
}

void
verify_write(const struct verify_options *vo, const char *p, size_t n,
	     int status)
{
	if (fwrite(p, 1, n, vo->report) == n)
		return;
	if (errno == EPIPE && !vo->report_name)
		exit(status); /* | head: the reader has what it wanted */
	err(3, "%s", vo->report_name ? vo->report_name : "write error");
}

int
verify_compared(const struct verify_options *vo, const struct target *t,
		const struct column *c)
{
	return (!vo->columns || listed(vo->columns, t, c)) &&
	       !(vo->ignore && listed(vo->ignore, t, c));
}

/*
 * Is the type's = the same as "the same value as stored" for column c?
 * For these it is (numeric by value and char(n) without its trailing
 * blanks on purpose, as pg-verify(1) says; text only under a
 * deterministic collation); every other type is compared by the image of
 * its stored value, as PostgreSQL's *= compares records: -0 is not 0,
 * '1 mon' is not '30 days', 'ABC' is not 'abc' in citext or a
 * nondeterministic collation, json by its text, and types with no
 * equality at all (json[], jsonpath, xml) can be compared.
 */
static int
by_equality(const struct column *c)
{
	static const char *const types[] = {
		"int2",	     "int4",	    "int8", "bool",    "date",
		"timestamp", "timestamptz", "uuid", "bytea",   "oid",
		"numeric",   "bpchar",	    "text", "varchar", "name",
		"char",	     NULL};
	int i;

	for (i = 0; c->builtin && !c->nondet && types[i]; i++)
		if (strcmp(c->type, types[i]) == 0)
			return 1;
	return 0;
}

/* a.c and b.c are not the same: by = or by image, as by_equality says */
static void
differs(struct buf *s, const struct column *c, const char *a, const char *b)
{
	const char *q = c->quoted;

	/* record_image_eq, not *= on ROW(...)::record: Citus deparses the
	 * latter without its ROW, for the workers to refuse */
	if (by_equality(c))
		buf_addf(s, "%s.%s IS DISTINCT FROM %s.%s", a, q, b, q);
	else
		buf_addf(s,
			 "NOT pg_catalog.record_image_eq(ROW(%s.%s), "
			 "ROW(%s.%s))",
			 a, q, b, q);
}

/*
 * The key as a JSON object of the stream's contract, each value as a
 * record would give it (so that pg-copy-load reads it back as that row's):
 * bytea as $binary, an array with bounds other than 1 as its text;
 * json_build_object('id', S."id", ...)::text, or COALESCE(S."k", T."k")
 * for each key with either
 */
static void
key_json(struct buf *s, PGconn *conn, const struct target *t, int either)
{
	struct buf v = BUF_INIT;
	const struct column *c;
	char *lit;
	int i, n = 0;

	buf_adds(s, "pg_catalog.json_build_object(");
	for (i = 0; i < t->ncol; i++) {
		c = &t->col[i];
		if (!c->key)
			continue;
		buf_reset(&v);
		if (either)
			buf_addf(&v, "COALESCE(S.%s, T.%s)", c->quoted,
				 c->quoted);
		else
			buf_addf(&v, "S.%s", c->quoted);
		lit = PQescapeLiteral(conn, c->name, c->namelen);
		buf_addf(s, "%s%s, ", n++ ? ", " : "", lit);
		PQfreemem(lit);
		if (c->kind == KIND_BYTEA)
			buf_addf(s,
				 "pg_catalog.json_build_object('$binary', "
				 "pg_catalog.json_build_object('base64', "
				 "pg_catalog.translate(pg_catalog.encode(%s, "
				 "'base64'), pg_catalog.chr(10), ''), "
				 "'subType', '00'))",
				 v.data);
		else if (c->kind == KIND_ARRAY)
			buf_addf(
				s,
				"CASE WHEN pg_catalog.starts_with((%s)::"
				"pg_catalog.text, '[') THEN pg_catalog.to_json("
				"(%s)::pg_catalog.text) ELSE "
				"pg_catalog.to_json(%s) "
				"END",
				v.data, v.data, v.data);
		else
			buf_adds(s, v.data);
	}
	buf_adds(s, ")::text");
	buf_release(&v);
}

/*
 * A key column as keys are matched, told apart and ordered by: itself
 * where its = is the stored value's (by_equality); else as a value whose =
 * is byte equality: the bytes of its type's send function (float8send: -0
 * is not 0, NaN not -NaN; textsend whatever the collation), else its text
 * under "C"; never a text the session's settings (extra_float_digits)
 * could cut.  prefix: "S.", "T." or ""
 */
static void
key_term(struct buf *s, const struct column *c, const char *prefix)
{
	if (by_equality(c))
		buf_addf(s, "%s%s", prefix, c->quoted);
	else if (c->send)
		buf_addf(s, "%s(%s%s)", c->send, prefix, c->quoted);
	else
		buf_addf(s,
			 "((%s%s)::pg_catalog.text COLLATE pg_catalog.\"C\")",
			 prefix, c->quoted);
}

/*
 * For each key column, key_term(first) [mid key_term(second)], after sep
 * from the second on (second NULL: one term each); returns how many
 */
static int
key_terms(struct buf *s, const struct target *t, const char *sep,
	  const char *first, const char *mid, const char *second)
{
	int i, n = 0;

	for (i = 0; i < t->ncol; i++) {
		if (!t->col[i].key)
			continue;
		buf_adds(s, n++ ? sep : "");
		key_term(s, &t->col[i], first);
		if (second) {
			buf_adds(s, mid);
			key_term(s, &t->col[i], second);
		}
	}
	return n;
}

/*
 * a.k = b.k AND ... for the key columns, by key_term (a join condition
 * must hash or merge); returns how many
 */
static int
join(struct buf *s, const struct target *t, const char *a, const char *b)
{
	return key_terms(s, t, " AND ", a, " = ", b);
}

/* The key columns as rows are told apart by them, ", "-separated. */
static void
key_images(struct buf *s, const struct target *t, const char *prefix)
{
	key_terms(s, t, ", ", prefix, NULL, NULL);
}

/* The one value of a one-row query about t. */
static uint64_t
scalar(struct loader *l, const struct target *t, const char *sql)
{
	PGresult *r;
	uint64_t v;

	read_only(l, 1);
	if (!(r = sql_query(l, t->display, sql, 0, NULL)))
		loader_fail(l, 3);
	v = PQntuples(r) ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	read_only(l, 0);
	return v;
}

/*
 * Run a listing query row by row (constant memory).  Its last three
 * columns are the status, the key's JSON and the changed columns or the
 * duplicate count (or NULL); each row is written while fewer than the
 * limit have been, and counted by its status.
 */
static void
list(struct loader *l, struct verify_options *vo, const struct target *t,
     const char *sql, struct counts *n, uint64_t *listed_so_far)
{
	PGresult *r;
	struct buf line = BUF_INIT;
	const char *st;
	int f;

	read_only(l, 1);
	if (!PQsendQueryParams(l->conn, sql, 0, NULL, NULL, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(l->conn)) {
		warnx("%s: %s", t->display, PQerrorMessage(l->conn));
		loader_fail(l, 3);
	}
	while ((r = PQgetResult(l->conn))) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
			f = PQnfields(r) - 3;
			st = PQgetvalue(r, 0, f);
			if (strcmp(st, "missing") == 0)
				n->missing++;
			else if (strcmp(st, "extra") == 0)
				n->extra++;
			else if (strcmp(st, "changed") == 0)
				n->changed++;
			else
				n->duplicate++;
			if (*listed_so_far < vo->limit) {
				++*listed_so_far;
				buf_reset(&line);
				buf_adds(&line, "{\"status\":");
				json_write_string(&line, st, strlen(st));
				buf_adds(&line, ",\"table\":");
				json_write_string(&line, t->display,
						  strlen(t->display));
				buf_adds(&line, ",\"key\":");
				json_compact(&line, PQgetvalue(r, 0, f + 1),
					     (size_t)PQgetlength(r, 0, f + 1));
				if (!PQgetisnull(r, 0, f + 2))
					buf_addf(&line, ",\"%s\":%s",
						 st[0] == 'd' ? "count"
							      : "columns",
						 PQgetvalue(r, 0, f + 2));
				buf_adds(&line, "}\n");
				verify_write(vo, line.data, line.len, 1);
			}
		} else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			buf_reset(&l->msg);
			pgconn_describe(&l->msg, l->conn, r);
			warnx("%s: %s", t->display, l->msg.data);
			PQclear(r);
			while ((r = PQgetResult(l->conn)))
				PQclear(r);
			loader_fail(l, 3);
		}
		PQclear(r);
	}
	read_only(l, 0);
	buf_release(&line);
}

/*
 * The table's own rows in the window, as T, marked by a column that is
 * never NULL (a full join tells "no row" by it): a subquery, so that
 * --where's names are the table's alone, never the stage's; with buckets,
 * only the rows of the buckets the digest compares
 */
/* verify_one's own names, none of the table's (target_unused_name) */
static struct buf mark = BUF_INIT, count = BUF_INIT;

static void
target_rows(struct buf *s, const struct target *t,
	    const struct verify_options *vo, int buckets)
{
	buf_addf(s, "(SELECT true AS %s, * FROM %s", mark.data, t->qualified);
	buf_addf(s, " WHERE (%s)", vo->where ? vo->where : "true");
	if (buckets && vo->mode == 0)
		digest_filter(s, t);
	buf_adds(s, ") T");
}

/*
 * COALESCE(S."k", T."k") AS ndjson_migrate_kN, ...: the key of either
 * side, by key_term, to order and tell the lines apart by (a point or
 * json has no = or <)
 */
static void
either_keys(struct buf *s, const struct target *t)
{
	int i, n = 0;

	for (i = 0; i < t->ncol; i++) {
		if (!t->col[i].key)
			continue;
		buf_adds(s, n ? ", COALESCE(" : "COALESCE(");
		key_term(s, &t->col[i], "S.");
		buf_adds(s, ", ");
		key_term(s, &t->col[i], "T.");
		buf_addf(s, ") AS ndjson_migrate_k%d", n++);
	}
}

static int
verify_one(struct loader *l, struct verify_options *vo, struct target *t,
	   const struct digest_info *di, struct counts *n,
	   uint64_t *listed_so_far)
{
	struct buf *s = &l->sql, cmp = BUF_INIT, names = BUF_INIT;
	PGresult *r;
	char *lit;
	int i, ncmp = 0, dups;

	memset(n, 0, sizeof(*n));
	n->invalid = t->rejected;
	target_unused_name(t, "ndjson_migrate_t", &mark);
	target_unused_name(t, "ndjson_migrate_n", &count);
	if (!di || di->full) /* a digested table's was tried before its query */
		verify_where(l, t, vo);
	if (di && !di->full) {
		n->target = di->target;
	} else {
		buf_reset(s);
		buf_adds(s, "SELECT count(*) FROM ");
		target_rows(s, t, vo, 1);
		n->target = scalar(l, t, s->data);
	}
	if (vo->mode == 2) { /* count */
		n->source = t->loaded;
		return 0;
	}
	/*
	 * a key must name one row of the table, or nothing can be said: a
	 * primary key or unique index on exactly these columns says so
	 * without reading the table.  In every bucket, the digest's too: a
	 * key twice in the stream and twice in the table leaves a bucket
	 * as it was, and full mode says 2
	 */
	buf_reset(s);
	buf_adds(s, "SELECT count(*) FROM (SELECT 1 FROM ");
	target_rows(s, t, vo, 0);
	buf_adds(s, " GROUP BY ");
	key_images(s, t, "T.");
	buf_adds(s, " HAVING count(*) > 1 LIMIT 1) d");
	if (!target_key_unique(l, t, 0) && scalar(l, t, s->data)) {
		buf_reset(s);
		add_cols(s, t, KEYS, "");
		warnx("--key: (%s) names more than one row of %s", s->data,
		      t->display);
		return 2;
	}
	n->source = t->loaded; /* every record the stage took */
	if (di && !di->full)
		n->source = di->source;
	if (di && !di->full && !di->compared)
		return 0; /* every bucket the same */
	/* the planner's view of the stage: a small sample is enough */
	buf_reset(s);
	buf_addf(s,
		 "SET default_statistics_target = 10; ANALYZE %s; RESET "
		 "default_statistics_target",
		 t->stage);
	if (sql_exec(l, s->data) < 0)
		loader_fail(l, 3);

	/*
	 * duplicate: a key the stream has more than once.  A unique index on
	 * the stage says "none" in a third of the time a hash aggregate takes
	 * (1M rows: 0.3 s, 0.9 s); only when it cannot be built are the keys
	 * counted, and kept aside
	 */
	buf_reset(s);
	buf_addf(s, "SAVEPOINT ndjson_migrate_u; CREATE UNIQUE INDEX ON %s (",
		 t->stage);
	key_images(s, t, "");
	buf_adds(s, ")");
	r = PQexec(l->conn, s->data);
	dups = PQresultStatus(r) != PGRES_COMMAND_OK;
	PQclear(r);
	if (sql_exec(l, dups ? "ROLLBACK TO SAVEPOINT ndjson_migrate_u"
			     : "RELEASE SAVEPOINT ndjson_migrate_u") < 0)
		loader_fail(l, 3);
	buf_reset(s);
	/* one row a key (by its image), with how many the stream has */
	buf_addf(s, "CREATE TEMPORARY TABLE ndjson_migrate_dup AS SELECT * "
		    "FROM (SELECT DISTINCT ON (");
	key_images(s, t, "S.");
	buf_adds(s, ") ");
	add_cols(s, t, KEYS, "S.");
	buf_addf(s, ", pg_catalog.count(*) OVER (PARTITION BY ");
	key_images(s, t, "S.");
	buf_addf(s, ") AS %s FROM %s S ORDER BY ", count.data, t->stage);
	key_images(s, t, "S.");
	buf_addf(s, ") d WHERE %s", dups ? "" : "false AND ");
	buf_addf(s, "d.%s > 1", count.data);
	if (sql_exec(l, s->data) < 0)
		loader_fail(l, 3);
	buf_reset(s);
	buf_adds(s, "SELECT 'duplicate', ");
	key_json(s, l->conn, t, 0);
	buf_addf(s, ", S.%s FROM ndjson_migrate_dup S ORDER BY ", count.data);
	key_images(s, t, "S.");
	list(l, vo, t, s->data, n, listed_so_far);

	/* the columns compared: those the stream has (or named) */
	for (i = 0; i < t->ncol; i++) {
		struct column *c = &t->col[i];
		if (c->key || c->generated ||
		    !(vo->columns ? listed(vo->columns, t, c) : t->seen[i]) ||
		    (vo->ignore && listed(vo->ignore, t, c)))
			continue;
		if (ncmp++) {
			buf_adds(&cmp, " OR ");
			buf_adds(&names, ", ");
		}
		buf_adds(&cmp, "(");
		differs(&cmp, c, "S", "T");
		buf_adds(&cmp, ")");
		lit = PQescapeLiteral(l->conn, c->name, c->namelen);
		buf_adds(&names, "CASE WHEN ");
		differs(&names, c, "S", "T");
		buf_addf(&names, " THEN %s END", lit);
		PQfreemem(lit);
	}
	if (!ncmp)
		buf_adds(&cmp, "false");

	/*
	 * missing, extra and changed in one full join (hash joins, one pass
	 * over each side); a duplicated key is reported as that, not as
	 * changed; DISTINCT makes a duplicated missing key one line
	 */
	buf_reset(s);
	buf_addf(s,
		 "SELECT DISTINCT CASE WHEN T.%s IS NULL THEN 1 WHEN S.%s IS "
		 "NULL THEN 2 ELSE 3 END AS ndjson_migrate_st, ",
		 mark.data, t->ord);
	either_keys(s, t);
	buf_addf(s,
		 ", CASE WHEN T.%s IS NULL THEN 'missing' WHEN S.%s IS NULL "
		 "THEN 'extra' ELSE 'changed' END, ",
		 mark.data, t->ord);
	key_json(s, l->conn, t, 1);
	buf_addf(s, ", CASE WHEN T.%s AND S.%s IS NOT NULL THEN ", mark.data,
		 t->ord);
	if (names.len)
		buf_addf(s,
			 "pg_catalog.array_to_json(pg_catalog.array_remove("
			 "ARRAY[%s]::text[], NULL))::text",
			 names.data);
	else
		buf_adds(s, "NULL");
	buf_addf(s, " END FROM %s S FULL JOIN ", t->stage);
	target_rows(s, t, vo, 1);
	buf_adds(s, " ON ");
	join(s, t, "S.", "T.");
	buf_addf(s,
		 " WHERE T.%s IS NULL OR S.%s IS NULL OR ((%s) AND NOT EXISTS "
		 "(SELECT 1 FROM ndjson_migrate_dup D WHERE ",
		 mark.data, t->ord, cmp.data);
	ncmp = join(s, t, "D.", "S.");
	buf_adds(s, ")) ORDER BY 1");
	for (i = 0; i < ncmp; i++)
		buf_addf(s, ", %d", i + 2);
	list(l, vo, t, s->data, n, listed_so_far);
	buf_release(&cmp);
	buf_release(&names);
	return 0;
}

int
verify_tables(struct loader *l, struct verify_options *vo)
{
	struct counts n, total = {0};
	struct buf sum = BUF_INIT;
	uint64_t listed_so_far = 0;
	struct digest_info dbuf;
	const struct digest_info *di;
	int i, rc = 0, r, written = 0;

	buf_adds(&sum, "{\"summary\":{\"tables\":[");
	for (i = 0; i < l->nt; i++) {
		struct target *t = l->t[i];
		/*
		 * one table at a time: its locks, stage and the rest go when
		 * it is done, so that a run holds as many whatever the tables
		 */
		if (sql_exec(l, "SAVEPOINT ndjson_migrate_table") < 0)
			loader_fail(l, 3);
		verify_hold(l, l->conn, t, 1);
		if (vo->mode != 2)
			digest_stage(l, t);
		di = vo->mode == 0 ? digest_info(t, &dbuf) : NULL;
		if ((r = verify_one(l, vo, t, di, &n, &listed_so_far)) > rc)
			rc = r;
		if (sql_exec(l, "ROLLBACK TO SAVEPOINT ndjson_migrate_table; "
				"RELEASE SAVEPOINT ndjson_migrate_table") < 0)
			loader_fail(l, 3);
		free(t->stage);
		t->stage = NULL;
		if (r)
			continue;
		if (n.missing || n.extra || n.changed || n.duplicate ||
		    n.invalid || n.source != n.target)
			rc = rc > 1 ? rc : 1;
		buf_addf(&sum, "%s{\"table\":", written++ ? "," : "");
		json_write_string(&sum, t->display, strlen(t->display));
		buf_addf(&sum,
			 ",\"source_rows\":%llu,\"target_rows\":%llu,"
			 "\"missing\":%llu,\"extra\":%llu,\"changed\":%llu,"
			 "\"duplicate\":%llu,\"invalid\":%llu}",
			 (unsigned long long)n.source,
			 (unsigned long long)n.target,
			 (unsigned long long)n.missing,
			 (unsigned long long)n.extra,
			 (unsigned long long)n.changed,
			 (unsigned long long)n.duplicate,
			 (unsigned long long)n.invalid);
		/* what the digest spared (a test's proof it was exact) */
		buf_setlen(&sum, sum.len - 1);
		if (di && !di->full)
			buf_addf(&sum,
				 ",\"mode\":\"digest\",\"buckets\":%llu,"
				 "\"buckets_compared\":%llu}",
				 (unsigned long long)di->buckets,
				 (unsigned long long)di->compared);
		else
			buf_addf(&sum, ",\"mode\":\"%s\"}",
				 vo->mode == 2 ? "count" : "full");
		if (!vo->quiet)
			fprintf(stderr,
				"pg-verify: %s: %llu source rows, %llu table "
				"rows: %llu missing, %llu extra, %llu "
				"changed, %llu duplicate, %llu invalid\n",
				t->display, (unsigned long long)n.source,
				(unsigned long long)n.target,
				(unsigned long long)n.missing,
				(unsigned long long)n.extra,
				(unsigned long long)n.changed,
				(unsigned long long)n.duplicate,
				(unsigned long long)n.invalid);
		total.invalid += n.invalid;
	}
	/* records no table took (no $table, no such table) differ too */
	if (l->rejected > total.invalid)
		rc = rc > 1 ? rc : 1;
	buf_release(&mark);
	buf_release(&count);
	buf_addf(&sum, "],\"invalid\":%llu,\"status\":%d}}\n",
		 (unsigned long long)l->rejected, rc);
	verify_write(vo, sum.data, sum.len, rc);
	buf_release(&sum);
	return rc;
}
