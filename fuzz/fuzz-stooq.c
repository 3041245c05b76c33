/*
 * fuzz-stooq.c - an answer of the stooq source through its parser and
 * sam-fetch's writer (Stooq: CSV, or a message).  See fuzzfetch.c.
 */
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_fetch_init("fuzz-stooq");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_fetch("stooq", data, size);
	return 0;
}
