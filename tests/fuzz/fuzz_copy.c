/*
 * fuzz_copy: pg-copy-load's value encoders (binary for every type, and
 * text for every column kind) on arbitrary JSON values, and pg-verify's
 * hash of each: a number spelled as a string hashes as the number, a
 * numeric with one more trailing zero as without it.  Input: one JSON
 * text; each of its values, nested ones too, goes through every encoder.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "copybin.h"
#include "../../cmd/pg-copy-load/copyenc.h"
#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct copy_hash ch = COPY_HASH_INIT;

static void
hashes(const struct json_value *v, enum bin_type t)
{
	struct json_value s = *v;
	struct buf z = BUF_INIT;
	uint64_t h, h2;

	if (copy_binary_hash(&ch, v, t, t == BIN_TEXT, &h) != 0 ||
	    v->type != JSON_NUMBER)
		return;
	s.type = JSON_STRING;
	s.escaped = 0;
	if (t != BIN_TEXT && t != BIN_JSON && t != BIN_JSONB &&
	    t != BIN_BYTEA &&
	    (copy_binary_hash(&ch, &s, t, 0, &h2) != 0 || h2 != h))
		__builtin_trap();
	if (t == BIN_NUMERIC && memchr(v->p, '.', v->len) &&
	    !memchr(v->p, 'e', v->len) && !memchr(v->p, 'E', v->len)) {
		buf_add(&z, v->p, v->len);
		buf_addch(&z, '0');
		s.type = JSON_NUMBER;
		s.p = z.data;
		s.len = z.len;
		if (copy_binary_hash(&ch, &s, t, 0, &h2) != 0 || h2 != h)
			__builtin_trap();
	}
	buf_release(&z);
}

static void
encode(const struct json_value *v, struct buf *out, struct buf *tmp, int depth)
{
	struct json_iter it;
	struct json_value k, el;
	struct json_error e;
	const char *why;
	int t, kind;
	size_t mark;

	for (t = BIN_INT2; t <= BIN_NUMERIC; t++) {
		mark = out->len;
		/* 0 appends a whole field (4-byte length, then that many bytes)
		 */
		if (copy_binary_value(out, v, (enum bin_type)t, tmp) == 0) {
			const unsigned char *p =
				(const unsigned char *)out->data + mark;
			uint32_t n = (uint32_t)p[0] << 24 |
				     (uint32_t)p[1] << 16 |
				     (uint32_t)p[2] << 8 | p[3];
			if (out->len - mark < 4 ||
			    (n != 0xffffffff &&
			     out->len - mark != 4 + (size_t)n))
				__builtin_trap();
		} else if (out->len != mark) {
			__builtin_trap(); /* a refusal appends nothing */
		}
		hashes(v, (enum bin_type)t);
	}
	for (kind = KIND_PLAIN; kind <= KIND_TIME_INF; kind++)
		copy_value(out, v, (enum col_kind)kind, tmp, &why);
	buf_reset(out);
	/* the fast double is strtod's, bit for bit */
	if (v->type == JSON_NUMBER && v->len < 120) {
		char num[128];
		double a = json_number_double(v->p, v->len), b;
		memcpy(num, v->p, v->len);
		num[v->len] = '\0';
		b = strtod(num, NULL);
		if (memcmp(&a, &b, sizeof(a)) != 0)
			__builtin_trap();
	}
	/* data keys written back: still JSON */
	if ((v->type == JSON_OBJECT || v->type == JSON_ARRAY) &&
	    json_unescape_keys(tmp, v->p, v->len) &&
	    json_validate(tmp->data, tmp->len, NULL, &e) != 0)
		__builtin_trap();
	if (depth > 32)
		return;
	if (v->type == JSON_ARRAY) {
		json_array_open(&it, v);
		while (json_array_next(&it, &el) > 0)
			encode(&el, out, tmp, depth + 1);
	} else if (v->type == JSON_OBJECT) {
		json_object_open_value(&it, v);
		while (json_object_next(&it, &k, &el, &e) > 0)
			encode(&el, out, tmp, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_error e;
	struct json_iter it;
	struct json_value v;
	struct buf out = BUF_INIT, tmp = BUF_INIT;

	if (json_validate((const char *)data, size, NULL, &e) != 0)
		return 0;
	/* the whole text as one value: scan it as an array's element */
	{
		struct buf b = BUF_INIT;
		buf_addch(&b, '[');
		buf_add(&b, data, size);
		buf_addch(&b, ']');
		v.type = JSON_ARRAY;
		v.p = b.data;
		v.len = b.len;
		json_array_open(&it, &v);
		while (json_array_next(&it, &v) > 0)
			encode(&v, &out, &tmp, 0);
		buf_release(&b);
	}
	buf_release(&out);
	buf_release(&tmp);
	return 0;
}
