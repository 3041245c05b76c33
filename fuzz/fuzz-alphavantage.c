/*
 * fuzz-alphavantage.c - an answer of the alphavantage source through its parser and
 * sam-fetch's writer (Alpha Vantage: CSV, or JSON that says why not).  See fuzzfetch.c.
 */
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fetch_init("fuzz-alphavantage");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fetch("alphavantage", data, size);
	return 0;
}
