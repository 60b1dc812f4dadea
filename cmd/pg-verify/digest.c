/*
 * digest.c: --mode=digest.  Each record's values in the binary form
 * PostgreSQL's send functions give for what pg-copy-load would load
 * (pg-copy-load's own encoders; numeric without trailing zeros, char(n)
 * without its padding), hashed as PostgreSQL's hash_array_extended()
 * hashes an array of them (common/pghash), into a bucket by the hash of
 * its key; the table's rows hashed by that function in one aggregate
 * query on a second connection, in the same snapshot, while the stream is
 * read.  Buckets whose count and sum agree hold the same rows; only the
 * others are compared row by row: their records, kept in a spool file,
 * are staged and compared as --mode=full compares.
 *
 * hash_array_extended folds its elements linearly (31 * h + e), so a sum
 * of those hashes would not see values moved between rows of a bucket
 * (two emails swapped): each row's hash goes through a second, seeded
 * hash of its decimal text (hashtextextended) before it is summed, and
 * both seeds are drawn anew each run (PGVERIFY_SEED pins them), so that
 * no one can tell which bucket a key falls in or craft a change that
 * keeps a bucket's sum.
 *
 * A form is never coarser than the comparison's equality, so a difference
 * always changes a bucket; a form that is finer (jsonb's 1.0 and 1, a
 * value only the server's parser reads) only sends its bucket to the
 * row-by-row comparison, which has the last word.
 *
 * --mode=full spools every record the same way, with no aggregate: each
 * table is staged and compared on its own (digest_stage), after the
 * stream, under a savepoint rolled back when it is done, so that a run
 * holds the locks and temporary tables of one table at a time, whatever
 * the number of tables (1,200 routed tables would exhaust the lock table).
 */
#include <err.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <poll.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "buf.h"
#include "load.h"
#include "pghash.h"
#include "pgconn.h"
#include "typmod.h"
#include "verify.h"

#define NBUCKET 4096

/* a spooled record: this header, then its bytes */
struct spooled {
	uint64_t line, len;
	uint32_t file, bucket;
};

/*
 * A table's records in the spool file: written in blocks of about
 * SPOOL_BLOCK bytes, so that one table's are read back without reading
 * the others'
 */
#define SPOOL_BLOCK (64u << 10)
struct block {
	uint64_t off, len;
};
struct tspool {
	struct buf pend; /* not yet written */
	struct block *blk;
	size_t nblk;
};

struct dtable {
	struct target *t;
	unsigned char *in;     /* the columns hashed */
	unsigned char *padded; /* char(n): hashed as text */
	int full;	       /* a column no form is known for: staged whole */
	int all;	       /* every bucket compared (see digest_record) */
	int sent;	       /* its aggregate query is on its way */
	uint64_t source;       /* records taken */
	uint64_t rejected;     /* t's before the stage saw any */
	uint64_t cnt[NBUCKET], sum[NBUCKET];   /* the stream's */
	uint64_t tcnt[NBUCKET], tsum[NBUCKET]; /* the table's */
	unsigned char dirty[NBUCKET];	       /* a record with no exact form */
	unsigned char *need;		       /* buckets compared row by row */
	uint64_t nneed;
	struct tspool sp; /* its records */
};

static struct {
	const struct verify_options *vo;
	struct options *o;
	PGconn *conn;	/* the aggregate queries' connection */
	char *snapshot; /* the main connection's, shared with it */
	const char *conninfo;
	struct dtable **q; /* in the order their queries go */
	int nq, next;	   /* next: the first whose result is not read */
	FILE *spool;
	uint64_t spool_end; /* its size: where the next block goes */
	char **names;	    /* input names, for the spool's records */
	uint32_t nnames;
	struct buf sql;
	struct copy_hash ch;
	uint64_t n;
	int unlike; /* the server's hash_array_extended is not pghash's */
	uint64_t seed, mix; /* of the rows' hashes, and of their mixing */
} D;

static void
fail_conn(struct loader *l, PGconn *c, const PGresult *r, const char *what)
{
	buf_reset(&l->msg);
	pgconn_describe(&l->msg, c, r);
	warnx("%s: %s", what, l->msg.data);
	loader_fail(l, 3);
}

/*
 * The table's side of column c: the bytes of its send function, which is
 * what copy_binary_value writes after the length (NULL for NULL)
 */
static void
field_sql(struct buf *s, const struct column *c)
{
	static const struct {
		enum bin_type bin;
		const char *fn;
	} fns[] = {
		{BIN_INT2, "int2send"},
		{BIN_INT4, "int4send"},
		{BIN_INT8, "int8send"},
		{BIN_FLOAT4, "float4send"},
		{BIN_FLOAT8, "float8send"},
		{BIN_BOOL, "boolsend"},
		{BIN_DATE, "date_send"},
		{BIN_TIMESTAMP, "timestamp_send"},
		{BIN_TIMESTAMPTZ, "timestamptz_send"},
		{BIN_UUID, "uuid_send"},
	};
	const char *q = c->quoted;
	size_t i;

	for (i = 0; i < sizeof(fns) / sizeof(*fns); i++)
		if (fns[i].bin == c->bin)
			buf_addf(s, "pg_catalog.%s(%s)", fns[i].fn, q);
	if (c->bin == BIN_TEXT || c->bin == BIN_JSON)
		/* char(n) as text: without its padding */
		buf_addf(s, "pg_catalog.textsend(%s::pg_catalog.text)", q);
	else if (c->bin == BIN_BYTEA)
		buf_addf(s, "%s::pg_catalog.bytea", q);
	else if (c->bin == BIN_NUMERIC)
		buf_addf(s,
			 "pg_catalog.numeric_send(pg_catalog.trim_scale(%s))",
			 q);
	else if (c->bin == BIN_JSONB)
		buf_addf(s, "pg_catalog.jsonb_send(%s)", q);
}

/* hash_array_extended(ARRAY[the key's fields, and the others'], 0) */
static void
hash_sql(struct buf *s, const struct dtable *dt, int all)
{
	const struct target *t = dt->t;
	int i, n = 0;

	buf_adds(s, "pg_catalog.hash_array_extended(ARRAY[");
	for (i = 0; i < t->ncol; i++)
		if (t->col[i].key) {
			buf_adds(s, n++ ? ", " : "");
			field_sql(s, &t->col[i]);
		}
	for (i = 0; all && i < t->ncol; i++)
		if (dt->in[i] && !t->col[i].key) {
			buf_adds(s, ", ");
			field_sql(s, &t->col[i]);
		}
	buf_addf(s, "]::pg_catalog.bytea[], %" PRId64 ")", (int64_t)D.seed);
}

/*
 * What a row adds to its bucket's sum: its hash h mixed, as
 * pg_catalog.hashtextextended(h::text COLLATE "C", D.mix) mixes it
 */
static uint64_t
mixed(uint64_t h)
{
	char d[24], *p = d + sizeof(d);
	int64_t v = (int64_t)h;
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*--p = '-';
	return pghash_bytes(p, (size_t)(d + sizeof(d) - p), D.mix);
}

/* the bucket of a row: the low bits of its key's hash */
static void
bucket_sql(struct buf *s, const struct dtable *dt)
{
	buf_adds(s, "(");
	hash_sql(s, dt, 0);
	buf_addf(s, " & %d)", NBUCKET - 1);
}

/* A statement on conn about t, or a message and exit 3. */
static void
on_conn(struct loader *l, PGconn *conn, const struct target *t, const char *sql)
{
	PGresult *r = PQexec(conn, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fail_conn(l, conn, r, t->display);
	PQclear(r);
}

static void
send_query(struct loader *l, struct dtable *dt)
{
	struct buf *s = &D.sql;

	buf_reset(s);
	buf_addf(s,
		 "SELECT b, pg_catalog.count(*), pg_catalog.sum("
		 "pg_catalog.hashtextextended(h::pg_catalog.text COLLATE "
		 "pg_catalog.\"C\", %" PRId64
		 "))::pg_catalog.text FROM (SELECT ",
		 (int64_t)D.mix);
	bucket_sql(s, dt);
	buf_adds(s, " AS b, ");
	hash_sql(s, dt, 1);
	buf_addf(s, " AS h FROM %s", dt->t->qualified);
	if (D.vo->where)
		buf_addf(s, " WHERE (%s)", D.vo->where);
	buf_adds(s, ") g GROUP BY b");
	/* the table's locks go when it is done (verify_hold) */
	on_conn(l, D.conn, dt->t, "SAVEPOINT ndjson_migrate_agg");
	/* one statement, whatever --where holds */
	if (!PQsendQueryParams(D.conn, s->data, 0, NULL, NULL, NULL, NULL, 0))
		fail_conn(l, D.conn, NULL, dt->t->display);
	dt->sent = 1;
}

/*
 * Read the aggregate results that have come (all of them when wait), and
 * send the next query when one is done.
 */
static void
pump(struct loader *l, int wait)
{
	PGresult *r;
	struct dtable *dt;
	int i, b;

	while (D.next < D.nq) {
		dt = D.q[D.next];
		if (!dt->sent)
			send_query(l, dt);
		if (!wait) {
			if (!PQconsumeInput(D.conn))
				fail_conn(l, D.conn, NULL, dt->t->display);
			if (PQisBusy(D.conn))
				return;
		}
		while ((r = PQgetResult(D.conn))) {
			if (PQresultStatus(r) != PGRES_TUPLES_OK)
				fail_conn(l, D.conn, r, dt->t->display);
			for (i = 0; i < PQntuples(r); i++) {
				const char *p = PQgetvalue(r, i, 2);
				uint64_t v = 0;
				int neg = *p == '-';
				b = atoi(PQgetvalue(r, i, 0));
				if (b < 0 || b >= NBUCKET)
					continue;
				dt->tcnt[b] =
					strtoull(PQgetvalue(r, i, 1), NULL, 10);
				/* the sum modulo 2^64, as the stream's */
				for (p += neg; *p >= '0' && *p <= '9'; p++)
					v = v * 10 + (uint64_t)(*p - '0');
				dt->tsum[b] = neg ? -v : v;
			}
			PQclear(r);
		}
		/* what it read was the snapshot's rows; its locks go */
		verify_hold(l, D.conn, dt->t, 0);
		on_conn(l, D.conn, dt->t,
			"ROLLBACK TO SAVEPOINT ndjson_migrate_agg; "
			"RELEASE SAVEPOINT ndjson_migrate_agg");
		D.next++;
	}
}

/*
 * The reader is about to wait for its input: while an aggregate query
 * runs, take its result as soon as it comes (and release its table), and
 * send the next, until the input is readable or no query is left.
 */
static void
idle(void *arg, int fd)
{
	struct loader *l = arg;
	struct pollfd p[2];

	while (D.conn && D.next < D.nq && !loader_stop) {
		pump(l, 0);
		if (D.next >= D.nq)
			break;
		p[0] = (struct pollfd){.fd = fd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = PQsocket(D.conn),
				       .events = POLLIN};
		if (poll(p, 2, -1) < 0 || p[0].revents)
			break; /* a signal (the reader tells it), or input */
	}
}

/* The aggregate connection, in the main connection's snapshot. */
static void
open_conn(struct loader *l)
{
	struct err e = {0};
	char *lit;

	if (!(D.conn = pgconn_open(D.conninfo, "pg-verify", &e)) ||
	    pgconn_no_shadows(D.conn, &e) < 0) {
		warnx("%s", e.msg);
		loader_fail(l, e.code);
	}
	loader_cancel_on_signal(D.conn);
	PQsetNoticeProcessor(D.conn, verify_notice, NULL);
	lit = PQescapeLiteral(D.conn, D.snapshot, strlen(D.snapshot));
	buf_reset(&D.sql);
	buf_addf(&D.sql,
		 "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET "
		 "TRANSACTION SNAPSHOT %s; SET work_mem = '64MB'; SET "
		 "row_security = off",
		 lit);
	PQfreemem(lit);
	if (pgconn_exec(D.conn, D.sql.data, &e) < 0) {
		warnx("%s", e.msg);
		loader_fail(l, 3);
	}
}

/*
 * A table's first record: the columns hashed are the key and those this
 * record has that are compared (or --columns'); its query goes.
 */
static struct dtable *
dtable_new(struct loader *l, struct target *t)
{
	struct dtable *dt = xcalloc(1, sizeof(*dt));
	int i;

	dt->t = t;
	dt->sp.pend = (struct buf)BUF_INIT;
	t->digest = dt;
	/*
	 * full: every record staged; a foreign table is read in a snapshot
	 * of its server's per local session, so the aggregate's second
	 * session would see another moment than the comparison: staged too
	 */
	if (D.vo->mode == 1 || verify_foreign(l, t)) {
		dt->full = 1;
		return dt;
	}
	dt->in = xcalloc((size_t)t->ncol, 1);
	dt->padded = xcalloc((size_t)t->ncol, 1);
	for (i = 0; i < t->ncol; i++) {
		struct column *c = &t->col[i];
		dt->padded[i] = strcmp(c->type, "bpchar") == 0;
		dt->in[i] = c->key ||
			    (!c->generated && verify_compared(D.vo, t, c) &&
			     (D.vo->columns || t->present[i]));
		if (dt->in[i] &&
		    (c->bin == BIN_NONE || c->unvalidated || D.unlike))
			dt->full = 1;
	}
	if (dt->full) /* staged as --mode=full stages */
		return dt;
	verify_where(l, t, D.vo);
	if (!D.conn)
		open_conn(l);
	if (!(D.q = realloc(D.q, (size_t)(D.nq + 1) * sizeof(*D.q))))
		loader_oom(0);
	D.q[D.nq++] = dt;
	pump(l, 0);
	return dt;
}

/* The hash of t's value for column i, or 1 (see copy_binary_hash). */
static int
form(const struct dtable *dt, int i, uint64_t *h)
{
	return copy_binary_hash(&D.ch, &dt->t->slot[i], dt->t->col[i].bin,
				dt->padded[i], h);
}

static uint32_t
name_index(const char *file)
{
	static const char
		*last; /* the reader's name: the same pointer a file */

	if (file == last)
		return D.nnames - 1;
	last = file;
	if (!D.nnames || strcmp(D.names[D.nnames - 1], file) != 0) {
		D.names = realloc(D.names, (D.nnames + 1) * sizeof(*D.names));
		if (!D.names)
			loader_oom(0);
		D.names[D.nnames++] = xstrdup(file);
	}
	return D.nnames - 1;
}

/* n bytes at p, then m at q, written at the spool's end as a block */
static void
spool_write(struct tspool *sp, const void *p, size_t n, const void *q, size_t m)
{
	if (!n)
		return;
	if (fwrite(p, 1, n, D.spool) != n ||
	    (m && fwrite(q, 1, m, D.spool) != m))
		err(3, "spool");
	if (!(sp->nblk & (sp->nblk + 1))) { /* 0, 1, 3, 7, ...: full */
		sp->blk =
			realloc(sp->blk, (sp->nblk + 1) * 2 * sizeof(*sp->blk));
		if (!sp->blk)
			loader_oom(0);
	}
	sp->blk[sp->nblk].off = D.spool_end;
	sp->blk[sp->nblk++].len = n + m;
	D.spool_end += n + m;
}

/* What sp holds in memory, written as a block. */
static void
spool_block(struct tspool *sp)
{
	spool_write(sp, sp->pend.data, sp->pend.len, NULL, 0);
	buf_reset(&sp->pend);
}

/*
 * A record into t's spool: held with others until they fill a block; a
 * big one written at once, never copied
 */
static void
spool_add(struct tspool *sp, const struct spooled *h, const char *raw)
{
	if (h->len < SPOOL_BLOCK) {
		buf_add(&sp->pend, h, sizeof(*h));
		buf_add(&sp->pend, raw, h->len);
		if (sp->pend.len >= SPOOL_BLOCK)
			spool_block(sp);
		return;
	}
	spool_block(sp);
	spool_write(sp, h, sizeof(*h), raw, h->len);
}

static void
digest_record(struct loader *l, struct target *t, const char *file,
	      uint64_t line, const char *raw, size_t rawlen)
{
	struct dtable *dt = t->digest ? t->digest : dtable_new(l, t);
	struct spooled h = {.line = line, .len = rawlen};
	uint64_t hk = PGHASH_ARRAY_INIT, e;
	int i, sure = 1;

	dt->source++;
	for (i = 0; !dt->full && i < t->ncol; i++)
		if (t->col[i].key) {
			if (form(dt, i, &e))
				dt->all = 1; /* no bucket: every one compared */
			hk = pghash_array_add(hk, e);
		}
	h.bucket = (uint32_t)(hk & (NBUCKET - 1));
	/* a value a type modifier would change: the stage refuses it */
	for (i = 0; !dt->full && t->guarded && i < t->ncol; i++)
		if (t->present[i] &&
		    typmod_check(&t->col[i].guard, t->col[i].guard_type,
				 &t->slot[i], l->guard, &l->msg) < 0)
			sure = 0;
	for (i = 0; !dt->full && i < t->ncol; i++) {
		if (t->col[i].key)
			continue;
		if (dt->in[i])
			sure = sure && t->present[i] && !form(dt, i, &e);
		else if (t->present[i] && !t->col[i].generated &&
			 verify_compared(D.vo, t, &t->col[i]))
			dt->all = 1; /* a column compared but not hashed */
		if (dt->in[i] && sure)
			hk = pghash_array_add(hk, e);
	}
	if (dt->full) {
		h.bucket = 0;
	} else if (sure) {
		dt->cnt[h.bucket]++;
		dt->sum[h.bucket] += mixed(hk);
	} else {
		dt->dirty[h.bucket] = 1;
	}
	h.file = name_index(file);
	spool_add(&dt->sp, &h, raw);
	if ((++D.n & 4095) == 0 && D.conn)
		pump(l, 0);
}

/* The spool: a file in $TMPDIR (else /tmp), gone when it is closed. */
static FILE *
spool_open(void)
{
	const char *dir = getenv("TMPDIR");
	struct buf name = BUF_INIT;
	FILE *f;
	int fd;

	buf_addf(&name, "%s/pg-verify.XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(name.data)) < 0 || unlink(name.data) < 0 ||
	    !(f = fdopen(fd, "w+")))
		err(3, "%s", name.data);
	buf_release(&name);
	setvbuf(f, NULL, _IOFBF, 1 << 20); /* big writes */
	return f;
}

/* splitmix64: one step */
static uint64_t
next_seed(uint64_t x)
{
	x += 0x9e3779b97f4a7c15u;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
	return x ^ (x >> 31);
}

/* The run's seeds: random, or from PGVERIFY_SEED (a test's, to craft) */
static void
seeds(void)
{
	const char *pin = getenv("PGVERIFY_SEED");
	uint64_t r;

	if (pin && *pin)
		r = strtoull(pin, NULL, 10);
	else if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		err(3, "getrandom");
	D.seed = next_seed(r);
	D.mix = next_seed(D.seed);
}

void
digest_start(struct loader *l, struct options *o,
	     const struct verify_options *vo, const char *conninfo)
{
	PGresult *r;

	D.vo = vo;
	D.o = o;
	D.conninfo = conninfo;
	D.ch = (struct copy_hash)COPY_HASH_INIT;
	D.sql = (struct buf)BUF_INIT;
	D.spool = spool_open();
	l->digest = digest_record;
	if (vo->mode != 0)
		return;
	l->idle = idle;
	seeds();
	D.ch.seed = D.seed;
	r = sql_query(l, "pg-verify", "SELECT pg_catalog.pg_export_snapshot()",
		      0, NULL);
	if (!r)
		loader_fail(l, 3);
	D.snapshot = xstrdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	/*
	 * the server hashes as pghash does (a little-endian server): else
	 * every table is compared row by row, as --mode=full does
	 */
	r = sql_query(l, "pg-verify",
		      "SELECT pg_catalog.hash_array_extended(ARRAY["
		      "pg_catalog.decode('0102030405060708090a0b0c0d', 'hex'), "
		      "NULL, pg_catalog.decode('', 'hex')], 0)",
		      0, NULL);
	if (!r)
		loader_fail(l, 3);
	{
		static const unsigned char probe[] = {1, 2, 3,	4,  5,	6, 7,
						      8, 9, 10, 11, 12, 13};
		uint64_t h = PGHASH_ARRAY_INIT;
		h = pghash_array_add(h, pghash_bytes(probe, sizeof(probe), 0));
		h = pghash_array_add(h, 0);
		h = pghash_array_add(h, pghash_bytes("", 0, 0));
		D.unlike =
			(uint64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10) != h;
	}
	PQclear(r);
	if (D.unlike)
		warnx("the server hashes unlike this machine: every row is "
		      "compared (as --mode=full)");
}

/*
 * The stream's end: every record's block written; in digest mode, every
 * aggregate read and the buckets that differ found.
 */
void
digest_collect(struct loader *l)
{
	struct dtable *dt;
	int i, b;

	if (D.conn)
		pump(l, 1);
	for (i = 0; i < l->nt; i++) {
		if (!(dt = l->t[i]->digest))
			continue;
		spool_block(&dt->sp);
		buf_release(&dt->sp.pend);
		dt->rejected = l->t[i]->rejected;
		if (dt->full)
			continue;
		dt->need = xcalloc(NBUCKET, 1);
		for (b = 0; b < NBUCKET; b++)
			if (dt->all || dt->dirty[b] ||
			    dt->cnt[b] != dt->tcnt[b] ||
			    dt->sum[b] != dt->tsum[b]) {
				dt->need[b] = 1;
				dt->nneed++;
			}
	}
	if (fflush(D.spool) != 0)
		err(3, "spool");
}

/*
 * The records of t that are compared row by row (every one, or those of
 * the buckets that differ), staged and checked as --mode=full checks them:
 * a record the stage refuses is invalid and not a source row.  A table
 * with no record gets an empty stage: its rows are extra.
 */
void
digest_stage(struct loader *l, struct target *t)
{
	struct dtable *dt = t->digest;
	struct buf blk = BUF_INIT;
	struct spooled h;
	uint64_t read = l->read, loaded = l->loaded;
	size_t i, at;

	if (dt && !dt->full && !dt->nneed)
		return; /* every bucket the same */
	if (D.vo->read_only) {
		if (!dt)
			warnx("%s: no record of it was read: listing its rows "
			      "needs a temporary table, which a read-only "
			      "session (a hot standby) cannot make; run on a "
			      "server that can",
			      t->display);
		else if (dt->full)
			warnx("%s: a column with no digest form: comparing it "
			      "needs a temporary table, which a read-only "
			      "session (a hot standby) cannot make; run on a "
			      "server that can",
			      t->display);
		else
			warnx("%s: %" PRIu64 " of %d buckets differ: telling "
			      "which rows needs a temporary table, which a "
			      "read-only session (a hot standby) cannot make; "
			      "run on a server that can",
			      t->display, dt->nneed, NBUCKET);
		loader_fail(l, 3);
	}
	target_stage(l, t);
	if (!dt)
		return;
	D.o->verify = VERIFY_FULL;
	for (i = 0; i < dt->sp.nblk; i++) {
		buf_reset(&blk);
		buf_grow(&blk, dt->sp.blk[i].len);
		if (pread(fileno(D.spool), blk.data, dt->sp.blk[i].len,
			  (off_t)dt->sp.blk[i].off) !=
		    (ssize_t)dt->sp.blk[i].len)
			err(3, "spool");
		for (at = 0; at < dt->sp.blk[i].len; at += h.len) {
			if (loader_stop) {
				warnx("stopped by signal %d", (int)loader_stop);
				loader_fail(l, 3);
			}
			memcpy(&h, blk.data + at, sizeof(h));
			at += sizeof(h);
			if (dt->full || dt->need[h.bucket])
				loader_record_into(l, t, D.names[h.file],
						   h.line, blk.data + at,
						   h.len);
		}
	}
	batch_end(l, l->cur);
	batch_quiesce(l);
	D.o->verify = VERIFY_DIGEST;
	l->read = read;
	l->loaded = loaded;
	buf_release(&blk);
}

const struct digest_info *
digest_info(const struct target *t, struct digest_info *di)
{
	const struct dtable *dt = t->digest;
	int b;

	if (!dt)
		return NULL;
	memset(di, 0, sizeof(*di));
	di->full = dt->full;
	di->source = dt->source - (t->rejected - dt->rejected);
	di->compared = dt->full ? NBUCKET : dt->nneed;
	di->buckets = NBUCKET;
	for (b = 0; !dt->full && b < NBUCKET; b++)
		di->target += dt->tcnt[b];
	return di;
}

/* AND the row's bucket is one of those compared */
void
digest_filter(struct buf *s, const struct target *t)
{
	const struct dtable *dt = t->digest;
	int b, n = 0;

	if (!dt || dt->full || dt->all || dt->nneed == NBUCKET)
		return;
	buf_adds(s, " AND ");
	bucket_sql(s, dt);
	buf_adds(s, " = ANY ('{");
	for (b = 0; b < NBUCKET; b++)
		if (dt->need[b])
			buf_addf(s, "%s%d", n++ ? "," : "", b);
	buf_adds(s, "}'::pg_catalog.int8[])");
}

int
digest_lost(void)
{
	return D.conn && PQstatus(D.conn) == CONNECTION_BAD;
}

void
digest_end(struct loader *l)
{
	int i;
	uint32_t f;

	for (i = 0; i < l->nt; i++) {
		struct dtable *dt = l->t[i]->digest;
		if (dt) {
			buf_release(&dt->sp.pend);
			free(dt->sp.blk);
			free(dt->in);
			free(dt->padded);
			free(dt->need);
			free(dt);
			l->t[i]->digest = NULL;
		}
	}
	if (D.conn)
		PQfinish(D.conn);
	if (D.spool)
		fclose(D.spool);
	for (f = 0; f < D.nnames; f++)
		free(D.names[f]);
	free(D.names);
	free(D.q);
	free(D.snapshot);
	buf_release(&D.sql);
	copy_hash_release(&D.ch);
}
