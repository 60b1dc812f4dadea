/* convert.h: what cron-convert's parts share. */
#ifndef CONVERT_H
#define CONVERT_H

#include <stdint.h>

#include "buf.h"
#include "cronexpr.h"

enum source_kind {
	SRC_CRON,     /* fields, days ANDed or ORed */
	SRC_INTERVAL, /* every N seconds, counted from the scheduler's start */
	SRC_REFUSED,  /* why says why */
};

/* One schedule entry as read from its source. */
struct entry {
	char *name;   /* the job's name, before --name-prefix */
	char *file;   /* where it was read */
	unsigned line;
	char *source; /* the expression as written, for the comment */
	char *task;   /* Celery's task name, or crontab's command */
	char *args;   /* JSON texts */
	char *kwargs;
	char *queue; /* options.queue, or NULL */
	enum source_kind kind;
	struct cron_sched cron;
	int days_and;	/* the source's rule for the two day fields */
	double seconds; /* SRC_INTERVAL */
	char *tz;	/* the source's time zone; NULL: UTC */
	int host_tz;	/* none written: the host's, unknown here */
	char *why;	/* SRC_REFUSED */
};

/* The entries read so far (every input appends). */
struct entries {
	struct entry *e;
	size_t n, cap;
};

/* A new entry at the end, zeroed, with its place filled. */
struct entry *entry_add(struct entries *es, const char *file, unsigned line);
void entries_free(struct entries *es);
/*
 * *dst: the JSON text json ("args" or "kwargs" of e) as jsonb keeps its
 * types (pgjsonb_keep_types); 0, or -1 with e refused.
 */
int entry_json(struct entry *e, const char *what, char **dst,
	       const char *json);
/*
 * e as Celery's crontab(minute, hour, day_of_month, month_of_year,
 * day_of_week), each text a field or NULL for '*': 0, or -1 refused.
 */
int entry_crontab(struct entry *e, const char *const field[CF_N]);
/* Refuse e: why, printf-style. */
void entry_refuse(struct entry *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/*
 * celery.c: a beat schedule from a Python file, read as the literal subset
 * configuration files use; or the NDJSON scripts/celery-beat-export
 * writes.  Returns 0; -1 after a message naming file and line (the
 * file cannot be parsed: exit 2); -2 after one naming the statement that
 * may change the schedule, its zone or its queues and is not read here
 * (the file is refused: none of its entries).
 */
int celery_read(struct entries *es, const char *file, const char *text,
		size_t len, char **tz);

/*
 * crontab.c: the lines of a crontab (sys: with a user field), text
 * changed in place.  Lines it cannot use are refused entries.
 */
void crontab_read(struct entries *es, const char *file, char *text, int sys);

/*
 * rows.c: NDJSON records, one entry each: django-celery-beat's rows (the
 * query in the README) or scripts/celery-beat-export's.  Returns 0, or
 * -1 after a message (a line that is not a JSON object: exit 2).
 */
int rows_read(struct entries *es, const char *file, const char *text,
	      size_t len);

#endif
