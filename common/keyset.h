/*
 * keyset: the keys of one JSON object, decoded, to find one that appears
 * twice.  Reused from record to record without allocating once warm.
 *
 *	struct keyset ks = KEYSET_INIT;
 *	keyset_reset(&ks);
 *	keyset_add(&ks, k.p, k.len, k.escaped);	...for each key
 *	if ((dup = keyset_duplicate(&ks, &dlen)))
 *		...dup[0..dlen) is the decoded key
 *	keyset_free(&ks);
 */
#ifndef KEYSET_H
#define KEYSET_H

#include <stddef.h>

#include "buf.h"

struct keyset {
	struct buf text; /* the decoded keys, one after another */
	struct keyset_key {
		size_t off, len;
	} * key;
	size_t n, cap;
};

#define KEYSET_INIT                                                            \
	{                                                                      \
		BUF_INIT, NULL, 0, 0                                           \
	}

void keyset_reset(struct keyset *ks);

/* Add a key's text (JSON-escaped when escaped); -1 when out of memory. */
int keyset_add(struct keyset *ks, const char *k, size_t len, int escaped);

/*
 * The first key that appears twice (decoded, its length in *len), or
 * NULL.  The keys are reordered.
 */
const char *keyset_duplicate(struct keyset *ks, size_t *len);

void keyset_free(struct keyset *ks);

/*
 * The same, for every object of a JSON text at any depth: one keyset a
 * level, kept from text to text (no allocation once warm).
 *
 *	struct keyset_deep kd = KEYSET_DEEP_INIT;
 *	if ((dup = keyset_deep_duplicate(&kd, p, n, &dlen)))
 *		...dup[0..dlen) is a key that one object holds twice
 *	keyset_deep_free(&kd);
 */
struct keyset_deep {
	struct keyset *lv; /* by nesting level */
	size_t nlv;
	struct buf open; /* the containers open: '{' or '[' each */
};

#define KEYSET_DEEP_INIT                                                       \
	{                                                                      \
		NULL, 0, BUF_INIT                                              \
	}

/*
 * The first key found twice in one object of the valid JSON text p[0..n)
 * (decoded, its length in *len), or NULL; NULL too when out of memory
 * with *len set to SIZE_MAX.
 */
const char *keyset_deep_duplicate(struct keyset_deep *kd, const char *p,
				  size_t n, size_t *len);

void keyset_deep_free(struct keyset_deep *kd);

#endif
