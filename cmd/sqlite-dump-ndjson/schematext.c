/*
 * schematext.c: what only a table's CREATE TABLE text says (CHECK
 * expressions, DEFERRABLE, ON CONFLICT clauses), read by a small SQL
 * scanner.
 */
#include <ctype.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ddl.h"

/* The next token of SQL text (comments and white space skipped). */
const char *
next_tok(const char *p, struct tok *t)
{
	const char *q;
	char close;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] == '-' && p[1] == '-')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*')
			p = (q = strstr(p + 2, "*/")) ? q + 2 : p + strlen(p);
		else
			break;
	}
	t->p = p;
	if (!*p) {
		t->k = TK_END;
		t->n = 0;
		return p;
	}
	if (*p == '\'' || *p == '"' || *p == '`' || *p == '[') {
		close = *p == '[' ? ']' : *p;
		for (q = p + 1; *q; q++)
			if (*q == close &&
			    !(close != ']' && q[1] == close && (q++, 1)))
				break;
		t->k = *p == '\'' ? TK_STRING : TK_QUOTED;
		t->n = (size_t)(q - p) + (*q != '\0');
	} else if (isalpha((unsigned char)*p) || *p == '_' ||
		   (unsigned char)*p >= 0x80) {
		for (q = p; isalnum((unsigned char)*q) || *q == '_' ||
			    *q == '$' || (unsigned char)*q >= 0x80;
		     q++)
			;
		t->k = TK_WORD;
		t->n = (size_t)(q - p);
	} else if (isdigit((unsigned char)*p) ||
		   (*p == '.' && isdigit((unsigned char)p[1]))) {
		for (q = p; isalnum((unsigned char)*q) || *q == '.' ||
			    ((*q == '+' || *q == '-') &&
			     (q[-1] == 'e' || q[-1] == 'E'));
		     q++)
			;
		t->k = TK_NUMBER;
		t->n = (size_t)(q - p);
	} else {
		t->k = TK_PUNCT;
		t->n = strchr("<>=!|", p[0]) && p[1] && strchr("<>=|", p[1])
			       ? 2
			       : 1;
	}
	return t->p + t->n;
}

int
is_word(const struct tok *t, const char *w)
{
	return t->k == TK_WORD && strlen(w) == t->n &&
	       strncasecmp(t->p, w, t->n) == 0;
}

/* A name token's text, unquoted ("" in "..." is one "). */
void
tok_name(const struct tok *t, struct buf *out)
{
	size_t i;

	buf_reset(out);
	if (t->k != TK_QUOTED) {
		buf_add(out, t->p, t->n);
		return;
	}
	for (i = 1; i + 1 < t->n; i++) {
		buf_addch(out, t->p[i]);
		if (t->p[i] == t->p[0] && t->p[0] != '[')
			i++;
	}
}

/* The table's CREATE TABLE text from sqlite_schema, or NULL. */
char *
table_sql(sqlite3 *db, const char *table)
{
	sqlite3_stmt *st;
	char *sql = NULL;

	if (sqlite3_prepare_v2(db,
			       "SELECT sql FROM sqlite_schema WHERE type = "
			       "'table' AND name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		sql = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return sql;
}

int
is_column(const struct column *c, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcasecmp(c[i].name, name) == 0)
			return i;
	return -1;
}

/* Is the comparison operator or word t one of a chain's links? */
static int
is_comparison(const struct tok *t)
{
	return (t->k == TK_PUNCT && strchr("<>=!", *t->p)) ||
	       is_word(t, "IS") || is_word(t, "IN") || is_word(t, "BETWEEN");
}

/* A decimal literal SQLite reads as the same number PostgreSQL does. */
static int
exact_number(const struct tok *t)
{
	size_t i, digits = 0, lead = 1;

	if (t->n > 1 && strchr("xX", t->p[1]))
		return 0; /* 0x..: PostgreSQL 15 reads no hex */
	for (i = 0; i < t->n && t->p[i] != 'e' && t->p[i] != 'E'; i++)
		if (isdigit((unsigned char)t->p[i]) &&
		    (t->p[i] != '0' || !lead)) {
			lead = 0;
			digits++;
		}
	/* SQLite reads more digits as a double, rounded; PostgreSQL exactly */
	return memchr(t->p, '.', t->n) || i < t->n ? digits <= 15
						   : digits <= 18;
}

/*
 * A CHECK expression, from after its '(' to its ')', into PostgreSQL when
 * it means the same there for every value its columns can hold: names of
 * integer, real, numeric and text columns (text compared as bytes, as
 * SQLite's BINARY: COLLATE "C"), exact numbers, strings, comparisons,
 * AND/OR/NOT, IS [NOT] NULL, IN, BETWEEN, length, abs, coalesce.  Not
 * arithmetic (SQLite's integers overflow into doubles, x/0 is NULL, / on
 * numeric truncates), not || (other precedence), not upper/lower (they
 * fold non-ASCII in PostgreSQL), not a column compared with NOCASE or
 * RTRIM, nor what PostgreSQL's grammar refuses (x IS 5, postfix NOT NULL,
 * a < b = 1).  Returns where the expression ends, with *ok set.
 */
const char *
check_expr(const char *p, const struct column *c, int n, int fold,
	   struct buf *out, int *ok)
{
	static const char *const words[] = {
		"AND",	"OR",	 "NOT",	   "IS",  "NULL",     "IN", "BETWEEN",
		"TRUE", "FALSE", "length", "abs", "coalesce", NULL};
	struct buf name = BUF_INIT;
	struct tok t, peek, prev = {TK_PUNCT, "(", 1}, prev2 = prev;
	int depth = 1, i, col, prev_word = 0, between = 0;
	char chain[64] = {0}; /* comparisons at each depth since AND/OR */

	*ok = 1;
	while (depth > 0) {
		p = next_tok(p, &t);
		if (t.k == TK_END) {
			*ok = 0;
			break;
		}
		if (t.k == TK_PUNCT && *t.p == '(' && ++depth < 64)
			chain[depth] = 0;
		if (t.k == TK_PUNCT && *t.p == ')' && --depth == 0)
			break;
		if (depth >= 64)
			*ok = 0;
		else if (is_word(&t, "AND") && between)
			between = 0; /* BETWEEN a AND b */
		else if (is_word(&t, "AND") || is_word(&t, "OR") ||
			 (is_word(&t, "NOT") && !is_word(&prev, "IS")))
			chain[depth] = 0;
		else if (is_comparison(&t) &&
			 !(is_word(&t, "IS") && is_word(&prev, "NOT")) &&
			 chain[depth]++)
			*ok = 0; /* a < b = 1: PostgreSQL's grammar refuses */
		if (is_word(&t, "BETWEEN"))
			between = 1;
		/* IS only before [NOT] NULL; NOT NULL only after IS */
		if ((is_word(&prev, "IS") && !is_word(&t, "NULL") &&
		     !is_word(&t, "NOT")) ||
		    (is_word(&prev, "NOT") && is_word(&prev2, "IS") &&
		     !is_word(&t, "NULL")) ||
		    (is_word(&t, "NULL") && is_word(&prev, "NOT") &&
		     !is_word(&prev2, "IS")))
			*ok = 0;
		/* spaced as one writes SQL: f(a, b) > 0 */
		if (out->len && out->data[out->len - 1] != '(' &&
		    !(t.k == TK_PUNCT && strchr("),", *t.p)) &&
		    !(t.k == TK_PUNCT && *t.p == '(' && prev_word))
			buf_addch(out, ' ');
		prev_word = t.k == TK_WORD && !is_word(&t, "IN") &&
			    !is_word(&t, "AND") && !is_word(&t, "OR") &&
			    !is_word(&t, "NOT");
		for (i = 0; words[i] && !is_word(&t, words[i]); i++)
			;
		tok_name(&t, &name);
		if (words[i]) {
			buf_add(out, t.p, t.n);
		} else if ((t.k == TK_WORD || t.k == TK_QUOTED) &&
			   (col = is_column(c, n, name.data)) >= 0) {
			const char *type = c[col].pgtype ? c[col].pgtype : "";
			sql_ident(out, c[col].name, fold);
			/* SQLite checks before it gives the rowid: NULL */
			if (c[col].rowid)
				*ok = 0;
			/* a collation matters only where it is compared */
			if (strcasecmp(c[col].coll, "BINARY") != 0 &&
			    !(is_word(&prev2, "length") && prev.k == TK_PUNCT &&
			      *prev.p == '(') &&
			    !(next_tok(p, &peek), is_word(&peek, "IS")))
				*ok = 0;
			else if (strcmp(type, "text") == 0)
				buf_adds(out, " COLLATE \"C\"");
			else if (strcmp(type, "bigint") != 0 &&
				 strcmp(type, "double precision") != 0 &&
				 strcmp(type, "numeric") != 0)
				*ok = 0; /* dates, booleans, bytes: other order
					  */
		} else if (t.k == TK_STRING ||
			   (t.k == TK_NUMBER && exact_number(&t))) {
			buf_add(out, t.p, t.n);
		} else if (t.k == TK_PUNCT && t.n == 2 && t.p[0] == '=') {
			buf_addch(out, '='); /* == */
		} else if (t.k == TK_PUNCT && strchr("(),<>=!", *t.p) &&
			   !(t.n == 1 && *t.p == '!')) {
			buf_add(out, t.p, t.n);
		} else if (t.k == TK_PUNCT && *t.p == '-' && t.n == 1 &&
			   ((prev.k == TK_PUNCT && *prev.p != ')') ||
			    is_word(&prev, "AND") || is_word(&prev, "OR") ||
			    is_word(&prev, "NOT") ||
			    is_word(&prev, "BETWEEN")) &&
			   (next_tok(p, &peek), peek.k == TK_NUMBER)) {
			buf_addch(out,
				  '-'); /* a negative number, not arithmetic */
		} else {
			*ok = 0;
		}
		prev2 = prev;
		prev = t;
	}
	buf_release(&name);
	return p;
}

/*
 * Is the foreign key of the column from (its first column) to parent
 * DEFERRABLE, and INITIALLY DEFERRED?  1 deferrable, 2 and deferred.
 * SQLite's foreign key pragma does not say; the CREATE TABLE text does.
 */
int
fk_deferrable(sqlite3 *db, const char *table, const char *from,
	      const char *parent)
{
	char *sql = table_sql(db, table);
	const char *p = sql;
	struct buf name = BUF_INIT, col = BUF_INIT;
	struct tok t, prev = {TK_END, "", 0};
	int depth = 0, item_start = 0, found = 0, r = 0, fkcols = 0;

	while (p && !found && (p = next_tok(p, &t), t.k != TK_END)) {
		if (t.k == TK_PUNCT && (*t.p == '(' || *t.p == ')'))
			depth += *t.p == '(' ? 1 : -1;
		if (depth == 1 && t.k == TK_PUNCT &&
		    (*t.p == '(' || *t.p == ',')) {
			item_start = 1; /* the next token names a column */
			fkcols = 0;
			continue;
		}
		if (depth == 1 && item_start && is_word(&t, "CONSTRAINT")) {
			p = next_tok(p, &t); /* CONSTRAINT name FOREIGN KEY */
			continue;
		}
		if (depth == 1 && item_start) {
			item_start = 0;
			tok_name(&t, &col);
			if (is_word(&t, "FOREIGN"))
				fkcols = 1;
		} else if (depth == 2 && fkcols == 1 &&
			   !(t.k == TK_PUNCT && *t.p == '(')) {
			tok_name(&t, &col); /* FOREIGN KEY (first, ...) */
			fkcols = 2;
		}
		if (depth == 1 && is_word(&t, "REFERENCES")) {
			p = next_tok(p, &t);
			tok_name(&t, &name);
			found = strcasecmp(name.data, parent) == 0 &&
				strcasecmp(col.data, from) == 0;
		}
		prev = t;
	}
	/* the clauses after REFERENCES parent, to the end of the item */
	while (found && (p = next_tok(p, &t), t.k != TK_END)) {
		if (t.k == TK_PUNCT && *t.p == '(')
			depth++;
		if (t.k == TK_PUNCT && *t.p == ')' && --depth == 0)
			break;
		if (depth == 1 && t.k == TK_PUNCT && *t.p == ',')
			break;
		if (is_word(&t, "DEFERRABLE") && !is_word(&prev, "NOT"))
			r = 1;
		if (r && is_word(&prev, "INITIALLY") && is_word(&t, "DEFERRED"))
			r = 2;
		prev = t;
	}
	buf_release(&name);
	buf_release(&col);
	free(sql);
	return r;
}

/*
 * ON CONFLICT REPLACE, IGNORE, FAIL or ROLLBACK on a NOT NULL, PRIMARY KEY
 * or UNIQUE of the CREATE TABLE text: SQLite replaces the row, skips it or
 * ends the transaction its own way where PostgreSQL raises the error.
 * Warned, naming the column or the table constraint (ABORT is what both do).
 */
void
conflict_clauses(sqlite3 *db, const char *table)
{
	char *sql = table_sql(db, table);
	const char *p = sql;
	struct buf item = BUF_INIT;
	struct tok t, prev = {TK_END, "", 0}, what = {TK_END, "", 0};
	int depth = 0, item_start = 0, table_level = 0;

	while (p && (p = next_tok(p, &t), t.k != TK_END)) {
		if (t.k == TK_PUNCT && (*t.p == '(' || *t.p == ')'))
			depth += *t.p == '(' ? 1 : -1;
		if (depth == 1 && t.k == TK_PUNCT &&
		    (*t.p == '(' || *t.p == ',')) {
			item_start = 1;
			continue;
		}
		if (depth == 1 && item_start) {
			item_start = 0;
			tok_name(&t, &item);
			table_level = is_word(&t, "UNIQUE") ||
				      is_word(&t, "PRIMARY") ||
				      is_word(&t, "CONSTRAINT");
		}
		if (depth == 1 && (is_word(&t, "UNIQUE") ||
				   is_word(&t, "KEY") || is_word(&t, "NULL")))
			what = t;
		if (depth == 1 && is_word(&prev, "CONFLICT") &&
		    !is_word(&t, "ABORT"))
			warnx("table %s, %s%s%s: ON CONFLICT %.*s not "
			      "translated: PostgreSQL raises the error",
			      table,
			      is_word(&what, "KEY")    ? "PRIMARY KEY"
			      : is_word(&what, "NULL") ? "NOT NULL"
						       : "UNIQUE",
			      table_level ? "" : " of column ",
			      table_level ? "" : item.data, (int)t.n, t.p);
		prev = t;
	}
	buf_release(&item);
	free(sql);
}
