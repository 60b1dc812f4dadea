/* ndjson: a line reader over big read(2) calls, with a maximum line size. */
#include "ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_SIZE ((size_t)1 << 20)

int
ndjson_reader_fdopen(struct ndjson_reader *r, int fd, const char *name,
		     size_t max_line, struct err *e)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->max_line = max_line;
	r->cap = 2 * READ_SIZE;
	if (!(r->buf = malloc(r->cap)))
		return err_set(e, ERR_SYSTEM, "out of memory");
	return 0;
}

int
ndjson_reader_open(struct ndjson_reader *r, const char *path, size_t max_line,
		   struct err *e)
{
	int fd;

	if (!path || strcmp(path, "-") == 0)
		return ndjson_reader_fdopen(r, 0, "<stdin>", max_line, e);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, ERR_SYSTEM, "%s: %s", path, strerror(errno));
	if (ndjson_reader_fdopen(r, fd, path, max_line, e) < 0) {
		close(fd);
		return -1;
	}
	r->own_fd = 1;
	return 0;
}

/* Make room for at least READ_SIZE more bytes after end. */
static int
make_room(struct ndjson_reader *r, struct err *e)
{
	size_t used = r->end - r->beg, cap;
	char *p;

	if (r->beg > 0) {
		memmove(r->buf, r->buf + r->beg, used);
		r->scanned -= r->beg;
		r->beg = 0;
		r->end = used;
	}
	if (r->cap - r->end >= READ_SIZE)
		return 0;
	cap = r->cap * 2;
	if (!(p = realloc(r->buf, cap)))
		return err_set(e, ERR_SYSTEM, "out of memory reading %s",
			       r->name);
	r->buf = p;
	r->cap = cap;
	return 0;
}

int
ndjson_reader_next(struct ndjson_reader *r, const char **line, size_t *len,
		   struct err *e)
{
	char *nl;
	size_t n;
	ssize_t got;

	r->skipped = 0;
	for (;;) {
		nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
		if (nl) {
			n = (size_t)(nl - (r->buf + r->beg));
			break;
		}
		r->scanned = r->end;
		if (r->end - r->beg > r->max_line && r->skip_long) {
			r->skipping = 1; /* its bytes so far: dropped */
			r->beg = r->end = r->scanned = 0;
		} else if (r->end - r->beg > r->max_line) {
			return err_set(
				e, ERR_DATA,
				"%s:%llu: line longer than %zu bytes", r->name,
				(unsigned long long)r->lineno + 1, r->max_line);
		}
		if (r->eof) {
			if (r->beg == r->end && !r->skipping)
				return 0;
			n = r->end - r->beg;
			nl = NULL;
			break;
		}
		if (r->cap - r->end < READ_SIZE && make_room(r, e) < 0)
			return -1;
		if (r->idle)
			r->idle(r->idle_arg, r->fd);
		do
			got = read(r->fd, r->buf + r->end, r->cap - r->end);
		while (got < 0 && errno == EINTR && !(r->stop && *r->stop));
		if (got < 0 && errno == EINTR)
			return err_set(e, ERR_SYSTEM, "%s: interrupted",
				       r->name);
		if (got < 0)
			return err_set(e, ERR_SYSTEM, "%s: read error: %s",
				       r->name, strerror(errno));
		if (got == 0)
			r->eof = 1;
		r->end += (size_t)got;
	}
	if ((n > r->max_line || r->skipping) && r->skip_long) {
		r->lineno++;
		r->beg += n + (nl != NULL);
		r->scanned = r->beg;
		r->skipping = 0;
		r->skipped = 1;
		return err_set(e, ERR_DATA,
			       "%s:%llu: line longer than %zu bytes", r->name,
			       (unsigned long long)r->lineno, r->max_line);
	}
	if (n > r->max_line)
		return err_set(e, ERR_DATA,
			       "%s:%llu: line longer than %zu bytes", r->name,
			       (unsigned long long)r->lineno + 1, r->max_line);
	*line = r->buf + r->beg;
	r->lineno++;
	r->beg += n + (nl != NULL);
	r->scanned = r->beg;
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	*len = n;
	return 1;
}

int
ndjson_is_blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

int
ndjson_max_record(size_t *max, struct err *e)
{
	const char *env = getenv("NDJSON_MIGRATE_MAX_RECORD");
	unsigned long long v;
	char *end;

	*max = NDJSON_DEFAULT_MAX_LINE;
	if (!env || !*env)
		return 0;
	errno = 0;
	v = strtoull(env, &end, 10);
	if (errno || *end || v == 0 || *env == '-')
		return err_set(e, ERR_USAGE,
			       "NDJSON_MIGRATE_MAX_RECORD: not a positive "
			       "number: %s",
			       env);
	*max = (size_t)v;
	return 0;
}

void
ndjson_reader_close(struct ndjson_reader *r)
{
	if (r->own_fd)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
}
