/*
 * fuzz.h - what the libFuzzer harnesses of fuzz/ share.
 *
 * Each fuzz-NAME.c defines LLVMFuzzerTestOneInput() (and may define
 * LLVMFuzzerInitialize()); libFuzzer gives main().  A property that
 * fails calls fuzz_fail(), which aborts: libFuzzer saves the input as a
 * crash, exactly as it does for a sanitizer's report.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property does not hold: says which, and aborts. */
#define fuzz_fail(...) do { \
	fprintf(stderr, "%s:%d: property failed: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); \
	fputc('\n', stderr); \
	abort(); \
} while (0)
#define fuzz_assert(cond) do { \
	if (!(cond)) \
		fuzz_fail("%s", #cond); \
} while (0)

/* The input as a malloc'ed string: its bytes, then a NUL that is not
 * counted (the readers may write one at buf[size]).  Exact size, so
 * that ASan sees a read past it. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* fuzzfetch.c: a provider's answer (source "yahoo", "polygon",
 * "alphavantage", "stooq" or "csv") through its parser and sam-fetch's
 * writer, in each of the source's modes. */
void fuzz_fetch(const char *source, const uint8_t *data, size_t size);
void fuzz_fetch_init(const char *prog);

#endif
