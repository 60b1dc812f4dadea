/*
 * fuzz_bson: mongo-dump-ndjson's emitter on arbitrary bytes as one BSON
 * document, in each mode: it writes valid JSON or reports the document
 * corrupt, and never crashes.
 */
#include <stdint.h>
#include <string.h>

#include "../../cmd/mongo-dump-ndjson/mdump.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char tag[] = "\"$table\":\"t\"";
	struct buf out = BUF_INIT;
	struct bson_problem pb;
	struct json_error je;
	char why[100];
	struct bson_fields *fields =
		bson_fields_parse("_id,a.b,s,arr.x", why, sizeof(why));
	int m, r;

	for (m = MODE_RELAXED; m <= MODE_PG; m++) {
		buf_reset(&out);
		r = bson_to_json(&out, data, size, (enum mode)m,
				 m == MODE_PG ? tag : NULL,
				 m == MODE_PG ? strlen(tag) : 0,
				 m == MODE_CANONICAL ? fields : NULL, &pb);
		if (r < 0 && out.len != 0)
			__builtin_trap(); /* nothing of a corrupt document */
		if (r >= 0 && json_validate(out.data, out.len, NULL, &je) != 0)
			__builtin_trap();
		if (r >= 0 && pb.offset > size)
			__builtin_trap();
	}
	buf_release(&out);
	bson_fields_free(fields);
	return 0;
}
