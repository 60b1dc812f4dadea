/*
 * seen.c: the keys written so far, in an open-addressing table of hashes
 * and offsets into one buffer of key bytes: about 32 bytes a key plus the
 * key, kept exactly (a hash alone could drop a key by a collision).
 */
#include <stdlib.h>
#include <string.h>

#include "rdump.h"

struct slot {
	uint64_t hash; /* 0: empty */
	size_t off;
	size_t len;
};

struct seen {
	struct slot *t;
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
	return h ? h : 1;
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

static void
grow(struct seen *s)
{
	size_t cap = s->cap ? 2 * s->cap : 1024, i, j;
	struct slot *t = calloc(cap, sizeof(*t));

	if (!t)
		abort();
	for (i = 0; i < s->cap; i++) {
		if (!s->t[i].hash)
			continue;
		for (j = s->t[i].hash & (cap - 1); t[j].hash;
		     j = (j + 1) & (cap - 1))
			;
		t[j] = s->t[i];
	}
	free(s->t);
	s->t = t;
	s->cap = cap;
}

int
seen_add(struct seen *s, const char *key, size_t len)
{
	uint64_t h = rd_hash(key, len);
	size_t j;

	if (2 * (s->n + 1) > s->cap)
		grow(s);
	for (j = h & (s->cap - 1); s->t[j].hash; j = (j + 1) & (s->cap - 1))
		if (s->t[j].hash == h && s->t[j].len == len &&
		    memcmp(s->keys.data + s->t[j].off, key, len) == 0)
			return 1;
	s->t[j].hash = h;
	s->t[j].off = s->keys.len;
	s->t[j].len = len;
	buf_add(&s->keys, key, len);
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
