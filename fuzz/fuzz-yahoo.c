/*
 * fuzz-yahoo.c - an answer of the yahoo source through its parser and
 * sam-fetch's writer (Yahoo's chart API (v8): JSON).  See fuzzfetch.c.
 */
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fetch_init("fuzz-yahoo");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fetch("yahoo", data, size);
	return 0;
}
