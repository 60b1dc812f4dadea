/*
 * sqltext: names and strings written into SQL text (DDL that tools print
 * for psql), for PostgreSQL (and SQLite, which reads the same quoting).
 * Values never travel this way into a live connection: those go through
 * COPY or parameters.
 */
#ifndef SQLTEXT_H
#define SQLTEXT_H

#include "buf.h"

/* s as a double-quoted identifier ("" for "), folded to lower case when
 * fold is set. */
void sql_ident(struct buf *out, const char *s, int fold);
/*
 * How many of a name's n bytes PostgreSQL keeps: 63 (NAMEDATALEN - 1) at
 * most, cut at a character boundary of its UTF-8, as the server cuts.
 */
size_t sql_name_cut(const char *s, size_t n);
/* s as a single-quoted literal ('' for '). */
void sql_literal(struct buf *out, const char *s);

/*
 * Is s one fragment of SQL whose parentheses balance, as PostgreSQL's
 * scanner reads it (quotes, E'' strings, $tag$ strings, "identifiers",
 * -- and nested comment blocks)?  A user's condition put inside
 * "WHERE (...)" must not close that parenthesis and go on outside it.
 * NULL when it does, else what is wrong ("unbalanced parentheses",
 * "unterminated quoted string", ...).
 */
const char *sql_unbalanced(const char *s);

#endif
