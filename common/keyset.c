/* keyset.c: find a key that appears twice in an object. */
#include "keyset.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

void
keyset_reset(struct keyset *ks)
{
	buf_reset(&ks->text);
	ks->n = 0;
}

int
keyset_add(struct keyset *ks, const char *k, size_t len, int escaped)
{
	struct keyset_key *nk;

	if (ks->n == ks->cap) {
		size_t cap = ks->cap ? 2 * ks->cap : 64;
		if (!(nk = realloc(ks->key, cap * sizeof(*nk))))
			return -1;
		ks->key = nk;
		ks->cap = cap;
	}
	ks->key[ks->n].off = ks->text.len;
	if (escaped)
		json_unescape(&ks->text, k, len);
	else
		buf_add(&ks->text, k, len);
	ks->key[ks->n].len = ks->text.len - ks->key[ks->n].off;
	ks->n++;
	return 0;
}

static int
key_cmp(const void *a, const void *b, void *base)
{
	const struct keyset_key *x = a, *y = b;
	const char *k = base;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(k + x->off, k + y->off, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

const char *
keyset_duplicate(struct keyset *ks, size_t *len)
{
	const struct keyset_key *d = NULL;
	const char *t = ks->text.data;
	size_t i, j;

	if (ks->n <= 16) {
		/* few keys: comparing each pair beats sorting */
		for (i = 1; i < ks->n && !d; i++)
			for (j = 0; j < i; j++)
				if (ks->key[i].len == ks->key[j].len &&
				    memcmp(t + ks->key[i].off,
					   t + ks->key[j].off,
					   ks->key[i].len) == 0) {
					d = &ks->key[i];
					break;
				}
	} else {
		qsort_r(ks->key, ks->n, sizeof(*ks->key), key_cmp,
			ks->text.data);
		for (i = 1; i < ks->n; i++)
			if (key_cmp(&ks->key[i - 1], &ks->key[i],
				    ks->text.data) == 0) {
				d = &ks->key[i];
				break;
			}
	}
	if (!d)
		return NULL;
	*len = d->len;
	return t + d->off;
}

void
keyset_free(struct keyset *ks)
{
	buf_release(&ks->text);
	free(ks->key);
	ks->key = NULL;
	ks->n = ks->cap = 0;
}
