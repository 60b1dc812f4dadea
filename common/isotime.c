/* isotime: ISO 8601 dates and times to microseconds since 1970, and back. */
#include "isotime.h"

static int
digits(const char *p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		*v = *v * 10 + (p[i] - '0');
	}
	return 0;
}

/* Howard Hinnant's days_from_civil and civil_from_days. */
int64_t
isotime_days(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
isotime_civil(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int
isotime_parse(const char *p, size_t n, int date_only, struct isotime *t)
{
	const char *end = p + n;
	int y, mo, d, h = 0, mi = 0, s = 0, zh = 0, zm = 0, k, sign;
	int64_t frac = 0;
	static const int md[] = {31, 29, 31, 30, 31, 30,
				 31, 31, 30, 31, 30, 31};

	t->has_zone = 0;
	t->zone_sec = 0;
	if (n < 10 || digits(p, 4, &y) || p[4] != '-' ||
	    digits(p + 5, 2, &mo) || p[7] != '-' || digits(p + 8, 2, &d) ||
	    y < 1 || mo < 1 || mo > 12 || d < 1 || d > md[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 || y % 400 == 0))))
		return -1;
	p += 10;
	if (date_only && p != end)
		return -1;
	if (p < end && (*p == 'T' || *p == ' ')) {
		if (end - p < 6 || digits(p + 1, 2, &h) || p[3] != ':' ||
		    digits(p + 4, 2, &mi) || h > 23 || mi > 59)
			return -1;
		p += 6;
		if (p < end && *p == ':') {
			if (end - p < 3 || digits(p + 1, 2, &s) || s > 59)
				return -1;
			p += 3;
			if (p < end && *p == '.') {
				for (p++, k = 0;
				     p < end && *p >= '0' && *p <= '9';
				     p++, k++)
					if (k < 6)
						frac = frac * 10 + (*p - '0');
					else if (*p != '0')
						return -1; /* below a
							      microsecond */
				if (k == 0)
					return -1;
				for (; k < 6; k++)
					frac *= 10;
			}
		}
		if (p < end) {
			t->has_zone = 1;
			if (*p == 'Z') {
				p++;
			} else if (*p == '+' || *p == '-') {
				sign = *p++ == '-' ? -1 : 1;
				if (end - p < 2 || digits(p, 2, &zh))
					return -1;
				p += 2;
				if (p < end && *p == ':')
					p++;
				if (p < end) {
					if (end - p < 2 || digits(p, 2, &zm))
						return -1;
					p += 2;
				}
				if (zh > 15 || zm > 59)
					return -1;
				t->zone_sec = sign * (zh * 3600 + zm * 60);
			} else {
				return -1;
			}
		}
	}
	if (p != end)
		return -1;
	t->usec = (isotime_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) *
			  1000000 +
		  frac;
	return 0;
}
