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

/*
 * A schema the search path puts before pg_catalog, with an operator or a
 * function of a built-in one's name and argument types: "schema: name", or
 * no row.  Every operator here is qualified: an unqualified one could be
 * that schema's.
 */
static const char shadow_sql[] =
	"WITH p AS (SELECT u.nsp, u.ord FROM pg_catalog.unnest("
	"pg_catalog.current_schemas(true)) WITH ORDINALITY AS u(nsp, ord)), "
	"e AS (SELECT n.oid, n.nspname FROM p JOIN pg_catalog.pg_namespace n "
	"ON n.nspname OPERATOR(pg_catalog.=) p.nsp WHERE p.ord "
	"OPERATOR(pg_catalog.<) (SELECT q.ord FROM p q WHERE q.nsp "
	"OPERATOR(pg_catalog.=) 'pg_catalog'))"
	" SELECT e.nspname OPERATOR(pg_catalog.||) ': operator ' "
	"OPERATOR(pg_catalog.||) o.oprname FROM e JOIN pg_catalog.pg_operator "
	"o ON o.oprnamespace OPERATOR(pg_catalog.=) e.oid WHERE EXISTS "
	"(SELECT 1 FROM pg_catalog.pg_operator b WHERE b.oprnamespace "
	"OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace AND "
	"b.oprname OPERATOR(pg_catalog.=) o.oprname AND b.oprleft "
	"OPERATOR(pg_catalog.=) o.oprleft AND b.oprright "
	"OPERATOR(pg_catalog.=) o.oprright)"
	" UNION ALL SELECT e.nspname OPERATOR(pg_catalog.||) ': function ' "
	"OPERATOR(pg_catalog.||) f.proname FROM e JOIN pg_catalog.pg_proc f "
	"ON f.pronamespace OPERATOR(pg_catalog.=) e.oid WHERE EXISTS (SELECT 1 "
	"FROM pg_catalog.pg_proc b WHERE b.pronamespace "
	"OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace AND "
	"b.proname OPERATOR(pg_catalog.=) f.proname AND b.proargtypes "
	"OPERATOR(pg_catalog.=) f.proargtypes) LIMIT 1";

int
pgconn_no_shadows(PGconn *c, struct err *e)
{
	PGresult *r = PQexec(c, shadow_sql);
	struct buf msg = BUF_INIT;
	int rc = 0;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pgconn_describe(&msg, c, r);
		rc = err_set(e, ERR_SYSTEM, "%s", msg.data);
	} else if (PQntuples(r)) {
		rc = err_set(
			e, ERR_SYSTEM,
			"the search path puts %s before pg_catalog, of a "
			"built-in one's name and arguments: it would stand "
			"in for it; put pg_catalog first (PGOPTIONS='-c "
			"search_path=...')",
			PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	buf_release(&msg);
	return rc;
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
