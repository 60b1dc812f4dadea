/*
 * Unit tests for common/pghash: values PostgreSQL 15 gave for
 * hashtextextended() (hash_bytes_extended over the text's bytes) at every
 * tail length class and with seeds, and for hash_array_extended().
 */
#include <stdint.h>
#include <string.h>

#include "pghash.h"
#include "test.h"

static int
is(const char *s, int64_t seed, int64_t want)
{
	return (int64_t)pghash_bytes(s, strlen(s), (uint64_t)seed) == want;
}

int
main(void)
{
	static const unsigned char probe[] = {1, 2, 3,	4,  5,	6, 7,
					      8, 9, 10, 11, 12, 13};
	uint64_t h;

	CHECK(is("", 0, -6939563903564495251));
	CHECK(is("a", 0, 3591986179850072241));
	CHECK(is("abcd", 0, -1038429303365892052));
	CHECK(is("abcde", 0, 3076356108696143428));
	CHECK(is("abcdefgh", 0, -8882191227074733005));
	CHECK(is("abcdefghi", 0, -3278210106038014113));
	CHECK(is("abcdefghijkl", 0, -7556637188122330412));
	CHECK(is("abcdefghijklmnopqrstuvwxyz", 0, -6612928417832572997));
	CHECK(is("abc", 42, 4423357919252764502));
	CHECK(is("abc", -1, 1911237551546830967));
	/* hash_array_extended(ARRAY['\x01'::bytea], 0), then with a NULL */
	h = pghash_array_add(PGHASH_ARRAY_INIT, pghash_bytes("\x01", 1, 0));
	CHECK((int64_t)h == 8883389298246135617);
	CHECK((int64_t)pghash_array_add(h, 0) == -1316092860013070113);
	/* the probe pg-verify checks a server with, NULL and '' after it */
	h = pghash_array_add(PGHASH_ARRAY_INIT,
			     pghash_bytes(probe, sizeof(probe), 0));
	h = pghash_array_add(pghash_array_add(h, 0), pghash_bytes("", 0, 0));
	CHECK((int64_t)h == -3214698406945533649);
	return TEST_REPORT();
}
