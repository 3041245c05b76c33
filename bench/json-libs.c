/*
 * json-libs.c - cJSON, jansson and libz's in-place scanner on the same
 * bar records: records per second to parse (and read close and volume),
 * and to parse, add a number field and write the record again; then
 * whether each keeps the members it does not touch byte for byte.
 *
 * usage: json-libs [-r reps] bars.ndjson
 *
 * The file is read into memory and split into lines before anything is
 * timed, so I/O is excluded.  Each test runs over every line, reps
 * times; the best pass (in CPU time) is reported.  Built and run by bench/json-libs.sh.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <jansson.h>

#include "sam.h"

#define STR2(x) #x
#define STR(x) STR2(x)
#ifndef CJSON_VERSION_STR
#define CJSON_VERSION_STR STR(CJSON_VERSION_MAJOR) "." STR(CJSON_VERSION_MINOR) "." STR(CJSON_VERSION_PATCH)
#endif

struct line {
	const char *p;
	size_t len;
};

static struct line *lines;
static size_t nlines;
static volatile double sink;	/* keeps the work from being optimised away */
static volatile size_t bytes_out;

static double
now(void)
{
	struct timespec ts;

	/* CPU time, not wall: on a shared machine a pass that waits for the
	 * CPU is not slower code.  On an idle machine they agree. */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "json-libs: %s\n", what);
	exit(1);
}

static void
load(const char *path)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long size;
	size_t cap = 0, i, start = 0;

	if (!fp || fseek(fp, 0, SEEK_END) < 0 || (size = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) < 0) {
		fprintf(stderr, "json-libs: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (!(buf = malloc((size_t)size + 1)) ||
	    fread(buf, 1, (size_t)size, fp) != (size_t)size)
		die("cannot read the input");
	fclose(fp);
	buf[size] = '\0';
	for (i = 0; i < (size_t)size; i++) {
		if (buf[i] != '\n')
			continue;
		if (nlines == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if (!(lines = realloc(lines, cap * sizeof *lines)))
				die("out of memory");
		}
		buf[i] = '\0';	/* cJSON and jansson get the length too */
		lines[nlines].p = buf + start;
		lines[nlines].len = i - start;
		nlines++;
		start = i + 1;
	}
	if (nlines == 0)
		die("no lines in the input");
}

/* ---- cJSON ---- */

static int
cjson_parse(const struct line *l)
{
	cJSON *o = cJSON_ParseWithLength(l->p, l->len);
	cJSON *c, *v;

	if (!o)
		return -1;
	c = cJSON_GetObjectItemCaseSensitive(o, "close");
	v = cJSON_GetObjectItemCaseSensitive(o, "volume");
	if (!cJSON_IsNumber(c) || !cJSON_IsNumber(v)) {
		cJSON_Delete(o);
		return -1;
	}
	sink += c->valuedouble + v->valuedouble;
	cJSON_Delete(o);
	return 0;
}

/* Parse, add z = close / 3, print; *out (malloc'd) receives the text. */
static int
cjson_write(const struct line *l, char **out)
{
	cJSON *o = cJSON_ParseWithLength(l->p, l->len);
	cJSON *c, *v;
	char *s;

	if (!o)
		return -1;
	c = cJSON_GetObjectItemCaseSensitive(o, "close");
	v = cJSON_GetObjectItemCaseSensitive(o, "volume");
	if (!cJSON_IsNumber(c) || !cJSON_IsNumber(v) ||
	    !cJSON_AddNumberToObject(o, "z", c->valuedouble / 3)) {
		cJSON_Delete(o);
		return -1;
	}
	sink += v->valuedouble;
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return -1;
	bytes_out += strlen(s);
	if (out)
		*out = s;
	else
		cJSON_free(s);
	return 0;
}

/* ---- jansson ---- */

static size_t jansson_flags = 0;	/* json_loadb flags */

static int
jansson_parse(const struct line *l)
{
	json_error_t err;
	json_t *o = json_loadb(l->p, l->len, jansson_flags, &err);
	json_t *c, *v;

	if (!o)
		return -1;
	c = json_object_get(o, "close");
	v = json_object_get(o, "volume");
	if (!json_is_number(c) || !json_is_number(v)) {
		json_decref(o);
		return -1;
	}
	sink += json_number_value(c) + json_number_value(v);
	json_decref(o);
	return 0;
}

static int
jansson_write(const struct line *l, char **out)
{
	json_error_t err;
	json_t *o = json_loadb(l->p, l->len, jansson_flags, &err);
	json_t *c, *v;
	char *s;

	if (!o)
		return -1;
	c = json_object_get(o, "close");
	v = json_object_get(o, "volume");
	if (!json_is_number(c) || !json_is_number(v) ||
	    json_object_set_new(o, "z", json_real(json_number_value(c) / 3)) < 0) {
		json_decref(o);
		return -1;
	}
	sink += json_number_value(v);
	/* JSON_PRESERVE_ORDER is a no-op since 2.8: order is always kept. */
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!s)
		return -1;
	bytes_out += strlen(s);
	if (out)
		*out = s;
	else
		free(s);
	return 0;
}

/* ---- libz ---- */

static struct sam_rec rec;
static struct sam_edits edits;
static struct sam_buf wbuf;

/* Scans a record and reads its close and volume. */
static int
libz_read(const struct line *l, double *c, double *v)
{
	static const char *const keys[] = { "close", "volume" };
	const struct sam_field *f[2];
	const char *err;
	size_t at;

	if (sam_rec_parse(&rec, l->p, l->len, &err, &at) < 0 ||
	    sam_rec_find(&rec, keys, 2, f) >= 0 || !f[0] || !f[1] ||
	    sam_field_number(f[0], c) < 0 || sam_field_number(f[1], v) < 0)
		return -1;
	return 0;
}

static int
libz_parse(const struct line *l)
{
	double c, v;

	if (libz_read(l, &c, &v) < 0)
		return -1;
	sink += c + v;
	return 0;
}

static int
libz_write(const struct line *l, char **out)
{
	double c, v;

	if (libz_read(l, &c, &v) < 0)
		return -1;
	sam_edits_reset(&edits);
	sink += v;
	sam_edits_num(&edits, "z", c / 3);
	wbuf.len = 0;
	sam_rec_write(&rec, &edits, &wbuf);
	if (wbuf.err)
		return -1;
	bytes_out += wbuf.len - 1;	/* without the newline */
	if (out) {
		if (!(*out = malloc(wbuf.len)))
			return -1;
		memcpy(*out, wbuf.p, wbuf.len - 1);
		(*out)[wbuf.len - 1] = '\0';
	}
	return 0;
}

/* ---- the timing loop ---- */

struct lib {
	const char *name;
	int (*parse)(const struct line *);
	int (*write)(const struct line *, char **);
	void (*release)(char *);
};

static void
release_cjson(char *s)
{
	cJSON_free(s);
}

static void
release_free(char *s)
{
	free(s);
}

static const struct lib libs[] = {
	{ "cJSON " CJSON_VERSION_STR, cjson_parse, cjson_write, release_cjson },
	{ "jansson " JANSSON_VERSION, jansson_parse, jansson_write, release_free },
	{ "libz (sam)", libz_parse, libz_write, release_free },
};
#define NLIBS (sizeof libs / sizeof libs[0])

static double
best_of(int reps, const struct lib *lib, int write)
{
	double best = 1e300;
	int r;
	size_t i;

	for (r = 0; r < reps; r++) {
		double t0 = now(), t;
		for (i = 0; i < nlines; i++) {
			int rc = write ? lib->write(&lines[i], NULL) :
			    lib->parse(&lines[i]);
			if (rc < 0) {
				fprintf(stderr, "json-libs: %s: line %zu rejected\n",
				    lib->name, i + 1);
				exit(1);
			}
		}
		t = now() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

/* ---- strictness: what each accepts that RFC 8259 does not ---- */

static void
strictness(void)
{
	static const struct {
		const char *what, *json;
	} bad[] = {
		{ "invalid UTF-8 byte", "{\"close\":1,\"volume\":1,\"s\":\"\xff\"}" },
		{ "lone surrogate \\ud800", "{\"close\":1,\"volume\":1,\"s\":\"\\ud800\"}" },
		{ "raw tab in a string", "{\"close\":1,\"volume\":1,\"s\":\"a\tb\"}" },
		{ "leading zero 01", "{\"close\":01,\"volume\":1}" },
		{ "trailing comma", "{\"close\":1,\"volume\":1,}" },
		{ "text after the object", "{\"close\":1,\"volume\":1} x" },
		{ "NUL byte in a string", "{\"close\":1,\"volume\":1,\"s\":\"a\0b\"}" },
	};
	size_t i, k;

	printf("\ninvalid JSON (should be rejected): parse+read result\n\n%-26s",
	    "input");
	for (k = 0; k < NLIBS; k++)
		printf(" %-26s", libs[k].name);
	printf("\n");
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct line l = { bad[i].json, strlen(bad[i].json) };
		if (strstr(bad[i].what, "NUL"))	/* strlen stops at the NUL */
			l.len = strlen(bad[i].json) + 1 + strlen(bad[i].json +
			    strlen(bad[i].json) + 1);
		printf("%-26s", bad[i].what);
		for (k = 0; k < NLIBS; k++)
			printf(" %-26s", libs[k].parse(&l) < 0 ? "rejected" :
			    "ACCEPTED");
		printf("\n");
	}
}

/* ---- fidelity: do untouched members come out unchanged? ---- */

static const char *const probes[] = {
	"1.50", "1e2", "1E+2", "-0.0", "0.1", "100", "2.50e-3",
	"12345678901234567890", "1.7976931348623157e308", "5e-324",
	"\"\\u00e9\"", "\"\\/\"", "\"\xc3\xa9\"",
	"{\"b\":1,\"a\":2.0}", "[1.0,2]",
};
#define NPROBES (sizeof probes / sizeof probes[0])

/* The value of member "v" and the key order of a written record, by
 * libz's scanner (which keeps spans). */
static int
member_v(const char *text, char *val, size_t valsize, char *order,
    size_t ordersize)
{
	struct sam_rec r = { 0 };
	const struct sam_field *f;
	const char *err;
	size_t at, i, o = 0;

	if (sam_rec_parse(&r, text, strlen(text), &err, &at) < 0 ||
	    !(f = sam_rec_get(&r, "v")) || f->vlen >= valsize) {
		sam_rec_free(&r);
		return -1;
	}
	memcpy(val, f->val, f->vlen);
	val[f->vlen] = '\0';
	order[0] = '\0';
	for (i = 0; i < r.n && o + r.f[i].klen + 2 < ordersize; i++) {
		if (i)
			order[o++] = ',';
		memcpy(order + o, r.f[i].key, r.f[i].klen);
		o += r.f[i].klen;
		order[o] = '\0';
	}
	sam_rec_free(&r);
	return 0;
}

static void
fidelity(void)
{
	char in[256], val[256], order[256];
	int kept[NLIBS] = { 0 }, orderok[NLIBS] = { 0 }, parsed[NLIBS] = { 0 };
	size_t p, k;

	printf("\nbyte-for-byte check: {\"ticker\":\"X\",\"v\":V,\"close\":1.5,\"volume\":100}"
	    " -> parse, add \"z\", write;\nthe value of \"v\" as written"
	    " (= unchanged;\n(!) reads back as a different double or not at all):\n\n");
	printf("%-26s", "input V");
	for (k = 0; k < NLIBS; k++)
		printf(" %-26s", libs[k].name);
	printf("\n");
	for (p = 0; p < NPROBES; p++) {
		snprintf(in, sizeof in,
		    "{\"ticker\":\"X\",\"v\":%s,\"close\":1.5,\"volume\":100}",
		    probes[p]);
		printf("%-26s", probes[p]);
		for (k = 0; k < NLIBS; k++) {
			struct line l = { in, strlen(in) };
			char *out = NULL;
			if (libs[k].write(&l, &out) < 0) {
				printf(" %-26s", "(rejected)");
				continue;
			}
			parsed[k]++;
			if (member_v(out, val, sizeof val, order, sizeof order) < 0) {
				printf(" %-26s", "(unreadable output)");
			} else if (strcmp(val, probes[p]) == 0) {
				printf(" %-26s", "=");
				kept[k]++;
			} else if ((val[0] == '-' || (val[0] >= '0' && val[0] <= '9')) &&
			    strtod(val, NULL) != strtod(probes[p], NULL)) {
				/* e.g. a value past DBL_MAX: strtod gives HUGE_VAL */
				char mark[300];
				snprintf(mark, sizeof mark, "%s (!)", val);
				printf(" %-26s", mark);
			} else {
				printf(" %-26s", val);
			}
			if (strcmp(order, "ticker,v,close,volume,z") == 0)
				orderok[k]++;
			libs[k].release(out);
		}
		printf("\n");
	}
	printf("\n");
	for (k = 0; k < NLIBS; k++)
		printf("%-12s unchanged %2d of %zu%s; key order kept (new key last)"
		    " in %d of the %d it accepted\n", libs[k].name, kept[k],
		    NPROBES, kept[k] == (int)NPROBES ? " (byte for byte)" : "",
		    orderok[k], parsed[k]);
	{
		/* jansson's way to accept integers beyond 64 bits */
		char *out = NULL;
		struct line l;
		snprintf(in, sizeof in, "{\"ticker\":\"X\",\"v\":%s,\"close\":1.5,"
		    "\"volume\":100}", "12345678901234567890");
		l.p = in;
		l.len = strlen(in);
		jansson_flags = JSON_DECODE_INT_AS_REAL;
		if (jansson_write(&l, &out) == 0 &&
		    member_v(out, val, sizeof val, order, sizeof order) == 0)
			printf("(jansson with JSON_DECODE_INT_AS_REAL reads "
			    "12345678901234567890 and writes %s)\n", val);
		free(out);
		jansson_flags = 0;
	}
	{
		/* How each writes a number it computes: z = close / 3. */
		static const char *const closes[] = { "0.3", "1", "687", "3e21" };
		printf("\nnumbers a tool computes and adds (z = close / 3), as written:\n");
		for (p = 0; p < sizeof closes / sizeof closes[0]; p++) {
			snprintf(in, sizeof in, "{\"v\":0,\"close\":%s,\"volume\":1}",
			    closes[p]);
			printf("  close %-5s z %%.17g %-22.17g", closes[p],
			    strtod(closes[p], NULL) / 3);
			for (k = 0; k < NLIBS; k++) {
				struct line l = { in, strlen(in) };
				char *out = NULL, *z;
				if (libs[k].write(&l, &out) < 0) {
					printf(" %s: (rejected)", libs[k].name);
					continue;
				}
				if ((z = strstr(out, "\"z\":")))
					z[strcspn(z, ",}")] = '\0';
				printf(" | %s %s%s", libs[k].name, z ? z + 4 : "?",
				    z && strtod(z + 4, NULL) != strtod(closes[p], NULL) / 3 ?
				    " (NOT the same double)" : "");
				libs[k].release(out);
			}
			printf("\n");
		}
	}
}

int
main(int argc, char **argv)
{
	int reps = 5, c;
	size_t k;
	double t;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c == 'r' && (reps = atoi(optarg)) > 0)
			continue;
		fputs("usage: json-libs [-r reps] bars.ndjson\n", stderr);
		return 2;
	}
	if (optind != argc - 1) {
		fputs("usage: json-libs [-r reps] bars.ndjson\n", stderr);
		return 2;
	}
	load(argv[optind]);
	{
		size_t total = 0;
		for (k = 0; k < nlines; k++)
			total += lines[k].len + 1;
		printf("%zu records, %.1f MB in memory, %zu bytes a record on average;"
		    " best of %d passes, in CPU time\n\n", nlines, (double)total / 1e6,
		    total / nlines, reps);
	}
	printf("%-18s %18s %9s %18s %9s %10s\n", "library", "parse+read rec/s",
	    "MB/s", "parse+write rec/s", "MB/s", "out bytes");
	for (k = 0; k < NLIBS; k++) {
		size_t total = 0, i;
		double tp, tw;
		for (i = 0; i < nlines; i++)
			total += lines[i].len + 1;
		tp = best_of(reps, &libs[k], 0);
		bytes_out = 0;
		tw = best_of(1, &libs[k], 1);	/* count the bytes once */
		{
			size_t once = bytes_out;
			t = best_of(reps, &libs[k], 1);
			if (t < tw)
				tw = t;
			bytes_out = once;
		}
		printf("%-18s %18.0f %9.1f %18.0f %9.1f %10zu\n", libs[k].name,
		    (double)nlines / tp, (double)total / tp / 1e6,
		    (double)nlines / tw, (double)total / tw / 1e6,
		    (size_t)bytes_out);
	}
	strictness();
	fidelity();
	sam_rec_free(&rec);
	sam_edits_free(&edits);
	sam_buf_free(&wbuf);
	return 0;
}
