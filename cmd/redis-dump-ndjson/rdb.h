/*
 * rdb: a reader of Redis's RDB snapshot format (versions 1 to 12), written
 * from its documentation and the server's own description of it: every key
 * with its database, type, expiry and elements, handed to callbacks as they
 * are read, a node (a listpack, a ziplist) at a time, never the whole file.
 * What redis-server refuses when it loads a file is refused here too: a
 * set's, sorted set's or hash's member twice where the server checks it, a
 * NaN score.  A sorted set is handed over in rank order (lowest score first,
 * then by member's bytes) whatever its encoding: one in a skiplist encoding
 * (which the server writes highest first) is held whole and sorted.
 */
#ifndef RDB_H
#define RDB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "buf.h"

enum rdb_kind { RDB_STRING, RDB_LIST, RDB_SET, RDB_ZSET, RDB_HASH, RDB_STREAM };

struct rdb_sink {
	void *arg;
	/*
	 * A key: 1 to be given its elements, 0 to skip them (they are read,
	 * not handed over).  expire_ms is -1 when the key has none.
	 */
	int (*key)(void *arg, int db, const char *k, size_t klen,
		   enum rdb_kind kind, long long expire_ms);
	/*
	 * One element: a string's value, a list's item, a set's member (a);
	 * a hash's field (a) and value (b); a zset's member (a) and score.
	 */
	void (*item)(void *arg, const char *a, size_t alen, const char *b,
		     size_t blen, double score);
	/* A stream entry: its id ("ms-seq"), then its fields, then the end. */
	void (*entry)(void *arg, const char *id, size_t idlen);
	void (*field)(void *arg, const char *f, size_t flen, const char *v,
		      size_t vlen);
	void (*entry_end)(void *arg);
	void (*key_end)(void *arg);
	/* A key of a type there is no record for (a module's): skipped. */
	void (*skipped)(void *arg, int db, const char *k, size_t klen,
			const char *why);
	/*
	 * A hash field's expiry (Redis 7.4's field TTLs), in milliseconds
	 * since 1970: called just before the item of that field; fields
	 * without one have no call.  May be NULL.
	 */
	void (*item_expire)(void *arg, long long ms);
};

struct rdb_reader {
	FILE *f;	    /* or, when NULL, fd (use_fd), or mem[0..memlen) */
	int use_fd, fd;	    /* a socket: read() what has come */
	uint64_t limit;	    /* with use_fd, when not 0: the bytes there are */
	uint64_t got;	    /* bytes read from f or fd */
	const uint8_t *mem; /* for the fuzz target */
	FILE *copy;	    /* when set, every byte read from f or fd too */
	size_t memlen;
	uint8_t *buf; /* what was read from f and not yet taken */
	size_t pos, len;
	uint64_t off; /* bytes taken */
	uint64_t crc; /* over the bytes taken */
	int version;
	int crc_checked;
	long long ctime_ms; /* when it was written (its ctime), or -1 */
	char msg[240]; /* why it stopped */
};

/*
 * Read a whole RDB file from r (f set, or mem and memlen), calling s for each
 * key.  Returns 0 at its end (checksum checked when it has one), or -1 with
 * r->msg naming the byte offset.
 */
int rdb_read(struct rdb_reader *r, const struct rdb_sink *s);
void rdb_reader_free(struct rdb_reader *r);
/*
 * For a sink's key or key_end: stop the read, rdb_read returning -1 with
 * r->msg why (printf's fmt) at the byte read so far.  Returns -1.
 */
int rdb_stop(struct rdb_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* CRC-64/Jones as Redis computes it (reflected, no final xor). */
uint64_t rdb_crc64(uint64_t crc, const uint8_t *p, size_t n);

#endif
