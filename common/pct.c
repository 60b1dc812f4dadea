/* pct.c: %XX decoding. */
#include "pct.h"

#include <ctype.h>
#include <err.h>
#include <stdlib.h>

static int
hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static char *
decode(const char *p, size_t n, int plus)
{
	char *o = malloc(n + 1), *w = o;
	size_t i;

	if (!o)
		err(3, "out of memory");
	for (i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n &&
		    isxdigit((unsigned char)p[i + 1]) &&
		    isxdigit((unsigned char)p[i + 2])) {
			*w++ = (char)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
			i += 2;
		} else {
			*w++ = plus && p[i] == '+' ? ' ' : p[i];
		}
	}
	*w = 0;
	return o;
}

char *
pct_decode(const char *p, size_t n)
{
	return decode(p, n, 0);
}

char *
pct_decode_query(const char *p, size_t n)
{
	return decode(p, n, 1);
}
