/*
 * replay: run a fuzz target's entry point over files, for CI without
 * libFuzzer.  Usage: fuzz_x-replay FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char *p = NULL;
		size_t len = 0, cap = 0, got;

		if (!f) {
			perror(argv[i]);
			return 3;
		}
		do {
			if (cap - len < 65536 &&
			    !(p = realloc(p, cap = cap * 2 + 65536)))
				return 3;
			got = fread(p + len, 1, cap - len, f);
			len += got;
		} while (got > 0);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)p, len);
		free(p);
		n++;
	}
	printf("%d passed, 0 failed\n", n);
	return 0;
}
