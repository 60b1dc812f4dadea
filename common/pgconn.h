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
 * Does c's search path put before pg_catalog a schema with an operator or
 * function of a built-in one's name and argument types ("=" for two ints
 * that is always true), which an unqualified query would take instead?
 * 0 when none does; else -1 with e naming it (ERR_SYSTEM).  The path
 * itself is left as the role and database set it: table names resolve as
 * they do for a load.
 */
int pgconn_no_shadows(PGconn *c, struct err *e);

/* Run a command (its rows, if any, unread); returns 0, or -1 with e filled. */
int pgconn_exec(PGconn *c, const char *sql, struct err *e);

#endif
