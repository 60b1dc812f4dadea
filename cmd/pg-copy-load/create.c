/*
 * create.c: --create, a missing table made from the first records written
 * to it: a column per key, its type inferred from the values (the rules are
 * in pg-copy-load(1)), or from a DDL file.
 */
#include <err.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "copybin.h"
#include "load.h"
#include "pgconn.h"
#include "sqltext.h"

/* What the values of one key have been so far; the column type joins them. */
enum infer {
	INF_NONE, /* only nulls */
	INF_BOOL,
	INF_BIGINT,
	INF_NUMERIC, /* a fraction, or an integer beyond 64 bits */
	INF_DOUBLE,  /* written with an exponent */
	INF_DATE,
	INF_TIMESTAMP,	 /* ISO 8601 date and time, no offset */
	INF_TIMESTAMPTZ, /* ISO 8601 date and time with an offset */
	INF_TEXT,
	INF_BYTEA,
	INF_JSONB,
};

static const char *const pg_name[] = {
	"text",	 "boolean",   "bigint",	     "numeric", "double precision",
	"date",	 "timestamp", "timestamptz", "text",	"bytea",
	"jsonb",
};

struct key {
	char *name;
	enum infer type;    /* of every value but the non-finite spellings */
	int nonfinite;	    /* a "NaN", "Infinity" or "-Infinity" string */
	int double_inexact; /* a number no double holds as written */
};

/* The contract's spelling of a double that is not finite? */
static int
nonfinite(const struct json_value *v)
{
	return v->type == JSON_STRING && !v->escaped &&
	       ((v->len == 3 && memcmp(v->p, "NaN", 3) == 0) ||
		(v->len == 8 && memcmp(v->p, "Infinity", 8) == 0) ||
		(v->len == 9 && memcmp(v->p, "-Infinity", 9) == 0));
}

/* Does a double hold the JSON number v exactly as written? */
static int
double_exact(const struct json_value *v, struct buf *tmp)
{
	double d = strtod(v->p, NULL);

	buf_reset(tmp);
	json_write_double(tmp, d);
	return isfinite(d) &&
	       json_number_same(v->p, v->len, tmp->data, tmp->len);
}

static enum infer
kind_of(const struct json_value *v, struct buf *tmp)
{
	struct buf out = BUF_INIT;
	enum infer k = INF_JSONB;

	switch (v->type) {
	case JSON_NULL:
		return INF_NONE;
	case JSON_TRUE:
	case JSON_FALSE:
		return INF_BOOL;
	case JSON_NUMBER:
		if (memchr(v->p, 'e', v->len) || memchr(v->p, 'E', v->len))
			/* a double only when it holds the value as written */
			return double_exact(v, tmp) ? INF_DOUBLE : INF_NUMERIC;
		if (!v->integer)
			return INF_NUMERIC;
		return copy_binary_value(&out, v, BIN_INT8, tmp) == 0
			       ? (buf_release(&out), INF_BIGINT)
			       : (buf_release(&out), INF_NUMERIC);
	case JSON_STRING:
		/* the binary encoder's strict ISO 8601 reading */
		if (copy_binary_value(&out, v, BIN_DATE, tmp) == 0)
			k = INF_DATE;
		else if (copy_binary_value(&out, v, BIN_TIMESTAMPTZ, tmp) == 0)
			k = INF_TIMESTAMPTZ;
		else if (copy_binary_value(&out, v, BIN_TIMESTAMP, tmp) == 0)
			k = INF_TIMESTAMP;
		else
			k = INF_TEXT;
		buf_release(&out);
		return k;
	case JSON_OBJECT:
		buf_reset(tmp);
		return json_binary_decode(v, tmp) == 1 ? INF_BYTEA : INF_JSONB;
	case JSON_ARRAY:
		return INF_JSONB;
	}
	return INF_JSONB;
}

/* The type that holds values of both kinds without changing any. */
static enum infer
join(enum infer a, enum infer b)
{
	if (a == INF_NONE)
		return b;
	if (b == INF_NONE || a == b)
		return a;
	if ((a == INF_BIGINT || a == INF_NUMERIC || a == INF_DOUBLE) &&
	    (b == INF_BIGINT || b == INF_NUMERIC || b == INF_DOUBLE))
		return INF_NUMERIC; /* exact for every finite number */
	return INF_JSONB;	    /* any JSON value, kept as it was */
}

/*
 * Take value v into what k has held: a number of any kind among the
 * non-finite spellings makes double precision when a double holds each
 * number as written, else numeric (which holds NaN and the infinities
 * too); those spellings alone, or among other strings, are text.
 */
static void
key_take(struct key *k, const struct json_value *v, struct buf *tmp)
{
	if (nonfinite(v)) {
		k->nonfinite = 1;
		return;
	}
	if (v->type == JSON_NUMBER && !double_exact(v, tmp))
		k->double_inexact = 1;
	k->type = join(k->type, kind_of(v, tmp));
}

static enum infer
key_type(const struct key *k)
{
	if (!k->nonfinite)
		return k->type;
	switch (k->type) {
	case INF_BIGINT:
	case INF_NUMERIC:
	case INF_DOUBLE:
		return k->double_inexact ? INF_NUMERIC : INF_DOUBLE;
	case INF_NONE:
	case INF_TEXT:
		return INF_TEXT;
	default:
		return INF_JSONB;
	}
}

static void
fold(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s += 32;
}

/* The quoted name to create: -t's parts through parse_ident, or a plain name.
 */
static int
table_name(struct loader *l, const char *name, int routed, struct buf *out)
{
	const char *p[1] = {name};
	PGresult *r;
	char *q, *part;
	int i, n;

	buf_reset(out);
	if (routed) {
		/*
		 * SCHEMA.TABLE (split at the first dot) when that schema
		 * exists, as a routed name is looked up; else one name
		 */
		const char *dot = strchr(name, '.');
		part = xstrdup(dot ? dot + 1 : name);
		if (dot) {
			struct buf schema = BUF_INIT;
			buf_add(&schema, name, (size_t)(dot - name));
			p[0] = schema.data;
			r = PQexecParams(
				l->conn,
				"SELECT nspname FROM pg_catalog.pg_namespace"
				" WHERE lower(nspname) = lower($1)"
				" ORDER BY nspname = $1 DESC LIMIT 1",
				1, NULL, p, NULL, NULL, 0);
			buf_release(&schema);
			if (PQresultStatus(r) == PGRES_TUPLES_OK &&
			    PQntuples(r) == 1) {
				q = PQescapeIdentifier(
					l->conn, PQgetvalue(r, 0, 0),
					strlen(PQgetvalue(r, 0, 0)));
				buf_addf(out, "%s.", q);
				PQfreemem(q);
			} else {
				free(part);
				part = xstrdup(name);
			}
			PQclear(r);
		}
		if (!l->o->keep_case)
			fold(part);
		q = PQescapeIdentifier(l->conn, part, strlen(part));
		buf_adds(out, q);
		PQfreemem(q);
		free(part);
		return 0;
	}
	r = PQexecParams(l->conn, "SELECT unnest(pg_catalog.parse_ident($1))",
			 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		buf_reset(&l->msg);
		pgconn_describe(&l->msg, l->conn, r);
		warnx("--create: %s: %s", name, l->msg.data);
		PQclear(r);
		return -1;
	}
	n = PQntuples(r);
	for (i = 0; i < n; i++) {
		/* parse_ident has folded the unquoted parts already */
		q = PQescapeIdentifier(l->conn, PQgetvalue(r, i, 0),
				       strlen(PQgetvalue(r, i, 0)));
		buf_addf(out, "%s%s", i ? "." : "", q);
		PQfreemem(q);
	}
	PQclear(r);
	return 0;
}

static int
read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "r");
	char chunk[8192];
	size_t n;

	if (!f) {
		warn("--create: %s", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	if (ferror(f)) {
		warn("--create: %s", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* --hypertable's time column, folded as --create folds names. */
static void
hypertable_column(struct loader *l, struct buf *col)
{
	buf_add(col, l->o->hypertable, strcspn(l->o->hypertable, ":"));
	if (!l->o->keep_case)
		fold(col->data);
}

/* Is TimescaleDB installed in this database?  1 yes, 0 no, -1 error. */
static int
have_timescaledb(struct loader *l)
{
	return catalog_has(l, "--hypertable",
			   "timescaledb_information.dimensions");
}

/*
 * --distribute=COLUMN[:COLOCATE_WITH], --reference: the table just made
 * becomes a Citus distributed table on COLUMN (folded as --create folds
 * names) or a reference table, in the load's transaction.
 */
static int
make_citus(struct loader *l, const char *table)
{
	struct buf col = BUF_INIT;
	const char *colon, *param[3];
	PGresult *r;
	int h;

	if ((h = catalog_has(l, "--create", "pg_catalog.pg_dist_partition")) <=
	    0) {
		if (h == 0) {
			warnx("--%s: Citus is not installed in this database "
			      "(CREATE EXTENSION citus)",
			      l->o->reference ? "reference" : "distribute");
			loader_fail(l, 2);
		}
		return -1;
	}
	param[0] = table;
	if (l->o->reference) {
		r = sql_query(l, "--reference",
			      "SELECT pg_catalog.create_reference_table("
			      "$1::pg_catalog.regclass)::text",
			      1, param);
	} else {
		colon = strchr(l->o->distribute, ':');
		buf_add(&col, l->o->distribute,
			colon ? (size_t)(colon - l->o->distribute)
			      : strlen(l->o->distribute));
		if (!l->o->keep_case)
			fold(col.data);
		param[1] = col.data;
		param[2] = colon ? colon + 1 : "default";
		r = sql_query(
			l, "--distribute",
			"SELECT pg_catalog.create_distributed_table("
			"$1::pg_catalog.regclass, $2, colocate_with => $3)"
			"::text",
			3, param);
	}
	buf_release(&col);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/*
 * --hypertable=COLUMN[:INTERVAL]: the table just made becomes a TimescaleDB
 * hypertable on that time column (folded as --create folds names), chunks
 * of INTERVAL when given; values travel as parameters.
 */
static int
make_hypertable(struct loader *l, const char *table)
{
	struct buf col = BUF_INIT;
	const char *colon = strchr(l->o->hypertable, ':');
	const char *param[3];
	PGresult *r;
	int h;

	hypertable_column(l, &col);
	if ((h = have_timescaledb(l)) <= 0) {
		buf_release(&col);
		if (h == 0) {
			warnx("--hypertable: TimescaleDB is not installed in "
			      "this "
			      "database (CREATE EXTENSION timescaledb)");
			loader_fail(l, 2);
		}
		return -1;
	}
	param[0] = table;
	param[1] = col.data;
	param[2] = colon ? colon + 1 : NULL;
	r = sql_query(
		l, "--hypertable",
		colon ? "SELECT create_hypertable($1::regclass, $2::name,"
			" chunk_time_interval => $3::interval)"
		      : "SELECT create_hypertable($1::regclass, $2::name)",
		colon ? 3 : 2, param);
	buf_release(&col);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/*
 * --hypertable: is the table a hypertable on that time column?  1 yes, 0 no,
 * -2 no TimescaleDB in the database, -1 the query failed (said why).
 */
int
hypertable_check(struct loader *l, const char *qualified)
{
	struct buf col = BUF_INIT;
	const char *param[2];
	PGresult *r;
	int yes;

	hypertable_column(l, &col);
	param[0] = qualified;
	param[1] = col.data;
	/* no TimescaleDB: no view to ask (asking would abort the load's
	 * transaction), and no hypertable */
	if ((yes = have_timescaledb(l)) <= 0) {
		buf_release(&col);
		return yes < 0 ? -1 : -2;
	}
	r = sql_query(l, "--hypertable",
		      "SELECT count(*) FROM timescaledb_information.dimensions"
		      " WHERE pg_catalog.format('%I.%I', hypertable_schema,"
		      " hypertable_name)::pg_catalog.regclass ="
		      " $1::pg_catalog.regclass"
		      " AND column_name = $2 AND dimension_type = 'Time'",
		      2, param);
	buf_release(&col);
	if (!r)
		return -1;
	yes = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return yes;
}

/*
 * Loads started side by side (make -j, one per part) may each find the
 * table missing.  Under a lock on the name, held until the transaction
 * ends, the first makes it; the others wait, and their CREATE finds the
 * table made (42P07: a name looked up before the wait can be cached as
 * missing, so the CREATE itself is the check).  SQL (a CREATE TABLE or
 * --create-ddl's file) is run under a savepoint: 0 made here, 1 made
 * meanwhile by another session, -1 after a message.
 */
static int
create_run(struct loader *l, const char *quoted, const char *sql)
{
	const char *p[1] = {quoted};
	PGresult *r = sql_query(l, "--create",
				"SELECT pg_catalog.pg_advisory_xact_lock("
				"pg_catalog.hashtextextended('ndjson-migrate "
				"create ' || $1, 0))",
				1, p);
	int made;

	if (!r)
		return -1;
	PQclear(r);
	if (sql_exec(l, "SAVEPOINT ndjson_migrate_create") < 0)
		return -1;
	r = PQexec(l->conn, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK) {
		PQclear(r);
		return sql_exec(l, "RELEASE ndjson_migrate_create");
	}
	note_error(l, r);
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, l->conn, r);
	PQclear(r);
	if (strcmp(l->sqlstate, "42P07") != 0 ||
	    sql_exec(l, "ROLLBACK TO ndjson_migrate_create") < 0 ||
	    (made = catalog_has(l, "--create", quoted)) == 0) {
		/* another relation of that name, or not the table's */
		warnx("%s", l->msg.data);
		return -1;
	}
	if (made < 0)
		return -1;
	if (!l->o->quiet)
		warnx("--create: %s was made meanwhile by another session",
		      quoted);
	return 1;
}

int
create_table(struct loader *l, const char *name, int routed,
	     const struct pending *pd)
{
	struct key *keys = NULL;
	struct buf sql = BUF_INIT, tname = BUF_INIT;
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	size_t i;
	int nk = 0, j, rc = -1;
	char *q;

	if (table_name(l, name, routed, &tname) < 0)
		goto out;
	if (l->o->create_ddl) {
		if (read_file(l->o->create_ddl, &sql) == 0)
			rc = create_run(l, tname.data, sql.data) < 0 ? -1 : 0;
		goto out;
	}
	for (i = 0; i < pd->n; i++) {
		const char *p = pd->raw.data + pd->rec[i].off;
		if (json_object_open(&it, p, pd->rec[i].len, &je) < 0)
			continue;
		while (json_object_next(&it, &k, &v, &je) > 0) {
			const char *kp;
			size_t kn;
			buf_reset(&l->key);
			json_unescape(&l->key, k.p, k.len);
			kp = l->key.data;
			kn = l->key.len;
			/* "$table" and the like load nothing: the records
			 * that have them are rejected */
			if (!json_data_key(&kp, &kn) || memchr(kp, '\0', kn))
				continue;
			if (!l->o->keep_case)
				fold((char *)kp);
			for (j = 0; j < nk; j++) {
				size_t cj, ck;
				if (strcmp(keys[j].name, kp) == 0)
					break;
				cj = sql_name_cut(keys[j].name,
						  strlen(keys[j].name));
				ck = sql_name_cut(kp, strlen(kp));
				if (cj == ck &&
				    memcmp(keys[j].name, kp, cj) == 0) {
					/* one column to the server: refused,
					 * never two keys silently merged */
					warnx("--create: %s: keys \"%s\" and "
					      "\"%s\" are both column \"%.*s\" "
					      "in PostgreSQL (names are cut to "
					      "63 bytes)",
					      name, keys[j].name, kp, (int)cj,
					      kp);
					goto out;
				}
			}
			if (j == nk) {
				keys = realloc(keys, (size_t)(nk + 1) *
							     sizeof(*keys));
				if (!keys)
					loader_oom(0);
				memset(&keys[nk], 0, sizeof(keys[nk]));
				keys[nk].name = xstrdup(kp);
				keys[nk++].type = INF_NONE;
			}
			key_take(&keys[j], &v, &l->tmp);
		}
	}
	if (nk == 0) {
		warnx("--create: %s: no record to take columns from", name);
		goto out;
	}
	buf_addf(&sql, "CREATE %sTABLE %s (", l->o->unlogged ? "UNLOGGED " : "",
		 tname.data);
	for (j = 0; j < nk; j++) {
		q = PQescapeIdentifier(l->conn, keys[j].name,
				       strlen(keys[j].name));
		buf_addf(&sql, "%s%s %s", j ? ", " : "", q,
			 pg_name[key_type(&keys[j])]);
		PQfreemem(q);
	}
	buf_addch(&sql, ')');
	if ((rc = create_run(l, tname.data, sql.data)) != 0) {
		rc = rc > 0 ? 0 : -1;
		goto out;
	}
	if (!l->o->quiet)
		warnx("created: %s", sql.data);
	if (rc == 0 && l->o->hypertable)
		rc = make_hypertable(l, tname.data);
	if (rc == 0 && (l->o->distribute || l->o->reference))
		rc = make_citus(l, tname.data);
out:
	for (j = 0; j < nk; j++)
		free(keys[j].name);
	free(keys);
	buf_release(&sql);
	buf_release(&tname);
	return rc;
}
