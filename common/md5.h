/*
 * md5: the MD5 digest (RFC 1321), for ndjson-map's md5(), which matches
 * PostgreSQL's md5(): a 32-character lower-case hex string.  Not for
 * security; for keys and checksums a user's SQL already computes with md5.
 *
 *	char hex[33];
 *	md5_hex("abc", 3, hex);   -> "900150983cd24fb0d6963f7d28e17f72"
 */
#ifndef MD5_H
#define MD5_H

#include <stddef.h>

/* Write the digest of p[0..len) as 32 hex digits and a NUL into hex. */
void md5_hex(const void *p, size_t len, char hex[33]);

#endif
