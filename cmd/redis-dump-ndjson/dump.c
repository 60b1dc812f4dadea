/*
 * dump.c: one database of one node as records.  Keys come from SCAN in
 * batches; each batch takes few round trips whatever its size:
 *
 *	1. TIME, MGET of every key (or GET each, on a cluster node), the
 *	   expiry of each (PEXPIRETIME, or PTTL before Redis 7), and the
 *	   next SCAN: strings are done here;
 *	2. TYPE of the keys MGET found no string for;
 *	3. the first chunk of each collection (HSCAN, SSCAN, ZRANGE, LRANGE,
 *	   XRANGE): small ones are done here.
 *
 * A collection bigger than a chunk is read on to its end over a second
 * connection, so the replies queued on the first wait and memory holds
 * one chunk.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "cli.h"
#include "rdb.h"
#include "rdump.h"

enum rtype { R_STRING, R_HASH, R_LIST, R_SET, R_ZSET, R_STREAM, R_OTHER };

static const char *const type_names[] = {"string", "hash", "list",
					 "set",	   "zset", "stream"};

/* The argument vectors of a pipelined command, reused. */
struct argv {
	const char **v;
	size_t *len;
	size_t n, cap;
};

static void
arg(struct argv *a, const char *p, size_t n)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		a->len = realloc(a->len, a->cap * sizeof(*a->len));
		if (!a->v || !a->len)
			abort();
	}
	a->v[a->n] = p;
	a->len[a->n++] = n;
}

static void
args(struct argv *a, const char *s)
{
	arg(a, s, strlen(s));
}

static void
push(struct dumper *d, redisContext *c, struct argv *a)
{
	rd_append(c, d->where, (int)a->n, a->v, a->len);
	a->n = 0;
}

void
rd_append(redisContext *c, const char *where, int argc, const char **argv,
	  const size_t *argvlen)
{
	if (redisAppendCommandArgv(c, argc, argv, argvlen) != REDIS_OK)
		errx(3, "%s: %s", where,
		     c->errstr[0] ? c->errstr : "out of memory");
}

/*
 * The latest reply, kept where a leak checker sees it: the error paths
 * exit with it unfreed.
 */
static void *volatile latest;

redisReply *
rd_reply(redisContext *c, const char *where, const char *what)
{
	void *r;

	if (redisGetReply(c, &r) != REDIS_OK || !r) {
		if (c->err == REDIS_ERR_EOF ||
		    (c->err == REDIS_ERR_IO &&
		     (errno == EPIPE || errno == ECONNRESET ||
		      strcmp(c->errstr, strerror(EPIPE)) == 0 ||
		      strcmp(c->errstr, strerror(ECONNRESET)) == 0)))
			errx(3, "%s: connection lost during %s", where, what);
		if (c->err == REDIS_ERR_IO && (errno == EAGAIN || errno == 0))
			errx(3, "%s: no reply to %s in time", where, what);
		errx(3, "%s: %s: %s", where, what, c->errstr);
	}
	latest = r;
	return r;
}

void
rd_flush(struct buf *out, int final, const struct counts *n)
{
	cli_flush(out, final, n->skipped || n->torn ? 1 : 0);
}

static enum rtype
type_of(const redisReply *r)
{
	int i;

	for (i = 0; i < 6; i++)
		if (strcmp(r->str, type_names[i]) == 0)
			return (enum rtype)i;
	return R_OTHER;
}

/* The key as JSON text, for a message. */
static const char *
key_msg(const char *p, size_t n)
{
	static struct buf m = BUF_INIT;

	buf_reset(&m);
	json_write_text(&m, p, n > 200 ? 200 : n);
	return m.data;
}

/* d->head: the fields every record of this key begins with. */
static void
head(struct dumper *d, const char *key, size_t klen, const char *type,
     long long expire_at)
{
	struct buf *h = &d->head;

	buf_reset(h);
	buf_adds(h, "{\"db\":");
	buf_addi64(h, d->db);
	buf_adds(h, ",\"key\":");
	json_write_text(h, key, klen);
	buf_adds(h, ",\"type\":");
	json_write_string(h, type, strlen(type));
	buf_adds(h, ",\"expire_at_ms\":");
	if (expire_at < 0)
		buf_adds(h, "null");
	else
		buf_addi64(h, expire_at);
	buf_addch(h, ',');
}

/* ---- collections, chunk by chunk ---------------------------------------- */

/* A collection being written: the key, and where its reading stands. */
struct coll {
	enum rtype t;
	const char *key;
	size_t klen;
	long long expire_at;
	uint64_t elements; /* written so far */
	long long pos;	   /* LRANGE, ZRANGE: the next index */
	char cursor[64];   /* HSCAN, SSCAN: the next cursor; XRANGE: last id */
	int done, begun;
	long long fexp;	   /* the next hash field's expiry; 0: none */
	uint64_t fexpired; /* hash fields left out: expired */
};

/* The elements of one chunk's reply; sets c->done when it is the last. */
static int
elements_of(struct dumper *d, struct coll *c, const redisReply *r,
	    redisReply ***el, size_t *n)
{
	const redisReply *arr = r;

	(void)d;
	if (c->t == R_HASH || c->t == R_SET) {
		if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != REDIS_REPLY_STRING ||
		    r->element[1]->type != REDIS_REPLY_ARRAY ||
		    r->element[0]->len >= sizeof(c->cursor))
			return -1;
		memcpy(c->cursor, r->element[0]->str, r->element[0]->len + 1);
		c->done = strcmp(c->cursor, "0") == 0;
		arr = r->element[1];
	} else if (r->type != REDIS_REPLY_ARRAY) {
		return -1;
	}
	*el = arr->element;
	*n = arr->elements;
	if (c->t == R_HASH && *n % 2)
		return -1;
	if (c->t == R_ZSET) {
		if (*n % 2)
			return -1;
		c->done = *n < 2 * (size_t)d->o->chunk;
	} else if (c->t == R_LIST || c->t == R_STREAM) {
		c->done = *n < (size_t)d->o->chunk;
	}
	return 0;
}

static void
open_record(struct dumper *d, struct coll *c)
{
	if (c->begun)
		return;
	c->begun = 1;
	if (d->o->explode)
		return;
	buf_add(&d->out, d->head.data, d->head.len);
	buf_adds(&d->out, "\"value\":");
	buf_addch(&d->out, c->t == R_HASH ? '{' : '[');
}

/* A key written (with records of its own, or exploded ones already). */
static void
key_done(struct dumper *d, int records)
{
	d->n->written++;
	d->n->records += (uint64_t)records;
	rd_flush(&d->out, 0, d->n);
}

static void
close_record(struct dumper *d, struct coll *c)
{
	if (!d->o->explode) {
		buf_addch(&d->out, c->t == R_HASH ? '}' : ']');
		if (d->fexps.len) {
			buf_adds(&d->out, ",\"field_expire_at_ms\":{");
			buf_add(&d->out, d->fexps.data, d->fexps.len);
			buf_addch(&d->out, '}');
			buf_reset(&d->fexps);
		}
		buf_adds(&d->out, "}\n");
	}
	key_done(d, !d->o->explode);
}

/* An element's start: its own record (--explode), or a comma. */
static void
element_start(struct dumper *d, struct coll *c)
{
	if (d->o->explode) {
		buf_add(&d->out, d->head.data, d->head.len);
		d->n->records++;
	} else if (c->elements > 0) {
		buf_addch(&d->out, ',');
	}
}

static void
element_end(struct dumper *d, struct coll *c)
{
	if (d->o->explode)
		buf_adds(&d->out, "}\n");
	c->elements++;
	if (!d->whole)
		rd_flush(&d->out, 0, d->n);
}

/*
 * One element of a hash (a field a, value b), list or set (a), or zset (a
 * and its score): its own record with --explode, else its place in the
 * key's value.
 */
static void
put_element(struct dumper *d, struct coll *c, const char *a, size_t alen,
	    const char *b, size_t blen, double score)
{
	struct buf *o = &d->out;
	int ex = d->o->explode;

	element_start(d, c);
	switch (c->t) {
	case R_HASH:
		if (ex) {
			buf_adds(o, "\"field\":");
			json_write_text(o, a, alen);
			buf_adds(o, ",\"value\":");
		} else {
			json_write_key(o, a, alen);
			buf_addch(o, ':');
		}
		json_write_text(o, b, blen);
		if (c->fexp && ex) {
			buf_adds(o, ",\"field_expire_at_ms\":");
			buf_addi64(o, c->fexp);
		} else if (c->fexp) {
			/* kept for after the value: a key's, bounded by it */
			if (d->fexps.len)
				buf_addch(&d->fexps, ',');
			json_write_key(&d->fexps, a, alen);
			buf_addch(&d->fexps, ':');
			buf_addi64(&d->fexps, c->fexp);
		}
		c->fexp = 0;
		break;
	case R_LIST:
		if (ex) {
			buf_adds(o, "\"index\":");
			buf_addi64(o, (int64_t)c->elements);
			buf_adds(o, ",\"value\":");
		}
		json_write_text(o, a, alen);
		break;
	case R_ZSET:
		buf_adds(o, ex ? "\"value\":" : "[");
		json_write_text(o, a, alen);
		buf_adds(o, ex ? ",\"score\":" : ",");
		json_write_double(o, score);
		if (!ex)
			buf_addch(o, ']');
		break;
	default: /* a set */
		if (ex)
			buf_adds(o, "\"value\":");
		json_write_text(o, a, alen);
		break;
	}
	element_end(d, c);
}

/* A stream entry: its id, then each field (first says it is the first). */
static void
entry_start(struct dumper *d, struct coll *c, const char *id, size_t idlen)
{
	int ex = d->o->explode;

	element_start(d, c);
	buf_adds(&d->out, ex ? "\"id\":" : "{\"id\":");
	json_write_string(&d->out, id, idlen);
	buf_adds(&d->out, ex ? ",\"value\":{" : ",\"fields\":{");
}

static void
entry_field(struct dumper *d, int first, const char *f, size_t flen,
	    const char *v, size_t vlen)
{
	if (!first)
		buf_addch(&d->out, ',');
	json_write_key(&d->out, f, flen);
	buf_addch(&d->out, ':');
	json_write_text(&d->out, v, vlen);
}

static void
entry_end(struct dumper *d, struct coll *c)
{
	buf_addch(&d->out, '}');
	if (!d->o->explode)
		buf_addch(&d->out, '}');
	element_end(d, c);
}

static redisReply *field_expiries(struct dumper *d, struct coll *c,
				  redisReply **el, size_t n);

/* Write one chunk's elements; -1 when the reply has another shape. */
static int
write_chunk(struct dumper *d, struct coll *c, redisReply **el, size_t n)
{
	size_t i, k, step = c->t == R_HASH || c->t == R_ZSET ? 2 : 1;
	const redisReply *f;
	redisReply *fx = NULL;
	double score = 0;
	char *end;

	for (i = 0; i < n; i++)
		if (c->t != R_STREAM && el[i]->type != REDIS_REPLY_STRING)
			return -1;
	if (c->t == R_HASH && d->fexpiry && n)
		fx = field_expiries(d, c, el, n);
	for (i = 0; i + step <= n; i += step) {
		if (fx) {
			long long e = fx->element[i / 2]->integer;
			if (e == -2)
				continue; /* gone since HSCAN, as if before */
			c->fexp = e > 0 ? e : 0;
		}
		if (c->t != R_STREAM) {
			if (c->t == R_ZSET) {
				score = strtod(el[i + 1]->str, &end);
				if (end == el[i + 1]->str || *end)
					errx(3,
					     "a score that is not a number: "
					     "%s",
					     el[i + 1]->str);
			}
			put_element(d, c, el[i]->str, el[i]->len,
				    c->t == R_HASH ? el[i + 1]->str : NULL,
				    c->t == R_HASH ? el[i + 1]->len : 0, score);
			continue;
		}
		/* a stream entry: [id, [field, value, ...]] */
		if (el[i]->type != REDIS_REPLY_ARRAY || el[i]->elements != 2 ||
		    el[i]->element[0]->type != REDIS_REPLY_STRING ||
		    el[i]->element[0]->len >= sizeof(c->cursor))
			return -1;
		f = el[i]->element[1];
		if (f->type != REDIS_REPLY_ARRAY || f->elements % 2)
			return -1;
		for (k = 0; k < f->elements; k++)
			if (f->element[k]->type != REDIS_REPLY_STRING)
				return -1;
		entry_start(d, c, el[i]->element[0]->str,
			    el[i]->element[0]->len);
		for (k = 0; k < f->elements; k += 2)
			entry_field(d, k == 0, f->element[k]->str,
				    f->element[k]->len, f->element[k + 1]->str,
				    f->element[k + 1]->len);
		entry_end(d, c);
		memcpy(c->cursor, el[i]->element[0]->str,
		       el[i]->element[0]->len + 1);
	}
	freeReplyObject(fx);
	return 0;
}

/* The command that reads the chunk after the one read. */
static void
next_chunk(struct dumper *d, struct coll *c, struct argv *a, char *n1, char *n2)
{
	long long from = c->pos;

	a->n = 0;
	switch (c->t) {
	case R_HASH:
	case R_SET:
		args(a, c->t == R_HASH ? "HSCAN" : "SSCAN");
		arg(a, c->key, c->klen);
		args(a, c->cursor);
		args(a, "COUNT");
		snprintf(n1, 24, "%ld", d->o->chunk);
		args(a, n1);
		break;
	case R_LIST:
	case R_ZSET:
		args(a, c->t == R_LIST ? "LRANGE" : "ZRANGE");
		arg(a, c->key, c->klen);
		snprintf(n1, 24, "%lld", from);
		snprintf(n2, 24, "%lld", from + d->o->chunk - 1);
		args(a, n1);
		args(a, n2);
		if (c->t == R_ZSET)
			args(a, "WITHSCORES");
		c->pos = from + d->o->chunk;
		break;
	default:
		args(a, "XRANGE");
		arg(a, c->key, c->klen);
		if (c->pos == 0) {
			args(a, "-");
		} else {
			/* after the last id read: "(" makes it exclusive */
			memmove(c->cursor + 1, c->cursor,
				strlen(c->cursor) + 1);
			c->cursor[0] = '(';
			args(a, c->cursor);
		}
		args(a, "+");
		args(a, "COUNT");
		snprintf(n1, 24, "%ld", d->o->chunk);
		args(a, n1);
		c->pos = 1;
		break;
	}
}

/* The second connection, for reading big keys to their end. */
static redisContext *side;
static redisContext *(*side_open)(void *arg);
static void *side_arg;

void rd_side_opener(redisContext *(*open)(void *), void *arg);
void
rd_side_opener(redisContext *(*open)(void *), void *arg)
{
	if (side)
		redisFree(side);
	side = NULL;
	side_open = open;
	side_arg = arg;
}

/*
 * The expiry of each field of a hash's chunk el[0..n) (field, value, ...),
 * asked on the side connection (the main one has replies pending):
 * HPEXPIRETIME's array, an integer a field (-1 none, -2 gone).
 */
static redisReply *
field_expiries(struct dumper *d, struct coll *c, redisReply **el, size_t n)
{
	struct argv a = {0};
	redisReply *r;
	char nf[24];
	size_t i;

	if (!side)
		side = side_open(side_arg);
	args(&a, "HPEXPIRETIME");
	arg(&a, c->key, c->klen);
	args(&a, "FIELDS");
	snprintf(nf, sizeof(nf), "%zu", n / 2);
	args(&a, nf);
	for (i = 0; i < n; i += 2)
		arg(&a, el[i]->str, el[i]->len);
	push(d, side, &a);
	free(a.v);
	free(a.len);
	r = rd_reply(side, d->where, "HPEXPIRETIME");
	if (r->type == REDIS_REPLY_ERROR)
		errx(3, "%s: db %d: key %s: HPEXPIRETIME: %s", d->where, d->db,
		     key_msg(c->key, c->klen), r->str);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != n / 2)
		goto shape;
	for (i = 0; i < r->elements; i++)
		if (r->element[i]->type != REDIS_REPLY_INTEGER)
			goto shape;
	return r;
shape:
	errx(3, "%s: db %d: key %s: HPEXPIRETIME: a reply of another shape",
	     d->where, d->db, key_msg(c->key, c->klen));
}

/*
 * A collection from its first chunk's reply r (NULL when it is to be
 * read now, on the side connection) to its end.
 */
static void
collection(struct dumper *d, struct coll *c, redisReply *r)
{
	struct argv a = {0};
	redisReply **el;
	size_t n;
	char n1[24], n2[24];
	int own = 0;

	for (;;) {
		if (!r) {
			if (!side)
				side = side_open(side_arg);
			next_chunk(d, c, &a, n1, n2);
			push(d, side, &a);
			r = rd_reply(side, d->where, "a big key's read");
			own = 1;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			if (!c->begun && strncmp(r->str, "WRONGTYPE", 9) == 0) {
				d->n->changed++;
				break;
			}
			if (strncmp(r->str, "WRONGTYPE", 9) == 0) {
				warnx("%s: db %d: key %s changed type while "
				      "being read: its record holds what was "
				      "read before",
				      d->where, d->db,
				      key_msg(c->key, c->klen));
				d->n->torn++;
				close_record(d, c);
				break;
			}
			errx(3, "%s: db %d: key %s: %s", d->where, d->db,
			     key_msg(c->key, c->klen), r->str);
		}
		if (elements_of(d, c, r, &el, &n) < 0)
			goto shape;
		if (n > 0)
			open_record(d, c);
		if (write_chunk(d, c, el, n) < 0)
			goto shape;
		if (own)
			freeReplyObject(r);
		r = NULL;
		if (c->done) {
			if (!c->begun && c->t != R_STREAM) {
				d->n->vanished++; /* an empty one is gone */
				break;
			}
			open_record(d, c);
			close_record(d, c);
			break;
		}
	}
	free(a.v);
	free(a.len);
	return;
shape:
	errx(3, "%s: db %d: key %s: a reply of another shape", d->where, d->db,
	     key_msg(c->key, c->klen));
}

/* ---- batches ------------------------------------------------------------ */

/* Where a key of a batch stands. */
enum kstate { K_DONE, K_STRING, K_TYPE, K_CHUNK };

struct key {
	const char *p;
	size_t len;
	long long pttl;	     /* --stats: PTTL */
	long long expire_at; /* ms since 1970, -1 none, -2 the key is gone */
	enum rtype t;
	enum kstate state;
	const redisReply *value; /* the string, from MGET or GET */
	long long mem;		 /* --stats: MEMORY USAGE, or -1 */
};

static struct argv cmd;
static char chunkarg[24], lastarg[24];
static redisReply *scan_reply(struct dumper *d);

/* SCAN cursor [MATCH pattern] COUNT n [TYPE type] */
static void
send_scan(struct dumper *d, const char *cursor, const char *pattern)
{
	char cnt[24];

	args(&cmd, "SCAN");
	args(&cmd, cursor);
	if (pattern) {
		args(&cmd, "MATCH");
		args(&cmd, pattern);
	}
	args(&cmd, "COUNT");
	snprintf(cnt, sizeof(cnt), "%ld", d->o->count);
	args(&cmd, cnt);
	if (d->o->type) {
		args(&cmd, "TYPE");
		args(&cmd, d->o->type);
	}
	push(d, d->c, &cmd);
}

static long long
now_ms(struct dumper *d, redisReply *t)
{
	if (t->type != REDIS_REPLY_ARRAY || t->elements != 2 ||
	    t->element[0]->type != REDIS_REPLY_STRING ||
	    t->element[1]->type != REDIS_REPLY_STRING)
		errx(3, "%s: TIME: %s", d->where,
		     t->type == REDIS_REPLY_ERROR ? t->str
						  : "a reply of another shape");
	return atoll(t->element[0]->str) * 1000 +
	       atoll(t->element[1]->str) / 1000;
}

static void
string_record(struct dumper *d, struct key *k)
{
	head(d, k->p, k->len, "string", k->expire_at);
	buf_add(&d->out, d->head.data, d->head.len);
	buf_adds(&d->out, "\"value\":");
	json_write_text(&d->out, k->value->str, k->value->len);
	buf_adds(&d->out, "}\n");
	key_done(d, 1);
}

static void
first_chunk_cmd(struct dumper *d, struct key *k)
{
	cmd.n = 0;
	switch (k->t) {
	case R_HASH:
	case R_SET:
		args(&cmd, k->t == R_HASH ? "HSCAN" : "SSCAN");
		arg(&cmd, k->p, k->len);
		args(&cmd, "0");
		args(&cmd, "COUNT");
		args(&cmd, chunkarg);
		break;
	case R_LIST:
	case R_ZSET:
		args(&cmd, k->t == R_LIST ? "LRANGE" : "ZRANGE");
		arg(&cmd, k->p, k->len);
		args(&cmd, "0");
		args(&cmd, lastarg);
		if (k->t == R_ZSET)
			args(&cmd, "WITHSCORES");
		break;
	default:
		args(&cmd, "EXISTS");
		arg(&cmd, k->p, k->len);
		push(d, d->c, &cmd);
		args(&cmd, "XRANGE");
		arg(&cmd, k->p, k->len);
		args(&cmd, "-");
		args(&cmd, "+");
		args(&cmd, "COUNT");
		args(&cmd, chunkarg);
		break;
	}
	push(d, d->c, &cmd);
}

/*
 * A SCAN batch: its keys (pointing into its SCAN reply) and the replies
 * of round 1.  Two are alive at once, so that round 1 of the next batch
 * runs on the server while this one's records are written.
 */
struct batch {
	redisReply *scan; /* the reply that listed the keys */
	struct key *keys;
	size_t nk, cap, nother;
	redisReply *mget, **vals; /* MGET, or GET each on a cluster */
	size_t capvals;
	long long now;
};

/*
 * The batch's keys from its SCAN reply, but those written already (SCAN
 * may return a key twice).
 */
static void
take_keys(struct dumper *d, struct batch *b)
{
	redisReply *ks = b->scan->element[1], *r;
	size_t i;

	if (ks->elements > b->cap) {
		b->cap = ks->elements;
		b->keys = realloc(b->keys, b->cap * sizeof(*b->keys));
		if (!b->keys)
			abort();
	}
	b->nk = 0;
	for (i = 0; i < ks->elements; i++) {
		r = ks->element[i];
		if (r->type != REDIS_REPLY_STRING)
			errx(3, "%s: SCAN: a key that is not a string",
			     d->where);
		if (d->seen && seen_add(d->seen, r->str, r->len)) {
			d->n->twice++;
			continue;
		}
		b->keys[b->nk].p = r->str;
		b->keys[b->nk].len = r->len;
		b->keys[b->nk].value = NULL;
		b->keys[b->nk].t = R_STRING;
		b->keys[b->nk].mem = -1;
		b->nk++;
	}
}

/*
 * Round 1: TIME, MGET (or GETs), expiries, and SCAN next when there is
 * one.  PEXPIRETIME (Redis 7) is the expiry exactly; PTTL is added to TIME,
 * exact to the round trip.
 */
static void
round1_send(struct dumper *d, struct batch *b, const char *next,
	    const char *pattern)
{
	size_t i;

	take_keys(d, b);
	if (b->nk) {
		args(&cmd, "TIME");
		push(d, d->c, &cmd);
		if (!d->cluster) {
			args(&cmd, "MGET");
			for (i = 0; i < b->nk; i++)
				arg(&cmd, b->keys[i].p, b->keys[i].len);
			push(d, d->c, &cmd);
		} else {
			for (i = 0; i < b->nk; i++) {
				args(&cmd, "GET");
				arg(&cmd, b->keys[i].p, b->keys[i].len);
				push(d, d->c, &cmd);
			}
		}
		for (i = 0; i < b->nk && !d->no_ttl; i++) {
			args(&cmd, d->pexpiretime ? "PEXPIRETIME" : "PTTL");
			arg(&cmd, b->keys[i].p, b->keys[i].len);
			push(d, d->c, &cmd);
		}
	}
	if (next)
		send_scan(d, next, pattern);
}

/*
 * Round 1's replies, and the next SCAN's into *scan (when one was sent);
 * counts in b->nother the keys that are neither strings nor gone.
 */
static void
round1_read(struct dumper *d, struct batch *b, redisReply **scan)
{
	struct key *k = b->keys;
	redisReply *t, *r;
	size_t i, nk = b->nk;

	b->mget = NULL;
	b->nother = 0;
	if (nk) {
		t = rd_reply(d->c, d->where, "TIME");
		b->now = now_ms(d, t);
		freeReplyObject(t);
	}
	if (nk && !d->cluster) {
		b->mget = rd_reply(d->c, d->where, "MGET");
		if (b->mget->type == REDIS_REPLY_ERROR)
			errx(3, "%s: MGET: %s", d->where, b->mget->str);
		if (b->mget->type != REDIS_REPLY_ARRAY ||
		    b->mget->elements != nk)
			errx(3, "%s: MGET: a reply of another shape", d->where);
		for (i = 0; i < nk; i++)
			k[i].value = b->mget->element[i];
	} else if (nk) {
		if (nk > b->capvals) {
			b->capvals = nk;
			b->vals = realloc(b->vals, nk * sizeof(*b->vals));
			if (!b->vals)
				abort();
		}
		for (i = 0; i < nk; i++) {
			b->vals[i] = rd_reply(d->c, d->where, "GET");
			k[i].value = b->vals[i];
			if (b->vals[i]->type == REDIS_REPLY_ERROR &&
			    strncmp(b->vals[i]->str, "WRONGTYPE", 9) != 0)
				errx(3, "%s: GET %s: %s", d->where,
				     key_msg(k[i].p, k[i].len),
				     b->vals[i]->str);
		}
	}
	for (i = 0; i < nk; i++) {
		const char *what = d->pexpiretime ? "PEXPIRETIME" : "PTTL";
		if (d->no_ttl) {
			/* no key here expires: not asked */
			k[i].expire_at = -1;
		} else {
			r = rd_reply(d->c, d->where, what);
			if (r->type != REDIS_REPLY_INTEGER || r->integer < -2)
				errx(3, "%s: %s: %s", d->where, what,
				     r->type == REDIS_REPLY_ERROR
					     ? r->str
					     : "a reply of another shape");
			k[i].expire_at = r->integer < 0 || d->pexpiretime
						 ? r->integer
						 : b->now + r->integer;
			freeReplyObject(r);
		}
		if (k[i].expire_at != -2 &&
		    k[i].value->type != REDIS_REPLY_STRING)
			b->nother++;
	}
	if (scan)
		*scan = scan_reply(d);
}

/*
 * After round 1: the keys gone are counted, the strings marked to write,
 * and TYPE asked (round 2) of the others; nothing is sent until the
 * caller flushes or reads.
 */
static void
send_types(struct dumper *d, struct batch *b)
{
	struct key *k = b->keys;
	size_t i;

	b->nother = 0;
	for (i = 0; i < b->nk; i++) {
		k[i].state = K_DONE;
		if (k[i].expire_at == -2) {
			d->n->vanished++; /* gone (expired) since */
		} else if (k[i].value->type == REDIS_REPLY_STRING) {
			k[i].state = K_STRING;
		} else {
			args(&cmd, "TYPE");
			arg(&cmd, k[i].p, k[i].len);
			push(d, d->c, &cmd);
			k[i].state = K_TYPE;
			b->nother++;
		}
	}
}

/* The batch's strings, from round 1's replies, which are then freed. */
static void
write_strings(struct dumper *d, struct batch *b)
{
	size_t i;

	for (i = 0; i < b->nk; i++) {
		if (b->keys[i].state == K_STRING)
			string_record(d, &b->keys[i]);
		b->keys[i].value = NULL;
	}
	if (b->mget)
		freeReplyObject(b->mget);
	b->mget = NULL;
	if (d->cluster)
		for (i = 0; i < b->nk; i++)
			freeReplyObject(b->vals[i]);
}

/* Round 2's replies; the first chunk of each collection asked (round 3). */
static void
read_types(struct dumper *d, struct batch *b)
{
	struct key *k = b->keys;
	redisReply *r;
	size_t i;

	b->nother = 0;
	for (i = 0; i < b->nk; i++) {
		if (k[i].state != K_TYPE)
			continue;
		k[i].state = K_DONE;
		r = rd_reply(d->c, d->where, "TYPE");
		if (r->type != REDIS_REPLY_STATUS)
			errx(3, "%s: TYPE: %s", d->where,
			     r->type == REDIS_REPLY_ERROR
				     ? r->str
				     : "a reply of another shape");
		k[i].t = type_of(r);
		if (strcmp(r->str, "none") == 0) {
			d->n->vanished++;
		} else if (k[i].t == R_STRING) {
			d->n->changed++; /* a string now, not when read */
		} else if (k[i].t == R_OTHER) {
			warnx("%s: db %d: key %s: type %s skipped (not a "
			      "core Redis type)",
			      d->where, d->db, key_msg(k[i].p, k[i].len),
			      r->str);
			d->n->skipped++;
		} else {
			first_chunk_cmd(d, &k[i]);
			k[i].state = K_CHUNK;
			b->nother++;
		}
		freeReplyObject(r);
	}
}

/* Round 3's replies: each collection from its first chunk to its end. */
static void
read_chunks(struct dumper *d, struct batch *b)
{
	struct key *k = b->keys;
	redisReply *r;
	size_t i;

	for (i = 0; i < b->nk && b->nother; i++) {
		struct coll c;
		if (k[i].state != K_CHUNK)
			continue;
		memset(&c, 0, sizeof(c));
		c.t = k[i].t;
		c.key = k[i].p;
		c.klen = k[i].len;
		c.expire_at = k[i].expire_at;
		if (c.t == R_STREAM) {
			r = rd_reply(d->c, d->where, "EXISTS");
			c.begun = r->type == REDIS_REPLY_INTEGER &&
				  r->integer == 0;
			freeReplyObject(r);
			if (c.begun) { /* gone: its XRANGE is empty */
				freeReplyObject(
					rd_reply(d->c, d->where, "XRANGE"));
				d->n->vanished++;
				continue;
			}
		}
		head(d, c.key, c.klen, type_names[c.t], c.expire_at);
		r = rd_reply(d->c, d->where, "a collection's read");
		c.pos = c.t == R_STREAM ? 1 : d->o->chunk;
		collection(d, &c, r);
		freeReplyObject(r);
	}
}

/* Send what is buffered, so the server works while the client does. */
static void
flush_commands(struct dumper *d)
{
	int done = 0;

	while (!done)
		if (redisBufferWrite(d->c, &done) != REDIS_OK)
			rd_reply(d->c, d->where, "a write"); /* exits */
}

/* ---- --stats ------------------------------------------------------------ */

static const char *const len_cmd[] = {"STRLEN", "HLEN",	 "LLEN",
				      "SCARD",	"ZCARD", "XLEN"};

/* One SCAN batch for the audit: TYPE, PTTL, MEMORY USAGE, then lengths. */
static void
stats_batch(struct dumper *d, struct batch *b, const char *next,
	    const char *pattern, redisReply **scan)
{
	static uint64_t nth;
	struct key *keys;
	size_t nk, i;
	redisReply *r;

	take_keys(d, b);
	keys = b->keys;
	nk = b->nk;
	for (i = 0; i < nk; i++) /* measure every --sample'th */
		keys[i].mem = nth++ % (uint64_t)d->o->sample == 0 ? 0 : -1;
	for (i = 0; i < nk; i++) {
		args(&cmd, "TYPE");
		arg(&cmd, keys[i].p, keys[i].len);
		push(d, d->c, &cmd);
		args(&cmd, "PTTL");
		arg(&cmd, keys[i].p, keys[i].len);
		push(d, d->c, &cmd);
		if (keys[i].mem == 0) {
			args(&cmd, "MEMORY");
			args(&cmd, "USAGE");
			arg(&cmd, keys[i].p, keys[i].len);
			push(d, d->c, &cmd);
		}
	}
	if (next) {
		send_scan(d, next, pattern);
	}
	for (i = 0; i < nk; i++) {
		r = rd_reply(d->c, d->where, "TYPE");
		if (r->type != REDIS_REPLY_STATUS)
			errx(3, "%s: TYPE: %s", d->where,
			     r->type == REDIS_REPLY_ERROR ? r->str
							  : "another shape");
		keys[i].t =
			strcmp(r->str, "none") == 0 ? R_OTHER + 1 : type_of(r);
		if (keys[i].t == R_OTHER)
			warnx("%s: db %d: key %s: type %s (not a core Redis "
			      "type)",
			      d->where, d->db, key_msg(keys[i].p, keys[i].len),
			      r->str);
		freeReplyObject(r);
		r = rd_reply(d->c, d->where, "PTTL");
		keys[i].pttl = r->type == REDIS_REPLY_INTEGER ? r->integer : -2;
		freeReplyObject(r);
		if (keys[i].mem == 0) {
			r = rd_reply(d->c, d->where, "MEMORY USAGE");
			if (r->type == REDIS_REPLY_ERROR)
				errx(3, "%s: MEMORY USAGE: %s", d->where,
				     r->str);
			keys[i].mem = r->type == REDIS_REPLY_INTEGER
					      ? r->integer
					      : -1;
			freeReplyObject(r);
		}
	}
	if (next)
		*scan = scan_reply(d);
	for (i = 0; i < nk; i++)
		if (keys[i].t < R_OTHER) {
			args(&cmd, len_cmd[keys[i].t]);
			arg(&cmd, keys[i].p, keys[i].len);
			push(d, d->c, &cmd);
		}
	for (i = 0; i < nk; i++) {
		long long len = -1;
		if (keys[i].t > R_OTHER || keys[i].pttl == -2) {
			d->n->vanished++;
			if (keys[i].t < R_OTHER)
				freeReplyObject(
					rd_reply(d->c, d->where, "a length"));
			continue;
		}
		if (keys[i].t < R_OTHER) {
			r = rd_reply(d->c, d->where, "a length");
			if (r->type == REDIS_REPLY_INTEGER)
				len = r->integer;
			freeReplyObject(r);
		} else {
			d->n->skipped++;
		}
		if (keys[i].t < R_OTHER && len == 0 && keys[i].t != R_STREAM &&
		    keys[i].t != R_STRING) {
			d->n->vanished++;
			continue;
		}
		stats_key(d->st, d->db, keys[i].p, keys[i].len,
			  keys[i].t < R_OTHER ? type_names[keys[i].t] : NULL,
			  keys[i].pttl, len, keys[i].mem);
		d->n->written++;
	}
}

/* A SCAN reply's cursor, or NULL when it is the last; exits on a bad one. */
static const char *
cursor_of(struct dumper *d, redisReply *scan, char *cursor, size_t size)
{
	if (scan->type == REDIS_REPLY_ERROR)
		errx(3, "%s: SCAN: %s", d->where, scan->str);
	if (scan->type != REDIS_REPLY_ARRAY || scan->elements != 2 ||
	    scan->element[0]->type != REDIS_REPLY_STRING ||
	    scan->element[1]->type != REDIS_REPLY_ARRAY ||
	    scan->element[0]->len >= size)
		errx(3, "%s: SCAN: a reply of another shape", d->where);
	memcpy(cursor, scan->element[0]->str, scan->element[0]->len + 1);
	return strcmp(cursor, "0") ? cursor : NULL;
}

static void
scan_pass(struct dumper *d, const char *pattern)
{
	static struct batch bt[2];
	struct batch *cur = &bt[0], *nxt = &bt[1], *sw;
	redisReply *scan, *next = NULL, *after;
	const char *more;
	char cursor[64];

	cmd.n = 0;
	send_scan(d, "0", pattern);
	scan = scan_reply(d);
	if (d->st) {
		for (;;) {
			more = cursor_of(d, scan, cursor, sizeof(cursor));
			next = NULL;
			cur->scan = scan;
			stats_batch(d, cur, more, pattern, &next);
			freeReplyObject(scan);
			if (!next)
				return;
			scan = next;
		}
	}
	/*
	 * Batch k's TYPE round goes with batch k+1's round 1 (and SCAN k+2),
	 * and k's strings are written while the server works on them: two
	 * round trips a batch, the client and the server busy at once.
	 */
	cur->scan = scan;
	round1_send(d, cur, cursor_of(d, scan, cursor, sizeof(cursor)),
		    pattern);
	more = cursor_of(d, cur->scan, cursor, sizeof(cursor));
	round1_read(d, cur, more ? &next : NULL);
	for (;;) {
		send_types(d, cur);
		if (next) {
			nxt->scan = next;
			round1_send(d, nxt,
				    cursor_of(d, next, cursor, sizeof(cursor)),
				    pattern);
		}
		flush_commands(d);
		write_strings(d, cur);
		read_types(d, cur);
		after = NULL;
		if (next) {
			more = cursor_of(d, nxt->scan, cursor, sizeof(cursor));
			round1_read(d, nxt, more ? &after : NULL);
		}
		read_chunks(d, cur);
		freeReplyObject(cur->scan);
		cur->scan = NULL;
		if (!next)
			break;
		next = after;
		sw = cur;
		cur = nxt;
		nxt = sw;
	}
}

void
dump_db(struct dumper *d)
{
	int i;

	snprintf(chunkarg, sizeof(chunkarg), "%ld", d->o->chunk);
	snprintf(lastarg, sizeof(lastarg), "%ld", d->o->chunk - 1);
	if (d->o->nmatch == 0)
		scan_pass(d, NULL);
	for (i = 0; i < d->o->nmatch; i++)
		scan_pass(d, d->o->match[i]);
	if (d->seen && seen_bytes(d->seen) > d->peak_seen)
		d->peak_seen = seen_bytes(d->seen);
}

/* ---- an RDB file instead of a server ------------------------------------- */

unsigned
rd_slot(const char *k, size_t len)
{
	const unsigned char *p = (const unsigned char *)k;
	size_t i, open, close;
	unsigned crc = 0;
	int b;

	/* the hash tag: between the first { and the next }, when not empty */
	for (open = 0; open < len && p[open] != '{'; open++)
		;
	if (open < len) {
		for (close = open + 1; close < len && p[close] != '}'; close++)
			;
		if (close < len && close > open + 1) {
			p += open + 1;
			len = close - open - 1;
		}
	}
	/* CRC16/XMODEM (polynomial 0x1021), as Redis Cluster hashes */
	for (i = 0; i < len; i++) {
		crc ^= (unsigned)p[i] << 8;
		for (b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (crc << 1 ^ 0x1021) & 0xffff
					   : crc << 1 & 0xffff;
	}
	return crc & 16383;
}

void
rd_part_slots(const struct options *o, unsigned *lo, unsigned *hi)
{
	uint32_t k = o->part.k, n = o->part.n;

	*lo = n ? (unsigned)(16384ull * (k - 1) / n) : 0;
	*hi = n ? (unsigned)(16384ull * k / n) : 16384;
}

int
rd_in_part(const struct options *o, const char *k, size_t len)
{
	unsigned lo, hi, s;

	if (o->part.n <= 1)
		return 1;
	rd_part_slots(o, &lo, &hi);
	s = rd_slot(k, len);
	return s >= lo && s < hi;
}

/*
 * A SCAN reply, the keys of other parts (--partition) taken out of it
 * before anything is asked of them.
 */
static redisReply *
scan_reply(struct dumper *d)
{
	redisReply *r = rd_reply(d->c, d->where, "SCAN"), *keys;
	size_t i, n = 0;

	if (d->o->part.n <= 1 || r->type != REDIS_REPLY_ARRAY ||
	    r->elements != 2 || r->element[1]->type != REDIS_REPLY_ARRAY)
		return r; /* cursor_of() judges its shape */
	keys = r->element[1];
	for (i = 0; i < keys->elements; i++) {
		redisReply *k = keys->element[i];
		if (k->type == REDIS_REPLY_STRING &&
		    !rd_in_part(d->o, k->str, k->len)) {
			freeReplyObject(k);
			continue;
		}
		keys->element[n++] = k;
	}
	keys->elements = n;
	return r;
}

/*
 * Redis's glob (SCAN MATCH): * ? [abc] [^a-z] and \ escapes, byte by byte.
 * 1 when s matches.
 */
int
rd_glob(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t i;
	int neg, hit;

	while (pn) {
		switch (*p) {
		case '*':
			while (pn > 1 && p[1] == '*')
				p++, pn--;
			if (pn == 1)
				return 1;
			for (i = 0; i <= sn; i++)
				if (rd_glob(p + 1, pn - 1, s + i, sn - i))
					return 1;
			return 0;
		case '?':
			if (!sn)
				return 0;
			s++, sn--;
			break;
		case '[':
			if (!sn)
				return 0;
			p++, pn--;
			neg = pn && *p == '^';
			if (neg)
				p++, pn--;
			hit = 0;
			while (pn && *p != ']') {
				if (*p == '\\' && pn >= 2) {
					p++, pn--;
					hit |= *p == *s;
				} else if (pn >= 3 && p[1] == '-') {
					unsigned char lo = (unsigned char)p[0],
						      hi = (unsigned char)p[2],
						      c = (unsigned char)*s;
					if (lo > hi) {
						unsigned char t = lo;
						lo = hi;
						hi = t;
					}
					hit |= c >= lo && c <= hi;
					p += 2, pn -= 2;
				} else {
					hit |= *p == *s;
				}
				p++, pn--;
			}
			if (!pn) /* no ']': the end of the pattern closes it */
				p--, pn++;
			if (hit == neg)
				return 0;
			s++, sn--;
			break;
		case '\\':
			if (pn >= 2)
				p++, pn--;
			/* fall through */
		default:
			if (!sn || *p != *s)
				return 0;
			s++, sn--;
			break;
		}
		p++, pn--;
	}
	return sn == 0;
}

struct rdb_dump {
	struct dumper *d;
	struct rdb_reader *r;
	struct coll c;
	long long now; /* expiries are judged at: --as-of, the file's ctime */
	int fields;    /* of the stream entry being written */
	struct rdb_counts k;
	size_t mark;	   /* d->out up to here is whole records */
	struct seen *keys; /* db and name of each key loaded, or NULL */
	struct buf dbkey;
	int twice; /* this key was loaded before: refused if not empty */
	/* --stats: the key being counted */
	struct buf key;
	int db;
	long long expire, elements;
	uint64_t start; /* its offset in the file */
};

static int
rdb_key(void *arg, int db, const char *k, size_t klen, enum rdb_kind kind,
	long long expire_ms)
{
	static const enum rtype of[] = {R_STRING, R_LIST, R_SET,
					R_ZSET,	  R_HASH, R_STREAM};
	struct rdb_dump *x = arg;
	struct dumper *d = x->d;
	const struct options *o = d->o;
	int i;

	if (o->db >= 0 && db != o->db)
		return 0;
	if (o->type && strcmp(o->type, type_names[of[kind]]) != 0)
		return 0;
	for (i = 0; i < o->nmatch; i++)
		if (rd_glob(o->match[i], strlen(o->match[i]), k, klen))
			break;
	if (o->nmatch && i == o->nmatch)
		return 0;
	if (!rd_in_part(o, k, klen))
		return 0;
	x->now = o->as_of >= 0 ? o->as_of : x->r->ctime_ms;
	if (expire_ms >= 0 && x->now < 0)
		x->k.unjudged++;
	if (expire_ms >= 0 && x->now >= 0 && expire_ms < x->now) {
		/* in the file, gone from the server: as SCAN never sees it */
		x->k.expired++;
		return 0;
	}
	x->mark = d->out.len;
	x->twice = 0;
	if (x->keys) {
		buf_reset(&x->dbkey);
		buf_add(&x->dbkey, (const char *)&db, sizeof(db));
		buf_add(&x->dbkey, k, klen);
		x->twice = seen_has(x->keys, x->dbkey.data, x->dbkey.len);
	}
	d->db = db;
	memset(&x->c, 0, sizeof(x->c));
	x->c.t = of[kind];
	if (d->st) {
		/* the audit: the key's name, kind and size in the file */
		buf_reset(&x->key);
		buf_add(&x->key, k, klen);
		x->db = db;
		x->expire = expire_ms;
		x->elements = 0;
		x->start = x->r->off - klen;
		return 1;
	}
	head(d, k, klen, type_names[of[kind]], expire_ms);
	return 1;
}

static void
rdb_item_expire(void *arg, long long ms)
{
	struct rdb_dump *x = arg;

	x->c.fexp = ms;
}

static void
rdb_item(void *arg, const char *a, size_t alen, const char *b, size_t blen,
	 double score)
{
	struct rdb_dump *x = arg;
	struct dumper *d = x->d;

	if (x->c.fexp && x->now < 0)
		x->k.unjudged++;
	if (x->c.fexp && x->now >= 0 && x->c.fexp < x->now) {
		/* a field gone from the server: as HGETALL never sees it */
		x->c.fexp = 0;
		x->c.fexpired++;
		x->k.expired_fields++;
		return;
	}
	if (d->st) {
		x->c.fexp = 0;
		x->elements += x->c.t == R_STRING ? (long long)alen : 1;
		return;
	}
	if (x->c.t == R_STRING) {
		if (x->twice)
			return; /* refused at its end */
		buf_add(&d->out, d->head.data, d->head.len);
		buf_adds(&d->out, "\"value\":");
		json_write_text(&d->out, a, alen);
		buf_adds(&d->out, "}\n");
		key_done(d, 1);
		return;
	}
	open_record(d, &x->c);
	put_element(d, &x->c, a, alen, b, blen, score);
}

static void
rdb_entry(void *arg, const char *id, size_t idlen)
{
	struct rdb_dump *x = arg;

	if (x->d->st) {
		x->elements++;
		return;
	}
	open_record(x->d, &x->c);
	entry_start(x->d, &x->c, id, idlen);
	x->fields = 0;
}

static void
rdb_field(void *arg, const char *f, size_t flen, const char *v, size_t vlen)
{
	struct rdb_dump *x = arg;

	if (!x->d->st)
		entry_field(x->d, x->fields++ == 0, f, flen, v, vlen);
}

static void
rdb_entry_end(void *arg)
{
	struct rdb_dump *x = arg;

	if (!x->d->st)
		entry_end(x->d, &x->c);
}

/* --stats: a TTL from the time expiries are judged at, else the clock */
static long long
stats_now(const struct rdb_dump *x)
{
	struct timeval tv;

	if (x->now >= 0)
		return x->now;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void
rdb_key_end(void *arg)
{
	struct rdb_dump *x = arg;
	struct dumper *d = x->d;

	if (x->c.t == R_HASH && x->c.fexpired && !x->c.elements &&
	    !x->elements) {
		/* every field expired: the server has deleted the key */
		x->k.expired++;
		return;
	}
	if (x->c.t != R_STRING && x->c.t != R_STREAM && !x->c.elements &&
	    !x->elements) {
		/* redis-server skips an empty collection (an old bug's) */
		x->k.empty++;
		return;
	}
	if (x->twice) {
		buf_setlen(&d->out, x->mark);
		rdb_stop(x->r, "db %d: key %s twice (redis-server refuses it)",
			 d->db,
			 key_msg(x->dbkey.data + sizeof(int),
				 x->dbkey.len - sizeof(int)));
		return;
	}
	if (x->keys)
		seen_add(x->keys, x->dbkey.data, x->dbkey.len);
	if (d->st) {
		/* memory: from a file, the key's bytes in it stand for it */
		stats_key(d->st, x->db, x->key.data, x->key.len,
			  type_names[x->c.t],
			  x->expire >= 0 ? x->expire - stats_now(x) : -1,
			  x->elements, (long long)(x->r->off - x->start));
		d->n->written++;
		return;
	}
	if (x->c.t != R_STRING) {
		open_record(x->d, &x->c); /* an empty stream has a record too */
		close_record(x->d, &x->c);
	}
	x->mark = d->out.len;
}

static void
rdb_skipped(void *arg, int db, const char *k, size_t klen, const char *why)
{
	struct rdb_dump *x = arg;

	warnx("%s: db %d: key %s: %s: skipped", x->d->where, db,
	      key_msg(k, klen), why);
	x->d->n->skipped++;
}

int
dump_rdb(struct dumper *d, struct rdb_reader *r, struct rdb_counts *k)
{
	struct rdb_dump x = {.d = d, .r = r, .key = BUF_INIT};
	struct rdb_sink s = {&x,	  rdb_key,     rdb_item,
			     rdb_entry,	  rdb_field,   rdb_entry_end,
			     rdb_key_end, rdb_skipped, rdb_item_expire};
	int rc;

	x.dbkey = (struct buf)BUF_INIT;
	if (d->o->dedup)
		x.keys = seen_new();
	d->whole = 1;
	rc = rdb_read(r, &s);
	if (rc < 0) /* what a key cut short had written goes */
		buf_setlen(&d->out, x.mark);
	buf_release(&x.key);
	buf_release(&x.dbkey);
	seen_free(x.keys);
	*k = x.k;
	if (rc < 0)
		warnx("%s: %s", d->where, r->msg);
	return rc;
}
