/*
 * cron-convert: Celery beat schedules, crontabs and django-celery-beat rows
 * as pg_cron jobs (SQL), converting only what pg_cron runs at exactly the
 * same times and refusing the rest by name.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cli.h"
#include "convert.h"
#include "cronexpr.h"
#include "sqltext.h"

enum from { FROM_CELERY, FROM_CRONTAB, FROM_DJANGO };

struct options {
	enum from from;
	const char *command;  /* --command template */
	const char *task_map; /* --task-map file */
	const char *prefix;   /* --name-prefix */
	const char *timezone; /* the server's cron.timezone */
	const char *queue;    /* the default command's queue */
	int version;	      /* pg_cron's, as major * 100 + minor */
	int rollback, check, and_guard, system;
	int timezone_given; /* --timezone: also the crontabs' host zone */
};

static const char synopsis[] =
	"usage: cron-convert [-hV] [--from=celery|crontab|django] "
	"[--command=TEMPLATE]\n"
	"       [--task-map=FILE] [--name-prefix=P] [--pg-cron-version=V] "
	"[--timezone=TZ]\n"
	"       [--queue=NAME] [--and-guard] [--system] [--rollback] "
	"[--check] [FILE ...]\n";

static void __attribute__((noreturn)) usage(void)
{
	cli_usage(synopsis);
}

static void __attribute__((noreturn)) help(void)
{
	cli_help(
		synopsis,
		"\nWrite pg_cron jobs (SQL) for the schedules of a Celery beat "
		"configuration, a\ncrontab or django-celery-beat's rows: only "
		"those pg_cron runs at exactly the\nsame times; every other "
		"entry is refused on stderr with the reason.\n\n"
		"  --from=KIND           celery (a Python file, or "
		"celery-beat-export's NDJSON),\n"
		"                        crontab, or django (NDJSON rows); "
		"default celery\n"
		"  --command=TEMPLATE    the job's SQL: %(task)s, %(args)s, "
		"%(kwargs)s, %(queue)s\n"
		"                        become SQL literals (default: "
		"pgmq.send of the task)\n"
		"  --task-map=FILE       lines TASK TEMPLATE; a TASK with "
		"blanks "
		"\"in quotes\"\n"
		"  --name-prefix=P       before every job's name\n"
		"  --pg-cron-version=V   what the server runs (default 1.4): "
		"1.5 takes seconds\n"
		"  --timezone=TZ         the server's cron.timezone (default "
		"GMT)\n"
		"  --queue=NAME          the default command's queue (default: "
		"the entry's,\n"
		"                        else celery; cron for crontabs)\n"
		"  --and-guard           day of month AND day of week: "
		"schedule the days of\n"
		"                        the month, test the weekday in the "
		"command\n"
		"  --system              crontabs have a user field "
		"(/etc/crontab, /etc/cron.d)\n"
		"  --rollback            SQL that removes exactly these jobs\n"
		"  --check               compare a year of fire times, source "
		"and pg_cron\n"
		"  -h, --help            this help\n"
		"  -V, --version         the version\n");
}

static struct options o = {.timezone = "GMT", .version = 104};
static int status;

/* The whole of a file ("-": stdin); exit 2 when it cannot be read. */
static char *
slurp(const char *name, size_t *len)
{
	struct buf b = BUF_INIT;
	int fd = strcmp(name, "-") == 0 ? 0 : open(name, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		err(2, "%s", name);
	for (;;) {
		buf_grow(&b, 65536);
		r = read(fd, b.data + b.len, 65536);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err(2, "%s", name);
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
	}
	if (fd)
		close(fd);
	buf_addch(&b, '\0');
	*len = b.len - 1;
	return buf_detach(&b, NULL);
}

/* ---- time zones ---- */

/* TZ as it was before tz_use(): NULL when it was unset */
static char *saved_tz;
static int tz_saved;

/* Read local times in zone tz from now on (until tz_restore). */
static void
tz_use(const char *tz)
{
	if (!tz_saved) {
		saved_tz = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
		tz_saved = 1;
	}
	setenv("TZ", tz, 1);
	tzset();
}

static void
tz_restore(void)
{
	if (!tz_saved)
		return;
	if (saved_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	free(saved_tz);
	saved_tz = NULL;
	tz_saved = 0;
	tzset();
}

/*
 * A zone's offset east of UTC in minutes, when it keeps one offset for the
 * next 400 days; -1 for a zone with daylight saving time (or unknown:
 * glibc reads an unknown name as UTC, so the name is checked as a file).
 */
static int
fixed_offset(const char *tz, long *minutes)
{
	static const char *const utc[] = {"UTC",     "GMT",	 "Etc/UTC",
					  "Etc/GMT", "Etc/Zulu", "Zulu",
					  "UCT",     "Etc/UCT",	 "Universal"};
	char path[512];
	struct stat st;
	struct tm tm;
	time_t t = time(NULL);
	long off = 0;
	size_t i;
	int day, ok = 1;

	*minutes = 0;
	if (!tz)
		return 0;
	for (i = 0; i < sizeof(utc) / sizeof(*utc); i++)
		if (strcasecmp(tz, utc[i]) == 0)
			return 0;
	/* a zone is a file of the tz database: not a directory ("Europe",
	 * "."), not "localtime" (the host's) or "Factory" (no zone) */
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", tz);
	if (strstr(tz, "..") || *tz == '/' || stat(path, &st) != 0 ||
	    !S_ISREG(st.st_mode) || access(path, R_OK) != 0 ||
	    strcmp(tz, "localtime") == 0 || strcmp(tz, "Factory") == 0 ||
	    strcmp(tz, "posixrules") == 0)
		return -2;
	tz_use(tz);
	for (day = 0; day <= 400; day++) {
		time_t at = t + (time_t)day * 86400;
		localtime_r(&at, &tm);
		if (day == 0)
			off = tm.tm_gmtoff;
		else if (tm.tm_gmtoff != off)
			ok = 0;
	}
	tz_restore();
	*minutes = off / 60;
	return ok ? 0 : -1;
}

/*
 * The local times zone tz skips or repeats at its changes of offset in
 * the two years from now, as minutes of the day in *mins (1440 flags,
 * caller's): pg_cron 1.5+ reads every UTC minute in cron.timezone, so a
 * skipped time never runs and a repeated one runs twice; Celery runs the
 * first late and the second once.  Returns how many changes there were.
 */
static int
dst_windows(const char *tz, unsigned char *mins)
{
	time_t t = time(NULL) / 3600 * 3600, lo, hi, mid;
	struct tm a, b;
	long m, from, to;
	int n = 0;

	memset(mins, 0, 1440);
	tz_use(tz);
	localtime_r(&t, &a);
	for (; t < time(NULL) + 2 * 366 * 86400L; t += 3600) {
		time_t u = t + 3600;
		localtime_r(&u, &b);
		if (b.tm_gmtoff != a.tm_gmtoff) {
			/* the change's minute, and the wall clock around it */
			for (lo = t, hi = u; hi - lo > 60;) {
				mid = lo + (hi - lo) / 120 * 60;
				localtime_r(&mid, &b);
				if (b.tm_gmtoff == a.tm_gmtoff)
					lo = mid;
				else
					hi = mid;
			}
			localtime_r(&hi, &b);
			/* local minute of day at the change, old offset */
			m = (long)((hi + a.tm_gmtoff) % 86400 / 60);
			from = b.tm_gmtoff > a.tm_gmtoff
				       ? m
				       : m - (a.tm_gmtoff - b.tm_gmtoff) / 60;
			to = b.tm_gmtoff > a.tm_gmtoff
				     ? m + (b.tm_gmtoff - a.tm_gmtoff) / 60
				     : m;
			for (m = from; m < to; m++)
				mins[((m % 1440) + 1440) % 1440] = 1;
			n++;
		}
		a = b;
		localtime_r(&u, &a);
	}
	tz_restore();
	return n;
}

/* ---- conversion ---- */

/* What pg_cron gets for an entry. */
struct job {
	char schedule[512];
	struct cron_sched cron; /* as pg_cron reads schedule */
	long delta;	/* minutes from the source's clock to pg_cron's */
	int seconds;	/* a 'N seconds' job */
	uint64_t guard; /* --and-guard: the weekdays the command tests */
};

static uint64_t
rotate_dow(uint64_t bits, long d)
{
	uint64_t r = 0;
	int v;

	for (v = 0; v < 7; v++)
		if ((bits >> v) & 1)
			r |= (uint64_t)1 << (((v + d) % 7 + 7) % 7);
	return r;
}

/*
 * Move s by delta minutes (the source's zone to pg_cron's): refused
 * unless every fire time moves to the same day and the result is again
 * a set of minutes times a set of hours.
 */
static int
shift(struct entry *e, struct cron_sched *s, long delta)
{
	uint64_t mins = 0, hours = 0;
	long day = 0, n = 0, t, dd;
	int h, m, first = 1, mixed = 0;
	/* every day of every month: a time may move to another day */
	int daily = s->bits[CF_DOM] == cron_all(CF_DOM) &&
		    s->bits[CF_DOW] == cron_all(CF_DOW) &&
		    s->bits[CF_MON] == cron_all(CF_MON);

	if (delta == 0)
		return 0;
	for (h = 0; h < 24; h++)
		for (m = 0; m < 60; m++) {
			if (!((s->bits[CF_HOUR] >> h) & 1) ||
			    !((s->bits[CF_MIN] >> m) & 1))
				continue;
			t = h * 60 + m + delta;
			dd = t >= 0 ? t / 1440 : -((-t + 1439) / 1440);
			t -= dd * 1440;
			mixed |= !first && dd != day;
			first = 0;
			day = dd;
			mins |= (uint64_t)1 << (t % 60);
			hours |= (uint64_t)1 << (t / 60);
			n++;
		}
	if (mixed && !daily) {
		entry_refuse(e,
			     "in %s some times fall on another day than "
			     "others",
			     o.timezone);
		return -1;
	}
	if (__builtin_popcountll(mins) * __builtin_popcountll(hours) != n) {
		entry_refuse(e,
			     "in %s its times are not a set of minutes of a "
			     "set of hours",
			     o.timezone);
		return -1;
	}
	if (day && !daily &&
	    (s->bits[CF_DOM] != cron_all(CF_DOM) ||
	     s->bits[CF_MON] != cron_all(CF_MON))) {
		entry_refuse(e,
			     "in %s its times cross midnight, and the days "
			     "of the month or months cannot follow",
			     o.timezone);
		return -1;
	}
	s->bits[CF_MIN] = mins;
	s->bits[CF_HOUR] = hours;
	if (!daily)
		s->bits[CF_DOW] = rotate_dow(s->bits[CF_DOW], day);
	return 0;
}

static int
not_clock_time(struct entry *e, double sec)
{
	entry_refuse(e,
		     "every %g seconds is not a clock time: minutes dividing "
		     "an hour, hours dividing a day, a day or a week are",
		     sec);
	return -1;
}

static int
convert(struct entry *e, struct job *j)
{
	struct cron_sched s = e->cron, back;
	struct buf b = BUF_INIT;
	long src, dst;
	int dom_all, dow_all, r;
	char why[256];

	memset(j, 0, sizeof(*j));
	if (e->kind == SRC_REFUSED)
		return -1;
	if (e->kind == SRC_INTERVAL) {
		double sec = e->seconds;
		long m = (long)(sec / 60);
		if (sec > 7 * 86400)
			return not_clock_time(e, sec);
		if (sec != (double)(long)sec || sec < 1) {
			entry_refuse(e,
				     "every %g seconds: pg_cron counts whole "
				     "seconds",
				     sec);
			return -1;
		}
		if (sec < 60) {
			if (o.version < 105) {
				entry_refuse(e,
					     "every %g seconds needs pg_cron "
					     "1.5 or later (--pg-cron-version)",
					     sec);
				return -1;
			}
			snprintf(j->schedule, sizeof(j->schedule),
				 "%ld seconds", (long)sec);
			j->seconds = (int)sec;
			return 0;
		}
		if ((long)sec % 60 == 0 && m < 60 && 60 % m == 0)
			snprintf(why, sizeof(why), "*/%ld * * * *", m);
		else if ((long)sec % 3600 == 0 && m / 60 < 24 &&
			 24 % (m / 60) == 0)
			snprintf(why, sizeof(why), "0 */%ld * * *", m / 60);
		else if ((long)sec == 86400)
			snprintf(why, sizeof(why), "0 0 * * *");
		else if ((long)sec == 7 * 86400)
			snprintf(why, sizeof(why), "0 0 * * 0");
		else
			return not_clock_time(e, sec);
		if (cron_parse(why, CRON_VIXIE, &s, why, sizeof(why)) < 0)
			abort();
		e->days_and = 1;
		warnx("%s:%u: %s: every %g seconds from when beat started "
		      "becomes a clock schedule",
		      e->file, e->line, e->name, sec);
	}
	/* a crontab without CRON_TZ runs in the host's zone */
	if (e->host_tz && !e->tz) {
		if (!o.timezone_given) {
			entry_refuse(e,
				     "no CRON_TZ: cron runs it in the host's "
				     "time zone, which --timezone must name");
			return -1;
		}
		e->tz = xstrdup(o.timezone);
	}
	/* the zones: fixed offsets move the times; daylight saving cannot */
	r = fixed_offset(e->tz, &src);
	if (r == -2) {
		entry_refuse(e, "no such time zone: %s", e->tz);
		return -1;
	}
	if (r < 0 && !(e->tz && strcmp(e->tz, o.timezone) == 0)) {
		entry_refuse(e,
			     "%s has daylight saving time and pg_cron runs in "
			     "%s (--timezone)",
			     e->tz, o.timezone);
		return -1;
	}
	if (fixed_offset(o.timezone, &dst) < 0 && r == 0) {
		entry_refuse(e,
			     "pg_cron's %s has daylight saving time and the "
			     "source does not",
			     o.timezone);
		return -1;
	}
	if (r < 0) {
		/* the same zone with daylight saving: exact but on its
		 * changes' skipped and repeated times */
		unsigned char win[1440];
		int h, m;
		dst_windows(e->tz, win);
		for (h = 0; h < 24; h++)
			for (m = 0; m < 60; m++)
				if (win[h * 60 + m] &&
				    ((s.bits[CF_HOUR] >> h) & 1) &&
				    ((s.bits[CF_MIN] >> m) & 1)) {
					entry_refuse(
						e,
						"%s skips or repeats %02d:%02d "
						"when daylight saving time "
						"changes: pg_cron runs it "
						"never or twice, Celery once",
						e->tz, h, m);
					return -1;
				}
	}
	j->delta = r < 0 ? 0 : dst - src;
	if (shift(e, &s, j->delta) < 0)
		return -1;
	/*
	 * the day fields: pg_cron ANDs them when one starts with '*', else
	 * ORs them (entry.c DOM_STAR, DOW_STAR; pg_cron.c ShouldRunTask)
	 */
	dom_all = s.bits[CF_DOM] == cron_all(CF_DOM);
	dow_all = s.bits[CF_DOW] == cron_all(CF_DOW);
	if (cron_format(&b, &s, e->days_and) < 0) {
		if (!o.and_guard) {
			entry_refuse(e,
				     "day of month and day of week must both "
				     "hold; pg_cron runs on either unless one "
				     "holds day 1 or Sunday (--and-guard)");
			buf_release(&b);
			return -1;
		}
		/* the days of the month on pg_cron's side, the weekday in SQL
		 */
		j->guard = s.bits[CF_DOW];
		s.bits[CF_DOW] = cron_all(CF_DOW);
		buf_reset(&b);
		cron_format(&b, &s, 1);
	}
	snprintf(j->schedule, sizeof(j->schedule), "%s", b.data);
	buf_release(&b);
	/* what pg_cron will read, by our strict reading of it */
	if (!e->days_and && (dom_all || dow_all))
		s.bits[CF_DOM] = cron_all(CF_DOM),
		s.bits[CF_DOW] = cron_all(CF_DOW);
	if (cron_parse(j->schedule, CRON_VIXIE, &back, why, sizeof(why)) < 0 ||
	    memcmp(back.bits, s.bits, sizeof(s.bits)) != 0 ||
	    (!dom_all && !dow_all && !j->guard &&
	     cron_days_and(&back) != e->days_and)) {
		entry_refuse(e, "internal: %s does not read back: %s",
			     j->schedule, why);
		return -1;
	}
	j->cron = back;
	return 0;
}

/* ---- SQL (literals by common/sqltext: standard_conforming_strings) ---- */

/* a line of the source for a comment: no line breaks in it */
static void
comment_text(struct buf *out, const char *s)
{
	for (; *s; s++)
		buf_addch(out, (unsigned char)*s < ' ' ? ' ' : *s);
}

/* TEMPLATE with %(task)s, %(args)s, %(kwargs)s, %(queue)s as literals */
static int
expand(struct buf *out, const char *t, const struct entry *e, const char *q)
{
	static const char *const keys[] = {"task", "args", "kwargs", "queue"};
	const char *vals[4] = {e->task, e->args, e->kwargs, q};
	size_t i, n;

	while (*t) {
		if (t[0] == '%' && t[1] == '(') {
			for (i = 0; i < 4; i++) {
				n = strlen(keys[i]);
				if (strncmp(t + 2, keys[i], n) == 0 &&
				    strncmp(t + 2 + n, ")s", 2) == 0)
					break;
			}
			if (i == 4)
				return -1;
			sql_literal(out, vals[i]);
			t += 4 + strlen(keys[i]);
		} else if (t[0] == '%' && t[1] == '%') {
			buf_addch(out, '%');
			t += 2;
		} else {
			buf_addch(out, *t++);
		}
	}
	return 0;
}

/*
 * A dollar-quote tag (base, then base1, base2 ...) that quotes text
 * whole: PostgreSQL's scanner ends the string at the first tag after the
 * opening one, so the tag must first occur in tag, text, tag at the end;
 * a text ending in "$cron" would otherwise close early.
 */
static void
tag_for(char *tag, size_t n, const char *base, const char *text)
{
	struct buf t = BUF_INIT;
	size_t tl;
	int i;

	snprintf(tag, n, "$%s$", base);
	for (i = 1;; i++) {
		tl = strlen(tag);
		buf_reset(&t);
		buf_addf(&t, "%s%s%s", tag, text, tag);
		if (strstr(t.data + tl, tag) == t.data + t.len - tl)
			break;
		snprintf(tag, n, "$%s%d$", base, i);
	}
	buf_release(&t);
}

/*
 * --task-map: "TASK TEMPLATE" lines.  A TASK holding blanks (a crontab's
 * command with its arguments) or starting with '"' is written in double
 * quotes, with \" and \\ for a quote and a backslash inside.
 */
static char **map_task, **map_sql;
static size_t nmap;

/* the task at *p, unquoted in place; *p past it: 0, or -1 (why) */
static int
map_task_word(char **p, const char **why)
{
	char *s = *p, *d;

	if (*s != '"') {
		*p = s + strcspn(s, " \t");
		if (!**p) {
			*why = "a task and a SQL template expected";
			return -1;
		}
		*(*p)++ = '\0';
		return 0;
	}
	for (d = s, s++; *s != '"'; *d++ = *s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		if (!*s) {
			*why = "a quoted task does not end";
			return -1;
		}
	}
	*d = '\0';
	if (s[1] != ' ' && s[1] != '\t') {
		*why = "a blank and a SQL template expected after the "
		       "quoted task";
		return -1;
	}
	*p = s + 2;
	return 0;
}

static void
task_map_read(const char *file)
{
	size_t len, n = 0;
	char *text = slurp(file, &len), *line, *next, *sp;
	const char *why;

	for (line = text; line; line = next) {
		n++;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		sp = line;
		if (map_task_word(&sp, &why) < 0)
			errx(2, "%s:%zu: %s", file, n, why);
		sp += strspn(sp, " \t");
		if (!*sp)
			errx(2, "%s:%zu: a task and a SQL template expected",
			     file, n);
		map_task = realloc(map_task, (nmap + 1) * sizeof(*map_task));
		map_sql = realloc(map_sql, (nmap + 1) * sizeof(*map_sql));
		if (!map_task || !map_sql)
			errx(3, "out of memory");
		map_task[nmap] = xstrdup(line);
		map_sql[nmap++] = xstrdup(sp);
	}
	free(text);
}

static int
command(struct buf *out, struct entry *e, const struct job *j)
{
	struct buf inner = BUF_INIT;
	int v, n = 0, r;

	if (j->guard) {
		/* DO: run the command only on the weekdays, in pg_cron's zone
		 */
		r = command(&inner, e, &(struct job){.guard = 0});
		if (r == 0) {
			struct buf body = BUF_INIT;
			char tag[32];
			buf_adds(&body, "BEGIN IF extract(dow FROM now() AT "
					"TIME ZONE ");
			sql_literal(&body, o.timezone);
			buf_adds(&body, ") IN (");
			for (v = 0; v < 7; v++)
				if ((j->guard >> v) & 1)
					buf_addf(&body, "%s%d", n++ ? ", " : "",
						 v);
			buf_adds(&body, ") THEN EXECUTE ");
			sql_literal(&body, inner.data);
			buf_adds(&body, "; END IF; END");
			tag_for(tag, sizeof(tag), "guard", body.data);
			buf_addf(out, "DO %s%s%s", tag, body.data, tag);
			buf_release(&body);
		}
		buf_release(&inner);
		return r;
	}
	const char *q = e->queue		 ? e->queue
			: o.queue		 ? o.queue
			: o.from == FROM_CRONTAB ? "cron"
						 : "celery";
	size_t i;

	if (nmap) {
		for (i = 0; i < nmap; i++)
			if (strcmp(map_task[i], e->task) == 0)
				break;
		if (i == nmap) {
			entry_refuse(e, "task %s is not in --task-map",
				     e->task);
			return -1;
		}
		if (expand(out, map_sql[i], e, q) < 0) {
			entry_refuse(e, "--task-map: a %%(...)s other than "
					"task, args, kwargs, queue");
			return -1;
		}
		return 0;
	}
	if (o.command)
		return expand(out, o.command, e, q);
	buf_adds(out, "SELECT pgmq.send(");
	sql_literal(out, q);
	buf_adds(out, ", jsonb_build_object('job_type', ");
	sql_literal(out, e->task);
	buf_adds(out, ", 'args', ");
	sql_literal(out, e->args);
	buf_adds(out, "::jsonb, 'kwargs', ");
	sql_literal(out, e->kwargs);
	buf_adds(out, "::jsonb))");
	return 0;
}

/* ---- --check: a year of minutes, the source's way and pg_cron's ---- */

/* The broken-down time of t in zone tz (NULL: UTC), as cron sees it. */
static void
clock_at(time_t t, const char *tz, long fixed, int dst, struct tm *tm)
{
	if (dst) {
		tz_use(tz);
		localtime_r(&t, tm);
	} else {
		t += fixed * 60;
		gmtime_r(&t, tm);
	}
}

static int
check(const struct entry *e, const struct job *j)
{
	time_t start = time(NULL) / 60 * 60, t;
	long src, dst;
	int sdst = fixed_offset(e->tz, &src) < 0,
	    ddst = fixed_offset(o.timezone, &dst) < 0, a, b;
	struct tm s, d;
	char when[64];

	if (j->seconds)
		return 0; /* every N seconds: the same by construction */
	for (t = start; t < start + 366 * 86400; t += 60) {
		clock_at(t, e->tz, src, sdst, &s);
		clock_at(t, o.timezone, dst, ddst, &d);
		a = cron_fires(&e->cron, e->days_and, s.tm_min, s.tm_hour,
			       s.tm_mday, s.tm_mon + 1, s.tm_wday);
		b = cron_fires(&j->cron, cron_days_and(&j->cron), d.tm_min,
			       d.tm_hour, d.tm_mday, d.tm_mon + 1, d.tm_wday);
		if (j->guard)
			b = b && ((j->guard >> d.tm_wday) & 1);
		if (e->kind == SRC_INTERVAL)
			a = b; /* clock-aligned, as warned */
		if (a != b) {
			gmtime_r(&t, &d);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &d);
			warnx("%s:%u: %s: --check: at %s the source %s and "
			      "pg_cron %s",
			      e->file, e->line, e->name, when,
			      a ? "runs" : "does not", b ? "runs" : "does not");
			break;
		}
	}
	tz_restore();
	return t < start + 366 * 86400 ? -1 : 0;
}

/* e's job name, --name-prefix and all */
static void
job_name(struct buf *name, const struct entry *e)
{
	buf_reset(name);
	buf_addf(name, "%s%s", o.prefix ? o.prefix : "",
		 e->name ? e->name : "?");
}

/*
 * pg_cron's cron.job.jobname is a name, which keeps 63 bytes, and one
 * name is one job: a longer name, or one another entry has, is refused
 * (both entries' runs could not be kept).
 */
static void
names_check(struct entries *es)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	size_t i, k;

	for (i = 0; i < es->n; i++) {
		struct entry *e = &es->e[i];
		if (e->kind == SRC_REFUSED)
			continue; /* no job: its own reason stands */
		job_name(&a, e);
		if (a.len > 63) {
			entry_refuse(e,
				     "the job name is %zu bytes: pg_cron's "
				     "jobname keeps 63",
				     a.len);
			continue;
		}
		for (k = 0; k < i; k++) {
			if (es->e[k].kind == SRC_REFUSED)
				continue;
			job_name(&b, &es->e[k]);
			if (strcmp(a.data, b.data) == 0) {
				entry_refuse(e,
					     "%s:%u has the same job name: "
					     "pg_cron keeps one job of a name",
					     es->e[k].file, es->e[k].line);
				break;
			}
		}
	}
	buf_release(&a);
	buf_release(&b);
}

static void
emit(struct buf *out, struct entries *es)
{
	struct buf name = BUF_INIT, cmd = BUF_INIT;
	struct job j;
	char tag[32];
	size_t i, done = 0;

	names_check(es);
	buf_addf(out, "-- cron-convert: %s\nBEGIN;\n",
		 o.rollback ? "remove the jobs" : "the jobs");
	for (i = 0; i < es->n; i++) {
		struct entry *e = &es->e[i];
		job_name(&name, e);
		buf_reset(&cmd);
		if (convert(e, &j) < 0 || command(&cmd, e, &j) < 0) {
			warnx("%s:%u: %s: refused: %s", e->file, e->line,
			      name.data, e->why);
			status = 1;
			continue;
		}
		if (o.check && check(e, &j) < 0)
			status = 1;
		buf_adds(out, "-- source: ");
		comment_text(out, e->file);
		buf_addf(out, ":%u: ", e->line);
		comment_text(out, e->source);
		if (e->tz)
			buf_addf(out, " (%s)", e->tz);
		buf_adds(out, " -> ");
		comment_text(out, e->task);
		buf_addch(out, '\n');
		if (o.rollback) {
			buf_adds(out, "SELECT cron.unschedule(jobid) FROM "
				      "cron.job WHERE jobname = ");
			sql_literal(out, name.data);
			buf_adds(out, " AND username = current_user;\n");
		} else {
			tag_for(tag, sizeof(tag), "cron", cmd.data);
			buf_adds(out, "SELECT cron.schedule(");
			sql_literal(out, name.data);
			buf_adds(out, ", ");
			sql_literal(out, j.schedule);
			buf_addf(out, ", %s%s%s);\n", tag, cmd.data, tag);
		}
		done++;
		cli_flush(out, 0, status);
	}
	buf_adds(out, "COMMIT;\n");
	if (es->n - done)
		warnx("%zu of %zu entries refused", es->n - done, es->n);
	buf_release(&name);
	buf_release(&cmd);
}

static int
version_of(const char *v)
{
	char *end;
	long maj = strtol(v, &end, 10), min = 0;

	if (end == v || (*end && *end != '.'))
		usage();
	if (*end == '.') {
		min = strtol(end + 1, &end, 10);
		if (*end && *end != '.' && *end != '-')
			usage();
	}
	return (int)(maj * 100 + min);
}

int
main(int argc, char **argv)
{
	enum {
		AND_GUARD = 256,
		CHECK,
		COMMAND,
		FROM,
		NAME_PREFIX,
		PG_CRON_VERSION,
		QUEUE,
		ROLLBACK,
		SYSTEM,
		TASK_MAP,
		TIMEZONE
	};
	static const struct option longopts[] = {
		{"and-guard", no_argument, NULL, AND_GUARD},
		{"check", no_argument, NULL, CHECK},
		{"command", required_argument, NULL, COMMAND},
		{"from", required_argument, NULL, FROM},
		{"help", no_argument, NULL, 'h'},
		{"name-prefix", required_argument, NULL, NAME_PREFIX},
		{"pg-cron-version", required_argument, NULL, PG_CRON_VERSION},
		{"queue", required_argument, NULL, QUEUE},
		{"rollback", no_argument, NULL, ROLLBACK},
		{"system", no_argument, NULL, SYSTEM},
		{"task-map", required_argument, NULL, TASK_MAP},
		{"timezone", required_argument, NULL, TIMEZONE},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	static const char *const froms[] = {"celery", "crontab", "django",
					    NULL};
	static char *stdin_only[] = {"-"};
	struct entries es = {0};
	struct buf out = BUF_INIT;
	char **files, *text, *tz;
	size_t len;
	long off;
	int c, nfiles, r;

	cli_init();
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case AND_GUARD:
			o.and_guard = 1;
			break;
		case CHECK:
			o.check = 1;
			break;
		case COMMAND:
			o.command = optarg;
			break;
		case FROM:
			o.from = (enum from)cli_choice(synopsis, "--from",
						       optarg, froms);
			break;
		case 'h':
			help();
		case NAME_PREFIX:
			o.prefix = optarg;
			break;
		case PG_CRON_VERSION:
			o.version = version_of(optarg);
			break;
		case QUEUE:
			o.queue = optarg;
			break;
		case ROLLBACK:
			o.rollback = 1;
			break;
		case SYSTEM:
			o.system = 1;
			break;
		case TASK_MAP:
			o.task_map = optarg;
			break;
		case TIMEZONE:
			o.timezone = optarg;
			o.timezone_given = 1;
			break;
		case 'V':
			printf("cron-convert 0.1\n");
			cli_stdout_end();
		default:
			usage();
		}
	}
	if (fixed_offset(o.timezone, &off) == -2)
		errx(2, "--timezone: no such time zone: %s", o.timezone);
	if (o.version < 105 && (fixed_offset(o.timezone, &off) < 0 || off))
		errx(2, "--timezone: pg_cron before 1.5 runs jobs in GMT "
			"(--pg-cron-version)");
	if (o.command) {
		struct entry probe = {.task = "", .args = "", .kwargs = ""};
		struct buf t = BUF_INIT;
		if (expand(&t, o.command, &probe, "") < 0)
			errx(2, "--command: a %%(...)s other than task, args, "
				"kwargs, queue");
		buf_release(&t);
	}
	if (o.task_map)
		task_map_read(o.task_map);
	files = argv + optind;
	nfiles = argc - optind;
	if (!nfiles) {
		files = stdin_only;
		nfiles = 1;
	}
	for (c = 0; c < nfiles; c++) {
		const char *name = strcmp(files[c], "-") ? files[c] : "<stdin>";
		text = slurp(files[c], &len);
		if (o.from == FROM_CRONTAB) {
			crontab_read(
				&es, name, text,
				o.system ||
					strncmp(files[c], "/etc/cron.d/", 12) ==
						0 ||
					strcmp(files[c], "/etc/crontab") == 0);
		} else if (o.from == FROM_DJANGO ||
			   text[strspn(text, " \t\r\n")] == '{') {
			/* django's rows, or celery-beat-export's records */
			if (rows_read(&es, name, text, len) < 0)
				exit(2);
		} else {
			tz = NULL;
			r = celery_read(&es, name, text, len, &tz);
			if (r == -1)
				exit(2);
			if (r == -2)
				status = 1;
			free(tz);
		}
		free(text);
	}
	emit(&out, &es);
	cli_flush(&out, 1, status);
	entries_free(&es);
	buf_release(&out);
	return status;
}
