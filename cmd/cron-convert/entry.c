/* entry.c: the schedule entries every input appends to (convert.h). */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "cronexpr.h"
#include "pgjsonb.h"

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		errx(3, "out of memory");
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		errx(3, "out of memory");
	return p;
}

struct entry *
entry_add(struct entries *es, const char *file, unsigned line)
{
	struct entry *e;

	if (es->n == es->cap) {
		es->cap = es->cap ? 2 * es->cap : 16;
		if (!(es->e = realloc(es->e, es->cap * sizeof(*es->e))))
			errx(3, "out of memory");
	}
	e = &es->e[es->n++];
	memset(e, 0, sizeof(*e));
	e->file = xstrdup(file);
	e->line = line;
	return e;
}

void
entry_refuse(struct entry *e, const char *fmt, ...)
{
	char m[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m, sizeof(m), fmt, ap);
	va_end(ap);
	free(e->why);
	e->why = xstrdup(m);
	e->kind = SRC_REFUSED;
}

void
entries_free(struct entries *es)
{
	size_t i;

	for (i = 0; i < es->n; i++) {
		free(es->e[i].name);
		free(es->e[i].file);
		free(es->e[i].source);
		free(es->e[i].task);
		free(es->e[i].args);
		free(es->e[i].kwargs);
		free(es->e[i].queue);
		free(es->e[i].tz);
		free(es->e[i].why);
	}
	free(es->e);
	es->e = NULL;
	es->n = es->cap = 0;
}

int
entry_crontab(struct entry *e, const char *const field[CF_N])
{
	static const char *const kws[CF_N] = {"minute", "hour", "day_of_month",
					      "month_of_year", "day_of_week"};
	struct buf src = BUF_INIT;
	char why[256];
	int f, r = 0;

	buf_adds(&src, "crontab(");
	for (f = 0; f < CF_N; f++) {
		const char *t = field[f] ? field[f] : "*";
		if (field[f])
			buf_addf(&src, "%s%s='%s'", src.len > 8 ? ", " : "",
				 kws[f], t);
		if (r == 0 &&
		    cron_field_parse((enum cron_field)f, t, strlen(t),
				     CRON_CELERY, &e->cron.bits[f],
				     &e->cron.star[f], why, sizeof(why)) < 0) {
			entry_refuse(e, "%s", why);
			r = -1;
		}
	}
	buf_adds(&src, ")");
	free(e->source);
	e->source = xstrdup(src.data);
	buf_release(&src);
	if (r == 0) {
		e->kind = SRC_CRON;
		e->days_and = 1; /* Celery: every field must hold */
	}
	return r;
}

int
entry_json(struct entry *e, const char *what, char **dst, const char *json)
{
	static struct pgjsonb st = PGJSONB_INIT;
	struct buf b = BUF_INIT;

	if (pgjsonb_keep_types(&st, &b, json, strlen(json)) < 0) {
		entry_refuse(e, "'%s' holds -0.0, which jsonb makes 0", what);
		buf_release(&b);
		*dst = xstrdup(*what == 'a' ? "[]" : "{}");
		return -1;
	}
	buf_addch(&b, '\0');
	*dst = buf_detach(&b, NULL);
	return 0;
}
