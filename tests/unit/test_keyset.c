/* Unit tests for common/keyset: a key twice, at the top and at any depth. */
#include <stdint.h>
#include <string.h>

#include "keyset.h"
#include "test.h"

/* The key deep finds twice in the JSON text s, or "" when none. */
static const char *
dup_in(struct keyset_deep *kd, const char *s)
{
	static char k[64];
	const char *d;
	size_t n = 0;

	d = keyset_deep_duplicate(kd, s, strlen(s), &n);
	if (!d)
		return n == SIZE_MAX ? "(oom)" : "";
	memcpy(k, d, n);
	k[n] = '\0';
	return k;
}

int
main(void)
{
	struct keyset_deep kd = KEYSET_DEEP_INIT;
	struct keyset ks = KEYSET_INIT;
	size_t n;
	char deep[7000];
	int i;

	keyset_add(&ks, "a", 1, 0);
	keyset_add(&ks, "\\u0061", 6, 1);
	CHECK(keyset_duplicate(&ks, &n) && n == 1);

	CHECK(strcmp(dup_in(&kd, "{\"a\":1,\"b\":2}"), "") == 0);
	CHECK(strcmp(dup_in(&kd, "{\"a\":1,\"a\":2}"), "a") == 0);
	CHECK(strcmp(dup_in(&kd, "{\"o\":{\"k\":1,\"k\":2}}"), "k") == 0);
	/* the same key in two objects is no duplicate */
	CHECK(strcmp(dup_in(&kd, "{\"a\":{\"x\":1},\"b\":{\"x\":1},"
				 "\"c\":[{\"x\":1,\"y\":{\"x\":1}}]}"),
		     "") == 0);
	/* spelled with an escape; in an array; keys and values apart */
	CHECK(strcmp(dup_in(&kd, "[{\"k\":1,\"\\u006b\":2}]"), "k") == 0);
	CHECK(strcmp(dup_in(&kd, "{\"k\":\"k\",\"v\":[\"k\",\"k\"]}"), "") ==
	      0);
	/* quotes and backslashes inside strings */
	CHECK(strcmp(dup_in(&kd, "{\"a\\\\\":\"}\\\",\\\"a\",\"a\\\\\":1}"),
		     "a\\") == 0);
	CHECK(strcmp(dup_in(&kd, "{\"a\":\"{\\\"a\\\":1,\\\"a\\\":2}\"}"),
		     "") == 0);
	/* white space between tokens */
	CHECK(strcmp(dup_in(&kd, " { \"a\" : [ { } , { \"b\" : 1 , \"b\" "
				 ": 2 } ] } "),
		     "b") == 0);
	/* 1,000 levels deep, the duplicate at the bottom */
	for (i = 0, n = 0; i < 1000; i++)
		n += (size_t)sprintf(deep + n, "{\"k\":");
	n += (size_t)sprintf(deep + n, "{\"z\":1,\"z\":2}");
	for (i = 0; i < 1000; i++)
		deep[n++] = '}';
	deep[n] = '\0';
	CHECK(strcmp(dup_in(&kd, deep), "z") == 0);
	CHECK(strcmp(dup_in(&kd, "{}"), "") == 0);
	keyset_deep_free(&kd);
	keyset_free(&ks);
	return TEST_REPORT();
}
