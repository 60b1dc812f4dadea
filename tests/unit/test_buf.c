/* Unit tests for common/buf. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "test.h"

int
main(void)
{
	struct buf b = BUF_INIT;
	char *p;
	size_t n;
	int i;

	CHECK(b.data != NULL && b.len == 0 && b.data[0] == '\0');
	buf_add(&b, "a\0b", 3);
	CHECK(b.len == 3 && memcmp(b.data, "a\0b", 4) == 0);
	buf_reset(&b);
	CHECK(b.len == 0 && b.data[0] == '\0');
	for (i = 0; i < 100000; i++)
		buf_addch(&b, 'x');
	CHECK(b.len == 100000 && b.data[100000] == '\0');
	buf_reset(&b);
	buf_addi64(&b, INT64_MIN);
	CHECK(strcmp(b.data, "-9223372036854775808") == 0);
	buf_reset(&b);
	buf_addu64(&b, UINT64_MAX);
	CHECK(strcmp(b.data, "18446744073709551615") == 0);
	buf_reset(&b);
	buf_addi64(&b, 0);
	CHECK(strcmp(b.data, "0") == 0);
	buf_reset(&b);
	buf_addf(&b, "%s=%d", "k", 42);
	buf_addf(&b, "%0200d", 7);
	CHECK(b.len == 204 && memcmp(b.data, "k=42000", 7) == 0);
	p = buf_detach(&b, &n);
	CHECK(n == 204 && p[204] == '\0');
	CHECK(b.data == buf_empty_slot && b.len == 0);
	free(p);
	buf_release(&b);
	buf_release(&b);
	CHECK(b.data[0] == '\0');
	return TEST_REPORT();
}
