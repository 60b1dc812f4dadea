/*
 * crontab.c: crontab(5) lines as schedule entries: five fields (or a
 * macro), a user field in system crontabs, the command up to an
 * unescaped %; CRON_TZ for the lines after it.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "cronexpr.h"
#include "md5.h"

/*
 * A crontab's command up to its first unescaped %, which starts standard
 * input (refused: pg_cron has none); "\%" is a %.
 */
static void
crontab_command(struct entry *e, const char *p)
{
	struct buf c = BUF_INIT;

	for (; *p; p++) {
		if (*p == '\\' && p[1] == '%') {
			buf_addch(&c, '%');
			p++;
		} else if (*p == '%') {
			entry_refuse(e,
				     "the command gives standard input after "
				     "%%: a job has none");
			break;
		} else {
			buf_addch(&c, *p);
		}
	}
	buf_addch(&c, '\0');
	e->task = buf_detach(&c, NULL);
}

void
crontab_read(struct entries *es, const char *file, char *text, int sys)
{
	char *line, *next, *p, *q, *tz = NULL, *f[7];
	char why[256], hex[33];
	struct buf key = BUF_INIT;
	unsigned n = 0;
	struct entry *e;
	int i, nf;

	sys = sys != 0; /* a user field, or none */
	for (line = text; line; line = next) {
		n++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (!*p || *p == '#')
			continue;
		/* NAME = VALUE: only CRON_TZ means anything to a job */
		q = p + strcspn(p, "= \t");
		if (*p != '@' &&
		    (*q == '=' || (q[strspn(q, " \t")] == '=' &&
				   strspn(p, "0123456789*") == 0))) {
			char *v = strchr(p, '=') + 1;
			size_t vl;
			v += strspn(v, " \t");
			vl = strlen(v);
			while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t' ||
				      v[vl - 1] == '\r'))
				vl--;
			if (vl >= 2 && (*v == '"' || *v == '\'') &&
			    v[vl - 1] == *v) {
				v++;
				vl -= 2;
			}
			if (strncmp(p, "CRON_TZ", 7) == 0 &&
			    (p[7] == '=' || p[7] == ' ' || p[7] == '\t')) {
				free(tz);
				tz = xstrndup(v, vl);
			} else {
				warnx("%s:%u: %.*s is not carried over: a job "
				      "runs SQL, not a shell",
				      file, n, (int)(strcspn(p, "= \t")), p);
			}
			continue;
		}
		e = entry_add(es, file, n);
		e->tz = tz ? xstrdup(tz) : NULL;
		e->host_tz = !tz;
		e->args = xstrdup("[]");
		e->kwargs = xstrdup("{}");
		/* the fields: 1 for a macro, else 5; then the user */
		nf = *p == '@' ? 1 : 5;
		for (i = 0; i < nf + sys; i++) {
			f[i] = p;
			p += strcspn(p, " \t");
			if (!*p) {
				entry_refuse(e, "a schedule and a command "
						"expected");
				break;
			}
			*p++ = '\0';
			p += strspn(p, " \t");
		}
		if (e->kind != SRC_REFUSED && !*p) /* blanks after them */
			entry_refuse(e, "a schedule and a command expected");
		if (e->kind == SRC_REFUSED) {
			e->source = xstrdup(f[0]);
			continue;
		}
		buf_reset(&key);
		for (i = 0; i < nf; i++)
			buf_addf(&key, "%s%s", i ? " " : "", f[i]);
		e->source = xstrdup(key.data);
		crontab_command(e, p);
		/*
		 * a name from what it does, the same wherever the line moves:
		 * its schedule, command, and (when there) zone and user
		 */
		buf_addf(&key, "\t%s", e->task);
		if (tz)
			buf_addf(&key, "\tCRON_TZ=%s", tz);
		if (sys)
			buf_addf(&key, "\tuser=%s", f[nf]);
		md5_hex(key.data, key.len, hex);
		hex[12] = '\0';
		buf_reset(&key);
		buf_addf(&key, "crontab-%s", hex);
		e->name = xstrdup(key.data);
		if (e->kind == SRC_REFUSED)
			continue;
		if (strcmp(f[0], "@reboot") == 0) {
			entry_refuse(e,
				     "@reboot runs when cron starts: pg_cron "
				     "has no such time");
			continue;
		}
		if (cron_parse(e->source, CRON_VIXIE, &e->cron, why,
			       sizeof(why)) < 0) {
			entry_refuse(e, "%s", why);
			continue;
		}
		e->kind = SRC_CRON;
		e->days_and = cron_days_and(&e->cron);
	}
	free(tz);
	buf_release(&key);
}
