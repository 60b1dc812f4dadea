/* pct: %XX escapes (URL parts, mongodump's file names), decoded. */
#ifndef PCT_H
#define PCT_H

#include <stddef.h>

/*
 * p[0..n) with each %XX (two hex digits) as its byte, NUL-terminated, in
 * memory the caller frees; a % without two hex digits stays as it is.
 * Exits 3 when out of memory.
 */
char *pct_decode(const char *p, size_t n);

/* The same, and '+' as a space: Go's url.QueryUnescape, with which
 * mongodump's file names (url.QueryEscape) are read back. */
char *pct_decode_query(const char *p, size_t n);

#endif
