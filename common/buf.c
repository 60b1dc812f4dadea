/* buf: growable byte buffer with overflow-checked growth. */
#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

char buf_empty_slot[1];

static void (*oom_hook)(size_t);

void
buf_set_oom(void (*fn)(size_t want))
{
	oom_hook = fn;
}

static void
oom(size_t want)
{
	if (oom_hook)
		oom_hook(want);
	abort();
}

void
buf_grow(struct buf *b, size_t extra)
{
	size_t want, cap;
	char *p;

	if (extra > SIZE_MAX - b->len - 1)
		oom(SIZE_MAX);
	want = b->len + extra + 1;
	if (want <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	p = realloc(b->cap ? b->data : NULL, cap);
	if (!p)
		oom(cap);
	if (!b->cap)
		p[0] = '\0';
	b->data = p;
	b->cap = cap;
}

void
buf_release(struct buf *b)
{
	if (b->cap)
		free(b->data);
	b->data = buf_empty_slot;
	b->len = b->cap = 0;
}

char *
buf_detach(struct buf *b, size_t *len)
{
	char *p;

	buf_grow(b, 0);
	p = b->data;
	if (len)
		*len = b->len;
	b->data = buf_empty_slot;
	b->len = b->cap = 0;
	return p;
}

void
buf_addu64(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_add(b, tmp + sizeof(tmp) - n, n);
}

void
buf_addi64(struct buf *b, int64_t v)
{
	if (v < 0) {
		buf_addch(b, '-');
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin
		 */
		buf_addu64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		buf_addu64(b, (uint64_t)v);
	}
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		buf_grow(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}

int
buf_write_fd(struct buf *b, int fd)
{
	size_t off = 0;
	ssize_t n;

	while (off < b->len) {
		n = write(fd, b->data + off, b->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			memmove(b->data, b->data + off, b->len - off);
			buf_setlen(b, b->len - off);
			return -1;
		}
		off += (size_t)n;
	}
	buf_reset(b);
	return 0;
}
