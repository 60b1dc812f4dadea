/*
 * json-scan: read NDJSON and walk every member of every record with the
 * common/ scanner (what every tool does per record); print MB/s.
 * Usage: json-scan FILE
 */
#include <stdio.h>
#include <time.h>

#include "json.h"
#include "ndjson.h"

int
main(int argc, char **argv)
{
	struct ndjson_reader r;
	struct err e;
	struct json_iter it;
	struct json_value k, v;
	struct json_error je;
	struct timespec a, b;
	const char *line;
	size_t len, bytes = 0, records = 0;
	double s;
	int rc;

	if (argc != 2 || ndjson_reader_open(&r, argv[1], 1 << 30, &e) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &a);
	while (ndjson_reader_next(&r, &line, &len, &e) > 0) {
		bytes += len + 1;
		records++;
		if (json_object_open(&it, line, len, &je) < 0)
			return 1;
		while ((rc = json_object_next(&it, &k, &v, &je)) > 0)
			;
		if (rc < 0)
			return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	s = (double)(b.tv_sec - a.tv_sec) +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("%zu %zu %.3f %.0f\n", records, bytes, s,
	       (double)bytes / s / 1e6);
	ndjson_reader_close(&r);
	return 0;
}
