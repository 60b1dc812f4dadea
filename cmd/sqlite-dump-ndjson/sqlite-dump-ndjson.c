/* sqlite-dump-ndjson: write the rows of SQLite tables as NDJSON, or their DDL.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "cli.h"
#include "json.h"
#include "sdump.h"

struct options {
	const char *ddl; /* NULL, "pre", "post" or "drop" */
	const char *query;
	const char *where;
	const char *since_col, *since_val;
	int list;
	int keep_case;
	int keys_pre;
	int tag; /* -1: when more than one table */
	int bad_text_binary;
	int busy_ms;
	int verbose;
	struct cli_partition part;
};

static const char synopsis[] =
	"usage: sqlite-dump-ndjson [-hVv] [--bad-text=error|binary] "
	"[--busy-timeout=MS]\n"
	"       [--ddl=pre|post|drop] [--keep-case] [--keys-in-pre] [--list] "
	"[--partition=K/N]\n"
	"       [--query=SQL] [--since=COLUMN=VALUE] [--tag | --no-tag] "
	"[--where=EXPR]\n"
	"       DBFILE [TABLE ...]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(
		synopsis,
		"\nWrite the rows of SQLite tables as NDJSON "
		"(ndjson-migrate(7)), "
		"all user tables\nwhen none is named, parents before children, "
		"from one read transaction.\n\n"
		"  --bad-text=error|binary  TEXT that is not valid UTF-8 or "
		"holds "
		"NUL: an error\n"
		"                           (default) or written losslessly in "
		"the "
		"binary form\n"
		"  --busy-timeout=MS        wait this long for a locked "
		"database "
		"(default 5000)\n"
		"  --ddl=pre|post|drop      write PostgreSQL DDL instead of "
		"rows: "
		"tables (pre),\n"
		"                           keys, indexes, sequences "
		"(post), or DROP TABLE (drop)\n"
		"  --keep-case              keep the case of names in DDL "
		"(default: "
		"fold to lower)\n"
		"  --keys-in-pre            with --ddl: primary keys and "
		"unique "
		"constraints in pre\n"
		"  --list                   list tables: name, type, rows (tab "
		"separated)\n"
		"  --partition=K/N          only part K of N of each table's "
		"rows (rowid or\n"
		"                           primary key ranges): the N parts "
		"are the whole\n"
		"  --query=SQL              write the rows of this query "
		"instead\n"
		"  --since=COLUMN=VALUE     only rows with COLUMN > VALUE, in "
		"COLUMN order\n"
		"  --tag, --no-tag          add the routing field $table "
		"(default: "
		"when several tables)\n"
		"  --where=EXPR             only rows where the SQL expression "
		"holds\n"
		"  -v, --verbose            rows written per table on stderr\n"
		"  -h, --help               this help\n"
		"  -V, --version            the version\n");
}

static struct buf out = BUF_INIT;
/* rows left out so far (bad TEXT): the status if the reader goes away */
static uint64_t rows_left_out;

static void __attribute__((noreturn)) oom(size_t want)
{
	errx(3, "out of memory (wanted %zu bytes)", want);
}

static void
flush(int final)
{
	cli_flush(&out, final, rows_left_out ? 1 : 0);
}

static void
sql_die(sqlite3 *db, const char *what)
{
	errx(3, "%s: %s", what, sqlite3_errmsg(db));
}

static sqlite3_stmt *
prepare(sqlite3 *db, const char *sql, const char *what)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		sql_die(db, what);
	return st;
}

/* All user tables, or the named ones, resolved case-insensitively. */
static int
find_tables(sqlite3 *db, char **names, int nnames, struct table **tp)
{
	sqlite3_stmt *st;
	struct table *t;
	int n = 0, i, rc;

	t = calloc((size_t)(nnames ? nnames : 1024), sizeof(*t));
	if (!t)
		oom(0);
	if (nnames == 0) {
		/*
		 * Not virtual tables (FTS5, R*Tree) nor their shadow tables:
		 * PostgreSQL has no such module, and a shadow table's rows
		 * are the module's own.  Each virtual table is named.
		 */
		st = prepare(
			db,
			"SELECT name, type FROM pragma_table_list"
			" WHERE schema = 'main' AND type IN ('table', "
			"'virtual',"
			" 'shadow') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			" ORDER BY name",
			"cannot read the schema");
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *type =
				(const char *)sqlite3_column_text(st, 1);
			if (strcmp(type, "virtual") == 0)
				warnx("virtual table %s: not written, nor "
				      "its shadow tables (a module PostgreSQL "
				      "does not have)",
				      sqlite3_column_text(st, 0));
			if (strcmp(type, "table") != 0)
				continue;
			if (n % 1024 == 0 && n &&
			    !(t = realloc(t, (size_t)(n + 1024) * sizeof(*t))))
				oom(0);
			t[n].name = strdup(
				(const char *)sqlite3_column_text(st, 0));
			t[n++].is_view = 0;
		}
		if (rc != SQLITE_DONE)
			sql_die(db, "cannot read the schema");
		sqlite3_finalize(st);
		*tp = t;
		return n;
	}
	st = prepare(db,
		     "SELECT name, type FROM sqlite_schema WHERE name = ?1"
		     " COLLATE NOCASE AND type IN ('table', 'view')",
		     "cannot read the schema");
	for (i = 0; i < nnames; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, names[i], -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			errx(2, "no such table: %s", names[i]);
		if (rc != SQLITE_ROW)
			sql_die(db, "cannot read the schema");
		t[n].name = strdup((const char *)sqlite3_column_text(st, 0));
		t[n++].is_view =
			strcmp((const char *)sqlite3_column_text(st, 1),
			       "view") == 0;
	}
	sqlite3_finalize(st);
	*tp = t;
	return n;
}

/*
 * Order tables so that every table comes after the tables its foreign keys
 * reference (self-references and cycles aside: a cycle keeps name order).
 */
static void
order_by_fk(sqlite3 *db, struct table *t, int n)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	char *deps;
	int *done, i, j, k, placed = 0, progress;
	struct table *sorted;

	deps = calloc((size_t)n * (size_t)n + 1, 1);
	done = calloc((size_t)n + 1, sizeof(*done));
	sorted = calloc((size_t)n + 1, sizeof(*sorted));
	if (!deps || !done || !sorted)
		oom(0);
	for (i = 0; i < n; i++) {
		if (t[i].is_view)
			continue;
		buf_reset(&sql);
		buf_adds(&sql,
			 "SELECT \"table\" FROM pragma_foreign_key_list(");
		sql_literal(&sql, t[i].name);
		buf_addch(&sql, ')');
		st = prepare(db, sql.data, "cannot read foreign keys");
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *p =
				(const char *)sqlite3_column_text(st, 0);
			for (j = 0; j < n; j++)
				if (j != i && p &&
				    sqlite3_stricmp(p, t[j].name) == 0)
					deps[i * n + j] = 1;
		}
		sqlite3_finalize(st);
	}
	while (placed < n) {
		progress = 0;
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			for (k = 0; k < n; k++)
				if (deps[i * n + k] && !done[k])
					break;
			if (k == n) {
				done[i] = 1;
				sorted[placed++] = t[i];
				progress = 1;
			}
		}
		if (!progress) /* a cycle: take the first left, in name order */
			for (i = 0; i < n; i++)
				if (!done[i]) {
					done[i] = 1;
					sorted[placed++] = t[i];
					break;
				}
	}
	memcpy(t, sorted, (size_t)n * sizeof(*t));
	free(sorted);
	free(done);
	free(deps);
	buf_release(&sql);
}

/*
 * The name by which this table's rowid can be selected, or NULL when it has
 * none (a view, WITHOUT ROWID) or every alias is taken by a real column.
 */
static const char *
rowid_alias(sqlite3 *db, const struct table *t)
{
	static const char *const alias[] = {"rowid", "_rowid_", "oid"};
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	const char *found = NULL;
	size_t i;

	if (t->is_view)
		return NULL;
	for (i = 0; i < 3 && !found; i++) {
		buf_reset(&sql);
		buf_adds(&sql, "SELECT count(*) FROM pragma_table_xinfo(");
		sql_literal(&sql, t->name);
		buf_addf(&sql, ") WHERE name = '%s' COLLATE NOCASE", alias[i]);
		st = prepare(db, sql.data, "cannot read table columns");
		if (sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0) == 0)
			found = alias[i];
		sqlite3_finalize(st);
	}
	if (found) {
		buf_reset(&sql);
		buf_addf(&sql, "SELECT %s FROM ", found);
		sql_ident(&sql, t->name, 0);
		if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) !=
		    SQLITE_OK)
			found = NULL; /* WITHOUT ROWID */
		sqlite3_finalize(st);
	}
	buf_release(&sql);
	return found;
}

/* Where a bad value is, for messages. */
static void
locate(struct buf *b, const char *table, int has_rowid, sqlite3_int64 rowid,
       uint64_t rowno, const char *col)
{
	buf_reset(b);
	if (table)
		buf_addf(b, "table %s, ", table);
	else
		buf_adds(b, "query, ");
	if (has_rowid)
		buf_addf(b, "rowid %lld", (long long)rowid);
	else
		buf_addf(b, "row %llu", (unsigned long long)rowno);
	buf_addf(b, ", column %s", col);
}

/*
 * Write every row of a prepared statement.  Column first_col on are data
 * (column 0 is the rowid when first_col is 1).  Returns the number of rows
 * skipped for bad text; sets *written.
 */
static uint64_t
dump_rows(sqlite3 *db, sqlite3_stmt *st, int first_col, const char *table,
	  int tag, const struct options *o, uint64_t *written)
{
	int ncol = sqlite3_column_count(st), i, rc;
	struct buf *keys, where = BUF_INIT;
	uint64_t rowno = 0, bad = 0;
	size_t mark;

	if (!(keys = calloc((size_t)ncol, sizeof(*keys))))
		oom(0);
	/* Each key once, escaped, with its colon: ,"Name": */
	for (i = first_col; i < ncol; i++) {
		const char *name = sqlite3_column_name(st, i);
		keys[i] = (struct buf)BUF_INIT;
		buf_addch(&keys[i], i == first_col && !tag ? '{' : ',');
		json_write_key(&keys[i], name, strlen(name));
		buf_addch(&keys[i], ':');
	}
	*written = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rowno++;
		mark = out.len;
		if (tag) {
			buf_adds(&out, "{\"$table\":");
			json_write_string(&out, table, strlen(table));
		}
		for (i = first_col; i < ncol; i++) {
			const char *p;
			size_t n, okn;

			buf_add(&out, keys[i].data, keys[i].len);
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				buf_addi64(&out, sqlite3_column_int64(st, i));
				break;
			case SQLITE_FLOAT:
				json_write_double(&out,
						  sqlite3_column_double(st, i));
				break;
			case SQLITE_TEXT:
				p = (const char *)sqlite3_column_text(st, i);
				n = (size_t)sqlite3_column_bytes(st, i);
				okn = utf8_valid_prefix(p, n);
				if (okn == n && !memchr(p, '\0', n)) {
					json_write_string(&out, p, n);
					break;
				}
				if (o->bad_text_binary) {
					json_write_binary(&out, p, n, 0);
					break;
				}
				locate(&where, table, first_col == 1,
				       sqlite3_column_int64(st, 0), rowno,
				       sqlite3_column_name(st, i));
				if (okn < n)
					warnx("%s: invalid UTF-8 in TEXT at "
					      "byte "
					      "%zu (--bad-text=binary keeps "
					      "it)",
					      where.data, okn + 1);
				else
					warnx("%s: NUL byte in TEXT at byte "
					      "%zu "
					      "(--bad-text=binary keeps it)",
					      where.data,
					      (size_t)((const char *)memchr(
							       p, 0, n) -
						       p) +
						      1);
				goto bad_row;
			case SQLITE_BLOB:
				p = sqlite3_column_blob(st, i);
				n = (size_t)sqlite3_column_bytes(st, i);
				json_write_binary(&out, p, n, 0);
				break;
			default:
				buf_adds(&out, "null");
				break;
			}
		}
		if (ncol == first_col && !tag)
			buf_addch(&out, '{');
		buf_adds(&out, "}\n");
		(*written)++;
		flush(0);
		continue;
	bad_row:
		buf_setlen(&out, mark);
		bad++;
		rows_left_out++;
	}
	if (rc != SQLITE_DONE)
		sql_die(db, table ? table : "query");
	for (i = first_col; i < ncol; i++)
		buf_release(&keys[i]);
	free(keys);
	buf_release(&where);
	return bad;
}

/*
 * --partition=K/N: this part's rows of t, as a condition appended to sql
 * (after WHERE or AND) whose values are bound by bind_part().  A table with
 * a rowid is cut into N equal ranges of it between its least and greatest
 * (the first part open below, the last above: no row is left out); a
 * WITHOUT ROWID table into N runs of equal length in its primary key's
 * order, cut where the key at row count*k/N is (row values compare in the
 * key's collations).  The cuts are the file's: every part must read the same
 * file, unchanged.  Returns 0 when every row is this part's (one part, an
 * empty table).
 */
struct part {
	int ncut, nkey;
	sqlite3_int64 lo, hi; /* rowid cuts */
	int has_lo, has_hi;
	sqlite3_value *key[2][64]; /* primary key cuts: lo, hi */
};

/* total * j / n without overflow (j <= n <= 65536) */
static sqlite3_uint64
cut(sqlite3_uint64 total, uint32_t j, uint32_t n)
{
	return total / n * j + total % n * j / n;
}

static void
key_cut(sqlite3 *db, const struct table *t, const struct buf *cols,
	sqlite3_int64 at, struct part *p, int which)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	int i;

	buf_addf(&sql, "SELECT %s FROM ", cols->data);
	sql_ident(&sql, t->name, 0);
	buf_addf(&sql, " ORDER BY %s LIMIT 1 OFFSET %lld", cols->data,
		 (long long)at);
	st = prepare(db, sql.data, t->name);
	if (sqlite3_step(st) != SQLITE_ROW)
		sql_die(db, t->name);
	for (i = 0; i < p->nkey; i++)
		p->key[which][i] =
			sqlite3_value_dup(sqlite3_column_value(st, i));
	sqlite3_finalize(st);
	buf_release(&sql);
}

static int
part_where(sqlite3 *db, const struct table *t, const char *rid,
	   const struct options *o, struct buf *where, struct part *p)
{
	uint32_t k = o->part.k, n = o->part.n;
	struct buf sql = BUF_INIT, cols = BUF_INIT;
	sqlite3_stmt *st;
	int i;

	memset(p, 0, sizeof(*p));
	if (n <= 1)
		return 0;
	if (rid) {
		sqlite3_uint64 span;
		sqlite3_int64 min;

		buf_addf(&sql, "SELECT min(%s), max(%s) FROM ", rid, rid);
		sql_ident(&sql, t->name, 0);
		st = prepare(db, sql.data, t->name);
		if (sqlite3_step(st) != SQLITE_ROW)
			sql_die(db, t->name);
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			min = sqlite3_column_int64(st, 0);
			span = (sqlite3_uint64)sqlite3_column_int64(st, 1) -
			       (sqlite3_uint64)min;
			/* part k: [min + cut(k-1), min + cut(k)) */
			p->has_lo = k > 1;
			p->has_hi = k < n;
			p->lo = (sqlite3_int64)((sqlite3_uint64)min +
						cut(span, k - 1, n));
			p->hi = (sqlite3_int64)((sqlite3_uint64)min +
						cut(span, k, n));
		}
		sqlite3_finalize(st);
		if (p->has_lo)
			buf_addf(where, "%s >= :part_lo", rid);
		if (p->has_lo && p->has_hi)
			buf_adds(where, " AND ");
		if (p->has_hi)
			buf_addf(where, "%s < :part_hi", rid);
		buf_release(&sql);
		return p->has_lo || p->has_hi;
	}
	buf_adds(&sql, "SELECT name FROM pragma_table_info(");
	sql_literal(&sql, t->name);
	buf_adds(&sql, ") WHERE pk > 0 ORDER BY pk");
	st = prepare(db, sql.data, t->name);
	while (sqlite3_step(st) == SQLITE_ROW && p->nkey < 64) {
		if (p->nkey++)
			buf_adds(&cols, ", ");
		sql_ident(&cols, (const char *)sqlite3_column_text(st, 0), 0);
	}
	sqlite3_finalize(st);
	if (!p->nkey)
		errx(2,
		     "%s %s: --partition: it has neither a rowid nor a "
		     "primary key to cut by",
		     t->is_view ? "view" : "table", t->name);
	buf_reset(&sql);
	buf_adds(&sql, "SELECT count(*) FROM ");
	sql_ident(&sql, t->name, 0);
	st = prepare(db, sql.data, t->name);
	if (sqlite3_step(st) != SQLITE_ROW)
		sql_die(db, t->name);
	sqlite3_int64 count = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (count > 0) {
		/* the part's first row is at count*(k-1)/n in key order */
		p->has_lo = k > 1;
		p->has_hi = k < n;
		if (p->has_lo)
			key_cut(db, t, &cols,
				(sqlite3_int64)cut((sqlite3_uint64)count, k - 1,
						   n),
				p, 0);
		if (p->has_hi)
			key_cut(db, t, &cols,
				(sqlite3_int64)cut((sqlite3_uint64)count, k, n),
				p, 1);
	}
	for (i = 0; i < 2; i++) {
		int j, on = i ? p->has_hi : p->has_lo;
		if (!on)
			continue;
		if (i && p->has_lo)
			buf_adds(where, " AND ");
		buf_addf(where, "(%s) %s (", cols.data, i ? "<" : ">=");
		for (j = 0; j < p->nkey; j++)
			buf_addf(where, "%s:part_%s%d", j ? ", " : "",
				 i ? "hi" : "lo", j);
		buf_adds(where, ")");
	}
	buf_release(&sql);
	buf_release(&cols);
	return p->has_lo || p->has_hi;
}

static void
bind_part(sqlite3_stmt *st, struct part *p)
{
	char name[32];
	int i, j;

	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":part_lo"),
			   p->lo);
	sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":part_hi"),
			   p->hi);
	for (i = 0; i < 2; i++)
		for (j = 0; j < p->nkey && (i ? p->has_hi : p->has_lo); j++) {
			snprintf(name, sizeof(name), ":part_%s%d",
				 i ? "hi" : "lo", j);
			sqlite3_bind_value(
				st, sqlite3_bind_parameter_index(st, name),
				p->key[i][j]);
		}
}

static void
part_release(struct part *p)
{
	int i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < p->nkey; j++)
			sqlite3_value_free(p->key[i][j]);
}

static uint64_t
dump_table(sqlite3 *db, const struct table *t, int tag, const struct options *o)
{
	struct buf sql = BUF_INIT;
	const char *rid = rowid_alias(db, t);
	sqlite3_stmt *st;
	uint64_t bad, n;

	struct buf pw = BUF_INIT;
	struct part part;
	int parted = part_where(db, t, rid, o, &pw, &part);

	buf_adds(&sql, "SELECT ");
	if (rid)
		buf_addf(&sql, "%s, ", rid);
	buf_adds(&sql, "* FROM ");
	sql_ident(&sql, t->name, 0);
	if (o->where || o->since_col || parted) {
		buf_adds(&sql, " WHERE ");
		if (parted)
			buf_addf(&sql, "%s%s", pw.data,
				 o->where || o->since_col ? " AND " : "");
		if (o->where)
			buf_addf(&sql, "(%s)", o->where);
		if (o->where && o->since_col)
			buf_adds(&sql, " AND ");
		if (o->since_col) {
			sql_ident(&sql, o->since_col, 0);
			buf_adds(&sql, " > :since ORDER BY ");
			sql_ident(&sql, o->since_col, 0);
		}
	}
	if (sqlite3_prepare_v2(db, sql.data, -1, &st, NULL) != SQLITE_OK) {
		if (o->since_col &&
		    strstr(sqlite3_errmsg(db), "no such column"))
			errx(2, "table %s: --since: %s", t->name,
			     sqlite3_errmsg(db));
		if (o->where)
			errx(2, "table %s: --where: %s", t->name,
			     sqlite3_errmsg(db));
		sql_die(db, t->name);
	}
	if (o->since_col)
		sqlite3_bind_text(st,
				  sqlite3_bind_parameter_index(st, ":since"),
				  o->since_val, -1, SQLITE_STATIC);
	if (parted)
		bind_part(st, &part);
	bad = dump_rows(db, st, rid ? 1 : 0, t->name, tag, o, &n);
	sqlite3_finalize(st);
	part_release(&part);
	buf_release(&pw);
	if (o->verbose)
		fprintf(stderr, "sqlite-dump-ndjson: %s: %llu rows\n", t->name,
			(unsigned long long)n);
	buf_release(&sql);
	return bad;
}

static void
list_tables(sqlite3 *db, const struct table *t, int n)
{
	struct buf sql = BUF_INIT;
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < n; i++) {
		buf_reset(&sql);
		buf_adds(&sql, "SELECT count(*) FROM ");
		sql_ident(&sql, t[i].name, 0);
		st = prepare(db, sql.data, t[i].name);
		if (sqlite3_step(st) != SQLITE_ROW)
			sql_die(db, t[i].name);
		buf_addf(&out, "%s\t%s\t%lld\n", t[i].name,
			 t[i].is_view ? "view" : "table",
			 (long long)sqlite3_column_int64(st, 0));
		sqlite3_finalize(st);
		flush(0);
	}
	buf_release(&sql);
}

static int
run(sqlite3 *db, const struct options *o, char **names, int nnames)
{
	struct table *t;
	struct ddl_options dopt = {.keep_case = o->keep_case,
				   .keys_pre = o->keys_pre,
				   .all_tables = nnames == 0};
	uint64_t bad = 0;
	int n, i, tag, rc = 0;

	if (o->query) {
		sqlite3_stmt *st;
		uint64_t w;
		if (sqlite3_prepare_v2(db, o->query, -1, &st, NULL) !=
		    SQLITE_OK)
			errx(2, "--query: %s", sqlite3_errmsg(db));
		bad = dump_rows(db, st, 0, NULL, 0, o, &w);
		sqlite3_finalize(st);
		return bad ? 1 : 0;
	}
	n = find_tables(db, names, nnames, &t);
	order_by_fk(db, t, n);
	if (o->list) {
		list_tables(db, t, n);
	} else if (o->ddl) {
		/* a table left out: said why; the others are written */
		if ((i = ddl_write(db, t, n,
				   strcmp(o->ddl, "drop") == 0	 ? 2
				   : strcmp(o->ddl, "post") == 0 ? 1
								 : 0,
				   &dopt, &out)) > 0)
			warnx("%d table%s not written", i, i > 1 ? "s" : "");
		rc = i > 0;
	} else {
		tag = o->tag >= 0 ? o->tag : n > 1;
		for (i = 0; i < n; i++)
			bad += dump_table(db, &t[i], tag, o);
	}
	for (i = 0; i < n; i++)
		free(t[i].name);
	free(t);
	if (bad)
		warnx("%llu rows not written (bad TEXT)",
		      (unsigned long long)bad);
	return bad || rc ? 1 : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"bad-text", required_argument, NULL, 'b'},
		{"busy-timeout", required_argument, NULL, 'B'},
		{"ddl", required_argument, NULL, 'D'},
		{"defer-keys", no_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"keep-case", no_argument, NULL, 'K'},
		{"keys-in-pre", no_argument, NULL, 'P'},
		{"list", no_argument, NULL, 'L'},
		{"no-tag", no_argument, NULL, 'N'},
		{"partition", required_argument, NULL, 'p'},
		{"query", required_argument, NULL, 'Q'},
		{"since", required_argument, NULL, 'S'},
		{"tag", no_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, 'V'},
		{"where", required_argument, NULL, 'W'},
		{0},
	};
	struct options o = {.tag = -1, .busy_ms = 5000};
	sqlite3 *db;
	char *end, *eq;
	long l;
	int c, rc;

	cli_init();
	buf_set_oom(oom);
	while ((c = getopt_long(argc, argv, "hVv", longopts, NULL)) != -1) {
		switch (c) {
		case 'b': {
			static const char *const w[] = {"error", "binary",
							NULL};
			o.bad_text_binary =
				cli_choice(synopsis, "--bad-text", optarg, w);
			break;
		}
		case 'B':
			errno = 0;
			l = strtol(optarg, &end, 10);
			if (errno || *end || l < 0 || l > INT_MAX)
				usage();
			o.busy_ms = (int)l;
			break;
		case 'D': {
			static const char *const w[] = {"pre", "post", "drop",
							NULL};
			o.ddl = w[cli_choice(synopsis, "--ddl", optarg, w)];
			break;
		}
		case 'h':
			help();
			break;
		case 'k':
			break; /* the default now; kept for old scripts */
		case 'P':
			o.keys_pre = 1;
			break;
		case 'p':
			cli_partition(synopsis, optarg, &o.part);
			break;
		case 'K':
			o.keep_case = 1;
			break;
		case 'L':
			o.list = 1;
			break;
		case 'N':
			o.tag = 0;
			break;
		case 'Q':
			o.query = optarg;
			break;
		case 'S':
			if (!(eq = strchr(optarg, '=')) || eq == optarg)
				usage();
			*eq = '\0';
			o.since_col = optarg;
			o.since_val = eq + 1;
			break;
		case 'T':
			o.tag = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'V':
			printf("sqlite-dump-ndjson 0.1 (SQLite %s)\n",
			       sqlite3_libversion());
			cli_stdout_end();
		case 'W':
			o.where = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || (o.query && (argc > 1 || o.ddl || o.list)) ||
	    (o.ddl && o.list) || (o.part.n && (o.query || o.ddl || o.list)))
		usage();

	if (access(argv[0], F_OK) < 0)
		err(3, "%s", argv[0]);
	if (sqlite3_open_v2(argv[0], &db,
			    SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK)
		errx(3, "%s: %s", argv[0],
		     db ? sqlite3_errmsg(db) : "cannot open");
	sqlite3_busy_timeout(db, o.busy_ms);
	/* "nope" must be an unknown column, never the string 'nope' */
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, (int *)NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, (int *)NULL);
	/* One read transaction: every table from the same snapshot. */
	if (sqlite3_exec(db, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL,
			 NULL, NULL) != SQLITE_OK)
		errx(3, "%s: %s", argv[0], sqlite3_errmsg(db));
	rc = run(db, &o, argv + 1, argc - 1);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	flush(1);
	if (close(1) < 0)
		err(3, "write error");
	buf_release(&out);
	return rc;
}
