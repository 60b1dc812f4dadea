/* load.h: what the parts of pg-copy-load share. */
#ifndef LOAD_H
#define LOAD_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "buf.h"
#include "copybin.h"
#include "copyenc.h"
#include "errinfo.h"
#include "json.h"
#include "typmod.h"

enum on_conflict { CONFLICT_ERROR, CONFLICT_UPDATE, CONFLICT_IGNORE };
enum format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_BINARY };
/*
 * pg-verify: stage every record (full), only count them (count), or hand
 * each to loader.digest (digest)
 */
enum verify { VERIFY_NONE, VERIFY_FULL, VERIFY_COUNT, VERIFY_DIGEST };

struct options {
	const char *conninfo;
	const char *table;	/* -t; NULL: route by $table */
	const char *rejects;	/* --rejects FILE */
	const char *create_ddl; /* --create=FILE */
	const char *upsert;	/* key columns, comma-separated */
	const char *hypertable; /* TIMECOLUMN[:INTERVAL] */
	const char *distribute; /* Citus: COLUMN[:COLOCATE_WITH] */
	int reference;		/* Citus: reference tables */
	const char *resume;	/* ledger id */
	const char *summary_json;
	enum on_conflict on_conflict;
	enum format format;
	uint64_t max_rejects;
	uint64_t batch_rows, batch_bytes;
	size_t max_record;
	int batch_commit, create, truncate, unlogged, freeze, keep_case;
	int ignore_unknown, quiet, progress, dry_run;
	int infinity; /* 'infinity' is a date or time */
	int infer_rows;
	int retries; /* reconnections after a transient error */
	int jobs;    /* connections loading batches in parallel */
	enum verify verify;
	/* pg-verify --key: "COLS" for every table or "TABLE:COLS" */
	char **keys;
	int nkeys;
};

struct column {
	char *name;
	size_t namelen;
	char *quoted; /* by PQescapeIdentifier */
	enum col_kind kind;
	enum bin_type bin;
	char *type; /* the base type's name, for messages */
	int generated;
	int key;     /* one of --upsert's key columns */
	int builtin; /* its base type is PostgreSQL's own (pg_catalog) */
	int nondet;  /* its collation is nondeterministic ('a' = 'A') */
	/* its domain has a CHECK added NOT VALID: the table's rows may break
	 * it, and only the server can tell whether a value does */
	int unvalidated;
	char *send; /* its type's send function, quoted, or NULL */
	/*
	 * what its type modifier would change (its elements', its domain's),
	 * and that type as PostgreSQL names it, for messages
	 */
	struct typmod_guard guard;
	char *guard_type;
};

/* Records held for a table that --create will make from them. */
struct pending {
	char *name;
	int routed;
	struct buf raw;
	struct pend_rec {
		const char *file;
		uint64_t line;
		size_t off, len;
	} *rec;
	size_t n, cap;
};

/* One record of a batch: where it came from and where its bytes are. */
struct row {
	uint64_t line;
	const char *file;
	size_t off, len;   /* its COPY text in batch.data */
	size_t roff, rlen; /* its input line in batch.raw */
	int rejected;
};

struct batch {
	unsigned char *colset; /* the columns of this batch's COPY */
	struct buf data, raw;
	struct row *rows;
	size_t nrows, caprows;
	size_t sent; /* bytes of data already streamed */
	int streaming, stream_failed;
	int copy_dead; /* its COPY could not start: batch_end retries it */
	int ended;     /* --jobs: the COPY's end is sent, its result not read */
	int binary;	/* this batch is in binary COPY format */
	int text_next;	/* a value needed text: the next batch is text */
};

struct target {
	char *name;	 /* as routed: -t or the $table value */
	char **alias;	 /* other $table values naming the same table */
	int nalias;
	char *qualified; /* "schema"."table", quoted */
	char *display;	 /* schema.table, for messages */
	char *stage;	 /* quoted temp staging table (upsert) */
	char *ord;	 /* its order column: a name none of t's is */
	struct column *col;
	int ncol;
	struct json_value *slot;
	unsigned char *present;
	unsigned char *seen; /* pg-verify: a column some record had */
	void *digest;	     /* pg-verify --mode=digest: its state */
	int guarded;	     /* a column's values checked by typmod_check */
	int *guess;
	unsigned char *guess_ci;
	int nguess;
	struct batch b;
	uint64_t read, loaded, rejected, committed;
	uint64_t binary_rows; /* loaded through binary COPY */
	int created;
	int distributed; /* a Citus table: worker errors come as XX000 */
	/* the range of shard ids: suffixes taken off names in messages */
	unsigned long long shard_min, shard_max;
};

/*
 * --jobs: a connection with its transaction and the batch in flight on it
 * (COPY sent, result not yet read).  l->conn and l->in_txn are those of
 * slot l->slot; switch_slot() moves between them.
 */
struct slot {
	PGconn *conn;
	int pid; /* its server process (libpq forgets it when it is lost) */
	int in_txn;
	struct target *t; /* the table of the batch in flight, or NULL */
	struct batch b;
};

struct loader {
	const struct options *o;
	PGconn *conn;
	struct slot *slots;
	int nslots, slot, next_slot;
	struct target *fixed; /* -t's table, once it exists */
	struct pending pend;
	struct target **t;
	int nt;
	struct target *cur; /* the target whose batch is open */
	FILE *rejects;
	uint64_t read, loaded, rejected, skipped, committed, bytes;
	uint64_t rejected_before; /* --resume: by earlier runs of the id */
	double t0, last_progress;
	int progress_shown;
	int progress_len;     /* of the line shown: a shorter one pads it */
	uint64_t total_bytes; /* of the input, when every file is regular */
	struct buf tmp, key, msg, sql, cols;
	struct buf guard[TYPMOD_SCRATCH]; /* typmod_check's */
	/*
	 * --resume: the line ranges earlier runs committed, by input name and
	 * first line (batches commit out of order with --jobs)
	 */
	char **done_file;
	uint64_t *done_first, *done_last;
	int ndone;
	/* --resume: lines rejected before any batch, for the next commit */
	struct orphan {
		const char *file;
		uint64_t line;
	} *orphan;
	size_t norphan, caporphan;
	int in_txn;
	/* transient errors: batch_end retries a batch from here */
	jmp_buf retry;
	int retry_armed, in_commit, batch_committed;
	char sqlstate[6]; /* of the last server error */
	uint64_t attempt_loaded;
	/* pg-verify --mode=digest: the reader is about to wait for fd */
	void (*idle)(void *arg, int fd);
	/* pg-verify --mode=digest: a record whose key is known good */
	void (*digest)(struct loader *l, struct target *t, const char *file,
		       uint64_t line, const char *raw, size_t rawlen);
};

/* Remember the SQLSTATE of a failed result (for transient errors). */
void note_error(struct loader *l, const PGresult *r);

/* input.c: reading, routing, matching keys, adding to batches */
extern volatile sig_atomic_t loader_stop; /* a signal's number, or 0 */
double loader_now(void);
/* The loader's buffers set up, the clock started, SIGINT and SIGTERM
 * caught (into loader_stop); loader_release closes and frees it all. */
void loader_init(struct loader *l);
/*
 * From now on SIGINT and SIGTERM also cancel the query conn is running
 * (pg-verify's: its queries only read, and may wait on a lock for long).
 */
void loader_cancel_on_signal(PGconn *conn);
void loader_release(struct loader *l);
/* Every record of the files (stdin when none) into its table's batches. */
void loader_read(struct loader *l, char **files, int nfiles);
/* --create: make the held records' table, then load them. */
void loader_flush_pending(struct loader *l);
/*
 * One record of table t: its keys matched, then added to t's batch (or
 * counted, or digested, by l->o->verify).
 */
void loader_record_into(struct loader *l, struct target *t, const char *file,
			uint64_t line, const char *p, size_t n);
/* Does -t name a table?  (to_regclass: no error for a missing one.) */
int loader_table_exists(struct loader *l, const char *name);

/* Report and exit; nothing more is committed (each tool's own). */
void loader_fail(struct loader *l, int status) __attribute__((noreturn));
void loader_oom(size_t want) __attribute__((noreturn));
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

/* target.c */
/* A table already described, by the name it was routed or given by. */
struct target *target_find(struct loader *l, const char *name);
/* Describe a table and set it up; NULL when there is no such table. */
struct target *target_open(struct loader *l, const char *name, int routed);
/*
 * The column a record's key k (at position pos) loads: its index, -1 for
 * none, -2 when several match case-insensitively, -3 for a key the
 * contract reserves.  "$$x" is the data key "$x" (ndjson-migrate(7)).
 */
int target_match_key(struct loader *l, struct target *t,
		     const struct json_value *k, int pos);
void target_free(struct target *t);
/*
 * pg-verify --key, pg-copy-load --upsert: "TABLE:COLS" gives TABLE (in
 * table, its quotes taken off when it is "quoted") and returns COLS; a
 * list with no colon outside double quotes ("COLS") returns NULL.
 */
const char *target_key_table(const char *k, struct buf *table);
/*
 * The next name of a comma-separated list, as PostgreSQL reads names:
 * "Quoted" as written ("" for a quote), else folded to lower case.
 * Returns where the list goes on, or NULL at its end or on a stray quote.
 */
const char *target_next_name(const char *p, struct buf *name, int *quoted);
/*
 * Does a valid primary key or unique index (not partial, on no
 * expression; not deferrable when immediate, as ON CONFLICT needs) cover
 * exactly t's key columns?  When not immediate (pg-verify, which reads a
 * table with its inheritance children), a table with children counts only
 * when it is partitioned, and an index only when no key column may be NULL
 * or it has NULLS NOT DISTINCT, and its operator classes are the types'
 * defaults under the columns' own collations.
 */
int target_key_unique(struct loader *l, const struct target *t, int immediate);
/* (Re)create t's upsert staging table in this session. */
void target_stage(struct loader *l, struct target *t);
/*
 * base, or base_2, base_3, ...: the first that is none of t's column
 * names (the stage's own columns and a query's own names never clash).
 */
void target_unused_name(const struct target *t, const char *base,
			struct buf *out);

/* create.c: make a missing table; 0, or -1 after a message */
/* --hypertable: 1 the table is one on the column, 0 not, -2 no TimescaleDB */
int hypertable_check(struct loader *l, const char *qualified);
/* Is there a relation of this name?  1 yes, 0 no, -1 after a message. */
int catalog_has(struct loader *l, const char *what, const char *relname);
int create_table(struct loader *l, const char *name, int routed,
		 const struct pending *pd);

/* batch.c */
enum cols { LOADED, KEYS, UPDATED };
/*
 * The columns of t that which picks (the batch's, the key's, the batch's
 * but the key's), ", "-separated, each after prefix ("S.", "EXCLUDED.");
 * returns how many.
 */
int add_cols(struct buf *s, const struct target *t, enum cols which,
	     const char *prefix);
void batch_add(struct loader *l, struct target *t, const char *file,
	       uint64_t line, const char *raw, size_t rawlen);
void batch_end(struct loader *l, struct target *t);
void reject(struct loader *l, struct target *t, const char *file,
	    uint64_t line, const char *raw, size_t rawlen, const char *column,
	    const char *sqlstate, const char *message, int in_batch);
int job_lock(struct loader *l);
void ledger_load(struct loader *l);
/* Record the orphan rejects in the ledger, in the current transaction. */
void ledger_orphans(struct loader *l);
/* --jobs: finish every batch in flight (and the open one) */
void batch_quiesce(struct loader *l);
void switch_slot(struct loader *l, int i);
void set_lock_timeout(struct loader *l);
/* A connection for the load (its commits durable), or NULL with e set. */
PGconn *loader_connect(const struct loader *l, struct err *e);
void txn_begin(struct loader *l);
void txn_commit(struct loader *l);
int sql_exec(struct loader *l, const char *sql);
/*
 * A query with text parameters whose rows are wanted: its result, or NULL
 * after "what: the server's message" (the SQLSTATE noted).
 */
PGresult *sql_query(struct loader *l, const char *what, const char *sql,
		    int n, const char *const *params);

#endif
