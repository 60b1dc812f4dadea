/*
 * compare.c: the stream's rows, staged in a temporary table through
 * pg-copy-load's own encoders, against the table, by key, in SQL: so
 * "equal" is what PostgreSQL's types say once pg-copy-load has loaded a
 * value (jsonb by jsonb equality, timestamptz as instants, numeric by
 * value), and the client holds no row.
 */
#include <err.h>
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

/* Is column c named in the comma-separated list (as PostgreSQL reads)? */
static int
listed(const char *list, const struct column *c)
{
	struct buf name = BUF_INIT;
	const char *p = list;
	int quoted = 0, yes = 0;

	while (!yes && p && *p && (p = target_next_name(p, &name, &quoted)))
		yes = quoted ? strcmp(name.data, c->name) == 0
			     : strcasecmp(name.data, c->name) == 0;
	buf_release(&name);
	return yes;
}

/* Types PostgreSQL has no equality for, or whose equality is not ours. */
static int
by_text(const struct column *c)
{
	static const char *const types[] = {
		"json", "xml", "float4", "float8",  "point",  "line",
		"lseg", "box", "path",	 "polygon", "circle", NULL};
	int i;

	for (i = 0; types[i]; i++)
		if (strcmp(c->type, types[i]) == 0)
			return 1;
	return 0;
}

/* ", "-separated key columns with a prefix ("S." or "T."). */
static void
keys(struct buf *s, const struct target *t, const char *prefix)
{
	int i, n = 0;

	for (i = 0; i < t->ncol; i++)
		if (t->col[i].key)
			buf_addf(s, "%s%s%s", n++ ? ", " : "", prefix,
				 t->col[i].quoted);
}

/* The key as a JSON object: json_build_object('id', S."id", ...)::text */
static void
key_json(struct buf *s, PGconn *conn, const struct target *t,
	 const char *prefix)
{
	char *lit;
	int i, n = 0;

	buf_adds(s, "pg_catalog.json_build_object(");
	for (i = 0; i < t->ncol; i++)
		if (t->col[i].key) {
			lit = PQescapeLiteral(conn, t->col[i].name,
					      t->col[i].namelen);
			buf_addf(s, "%s%s, %s%s", n++ ? ", " : "", lit, prefix,
				 t->col[i].quoted);
			PQfreemem(lit);
		}
	buf_adds(s, ")::text");
}

/* S."k" = T."k" AND ... */
static void
join(struct buf *s, const struct target *t)
{
	int i, n = 0;

	for (i = 0; i < t->ncol; i++)
		if (t->col[i].key)
			buf_addf(s, "%sS.%s = T.%s", n++ ? " AND " : "",
				 t->col[i].quoted, t->col[i].quoted);
}

/* The one value of a one-row query. */
static uint64_t
scalar(struct loader *l, const char *sql)
{
	PGresult *r = sql_query(l, "pg-verify", sql, 0, NULL);
	uint64_t v;

	if (!r)
		loader_fail(l, 3);
	v = PQntuples(r) ? strtoull(PQgetvalue(r, 0, 0), NULL, 10) : 0;
	PQclear(r);
	return v;
}

/*
 * Run a listing query row by row (constant memory): each row is a
 * difference of this status; write it while fewer than the limit have
 * been; return how many there were.  Column 0 is the key's JSON, column 1
 * (when there is one) the changed columns or the duplicate count.
 */
static uint64_t
list(struct loader *l, struct verify_options *vo, const struct target *t,
     const char *status, const char *sql, uint64_t *listed_so_far)
{
	PGresult *r;
	uint64_t n = 0;
	struct buf line = BUF_INIT;

	if (!PQsendQuery(l->conn, sql) || !PQsetSingleRowMode(l->conn)) {
		warnx("%s: %s", t->display, PQerrorMessage(l->conn));
		loader_fail(l, 3);
	}
	while ((r = PQgetResult(l->conn))) {
		if (PQresultStatus(r) == PGRES_SINGLE_TUPLE) {
			n++;
			if (*listed_so_far < vo->limit) {
				++*listed_so_far;
				buf_reset(&line);
				buf_adds(&line, "{\"status\":");
				json_write_string(&line, status,
						  strlen(status));
				buf_adds(&line, ",\"table\":");
				json_write_string(&line, t->display,
						  strlen(t->display));
				buf_adds(&line, ",\"key\":");
				json_compact(&line, PQgetvalue(r, 0, 0),
					     (size_t)PQgetlength(r, 0, 0));
				if (PQnfields(r) > 1)
					buf_addf(&line, ",\"%s\":%s",
						 strcmp(status, "duplicate")
							 ? "columns"
							 : "count",
						 PQgetvalue(r, 0, 1));
				buf_adds(&line, "}\n");
				if (fwrite(line.data, 1, line.len,
					   vo->report) != line.len)
					err(3, "report");
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
	buf_release(&line);
	return n;
}

/*
 * The table's own rows in the window, as T: a subquery when --where is
 * given, so that its names are the table's alone (never the stage's)
 */
static void
target_rows(struct buf *s, const struct target *t,
	    const struct verify_options *vo)
{
	if (vo->where)
		buf_addf(s, "(SELECT * FROM %s WHERE (%s)) T", t->qualified,
			 vo->where);
	else
		buf_addf(s, "%s T", t->qualified);
}

static int
verify_one(struct loader *l, struct verify_options *vo, struct target *t,
	   struct counts *n, uint64_t *listed_so_far)
{
	struct buf *s = &l->sql, cmp = BUF_INIT, names = BUF_INIT;
	char *lit;
	int i, ncmp = 0;

	memset(n, 0, sizeof(*n));
	n->invalid = t->rejected;
	buf_reset(s);
	buf_adds(s, "SELECT count(*) FROM ");
	target_rows(s, t, vo);
	n->target = scalar(l, s->data);
	if (vo->mode == 2) { /* count */
		n->source = t->loaded;
		return 0;
	}
	/* a key must name one row of the table, or nothing can be said */
	buf_reset(s);
	buf_adds(s, "SELECT count(*) FROM (SELECT 1 FROM ");
	target_rows(s, t, vo);
	buf_adds(s, " GROUP BY ");
	keys(s, t, "T.");
	buf_adds(s, " HAVING count(*) > 1 LIMIT 1) d");
	if (scalar(l, s->data)) {
		buf_reset(s);
		keys(s, t, "");
		warnx("--key: (%s) names more than one row of %s", s->data,
		      t->display);
		return 2;
	}
	buf_reset(s);
	buf_addf(s, "CREATE INDEX ON %s (", t->stage);
	keys(s, t, "");
	buf_addf(s, "); ANALYZE %s", t->stage);
	if (sql_exec(l, s->data) < 0)
		loader_fail(l, 3);
	buf_reset(s);
	buf_addf(s, "SELECT count(*) FROM %s", t->stage);
	n->source = scalar(l, s->data);

	/* duplicate: a key the stream has more than once */
	buf_reset(s);
	buf_adds(s, "SELECT ");
	key_json(s, l->conn, t, "S.");
	buf_addf(s, ", count(*) FROM %s S GROUP BY ", t->stage);
	keys(s, t, "S.");
	buf_adds(s, " HAVING count(*) > 1 ORDER BY ");
	keys(s, t, "S.");
	n->duplicate = list(l, vo, t, "duplicate", s->data, listed_so_far);

	/* missing: in the stream, not in the table */
	buf_reset(s);
	buf_adds(s, "SELECT ");
	key_json(s, l->conn, t, "S.");
	buf_addf(s, " FROM %s S WHERE NOT EXISTS (SELECT 1 FROM ", t->stage);
	target_rows(s, t, vo);
	buf_adds(s, " WHERE ");
	join(s, t);
	buf_adds(s, ") GROUP BY ");
	keys(s, t, "S.");
	buf_adds(s, " ORDER BY ");
	keys(s, t, "S.");
	n->missing = list(l, vo, t, "missing", s->data, listed_so_far);

	/* extra: in the table, not in the stream */
	buf_reset(s);
	buf_adds(s, "SELECT ");
	key_json(s, l->conn, t, "T.");
	buf_adds(s, " FROM ");
	target_rows(s, t, vo);
	buf_addf(s, " WHERE NOT EXISTS (SELECT 1 FROM %s S WHERE ", t->stage);
	join(s, t);
	buf_adds(s, ") ORDER BY ");
	keys(s, t, "T.");
	n->extra = list(l, vo, t, "extra", s->data, listed_so_far);

	/* changed: the columns compared, those the stream has (or named) */
	for (i = 0; i < t->ncol; i++) {
		struct column *c = &t->col[i];
		if (c->key || c->generated ||
		    !(vo->columns ? listed(vo->columns, c) : t->seen[i]) ||
		    (vo->ignore && listed(vo->ignore, c)))
			continue;
		if (ncmp++) {
			buf_adds(&cmp, " OR ");
			buf_adds(&names, ", ");
		}
		buf_addf(&cmp,
			 by_text(c) ? "S.%s::text IS DISTINCT FROM T.%s::text"
				    : "S.%s IS DISTINCT FROM T.%s",
			 c->quoted, c->quoted);
		lit = PQescapeLiteral(l->conn, c->name, c->namelen);
		buf_addf(&names,
			 by_text(c) ? "CASE WHEN S.%s::text IS DISTINCT FROM "
				      "T.%s::text THEN %s END"
				    : "CASE WHEN S.%s IS DISTINCT FROM T.%s "
				      "THEN %s END",
			 c->quoted, c->quoted, lit);
		PQfreemem(lit);
	}
	if (ncmp) {
		buf_reset(s);
		buf_adds(s, "SELECT ");
		key_json(s, l->conn, t, "S.");
		buf_addf(s,
			 ", pg_catalog.array_to_json(pg_catalog.array_remove("
			 "ARRAY[%s]::text[], NULL))::text FROM %s S JOIN ",
			 names.data, t->stage);
		target_rows(s, t, vo);
		buf_adds(s, " ON ");
		join(s, t);
		buf_adds(s, " WHERE ");
		/* a duplicated key is reported as that, not as changed */
		buf_addf(s, "(%s) AND NOT EXISTS (SELECT 1 FROM %s S2 WHERE ",
			 cmp.data, t->stage);
		for (i = 0, ncmp = 0; i < t->ncol; i++)
			if (t->col[i].key)
				buf_addf(s, "%sS2.%s = S.%s",
					 ncmp++ ? " AND " : "",
					 t->col[i].quoted, t->col[i].quoted);
		buf_adds(s, " AND S2.ndjson_migrate_ord <> "
			    "S.ndjson_migrate_ord) ORDER BY ");
		keys(s, t, "S.");
		n->changed = list(l, vo, t, "changed", s->data, listed_so_far);
	}
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
	int i, rc = 0, r;

	buf_adds(&sum, "{\"summary\":{\"tables\":[");
	for (i = 0; i < l->nt; i++) {
		struct target *t = l->t[i];
		if ((r = verify_one(l, vo, t, &n, &listed_so_far)) > rc)
			rc = r;
		if (r)
			continue;
		if (n.missing || n.extra || n.changed || n.duplicate ||
		    n.invalid || n.source != n.target)
			rc = rc > 1 ? rc : 1;
		buf_addf(&sum, "%s{\"table\":", i ? "," : "");
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
	buf_addf(&sum, "],\"invalid\":%llu,\"status\":%d}}\n",
		 (unsigned long long)l->rejected, rc);
	if (fwrite(sum.data, 1, sum.len, vo->report) != sum.len)
		err(3, "report");
	buf_release(&sum);
	return rc;
}
