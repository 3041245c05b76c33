/*
 * fuzz-csv.c - an answer of the csv source through its parser and
 * sam-fetch's writer (csv:https (the body) and csv:PATH (a local file), with and without tickers asked for).  See fuzzfetch.c.
 */
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fetch_init("fuzz-csv");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fetch("csv", data, size);
	return 0;
}
