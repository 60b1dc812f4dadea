/*
 * stats.c: the audit of --stats: keys by type and by key pattern (the key
 * up to its Nth ':'), with TTL or not, element counts, sampled MEMORY
 * USAGE, and the biggest keys.  Memory: one entry a pattern (at most
 * MAX_PREFIXES; the keys beyond are counted under a null prefix) and the
 * top N keys.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rdump.h"

#define NTYPES 7 /* the six core types and the others */
#define MAX_PREFIXES 10000

static const char *const tnames[NTYPES] = {"string", "hash",   "list", "set",
					   "zset",   "stream", "other"};

struct agg {
	uint64_t keys, with_ttl, elements, memory, sampled;
	uint64_t bytype[NTYPES];
};

struct prefix {
	uint64_t hash; /* 0: empty slot */
	char *p;
	size_t len;
	struct agg a;
};

struct big {
	char *key;
	size_t len;
	int db, type;
	long long elements, memory;
};

struct stats {
	const struct options *o;
	struct agg total, type[NTYPES], other_prefix;
	struct prefix *pt;
	size_t cap, n;
	struct big *top;
	int ntop;
	uint64_t dbs; /* bit n: database n was read */
};

struct stats *
stats_new(const struct options *o)
{
	struct stats *st = calloc(1, sizeof(*st));

	if (!st)
		abort();
	st->o = o;
	st->cap = 1024;
	st->pt = calloc(st->cap, sizeof(*st->pt));
	st->top = calloc((size_t)o->top + 1, sizeof(*st->top));
	if (!st->pt || !st->top)
		abort();
	return st;
}

static void
add(struct agg *a, int t, long long pttl, long long elements, long long memory)
{
	a->keys++;
	a->with_ttl += pttl >= 0;
	a->bytype[t]++;
	if (elements > 0)
		a->elements += (uint64_t)elements;
	if (memory >= 0) {
		a->memory += (uint64_t)memory;
		a->sampled++;
	}
}

static void
grow(struct stats *st)
{
	size_t cap = 2 * st->cap, i, j;
	struct prefix *t = calloc(cap, sizeof(*t));

	if (!t)
		abort();
	for (i = 0; i < st->cap; i++) {
		if (!st->pt[i].hash)
			continue;
		for (j = st->pt[i].hash & (cap - 1); t[j].hash;
		     j = (j + 1) & (cap - 1))
			;
		t[j] = st->pt[i];
	}
	free(st->pt);
	st->pt = t;
	st->cap = cap;
}

static struct agg *
prefix_of(struct stats *st, const char *key, size_t len)
{
	size_t n = 0, i, j;
	int seps = 0;
	uint64_t h;

	/* up to the Nth ':', or the last one before the key ends */
	for (i = 0; i < len && seps < st->o->depth; i++)
		if (key[i] == ':') {
			seps++;
			n = i + 1;
		}
	h = rd_hash(key, n) | 1; /* 0 marks an empty slot */
	for (j = h & (st->cap - 1); st->pt[j].hash; j = (j + 1) & (st->cap - 1))
		if (st->pt[j].hash == h && st->pt[j].len == n &&
		    memcmp(st->pt[j].p, key, n) == 0)
			return &st->pt[j].a;
	if (st->n >= MAX_PREFIXES)
		return &st->other_prefix;
	if (2 * (st->n + 1) > st->cap) {
		grow(st);
		for (j = h & (st->cap - 1); st->pt[j].hash;
		     j = (j + 1) & (st->cap - 1))
			;
	}
	st->pt[j].hash = h;
	st->pt[j].p = malloc(n + 1);
	if (!st->pt[j].p)
		abort();
	memcpy(st->pt[j].p, key, n);
	st->pt[j].len = n;
	st->n++;
	return &st->pt[j].a;
}

void
stats_key(struct stats *st, int db, const char *key, size_t len,
	  const char *type, long long pttl, long long elements,
	  long long memory)
{
	int t, i;
	struct big b;

	for (t = 0; t < NTYPES - 1; t++)
		if (type && strcmp(type, tnames[t]) == 0)
			break;
	if (db >= 0 && db < 64)
		st->dbs |= 1ULL << db;
	add(&st->total, t, pttl, elements, memory);
	add(&st->type[t], t, pttl, elements, memory);
	add(prefix_of(st, key, len), t, pttl, elements, memory);
	if (memory < 0 || st->o->top == 0)
		return;
	if (st->ntop == st->o->top && st->top[st->ntop - 1].memory >= memory)
		return;
	/* into the top, kept in order of memory, largest first */
	b.key = malloc(len ? len : 1);
	if (!b.key)
		abort();
	memcpy(b.key, key, len);
	b.len = len;
	b.db = db;
	b.type = t;
	b.elements = elements;
	b.memory = memory;
	if (st->ntop == st->o->top)
		free(st->top[--st->ntop].key);
	for (i = st->ntop; i > 0 && st->top[i - 1].memory < memory; i--)
		st->top[i] = st->top[i - 1];
	st->top[i] = b;
	st->ntop++;
}

static void
put_agg(struct buf *out, const struct agg *a)
{
	int t, first = 1;

	buf_adds(out, "\"keys\":");
	buf_addu64(out, a->keys);
	buf_adds(out, ",\"with_ttl\":");
	buf_addu64(out, a->with_ttl);
	buf_adds(out, ",\"elements\":");
	buf_addu64(out, a->elements);
	buf_adds(out, ",\"memory_sampled_keys\":");
	buf_addu64(out, a->sampled);
	buf_adds(out, ",\"memory_sampled_bytes\":");
	buf_addu64(out, a->memory);
	buf_adds(out, ",\"memory_estimate_bytes\":");
	if (a->sampled)
		buf_addu64(out,
			   (uint64_t)((double)a->memory / (double)a->sampled *
					      (double)a->keys +
				      0.5));
	else
		buf_adds(out, "null");
	buf_adds(out, ",\"types\":{");
	for (t = 0; t < NTYPES; t++) {
		if (!a->bytype[t])
			continue;
		if (!first)
			buf_addch(out, ',');
		first = 0;
		buf_addf(out, "\"%s\":", tnames[t]);
		buf_addu64(out, a->bytype[t]);
	}
	buf_adds(out, "}}\n");
}

static int
by_keys(const void *x, const void *y)
{
	const struct prefix *a = x, *b = y;

	if (a->a.keys != b->a.keys)
		return a->a.keys < b->a.keys ? 1 : -1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return memcmp(a->p, b->p, a->len);
}

void
stats_write(struct stats *st, struct buf *out, const struct counts *n)
{
	size_t i, k = 0;
	int t, db, first = 1;

	buf_adds(out, "{\"stat\":\"total\",\"databases\":[");
	for (db = 0; db < 64; db++)
		if (st->dbs & (1ULL << db)) {
			if (!first)
				buf_addch(out, ',');
			first = 0;
			buf_addi64(out, db);
		}
	buf_adds(out, "],\"vanished\":");
	buf_addu64(out, n->vanished);
	buf_addch(out, ',');
	put_agg(out, &st->total);
	for (t = 0; t < NTYPES; t++) {
		if (!st->type[t].keys)
			continue;
		buf_addf(out, "{\"stat\":\"type\",\"type\":\"%s\",", tnames[t]);
		put_agg(out, &st->type[t]);
	}
	/* the patterns, most keys first */
	for (i = 0; i < st->cap; i++)
		if (st->pt[i].hash)
			st->pt[k++] = st->pt[i];
	qsort(st->pt, k, sizeof(*st->pt), by_keys);
	for (i = 0; i < k; i++) {
		buf_adds(out, "{\"stat\":\"prefix\",\"prefix\":");
		json_write_text(out, st->pt[i].p, st->pt[i].len);
		buf_addch(out, ',');
		put_agg(out, &st->pt[i].a);
		free(st->pt[i].p);
	}
	st->n = 0;
	memset(st->pt, 0, st->cap * sizeof(*st->pt));
	if (st->other_prefix.keys) {
		buf_adds(out, "{\"stat\":\"prefix\",\"prefix\":null,");
		put_agg(out, &st->other_prefix);
	}
	for (t = 0; t < st->ntop; t++) {
		struct big *b = &st->top[t];
		buf_adds(out, "{\"stat\":\"biggest\",\"rank\":");
		buf_addi64(out, t + 1);
		buf_adds(out, ",\"db\":");
		buf_addi64(out, b->db);
		buf_adds(out, ",\"key\":");
		json_write_text(out, b->key, b->len);
		buf_addf(out,
			 ",\"type\":\"%s\",\"elements\":", tnames[b->type]);
		buf_addi64(out, b->elements);
		buf_adds(out, ",\"memory_bytes\":");
		buf_addi64(out, b->memory);
		buf_adds(out, "}\n");
	}
}

void
stats_free(struct stats *st)
{
	int t;

	if (!st)
		return;
	for (t = 0; t < st->ntop; t++)
		free(st->top[t].key);
	free(st->top);
	free(st->pt);
	free(st);
}
