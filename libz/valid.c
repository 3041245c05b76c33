/*
 * valid.c - the validators of the record contract (sam(7)).
 */
#include <string.h>

#include "sam.h"

/*
 * ^[A-Z0-9^][A-Z0-9.^=_-]{0,19}$ without "..": a ticker is always a
 * safe file name (no '/', no leading '.', no "..", no NUL).
 */
int
sam_valid_ticker(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > SAM_TICKER_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '^')
			continue;
		if (i == 0)
			return 0;
		if (c == '.' && s[i - 1] == '.')
			return 0;
		if (c != '.' && c != '=' && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* The length of the UTF-8 sequence at s, its lead byte not ASCII, with
 * avail bytes left; 0 if it is not a valid one (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
static size_t
utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		if (c == 0xed)
			hi = 0x9f;	/* surrogates */
		return avail >= 3 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
		return avail >= 4 && s[1] >= lo && s[1] <= hi &&
		    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80 ? 4 : 0;
	}
	return 0;
}

/* Past the ASCII at s + i: 32 bytes at a time (their words or'ed, one
 * test), then 8, then one. */
static size_t
skip_ascii(const unsigned char *s, size_t i, size_t len)
{
	const uint64_t high = UINT64_C(0x8080808080808080);
	uint64_t w[4];

	while (len - i >= 32) {
		memcpy(w, s + i, 32);
		if ((w[0] | w[1] | w[2] | w[3]) & high)
			break;
		i += 32;
	}
	while (len - i >= 8) {
		memcpy(w, s + i, 8);
		if (w[0] & high)
			break;
		i += 8;
	}
	while (i < len && s[i] < 0x80)
		i++;
	return i;
}

/*
 * UTF-8 per RFC 3629.  On failure *bad is the offset of the first bad
 * sequence's first byte.  The letters of a word in another script are
 * read one after the other, without looking for ASCII between them.
 */
int
sam_valid_utf8(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, n;

	while ((i = skip_ascii(s, i, len)) < len) {
		do {
			if (!(n = utf8_sequence(s + i, len - i))) {
				if (bad)
					*bad = i;
				return 0;
			}
			i += n;
		} while (i < len && s[i] >= 0x80);
	}
	return 1;
}

static const struct {
	const char *name;
	int minutes;
} intervals[] = {
	{ "1d", 0 }, { "1h", 60 }, { "30m", 30 }, { "15m", 15 },
	{ "5m", 5 }, { "1m", 1 },
};

int
sam_interval_minutes(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (strlen(intervals[i].name) == len &&
		    memcmp(intervals[i].name, s, len) == 0)
			return intervals[i].minutes;
	return -1;
}

const char *
sam_interval_name(int minutes)
{
	size_t i;

	for (i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (intervals[i].minutes == minutes)
			return intervals[i].name;
	return "?";
}

int
sam_valid_interval(const char *s, size_t len)
{
	return sam_interval_minutes(s, len) >= 0;
}

int
sam_valid_ts(const char *s, size_t len)
{
	int64_t t;

	return sam_parse_ts(s, len, &t, NULL) == 0;
}

int
sam_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
