/*
 * cli: what every tool's command line shares: the usage message, --help,
 * an option that takes one of a few words, and how stdout is written.
 *
 *	static const char synopsis[] = "usage: tool [-hV] ...\n";
 *	cli_usage(synopsis);			   stderr, exit 2
 *	cli_help(synopsis, "\nWhat it does.\n\n  -h ...\n");  stdout, exit 0
 *	o.mode = cli_choice(synopsis, "--mode", optarg, modes);
 */
#ifndef CLI_H
#define CLI_H

#include <stdint.h>

#include "buf.h"

/* What a tool's output buffer holds before cli_flush writes it. */
#define CLI_FLUSH_AT 65536

/*
 * First thing in main: SIGPIPE ignored, so that a reader that went away
 * (`tool | head -1`) shows as EPIPE and the tool ends with a status of its
 * own choosing, never the shell's 141.
 */
void cli_init(void);
/*
 * Write out to stdout once it holds CLI_FLUSH_AT bytes, or all of it when
 * final.  When the reader has gone (EPIPE) exit quietly with status, what
 * the tool would exit with so far; any other error: "write error", exit 3.
 */
void cli_flush(struct buf *out, int final, int status);
/* After --version: stdout flushed; exit 0, or 3 when it could not be. */
void cli_stdout_end(void) __attribute__((noreturn));

void cli_usage(const char *synopsis) __attribute__((noreturn));
void cli_help(const char *synopsis, const char *text) __attribute__((noreturn));
/*
 * The index of arg among words (a NULL-terminated list); otherwise say
 * "OPT: a, b or c, not ARG" and cli_usage.
 */
int cli_choice(const char *synopsis, const char *opt, const char *arg,
	       const char *const *words);
/*
 * arg as a whole number (no sign, nothing after it), else say "OPT: a
 * whole number, not ARG" and cli_usage.
 */
uint64_t cli_number(const char *synopsis, const char *opt, const char *arg);

/*
 * --partition=K/N: part K (1 to N) of N, N from 1 to 65536; else say what
 * it must be and cli_usage.  A source writes each record in exactly one
 * part: the N parts together are the whole, none shares a record.
 */
struct cli_partition {
	uint32_t k, n; /* n == 0: not asked for */
};
void cli_partition(const char *synopsis, const char *arg,
		   struct cli_partition *p);

/*
 * A connection argument (a libpq conninfo or URL, a redis:// URL) copied,
 * and its password blanked where the argument was, so that ps and
 * /proc/PID/cmdline never show it: "password=..." (to the next space, or
 * its quotes), "?password=..." and "&password=..." (to the next '&'), and a
 * URL's "scheme://user:password@".  The copy is the caller's (malloc'd).
 */
char *cli_secret(char *arg);

#endif
