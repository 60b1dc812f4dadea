/* test.h: the unit-test harness; the last line printed is "N passed, N failed".
 */
#ifndef TEST_H
#define TEST_H

#include <stdio.h>

static int test_passed, test_failed;

#define CHECK(x)                                                               \
	do {                                                                   \
		if (x) {                                                       \
			test_passed++;                                         \
		} else {                                                       \
			test_failed++;                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #x);                                 \
		}                                                              \
	} while (0)

#define TEST_REPORT()                                                          \
	(printf("%d passed, %d failed\n", test_passed, test_failed),           \
	 test_failed ? 1 : 0)

#endif
