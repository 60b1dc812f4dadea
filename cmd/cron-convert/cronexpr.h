/*
 * cronexpr: cron schedules as sets of minutes, hours, days of the month,
 * months and weekdays, read the way Vixie cron (and pg_cron, which uses
 * its parser) or Celery's crontab reads them, and written back as the
 * plain numeric five fields pg_cron takes.
 *
 *	struct cron_sched s;
 *	char why[160];
 *	if (cron_parse("*\/15 9-17 * * mon-fri", CRON_VIXIE, &s, why,
 *		       sizeof(why)) < 0)
 *		errx(1, "%s", why);
 *	cron_format(&out, &s, cron_days_and(&s));
 *		-> "*\/15 9-17 * * 1-5"
 */
#ifndef CRONEXPR_H
#define CRONEXPR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum cron_field { CF_MIN, CF_HOUR, CF_DOM, CF_MON, CF_DOW, CF_N };

/* How a field's text is read. */
enum cron_dialect {
	CRON_VIXIE,  /* crontab(5), pg_cron: 3-letter names, 7 is Sunday */
	CRON_CELERY, /* celery.schedules.crontab: a-b wraps when b < a */
};

struct cron_sched {
	uint64_t bits[CF_N]; /* bit v for value v (dom and month from 1) */
	/*
	 * the field was written starting with '*': Vixie cron, and so
	 * pg_cron, then ANDs the two day fields instead of ORing them
	 */
	unsigned char star[CF_N];
};

/* The lowest and highest value of a field. */
int cron_low(enum cron_field f);
int cron_high(enum cron_field f);
/* Every value of the field. */
uint64_t cron_all(enum cron_field f);
/* "minute", "hour", "day of month", "month", "day of week" */
const char *cron_field_name(enum cron_field f);

/*
 * One field: a comma-separated list of *, N, N-M, each of the last two
 * optionally /STEP, names where the field has them.  Returns 0, or -1
 * with why (naming the field) filled.
 */
int cron_field_parse(enum cron_field f, const char *p, size_t n,
		     enum cron_dialect d, uint64_t *bits, unsigned char *star,
		     char *why, size_t whysz);

/*
 * Five fields separated by blanks (Vixie's macros @yearly, @annually,
 * @monthly, @weekly, @daily, @midnight and @hourly too).  Returns 0, or -1
 * with why filled.
 */
int cron_parse(const char *expr, enum cron_dialect d, struct cron_sched *s,
	       char *why, size_t whysz);

/*
 * Whether the two day fields are ANDed (a day must be in both) as
 * Vixie cron and pg_cron decide: when either was written with '*'.
 */
int cron_days_and(const struct cron_sched *s);

/* Does s fire at this minute (dow 0 = Sunday), days ANDed or ORed? */
int cron_fires(const struct cron_sched *s, int days_and, int min, int hour,
	       int dom, int mon, int dow);

/*
 * The plain numeric form pg_cron reads back to s, its two day fields
 * joined as days_and says (1: a day must be in both, 0: in either):
 * '*' for a full field, else N and N-M lists; for two day lists ANDed,
 * one of them starts "*\/N", which makes pg_cron AND them.  0, or -1
 * when they are ANDed and neither holds its field's first value (day 1,
 * Sunday), which every such form does.
 */
int cron_format(struct buf *out, const struct cron_sched *s, int days_and);

#endif
