/* cli.c: usage, --help and word choices for every tool. */
#include "cli.h"

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
cli_number(const char *synopsis, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || *end || !*arg || *arg == '-')
		cli_usage(synopsis);
	return v;
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
