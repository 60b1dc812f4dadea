/* rdb.c: Redis's RDB format, read as a stream (see rdb.h). */
#include "rdb.h"
#include "seen.h"

#include <errno.h>
#include <liblzf/lzf.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_AT (1 << 16)

/* opcodes */
#define OP_SLOT_INFO 244
#define OP_FUNCTION2 245
#define OP_FUNCTION_PRE_GA 246
#define OP_MODULE_AUX 247
#define OP_IDLE 248
#define OP_FREQ 249
#define OP_AUX 250
#define OP_RESIZEDB 251
#define OP_EXPIRETIME_MS 252
#define OP_EXPIRETIME 253
#define OP_SELECTDB 254
#define OP_EOF 255

/* value types */
enum {
	T_STRING = 0,
	T_LIST = 1,
	T_SET = 2,
	T_ZSET = 3,
	T_HASH = 4,
	T_ZSET_2 = 5,
	T_MODULE_PRE_GA = 6,
	T_MODULE_2 = 7,
	T_HASH_ZIPMAP = 9,
	T_LIST_ZIPLIST = 10,
	T_SET_INTSET = 11,
	T_ZSET_ZIPLIST = 12,
	T_HASH_ZIPLIST = 13,
	T_LIST_QUICKLIST = 14,
	T_STREAM_LISTPACKS = 15,
	T_HASH_LISTPACK = 16,
	T_ZSET_LISTPACK = 17,
	T_LIST_QUICKLIST_2 = 18,
	T_STREAM_LISTPACKS_2 = 19,
	T_SET_LISTPACK = 20,
	T_STREAM_LISTPACKS_3 = 21,
	/* hashes with field expiries: 7.4's release candidates, then 7.4 */
	T_HASH_METADATA_PRE_GA = 22,
	T_HASH_LISTPACK_EX_PRE_GA = 23,
	T_HASH_METADATA = 24,
	T_HASH_LISTPACK_EX = 25,
};

/* The latest a field expiry can be (Redis's EB_EXPIRE_TIME_MAX, 2^48-1). */
#define FIELD_EXPIRE_MAX ((1ULL << 48) - 1)

/* ---- errors and bytes -----------------------------------------------------
 */

/* the reader's own stops are the sinks' (rdb.h) */
#define fail rdb_stop

int
rdb_stop(struct rdb_reader *r, const char *fmt, ...)
{
	char m[200];
	va_list ap;

	if (r->msg[0])
		return -1; /* the first reason stands */
	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	snprintf(r->msg, sizeof(r->msg), "%s at byte %llu", m,
		 (unsigned long long)r->off);
	return -1;
}

static uint64_t crc_table[256];

uint64_t
rdb_crc64(uint64_t crc, const uint8_t *p, size_t n)
{
	size_t i;

	if (!crc_table[1]) {
		/* 0xad93d23594c935a9 reflected */
		const uint64_t poly = 0x95ac9329ac4bc9b5ULL;
		for (i = 0; i < 256; i++) {
			uint64_t c = i;
			int k;
			for (k = 0; k < 8; k++)
				c = c & 1 ? (c >> 1) ^ poly : c >> 1;
			crc_table[i] = c;
		}
	}
	for (i = 0; i < n; i++)
		crc = crc_table[(uint8_t)(crc ^ p[i])] ^ (crc >> 8);
	return crc;
}

/* n bytes into dst (NULL: skipped), counted in the checksum. */
static int
take(struct rdb_reader *r, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t k;

	while (n) {
		if (r->pos == r->len) {
			if (!r->f && !r->use_fd) {
				if (r->buf) /* the memory was taken whole */
					return fail(r, "the file ends");
				r->buf = (uint8_t *)r->mem;
				r->len = r->memlen;
				r->pos = 0;
				if (!r->len)
					return fail(r, "the file ends");
				continue;
			}
			if (!r->buf && !(r->buf = malloc(READ_AT)))
				return fail(r, "out of memory");
			r->pos = 0;
			if (r->use_fd) {
				/* a socket: what has come, never past the end
				 */
				size_t want = READ_AT;
				ssize_t got;
				if (r->limit && r->limit - r->got < want)
					want = (size_t)(r->limit - r->got);
				if (!want)
					return fail(r, "the file ends");
				do
					got = read(r->fd, r->buf, want);
				while (got < 0 && errno == EINTR);
				if (got < 0)
					return fail(r, "%s", strerror(errno));
				if (!got)
					return fail(r, "the file ends");
				r->len = (size_t)got;
			} else {
				r->len = fread(r->buf, 1, READ_AT, r->f);
				if (!r->len)
					return fail(r,
						    ferror(r->f)
							    ? "%s"
							    : "the file ends%s",
						    ferror(r->f)
							    ? strerror(errno)
							    : "");
			}
			r->got += r->len;
			if (r->copy &&
			    fwrite(r->buf, 1, r->len, r->copy) != r->len)
				return fail(r, "writing its copy: %s",
					    strerror(errno));
		}
		k = r->len - r->pos < n ? r->len - r->pos : n;
		r->crc = rdb_crc64(r->crc, r->buf + r->pos, k);
		if (d) {
			memcpy(d, r->buf + r->pos, k);
			d += k;
		}
		r->pos += k;
		r->off += k;
		n -= k;
	}
	return 0;
}

static int
byte(struct rdb_reader *r, int *b)
{
	uint8_t c;

	if (take(r, &c, 1) < 0)
		return -1;
	*b = c;
	return 0;
}

static uint64_t
le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint64_t
be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* A length; *enc set when it is a string's special encoding instead. */
static int
length(struct rdb_reader *r, uint64_t *len, int *enc)
{
	uint8_t b[8];
	int c;

	if (enc)
		*enc = -1;
	if (byte(r, &c) < 0)
		return -1;
	switch (c >> 6) {
	case 0:
		*len = (uint64_t)(c & 0x3f);
		return 0;
	case 1:
		if (take(r, b, 1) < 0)
			return -1;
		*len = (uint64_t)(c & 0x3f) << 8 | b[0];
		return 0;
	case 2:
		if (c == 0x80) {
			if (take(r, b, 4) < 0)
				return -1;
			*len = be(b, 4);
			return 0;
		}
		if (c == 0x81) {
			if (take(r, b, 8) < 0)
				return -1;
			*len = be(b, 8);
			return 0;
		}
		return fail(r, "an unknown length form 0x%02x", c);
	default:
		if (!enc)
			return fail(r, "a string's encoding where a length "
				       "belongs");
		*enc = c & 0x3f;
		*len = 0;
		return 0;
	}
}

/* n bytes appended to out, read as they come (a bad length ends the file
 * before it can make a big allocation). */
static int
take_into(struct rdb_reader *r, struct buf *out, uint64_t n)
{
	while (n) {
		size_t k = n > READ_AT ? READ_AT : (size_t)n;
		if (out->cap - out->len <= k)
			buf_grow(out, k);
		if (take(r, out->data + out->len, k) < 0)
			return -1;
		buf_setlen(out, out->len + k);
		n -= k;
	}
	return 0;
}

/* A string (raw, an integer, or LZF-compressed) into out, replacing it. */
static int
string(struct rdb_reader *r, struct buf *out, struct buf *tmp)
{
	uint64_t len, ulen;
	uint8_t b[4];
	int enc;

	buf_reset(out);
	if (length(r, &len, &enc) < 0)
		return -1;
	switch (enc) {
	case -1:
		return take_into(r, out, len);
	case 0:
		if (take(r, b, 1) < 0)
			return -1;
		buf_addi64(out, (int8_t)b[0]);
		return 0;
	case 1:
		if (take(r, b, 2) < 0)
			return -1;
		buf_addi64(out, (int16_t)le(b, 2));
		return 0;
	case 2:
		if (take(r, b, 4) < 0)
			return -1;
		buf_addi64(out, (int32_t)le(b, 4));
		return 0;
	case 3:
		if (length(r, &len, NULL) < 0 || length(r, &ulen, NULL) < 0)
			return -1;
		buf_reset(tmp);
		if (take_into(r, tmp, len) < 0)
			return -1;
		/* LZF makes at most about 90 bytes of 3 (a back-reference of
		 * 264): a larger claim is corrupt, and is not allocated */
		if (ulen > ((uint64_t)1 << 32) || ulen > 100 * len + 64 ||
		    (ulen && !len))
			return fail(r,
				    "an LZF string that claims %llu bytes "
				    "from %llu",
				    (unsigned long long)ulen,
				    (unsigned long long)len);
		if (out->cap <= ulen)
			buf_grow(out, (size_t)ulen);
		if (ulen && lzf_decompress(tmp->data, (unsigned)len, out->data,
					   (unsigned)ulen) != ulen)
			return fail(r, "an LZF string that does not decompress "
				       "to its length");
		buf_setlen(out, (size_t)ulen);
		return 0;
	default:
		return fail(r, "an unknown string encoding %d", enc);
	}
}

/* ---- the keys' values ------------------------------------------------------
 */

/* A listpack element: in the blob (p), or an integer's text (at off in
 * the walk's text, which moves as it grows). */
struct lpv {
	const char *p;
	size_t off, n;
	int is_int;
	int64_t v;
};

struct stream_walk {
	struct lpv *e;
	size_t n, cap;
	struct buf text;
};

/* a sorted set's member (at off in ctx.zm) and score, to be sorted */
struct zel {
	size_t off, n;
	const char *p;
	double score;
};

struct ctx {
	struct rdb_reader *r;
	const struct rdb_sink *s;
	int want; /* the sink takes this key's elements */
	/* a member twice is refused (what), as redis-server does for this
	 * encoding; members holds those of the key so far */
	const char *twice;
	struct seen *members;
	struct zel *z; /* a skiplist-encoded sorted set, held to be sorted */
	size_t nz, capz;
	struct buf zm;
	struct buf a, b, blob, tmp;
	char num[2][32];	  /* integers of a packed container, as text */
	size_t count;		  /* elements of the last packed container */
	struct stream_walk *walk; /* a stream node's entries */
};

/* A hash field's expiry, told the sink just before its item. */
static int
field_expire(struct ctx *c, uint64_t ms)
{
	if (ms > FIELD_EXPIRE_MAX)
		return fail(c->r, "a hash field expiry %llu past the latest",
			    (unsigned long long)ms);
	if (c->want && c->s->item_expire)
		c->s->item_expire(c->s->arg, (long long)ms);
	return 0;
}

/* A member of the key: refused when it came before and the server checks. */
static int
once(struct ctx *c, const char *p, size_t n)
{
	if (!c->twice)
		return 0;
	if (!c->members)
		c->members = seen_new();
	if (seen_add(c->members, p, n))
		return fail(c->r, "%s twice", c->twice);
	return 0;
}

static void
item(struct ctx *c, const char *a, size_t alen, const char *b, size_t blen,
     double score)
{
	if (c->want)
		c->s->item(c->s->arg, a, alen, b, blen, score);
}

/* A score written as text (old zsets, ziplists, listpacks). */
static int
score_of(struct ctx *c, const char *p, size_t n, double *v)
{
	char t[64], *end;

	if (n == 0 || n >= sizeof(t))
		return fail(c->r, "a score that is not a number");
	memcpy(t, p, n);
	t[n] = '\0';
	*v = strtod(t, &end);
	if (*end)
		return fail(c->r, "a score that is not a number: %s", t);
	return 0;
}

/*
 * The elements of a packed container blob[0..n): a listpack (lp) or a
 * ziplist, each as a string (integers as their decimal text) handed to fn
 * with its position.  Every length is checked against the blob.
 */
typedef int (*elem_fn)(struct ctx *c, const char *p, size_t n, size_t i);

static const char *
int_text(struct ctx *c, int64_t v, size_t i, size_t *n)
{
	char *t = c->num[i & 1];

	*n = (size_t)snprintf(t, sizeof(c->num[0]), "%lld", (long long)v);
	return t;
}

static int64_t
sign(uint64_t v, int bits)
{
	return bits < 64 && v >> (bits - 1) & 1
		       ? (int64_t)(v - ((uint64_t)1 << bits))
		       : (int64_t)v;
}

static int
listpack(struct ctx *c, const uint8_t *p, size_t n, elem_fn fn)
{
	static const int width[] = {2, 3, 4, 8};
	size_t q = 6, i = 0, h, dl, l, e, back;
	const char *t;
	int b, k;

	if (n < 7 || le(p, 4) != n || p[n - 1] != 0xff)
		return fail(c->r, "a listpack whose length is not its own");
	while (q < n - 1) {
		b = p[q];
		h = 1;
		dl = 0;
		k = 0;
		t = NULL;
		if (!(b & 0x80))
			t = int_text(c, b & 0x7f, i, &l);
		else if ((b & 0xc0) == 0x80)
			dl = (size_t)(b & 0x3f);
		else if ((b & 0xe0) == 0xc0 || (b & 0xf0) == 0xe0)
			h = 2;
		else if (b == 0xf0)
			h = 5;
		else if (b >= 0xf1 && b <= 0xf4)
			h = 1 + (size_t)(k = width[b - 0xf1]);
		else
			return fail(
				c->r,
				"a listpack entry of an unknown kind 0x%02x",
				b);
		if (h > n - 1 - q)
			goto cut;
		if ((b & 0xe0) == 0xc0)
			t = int_text(
				c,
				sign((uint64_t)(b & 0x1f) << 8 | p[q + 1], 13),
				i, &l);
		else if ((b & 0xf0) == 0xe0)
			dl = (size_t)(b & 0x0f) << 8 | p[q + 1];
		else if (b == 0xf0)
			dl = (size_t)le(p + q + 1, 4);
		else if (k)
			t = int_text(c, sign(le(p + q + 1, k), 8 * k), i, &l);
		if (!t) {
			if (dl > n - 1 - q - h)
				goto cut;
			t = (const char *)p + q + h;
			l = dl;
		}
		e = h + dl;
		back = e <= 127	       ? 1
		       : e < 16383     ? 2
		       : e < 2097151   ? 3
		       : e < 268435455 ? 4
				       : 5;
		if (back > n - 1 - q - e)
			goto cut;
		if (fn(c, t, l, i++) < 0)
			return -1;
		q += e + back;
	}
	c->count = i;
	return 0;
cut:
	return fail(c->r, "a listpack cut inside an entry");
}

static int
ziplist(struct ctx *c, const uint8_t *p, size_t n, elem_fn fn)
{
	size_t q = 10, i = 0, l = 0, h;
	const char *t;
	int e;

	if (n < 11 || le(p, 4) != n || p[n - 1] != 0xff)
		return fail(c->r, "a ziplist whose length is not its own");
	while (q < n - 1) {
		q += p[q] == 254 ? 5 : 1; /* the previous entry's length */
		if (q >= n - 1)
			break;
		e = p[q];
		t = NULL;
		h = 1;
		switch (e >> 6) {
		case 0:
			l = (size_t)(e & 0x3f);
			break;
		case 1:
			h = 2;
			if (q + 2 > n - 1)
				goto cut;
			l = (size_t)(e & 0x3f) << 8 | p[q + 1];
			break;
		case 2:
			h = 5;
			if (q + 5 > n - 1)
				goto cut;
			l = (size_t)be(p + q + 1, 4);
			break;
		default: {
			int k = e == 0xc0   ? 2
				: e == 0xd0 ? 4
				: e == 0xe0 ? 8
				: e == 0xf0 ? 3
				: e == 0xfe ? 1
					    : 0;
			if (!k && e >= 0xf1 && e <= 0xfd) {
				t = int_text(c, (e & 0x0f) - 1, i, &l);
			} else if (!k) {
				return fail(c->r,
					    "a ziplist entry of an unknown "
					    "kind 0x%02x",
					    e);
			} else {
				if (q + 1 + (size_t)k > n - 1)
					goto cut;
				t = int_text(c, sign(le(p + q + 1, k), 8 * k),
					     i, &l);
				h = 1 + (size_t)k;
			}
		}
		}
		if (!t) {
			if (l > n || q + h + l > n - 1)
				goto cut;
			t = (const char *)p + q + h;
			q += h + l;
		} else {
			q += h;
		}
		if (fn(c, t, l, i++) < 0)
			return -1;
	}
	c->count = i;
	if (q == n - 1)
		return 0;
cut:
	return fail(c->r, "a ziplist cut inside an entry");
}

static int
intset(struct ctx *c, const uint8_t *p, size_t n)
{
	size_t w, k, i, l;
	const char *t;

	if (n < 8)
		return fail(c->r, "an intset shorter than its header");
	w = (size_t)le(p, 4);
	k = (size_t)le(p + 4, 4);
	if ((w != 2 && w != 4 && w != 8) || k > (n - 8) / w || 8 + k * w != n)
		return fail(c->r, "an intset whose length is not its own");
	for (i = 0; i < k; i++) {
		t = int_text(c, sign(le(p + 8 + i * w, (int)w), 8 * (int)w), i,
			     &l);
		item(c, t, l, NULL, 0, 0);
	}
	return 0;
}

/* zipmap: the oldest hash encoding */
static int
zipmap(struct ctx *c, const uint8_t *p, size_t n)
{
	size_t q = 1, kl, vl, free_;
	const uint8_t *k;

	while (q < n && p[q] != 0xff) {
		kl = p[q] < 254 ? p[q]
				: (q + 5 <= n ? (size_t)le(p + q + 1, 4) : n);
		q += p[q] < 254 ? 1 : 5;
		if (kl > n || q + kl >= n)
			break;
		k = p + q;
		q += kl;
		vl = p[q] < 254 ? p[q]
				: (q + 5 <= n ? (size_t)le(p + q + 1, 4) : n);
		q += p[q] < 254 ? 1 : 5;
		if (q >= n)
			break;
		free_ = p[q++];
		if (vl > n || q + vl + free_ > n)
			break;
		if (once(c, (const char *)k, kl) < 0)
			return -1;
		item(c, (const char *)k, kl, (const char *)p + q, vl, 0);
		q += vl + free_;
	}
	if (q < n && p[q] == 0xff && q == n - 1)
		return 0;
	return fail(c->r, "a zipmap cut inside an entry");
}

/* a list's or set's item; a hash's or zset's pairs, by position */
static int
single(struct ctx *c, const char *p, size_t n, size_t i)
{
	(void)i;
	item(c, p, n, NULL, 0, 0);
	return 0;
}

static int
pair(struct ctx *c, const char *p, size_t n, size_t i, int zset)
{
	double v;

	if (!(i & 1)) {
		buf_reset(&c->a);
		buf_add(&c->a, p, n);
		return once(c, p, n);
	}
	if (zset) {
		if (score_of(c, p, n, &v) < 0)
			return -1;
		item(c, c->a.data, c->a.len, NULL, 0, v);
	} else {
		item(c, c->a.data, c->a.len, p, n, 0);
	}
	return 0;
}

static int
hash_pair(struct ctx *c, const char *p, size_t n, size_t i)
{
	return pair(c, p, n, i, 0);
}

static int
zset_pair(struct ctx *c, const char *p, size_t n, size_t i)
{
	return pair(c, p, n, i, 1);
}

/* a hash with field expiries in a listpack: field, value, expiry (0: none) */
static int
hash_triple(struct ctx *c, const char *p, size_t n, size_t i)
{
	char t[24], *end;
	unsigned long long ms;

	if (i % 3 == 0) {
		buf_reset(&c->a);
		buf_add(&c->a, p, n);
		return 0;
	}
	if (i % 3 == 1) {
		buf_reset(&c->b);
		buf_add(&c->b, p, n);
		return 0;
	}
	if (n == 0 || n >= sizeof(t) || *p == '-')
		return fail(c->r, "a hash field expiry that is not a time");
	memcpy(t, p, n);
	t[n] = '\0';
	errno = 0;
	ms = strtoull(t, &end, 10);
	if (*end || errno)
		return fail(c->r, "a hash field expiry that is not a time");
	if (ms && field_expire(c, ms) < 0)
		return -1;
	item(c, c->a.data, c->a.len, c->b.data, c->b.len, 0);
	return 0;
}

/* a packed blob: its elements, in groups of pairs (2, 3) when fn takes them */
static int
packed(struct ctx *c, int lp, elem_fn fn, int pairs)
{
	if (string(c->r, &c->blob, &c->tmp) < 0)
		return -1;
	if ((lp ? listpack(c, (uint8_t *)c->blob.data, c->blob.len, fn)
		: ziplist(c, (uint8_t *)c->blob.data, c->blob.len, fn)) < 0)
		return -1;
	if (c->count % (size_t)(pairs ? pairs : 1))
		return fail(c->r, "a packed %s of %zu elements, not in %ss",
			    lp ? "listpack" : "ziplist", c->count,
			    pairs == 3 ? "triple" : "pair");
	return 0;
}

/* ---- streams ----------------------------------------------------------------
 */

static int
lp_collect(struct ctx *c, const char *p, size_t n, size_t i)
{
	struct stream_walk *w = c->walk;
	char t[32], *end;

	(void)c;
	(void)i;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		if (!(w->e = realloc(w->e, w->cap * sizeof(*w->e))))
			return fail(c->r, "out of memory");
	}
	w->e[w->n].p = NULL;
	if (p >= c->blob.data && p < c->blob.data + c->blob.len) {
		w->e[w->n].p = p;
	} else {
		w->e[w->n].off = w->text.len;
		buf_add(&w->text, p, n);
	}
	w->e[w->n].n = n;
	w->e[w->n].is_int = 0;
	if (n && n < sizeof(t)) {
		memcpy(t, p, n);
		t[n] = '\0';
		errno = 0;
		w->e[w->n].v = strtoll(t, &end, 10);
		w->e[w->n].is_int = !*end && !errno;
	}
	w->n++;
	return 0;
}

/* One listpack of a stream: the entries past its master entry. */
static int
stream_node(struct ctx *c, const uint8_t *nodekey, struct stream_walk *w)
{
	uint64_t mms = be(nodekey, 8), mseq = be(nodekey + 8, 8);
	size_t q, nf, k, nm;
	int64_t flags, dms, dseq, nvals;
	char id[48];
	int idn;

	w->n = 0;
	buf_reset(&w->text);
	c->walk = w;
	if (listpack(c, (uint8_t *)c->blob.data, c->blob.len, lp_collect) < 0)
		return -1;
#define INT_AT(i, out)                                                         \
	do {                                                                   \
		if ((i) >= w->n || !w->e[i].is_int)                            \
			return fail(c->r, "a stream node that is not one");    \
		(out) = w->e[i].v;                                             \
	} while (0)
	/* master: count, deleted, fields, field..., 0 */
	INT_AT(2, nvals);
	if (nvals < 0 || (size_t)nvals > w->n)
		return fail(c->r, "a stream node that is not one");
	nm = (size_t)nvals;
	q = 3 + nm + 1;
	while (q < w->n) {
		INT_AT(q, flags);
		INT_AT(q + 1, dms);
		INT_AT(q + 2, dseq);
		q += 3;
		if (flags & 2) {
			nf = nm;
		} else {
			INT_AT(q, nvals);
			if (nvals < 0 || (size_t)nvals > w->n)
				return fail(c->r,
					    "a stream node that is not one");
			nf = (size_t)nvals;
			q++;
		}
		if ((flags & 2 ? nf : 2 * nf) > w->n - q)
			return fail(c->r, "a stream node that is not one");
		if (!(flags & 1) && c->want) {
			idn = snprintf(
				id, sizeof(id), "%llu-%llu",
				(unsigned long long)(mms + (uint64_t)dms),
				(unsigned long long)(mseq + (uint64_t)dseq));
			c->s->entry(c->s->arg, id, (size_t)idn);
			for (k = 0; k < nf; k++) {
				const struct lpv *f =
					flags & 2 ? &w->e[3 + k]
						  : &w->e[q + 2 * k];
				const struct lpv *v =
					flags & 2 ? &w->e[q + k]
						  : &w->e[q + 2 * k + 1];
				c->s->field(c->s->arg,
					    f->p ? f->p : w->text.data + f->off,
					    f->n,
					    v->p ? v->p : w->text.data + v->off,
					    v->n);
			}
			c->s->entry_end(c->s->arg);
		}
		q += flags & 2 ? nf : 2 * nf;
		q++; /* the entry's lp-count */
	}
#undef INT_AT
	return 0;
}

static int
stream(struct ctx *c, int type)
{
	struct stream_walk w = {.text = BUF_INIT};
	uint64_t n, i, k, ng, np, nc, x;
	uint8_t raw[16];
	int rc = -1;

	if (length(c->r, &n, NULL) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (string(c->r, &c->b, &c->tmp) < 0 ||
		    string(c->r, &c->blob, &c->tmp) < 0)
			goto out;
		if (c->b.len != 16) {
			fail(c->r, "a stream node key of %zu bytes", c->b.len);
			goto out;
		}
		if (stream_node(c, (uint8_t *)c->b.data, &w) < 0)
			goto out;
	}
	/* length, last id; from v2 the first id, max deleted id, added */
	for (k = 0; k < (type == T_STREAM_LISTPACKS ? 3u : 8u); k++)
		if (length(c->r, &x, NULL) < 0)
			goto out;
	if (length(c->r, &ng, NULL) < 0)
		goto out;
	for (i = 0; i < ng; i++) {
		if (string(c->r, &c->b, &c->tmp) < 0 ||
		    length(c->r, &x, NULL) < 0 || length(c->r, &x, NULL) < 0 ||
		    (type != T_STREAM_LISTPACKS &&
		     length(c->r, &x, NULL) < 0) ||
		    length(c->r, &np, NULL) < 0)
			goto out;
		for (k = 0; k < np; k++)
			if (take(c->r, raw, 16) < 0 || take(c->r, raw, 8) < 0 ||
			    length(c->r, &x, NULL) < 0)
				goto out;
		if (length(c->r, &nc, NULL) < 0)
			goto out;
		for (k = 0; k < nc; k++) {
			uint64_t j;
			if (string(c->r, &c->b, &c->tmp) < 0 ||
			    take(c->r, raw, 8) < 0 ||
			    (type == T_STREAM_LISTPACKS_3 &&
			     take(c->r, raw, 8) < 0) ||
			    length(c->r, &np, NULL) < 0)
				goto out;
			for (j = 0; j < np; j++)
				if (take(c->r, raw, 16) < 0)
					goto out;
		}
	}
	rc = 0;
out:
	free(w.e);
	buf_release(&w.text);
	return rc;
}

/* A module value: its id, then typed values up to the end opcode. */
static int
module_value(struct ctx *c)
{
	uint64_t x;
	uint8_t b[8];

	if (length(c->r, &x, NULL) < 0)
		return -1;
	for (;;) {
		if (length(c->r, &x, NULL) < 0)
			return -1;
		switch (x) {
		case 0:
			return 0;
		case 1:
		case 2:
			if (length(c->r, &x, NULL) < 0)
				return -1;
			break;
		case 3:
			if (take(c->r, b, 4) < 0)
				return -1;
			break;
		case 4:
			if (take(c->r, b, 8) < 0)
				return -1;
			break;
		case 5:
			if (string(c->r, &c->b, &c->tmp) < 0)
				return -1;
			break;
		default:
			return fail(c->r,
				    "a module value of unknown opcode %llu",
				    (unsigned long long)x);
		}
	}
}

static int
old_double(struct ctx *c, double *v)
{
	int n;
	char t[256];

	if (byte(c->r, &n) < 0)
		return -1;
	if (n >= 253) {
		*v = n == 253 ? NAN : n == 254 ? INFINITY : -INFINITY;
		return 0;
	}
	if (take(c->r, t, (size_t)n) < 0)
		return -1;
	return score_of(c, t, (size_t)n, v);
}

/*
 * A hash with field expiries as a table: [earliest expiry, 8 bytes] (7.4),
 * the count, then each field's expiry (a length: 0 for none, else relative
 * to the earliest, plus 1; absolute in the release candidates), field,
 * value.
 */
static int
hash_metadata(struct ctx *c, int relative)
{
	uint64_t n, i, ttl, base = 0;
	uint8_t b8[8];

	if (relative) {
		if (take(c->r, b8, 8) < 0)
			return -1;
		base = le(b8, 8);
	}
	if (length(c->r, &n, NULL) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (length(c->r, &ttl, NULL) < 0)
			return -1;
		if (ttl && relative) {
			if (ttl - 1 > FIELD_EXPIRE_MAX ||
			    base > FIELD_EXPIRE_MAX - (ttl - 1))
				return fail(c->r,
					    "a hash field expiry past the "
					    "latest");
			ttl = base + ttl - 1;
		}
		if (string(c->r, &c->a, &c->tmp) < 0 ||
		    string(c->r, &c->b, &c->tmp) < 0 ||
		    once(c, c->a.data, c->a.len) < 0)
			return -1;
		if (ttl && field_expire(c, ttl) < 0)
			return -1;
		item(c, c->a.data, c->a.len, c->b.data, c->b.len, 0);
	}
	return 0;
}

/* A skiplist-encoded sorted set's member (c->a) and score, held. */
static int
zhold(struct ctx *c, double v)
{
	if (!c->want)
		return 0;
	if (c->nz == c->capz) {
		size_t cap = c->capz ? 2 * c->capz : 64;
		struct zel *z = reallocarray(c->z, cap, sizeof(*z));
		if (!z)
			return fail(c->r, "out of memory");
		c->z = z;
		c->capz = cap;
	}
	c->z[c->nz].off = c->zm.len;
	c->z[c->nz].n = c->a.len;
	c->z[c->nz++].score = v;
	buf_add(&c->zm, c->a.data, c->a.len);
	return 0;
}

/* rank order: the score, then the member's bytes (as zslInsert) */
static int
zcmp(const void *x, const void *y)
{
	const struct zel *a = x, *b = y;
	size_t n = a->n < b->n ? a->n : b->n;
	int d;

	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	d = n ? memcmp(a->p, b->p, n) : 0;
	if (d)
		return d;
	return a->n < b->n ? -1 : a->n > b->n;
}

/* The held sorted set, handed over in rank order. */
static void
zflush(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nz; i++)
		c->z[i].p = c->zm.data + c->z[i].off;
	if (c->nz > 1)
		qsort(c->z, c->nz, sizeof(*c->z), zcmp);
	for (i = 0; i < c->nz; i++)
		item(c, c->z[i].p, c->z[i].n, NULL, 0, c->z[i].score);
	c->nz = 0;
	buf_reset(&c->zm);
}

static enum rdb_kind
kind_of(int type)
{
	switch (type) {
	case T_STRING:
		return RDB_STRING;
	case T_LIST:
	case T_LIST_ZIPLIST:
	case T_LIST_QUICKLIST:
	case T_LIST_QUICKLIST_2:
		return RDB_LIST;
	case T_SET:
	case T_SET_INTSET:
	case T_SET_LISTPACK:
		return RDB_SET;
	case T_ZSET:
	case T_ZSET_2:
	case T_ZSET_ZIPLIST:
	case T_ZSET_LISTPACK:
		return RDB_ZSET;
	case T_HASH:
	case T_HASH_ZIPMAP:
	case T_HASH_ZIPLIST:
	case T_HASH_LISTPACK:
	case T_HASH_METADATA_PRE_GA:
	case T_HASH_LISTPACK_EX_PRE_GA:
	case T_HASH_METADATA:
	case T_HASH_LISTPACK_EX:
		return RDB_HASH;
	default:
		return RDB_STREAM;
	}
}

static int
value(struct ctx *c, int type)
{
	uint64_t n, i, cont;
	uint8_t b8[8];
	double v;

	/* where redis-server looks for a member twice whatever its
	 * sanitize-dump-payload (a listpack's and an intset's only with it) */
	switch (type) {
	case T_SET:
		c->twice = "a set member";
		break;
	case T_ZSET:
	case T_ZSET_2:
	case T_ZSET_ZIPLIST:
		c->twice = "a sorted set member";
		break;
	case T_HASH:
	case T_HASH_ZIPMAP:
	case T_HASH_ZIPLIST:
	case T_HASH_METADATA:
	case T_HASH_METADATA_PRE_GA:
		c->twice = "a hash field";
		break;
	default:
		c->twice = NULL;
	}
	if (c->members)
		seen_clear(c->members);
	switch (type) {
	case T_STRING:
		if (string(c->r, &c->b, &c->tmp) < 0)
			return -1;
		item(c, c->b.data, c->b.len, NULL, 0, 0);
		return 0;
	case T_LIST:
	case T_SET:
	case T_HASH:
	case T_ZSET:
	case T_ZSET_2:
		if (length(c->r, &n, NULL) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if (string(c->r, &c->a, &c->tmp) < 0 ||
			    (type != T_LIST &&
			     once(c, c->a.data, c->a.len) < 0))
				return -1;
			if (type == T_HASH) {
				if (string(c->r, &c->b, &c->tmp) < 0)
					return -1;
				item(c, c->a.data, c->a.len, c->b.data,
				     c->b.len, 0);
			} else if (type == T_ZSET || type == T_ZSET_2) {
				if (type == T_ZSET && old_double(c, &v) < 0)
					return -1;
				if (type == T_ZSET_2) {
					uint64_t u;
					if (take(c->r, b8, 8) < 0)
						return -1;
					u = le(b8, 8);
					memcpy(&v, &u, 8);
				}
				if (isnan(v))
					return fail(c->r, "a sorted set score "
							  "that is NaN");
				if (zhold(c, v) < 0)
					return -1;
			} else {
				item(c, c->a.data, c->a.len, NULL, 0, 0);
			}
		}
		if (type == T_ZSET || type == T_ZSET_2)
			zflush(c);
		return 0;
	case T_SET_INTSET:
		if (string(c->r, &c->blob, &c->tmp) < 0)
			return -1;
		return intset(c, (uint8_t *)c->blob.data, c->blob.len);
	case T_HASH_ZIPMAP:
		if (string(c->r, &c->blob, &c->tmp) < 0)
			return -1;
		return zipmap(c, (uint8_t *)c->blob.data, c->blob.len);
	case T_LIST_ZIPLIST:
		return packed(c, 0, single, 0);
	case T_ZSET_ZIPLIST:
		return packed(c, 0, zset_pair, 2);
	case T_HASH_ZIPLIST:
		return packed(c, 0, hash_pair, 2);
	case T_SET_LISTPACK:
		return packed(c, 1, single, 0);
	case T_ZSET_LISTPACK:
		return packed(c, 1, zset_pair, 2);
	case T_HASH_LISTPACK:
		return packed(c, 1, hash_pair, 2);
	case T_LIST_QUICKLIST:
	case T_LIST_QUICKLIST_2:
		if (length(c->r, &n, NULL) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			cont = 2;
			if (type == T_LIST_QUICKLIST_2 &&
			    length(c->r, &cont, NULL) < 0)
				return -1;
			if (cont == 1) { /* plain: one big item */
				if (string(c->r, &c->b, &c->tmp) < 0)
					return -1;
				item(c, c->b.data, c->b.len, NULL, 0, 0);
			} else if (cont == 2) {
				if (packed(c, type == T_LIST_QUICKLIST_2,
					   single, 0) < 0)
					return -1;
			} else {
				return fail(c->r,
					    "a quicklist node of unknown "
					    "kind %llu",
					    (unsigned long long)cont);
			}
		}
		return 0;
	case T_STREAM_LISTPACKS:
	case T_STREAM_LISTPACKS_2:
	case T_STREAM_LISTPACKS_3:
		return stream(c, type);
	case T_HASH_METADATA:
	case T_HASH_METADATA_PRE_GA:
		return hash_metadata(c, type == T_HASH_METADATA);
	case T_HASH_LISTPACK_EX:
		if (take(c->r, b8, 8) < 0) /* the earliest expiry: not needed */
			return -1;
		/* fall through */
	case T_HASH_LISTPACK_EX_PRE_GA:
		return packed(c, 1, hash_triple, 3);
	default:
		return fail(c->r,
			    "a value of type %d, which this reader does "
			    "not know",
			    type);
	}
}

/* ---- the file
 * ----------------------------------------------------------------- */

/* The ctime aux field (seconds, as text) in milliseconds, or -1. */
static long long
ctime_of(const struct buf *b)
{
	char t[24], *end;
	long long v;

	if (b->len == 0 || b->len >= sizeof(t))
		return -1;
	memcpy(t, b->data, b->len);
	t[b->len] = '\0';
	errno = 0;
	v = strtoll(t, &end, 10);
	if (*end || errno || v < 0 || v > LLONG_MAX / 1000)
		return -1;
	return v * 1000;
}

int
rdb_read(struct rdb_reader *r, const struct rdb_sink *s)
{
	struct ctx c = {.r = r, .s = s};
	uint8_t h[9], b8[8];
	uint64_t x, y;
	long long expire = -1;
	int op, db = 0, rc = -1;

	c.a = c.b = c.blob = c.tmp = c.zm = (struct buf)BUF_INIT;
	r->msg[0] = '\0';
	r->ctime_ms = -1;
	if (take(r, h, 9) < 0)
		goto out;
	if (memcmp(h, "REDIS", 5) != 0) {
		fail(r, "not an RDB file (no REDIS magic)");
		goto out;
	}
	r->version = (h[5] - '0') * 1000 + (h[6] - '0') * 100 +
		     (h[7] - '0') * 10 + (h[8] - '0');
	if (r->version < 1 || r->version > 12) {
		fail(r,
		     "RDB version %.4s, which this reader does not know "
		     "(1 to 12)",
		     (const char *)h + 5);
		goto out;
	}
	for (;;) {
		if (byte(r, &op) < 0)
			goto out;
		switch (op) {
		case OP_EOF:
			if (r->version >= 5) {
				uint64_t want = r->crc;
				if (take(r, b8, 8) < 0)
					goto out;
				if (le(b8, 8) != 0) {
					if (le(b8, 8) != want) {
						fail(r, "a checksum that does "
							"not match the file");
						goto out;
					}
					r->crc_checked = 1;
				}
			}
			rc = 0;
			goto out;
		case OP_SELECTDB:
			if (length(r, &x, NULL) < 0)
				goto out;
			if (x > 1u << 30) {
				fail(r, "database %llu", (unsigned long long)x);
				goto out;
			}
			db = (int)x;
			continue;
		case OP_EXPIRETIME:
			if (take(r, b8, 4) < 0)
				goto out;
			expire = (long long)le(b8, 4) * 1000;
			continue;
		case OP_EXPIRETIME_MS:
			if (take(r, b8, 8) < 0)
				goto out;
			expire = (long long)le(b8, 8);
			continue;
		case OP_RESIZEDB:
			if (length(r, &x, NULL) < 0 || length(r, &y, NULL) < 0)
				goto out;
			continue;
		case OP_AUX:
			if (string(r, &c.a, &c.tmp) < 0 ||
			    string(r, &c.b, &c.tmp) < 0)
				goto out;
			if (c.a.len == 5 && memcmp(c.a.data, "ctime", 5) == 0)
				r->ctime_ms = ctime_of(&c.b);
			continue;
		case OP_FREQ:
			if (take(r, b8, 1) < 0)
				goto out;
			continue;
		case OP_IDLE:
			if (length(r, &x, NULL) < 0)
				goto out;
			continue;
		case OP_MODULE_AUX:
			if (module_value(&c) < 0)
				goto out;
			continue;
		case OP_FUNCTION2:
			if (string(r, &c.b, &c.tmp) < 0)
				goto out;
			continue;
		case OP_SLOT_INFO:
			if (length(r, &x, NULL) < 0 ||
			    length(r, &y, NULL) < 0 || length(r, &y, NULL) < 0)
				goto out;
			continue;
		case OP_FUNCTION_PRE_GA:
			fail(r, "functions in a pre-release format");
			goto out;
		default:
			break;
		}
		/* a key: its type, its name, its value */
		if (string(r, &c.a, &c.tmp) < 0)
			goto out;
		if (op == T_MODULE_2 || op == T_MODULE_PRE_GA) {
			if (op == T_MODULE_PRE_GA) {
				fail(r,
				     "a module value in a pre-release format");
				goto out;
			}
			if (s->skipped)
				s->skipped(s->arg, db, c.a.data, c.a.len,
					   "a module's type");
			if (module_value(&c) < 0)
				goto out;
			expire = -1;
			continue;
		}
		if (op > T_HASH_LISTPACK_EX || op == 8) {
			fail(r,
			     "a value of type %d, which this reader does not "
			     "know",
			     op);
			goto out;
		}
		c.want = s->key(s->arg, db, c.a.data, c.a.len, kind_of(op),
				expire);
		if (r->msg[0] || value(&c, op) < 0)
			goto out;
		if (c.want)
			s->key_end(s->arg);
		if (r->msg[0])
			goto out;
		expire = -1;
	}
out:
	buf_release(&c.a);
	buf_release(&c.b);
	buf_release(&c.blob);
	buf_release(&c.tmp);
	buf_release(&c.zm);
	free(c.z);
	seen_free(c.members);
	return rc;
}

void
rdb_reader_free(struct rdb_reader *r)
{
	if (r->f || r->use_fd)
		free(r->buf);
	r->buf = NULL;
}
