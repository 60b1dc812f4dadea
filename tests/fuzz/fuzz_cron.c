/*
 * fuzz_cron: cron-convert's parsers on arbitrary bytes.  The first byte
 * picks: a cron expression in cron's and Celery's reading (what parses is
 * written back and must read back to the same sets, as pg_cron would read
 * it), a Celery beat file in the Python literal subset, a crontab (user
 * or system), or NDJSON rows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/cron-convert/convert.h"
#include "../../cmd/cron-convert/cronexpr.h"
#include "buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
expression(const char *s)
{
	struct cron_sched a, b;
	struct buf out = BUF_INIT;
	char why[256];
	int d;

	for (d = CRON_VIXIE; d <= CRON_CELERY; d++) {
		if (cron_parse(s, (enum cron_dialect)d, &a, why, sizeof(why)) <
		    0)
			continue;
		buf_reset(&out);
		if (cron_format(&out, &a, 1) < 0)
			continue;
		if (cron_parse(out.data, CRON_VIXIE, &b, why, sizeof(why)) <
			    0 ||
		    memcmp(a.bits, b.bits, sizeof(a.bits)) != 0 ||
		    ((a.bits[CF_DOM] != cron_all(CF_DOM) &&
		      a.bits[CF_DOW] != cron_all(CF_DOW)) &&
		     !cron_days_and(&b)))
			abort();
	}
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entries es = {0};
	char *s, *tz = NULL;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (data[0] % 4 == 1) {
		expression(s);
	} else if (data[0] % 4 == 2) {
		crontab_read(&es, "fuzz", s, data[0] & 4);
		entries_free(&es);
	} else if (data[0] % 4 == 3) {
		rows_read(&es, "fuzz", s, size - 1);
		entries_free(&es);
	} else {
		celery_read(&es, "fuzz", s, size - 1, &tz);
		entries_free(&es);
		free(tz);
	}
	free(s);
	return 0;
}
