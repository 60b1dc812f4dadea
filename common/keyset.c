/* keyset.c: find a key that appears twice in an object. */
#include "keyset.h"

#include <stdint.h>
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

/* The keyset of level i, made when first needed; NULL out of memory. */
static struct keyset *
level(struct keyset_deep *kd, size_t i)
{
	struct keyset *lv;
	size_t k;

	if (i >= kd->nlv) {
		if (!(lv = realloc(kd->lv, (i + 8) * sizeof(*lv))))
			return NULL;
		for (k = kd->nlv; k < i + 8; k++)
			lv[k] = (struct keyset)KEYSET_INIT;
		kd->lv = lv;
		kd->nlv = i + 8;
	}
	return &kd->lv[i];
}

static const unsigned char structural[256] = {
	['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1, [','] = 1, ['"'] = 1,
};

const char *
keyset_deep_duplicate(struct keyset_deep *kd, const char *p, size_t n,
		      size_t *len)
{
	const char *end = p + n, *s, *q, *dup;
	struct keyset *ks = NULL;
	int want_key = 0, esc;

	/*
	 * One pass over the text (it is valid): a string right after '{'
	 * or after a ',' inside an object is a key of that object, checked
	 * when the object closes.
	 */
	buf_reset(&kd->open);
	for (; p < end; p++) {
		/* numbers, literals, white space, ':' say nothing */
		while (p < end && !structural[(unsigned char)*p])
			p++;
		if (p == end)
			break;
		switch (*p) {
		case '{':
		case '[':
			buf_addch(&kd->open, *p);
			want_key = *p == '{';
			if (want_key) {
				if (!(ks = level(kd, kd->open.len)))
					goto oom;
				keyset_reset(ks);
			}
			break;
		case '}':
			ks = &kd->lv[kd->open.len];
			if ((dup = keyset_duplicate(ks, len)))
				return dup;
			/* FALLTHROUGH */
		case ']':
			buf_setlen(&kd->open, kd->open.len - 1);
			want_key = 0;
			break;
		case ',':
			want_key = kd->open.len &&
				   kd->open.data[kd->open.len - 1] == '{';
			break;
		case '"':
			/* its end: the first quote after no escaping backslash
			 */
			for (s = ++p;; p++) {
				p = memchr(p, '"', (size_t)(end - p));
				for (q = p; q > s && q[-1] == '\\'; q--)
					;
				if ((p - q) % 2 == 0)
					break;
			}
			esc = memchr(s, '\\', (size_t)(p - s)) != NULL;
			if (want_key && keyset_add(&kd->lv[kd->open.len], s,
						   (size_t)(p - s), esc) < 0)
				goto oom;
			want_key = 0;
			break;
		}
	}
	return NULL;
oom:
	*len = SIZE_MAX;
	return NULL;
}

void
keyset_deep_free(struct keyset_deep *kd)
{
	size_t i;

	for (i = 0; i < kd->nlv; i++)
		keyset_free(&kd->lv[i]);
	free(kd->lv);
	buf_release(&kd->open);
	kd->lv = NULL;
	kd->nlv = 0;
}
