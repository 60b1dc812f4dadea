/*
 * fuzz_rdb: redis-dump-ndjson's RDB reader on arbitrary bytes: it reads a
 * file or stops with a reason naming a byte within the input, never reads
 * past it, and hands elements over only between a key's start and its end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/redis-dump-ndjson/rdb.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct state {
	int in_key, in_entry;
	struct buf out;
};

static int
on_key(void *arg, int db, const char *k, size_t klen, enum rdb_kind kind,
       long long expire_ms)
{
	struct state *s = arg;

	(void)expire_ms; /* any 64 bits a file holds */
	if (s->in_key || db < 0 || kind > RDB_STREAM)
		__builtin_trap();
	json_write_text(&s->out, k, klen);
	buf_reset(&s->out);
	/* the odd databases' elements read, not taken: no more calls */
	s->in_key = db % 2 == 0;
	return s->in_key;
}

static void
on_item(void *arg, const char *a, size_t alen, const char *b, size_t blen,
	double score)
{
	struct state *s = arg;

	if (!s->in_key || s->in_entry)
		__builtin_trap();
	json_write_text(&s->out, a, alen);
	if (b)
		json_write_text(&s->out, b, blen);
	json_write_double(&s->out, score);
	buf_reset(&s->out);
}

/* a hash field's expiry: inside a key, within Redis's range, never 0 */
static void
on_item_expire(void *arg, long long ms)
{
	struct state *s = arg;

	if (!s->in_key || s->in_entry || ms <= 0 || ms >= 1LL << 48)
		__builtin_trap();
}

static void
on_entry(void *arg, const char *id, size_t idlen)
{
	struct state *s = arg;

	if (!s->in_key || s->in_entry || !idlen)
		__builtin_trap();
	json_write_string(&s->out, id, idlen);
	s->in_entry = 1;
}

static void
on_field(void *arg, const char *f, size_t flen, const char *v, size_t vlen)
{
	struct state *s = arg;

	if (!s->in_entry)
		__builtin_trap();
	json_write_key(&s->out, f, flen);
	json_write_text(&s->out, v, vlen);
	buf_reset(&s->out);
}

static void
on_entry_end(void *arg)
{
	struct state *s = arg;

	if (!s->in_entry)
		__builtin_trap();
	s->in_entry = 0;
}

static void
on_key_end(void *arg)
{
	struct state *s = arg;

	if (!s->in_key || s->in_entry)
		__builtin_trap();
	s->in_key = 0;
}

static void
on_skipped(void *arg, int db, const char *k, size_t klen, const char *why)
{
	struct state *s = arg;

	(void)db;
	(void)why;
	json_write_text(&s->out, k, klen);
	buf_reset(&s->out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct state st = {0, 0, BUF_INIT};
	struct rdb_sink s = {&st,	 on_key,     on_item,
			     on_entry,	 on_field,   on_entry_end,
			     on_key_end, on_skipped, on_item_expire};
	struct rdb_reader r = {.mem = data, .memlen = size};
	int rc = rdb_read(&r, &s);

	if (rc < 0 && (!r.msg[0] || !strstr(r.msg, " at byte ")))
		__builtin_trap();
	if (r.off > size)
		__builtin_trap();
	rdb_reader_free(&r);
	buf_release(&st.out);
	return 0;
}
