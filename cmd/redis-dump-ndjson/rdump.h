/*
 * rdump: redis-dump-ndjson's parts: the options, one node's dump (dump.c),
 * the --stats audit (stats.c) and the set of keys already seen (seen.c).
 */
#ifndef RDUMP_H
#define RDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "buf.h"
#include "cli.h"
#include "seen.h"


struct options {
	int db; /* -1: every database that has keys */
	const char **match;
	int nmatch;
	const char *type;
	long count; /* SCAN COUNT */
	long chunk; /* elements per read of a big key */
	int explode, stats, cluster, dedup, verbose;
	int depth;   /* --stats: prefixes up to the Nth ':' */
	int top;     /* --stats: how many of the biggest keys */
	long sample; /* --stats: MEMORY USAGE of every Nth key */
	struct cli_partition part; /* --partition: by the keys' hash slots */
	long long as_of; /* --rdb: expiries judged then (ms); -1: the file's */
};

/* redis://[USER[:PASSWORD]@]HOST[:PORT][/DB] */
struct rd_url {
	char *host, *user, *password;
	int port; /* 6379 unless given */
	int db;	  /* -1 unless given */
	int tls;  /* rediss:// */
};
/* 0, or -1 with why (never holding the password). */
int rd_parse_url(struct rd_url *u, const char *url, char *why, size_t whylen);
void rd_url_free(struct rd_url *u);

/* TLS: the CA file (else the system's), a client certificate and key. */
struct rd_tls {
	const char *ca, *cert, *key;
};
/*
 * A TLS session to host:port, its certificate checked against the CA and
 * the host name, bridged to a plain socket for hiredis by a thread: that
 * socket, or -1 with why.
 */
struct timeval;
int rd_tls_connect(const char *host, int port, const struct rd_tls *o,
		   const struct timeval *tv, char *why, size_t whylen);


/* What a dump found, over all databases and nodes. */
struct counts {
	uint64_t written; /* keys */
	uint64_t records; /* records (more with --explode) */
	uint64_t vanished, changed, skipped, twice, torn;
};

struct stats;

/* One connection's dump: a database of a node. */
struct dumper {
	const struct options *o;
	redisContext *c;
	const char *where; /* host:port or socket, for messages */
	int db;
	int cluster;	   /* a cluster node: no MGET across slots */
	int no_ttl;	   /* INFO keyspace: no key of the db expires */
	int pexpiretime;   /* the server has PEXPIRETIME (Redis 7) */
	int whole;	   /* written out only between keys (an RDB file) */
	int fexpiry;	   /* INFO keyspace: hashes with field expiries */
	struct buf out;	   /* records, written out at CLI_FLUSH_AT */
	struct buf head;   /* {"db":N,"key":...,"expire_at_ms":...,: a key's */
	struct buf fexps;  /* a hash's "field":ms,... (field expiries, RDB) */
	struct seen *seen; /* NULL without de-duplication */
	struct counts *n;
	struct stats *st; /* --stats */
	size_t peak_seen;
};

/*
 * Dump the selected database of d->c (SELECT is done), every --match in
 * turn, as records or, with st, into the audit.  Exits 3 on a connection
 * or server failure.
 */
void dump_db(struct dumper *d);

/* A reply or exit 3 with where and what: the connection failed. */
redisReply *rd_reply(redisContext *c, const char *where, const char *what);
/* Send a command built from argv (argvlen), or exit 3. */
void rd_append(redisContext *c, const char *where, int argc, const char **argv,
	       const size_t *argvlen);
/*
 * Write out d->out when it has grown past CLI_FLUSH_AT (or always, final);
 * a reader gone ends the dump with the status the counts give so far.
 */
void rd_flush(struct buf *out, int final, const struct counts *n);

/*
 * --rdb: the keys of an RDB file f (d->where names it) as records, as the
 * SCAN dump writes them, and only what redis-server would load: keys whose
 * expiry had passed (at o->as_of, else the file's ctime) and empty
 * collections are counted in *k, not written; a key twice is refused.
 * Records are written out whole, only between keys.  0, or -1 after a
 * message naming the byte where the file is not an RDB file.
 */
struct rdb_reader;
struct rdb_counts {
	uint64_t expired, expired_fields, empty;
	uint64_t unjudged; /* expiries, with no time to judge them at */
};
int dump_rdb(struct dumper *d, struct rdb_reader *r, struct rdb_counts *k);
/*
 * A key's Redis Cluster hash slot (0-16383): CRC16 of the key, or of its
 * {hash tag}, mod 16384.
 */
unsigned rd_slot(const char *k, size_t len);
/* --partition=K/N: the slots of part K are [*lo, *hi). */
void rd_part_slots(const struct options *o, unsigned *lo, unsigned *hi);
/* 1 when key k is in the dump's part (always, without --partition). */
int rd_in_part(const struct options *o, const char *k, size_t len);
/* Redis's glob, as SCAN MATCH reads it: 1 when s[0..sn) matches. */
int rd_glob(const char *p, size_t pn, const char *s, size_t sn);

struct stats *stats_new(const struct options *o);
/* One key: its type, expiry (-1 none), element count, memory (-1 unknown). */
void stats_key(struct stats *st, int db, const char *key, size_t len,
	       const char *type, long long pttl, long long elements,
	       long long memory);
/* The audit as NDJSON into out. */
void stats_write(struct stats *st, struct buf *out, const struct counts *n);
void stats_free(struct stats *st);

#endif
