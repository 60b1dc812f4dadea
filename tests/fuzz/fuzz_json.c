/*
 * fuzz_json: the JSON scanner on arbitrary bytes, as a whole text, as an
 * NDJSON record walked member by member (the path every tool takes), and as
 * a record of a routed stream (its $table looked for first).
 */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
walk(const struct json_value *v, struct buf *b, int depth)
{
	struct json_iter it;
	struct json_value k, el;
	struct json_error e;

	if (depth > 64)
		return;
	if (v->type == JSON_STRING) {
		json_unescape(b, v->p, v->len);
	} else if (v->type == JSON_ARRAY) {
		json_array_open(&it, v);
		while (json_array_next(&it, &el) > 0)
			walk(&el, b, depth + 1);
	} else if (v->type == JSON_OBJECT) {
		json_binary_decode(v, b);
		json_object_open_value(&it, v);
		while (json_object_next(&it, &k, &el, &e) > 0)
			walk(&el, b, depth + 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct json_error e;
	struct json_iter it;
	struct json_value k, v;
	struct buf b = BUF_INIT;
	enum json_type top;
	int valid, r;

	valid = json_validate(p, size, &top, &e) == 0;
	/* routing: a record that is one object is never "not JSON"; one
	 * without $table is valid whole; the route is a string inside it */
	r = json_route(p, size, &v, &e);
	if ((valid && top == JSON_OBJECT && r == -1) || (r == 0 && !valid) ||
	    (r == -1 && (!e.msg || e.offset > size)) ||
	    (r == 1 &&
	     (v.type != JSON_STRING || v.p < p || v.p + v.len > p + size)))
		__builtin_trap();
	if (json_object_open(&it, p, size, &e) == 0) {
		while ((r = json_object_next(&it, &k, &v, &e)) > 0) {
			json_unescape(&b, k.p, k.len);
			walk(&v, &b, 0);
			buf_reset(&b);
		}
		/* the iterator and the validator must agree */
		if ((r == 0) != valid)
			__builtin_trap();
	}
	if (utf8_valid_prefix(p, size) == size) {
		json_write_string(&b, p, size);
		if (json_validate(b.data, b.len, NULL, &e) != 0)
			__builtin_trap();
	}
	buf_release(&b);
	return 0;
}
