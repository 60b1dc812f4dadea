/* pgconn: PostgreSQL connection and error description helpers over libpq. */
#include "pgconn.h"

#include <string.h>

static void
add_trimmed(struct buf *out, const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	buf_add(out, s, n);
}

/*
 * libpq's own messages (no server fields) as one line: it puts hints on
 * further, tab-indented lines ("Is the server running locally ...").
 */
static void
add_one_line(struct buf *out, const char *s)
{
	size_t n = strlen(s), i;

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	for (i = 0; i < n; i++) {
		if (s[i] != '\n') {
			buf_addch(out, s[i]);
			continue;
		}
		buf_adds(out, "; ");
		while (i + 1 < n && (s[i + 1] == '\t' || s[i + 1] == ' '))
			i++;
	}
}

PGconn *
pgconn_open(const char *conninfo, const char *appname, struct err *e)
{
	/*
	 * client_encoding after dbname: over the conninfo's and
	 * PGCLIENTENCODING, since every byte the tools send or take is UTF-8
	 */
	const char *keys[] = {"dbname", "fallback_application_name",
			      "client_encoding", NULL};
	const char *vals[] = {conninfo && *conninfo ? conninfo : NULL, appname,
			      "UTF8", NULL};
	struct buf msg = BUF_INIT;
	PGconn *c;

	c = PQconnectdbParams(keys, vals, 1);
	if (c && PQstatus(c) == CONNECTION_OK)
		return c;
	if (!c) {
		err_set(e, ERR_SYSTEM, "cannot connect: out of memory");
		return NULL;
	}
	pgconn_describe(&msg, c, NULL);
	err_set(e, ERR_SYSTEM, "cannot connect: %s", msg.data);
	buf_release(&msg);
	PQfinish(c);
	return NULL;
}

void
pgconn_describe(struct buf *out, PGconn *c, const PGresult *res)
{
	const char *p;

	if (!res || !(p = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY))) {
		p = res ? PQresultErrorMessage(res) : "";
		if (!*p)
			p = PQerrorMessage(c);
		/* libpq passes some server messages on with their severity */
		if (strncmp(p, "ERROR:  ", 8) == 0 ||
		    strncmp(p, "FATAL:  ", 8) == 0)
			p += 8;
		add_one_line(out, p);
		return;
	}
	add_trimmed(out, p);
	if ((p = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL))) {
		buf_adds(out, "\nDETAIL: ");
		add_trimmed(out, p);
	}
	if ((p = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT))) {
		buf_adds(out, "\nHINT: ");
		add_trimmed(out, p);
	}
}

int
pgconn_catalog_first(PGconn *c, struct err *e)
{
	/* the CASE's = itself qualified: an unqualified one is the schema's */
	return pgconn_exec(
		c,
		"SELECT pg_catalog.set_config('search_path', CASE WHEN "
		"pg_catalog.current_setting('search_path') "
		"OPERATOR(pg_catalog.=) '' THEN 'pg_catalog' ELSE 'pg_catalog, "
		"' OPERATOR(pg_catalog.||) "
		"pg_catalog.current_setting('search_path') END, false)",
		e);
}

int
pgconn_exec(PGconn *c, const char *sql, struct err *e)
{
	PGresult *r = PQexec(c, sql);
	struct buf msg = BUF_INIT;
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK &&
	    PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgconn_describe(&msg, c, r);
		rc = err_set(e, ERR_SYSTEM, "%s", msg.data);
		buf_release(&msg);
	}
	PQclear(r);
	return rc;
}
