/*
 * buf: a growable byte buffer.
 *
 * Invariants (as git's strbuf): data is never NULL, data[len] is always a
 * NUL byte, len excludes that NUL, and the bytes may contain NULs of their
 * own (every API takes an explicit length).  A buffer starts as BUF_INIT and
 * owns its storage once it has grown; buf_release() frees it and leaves the
 * buffer as BUF_INIT again.
 *
 * Growth is overflow-checked.  The add functions cannot fail: when memory
 * runs out they call the hook set by buf_set_oom() (the tools set one that
 * reports and exits 3) and abort() if it returns.  Library code never
 * prints, so the hook is the tools' business.
 *
 *	struct buf b = BUF_INIT;
 *	buf_add(&b, "id=", 3);
 *	buf_addu64(&b, 42);
 *	fwrite(b.data, 1, b.len, stdout);
 *	buf_release(&b);
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf {
	char *data;
	size_t len;
	size_t cap; /* 0 while data points at the shared empty slot */
};

extern char buf_empty_slot[1];
#define BUF_INIT                                                               \
	{                                                                      \
		buf_empty_slot, 0, 0                                           \
	}

/* Make room for at least extra more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t extra);
void buf_release(struct buf *b);
/* Hand the storage to the caller (malloc'd, NUL-terminated); b is reset. */
char *buf_detach(struct buf *b, size_t *len);

/* Called when an allocation fails; must not return (default: abort). */
void buf_set_oom(void (*fn)(size_t want));

static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = '\0';
}

static inline void
buf_setlen(struct buf *b, size_t len)
{
	b->len = len;
	b->data[len] = '\0';
}

static inline void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len <= n)
		buf_grow(b, n);
	memcpy(b->data + b->len, p, n);
	buf_setlen(b, b->len + n);
}

static inline void
buf_addch(struct buf *b, int c)
{
	if (b->cap - b->len <= 1)
		buf_grow(b, 1);
	b->data[b->len++] = (char)c;
	b->data[b->len] = '\0';
}

static inline void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Decimal text of an integer, exact over the whole 64-bit range. */
void buf_addu64(struct buf *b, uint64_t v);
void buf_addi64(struct buf *b, int64_t v);
/*
 * Write all of b to fd (retrying short writes and EINTR) and reset it.
 * Returns 0, or -1 with errno set; b keeps what was not written.
 */
int buf_write_fd(struct buf *b, int fd);

/* printf into the buffer. */
void buf_addf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
