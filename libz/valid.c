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

/*
 * UTF-8 per RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF.  On failure *bad is the offset of the first bad byte.
 */
int
sam_valid_utf8(const char *str, size_t len, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned char lo = 0x80, hi = 0xbf;

		/* ASCII eight bytes at a time */
		while (i + 8 <= len) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i == len)
			break;
		c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			if (c == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			if (c == 0xf4)
				hi = 0x8f;	/* above U+10FFFF */
		} else {
			goto fail;
		}
		if (len - i <= n)
			goto fail;
		for (k = 1; k <= n; k++) {
			unsigned char lim_lo = k == 1 ? lo : 0x80;
			unsigned char lim_hi = k == 1 ? hi : 0xbf;
			if (s[i + k] < lim_lo || s[i + k] > lim_hi)
				goto fail;
		}
		i += n + 1;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
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

int
sam_valid_interval(const char *s, size_t len)
{
	return sam_interval_minutes(s, len) >= 0;
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
