/*
 * errinfo: an error description filled by library code for the tool to report.
 *
 * common/ never prints and never exits: a function that fails returns -1 (or
 * NULL) and fills a struct err owned by the caller.  code is the exit status
 * the failure calls for (ndjson-migrate(7)): ERR_DATA when the input said no,
 * ERR_SYSTEM for I/O, connection and memory failures.
 *
 *	struct err e = {0};
 *	if (ndjson_reader_next(&r, &line, &len, &e) < 0)
 *		errx(e.code, "%s", e.msg);
 */
#ifndef ERRINFO_H
#define ERRINFO_H

enum {
	ERR_OK = 0,
	ERR_DATA = 1,
	ERR_USAGE = 2,
	ERR_SYSTEM = 3,
};

struct err {
	int code;
	char msg[1024];
};

/* Fill e (if not NULL) and return -1, for `return err_set(...)`. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
