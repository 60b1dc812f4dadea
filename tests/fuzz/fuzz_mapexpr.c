/*
 * fuzz_mapexpr: the mapping language on arbitrary text: compile it, and
 * when it compiles run it on a few records; what it writes must be valid
 * JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/ndjson-map/mapexpr.h"
#include "buf.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const records[] = {
	"{\"id\":\"42\",\"n\":1.50,\"big\":9007199254740993,\"s\":\"a\\\"b\","
	"\"a\":{\"b\":[1,{\"c\":null}]},\"t\":true,\"ts\":1700000000,"
	"\"at\":\"2024-05-01T12:00:00+02:00\",\"e\":\"\\u00e9\"}",
	"{}",
	"{\"id\":-1e400,\"n\":\"NaN\",\"a\":[],\"\\u0061\":\"x\"}",
	/* a kombu message's shape: JSON in a string, base64 of JSON */
	"{\"v\":\"{\\\"body\\\": "
	"\\\"W1sxLCAiXHUwMGU5Il0sIHsiJGsiOiAyfSwge31d\\\", "
	"\\\"h\\\": {\\\"$t\\\": [1e2, "
	"-0]}}\",\"b\":\"/w==\",\"x\":9223372036854775807}",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err e;
	struct map_program *p;
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct json_error je;
	struct json_iter it;
	struct json_value k, v;
	struct map_member mem[16];
	const char *q, *nl, *end;
	size_t i, nmem;
	char why[256];
	int r;

	buf_add(&text, data, size);
	p = map_compile(text.data, "fuzz", &e);
	if (p) {
		for (i = 0; i < sizeof(records) / sizeof(*records); i++) {
			buf_reset(&out);
			nmem = 0;
			json_object_open(&it, records[i], strlen(records[i]),
					 &je);
			while (nmem < 16 &&
			       json_object_next(&it, &k, &v, &je) > 0) {
				mem[nmem].k = k.p;
				mem[nmem].klen = k.len;
				mem[nmem].kesc = k.escaped;
				mem[nmem++].v = v;
			}
			r = map_run(p, records[i], strlen(records[i]), mem,
				    nmem, &out, why, sizeof(why));
			/* each line written is valid JSON */
			q = out.data;
			end = out.data + out.len;
			while (r > 0 &&
			       (nl = memchr(q, '\n', (size_t)(end - q)))) {
				if (json_validate(q, (size_t)(nl - q), NULL,
						  &je) != 0)
					__builtin_trap();
				q = nl + 1;
			}
		}
		map_free(p);
	}
	buf_release(&text);
	buf_release(&out);
	return 0;
}
