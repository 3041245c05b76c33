/*
 * swar.h - eight bytes at a time, for libz's scanners (json.c, num.c).
 * Private to libz: not part of sam.h.
 */
#ifndef SAM_SWAR_H
#define SAM_SWAR_H

#include <stdint.h>

/* The 8 bytes at s, the first in the low byte on any machine.
 * Compilers make this one load where the machine is little-endian; a
 * memcpy into a local would have -fstack-protector-strong guard every
 * function it is inlined in. */
static inline uint64_t
swar_load8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

#endif
