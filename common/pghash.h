/*
 * pghash: PostgreSQL's own 64-bit hash of bytes (hash_bytes_extended,
 * Bob Jenkins' lookup3 as PostgreSQL adapted it) and the way its
 * hash_array_extended() folds element hashes together, so that a client
 * can hash values exactly as the server's
 *
 *	SELECT hash_array_extended(ARRAY[int8send(id), textsend(name)], 0)
 *
 * does (on a little-endian server, which is what PostgreSQL runs on in
 * practice; a caller checks one value against the server first).
 *
 *	uint64_t h = PGHASH_ARRAY_INIT;
 *	h = pghash_array_add(h, pghash_bytes(p, n, 0));   // a value
 *	h = pghash_array_add(h, 0);                       // a NULL
 */
#ifndef PGHASH_H
#define PGHASH_H

#include <stddef.h>
#include <stdint.h>

#define PGHASH_ARRAY_INIT 1

/* hash_bytes_extended(k, len, seed): seed 0 means none. */
uint64_t pghash_bytes(const void *k, size_t len, uint64_t seed);

/* One more element of hash_array_extended: result * 31 + its hash. */
static inline uint64_t
pghash_array_add(uint64_t result, uint64_t element)
{
	return (result << 5) - result + element;
}

#endif
