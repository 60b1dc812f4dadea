/* verify.h: what pg-verify.c and compare.c share. */
#ifndef VERIFY_H
#define VERIFY_H

#include <stdint.h>
#include <stdio.h>

#include "load.h"

struct verify_options {
	const char *columns; /* --columns: compare only these */
	const char *ignore;  /* --ignore: never these */
	const char *where;   /* --where: the table's rows to compare */
	const char *report_name;
	FILE *report;	/* the NDJSON report: stdout or --report */
	uint64_t limit; /* differences listed at most */
	int mode;	/* 0 digest, 1 full, 2 count */
	int quiet;
	int read_only; /* the session cannot make a temporary table */
};

/* --where, tried on t alone: a mistake in it is a usage error (2). */
void verify_where(struct loader *l, const struct target *t,
		  const struct verify_options *vo);

/*
 * Does every name of --columns and --ignore name a column of some table
 * open (l->t)?  0, or 2 after a message (a usage error).
 */
int verify_names(struct loader *l, const struct verify_options *vo);

/*
 * A line of the report: written, or, when the reader of standard output
 * has gone (EPIPE, `pg-verify | head`), exit quietly with status, the
 * status so far; any other failure: a message and exit 3.
 */
void verify_write(const struct verify_options *vo, const char *p, size_t n,
		  int status);

/* Is column c of t compared (by --columns and --ignore; keys aside)? */
int verify_compared(const struct verify_options *vo, const struct target *t,
		    const struct column *c);

/* digest.c: --mode=digest */
struct digest_info {
	int full;	   /* staged whole: a type with no digest form */
	uint64_t source;   /* records taken */
	uint64_t target;   /* the table's rows, by the buckets' counts */
	uint64_t buckets;  /* of the key's hash */
	uint64_t compared; /* buckets compared row by row */
};
/*
 * Hand each record to the spool (l->digest), and in digest mode to the
 * digest; conninfo for the aggregates.
 */
void digest_start(struct loader *l, struct options *o,
		  const struct verify_options *vo, const char *conninfo);
/* The stream read: the tables' aggregates read, the buckets that differ. */
void digest_collect(struct loader *l);
/* Stage the records of t compared row by row (every one in full mode). */
void digest_stage(struct loader *l, struct target *t);
/* What the digest found for t, in di; NULL when t had no digested record. */
const struct digest_info *digest_info(const struct target *t,
				      struct digest_info *di);
/* " AND <the row's bucket is one compared>", or nothing when all are. */
void digest_filter(struct buf *s, const struct target *t);
void digest_end(struct loader *l);
/* Has the aggregate connection been lost? */
int digest_lost(void);

/* libpq's notice processor: a server's message, named as pg-verify's. */
void verify_notice(void *arg, const char *msg);

/*
 * Until the end of the current savepoint, keep t and the tables it is made
 * of from being changed (lock: an ACCESS SHARE lock taken first; else the
 * query that read t took it), and make sure that what they are made of is
 * what the run's snapshot knows, by comparing the catalog as the snapshot
 * shows it with the catalog as it is now (a session of its own): TRUNCATE,
 * a rewriting ALTER TABLE, VACUUM FULL or CLUSTER, a partition or child
 * attached or detached, a view replaced, the name now another table's,
 * since the snapshot, stops the run (3), for these leave an older snapshot
 * an empty table or rows of another time.
 */
void verify_hold(struct loader *l, PGconn *conn, const struct target *t,
		 int lock);
/* Is t, or what it is made of, a foreign table (read in its own snapshot)? */
int verify_foreign(struct loader *l, const struct target *t);
/* verify_hold's session, closed. */
void verify_end(void);

/*
 * Compare every table the records were read into (its staging table, or
 * its count) with the table itself; write the differences and a summary
 * line to vo->report and a summary per table to stderr.  Returns 0 when
 * all are the same, 1 when something differs, 2 when a key does not name
 * one row of the table; a server error ends the run (loader_fail, 3).
 */
int verify_tables(struct loader *l, struct verify_options *vo);

#endif
