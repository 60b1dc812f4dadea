/*
 * seen: a set of byte strings kept exactly (keys already written; a key's
 * members, to find one twice as redis-server does when it loads a file).
 *
 *	struct seen *s = seen_new();
 *	if (seen_add(s, key, len)) ... (it was there);
 *	seen_free(s);
 */
#ifndef SEEN_H
#define SEEN_H

#include <stddef.h>
#include <stdint.h>

struct seen;
/* An empty set; aborts when out of memory. */
struct seen *seen_new(void);
/* 1 when p[0..len) was in the set, 0 when it is added now. */
int seen_add(struct seen *s, const char *p, size_t len);
/* 1 when p[0..len) is in the set; the set is not changed. */
int seen_has(const struct seen *s, const char *p, size_t len);
void seen_clear(struct seen *s);
size_t seen_bytes(const struct seen *s);
void seen_free(struct seen *s);
uint64_t rd_hash(const char *p, size_t n);

#endif
