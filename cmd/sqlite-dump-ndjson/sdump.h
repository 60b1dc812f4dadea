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
	int keys_pre;	/* primary keys and unique constraints in pre */
	int all_tables; /* no table was named: views are warned too */
};

/*
 * Write PostgreSQL DDL for the tables to out, in pg_dump's sections: pre
 * (CREATE TABLE with NOT NULL, defaults, identity; keys too with keys_pre)
 * when post is 0, else primary keys, unique constraints, indexes, foreign
 * keys and identity resets, for after the data.  What cannot be translated
 * is warned by name.  Returns how many tables were left out (said why).
 */
int ddl_write(sqlite3 *db, const struct table *t, int n, int post,
	      const struct ddl_options *o, struct buf *out);

#endif
