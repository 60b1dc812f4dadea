/*
 * input.c: the bytes of a file or stream, plain or gzipped, decided once
 * at its start: gzip when its name ends in .gz, or when it begins with
 * gzip's magic bytes and its first document is not a whole BSON document
 * (a document of 0x8b1f + n * 65536 bytes begins with those bytes too).
 * Each gzip member is inflated to its trailer, whose CRC zlib checks.
 */
#include <bson/bson.h>
#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "mdump.h"

#define RAW (1 << 20)
#define MAX_FIRST (48 << 20) /* a document can be no longer */

struct input {
	int fd;
	const char *name;
	uint8_t *raw; /* bytes read, not yet used: raw[pos..len) */
	size_t cap, pos, len;
	int eof;
	int gz;	     /* -1: not decided yet */
	int z_live;  /* inside a gzip member */
	int z_ended; /* the last member ended cleanly */
	z_stream z;
};

/* More raw bytes, appended (pos kept): 0, or 1 at the end of the file. */
static int
fill(struct input *in, size_t want)
{
	ssize_t n;

	if (in->eof)
		return 1;
	if (in->pos > 0 && in->pos == in->len)
		in->pos = in->len = 0;
	if (in->cap - in->len < want) {
		if (in->pos > 0) {
			memmove(in->raw, in->raw + in->pos, in->len - in->pos);
			in->len -= in->pos;
			in->pos = 0;
		}
		if (in->cap - in->len < want) {
			in->cap = in->len + want;
			if (!(in->raw = realloc(in->raw, in->cap)))
				err(3, "out of memory");
		}
	}
	do
		n = read(in->fd, in->raw + in->len, in->cap - in->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		err(3, "%s", in->name);
	if (n == 0)
		in->eof = 1;
	in->len += (size_t)n;
	return n == 0;
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* Plain or gzip, from the name and the first bytes. */
static void
decide(struct input *in)
{
	size_t n = strlen(in->name), l;
	bson_t b;

	while (in->len < 4 && !fill(in, RAW))
		;
	in->gz = 0;
	if (in->len < 2 || in->raw[0] != 0x1f || in->raw[1] != 0x8b)
		return;
	in->gz = 1;
	if ((n > 3 && strcmp(in->name + n - 3, ".gz") == 0) || in->len < 4)
		return;
	/* a BSON document whose length begins 1f 8b, whole? */
	l = le32(in->raw);
	if (l < 5 || l > MAX_FIRST)
		return;
	while (in->len < l && !fill(in, l - in->len))
		;
	if (in->len >= l && in->raw[l - 1] == 0 &&
	    bson_init_static(&b, in->raw, l) &&
	    bson_validate(&b, BSON_VALIDATE_NONE, NULL))
		in->gz = 0;
}

struct input *
input_open(int fd, const char *name)
{
	struct input *in = calloc(1, sizeof(*in));

	if (!in)
		err(3, "out of memory");
	in->fd = fd;
	in->name = name;
	in->gz = -1;
	return in;
}

long
input_read(struct input *in, void *p, size_t n, const char **why)
{
	size_t k;
	int r;

	if (in->gz < 0)
		decide(in);
	if (!in->gz) {
		if (in->pos == in->len && fill(in, RAW))
			return 0;
		k = in->len - in->pos < n ? in->len - in->pos : n;
		memcpy(p, in->raw + in->pos, k);
		in->pos += k;
		return (long)k;
	}
	for (;;) {
		if (in->pos == in->len && !in->eof)
			fill(in, RAW);
		if (!in->z_live) {
			if (in->pos == in->len) /* the end, after a member */
				return 0;
			if (in->len - in->pos >= 2 &&
			    (in->raw[in->pos] != 0x1f ||
			     in->raw[in->pos + 1] != 0x8b)) {
				*why = "bytes after the gzip data that are not "
				       "gzip";
				return -1;
			}
			if ((in->z_ended
				     ? inflateReset(&in->z)
				     : inflateInit2(&in->z, 16 + MAX_WBITS)) !=
			    Z_OK)
				err(3, "zlib");
			in->z_live = 1;
		}
		in->z.next_in = in->raw + in->pos;
		in->z.avail_in = (uInt)(in->len - in->pos);
		in->z.next_out = p;
		in->z.avail_out = (uInt)(n > (1U << 30) ? 1U << 30 : n);
		r = inflate(&in->z, Z_NO_FLUSH);
		in->pos = in->len - in->z.avail_in;
		k = (size_t)((uint8_t *)in->z.next_out - (uint8_t *)p);
		if (r == Z_STREAM_END) {
			in->z_live = 0;
			in->z_ended = 1;
		} else if (r != Z_OK && r != Z_BUF_ERROR) {
			*why = in->z.msg ? in->z.msg : "corrupt";
			return -1;
		} else if (k == 0 && in->eof && in->pos == in->len) {
			*why = "unexpected end of file";
			return -1;
		}
		if (k > 0)
			return (long)k;
	}
}

void
input_close(struct input *in)
{
	if (in->z_live || in->z_ended)
		inflateEnd(&in->z);
	if (in->fd > 0)
		close(in->fd);
	free(in->raw);
	free(in);
}
