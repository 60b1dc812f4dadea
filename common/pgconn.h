/*
 * pgconn: connect to PostgreSQL and describe libpq errors, for every tool
 * that talks to it.
 *
 * A connection string may be a conninfo string ("host=/tmp dbname=app") or
 * a URL ("postgresql://u@h/app"); an empty or NULL one uses libpq's
 * environment (PGHOST, PGDATABASE, ..., .pgpass, PGSERVICE).  Messages never
 * hold the password: libpq's own do not, and nothing here adds the
 * connection string.
 *
 *	struct err e;
 *	PGconn *c = pgconn_open(opt.conninfo, "pg-copy-load", &e);
 *	if (!c)
 *		errx(e.code, "%s", e.msg);
 */
#ifndef PGCONN_H
#define PGCONN_H

#include <libpq-fe.h>

#include "buf.h"
#include "errinfo.h"

/*
 * Returns a connection whose client_encoding is UTF8 whatever the
 * conninfo or PGCLIENTENCODING say, or NULL with e filled (ERR_SYSTEM).
 */
PGconn *pgconn_open(const char *conninfo, const char *appname, struct err *e);

/*
 * Append a server error as one line per part: the primary message, then
 * "DETAIL: ..." and "HINT: ..." lines when the server sent them, without a
 * trailing newline.  res may be NULL to describe the connection's error.
 */
void pgconn_describe(struct buf *out, PGconn *c, const PGresult *res);

/*
 * pg_catalog first in c's search path, before whatever the role, database
 * or PGOPTIONS set: a schema's operator (a "=" that is always true) never
 * stands in for a built-in one in an unqualified query.  Unqualified names
 * of tables still resolve as before, but a CREATE without a schema would
 * go to pg_catalog and fail: for a session that makes none of its own but
 * temporary ones.  Returns 0, or -1 with e filled.
 */
int pgconn_catalog_first(PGconn *c, struct err *e);

/* Run a command (its rows, if any, unread); returns 0, or -1 with e filled. */
int pgconn_exec(PGconn *c, const char *sql, struct err *e);

#endif
