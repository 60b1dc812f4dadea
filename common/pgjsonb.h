/*
 * pgjsonb: a JSON text as PostgreSQL's jsonb_out writes the jsonb its input
 * makes of it: object keys sorted (shorter first, then by bytes), a key
 * given twice keeping its last value, ", " and ": " between members and
 * elements, numbers as numeric_out writes them (1e2 is 100, 1.50 stays
 * 1.50, -0.0 is 0.0), strings with the escapes decoded and only '"', '\\'
 * and control characters escaped again.  pg-verify hashes a jsonb value
 * in this form, the table's side being jsonb_send's.
 *
 *	struct pgjsonb st = PGJSONB_INIT;
 *	struct buf out = BUF_INIT;
 *	pgjsonb_text(&st, &out, "{\"b\":1e2,\"a\":[1.0]}", 19);
 *	-> {"a": [1.0], "b": 100}
 *	pgjsonb_release(&st);
 */
#ifndef PGJSONB_H
#define PGJSONB_H

#include <stddef.h>

#include "buf.h"

/* Scratch space, kept from one call to the next. */
struct pgjsonb {
	struct buf keys, digits, str, members;
};
#define PGJSONB_INIT                                                           \
	{                                                                      \
		BUF_INIT, BUF_INIT, BUF_INIT, BUF_INIT                         \
	}

/*
 * Append the form of the JSON text p[0..n) to out and return 0; or return
 * -1 (out as it was) for a text that is not JSON, one the server would
 * refuse as jsonb (a \u0000, a number beyond numeric's range) or one
 * nested too deep.
 */
int pgjsonb_text(struct pgjsonb *st, struct buf *out, const char *p, size_t n);
void pgjsonb_release(struct pgjsonb *st);

/*
 * The JSON text p[0..n) with every float written so that jsonb keeps it a
 * float: the way jsonb_out would write it, and ".0" after one it would
 * write as an integer (6.02e+23 becomes 602000000000000000000000.0, which
 * a JSON reader takes back as the same float, not an int).  Returns 0, or
 * -1 (out as it was) for text that is not JSON or holds -0.0, whose sign
 * jsonb drops.
 */
int pgjsonb_keep_types(struct pgjsonb *st, struct buf *out, const char *p,
		       size_t n);

#endif
