/*
 * jscan.h - what json.c's scanner lends its fast path (jfast.c).
 * libz's own: the tools read records through sam.h.
 */
#ifndef JSCAN_H
#define JSCAN_H

#include "sam.h"

#if defined(__SSE2__) && defined(__GNUC__)
#define JSON_FAST_MIN 64	/* a block: shorter lines take the scanner */
/* The members of a compact line of at least JSON_FAST_MIN bytes, as
 * the scanner would read them; -1: the line is for the scanner. */
int sam_json_fast_parse(struct sam_rec *, const char *s, size_t len);
#endif

static inline int
sam_json_is_digit(char c)
{
	return (unsigned char)(c - '0') < 10;
}

/* Past the number at p (its '-' or first digit), or NULL if it is not
 * one. */
const char *sam_json_number_end(const char *p, const char *end);
/* Past the array or object at p (at its bracket), or NULL if it is not
 * one. */
const char *sam_json_container_end(const char *p, const char *end);

int sam_json_rec_grow(struct sam_rec *);

/* A new field at the end of r's, or NULL when out of memory. */
static inline struct sam_field *
sam_json_rec_push(struct sam_rec *r)
{
	if (r->n == r->cap && sam_json_rec_grow(r) < 0)
		return NULL;
	return &r->f[r->n++];
}

#endif
