/*
 * batch.c: batches of rows into COPY, and what happens when PostgreSQL says
 * no: with rejects allowed, each batch runs under a savepoint; a bad row
 * named by COPY's line number is rejected and the rows before it applied
 * again, and an error that names no row (a foreign key checked at the end
 * of COPY) is narrowed down by bisection.  Also the rejects file, the
 * --resume ledger and the commits.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "pgconn.h"

#define STREAM_AT 65536

static void collect(struct loader *l, int i);

/* Bad rows are set aside, not the end of the load. */
static int
rejects_allowed(const struct loader *l)
{
	return l->o->max_rejects > 0 || l->o->dry_run;
}

/*
 * Each COPY under a savepoint: to set bad rows aside, or, for an upsert,
 * to find the row an INSERT's error does not name (a NULL key), or, into a
 * Citus table, the row behind a worker's error that names none
 */
static int
use_savepoints(const struct loader *l, const struct target *t)
{
	return rejects_allowed(l) || t->stage || t->distributed;
}

void
note_error(struct loader *l, const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	snprintf(l->sqlstate, sizeof(l->sqlstate), "%s", s ? s : "");
}

int
sql_exec(struct loader *l, const char *sql)
{
	PGresult *r = PQexec(l->conn, sql);

	if (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	note_error(l, r);
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, l->conn, r);
	warnx("%s", l->msg.data);
	PQclear(r);
	return -1;
}

PGresult *
sql_query(struct loader *l, const char *what, const char *sql, int n,
	  const char *const *params)
{
	PGresult *r =
		PQexecParams(l->conn, sql, n, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(r) == PGRES_TUPLES_OK)
		return r;
	note_error(l, r);
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, l->conn, r);
	warnx("%s: %s", what, l->msg.data);
	PQclear(r);
	return NULL;
}

void
txn_begin(struct loader *l)
{
	if (sql_exec(l, "BEGIN") < 0)
		loader_fail(l, 3);
	l->in_txn = 1;
}

/*
 * The rejects written so far, out of our buffer and on the disk: a row
 * the table does not take is in the file before the rows it does take
 * are committed, or nothing is committed.
 */
static void
rejects_sync(struct loader *l)
{
	if (!l->rejects)
		return;
	if (fflush(l->rejects) != 0 || (fsync(fileno(l->rejects)) != 0 &&
					errno != EINVAL && errno != EROFS)) {
		warn("%s", l->o->rejects);
		loader_fail(l, 3);
	}
}

void
txn_commit(struct loader *l)
{
	if (!l->o->dry_run)
		rejects_sync(l);
	if (l->o->dry_run) {
		if (sql_exec(l, "ROLLBACK") < 0)
			loader_fail(l, 3);
	} else if (sql_exec(l, "COMMIT") < 0) {
		warnx("commit failed");
		loader_fail(l, 3);
	} else {
		l->in_commit = 0;
		int i;
		l->committed = l->loaded;
		for (i = 0; i < l->nt; i++)
			l->t[i]->committed = l->t[i]->loaded;
	}
	l->in_txn = 0;
}

/*
 * An error a record's values caused: classes 22 (data exception) and 23
 * (integrity), and 54000, the limits a value can pass (an index row too
 * big for a btree, an array of 7 dimensions, a jsonb too large)
 */
static int
is_data_error(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s && (strncmp(s, "22", 2) == 0 || strncmp(s, "23", 2) == 0 ||
		     strcmp(s, "54000") == 0);
}

/* Citus: a worker's error relayed by the coordinator, no SQLSTATE of its
 * own (an internal error, XX000) */
static int
is_worker_error(const PGresult *r)
{
	const char *s = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	return s && strcmp(s, "XX000") == 0;
}

/* The COPY line an error names (CONTEXT: COPY t, line 3, column b: ...). */
static uint64_t
error_line(const PGresult *r, const char **col, size_t *collen)
{
	const char *ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
	const char *p;
	unsigned long long n = 0;

	*col = NULL;
	*collen = 0;
	if (!ctx || strncmp(ctx, "COPY ", 5) != 0 ||
	    !(p = strstr(ctx, ", line ")) || sscanf(p + 7, "%llu", &n) != 1)
		return 0;
	if ((p = strstr(p, ", column ")) != NULL) {
		*col = p + 9;
		*collen = strcspn(*col, ":\n");
	}
	return n;
}

void
reject(struct loader *l, struct target *t, const char *file, uint64_t line,
       const char *raw, size_t rawlen, const char *column, const char *sqlstate,
       const char *message, int in_batch)
{
	struct json_error je;
	struct buf *b = &l->tmp;

	if (!l->o->max_rejects && !l->o->dry_run) {
		/* the record that stops the load counts as rejected */
		l->rejected++;
		if (t)
			t->rejected++;
		if (column)
			warnx("%s:%llu: column %s: %s", file,
			      (unsigned long long)line, column, message);
		else
			warnx("%s:%llu: %s", file, (unsigned long long)line,
			      message);
		loader_fail(l, 1);
	}
	l->rejected++;
	if (t)
		t->rejected++;
	if (l->o->resume && !in_batch) {
		/* no batch carries this line: the ledger must still learn it */
		if (l->norphan == l->caporphan) {
			l->caporphan = l->caporphan ? 2 * l->caporphan : 64;
			l->orphan = realloc(l->orphan,
					    l->caporphan * sizeof(*l->orphan));
			if (!l->orphan)
				loader_oom(0);
		}
		l->orphan[l->norphan].file = file;
		l->orphan[l->norphan++].line = line;
	}
	if (!l->rejects) {
		/* pg-verify: a record it cannot take is a difference */
		const char *what = l->o->verify ? "invalid" : "rejected";
		if (column)
			warnx("%s:%llu: %s: column %s: %s", file,
			      (unsigned long long)line, what, column, message);
		else
			warnx("%s:%llu: %s: %s", file, (unsigned long long)line,
			      what, message);
	} else {
		buf_reset(b);
		buf_adds(b, "{\"file\":");
		json_write_text(b, file, strlen(file));
		buf_addf(b,
			 ",\"line\":%llu,\"table\":", (unsigned long long)line);
		if (t)
			json_write_text(b, t->display, strlen(t->display));
		else
			buf_adds(b, "null");
		buf_adds(b, ",\"column\":");
		if (column)
			json_write_text(b, column, strlen(column));
		else
			buf_adds(b, "null");
		buf_adds(b, ",\"sqlstate\":");
		if (sqlstate)
			json_write_text(b, sqlstate, strlen(sqlstate));
		else
			buf_adds(b, "null");
		buf_adds(b, ",\"error\":");
		json_write_text(b, message, strlen(message));
		/* the record itself when it is JSON, else its text */
		if (json_validate(raw, rawlen, NULL, &je) == 0) {
			buf_adds(b, ",\"record\":");
			buf_add(b, raw, rawlen);
		} else {
			buf_adds(b, ",\"raw\":");
			json_write_text(b, raw, rawlen);
		}
		buf_adds(b, "}\n");
		if (fwrite(b->data, 1, b->len, l->rejects) != b->len)
			err(3, "%s", l->o->rejects);
	}
	if (!l->o->dry_run && l->rejected > l->o->max_rejects) {
		warnx("more than %llu rows rejected (--max-rejects): stopping",
		      (unsigned long long)l->o->max_rejects);
		loader_fail(l, 1);
	}
}

/* Reject row i of t's batch for the server error r. */
/*
 * A Citus shard's name in a message ("t_pkey_102033", "t_102008") as the
 * table's own ("t_pkey", "t"): what the user made and can look up.  Only a
 * quoted name's suffix within the range of the database's shard ids: a
 * name of the user's own that ends in other digits ("c_check_12345") stays.
 */
static void
unshard(struct buf *m, const struct target *t)
{
	size_t i, j;
	unsigned long long id;

	for (i = 0; i < m->len; i++) {
		if (m->data[i] != '_')
			continue;
		for (id = 0, j = i + 1; j < m->len && j - i < 20 &&
					m->data[j] >= '0' && m->data[j] <= '9';
		     j++)
			id = id * 10 + (unsigned long long)(m->data[j] - '0');
		if (j > i + 1 && j < m->len && m->data[j] == '"' &&
		    id >= t->shard_min && id <= t->shard_max) {
			memmove(m->data + i, m->data + j, m->len - j);
			buf_setlen(m, m->len - (j - i));
		}
	}
}

/* r's message (with DETAIL and HINT) in l->msg, for t. */
static void
describe_error(struct loader *l, const struct target *t, const PGresult *r)
{
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, l->conn, r);
	if (t && t->distributed)
		unshard(&l->msg, t);
}

static void
reject_row(struct loader *l, struct target *t, size_t i, const PGresult *r,
	   const char *col, size_t collen)
{
	struct row *w = &t->b.rows[i];
	char colname[256];

	describe_error(l, t, r);
	if (!col && (col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME)))
		collen = strlen(col); /* NOT NULL names no column in COPY's */
	if (col)
		snprintf(colname, sizeof(colname), "%.*s", (int)collen, col);
	reject(l, t, w->file, w->line, t->b.raw.data + w->roff, w->rlen,
	       col ? colname : NULL, PQresultErrorField(r, PG_DIAG_SQLSTATE),
	       l->msg.data, 1);
	w->rejected = 1;
}

static void
fatal_result(struct loader *l, struct target *t, PGresult *r)
{
	note_error(l, r);
	describe_error(l, t, r);
	warnx("%s: %s", t->display, l->msg.data);
	PQclear(r);
	loader_fail(l, 3);
}

static void
copy_command(struct loader *l, struct target *t)
{
	int i, n = 0;

	buf_reset(&l->sql);
	buf_addf(&l->sql, "COPY %s (", t->stage ? t->stage : t->qualified);
	for (i = 0; i < t->ncol; i++)
		if (t->b.colset[i]) {
			if (n++)
				buf_adds(&l->sql, ", ");
			buf_adds(&l->sql, t->col[i].quoted);
		}
	buf_adds(&l->sql, ") FROM STDIN");
	if (t->b.binary && l->o->freeze)
		buf_adds(&l->sql, " WITH (FORMAT binary, FREEZE)");
	else if (t->b.binary)
		buf_adds(&l->sql, " WITH (FORMAT binary)");
	else if (l->o->freeze)
		buf_adds(&l->sql, " WITH (FREEZE)");
}

/*
 * pg-verify only reads: what it stages runs read-only, so that a domain's
 * CHECK or a default that writes (nextval) fails on its record instead of
 * writing.  In effect until the savepoint it follows is released or
 * rolled back to: whatever stages rows next opens a savepoint of its own.
 */
static void
stage_read_only(struct loader *l)
{
	if (l->o->verify &&
	    sql_exec(l, "SET LOCAL transaction_read_only = on") < 0)
		loader_fail(l, 3);
}

/* SAVEPOINT if rejects are allowed, empty the stage, open the COPY. */
static void
copy_open(struct loader *l, struct target *t)
{
	PGresult *r;

	if (use_savepoints(l, t) && sql_exec(l, "SAVEPOINT ndjson_migrate") < 0)
		loader_fail(l, 3);
	stage_read_only(l);
	if (t->stage && !l->o->verify) { /* pg-verify keeps every row */
		buf_reset(&l->sql);
		buf_addf(&l->sql, "TRUNCATE %s", t->stage);
		if (sql_exec(l, l->sql.data) < 0)
			loader_fail(l, 3);
	}
	copy_command(l, t);
	r = PQexec(l->conn, l->sql.data);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		fatal_result(l, t, r);
	PQclear(r);
	if (t->b.binary) {
		buf_reset(&l->cols);
		copy_binary_header(&l->cols);
		PQputCopyData(l->conn, l->cols.data, (int)l->cols.len);
	}
}

/* End the COPY: NULL when it succeeded, else its error result. */
static PGresult *
copy_close(struct loader *l, struct target *t)
{
	PGresult *r, *err = NULL;

	if (!t->b.ended) {
		if (t->b.binary) {
			buf_reset(&l->cols);
			copy_binary_trailer(&l->cols);
			PQputCopyData(l->conn, l->cols.data, (int)l->cols.len);
		}
		PQputCopyEnd(l->conn, NULL);
	}
	t->b.ended = 0;
	while ((r = PQgetResult(l->conn))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && !err)
			err = r;
		else
			PQclear(r);
	}
	return err;
}

int
add_cols(struct buf *s, const struct target *t, enum cols which,
	 const char *prefix)
{
	int i, n = 0, take;

	for (i = 0; i < t->ncol; i++) {
		take = which == KEYS	 ? t->col[i].key
		       : which == LOADED ? t->b.colset[i]
					 : t->b.colset[i] && !t->col[i].key;
		if (take)
			buf_addf(s, "%s%s%s", n++ ? ", " : "", prefix,
				 t->col[i].quoted);
	}
	return n;
}

/*
 * Upsert: what an INSERT into t does with a key it has (--on-conflict
 * update or ignore), appended to s; q is scratch.
 */
static void
on_conflict(struct loader *l, const struct target *t, struct buf *s,
	    struct buf *q)
{
	buf_adds(s, " ON CONFLICT (");
	add_cols(s, t, KEYS, "");
	buf_adds(s, ")");
	buf_reset(q);
	if (l->o->on_conflict == CONFLICT_IGNORE ||
	    !add_cols(q, t, UPDATED, "")) {
		buf_adds(s, " DO NOTHING");
		return;
	}
	/* update only what changed: untouched rows stay */
	buf_addf(s, " DO UPDATE SET (%s) = ROW(", q->data);
	add_cols(s, t, UPDATED, "EXCLUDED.");
	buf_adds(s, ") WHERE (");
	buf_reset(q);
	buf_addf(q, "%s.", t->qualified);
	add_cols(s, t, UPDATED, q->data);
	buf_adds(s, ") IS DISTINCT FROM (");
	add_cols(s, t, UPDATED, "EXCLUDED.");
	buf_adds(s, ")");
}

/*
 * Upsert: the stage's rows into the table.  With update or ignore, a key
 * seen twice in one batch keeps its last record, as loading the records one
 * by one would; with error every record counts.
 */
static PGresult *
upsert_apply(struct loader *l, struct target *t)
{
	struct buf *s = &l->sql, *q = &l->cols;
	PGresult *r;

	buf_reset(s);
	buf_addf(s, "INSERT INTO %s (", t->qualified);
	add_cols(s, t, LOADED, "");
	/* a GENERATED ALWAYS identity takes the record's value, as in COPY */
	buf_adds(s, ") OVERRIDING SYSTEM VALUE SELECT ");
	add_cols(s, t, LOADED, "");
	if (l->o->on_conflict == CONFLICT_ERROR) {
		buf_addf(s, " FROM %s ORDER BY %s", t->stage, t->ord);
	} else {
		buf_adds(s, " FROM (SELECT DISTINCT ON (");
		add_cols(s, t, KEYS, "");
		buf_addf(s, ") * FROM %s ORDER BY ", t->stage);
		add_cols(s, t, KEYS, "");
		buf_addf(s, ", %s DESC) s", t->ord);
		on_conflict(l, t, s, q);
	}
	r = PQexec(l->conn, s->data);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		return NULL;
	}
	return r;
}

/* After an error: back to the savepoint, or give up when there is none. */
static void
roll_back_batch(struct loader *l)
{
	if (sql_exec(l, "ROLLBACK TO SAVEPOINT ndjson_migrate") < 0)
		loader_fail(l, 3);
}

/* Send the rows [lo, hi) not yet rejected as one COPY (and upsert). */
static PGresult *
apply_rows(struct loader *l, struct target *t, size_t lo, size_t hi)
{
	struct batch *b = &t->b;
	PGresult *r;
	size_t i, start = 0, len = 0;

	copy_open(l, t);
	for (i = lo; i < hi; i++) {
		if (b->rows[i].rejected)
			continue;
		/* rows next to each other in the buffer go in one call */
		if (len && start + len == b->rows[i].off && len < (1u << 20)) {
			len += b->rows[i].len;
			continue;
		}
		if (len && PQputCopyData(l->conn, b->data.data + start,
					 (int)len) != 1) {
			len = 0; /* the error comes with the COPY's end */
			break;
		}
		start = b->rows[i].off;
		len = b->rows[i].len;
	}
	if (len)
		PQputCopyData(l->conn, b->data.data + start, (int)len);
	r = copy_close(l, t);
	if (!r && t->stage && !l->o->verify)
		r = upsert_apply(l, t);
	if (r)
		roll_back_batch(l);
	else if (use_savepoints(l, t) &&
		 sql_exec(l, "RELEASE SAVEPOINT ndjson_migrate") < 0)
		loader_fail(l, 3);
	return r;
}

static size_t
active(const struct batch *b, size_t lo, size_t hi)
{
	size_t n = 0;

	for (; lo < hi; lo++)
		n += !b->rows[lo].rejected;
	return n;
}

/* The row of [lo, hi) that was the n-th one sent (1-based), or hi. */
static size_t
nth_active(const struct batch *b, size_t lo, size_t hi, uint64_t n)
{
	for (; lo < hi; lo++)
		if (!b->rows[lo].rejected && --n == 0)
			return lo;
	return hi;
}

/* The first failure of rows [lo, hi), with no rejects allowed: report it. */
static void __attribute__((noreturn))
fail_at(struct loader *l, struct target *t, size_t lo, size_t hi, PGresult *r)
{
	const char *col;
	size_t collen, i;
	uint64_t n = error_line(r, &col, &collen);
	int status = is_data_error(r) ? 1 : 3;

	note_error(l, r);
	describe_error(l, t, r);
	if (!col && (col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME)))
		collen = strlen(col);
	i = n				 ? nth_active(&t->b, lo, hi, n)
	    : active(&t->b, lo, hi) == 1 ? nth_active(&t->b, lo, hi, 1)
					 : hi;
	if (status == 1) {
		l->rejected++;
		t->rejected++;
	}
	if (i < hi && col)
		warnx("%s:%llu: column %.*s: %s", t->b.rows[i].file,
		      (unsigned long long)t->b.rows[i].line, (int)collen, col,
		      l->msg.data);
	else if (i < hi)
		warnx("%s:%llu: %s", t->b.rows[i].file,
		      (unsigned long long)t->b.rows[i].line, l->msg.data);
	else
		warnx("%s: %s", t->display, l->msg.data);
	PQclear(r);
	loader_fail(l, status);
}

/*
 * Citus: row i's own error, by an INSERT of its values (with the upsert's
 * ON CONFLICT when it is one).  A distributed table's COPY (and the
 * upsert's INSERT from the stage) relays a worker's error as XX000, but a
 * one-row INSERT is routed to its shard and keeps the worker's SQLSTATE.  The
 * row's COPY fields become the INSERT's parameters (binary ones as they are,
 * text ones unescaped), under a savepoint: the row stays in when keep is set
 * and it went in, else it is rolled back.  Its failed result, or NULL when it
 * went in (then, probed, the COPY's error was not the row's).
 */
static PGresult *
insert_row(struct loader *l, struct target *t, size_t i, int keep)
{
	struct batch *b = &t->b;
	const unsigned char *p =
		(const unsigned char *)b->data.data + b->rows[i].off;
	const unsigned char *end = p + b->rows[i].len;
	struct buf vals = BUF_INIT;
	const char **pv = NULL;
	int *plen = NULL, *pfmt = NULL, n = 0, k, c;
	size_t *off = NULL;
	PGresult *r = NULL;

	for (k = 0; k < t->ncol; k++)
		n += t->b.colset[k] != 0;
	pv = xcalloc((size_t)n + 1, sizeof(*pv));
	plen = xcalloc((size_t)n + 1, sizeof(*plen));
	pfmt = xcalloc((size_t)n + 1, sizeof(*pfmt));
	off = xcalloc((size_t)n + 1, sizeof(*off));
	/* the fields, copied into vals (offsets: it moves as it grows) */
	if (b->binary) {
		if (end - p < 2 || (p[0] << 8 | p[1]) != n)
			goto out;
		p += 2;
		for (k = 0; k < n; k++) {
			int32_t len;
			if (end - p < 4)
				goto out;
			len = (int32_t)((uint32_t)p[0] << 24 |
					(uint32_t)p[1] << 16 |
					(uint32_t)p[2] << 8 | p[3]);
			p += 4;
			pfmt[k] = 1;
			plen[k] = len;
			off[k] = len < 0 ? SIZE_MAX : vals.len;
			if (len < 0)
				continue;
			if (end - p < len)
				goto out;
			buf_add(&vals, (const char *)p, (size_t)len);
			p += len;
		}
	} else {
		for (k = 0; k < n; k++) {
			if (end - p >= 2 && p[0] == '\\' && p[1] == 'N' &&
			    (end - p == 2 || p[2] == '\t' || p[2] == '\n')) {
				off[k] = SIZE_MAX;
				p += 2;
			} else {
				off[k] = vals.len;
				for (; p < end && *p != '\t' && *p != '\n';
				     p++) {
					if (*p != '\\' || p + 1 >= end) {
						buf_addch(&vals, (char)*p);
						continue;
					}
					c = *++p;
					buf_addch(&vals, c == 't'   ? '\t'
							 : c == 'n' ? '\n'
							 : c == 'r' ? '\r'
							 : c == 'b' ? '\b'
							 : c == 'f' ? '\f'
							 : c == 'v' ? '\v'
								    : (char)c);
				}
				buf_addch(&vals, '\0');
			}
			if (p < end)
				p++; /* the tab or the newline */
		}
	}
	for (k = 0; k < n; k++)
		pv[k] = off[k] == SIZE_MAX ? NULL : vals.data + off[k];
	buf_reset(&l->sql);
	buf_addf(&l->sql, "INSERT INTO %s (", t->qualified);
	for (c = 0, k = 0; k < t->ncol; k++)
		if (t->b.colset[k]) {
			if (c++)
				buf_adds(&l->sql, ", ");
			buf_adds(&l->sql, t->col[k].quoted);
		}
	/* as COPY and the upsert do, an identity takes the record's value */
	buf_adds(&l->sql, ") OVERRIDING SYSTEM VALUE VALUES (");
	for (k = 0; k < n; k++)
		buf_addf(&l->sql, "%s$%d", k ? ", " : "", k + 1);
	buf_addch(&l->sql, ')');
	if (t->stage && l->o->on_conflict != CONFLICT_ERROR)
		on_conflict(l, t, &l->sql, &l->cols);
	if (sql_exec(l, "SAVEPOINT ndjson_probe") < 0)
		loader_fail(l, 3);
	stage_read_only(l);
	r = PQexecParams(l->conn, l->sql.data, n, NULL, pv, plen, pfmt, 0);
	if (PQresultStatus(r) == PGRES_COMMAND_OK) {
		PQclear(r);
		r = NULL;
	}
	if (((r || !keep) &&
	     sql_exec(l, "ROLLBACK TO SAVEPOINT ndjson_probe") < 0) ||
	    sql_exec(l, "RELEASE SAVEPOINT ndjson_probe") < 0)
		loader_fail(l, 3);
out:
	free(pv);
	free(plen);
	free(pfmt);
	free(off);
	buf_release(&vals);
	return r;
}

/*
 * Citus: rows [lo, hi) of a distributed table failed with a worker's error
 * that names none of them (r, rolled back): each goes in by a one-row
 * INSERT, which keeps the real SQLSTATE.  A failed statement costs Citus
 * a cancel request to each worker connection of the transaction when it
 * is rolled back to its savepoint (10-17 ms for two workers here), a
 * one-row INSERT that succeeds a millisecond or two: below ONE_BY_ONE rows,
 * this finds a bad row sooner than bisection.  A row the data is to blame for
 * (class 22 or 23) is rejected; any other error ends the load, naming the row.
 */
enum { ONE_BY_ONE = 16 };

static void
one_by_one(struct loader *l, struct target *t, size_t lo, size_t hi,
	   PGresult *r)
{
	size_t i;

	PQclear(r);
	for (i = lo; i < hi; i++) {
		if (t->b.rows[i].rejected || !(r = insert_row(l, t, i, 1)))
			continue;
		if (!is_data_error(r) || !rejects_allowed(l))
			fail_at(l, t, i, i + 1, r);
		reject_row(l, t, i, r, NULL, 0);
		PQclear(r);
	}
}

/*
 * Rows [lo, hi) failed with r (already rolled back to the savepoint):
 * reject the bad ones and apply the rest.  A row COPY names by its line is
 * rejected and the rows before it, which COPY had taken, applied again;
 * the rest then goes in chunks that double while they succeed, so that a
 * batch with many bad rows is not sent again whole after each of them.
 * An error that names no row is narrowed down by bisection.
 */
static void
settle(struct loader *l, struct target *t, size_t lo, size_t hi, PGresult *r)
{
	struct batch *b = &t->b;
	const char *col;
	size_t collen, i, mid, n, end = hi, chunk = 64;
	uint64_t line;

	if (!r)
		return; /* [lo, hi) went in */
	for (;;) {
		/* here rows [lo, end) failed with r; [end, hi) are not sent */
		if (r) {
			int data = is_data_error(r);
			int worker = t->distributed && is_worker_error(r);
			/*
			 * a worker's error may name the line the coordinator
			 * was at ("failure on connection marked as
			 * essential"): only a data error's line names its row
			 */
			col = NULL;
			collen = 0;
			line = data ? error_line(r, &col, &collen) : 0;
			/*
			 * without rejects, an error that names no row is
			 * narrowed down to its row first, to say which.  A
			 * distributed table's worker reports a row's error as
			 * XX000 with no line: narrowed down too, to the one
			 * row whose statement keeps the real SQLSTATE; a lone
			 * row failing so alone is not the data's fault
			 */
			if (!(data || worker) || !use_savepoints(l, t) ||
			    (!rejects_allowed(l) &&
			     (line || (data && active(b, lo, end) == 1))))
				fail_at(l, t, lo, end, r);
			i = line ? nth_active(b, lo, end, line) : end;
			if (worker && !t->stage &&
			    active(b, lo, end) <= ONE_BY_ONE) {
				one_by_one(l, t, lo, end, r);
				lo = end;
			} else if (i < end) {
				reject_row(l, t, i, r, col, collen);
				PQclear(r);
				if (active(b, lo, i))
					settle(l, t, lo, i,
					       apply_rows(l, t, lo, i));
				lo = i + 1;
				chunk = 64;
			} else if ((n = active(b, lo, end)) == 1) {
				i = nth_active(b, lo, end, 1);
				if (!data) {
					/* a worker's XX000: the row's own
					 * error, or not the row's at all */
					PGresult *p = insert_row(l, t, i, 0);
					if (!p || !is_data_error(p)) {
						PQclear(p);
						fail_at(l, t, lo, end, r);
					}
					PQclear(r);
					r = p;
					if (!rejects_allowed(l))
						fail_at(l, t, lo, end, r);
				}
				reject_row(l, t, i, r, NULL, 0);
				PQclear(r);
				lo = end;
			} else {
				PQclear(r);
				mid = nth_active(b, lo, end, n / 2 + 1);
				settle(l, t, lo, mid,
				       apply_rows(l, t, lo, mid));
				settle(l, t, mid, end,
				       apply_rows(l, t, mid, end));
				lo = end;
			}
			r = NULL;
		}
		if (lo >= hi)
			return;
		end = hi - lo > chunk ? lo + chunk : hi;
		if (active(b, lo, end))
			r = apply_rows(l, t, lo, end);
		if (!r) {
			lo = end;
			chunk *= 2;
		}
	}
}

static void
stream(struct loader *l, struct target *t)
{
	struct batch *b = &t->b;

	if (b->stream_failed || b->copy_dead || b->data.len == b->sent)
		return;
	if (PQputCopyData(l->conn, b->data.data + b->sent,
			  (int)(b->data.len - b->sent)) != 1)
		b->stream_failed = 1; /* the error comes with the COPY's end */
	b->sent = b->data.len;
}

/* Record this batch in the ledger, in the transaction that commits it. */
static void
ledger_add(struct loader *l, struct target *t)
{
	struct batch *b = &t->b;
	const char *p[6];
	char first[24], last[24], loaded[24], rejected[24];
	PGresult *r;
	size_t i, nl = 0, nr = 0;

	for (i = 0; i < b->nrows; i++)
		b->rows[i].rejected ? nr++ : nl++;
	snprintf(first, sizeof(first), "%llu",
		 (unsigned long long)b->rows[0].line);
	snprintf(last, sizeof(last), "%llu",
		 (unsigned long long)b->rows[b->nrows - 1].line);
	snprintf(loaded, sizeof(loaded), "%zu", nl);
	snprintf(rejected, sizeof(rejected), "%zu", nr);
	p[0] = l->o->resume;
	p[1] = b->rows[0].file;
	p[2] = first;
	p[3] = last;
	p[4] = loaded;
	p[5] = rejected;
	r = PQexecParams(
		l->conn,
		"INSERT INTO ndjson_migrate_ledger (id, input, first_line,"
		" last_line, loaded, rejected) VALUES ($1, $2, $3, $4, $5, $6)",
		6, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fatal_result(l, t, r);
	PQclear(r);
}

/*
 * Send a batch (or, after a reconnection, send it again), settle its
 * rejects, record it in the ledger and commit it if each batch commits.
 */
static void
batch_apply(struct loader *l, struct target *t, int again)
{
	struct batch *b = &t->b;
	PGresult *r = NULL;
	size_t i, n = 0;

	if (b->copy_dead && !again)
		loader_fail(l,
			    3); /* to the retry, as the error was transient */
	if (again) {
		b->streaming = 0;
		b->ended = 0;
		if (active(b, 0, b->nrows))
			r = apply_rows(l, t, 0, b->nrows);
	} else if (b->streaming) {
		if (!b->ended)
			stream(l, t);
		r = copy_close(l, t);
		if (!r && t->stage && !l->o->verify)
			r = upsert_apply(l, t);
		if (r && use_savepoints(l, t))
			roll_back_batch(l);
		else if (!r && use_savepoints(l, t) &&
			 sql_exec(l, "RELEASE SAVEPOINT ndjson_migrate") < 0)
			loader_fail(l, 3);
		b->streaming = 0;
	}
	if (r)
		settle(l, t, 0, b->nrows, r);
	for (i = 0; i < b->nrows; i++)
		n += !b->rows[i].rejected;
	t->loaded += n;
	l->loaded += n;
	t->binary_rows += b->binary ? n : 0;
	l->attempt_loaded = n;
	if (b->nrows && l->o->resume) {
		ledger_add(l, t);
		ledger_orphans(l);
	}
	if (b->nrows && l->o->batch_commit) {
		l->in_commit = 1;
		txn_commit(l);
		/* committed: a failure from here on must not send it again */
		l->attempt_loaded = 0;
		l->batch_committed = 1;
		txn_begin(l);
	}
}

/* Did the commit that was cut off happen?  The ledger knows. */
static int
ledger_has(struct loader *l, struct target *t)
{
	struct batch *b = &t->b;
	char first[24], last[24];
	const char *p[4] = {l->o->resume, b->rows[0].file, first, last};
	PGresult *r;
	int yes;

	snprintf(first, sizeof(first), "%llu",
		 (unsigned long long)b->rows[0].line);
	snprintf(last, sizeof(last), "%llu",
		 (unsigned long long)b->rows[b->nrows - 1].line);
	r = PQexecParams(
		l->conn,
		"SELECT 1 FROM ndjson_migrate_ledger WHERE id = $1"
		" AND input = $2 AND first_line = $3 AND last_line = $4",
		4, NULL, p, NULL, NULL, 0);
	yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
	PQclear(r);
	return yes;
}

/*
 * --jobs: a connection waiting on rows another one has not committed must
 * give up (55P03, retried) rather than wait for a commit that only this
 * process can make after it.
 */
/*
 * Citus: a COPY into a distributed table opens a connection from this
 * session to each shard it writes, up to citus.max_adaptive_executor_pool_size
 * (16) per worker, and a commit closes all but
 * citus.max_cached_conns_per_worker (1) of them: each --batch-commit batch
 * connected again to every shard, 4x the time of one transaction over 32
 * shards.  Unless the user set them, this session takes one connection per
 * worker (the COPY sends each worker's shards in turn over it) and keeps as
 * many as a table has shards on a worker (or citus.shard_count) should the
 * pool be larger.  One per worker is faster here (1M rows over 2 workers:
 * 7.6 s vs 9.2 s in one transaction, 8.0 s vs 11.3 s with --batch-commit),
 * makes a failed COPY cost one reconnection per worker instead of one per
 * shard, a savepoint one message per worker, and --jobs the measure of the
 * connections the load takes; --jobs gives a load more workers' cores.
 * Without Citus, nothing is done; a failure here leaves the defaults.
 */
static void
citus_session(PGconn *c)
{
	PGresult *r = PQexec(c, "SELECT pg_catalog.to_regclass("
				"'pg_catalog.pg_dist_placement') IS NOT NULL");
	int citus = PQresultStatus(r) == PGRES_TUPLES_OK &&
		    PQgetvalue(r, 0, 0)[0] == 't';

	PQclear(r);
	if (!citus)
		return;
	PQclear(PQexec(c, "SELECT pg_catalog.set_config(name, '1', false)"
			  " FROM pg_catalog.pg_settings WHERE name ="
			  " 'citus.max_adaptive_executor_pool_size'"
			  " AND source = 'default'"));
	PQclear(PQexec(
		c,
		"SELECT pg_catalog.set_config("
		"'citus.max_cached_conns_per_worker', x.n::text, false)"
		" FROM (SELECT GREATEST(max(y.n), pg_catalog.current_setting("
		"'citus.shard_count', true)::int) AS n FROM (SELECT count(*) "
		"AS n"
		" FROM pg_catalog.pg_dist_shard s"
		" JOIN pg_catalog.pg_dist_placement p USING (shardid)"
		" GROUP BY s.logicalrelid, p.groupid) y) x"
		" WHERE x.n > COALESCE(pg_catalog.current_setting("
		"'citus.max_cached_conns_per_worker', true)::int, 1)"
		" AND EXISTS (SELECT FROM pg_catalog.pg_settings WHERE name ="
		" 'citus.max_cached_conns_per_worker' AND source = "
		"'default')"));
}

/*
 * A connection for the load.  A commit the server acknowledges must
 * survive its crash, as the counts and the ledger say it does: a server
 * whose synchronous_commit is off (it may lose the last commits it
 * acknowledged) has it raised to local for this session; any other setting
 * (on, or waiting for standbys) stays.
 */
PGconn *
loader_connect(const struct loader *l, struct err *e)
{
	PGconn *c = pgconn_open(l->o->conninfo, "pg-copy-load", e);
	PGresult *r;

	if (!c)
		return NULL;
	r = PQexec(c, "SELECT pg_catalog.set_config('synchronous_commit',"
		      " 'local', false)"
		      " WHERE pg_catalog.current_setting('synchronous_commit')"
		      " = 'off'");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		err_set(e, 3, "cannot connect: %s", PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	citus_session(c);
	return c;
}

void
set_lock_timeout(struct loader *l)
{
	if (sql_exec(l, "SET lock_timeout = '10s'") < 0)
		loader_fail(l, 3);
}

/*
 * The session of a connection lost (pid) may live on until its server
 * notices (a network failure), holding its transaction, its locks and
 * perhaps a COMMIT not yet read: it is ended, and waited for, before the
 * ledger is asked whether that commit happened and before the job's lock
 * is taken again.  Only a session of this user and program older than
 * this one.  A failure is said, and the load goes on.
 */
static void
end_session(struct loader *l, int pid)
{
	char s[16];
	const char *p[1] = {s};
	PGresult *r;

	if (pid <= 0)
		return;
	snprintf(s, sizeof(s), "%d", pid);
	r = sql_query(l, "ending the lost session",
		      "SELECT pg_catalog.pg_terminate_backend(a.pid, 5000)"
		      " FROM pg_catalog.pg_stat_activity a,"
		      " pg_catalog.pg_stat_activity me"
		      " WHERE a.pid = $1::int"
		      " AND me.pid = pg_catalog.pg_backend_pid()"
		      " AND a.usesysid = me.usesysid"
		      " AND a.application_name = me.application_name"
		      " AND a.backend_start < me.backend_start",
		      1, p);
	PQclear(r);
}

/*
 * After a transient error: connect again, with growing pauses, and make
 * the session as it was (a transaction, the upsert staging tables).
 * Returns 1 when the batch turns out to be committed already.
 */
static int
reconnect(struct loader *l, struct target *t, int attempt)
{
	struct err e = {0};
	int i, lost, delay = 1 << (attempt - 1 > 4 ? 4 : attempt - 1);

	warnx("%s: retrying the batch of %s lines %llu-%llu in %d s (attempt "
	      "%d of %d)",
	      t->display, t->b.rows[0].file,
	      (unsigned long long)t->b.rows[0].line,
	      (unsigned long long)t->b.rows[t->b.nrows - 1].line, delay,
	      attempt, l->o->retries);
	sleep((unsigned)delay);
	lost = l->slots[l->slot].pid;
	PQfinish(l->conn);
	if (!(l->conn = loader_connect(l, &e))) {
		l->in_txn = 0;
		warnx("%s", e.msg);
		return -1;
	}
	l->slots[l->slot].pid = PQbackendPID(l->conn);
	l->in_txn = 0;
	end_session(l, lost);
	/* the job's lock is the first connection's */
	if (l->o->resume && (l->nslots <= 1 || l->slot == 0) && job_lock(l) < 0)
		return -1;
	if (l->nslots > 1)
		set_lock_timeout(l);
	if (l->batch_committed) {
		txn_begin(l);
		return 1;
	}
	if (l->in_commit) {
		l->in_commit = 0;
		if (ledger_has(l, t)) {
			/* it was: what it loaded is now committed */
			l->committed = l->loaded;
			for (i = 0; i < l->nt; i++)
				l->t[i]->committed = l->t[i]->loaded;
			txn_begin(l);
			return 1;
		}
	}
	txn_begin(l);
	for (i = 0; i < l->nt; i++)
		if (l->t[i]->stage)
			target_stage(l, l->t[i]);
	return 0;
}

/*
 * A batch, retried after transient errors (a lost connection, the server
 * shutting down or starting, serialization failures) when that is safe:
 * each batch commits, so the batch in memory is all that is uncommitted,
 * and a commit cut off is looked up in the --resume ledger.
 */
/* Rows counted as loaded that are not (their attempt failed). */
static void
uncount(struct loader *l, struct target *t, uint64_t n)
{
	t->loaded -= n;
	l->loaded -= n;
	if (t->b.binary)
		t->binary_rows -= n;
}

static void
batch_finish(struct loader *l, struct target *t)
{
	struct batch *b = &t->b;
	volatile int attempt = 0, again = 0;
	uint64_t uncertain;
	int r;

	l->batch_committed = 0;
	for (;;) {
		l->retry_armed = l->o->batch_commit && attempt < l->o->retries;
		if (setjmp(l->retry) == 0) {
			batch_apply(l, t, again);
			l->retry_armed = 0;
			break;
		}
		/* longjmp from loader_fail: this attempt's rows are not in */
		l->retry_armed = 0;
		if (l->in_commit && !l->o->resume) {
			warnx("the commit of %s lines %llu-%llu was cut off; "
			      "whether it happened is unknown without --resume",
			      b->rows[0].file,
			      (unsigned long long)b->rows[0].line,
			      (unsigned long long)b->rows[b->nrows - 1].line);
			l->in_commit = 0;
			loader_fail(l, 3);
		}
		/*
		 * a commit cut off: its rows are in only if the ledger says so
		 * (reconnect asks); anything earlier: they are not
		 */
		uncertain = l->in_commit ? l->attempt_loaded : 0;
		uncount(l, t, l->in_commit ? 0 : l->attempt_loaded);
		l->attempt_loaded = 0;
		/*
		 * --jobs: the batch may have waited on rows another connection
		 * holds uncommitted (lock_timeout); let those commit first
		 */
		for (r = 0; r < l->nslots; r++)
			if (r != l->slot)
				collect(l, (l->next_slot + r) % l->nslots);
		do
			r = reconnect(l, t, ++attempt);
		while (r < 0 && attempt < l->o->retries);
		if (r < 0)
			loader_fail(l, 3);
		if (r > 0)
			break;
		/* the cut-off commit did not happen: counted again when sent */
		uncount(l, t, uncertain);
		again = 1;
	}
	/* after a text batch, binary is tried again */
	if (!b->binary)
		b->text_next = 0;
	b->nrows = 0;
	b->sent = 0;
	b->stream_failed = 0;
	b->copy_dead = 0;
	b->ended = 0;
	buf_reset(&b->data);
	buf_reset(&b->raw);
}

void
switch_slot(struct loader *l, int i)
{
	if (i == l->slot)
		return;
	l->slots[l->slot].conn = l->conn;
	l->slots[l->slot].in_txn = l->in_txn;
	l->slot = i;
	l->conn = l->slots[i].conn;
	l->in_txn = l->slots[i].in_txn;
}

/* Read the result of slot i's batch and settle, record, commit it. */
static void
collect(struct loader *l, int i)
{
	struct slot *s = &l->slots[i];
	struct target *t = s->t;
	struct batch filling;
	int prev = l->slot;

	if (!t)
		return;
	/* the target's own batch may be filling on another slot: set it aside
	 */
	filling = t->b;
	t->b = s->b;
	switch_slot(l, i);
	batch_finish(l, t);
	s->b = t->b;
	t->b = filling;
	s->t = NULL;
	switch_slot(l, prev);
}

/*
 * End t's batch.  With one connection it is sent, settled and committed
 * now; with --jobs its COPY's end is sent and the batch moves into its
 * slot, to be collected when the slot is needed again.
 */
void
batch_end(struct loader *l, struct target *t)
{
	struct batch *b, spare;
	struct slot *s;

	if (!t)
		return;
	b = &t->b;
	if (l->nslots <= 1 || !b->streaming) {
		batch_finish(l, t);
		if (l->cur == t)
			l->cur = NULL;
		return;
	}
	stream(l, t);
	if (!b->copy_dead && !b->stream_failed) {
		if (b->binary) {
			buf_reset(&l->cols);
			copy_binary_trailer(&l->cols);
			PQputCopyData(l->conn, l->cols.data, (int)l->cols.len);
		}
		if (PQputCopyEnd(l->conn, NULL) != 1)
			b->stream_failed = 1;
	}
	b->ended = 1;
	s = &l->slots[l->slot];
	spare = s->b; /* empty: its batch was collected */
	free(spare.colset);
	spare.colset = b->colset; /* the target keeps its own */
	s->b = *b;
	s->b.colset = xcalloc((size_t)t->ncol, 1);
	memcpy(s->b.colset, b->colset, (size_t)t->ncol);
	s->t = t;
	*b = spare;
	if (l->cur == t)
		l->cur = NULL;
}

/* The next connection for a new batch, its earlier batch collected. */
static void
pick_slot(struct loader *l)
{
	int i = l->next_slot;

	l->next_slot = (i + 1) % l->nslots;
	collect(l, i);
	switch_slot(l, i);
}

void
batch_quiesce(struct loader *l)
{
	int i;

	batch_end(l, l->cur);
	/* oldest first: a later batch may wait on an earlier one's rows */
	for (i = 0; i < l->nslots; i++)
		collect(l, (l->next_slot + i) % l->nslots);
}

/*
 * Binary when every column of the batch has an encoder (and --format
 * allows), unless a value of the batch before needed text.
 */
static int
binary_batch(struct loader *l, struct target *t)
{
	int i;

	if (l->o->format == FORMAT_TEXT || t->b.text_next)
		return 0;
	for (i = 0; i < t->ncol; i++)
		if (t->b.colset[i] && t->col[i].bin == BIN_NONE) {
			if (l->o->format == FORMAT_BINARY) {
				warnx("--format=binary: column %s of %s is of "
				      "type %s, which has no binary encoder",
				      t->col[i].name, t->display,
				      t->col[i].type);
				loader_fail(l, 2);
			}
			return 0;
		}
	return 1;
}

void
batch_add(struct loader *l, struct target *t, const char *file, uint64_t line,
	  const char *raw, size_t rawlen)
{
	struct batch *b = &t->b;
	struct row *w;
	const char *why;
	size_t mark;
	int i, nf, first = 1;

	/* one COPY per table, column set and input */
	if (l->cur && (l->cur != t ||
		       memcmp(b->colset, t->present, (size_t)t->ncol) != 0 ||
		       (b->nrows && b->rows[0].file != file))) {
		/* --jobs: a table's rows are all in before the next's start */
		if (l->cur != t)
			batch_quiesce(l);
		else
			batch_end(l, l->cur);
	}
again:
	/* taken here: ending a batch above or below empties b->data */
	mark = b->data.len;
	if (!b->nrows && !b->streaming) {
		memcpy(b->colset, t->present, (size_t)t->ncol);
		b->binary = binary_batch(l, t);
	}
	l->cur = t;
	/* what a type modifier would round or cut: refused first */
	for (i = 0; t->guarded && i < t->ncol; i++)
		if (t->present[i] &&
		    typmod_check(&t->col[i].guard, t->col[i].guard_type,
				 &t->slot[i], l->guard, &l->msg) < 0) {
			reject(l, t, file, line, raw, rawlen, t->col[i].name,
			       NULL, l->msg.data, 0);
			return;
		}
	if (b->binary) {
		nf = 0;
		for (i = 0; i < t->ncol; i++)
			nf += t->present[i];
		buf_addch(&b->data, nf >> 8);
		buf_addch(&b->data, nf & 0xff);
		for (i = 0; i < t->ncol; i++) {
			if (!t->present[i] ||
			    copy_binary_value(&b->data, &t->slot[i],
					      t->col[i].bin, &l->tmp) == 0)
				continue;
			/* only the server reads this value exactly: text */
			buf_setlen(&b->data, mark);
			batch_end(l, t);
			b->text_next = 1; /* on the batch t fills next */
			goto again;
		}
	} else {
		for (i = 0; i < t->ncol; i++) {
			if (!t->present[i])
				continue;
			if (!first)
				buf_addch(&b->data, '\t');
			first = 0;
			if (copy_value(&b->data, &t->slot[i], t->col[i].kind,
				       &l->tmp, &why) < 0) {
				buf_setlen(&b->data, mark);
				reject(l, t, file, line, raw, rawlen,
				       t->col[i].name, NULL, why, 0);
				return;
			}
		}
		buf_addch(&b->data, '\n');
	}
	if (b->nrows == b->caprows) {
		b->caprows = b->caprows ? 2 * b->caprows : 1024;
		if (!(b->rows =
			      realloc(b->rows, b->caprows * sizeof(*b->rows))))
			loader_oom(b->caprows * sizeof(*b->rows));
	}
	w = &b->rows[b->nrows++];
	w->line = line;
	w->file = file;
	w->off = mark;
	w->len = b->data.len - mark;
	w->roff = b->raw.len;
	w->rlen = rawlen;
	w->rejected = 0;
	buf_add(&b->raw, raw, rawlen);
	if (!b->streaming) {
		if (l->nslots > 1)
			pick_slot(l);
		/* a transient failure here is batch_end's to retry */
		l->retry_armed = l->o->batch_commit && l->o->retries > 0;
		if (setjmp(l->retry) == 0)
			copy_open(l, t);
		else
			b->copy_dead = 1;
		l->retry_armed = 0;
		b->streaming = 1;
	}
	if (b->data.len - b->sent >= STREAM_AT)
		stream(l, t);
	if (b->nrows >= l->o->batch_rows || b->data.len >= l->o->batch_bytes)
		batch_end(l, t);
}

void
ledger_orphans(struct loader *l)
{
	char line[24];
	const char *p[3];
	PGresult *r;
	size_t i;

	for (i = 0; i < l->norphan; i++) {
		snprintf(line, sizeof(line), "%llu",
			 (unsigned long long)l->orphan[i].line);
		p[0] = l->o->resume;
		p[1] = l->orphan[i].file;
		p[2] = line;
		r = PQexecParams(l->conn,
				 "INSERT INTO ndjson_migrate_ledger (id, input,"
				 " first_line, last_line, loaded, rejected)"
				 " VALUES ($1, $2, $3, $3, 0, 1)",
				 3, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			note_error(l, r);
			buf_reset(&l->msg);
			pgconn_describe(&l->msg, l->conn, r);
			warnx("--resume: %s", l->msg.data);
			PQclear(r);
			loader_fail(l, 3);
		}
		PQclear(r);
	}
	l->norphan = 0;
}

/*
 * --resume: one load of a job at a time.  A second one started while the
 * first runs (make run twice, a cron run overlapping the last) would load
 * again what the first has not committed yet.  The lock is the session's
 * (taken again after a reconnection); a killed load's session ends within
 * moments, so a run started just after it waits up to JOB_WAIT seconds.
 * 0, or -1 after a message.
 */
enum { JOB_WAIT = 5 };

int
job_lock(struct loader *l)
{
	const char *p[1] = {l->o->resume};
	PGresult *r;
	int i, got = 0;

	for (i = 0; !got; i++) {
		if (i)
			usleep(100000);
		r = sql_query(l, "--resume",
			      "SELECT pg_catalog.pg_try_advisory_lock("
			      "pg_catalog.hashtextextended("
			      "'ndjson-migrate resume ' || $1, 0))",
			      1, p);
		if (!r)
			return -1;
		got = PQgetvalue(r, 0, 0)[0] == 't';
		PQclear(r);
		if (!got && i == JOB_WAIT * 10) {
			warnx("--resume=%s: another load of this job is "
			      "running (it holds the job's lock); nothing "
			      "loaded",
			      l->o->resume);
			return -1;
		}
	}
	return 0;
}

/* --resume: create the ledger if needed and read what is already done. */
void
ledger_load(struct loader *l)
{
	const char *p[1] = {l->o->resume};
	PGresult *r;
	int i, n;

	if (job_lock(l) < 0)
		loader_fail(l, 3);

	/*
	 * made once; in a DO block, so that a run again says nothing
	 * ("relation already exists, skipping" is a NOTICE), under a lock:
	 * jobs started side by side (make -j) would each find no ledger and
	 * all but one fail making it
	 */
	if (sql_exec(l,
		     "DO $$ BEGIN PERFORM pg_catalog.pg_advisory_xact_lock("
		     "pg_catalog.hashtextextended('ndjson_migrate_ledger', 0));"
		     " IF to_regclass('ndjson_migrate_ledger') IS NULL"
		     " THEN CREATE TABLE ndjson_migrate_ledger ("
		     "id text NOT NULL, input text NOT NULL,"
		     " first_line bigint NOT NULL, last_line bigint NOT NULL,"
		     " loaded bigint NOT NULL, rejected bigint NOT NULL,"
		     " committed_at timestamptz NOT NULL DEFAULT now());"
		     " END IF; END $$") < 0)
		loader_fail(l, 3);
	r = sql_query(l, "--resume",
		      "SELECT coalesce(sum(rejected), 0) FROM "
		      "ndjson_migrate_ledger WHERE id = $1",
		      1, p);
	if (!r)
		loader_fail(l, 3);
	l->rejected_before = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	r = sql_query(
		l, "--resume",
		"SELECT input, first_line, last_line FROM ndjson_migrate_ledger"
		" WHERE id = $1 ORDER BY input COLLATE \"C\", first_line",
		1, p);
	if (!r)
		loader_fail(l, 3);
	l->ndone = PQntuples(r);
	l->done_file = xcalloc((size_t)l->ndone, sizeof(*l->done_file));
	l->done_first = xcalloc((size_t)l->ndone, sizeof(*l->done_first));
	l->done_last = xcalloc((size_t)l->ndone, sizeof(*l->done_last));
	/*
	 * merged into disjoint ranges (a rejected line recorded alone may lie
	 * inside a batch's range), so that a binary search finds the one
	 */
	n = 0;
	for (i = 0; i < l->ndone; i++) {
		const char *f = PQgetvalue(r, i, 0);
		uint64_t first = strtoull(PQgetvalue(r, i, 1), NULL, 10);
		uint64_t last = strtoull(PQgetvalue(r, i, 2), NULL, 10);

		if (n > 0 && strcmp(l->done_file[n - 1], f) == 0 &&
		    first <= l->done_last[n - 1] + 1) {
			if (last > l->done_last[n - 1])
				l->done_last[n - 1] = last;
			continue;
		}
		l->done_file[n] = xstrdup(f);
		l->done_first[n] = first;
		l->done_last[n++] = last;
	}
	l->ndone = n;
	PQclear(r);
}
