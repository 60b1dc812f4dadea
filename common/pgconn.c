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

PGconn *
pgconn_open(const char *conninfo, const char *appname, struct err *e)
{
	const char *keys[] = {"dbname", "fallback_application_name", NULL};
	const char *vals[] = {conninfo && *conninfo ? conninfo : NULL, appname,
			      NULL};
	struct buf msg = BUF_INIT, line = BUF_INIT;
	PGconn *c;
	size_t i;

	c = PQconnectdbParams(keys, vals, 1);
	if (c && PQstatus(c) == CONNECTION_OK)
		return c;
	if (!c) {
		err_set(e, ERR_SYSTEM, "cannot connect: out of memory");
		return NULL;
	}
	pgconn_describe(&msg, c, NULL);
	/* one line: libpq puts its hint on a second, tab-indented line */
	for (i = 0; i < msg.len; i++) {
		if (msg.data[i] != '\n') {
			buf_addch(&line, msg.data[i]);
			continue;
		}
		buf_adds(&line, "; ");
		while (i + 1 < msg.len &&
		       (msg.data[i + 1] == '\t' || msg.data[i + 1] == ' '))
			i++;
	}
	err_set(e, ERR_SYSTEM, "cannot connect: %s", line.data);
	buf_release(&msg);
	buf_release(&line);
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
		/* libpq prefixes some of its own messages */
		if (strncmp(p, "ERROR:  ", 8) == 0)
			p += 8;
		add_trimmed(out, p);
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
pgconn_exec(PGconn *c, const char *sql, struct err *e)
{
	PGresult *r = PQexec(c, sql);
	struct buf msg = BUF_INIT;
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		pgconn_describe(&msg, c, r);
		rc = err_set(e, ERR_SYSTEM, "%s", msg.data);
		buf_release(&msg);
	}
	PQclear(r);
	return rc;
}
