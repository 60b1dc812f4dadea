/*
 * fuzz_redisurl: redis-dump-ndjson's URL parser on arbitrary text: it
 * accepts or refuses without a crash, and what it accepts is in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../cmd/redis-dump-ndjson/rdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1), why[200];
	struct rd_url u;

	if (!url)
		return 0;
	memcpy(url, data, size);
	url[size] = 0;
	if (rd_parse_url(&u, url, why, sizeof(why)) == 0) {
		if (!u.host || !*u.host || u.port < 1 || u.port > 65535 ||
		    u.db < -1)
			__builtin_trap();
		/* the password is never part of a message */
		rd_url_free(&u);
	} else if (u.host || u.password || !why[0]) {
		__builtin_trap();
	}
	free(url);
	return 0;
}
