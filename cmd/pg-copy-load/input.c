/*
 * input.c: the records of NDJSON files routed to their tables and added to
 * batches: what pg-copy-load and pg-verify read the same way.
 */
#include <err.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <libpq-fe.h>

#include "buf.h"
#include "errinfo.h"
#include "json.h"
#include "load.h"
#include "ndjson.h"

volatile sig_atomic_t loader_stop;
static PGcancel *cancels[4]; /* the queries a signal cancels */
static volatile sig_atomic_t ncancels;

static void
on_signal(int sig)
{
	char m[256];
	int i;

	loader_stop = sig;
	/* PQcancel is safe in a signal handler: it only sends a request */
	for (i = 0; i < ncancels; i++)
		PQcancel(cancels[i], m, sizeof(m));
}

void
loader_cancel_on_signal(PGconn *conn)
{
	PGcancel *c;

	if (ncancels < (int)(sizeof(cancels) / sizeof(*cancels)) &&
	    (c = PQgetCancel(conn))) {
		cancels[ncancels] = c;
		ncancels++;
	}
}

void
loader_init(struct loader *l)
{
	struct sigaction sa;
	int i;

	l->tmp = (struct buf)BUF_INIT;
	l->key = (struct buf)BUF_INIT;
	l->msg = (struct buf)BUF_INIT;
	l->sql = (struct buf)BUF_INIT;
	l->cols = (struct buf)BUF_INIT;
	for (i = 0; i < TYPMOD_SCRATCH; i++)
		l->guard[i] = (struct buf)BUF_INIT;
	l->pend.raw = (struct buf)BUF_INIT;
	l->t0 = l->last_progress = loader_now();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
loader_release(struct loader *l)
{
	int i, n = ncancels;

	ncancels = 0; /* no handler uses them now */
	for (i = 0; i < n; i++)
		PQfreeCancel(cancels[i]);
	PQfinish(l->conn);
	for (i = 1; i < l->nslots; i++)
		PQfinish(l->slots[i].conn);
	for (i = 0; i < l->nslots; i++) {
		free(l->slots[i].b.rows);
		free(l->slots[i].b.colset);
		buf_release(&l->slots[i].b.data);
		buf_release(&l->slots[i].b.raw);
	}
	free(l->slots);
	for (i = 0; i < l->nt; i++)
		target_free(l->t[i]);
	for (i = 0; i < l->ndone; i++)
		free(l->done_file[i]);
	free(l->orphan);
	free(l->done_file);
	free(l->done_first);
	free(l->done_last);
	free(l->t);
	buf_release(&l->tmp);
	buf_release(&l->key);
	buf_release(&l->msg);
	buf_release(&l->sql);
	buf_release(&l->cols);
	for (i = 0; i < TYPMOD_SCRATCH; i++)
		buf_release(&l->guard[i]);
	buf_release(&l->pend.raw);
	free(l->pend.rec);
	free(l->pend.name);
}

void
loader_oom(size_t want)
{
	errx(3, "out of memory (wanted %zu bytes)", want);
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		loader_oom(n * size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		loader_oom(strlen(s));
	return p;
}

double
loader_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* s seconds as m:ss, or h:mm:ss from an hour */
static void
add_clock(struct buf *b, double s)
{
	long v = s > 0 ? (long)s : 0;

	if (v >= 3600)
		buf_addf(b, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
	else
		buf_addf(b, "%ld:%02ld", v / 60, v % 60);
}

/*
 * The progress line, redrawn over the last (\r, then blanks over what is
 * left of a longer one) at most four times a second, or at the end
 * (final: the whole input read).  With the input's size known (regular
 * files), its share read and the time left at the pace so far.
 */
static void
progress(struct loader *l, int final)
{
	double t = loader_now(), secs = t - l->t0;
	uint64_t bytes = l->bytes;
	struct buf b = BUF_INIT;
	int len;

	if (!final && t - l->last_progress < 0.25)
		return;
	if (final && !l->progress_shown)
		return; /* a load too short to show: nothing to finish */
	l->last_progress = t;
	l->progress_shown = 1;
	if (l->total_bytes && (final || bytes > l->total_bytes))
		bytes = l->total_bytes;
	buf_adds(&b, "\rpg-copy-load: ");
	if (l->total_bytes)
		buf_addf(&b, "%d%%, ",
			 (int)(100.0 * (double)bytes / (double)l->total_bytes));
	buf_addf(&b, "%llu rows, %.1f", (unsigned long long)l->read,
		 (double)bytes / 1e6);
	if (l->total_bytes)
		buf_addf(&b, " of %.1f", (double)l->total_bytes / 1e6);
	buf_addf(&b, " MB, %.0f rows/s, ",
		 secs > 0 ? (double)l->read / secs : 0.0);
	add_clock(&b, secs);
	if (l->total_bytes && !final && bytes) {
		buf_adds(&b, ", ETA ");
		add_clock(&b, secs * (double)(l->total_bytes - bytes) /
				      (double)bytes);
	}
	len = (int)b.len;
	fprintf(stderr, "%s%*s", b.data,
		l->progress_len > len ? l->progress_len - len : 0, "");
	l->progress_len = len;
	buf_release(&b);
}

/* The input's size, when every file of it is a regular file; else 0. */
static uint64_t
input_size(char **files, int nfiles)
{
	struct stat st;
	uint64_t n = 0;
	int f;

	for (f = 0; f < nfiles; f++) {
		if ((strcmp(files[f], "-") == 0 ? fstat(0, &st)
						: stat(files[f], &st)) < 0 ||
		    !S_ISREG(st.st_mode))
			return 0;
		n += (uint64_t)st.st_size;
	}
	return n;
}

static void __attribute__((format(printf, 7, 8)))
bad_record(struct loader *l, struct target *t, const char *file, uint64_t line,
	   const char *raw, size_t rawlen, const char *fmt, ...)
{
	char m[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	reject(l, t, file, line, raw, rawlen, NULL, NULL, m, 0);
}

/* A record that is not one JSON object: the scanner's word, and where. */
static void
bad_json(struct loader *l, struct target *t, const char *file, uint64_t line,
	 const char *raw, size_t rawlen, const struct json_error *je)
{
	if (strncmp(je->msg, "not a JSON object", 17) == 0)
		bad_record(l, t, file, line, raw, rawlen, "%s", je->msg);
	else
		bad_record(l, t, file, line, raw, rawlen,
			   "invalid JSON: %s at byte %zu", je->msg,
			   je->offset + 1);
}

/* Has an earlier run with this --resume ID committed this line? */
static int
already_done(struct loader *l, const char *file, uint64_t line)
{
	int lo = 0, hi = l->ndone, mid, c;

	/* the last range starting at or before (file, line) */
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(l->done_file[mid], file);
		if (c < 0 || (c == 0 && l->done_first[mid] <= line))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && strcmp(l->done_file[lo - 1], file) == 0 &&
	       line <= l->done_last[lo - 1];
}

void
loader_record_into(struct loader *l, struct target *t, const char *file,
		   uint64_t line, const char *p, size_t n)
{
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	int r, c, pos = 0, routes = 0;

	t->read++;
	if (json_object_open(&it, p, n, &je) < 0) {
		bad_json(l, t, file, line, p, n, &je);
		return;
	}
	memset(t->present, 0, (size_t)t->ncol);
	while ((r = json_object_next(&it, &k, &v, &je)) > 0) {
		/* the routing field, as find_route sees it (escapes decoded);
		 * a data key seldom starts with $ or an escape */
		if ((k.escaped || (k.len && k.p[0] == '$')) &&
		    json_string_equals(&k, "$table", 6)) {
			pos++;
			if (routes++) {
				bad_record(l, t, file, line, p, n,
					   "duplicate key \"$table\"");
				return;
			}
			continue; /* the routing field */
		}
		c = target_match_key(l, t, &k, pos++);
		if (c == -3) {
			bad_record(l, t, file, line, p, n,
				   "key \"%.*s\" is reserved by the stream "
				   "contract (a data key that begins with $ is "
				   "written with one more $)",
				   (int)k.len, k.p);
			return;
		}
		if (c == -2) {
			bad_record(l, t, file, line, p, n,
				   "key \"%.*s\" matches several columns "
				   "case-insensitively",
				   (int)k.len, k.p);
			return;
		}
		if (c < 0) {
			if (l->o->ignore_unknown)
				continue;
			bad_record(l, t, file, line, p, n,
				   "key \"%.*s\" matches no column of %s "
				   "(--ignore-unknown drops such keys)",
				   (int)k.len, k.p, t->display);
			return;
		}
		if (t->col[c].generated) {
			bad_record(
				l, t, file, line, p, n,
				"column %s is generated and cannot be loaded",
				t->col[c].name);
			return;
		}
		if (t->present[c]) {
			if (k.len > 63)
				bad_record(l, t, file, line, p, n,
					   "key \"%.*s\" is column %s again "
					   "(PostgreSQL cuts names to 63 "
					   "bytes)",
					   (int)k.len, k.p, t->col[c].name);
			else
				bad_record(l, t, file, line, p, n,
					   "duplicate key \"%.*s\"", (int)k.len,
					   k.p);
			return;
		}
		t->present[c] = 1;
		t->slot[c] = v;
	}
	if (r < 0) {
		bad_json(l, t, file, line, p, n, &je);
		return;
	}
	if (!memchr(t->present, 1, (size_t)t->ncol)) {
		bad_record(l, t, file, line, p, n,
			   "record has no column of %s to load", t->display);
		return;
	}
	if (l->o->verify) {
		/* pg-verify: every record names its row by the key */
		for (c = 0; c < t->ncol; c++) {
			if (t->col[c].key &&
			    (!t->present[c] || t->slot[c].type == JSON_NULL)) {
				bad_record(l, t, file, line, p, n,
					   "key column %s is %s",
					   t->col[c].name,
					   t->present[c] ? "null" : "absent");
				return;
			}
			t->seen[c] |= t->present[c];
		}
		if (l->o->verify == VERIFY_COUNT) {
			t->loaded++;
			l->loaded++;
			return;
		}
		if (l->o->verify == VERIFY_DIGEST) {
			l->digest(l, t, file, line, p, n);
			return;
		}
	}
	batch_add(l, t, file, line, p, n);
}

/* --create: make the held records' table, then load them. */
void
loader_flush_pending(struct loader *l)
{
	struct pending *pd = &l->pend;
	struct target *t;
	size_t i;

	if (!pd->n)
		return;
	batch_quiesce(l);
	if (create_table(l, pd->name, pd->routed, pd) < 0 ||
	    !(t = target_open(l, pd->name, pd->routed))) {
		warnx("--create: cannot make table %s", pd->name);
		loader_fail(l, 3);
	}
	if (!pd->routed)
		l->fixed = t;
	for (i = 0; i < pd->n; i++) {
		l->read++;
		l->bytes += pd->rec[i].len + 1;
		loader_record_into(l, t, pd->rec[i].file, pd->rec[i].line,
				   pd->raw.data + pd->rec[i].off,
				   pd->rec[i].len);
	}
	pd->n = 0;
	buf_reset(&pd->raw);
	free(pd->name);
	pd->name = NULL;
}

/* Hold a record of a table --create will make, from the first of them. */
static void
hold(struct loader *l, const char *name, int routed, const char *file,
     uint64_t line, const char *p, size_t n)
{
	struct pending *pd = &l->pend;

	if (pd->n && strcmp(pd->name, name) != 0)
		loader_flush_pending(l);
	if (!pd->n) {
		pd->name = xstrdup(name);
		pd->routed = routed;
	}
	if (pd->n == pd->cap) {
		pd->cap = pd->cap ? 2 * pd->cap : 256;
		if (!(pd->rec = realloc(pd->rec, pd->cap * sizeof(*pd->rec))))
			loader_oom(pd->cap * sizeof(*pd->rec));
	}
	pd->rec[pd->n].file = file;
	pd->rec[pd->n].line = line;
	pd->rec[pd->n].off = pd->raw.len;
	pd->rec[pd->n].len = n;
	pd->n++;
	buf_add(&pd->raw, p, n);
	if (pd->n >= (size_t)l->o->infer_rows)
		loader_flush_pending(l);
}

static void
record(struct loader *l, const char *file, uint64_t line, const char *p,
       size_t n)
{
	struct target *t = l->fixed;
	struct json_value route;
	struct json_error je;
	int r;

	if (l->ndone && already_done(l, file, line)) {
		l->skipped++;
		return;
	}
	if (!t && l->o->table) { /* -t names a table --create will make */
		hold(l, l->o->table, 0, file, line, p, n);
		return;
	}
	if (!t) {
		r = json_route(p, n, &route, &je);
		if (r == 1) {
			buf_reset(&l->key);
			json_unescape(&l->key, route.p, route.len);
			if (l->pend.n &&
			    strcmp(l->pend.name, l->key.data) == 0) {
				hold(l, l->key.data, 1, file, line, p, n);
				return;
			}
			loader_flush_pending(l);
			buf_reset(&l->key);
			json_unescape(&l->key, route.p, route.len);
			if (!(t = target_find(l, l->key.data)) &&
			    !(t = target_open(l, l->key.data, 1)) &&
			    l->o->create) {
				hold(l, l->key.data, 1, file, line, p, n);
				return;
			}
		}
		l->read++;
		l->bytes += n + 1;
		/* a record no table takes: first, is it JSON at all? */
		if (r != 1 || !t)
			if (r == -1 || json_validate(p, n, NULL, &je) < 0) {
				bad_json(l, NULL, file, line, p, n, &je);
				return;
			}
		if (r == 0) {
			bad_record(l, NULL, file, line, p, n,
				   "no $table field and no -t");
			return;
		}
		if (r == -2) {
			bad_record(l, NULL, file, line, p, n,
				   "$table is not a string");
			return;
		}
		if (!t) {
			bad_record(l, NULL, file, line, p, n,
				   "no such table: %s", l->key.data);
			return;
		}
	} else {
		l->read++;
		l->bytes += n + 1;
	}
	loader_record_into(l, t, file, line, p, n);
}

static void __attribute__((noreturn)) stopped(struct loader *l)
{
	warnx("stopped by signal %d", (int)loader_stop);
	loader_fail(l, 3);
}

void
loader_read(struct loader *l, char **files, int nfiles)
{
	static char *stdin_only[] = {"-"};
	struct ndjson_reader rd;
	struct err e = {0};
	const char *line;
	size_t len;
	uint64_t n = 0;
	int f, r;

	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	if (l->o->progress)
		l->total_bytes = input_size(files, nfiles);
	for (f = 0; f < nfiles; f++) {
		if (ndjson_reader_open(&rd, files[f], l->o->max_record, &e) <
		    0) {
			warnx("%s", e.msg);
			loader_fail(l, e.code);
		}
		rd.stop = &loader_stop; /* a silent input does not hold it */
		/* pg-verify: a line too long is an invalid record, not the end
		 */
		rd.skip_long = l->o->verify != VERIFY_NONE;
		rd.idle = l->idle;
		rd.idle_arg = l;
		for (;;) {
			r = ndjson_reader_next(&rd, &line, &len, &e);
			if (r < 0 && rd.skipped) {
				l->read++;
				bad_record(l, NULL, rd.name, rd.lineno, "", 0,
					   "line longer than %zu bytes "
					   "(--max-record)",
					   l->o->max_record);
				continue;
			}
			if (r <= 0)
				break;
			if (loader_stop)
				stopped(l);
			if (ndjson_is_blank(line, len))
				continue;
			record(l, rd.name, rd.lineno, line, len);
			if (l->o->progress && (++n & 63) == 0)
				progress(l, 0);
		}
		if (r < 0 && loader_stop)
			stopped(l);
		if (r < 0) {
			warnx("%s", e.msg);
			loader_fail(l, e.code);
		}
		/* rows point at rd.name: end the batch before it goes */
		batch_end(l, l->cur);
		ndjson_reader_close(&rd);
	}
	/* a signal after the last record: still nothing is committed */
	if (loader_stop)
		stopped(l);
	if (l->o->progress)
		progress(l, 1);
}

/* Does -t name a table?  (to_regclass: no error for a missing one.) */
int
loader_table_exists(struct loader *l, const char *name)
{
	const char *p[1] = {name};
	PGresult *r = PQexecParams(
		l->conn, "SELECT pg_catalog.to_regclass($1) IS NOT NULL", 1,
		NULL, p, NULL, NULL, 0);
	int yes = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		  PQgetvalue(r, 0, 0)[0] == 't';

	PQclear(r);
	return yes;
}
