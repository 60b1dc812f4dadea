/* Unit tests for common/ndjson: line splitting, CRLF, last line, limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ndjson.h"
#include "test.h"

/* A pipe fed from a child process, so reads come in pieces. */
static int
feed(const char *data, size_t len)
{
	int fd[2];

	if (pipe(fd) < 0)
		return -1;
	if (fork() == 0) {
		close(fd[0]);
		while (len > 0) {
			size_t n = len > 7000 ? 7000 : len;
			if (write(fd[1], data, n) < 0)
				_exit(1);
			data += n;
			len -= n;
		}
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

static void
test_lines(void)
{
	const char in[] = "{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":3}";
	struct ndjson_reader r;
	struct err e = {0};
	const char *l;
	size_t n;
	int fd = feed(in, sizeof(in) - 1);

	CHECK(ndjson_reader_fdopen(&r, fd, "<pipe>", 1000, &e) == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == 7 &&
	      memcmp(l, "{\"a\":1}", 7) == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == 0 &&
	      r.lineno == 2);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == 7 &&
	      r.lineno == 3);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == 7 &&
	      memcmp(l, "{\"c\":3}", 7) == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 0);
	ndjson_reader_close(&r);
	close(fd);
}

static void
test_long(void)
{
	size_t big = 5u << 20, i;
	char *in = malloc(big * 2 + 2);
	struct ndjson_reader r;
	struct err e = {0};
	const char *l;
	size_t n;
	int fd, ok = 1;

	memset(in, 'x', big);
	in[big] = '\n';
	memset(in + big + 1, 'y', big);
	in[2 * big + 1] = '\n';
	fd = feed(in, 2 * big + 2);
	CHECK(ndjson_reader_fdopen(&r, fd, "<pipe>", big, &e) == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == big);
	for (i = 0; i < n; i++)
		ok &= l[i] == 'x';
	CHECK(ok);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == big &&
	      l[0] == 'y');
	ndjson_reader_close(&r);
	close(fd);

	fd = feed(in, 2 * big + 2);
	CHECK(ndjson_reader_fdopen(&r, fd, "<pipe>", big - 1, &e) == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) < 0);
	CHECK(e.code == ERR_DATA);
	CHECK(strcmp(e.msg, "<pipe>:1: line longer than 5242879 bytes") == 0);
	CHECK(!r.skipped);
	ndjson_reader_close(&r);
	close(fd);

	/* skip_long: each long line an error the reader reads past, without
	 * holding it; the last one without its newline too */
	fd = feed(in, 2 * big + 1);
	CHECK(ndjson_reader_fdopen(&r, fd, "<pipe>", 1000, &e) == 0);
	r.skip_long = 1;
	CHECK(ndjson_reader_next(&r, &l, &n, &e) < 0 && r.skipped);
	CHECK(strcmp(e.msg, "<pipe>:1: line longer than 1000 bytes") == 0);
	CHECK(r.cap < 8u << 20);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) < 0 && r.skipped);
	CHECK(strcmp(e.msg, "<pipe>:2: line longer than 1000 bytes") == 0);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 0 && !r.skipped);
	CHECK(r.cap < 8u << 20);
	ndjson_reader_close(&r);
	close(fd);
	memcpy(in + 1001, "\n{}\n", 4); /* 1001 x, then {} on line 2 */
	in[1000] = 'x';
	fd = feed(in, 1005);
	CHECK(ndjson_reader_fdopen(&r, fd, "<pipe>", 1000, &e) == 0);
	r.skip_long = 1;
	CHECK(ndjson_reader_next(&r, &l, &n, &e) < 0 && r.skipped);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 1 && n == 2 &&
	      memcmp(l, "{}", 2) == 0 && r.lineno == 2);
	CHECK(ndjson_reader_next(&r, &l, &n, &e) == 0);
	ndjson_reader_close(&r);
	close(fd);
	free(in);
}

static void
test_missing(void)
{
	struct ndjson_reader r;
	struct err e = {0};

	CHECK(ndjson_reader_open(&r, "/nonexistent/x", 100, &e) < 0);
	CHECK(e.code == ERR_SYSTEM);
	CHECK(strcmp(e.msg, "/nonexistent/x: No such file or directory") == 0);
}

int
main(void)
{
	test_lines();
	test_long();
	test_missing();
	return TEST_REPORT();
}
