/* cli.c: usage, --help and word choices for every tool. */
#include "cli.h"

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
cli_init(void)
{
	signal(SIGPIPE, SIG_IGN);
}

void
cli_flush(struct buf *out, int final, int status)
{
	if (out->len < CLI_FLUSH_AT && !final)
		return;
	if (buf_write_fd(out, 1) == 0)
		return;
	if (errno == EPIPE)
		exit(status); /* | head: the reader has what it wanted */
	err(3, "write error");
}

void
cli_stdout_end(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		exit(0);
	if (errno == EPIPE)
		exit(0);
	err(3, "write error");
}

void
cli_usage(const char *synopsis)
{
	fputs(synopsis, stderr);
	exit(2);
}

void
cli_help(const char *synopsis, const char *text)
{
	/* the synopsis without its "usage: " */
	fputs(strncmp(synopsis, "usage: ", 7) == 0 ? synopsis + 7 : synopsis,
	      stdout);
	fputs(text, stdout);
	cli_stdout_end();
}

uint64_t
cli_number(const char *synopsis, const char *opt, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || !*arg || !isdigit((unsigned char)*arg)) {
		warnx("%s: a whole number, not %s", opt, arg);
		cli_usage(synopsis);
	}
	return v;
}

void
cli_partition(const char *synopsis, const char *arg, struct cli_partition *p)
{
	unsigned long k, n;
	int used = 0;

	if (sscanf(arg, "%lu/%lu%n", &k, &n, &used) != 2 || arg[used] != '\0' ||
	    !isdigit((unsigned char)arg[0]) ||
	    !isdigit((unsigned char)arg[strcspn(arg, "/") + 1]) || k < 1 ||
	    n < 1 || k > n || n > 65536) {
		warnx("--partition: K/N with 1 <= K <= N <= 65536, not %s",
		      arg);
		cli_usage(synopsis);
	}
	p->k = (uint32_t)k;
	p->n = (uint32_t)n;
}

int
cli_choice(const char *synopsis, const char *opt, const char *arg,
	   const char *const *words)
{
	struct buf m = BUF_INIT;
	int i, n;

	for (n = 0; words[n]; n++)
		if (strcmp(arg, words[n]) == 0)
			return n;
	for (i = 0; i < n; i++) {
		if (i)
			buf_adds(&m, i + 1 == n ? " or " : ", ");
		buf_adds(&m, words[i]);
	}
	warnx("%s: %s, not %s", opt, m.data, arg);
	buf_release(&m);
	cli_usage(synopsis);
}

static void
blank(char *p, char *end)
{
	while (p < end)
		*p++ = 'x';
}

char *
cli_secret(char *arg)
{
	char *copy = strdup(arg), *p, *q, *at;

	if (!copy) {
		fputs("out of memory\n", stderr);
		exit(3);
	}
	/* a URL's userinfo: scheme://user:password@host */
	if ((p = strstr(arg, "://")) != NULL) {
		p += 3;
		at = p + strcspn(p, "/?#");
		for (q = at; q > p && q[-1] != '@'; q--)
			;
		if (q > p) { /* q is just past the last '@' before the path */
			char *colon = memchr(p, ':', (size_t)(q - 1 - p));
			if (colon)
				blank(colon + 1, q - 1);
		}
	}
	/* password=... in a conninfo or a URL's parameters */
	for (p = arg; (p = strstr(p, "password")) != NULL; p++) {
		q = p + 8;
		while (*q == ' ')
			q++;
		if (*q != '=' ||
		    (p > arg && p[-1] != ' ' && p[-1] != '?' && p[-1] != '&'))
			continue;
		q++;
		while (*q == ' ')
			q++;
		if (*q == '\'') {
			for (at = q + 1; *at && *at != '\''; at++)
				if (*at == '\\' && at[1])
					at++;
			blank(q + 1, at);
		} else {
			at = q +
			     strcspn(q, p > arg && p[-1] != ' ' ? "&#" : " ");
			blank(q, at);
		}
	}
	return copy;
}
