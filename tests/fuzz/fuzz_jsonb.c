/*
 * fuzz_jsonb: pg-verify's jsonb form (common/pgjsonb) on arbitrary bytes.
 * It refuses what is not JSON; what it writes is JSON, and writing it
 * again changes nothing (the form of a form is itself), as jsonb_out's
 * output read back as jsonb gives the same text; the same for
 * pgjsonb_keep_types.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"
#include "pgjsonb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgjsonb st = PGJSONB_INIT;
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct json_error e;
	const char *p = (const char *)data;
	int valid = json_validate(p, size, NULL, &e) == 0;

	buf_addch(&a, '#'); /* a refusal leaves what was there */
	if (pgjsonb_text(&st, &a, p, size) == 0) {
		if (!valid || json_validate(a.data + 1, a.len - 1, NULL, &e))
			abort();
		if (pgjsonb_text(&st, &b, a.data + 1, a.len - 1) != 0 ||
		    b.len != a.len - 1 || memcmp(b.data, a.data + 1, b.len))
			abort();
	} else if (a.len != 1) {
		abort();
	}
	/* floats kept floats: still JSON, and the same when done again */
	buf_reset(&a);
	buf_reset(&b);
	if (pgjsonb_keep_types(&st, &a, p, size) == 0) {
		if (!valid || json_validate(a.data, a.len, NULL, &e) ||
		    pgjsonb_keep_types(&st, &b, a.data, a.len) != 0 ||
		    b.len != a.len || memcmp(a.data, b.data, a.len))
			abort();
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}
