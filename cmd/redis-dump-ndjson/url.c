/*
 * url.c: redis://[USER[:PASSWORD]@]HOST[:PORT][/DB], with %XX escapes in
 * the user and password and [IPv6] hosts.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pct.h"
#include "rdump.h"

/* A whole decimal number from p[0..n) in [min, max], or -1. */
static long
whole(const char *p, size_t n, long max)
{
	long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return v > max ? -1 : v;
}

static int
fail(struct rd_url *u, char *why, size_t len, const char *msg)
{
	snprintf(why, len, "%s", msg);
	rd_url_free(u);
	return -1;
}

int
rd_parse_url(struct rd_url *u, const char *url, char *why, size_t whylen)
{
	const char *p, *at, *slash, *colon, *hostend, *rb;
	long v;

	memset(u, 0, sizeof(*u));
	u->port = 6379;
	u->db = -1;
	if (strncmp(url, "rediss://", 9) == 0) {
		u->tls = 1;
		url++; /* the rest reads as redis:// */
	} else if (strncmp(url, "redis://", 8) != 0) {
		return fail(u, why, whylen, "not a redis:// URL");
	}
	p = url + 8;
	slash = strchr(p, '/');
	at = memrchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	if (at) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon) {
			u->password =
				pct_decode(colon + 1, (size_t)(at - colon - 1));
			if (colon > p)
				u->user = pct_decode(p, (size_t)(colon - p));
		} else if (at > p) {
			u->user = pct_decode(p, (size_t)(at - p));
		}
		p = at + 1;
	}
	hostend = slash ? slash : p + strlen(p);
	if (*p == '[') { /* [::1]:6379 */
		rb = memchr(p, ']', (size_t)(hostend - p));
		if (!rb)
			return fail(u, why, whylen,
				    "an unclosed [ in the host");
		if (rb + 1 < hostend && rb[1] != ':')
			return fail(u, why, whylen,
				    "text after the ] of the host");
		u->host = strndup(p + 1, (size_t)(rb - p - 1));
		colon = rb + 1 < hostend ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(hostend - p));
		u->host = strndup(p, (size_t)((colon ? colon : hostend) - p));
	}
	if (!u->host)
		abort();
	if (!*u->host) {
		free(u->host);
		if (!(u->host = strdup("127.0.0.1")))
			abort();
	}
	if (colon) {
		v = whole(colon + 1, (size_t)(hostend - colon - 1), 65535);
		if (v < 1)
			return fail(u, why, whylen,
				    "the port is not a number from 1 to 65535");
		u->port = (int)v;
	}
	if (slash && slash[1]) {
		v = whole(slash + 1, strlen(slash + 1), INT_MAX);
		if (v < 0)
			return fail(u, why, whylen,
				    "the database is not a number");
		u->db = (int)v;
	}
	return 0;
}

void
rd_url_free(struct rd_url *u)
{
	free(u->host);
	free(u->user);
	free(u->password);
	memset(u, 0, sizeof(*u));
}
