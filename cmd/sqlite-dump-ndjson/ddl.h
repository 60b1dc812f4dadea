/*
 * ddl.h: what ddl.c and schematext.c share.  Layers: schematext.c reads a
 * table's CREATE TABLE text (a SQL scanner, CHECK expressions, DEFERRABLE,
 * ON CONFLICT); ddl.c, above it, writes the DDL from SQLite's catalog and
 * that text.
 */
#ifndef DDL_H
#define DDL_H

#include <sqlite3.h>

#include "buf.h"
#include "sqltext.h"

/* A column as SQLite's catalog describes it; ddl.c's read_columns(). */
struct column {
	char *name, *type, *dflt;
	char *coll;	 /* its collation: BINARY, NOCASE, RTRIM */
	int notnull, pk; /* pk: 1-based position in the primary key, or 0 */
	int generated;	 /* GENERATED ALWAYS AS (...): VIRTUAL or STORED */
	int rowid;	 /* the rowid's alias: an identity in PostgreSQL */
	char *pgtype;	 /* the PostgreSQL type it is created with, or NULL */
};

/* The index of the column named name (as SQLite matches: any case), or -1. */
int is_column(const struct column *c, int n, const char *name);

/* ---- a SQL scanner ---- */
enum tk { TK_END, TK_WORD, TK_QUOTED, TK_STRING, TK_NUMBER, TK_PUNCT };

struct tok {
	enum tk k;
	const char *p; /* the token's text as written */
	size_t n;
};

/*
 * The next token of SQL text at p into t (comments and white space
 * skipped; TK_END at the end); returns where the token ends.
 */
const char *next_tok(const char *p, struct tok *t);
/* Is t the word w, in any case? */
int is_word(const struct tok *t, const char *w);
/* A name token's text into out, unquoted ("" in "..." is one "). */
void tok_name(const struct tok *t, struct buf *out);

/* The table's CREATE TABLE text from sqlite_schema (the caller frees it),
 * or NULL. */
char *table_sql(sqlite3 *db, const char *table);

/*
 * A CHECK expression at p (after its '(') into out as PostgreSQL that
 * means the same for every value, over columns c whose pgtype is set;
 * *ok is 0 when it does not translate.  Returns where the expression ends
 * (after its ')').
 */
const char *check_expr(const char *p, const struct column *c, int n,
		       int fold, struct buf *out, int *ok);

/*
 * Is the foreign key of table's column from to parent DEFERRABLE (1), and
 * INITIALLY DEFERRED (2)?  0 when not.
 */
int fk_deferrable(sqlite3 *db, const char *table, const char *from,
		  const char *parent);

/* Warn each ON CONFLICT clause of the table other than ABORT, by name. */
void conflict_clauses(sqlite3 *db, const char *table);

#endif
