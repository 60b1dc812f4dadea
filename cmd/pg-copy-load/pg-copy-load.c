/* pg-copy-load: load NDJSON records into a PostgreSQL table through COPY. */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "buf.h"
#include "copyenc.h"
#include "errinfo.h"
#include "json.h"
#include "ndjson.h"
#include "pgconn.h"

#define FLUSH_AT 65536

struct options {
	const char *conninfo;
	const char *table;
	int ignore_unknown;
	int quiet;
	size_t max_record;
};

struct column {
	char *name;
	size_t namelen;
	char *quoted; /* by PQescapeIdentifier */
	enum col_kind kind;
	int generated;
};

/* A stretch of COPY rows that came from consecutive lines of one file. */
struct run {
	uint64_t row0, line0;
	const char *file;
};

struct loader {
	const struct options *o;
	PGconn *conn;
	char *qualified; /* "schema"."table", quoted */
	char *display;	 /* schema.table, for messages */
	struct column *col;
	int ncol;
	struct json_value *slot;
	unsigned char *present, *copy_set;
	int *guess; /* per key position: the column it matched last */
	unsigned char *guess_ci;
	int nguess;
	int in_copy;
	struct run *runs;
	size_t nruns, capruns;
	uint64_t copy_rows, nread, loaded;
	struct buf out, tmp, key, msg;
};

static const char synopsis[] =
	"usage: pg-copy-load [-hqV] [-d CONNINFO] [--ignore-unknown] "
	"[--max-record=BYTES]\n"
	"       -t TABLE [FILE ...]\n";

static void
usage(void)
{
	fputs(synopsis, stderr);
	exit(2);
}

static void
help(void)
{
	fputs(synopsis + 7, stdout);
	fputs("\nLoad NDJSON records (ndjson-migrate(7)) into an existing "
	      "PostgreSQL table\nthrough COPY, in one transaction: all records "
	      "or none.\n\n"
	      "  -d, --dbname=CONNINFO  connection string or URL (default: "
	      "libpq's PG* environment)\n"
	      "  -t, --table=TABLE      target table, psql rules: unquoted "
	      "folds, \"Quoted\" keeps\n"
	      "      --ignore-unknown   drop keys that match no column "
	      "(default: an error)\n"
	      "      --max-record=BYTES largest record accepted (default "
	      "268435456)\n"
	      "  -q, --quiet            no summary on stderr\n"
	      "  -h, --help             this help\n"
	      "  -V, --version          the version\n",
	      stdout);
	exit(0);
}

static void __attribute__((noreturn)) oom(size_t want)
{
	errx(3, "out of memory (wanted %zu bytes)", want);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p)
		oom(n * size);
	return p;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exit status for a server error: 1 for the data classes, else 3. */
static int
status_for(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (s && (strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0))
		return 1;
	return 3;
}

static void
summary(struct loader *l, double t0, const char *how)
{
	double secs = now() - t0;

	if (l->o->quiet)
		return;
	fprintf(stderr,
		"pg-copy-load: %s: %llu read, %llu loaded, %.2f s, %.0f "
		"rows/s%s\n",
		l->display, (unsigned long long)l->nread,
		(unsigned long long)l->loaded, secs,
		secs > 0 ? (double)l->loaded / secs : 0.0, how);
}

/*
 * Give up: abort the COPY, roll back, say so, exit.  Nothing is committed,
 * so the summary says 0 loaded.
 */
static void __attribute__((noreturn))
fail(struct loader *l, double t0, int status)
{
	PGresult *r;

	if (l->in_copy && PQputCopyEnd(l->conn, "aborted by pg-copy-load") == 1)
		while ((r = PQgetResult(l->conn)))
			PQclear(r);
	l->in_copy = 0;
	PQclear(PQexec(l->conn, "ROLLBACK"));
	l->loaded = 0;
	summary(l, t0, ", rolled back");
	PQfinish(l->conn);
	exit(status);
}

static void
sql_fail(struct loader *l, double t0, const char *what, PGresult *res)
{
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, l->conn, res);
	warnx("%s: %s", what, l->msg.data);
	PQclear(res);
	fail(l, t0, 3);
}

/* Resolve -t as psql would (regclass) and read the table's columns. */
static int
describe_table(struct loader *l)
{
	const char *param[1] = {l->o->table};
	PGresult *r;
	char *q, oid[16];
	int i;

	r = PQexecParams(
		l->conn,
		"SELECT c.oid::text, n.nspname, c.relname"
		" FROM pg_catalog.pg_class c"
		" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		" WHERE c.oid = $1::pg_catalog.regclass",
		1, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		buf_reset(&l->msg);
		pgconn_describe(&l->msg, l->conn, r);
		warnx("table %s: %s", l->o->table, l->msg.data);
		PQclear(r);
		return -1;
	}
	l->display = xcalloc(1, strlen(PQgetvalue(r, 0, 1)) +
					strlen(PQgetvalue(r, 0, 2)) + 2);
	sprintf(l->display, "%s.%s", PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
	buf_reset(&l->msg);
	q = PQescapeIdentifier(l->conn, PQgetvalue(r, 0, 1),
			       strlen(PQgetvalue(r, 0, 1)));
	buf_adds(&l->msg, q);
	PQfreemem(q);
	buf_addch(&l->msg, '.');
	q = PQescapeIdentifier(l->conn, PQgetvalue(r, 0, 2),
			       strlen(PQgetvalue(r, 0, 2)));
	buf_adds(&l->msg, q);
	PQfreemem(q);
	l->qualified = strdup(l->msg.data);
	snprintf(oid, sizeof(oid), "%s", PQgetvalue(r, 0, 0));
	param[0] = oid;
	PQclear(r);

	r = PQexecParams(
		l->conn,
		"SELECT a.attname, b.typname, b.typcategory,"
		" a.attgenerated <> ''"
		" FROM pg_catalog.pg_attribute a"
		" JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
		" JOIN pg_catalog.pg_type b ON b.oid = CASE WHEN t.typtype = "
		"'d'"
		"   THEN t.typbasetype ELSE t.oid END"
		" WHERE a.attrelid = $1::pg_catalog.oid AND a.attnum > 0"
		" AND NOT a.attisdropped ORDER BY a.attnum",
		1, NULL, param, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		buf_reset(&l->msg);
		pgconn_describe(&l->msg, l->conn, r);
		warnx("table %s: %s", l->display, l->msg.data);
		PQclear(r);
		return -1;
	}
	l->ncol = PQntuples(r);
	l->col = xcalloc((size_t)l->ncol, sizeof(*l->col));
	for (i = 0; i < l->ncol; i++) {
		struct column *c = &l->col[i];
		const char *typ = PQgetvalue(r, i, 1);

		c->name = strdup(PQgetvalue(r, i, 0));
		c->namelen = strlen(c->name);
		c->quoted = PQescapeIdentifier(l->conn, c->name, c->namelen);
		if (!c->name || !c->quoted)
			oom(0);
		if (strcmp(typ, "bytea") == 0)
			c->kind = KIND_BYTEA;
		else if (strcmp(typ, "json") == 0 || strcmp(typ, "jsonb") == 0)
			c->kind = KIND_JSON;
		else if (PQgetvalue(r, i, 2)[0] == 'A')
			c->kind = KIND_ARRAY;
		else
			c->kind = KIND_PLAIN;
		c->generated = PQgetvalue(r, i, 3)[0] == 't';
	}
	PQclear(r);
	l->slot = xcalloc((size_t)l->ncol, sizeof(*l->slot));
	l->present = xcalloc((size_t)l->ncol, 1);
	l->copy_set = xcalloc((size_t)l->ncol, 1);
	return 0;
}

/*
 * The column for a key: exactly first, then case-insensitively when one
 * column matches (ndjson-migrate(7)).  Records mostly repeat their key
 * order, so the column the key at this position matched last is tried
 * first.  Returns the column, -1 for none, -2 when ambiguous.
 */
static int
match_key(struct loader *l, const struct json_value *k, int pos)
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
	if (pos < l->nguess && l->guess[pos] >= 0) {
		struct column *c = &l->col[l->guess[pos]];
		if (c->namelen == kn &&
		    (l->guess_ci[pos] ? strncasecmp(c->name, kp, kn) == 0
				      : memcmp(c->name, kp, kn) == 0))
			return l->guess[pos];
	}
	for (i = 0; i < l->ncol; i++)
		if (l->col[i].namelen == kn &&
		    memcmp(l->col[i].name, kp, kn) == 0)
			break;
	if (i < l->ncol) {
		found = i;
	} else {
		for (i = 0; i < l->ncol; i++)
			if (l->col[i].namelen == kn &&
			    strncasecmp(l->col[i].name, kp, kn) == 0) {
				found = i;
				n++;
			}
		if (n > 1)
			return -2;
	}
	if (found >= 0 && pos < l->nguess) {
		l->guess[pos] = found;
		l->guess_ci[pos] = n > 0;
	}
	return found;
}

static void
start_copy(struct loader *l, double t0)
{
	struct buf sql = BUF_INIT;
	PGresult *r;
	int i, n = 0;

	buf_addf(&sql, "COPY %s (", l->qualified);
	for (i = 0; i < l->ncol; i++)
		if (l->present[i]) {
			if (n++)
				buf_adds(&sql, ", ");
			buf_adds(&sql, l->col[i].quoted);
		}
	buf_adds(&sql, ") FROM STDIN");
	r = PQexec(l->conn, sql.data);
	buf_release(&sql);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		sql_fail(l, t0, "cannot start COPY", r);
	PQclear(r);
	memcpy(l->copy_set, l->present, (size_t)l->ncol);
	l->in_copy = 1;
	l->copy_rows = 0;
	l->nruns = 0;
}

/* Which input line COPY's line number n (1-based) came from. */
static const struct run *
line_of(struct loader *l, uint64_t n, uint64_t *line)
{
	size_t i;

	for (i = l->nruns; i-- > 0;)
		if (l->runs[i].row0 <= n - 1) {
			*line = l->runs[i].line0 + (n - 1 - l->runs[i].row0);
			return &l->runs[i];
		}
	return NULL;
}

/* Report a server error that ended the COPY, with the input line. */
static void __attribute__((noreturn))
copy_error(struct loader *l, double t0, PGresult *r)
{
	const char *ctx = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
	const char *p, *colname = NULL;
	unsigned long long n = 0;
	uint64_t line;
	const struct run *run = NULL;
	size_t collen = 0;
	int status = status_for(r);

	/* CONTEXT: COPY t, line 3, column b: "x" */
	if (ctx && strncmp(ctx, "COPY ", 5) == 0 &&
	    (p = strstr(ctx, ", line ")) && sscanf(p + 7, "%llu", &n) == 1) {
		run = line_of(l, n, &line);
		if ((p = strstr(p, ", column ")) != NULL) {
			colname = p + 9;
			collen = strcspn(colname, ":\n");
		}
	}
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, l->conn, r);
	if (run && colname)
		warnx("%s:%llu: column %.*s: %s", run->file,
		      (unsigned long long)line, (int)collen, colname,
		      l->msg.data);
	else if (run)
		warnx("%s:%llu: %s", run->file, (unsigned long long)line,
		      l->msg.data);
	else
		warnx("%s: %s", l->display, l->msg.data);
	PQclear(r);
	l->in_copy = 0;
	fail(l, t0, status);
}

static void
send_rows(struct loader *l, double t0)
{
	if (!l->out.len)
		return;
	if (PQputCopyData(l->conn, l->out.data, (int)l->out.len) != 1)
		copy_error(l, t0, PQgetResult(l->conn));
	buf_reset(&l->out);
}

static void
end_copy(struct loader *l, double t0)
{
	PGresult *r;

	send_rows(l, t0);
	if (PQputCopyEnd(l->conn, NULL) != 1)
		copy_error(l, t0, PQgetResult(l->conn));
	r = PQgetResult(l->conn);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		copy_error(l, t0, r);
	PQclear(r);
	while ((r = PQgetResult(l->conn)))
		PQclear(r);
	l->in_copy = 0;
	l->loaded += l->copy_rows;
}

static void __attribute__((format(printf, 5, 6), noreturn))
record_error(struct loader *l, double t0, const char *file, uint64_t line,
	     const char *fmt, ...)
{
	char m[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	warnx("%s:%llu: %s", file, (unsigned long long)line, m);
	fail(l, t0, 1);
}

static int
is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* One record: match its keys, (re)start COPY if its columns differ, encode. */
static void
load_record(struct loader *l, double t0, const char *file, uint64_t line,
	    const char *p, size_t n)
{
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	const char *why;
	int r, c, pos = 0, i, first;

	if (json_object_open(&it, p, n, &je) < 0)
		goto bad_json;
	memset(l->present, 0, (size_t)l->ncol);
	while ((r = json_object_next(&it, &k, &v, &je)) > 0) {
		if (k.len == 6 && memcmp(k.p, "$table", 6) == 0) {
			pos++;
			continue; /* routing field: -t wins */
		}
		c = match_key(l, &k, pos++);
		if (c == -2)
			record_error(l, t0, file, line,
				     "key \"%.*s\" matches several columns "
				     "case-insensitively",
				     (int)k.len, k.p);
		if (c < 0) {
			if (l->o->ignore_unknown)
				continue;
			record_error(l, t0, file, line,
				     "key \"%.*s\" matches no column of %s "
				     "(--ignore-unknown drops such keys)",
				     (int)k.len, k.p, l->display);
		}
		if (l->col[c].generated)
			record_error(l, t0, file, line,
				     "column %s is generated and cannot be "
				     "loaded",
				     l->col[c].name);
		if (l->present[c])
			record_error(l, t0, file, line,
				     "duplicate key \"%.*s\"", (int)k.len, k.p);
		l->present[c] = 1;
		l->slot[c] = v;
	}
	if (r < 0)
		goto bad_json;
	if (!memchr(l->present, 1, (size_t)l->ncol))
		record_error(l, t0, file, line,
			     "record has no column of %s to load", l->display);
	if (l->in_copy && memcmp(l->present, l->copy_set, (size_t)l->ncol))
		end_copy(l, t0);
	if (!l->in_copy)
		start_copy(l, t0);
	first = 1;
	for (i = 0; i < l->ncol; i++) {
		if (!l->present[i])
			continue;
		if (!first)
			buf_addch(&l->out, '\t');
		first = 0;
		if (copy_value(&l->out, &l->slot[i], l->col[i].kind, &l->tmp,
			       &why) < 0)
			record_error(l, t0, file, line, "column %s: %s",
				     l->col[i].name, why);
	}
	buf_addch(&l->out, '\n');
	/* remember where this COPY row came from */
	if (!l->nruns || l->runs[l->nruns - 1].file != file ||
	    l->runs[l->nruns - 1].line0 +
			    (l->copy_rows - l->runs[l->nruns - 1].row0) !=
		    line) {
		if (l->nruns == l->capruns) {
			l->capruns = l->capruns ? 2 * l->capruns : 64;
			l->runs =
				realloc(l->runs, l->capruns * sizeof(*l->runs));
			if (!l->runs)
				oom(0);
		}
		l->runs[l->nruns++] = (struct run){l->copy_rows, line, file};
	}
	l->copy_rows++;
	if (l->out.len >= FLUSH_AT)
		send_rows(l, t0);
	return;
bad_json:
	if (strncmp(je.msg, "not a JSON object", 17) == 0)
		record_error(l, t0, file, line, "%s", je.msg);
	record_error(l, t0, file, line, "invalid JSON: %s at byte %zu", je.msg,
		     je.offset + 1);
}

static int
run(struct loader *l, char **files, int nfiles)
{
	static char *stdin_only[] = {"-"};
	struct ndjson_reader rd;
	struct err e = {0};
	const char *line;
	size_t len;
	double t0 = now();
	int f, r;
	struct err ee;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	if (pgconn_exec(l->conn, "BEGIN", &ee) < 0)
		errx(3, "%s", ee.msg);
	l->nguess = 4096;
	l->guess = xcalloc((size_t)l->nguess, sizeof(*l->guess));
	l->guess_ci = xcalloc((size_t)l->nguess, 1);
	memset(l->guess, 0xff, (size_t)l->nguess * sizeof(*l->guess));
	for (f = 0; f < nfiles; f++) {
		if (ndjson_reader_open(&rd, files[f], l->o->max_record, &e) <
		    0) {
			warnx("%s", e.msg);
			fail(l, t0, e.code);
		}
		while ((r = ndjson_reader_next(&rd, &line, &len, &e)) > 0) {
			if (is_blank(line, len))
				continue;
			l->nread++;
			load_record(l, t0, rd.name, rd.lineno, line, len);
		}
		if (r < 0) {
			warnx("%s", e.msg);
			fail(l, t0, e.code);
		}
		/* rd.name must outlive the runs that point at it */
		if (l->in_copy && l->nruns)
			end_copy(l, t0);
		ndjson_reader_close(&rd);
	}
	if (l->in_copy)
		end_copy(l, t0);
	if (pgconn_exec(l->conn, "COMMIT", &ee) < 0) {
		warnx("commit failed: %s", ee.msg);
		fail(l, t0, 3);
	}
	summary(l, t0, "");
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{"ignore-unknown", no_argument, NULL, 'I'},
		{"max-record", required_argument, NULL, 'M'},
		{"quiet", no_argument, NULL, 'q'},
		{"table", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	struct options o = {.max_record = NDJSON_DEFAULT_MAX_LINE};
	struct loader l = {.o = &o};
	struct err e = {0};
	const char *env;
	char *end;
	int c, rc;

	buf_set_oom(oom);
	if ((env = getenv("NDJSON_MIGRATE_MAX_RECORD")) && *env) {
		errno = 0;
		o.max_record = strtoull(env, &end, 10);
		if (errno || *end || o.max_record == 0)
			errx(2,
			     "NDJSON_MIGRATE_MAX_RECORD: not a positive "
			     "number: %s",
			     env);
	}
	while ((c = getopt_long(argc, argv, "d:hqt:V", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.conninfo = optarg;
			break;
		case 'h':
			help();
			break;
		case 'I':
			o.ignore_unknown = 1;
			break;
		case 'M':
			errno = 0;
			o.max_record = strtoull(optarg, &end, 10);
			if (errno || *end || o.max_record == 0)
				usage();
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 't':
			o.table = optarg;
			break;
		case 'V':
			printf("pg-copy-load 0.1 (libpq %d)\n", PQlibVersion());
			return 0;
		default:
			usage();
		}
	}
	if (!o.table || !*o.table)
		usage();
	l.out = (struct buf)BUF_INIT;
	l.tmp = (struct buf)BUF_INIT;
	l.key = (struct buf)BUF_INIT;
	l.msg = (struct buf)BUF_INIT;
	if (!(l.conn = pgconn_open(o.conninfo, "pg-copy-load", &e)))
		errx(e.code, "%s", e.msg);
	rc = describe_table(&l) < 0 ? 2 : run(&l, argv + optind, argc - optind);
	PQfinish(l.conn);
	for (c = 0; c < l.ncol; c++) {
		free(l.col[c].name);
		PQfreemem(l.col[c].quoted);
	}
	free(l.col);
	free(l.slot);
	free(l.present);
	free(l.copy_set);
	free(l.guess);
	free(l.guess_ci);
	free(l.runs);
	free(l.qualified);
	free(l.display);
	buf_release(&l.out);
	buf_release(&l.tmp);
	buf_release(&l.key);
	buf_release(&l.msg);
	return rc;
}
