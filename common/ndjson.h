/*
 * ndjson: read an NDJSON stream line by line with big reads.
 *
 * A line ends at '\n'; a '\r' before it is dropped too, and a last line
 * without a newline counts.  Lines may be of any length up to max_line bytes
 * (without the newline); a longer one is an ERR_DATA error naming its line
 * number, and the stream cannot be read further, unless skip_long is set:
 * then the line is read past without being kept (memory stays max_line),
 * the error says so by setting skipped, and the next call reads on.  A line
 *returned points into the reader's buffer and stays valid until the next call.
 *
 *	struct ndjson_reader r;
 *	if (ndjson_reader_open(&r, path, NDJSON_DEFAULT_MAX_LINE, &e) < 0) ...
 *	while ((n = ndjson_reader_next(&r, &line, &len, &e)) > 0)
 *		... r.lineno is the 1-based number of this line ...
 *	ndjson_reader_close(&r);
 */
#ifndef NDJSON_H
#define NDJSON_H

#include <stddef.h>
#include <signal.h>
#include <stdint.h>

#include "errinfo.h"

#define NDJSON_DEFAULT_MAX_LINE ((size_t)256 << 20) /* 256 MiB */

struct ndjson_reader {
	int fd;
	int own_fd;	  /* opened by us, closed by close() */
	const char *name; /* "<stdin>" or the path, for messages */
	char *buf;
	size_t cap, beg, end, scanned;
	size_t max_line;
	uint64_t lineno;
	int eof;
	/*
	 * when not NULL and nonzero after a read(2) a signal interrupted,
	 * ndjson_reader_next returns -1 (ERR_SYSTEM, "interrupted") rather
	 * than read again: a tool whose handler sets it stops even while its
	 * input is silent
	 */
	volatile sig_atomic_t *stop;
	int skip_long; /* set by the caller: see above */
	/*
	 * when set, called before each read(2) with the descriptor about to
	 * be read: a caller that has other work (a query's result to take)
	 * does it, and may wait for the input to be readable meanwhile
	 */
	void (*idle)(void *arg, int fd);
	void *idle_arg;
	int skipped;  /* the last error was such a line: read on */
	int skipping; /* within one: its bytes are dropped */
};

/* path "-" or NULL reads standard input; returns 0, or -1 with e filled. */
int ndjson_reader_open(struct ndjson_reader *r, const char *path,
		       size_t max_line, struct err *e);
/* Read from an open descriptor that the reader will not close. */
int ndjson_reader_fdopen(struct ndjson_reader *r, int fd, const char *name,
			 size_t max_line, struct err *e);
/* Returns 1 with the line in *line and *len, 0 at end of input, -1 on error. */
int ndjson_reader_next(struct ndjson_reader *r, const char **line, size_t *len,
		       struct err *e);
void ndjson_reader_close(struct ndjson_reader *r);

/* True for a line that is empty or only white space: not a record. */
int ndjson_is_blank(const char *p, size_t n);

/*
 * The default maximum record size: NDJSON_MIGRATE_MAX_RECORD when set,
 * else NDJSON_DEFAULT_MAX_LINE.  Returns 0, or -1 with e filled (ERR_USAGE)
 * when the variable is not a positive number.
 */
int ndjson_max_record(size_t *max, struct err *e);

#endif
