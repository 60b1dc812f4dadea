/*
 * seen.c: the keys written so far, kept exactly (a hash alone could drop
 * a key by a collision): the keys one after another in one buffer, each
 * after its length, and an open-addressing table of 8-byte slots (40
 * bits of offset, 24 of hash) at most 3/4 full.  About 11 to 21 bytes a
 * key plus the key.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "seen.h"

#define OFF_BITS 40
#define TAG(h) ((h) >> OFF_BITS | 1) /* 24 bits, never 0: 0 is empty */

struct seen {
	uint64_t *t;   /* tag << 40 | offset, 0 empty */
	size_t cap, n; /* cap: a power of two */
	struct buf keys;
};

uint64_t
rd_hash(const char *p, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return h;
}

struct seen *
seen_new(void)
{
	struct seen *s = calloc(1, sizeof(*s));

	if (!s)
		abort();
	s->keys = (struct buf)BUF_INIT;
	return s;
}

/* The key stored at off: its length, then its bytes. */
static const char *
stored(const struct seen *s, uint64_t off, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s->keys.data + off;
	size_t n = 0;
	int shift = 0;

	do
		n |= (size_t)(*p & 0x7f) << shift, shift += 7;
	while (*p++ & 0x80);
	*len = n;
	return (const char *)p;
}

static void
grow(struct seen *s)
{
	size_t cap = s->cap ? 2 * s->cap : 4096, i, j, len;
	uint64_t *t = calloc(cap, sizeof(*t)), off;
	const char *k;

	if (!t)
		abort();
	for (i = 0; i < s->cap; i++) {
		if (!s->t[i])
			continue;
		off = s->t[i] & ((1ULL << OFF_BITS) - 1);
		k = stored(s, off, &len);
		for (j = rd_hash(k, len) & (cap - 1); t[j];
		     j = (j + 1) & (cap - 1))
			;
		t[j] = s->t[i];
	}
	free(s->t);
	s->t = t;
	s->cap = cap;
}

/* key's slot: where it is (1), or the empty one where it would go (0) */
static int
find(const struct seen *s, const char *key, size_t len, size_t *at)
{
	uint64_t h = rd_hash(key, len), tag = TAG(h);
	size_t j, n;
	const char *k;

	for (j = h & (s->cap - 1); s->t[j]; j = (j + 1) & (s->cap - 1)) {
		if (s->t[j] >> OFF_BITS != tag)
			continue;
		k = stored(s, s->t[j] & ((1ULL << OFF_BITS) - 1), &n);
		if (n == len && memcmp(k, key, len) == 0) {
			*at = j;
			return 1;
		}
	}
	*at = j;
	return 0;
}

int
seen_has(const struct seen *s, const char *key, size_t len)
{
	size_t j;

	return s->cap && find(s, key, len, &j);
}

int
seen_add(struct seen *s, const char *key, size_t len)
{
	uint64_t tag = TAG(rd_hash(key, len)), off;
	size_t j, n;

	if (4 * (s->n + 1) > 3 * s->cap)
		grow(s);
	if (find(s, key, len, &j))
		return 1;
	off = s->keys.len;
	if (off >> OFF_BITS)
		abort(); /* a terabyte of keys */
	for (n = len; n >= 0x80; n >>= 7)
		buf_addch(&s->keys, (int)(n & 0x7f) | 0x80);
	buf_addch(&s->keys, (int)n);
	buf_add(&s->keys, key, len);
	s->t[j] = tag << OFF_BITS | off;
	s->n++;
	return 0;
}

void
seen_clear(struct seen *s)
{
	if (s->t)
		memset(s->t, 0, s->cap * sizeof(*s->t));
	s->n = 0;
	buf_reset(&s->keys);
}

size_t
seen_bytes(const struct seen *s)
{
	return s->cap * sizeof(*s->t) + s->keys.cap;
}

void
seen_free(struct seen *s)
{
	if (!s)
		return;
	free(s->t);
	buf_release(&s->keys);
	free(s);
}
