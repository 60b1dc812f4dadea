/*
 * rows.c: schedule entries as NDJSON records.  django-celery-beat's rows
 * (a periodic task joined with its crontab, interval, solar or clocked
 * row, by the query in the README: flat columns, args and kwargs as JSON
 * text), or scripts/celery-beat-export's records (a "schedule" object,
 * args and kwargs as JSON values).
 */
#include <err.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "convert.h"
#include "cronexpr.h"
#include "json.h"

/* The members of one record that mean something here. */
struct row {
	struct json_value name, task, args, kwargs, queue, enabled, one_off,
		timezone, schedule, type, field[CF_N], every, period, seconds,
		solar_event, clocked_time, options, relative, error, start_time,
		expires;
};

/* Fill r from the object text p[0..n); -1 for one that is not an object */
static int
members(struct row *r, const char *p, size_t n, struct json_error *je)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{"name", offsetof(struct row, name)},
		{"task", offsetof(struct row, task)},
		{"args", offsetof(struct row, args)},
		{"kwargs", offsetof(struct row, kwargs)},
		{"queue", offsetof(struct row, queue)},
		{"enabled", offsetof(struct row, enabled)},
		{"one_off", offsetof(struct row, one_off)},
		{"timezone", offsetof(struct row, timezone)},
		{"schedule", offsetof(struct row, schedule)},
		{"type", offsetof(struct row, type)},
		{"minute", offsetof(struct row, field[CF_MIN])},
		{"hour", offsetof(struct row, field[CF_HOUR])},
		{"day_of_month", offsetof(struct row, field[CF_DOM])},
		{"month_of_year", offsetof(struct row, field[CF_MON])},
		{"day_of_week", offsetof(struct row, field[CF_DOW])},
		{"every", offsetof(struct row, every)},
		{"period", offsetof(struct row, period)},
		{"seconds", offsetof(struct row, seconds)},
		{"solar_event", offsetof(struct row, solar_event)},
		{"clocked_time", offsetof(struct row, clocked_time)},
		{"options", offsetof(struct row, options)},
		{"relative", offsetof(struct row, relative)},
		{"error", offsetof(struct row, error)},
		{"start_time", offsetof(struct row, start_time)},
		{"expires", offsetof(struct row, expires)},
	};
	struct json_iter it;
	struct json_value k, v;
	size_t i;
	int rc;

	if (json_object_open(&it, p, n, je) < 0)
		return -1;
	while ((rc = json_object_next(&it, &k, &v, je)) > 0)
		for (i = 0; i < sizeof(keys) / sizeof(*keys); i++)
			if (json_string_equals(&k, keys[i].key,
					       strlen(keys[i].key)))
				*(struct json_value *)((char *)r +
						       keys[i].off) = v;
	return rc;
}

/* a string member's text (NULL when absent, null or not a string) */
static char *
text(const struct json_value *v)
{
	struct buf b = BUF_INIT;

	if (v->type != JSON_STRING)
		return NULL;
	json_unescape(&b, v->p, v->len);
	buf_addch(&b, '\0');
	return buf_detach(&b, NULL);
}

/*
 * args or kwargs as compact JSON: the value itself (an export) or the
 * JSON text a string holds (django); want is JSON_ARRAY or JSON_OBJECT
 */
static char *
json_of(const struct json_value *v, enum json_type want, const char *empty)
{
	struct buf b = BUF_INIT;
	struct json_error je;
	enum json_type t;
	char *s;

	if (!v->p || v->type == JSON_NULL)
		return xstrdup(empty);
	if (v->type == want) {
		json_compact(&b, v->p, v->len);
	} else if (v->type == JSON_STRING && (s = text(v))) {
		if (json_validate(s, strlen(s), &t, &je) == 0 && t == want)
			json_compact(&b, s, strlen(s));
		free(s);
	}
	if (!b.len)
		return NULL;
	buf_addch(&b, '\0');
	return buf_detach(&b, NULL);
}

static void
row_entry(struct entry *e, struct row *r)
{
	static const struct {
		const char *name;
		double seconds;
	} periods[] = {{"days", 86400},
		       {"hours", 3600},
		       {"minutes", 60},
		       {"seconds", 1},
		       {"microseconds", 1e-6}};
	const struct json_value *sched = &r->schedule;
	struct row s = {0};
	struct json_error je;
	char *field[CF_N] = {0}, *period;
	int f, crontab = 0;
	size_t i;

	e->name = text(&r->name);
	e->task = text(&r->task);
	e->tz = text(&r->timezone);
	e->queue = text(&r->queue);
	if (!e->queue && r->options.type == JSON_OBJECT) {
		members(&s, r->options.p, r->options.len, &je);
		e->queue = text(&s.queue);
		memset(&s, 0, sizeof(s));
	}
	e->args = json_of(&r->args, JSON_ARRAY, "[]");
	e->kwargs = json_of(&r->kwargs, JSON_OBJECT, "{}");
	if (e->args) { /* as jsonb keeps their numbers' types */
		char *t = e->args;
		entry_json(e, "args", &e->args, t);
		free(t);
	}
	if (e->kwargs && e->kind != SRC_REFUSED) {
		char *t = e->kwargs;
		entry_json(e, "kwargs", &e->kwargs, t);
		free(t);
	}
	e->source = xstrdup("?");
	if (!e->name || !e->task) {
		entry_refuse(e,
			     "a record needs \"name\" and \"task\" (strings)");
		return;
	}
	if (!e->args || !e->kwargs) {
		entry_refuse(e, "\"args\" is not a JSON list or \"kwargs\" not "
				"an object");
		return;
	}
	if (r->error.type == JSON_STRING) {
		char *why = text(&r->error);
		entry_refuse(e, "%s", why);
		free(why);
		return;
	}
	if (r->one_off.type == JSON_TRUE) {
		entry_refuse(e, "one_off: it runs once, not on a schedule");
		return;
	}
	/* django-celery-beat's ModelEntry: not due before start_time
	 * (is_due); expires goes into every message's options */
	if (r->start_time.type == JSON_STRING) {
		entry_refuse(e, "start_time: beat does not run it before then, "
				"and a pg_cron job has no start");
		return;
	}
	if (r->expires.type == JSON_STRING) {
		entry_refuse(e, "expires: workers drop its messages from then "
				"on, and a pg_cron job has no end");
		return;
	}
	/* an export's schedule object, or django's columns on the row */
	if (sched->type == JSON_OBJECT) {
		members(&s, sched->p, sched->len, &je);
		r = &s;
		if (!e->tz)
			e->tz = text(&s.timezone);
	}
	for (f = 0; f < CF_N; f++)
		if ((field[f] = text(&r->field[f])))
			crontab = 1;
	if (crontab) {
		entry_crontab(e, (const char *const *)field);
	} else if (r->seconds.type == JSON_NUMBER) {
		e->seconds = json_number_double(r->seconds.p, r->seconds.len);
		e->kind = SRC_INTERVAL;
	} else if (r->every.type == JSON_NUMBER &&
		   (period = text(&r->period))) {
		for (i = 0; i < sizeof(periods) / sizeof(*periods); i++)
			if (strcmp(period, periods[i].name) == 0)
				break;
		if (i == sizeof(periods) / sizeof(*periods)) {
			entry_refuse(e, "an interval of %s", period);
		} else {
			e->seconds =
				json_number_double(r->every.p, r->every.len) *
				periods[i].seconds;
			e->kind = SRC_INTERVAL;
		}
		free(period);
	} else if (r->solar_event.type == JSON_STRING ||
		   (r->type.type == JSON_STRING &&
		    json_string_equals(&r->type, "solar", 5))) {
		entry_refuse(e, "solar(...) follows the sun: no cron schedule "
				"gives its times");
	} else if (r->clocked_time.type == JSON_STRING ||
		   (r->type.type == JSON_STRING &&
		    json_string_equals(&r->type, "clocked", 7))) {
		entry_refuse(e, "clocked: it runs once, at a set time, not on "
				"a schedule");
	} else {
		entry_refuse(e, "no crontab, interval, solar or clocked "
				"schedule in the record");
	}
	if (e->kind == SRC_INTERVAL && r->relative.type == JSON_TRUE)
		entry_refuse(e, "relative=True rounds to when beat started");
	if (e->kind == SRC_INTERVAL) {
		char src[64];
		if (!isfinite(e->seconds) || e->seconds <= 0)
			entry_refuse(e, "an interval of %g seconds",
				     e->seconds);
		snprintf(src, sizeof(src), "every %g seconds", e->seconds);
		free(e->source);
		e->source = xstrdup(src);
	}
	for (f = 0; f < CF_N; f++)
		free(field[f]);
}

int
rows_read(struct entries *es, const char *file, const char *text_, size_t len)
{
	const char *p = text_, *end = text_ + len, *nl;
	struct json_error je;
	struct entry *e;
	unsigned line = 0;
	struct row r;
	size_t n;

	for (; p < end; p = nl + 1) {
		line++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		n = (size_t)(nl - p);
		if (strspn(p, " \t\r") >= n)
			continue;
		memset(&r, 0, sizeof(r));
		if (members(&r, p, n, &je) < 0) {
			warnx("%s:%u: %s", file, line, je.msg);
			return -1;
		}
		if (r.enabled.type == JSON_FALSE) {
			char *name = text(&r.name);
			warnx("%s:%u: %s: disabled: not scheduled", file, line,
			      name ? name : "?");
			free(name);
			continue;
		}
		e = entry_add(es, file, line);
		row_entry(e, &r);
	}
	return 0;
}
