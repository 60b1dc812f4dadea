/*
 * cli: what every tool's command line shares: the usage message, --help,
 * and an option that takes one of a few words.
 *
 *	static const char synopsis[] = "usage: tool [-hV] ...\n";
 *	cli_usage(synopsis);			   stderr, exit 2
 *	cli_help(synopsis, "\nWhat it does.\n\n  -h ...\n");  stdout, exit 0
 *	o.mode = cli_choice(synopsis, "--mode", optarg, modes);
 */
#ifndef CLI_H
#define CLI_H

void cli_usage(const char *synopsis) __attribute__((noreturn));
void cli_help(const char *synopsis, const char *text) __attribute__((noreturn));
/*
 * The index of arg among words (a NULL-terminated list); otherwise say
 * "OPT: a, b or c, not ARG" and cli_usage.
 */
int cli_choice(const char *synopsis, const char *opt, const char *arg,
	       const char *const *words);

#endif
