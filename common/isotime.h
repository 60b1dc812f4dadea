/*
 * isotime: ISO 8601 dates and times as PostgreSQL reads them, to and from
 * microseconds since 1970-01-01 (proleptic Gregorian, years 1 to 9999).
 *
 *	struct isotime t;
 *	if (isotime_parse("2024-05-01T12:00:00.5+02:00", 27, 0, &t) == 0)
 *		utc = t.usec - t.zone_sec * 1000000;
 */
#ifndef ISOTIME_H
#define ISOTIME_H

#include <stddef.h>
#include <stdint.h>

#define ISOTIME_USEC_1970_TO_2000 INT64_C(946684800000000)

struct isotime {
	int64_t usec; /* since 1970, in the written time (zone not applied) */
	int has_zone; /* a Z or an offset was written */
	int zone_sec; /* the offset east of UTC, in seconds */
};

/*
 * Parse YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|(+|-)HH[[:]MM]] (only the
 * date when date_only).  Digits of a fraction beyond the sixth must be 0.
 * Returns 0, or -1 for anything else (24:00, leap seconds, other forms).
 */
int isotime_parse(const char *p, size_t n, int date_only, struct isotime *t);

/* Days since 1970-01-01 for a date, and the date for a day number. */
int64_t isotime_days(int64_t y, int m, int d);
void isotime_civil(int64_t days, int *y, int *m, int *d);

#endif
