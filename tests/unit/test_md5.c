/* Unit tests for common/md5: RFC 1321's test suite, and block edges. */
#include <string.h>

#include "md5.h"
#include "test.h"

static int
is(const char *s, const char *want)
{
	char hex[33];

	md5_hex(s, strlen(s), hex);
	return strcmp(hex, want) == 0;
}

int
main(void)
{
	char buf[200], hex[33];

	CHECK(is("", "d41d8cd98f00b204e9800998ecf8427e"));
	CHECK(is("a", "0cc175b9c0f1b6a831c399e269772661"));
	CHECK(is("abc", "900150983cd24fb0d6963f7d28e17f72"));
	CHECK(is("message digest", "f96b697d7cb7938d525a2f31aaf161d0"));
	CHECK(is("abcdefghijklmnopqrstuvwxyz",
		 "c3fcd3d76192e4007dfb496cca67e13b"));
	CHECK(is("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz012345678"
		 "9",
		 "d174ab98d277d9f5a5611c2c9f419d9f"));
	CHECK(is(
		"12345678901234567890123456789012345678901234567890123456789012"
		"345678901234567890",
		"57edf4a22be3c955ac49da2e2107b67a"));
	/* 55, 56 and 64 bytes, the padding's edges (values from Python's
	 * hashlib) */
	memset(buf, 'x', sizeof(buf));
	md5_hex(buf, 55, hex);
	CHECK(strcmp(hex, "04364420e25c512fd958a70738aa8f72") == 0);
	md5_hex(buf, 56, hex);
	CHECK(strcmp(hex, "668a72d5ba17f08e62dabcafad6db14b") == 0);
	md5_hex(buf, 64, hex);
	CHECK(strcmp(hex, "c1bb4f81d892b2d57947682aeb252456") == 0);
	return TEST_REPORT();
}
