/* sdump.h: what sqlite-dump-ndjson.c and ddl.c share. */
#ifndef SDUMP_H
#define SDUMP_H

#include <sqlite3.h>

#include "buf.h"
#include "sqltext.h"

struct table {
	char *name;	/* as stored in sqlite_schema */
	int is_view;
};

struct ddl_options {
	int keep_case;
	int defer_keys; /* primary keys in post, after the data */
};

/*
 * Write PostgreSQL DDL for the tables to out: pre (CREATE TABLE) when post
 * is 0, else indexes, unique constraints, foreign keys and identity resets.
 * Returns 0, or -1 after printing a message (SQLite error).
 */
int ddl_write(sqlite3 *db, const struct table *t, int n, int post,
	      const struct ddl_options *o, struct buf *out);

#endif
