/*
 * fuzz_map: ndjson-map's record path on arbitrary bytes: a record it
 * accepts comes out compact, still valid, and the same when compacted
 * again.
 */
#include <stdint.h>
#include <string.h>

#define main ndjson_map_main
#include "../../cmd/ndjson-map/ndjson-map.c"
#undef main

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options o = {.max_record = 1 << 20};
	struct mapper m = {.o = &o};
	struct json_error je;
	const char *dup;
	size_t duplen;
	struct buf again = BUF_INIT;

	m.out = (struct buf)BUF_INIT;
	m.top = (struct keyset)KEYSET_INIT;
	m.keys = (struct keyset_deep)KEYSET_DEEP_INIT;
	if (!check(&m, (const char *)data, size, &je, &dup, &duplen)) {
		json_compact(&m.out, (const char *)data, size);
		if (json_validate(m.out.data, m.out.len, NULL, &je) != 0)
			__builtin_trap();
		json_compact(&again, m.out.data, m.out.len);
		if (again.len != m.out.len ||
		    memcmp(again.data, m.out.data, again.len) != 0)
			__builtin_trap();
	}
	free(m.mem);
	buf_release(&m.out);
	keyset_free(&m.top);
	keyset_deep_free(&m.keys);
	buf_release(&again);
	return 0;
}
