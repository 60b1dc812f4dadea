/* cli.c: usage, --help and word choices for every tool. */
#include "cli.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

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
	exit(0);
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
