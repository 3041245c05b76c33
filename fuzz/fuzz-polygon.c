/*
 * fuzz-polygon.c - an answer of the polygon source through its parser and
 * sam-fetch's writer (Polygon's aggregates (v2): JSON, pages by next_url).  See fuzzfetch.c.
 */
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fetch_init("fuzz-polygon");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fetch("polygon", data, size);
	return 0;
}
