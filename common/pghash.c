/*
 * pghash: hash_bytes_extended as PostgreSQL computes it (src/common/hashfn.c:
 * lookup3 with a 64-bit seed and result), written from its description.
 * Words are read as little-endian; the last 1-11 bytes go to a, b and c
 * with the low byte of c left for nothing (PostgreSQL's "reserved for the
 * length"); the result is b in the high half, c in the low.
 */
#include "pghash.h"

static inline uint32_t
rot(uint32_t x, int k)
{
	return x << k | x >> (32 - k);
}

static inline void
mix(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*a -= *c;
	*a ^= rot(*c, 4);
	*c += *b;
	*b -= *a;
	*b ^= rot(*a, 6);
	*a += *c;
	*c -= *b;
	*c ^= rot(*b, 8);
	*b += *a;
	*a -= *c;
	*a ^= rot(*c, 16);
	*c += *b;
	*b -= *a;
	*b ^= rot(*a, 19);
	*a += *c;
	*c -= *b;
	*c ^= rot(*b, 4);
	*b += *a;
}

static inline void
final(uint32_t *a, uint32_t *b, uint32_t *c)
{
	*c ^= *b;
	*c -= rot(*b, 14);
	*a ^= *c;
	*a -= rot(*c, 11);
	*b ^= *a;
	*b -= rot(*a, 25);
	*c ^= *b;
	*c -= rot(*b, 16);
	*a ^= *c;
	*a -= rot(*c, 4);
	*b ^= *a;
	*b -= rot(*a, 14);
	*c ^= *b;
	*c -= rot(*b, 24);
}

/* n (at most 4) bytes of p as a little-endian word, from bit shift up */
static inline uint32_t
le(const unsigned char *p, size_t n, int shift)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i + (unsigned)shift);
	return v;
}

uint64_t
pghash_bytes(const void *key, size_t len, uint64_t seed)
{
	const unsigned char *k = key;
	uint32_t a, b, c;
	size_t n = len;

	a = b = c = 0x9e3779b9u + (uint32_t)len + 3923095u;
	if (seed != 0) {
		a += (uint32_t)(seed >> 32);
		b += (uint32_t)seed;
		mix(&a, &b, &c);
	}
	for (; n >= 12; n -= 12, k += 12) {
		a += le(k, 4, 0);
		b += le(k + 4, 4, 0);
		c += le(k + 8, 4, 0);
		mix(&a, &b, &c);
	}
	/* the last 0 to 11 bytes; c's lowest byte stays out */
	if (n > 8)
		c += le(k + 8, n - 8, 8);
	if (n > 4)
		b += le(k + 4, n > 8 ? 4 : n - 4, 0);
	if (n > 0)
		a += le(k, n > 4 ? 4 : n, 0);
	final(&a, &b, &c);
	return (uint64_t)b << 32 | c;
}
