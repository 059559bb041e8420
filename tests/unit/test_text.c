/* test_text.c: the csv/tsv/txt codecs and raw bytes: values formatted with the fewest
 * digits (as NumPy's repr), parsing for every dtype with exact messages, loadtxt's
 * squeeze, long lines, streaming writes in odd pieces, and raw size checks and walks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "raw.h"
#include "text.h"
#include "tnsr.h"

static char dir[] = "/tmp/tnsr-test-text.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void put_file(const char *name, const char *data, size_t n)
{
	FILE *f = fopen(path(name), "wb");
	fwrite(data, 1, n, f);
	fclose(f);
}

/* Reads NAME's whole contents into a static buffer. */
static const char *get_file(const char *name)
{
	static char buf[1 << 16];
	FILE *f = fopen(path(name), "rb");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	return buf;
}

/* Parses TEXT as FORMAT/DTYPE; the status, and the tensor in *OUT on success. */
static tnsr_status parse(const char *text, const char *format, tnsr_dtype dtype, tnsr_tensor **out)
{
	tnsr_source *src;
	put_file("in.txt", text, strlen(text));
	tnsr_status st = tnsr_source_open(path("in.txt"), &src);
	if (!st) {
		st = tnsr_text_read(src, format, dtype, out);
		tnsr_source_close(src);
	}
	return st;
}

static const char *fmt(tnsr_dtype dtype, const void *p)
{
	static char buf[128];
	tnsr_text_format_value(buf, dtype, p);
	return buf;
}

static void test_format_values(void)
{
	static const struct { double x; const char *want; } f64[] = {
		{0.1, "0.1"}, {100, "100.0"}, {1e-5, "1e-05"}, {1e-4, "0.0001"}, {1e16, "1e+16"},
		{1e15, "1000000000000000.0"}, {-2.5, "-2.5"}, {1.0 / 3, "0.3333333333333333"}, {5e-324, "5e-324"},
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {-0.0, "-0.0"}, {0.0, "0.0"},
		{1.5e300, "1.5e+300"}, {123456789.125, "123456789.125"}, {9007199254740993.0, "9007199254740992.0"},
		/* Powers of two, whose shorter neighbour lies above them (after a long value). */
		{1.7976931348623157e308, "1.7976931348623157e+308"}, {0x1p-24, "5.960464477539063e-08"},
		{1.0 / 3, "0.3333333333333333"}, {0x1p60, "1.152921504606847e+18"},
	};
	for (size_t i = 0; i < sizeof f64 / sizeof *f64; i++)
		CHECK_STR(fmt(TNSR_F64, &f64[i].x), f64[i].want, "f64 as Python's repr");
	double nan = NAN, inf = -INFINITY;
	CHECK_STR(fmt(TNSR_F64, &nan), "nan", "nan");
	CHECK_STR(fmt(TNSR_F64, &inf), "-inf", "-inf");
	float f = 0.1f, g = 16777216.0f, h = 1e-4f, big = 3.4028235e38f;
	CHECK_STR(fmt(TNSR_F32, &f), "0.1", "f32 0.1 has its own shortest digits");
	CHECK_STR(fmt(TNSR_F32, &g), "16777216.0", "f32 2^24");
	CHECK_STR(fmt(TNSR_F32, &h), "1e-04", "f32 1e-4 lies below 1e-4: scientific, as NumPy");
	CHECK_STR(fmt(TNSR_F32, &big), "3.4028235e+38", "f32 max");
	uint16_t half = tnsr_f16_from_f64(65504), third = tnsr_bf16_from_f64(1.0 / 3);
	CHECK_STR(fmt(TNSR_F16, &half), "65500.0", "f16 max: 65500 reads back as 65504, as NumPy prints it");
	CHECK_STR(fmt(TNSR_BF16, &third), "0.334", "bf16 1/3 in 3 digits");
	int8_t i8 = -128;
	uint64_t u64 = UINT64_MAX;
	int64_t i64 = INT64_MIN;
	unsigned char yes = 1;
	CHECK_STR(fmt(TNSR_I8, &i8), "-128", "i8");
	CHECK_STR(fmt(TNSR_U64, &u64), "18446744073709551615", "u64 max");
	CHECK_STR(fmt(TNSR_I64, &i64), "-9223372036854775808", "i64 min");
	CHECK_STR(fmt(TNSR_BOOL, &yes), "1", "bool as 1, which np.loadtxt(dtype=bool) reads");
	float c[2] = {1, -2.5f};
	double z[2] = {NAN, INFINITY};
	CHECK_STR(fmt(TNSR_C64, c), "(1.0-2.5j)", "c64");
	CHECK_STR(fmt(TNSR_C128, z), "(nan+infj)", "c128 with nan and inf");

	/* Every f16 value reads back exactly, and every bf16 one. */
	int bad = 0;
	for (uint32_t b = 0; b < 65536; b++) {
		uint16_t v = (uint16_t)b;
		char buf[128];
		tnsr_text_format_value(buf, TNSR_F16, &v);
		double x = tnsr_f16_to_f32(v);
		bad += !isnan(x) && tnsr_f16_from_f64(strtod(buf, NULL)) != v;
		tnsr_text_format_value(buf, TNSR_BF16, &v);
		x = tnsr_bf16_to_f32(v);
		bad += !isnan(x) && tnsr_bf16_from_f64(strtod(buf, NULL)) != v;
	}
	CHECK_EQ(bad, 0, "every f16 and bf16 value reads back as itself");
}

static void test_parse(void)
{
	tnsr_tensor *t = NULL;
	CHECK(parse("# c\n1,2,3\n\n4,5,6 # x\r\n", "csv", TNSR_F64, &t) == TNSR_OK, "csv with comments and CRLF");
	CHECK(t && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3, "2 x 3");
	CHECK(t && ((double *)tnsr_tensor_data(t))[5] == 6, "values in order");
	tnsr_tensor_free(t);
	static const struct { const char *text; int ndim; int64_t n; } squeeze[] = {
		{"7\n", 0, 1}, {"1 2 3\n", 1, 3}, {"1\n2\n3\n4\n", 1, 4}, {"", 1, 0}, {"# none\n\n", 1, 0},
		{"1\r2\r3", 1, 3},
	};
	for (size_t i = 0; i < sizeof squeeze / sizeof *squeeze; i++) {
		t = NULL;
		CHECK(parse(squeeze[i].text, "txt", TNSR_F64, &t) == TNSR_OK, "parses");
		CHECK(t && t->ndim == squeeze[i].ndim && tnsr_tensor_numel(t) == squeeze[i].n, "squeezed as np.loadtxt");
		tnsr_tensor_free(t);
	}
	CHECK(parse("-9223372036854775808,9223372036854775807\n", "csv", TNSR_I64, &t) == TNSR_OK, "i64 extremes");
	CHECK(((int64_t *)tnsr_tensor_data(t))[0] == INT64_MIN && ((int64_t *)tnsr_tensor_data(t))[1] == INT64_MAX,
	      "exactly, not through a double");
	tnsr_tensor_free(t);
	CHECK(parse("18446744073709551615\n3.000000000000000000e+00\n", "csv", TNSR_U64, &t) == TNSR_OK,
	      "u64 max, and an integral float as np.savetxt writes ints");
	CHECK(((uint64_t *)tnsr_tensor_data(t))[0] == UINT64_MAX && ((uint64_t *)tnsr_tensor_data(t))[1] == 3, "values");
	tnsr_tensor_free(t);
	CHECK(parse("2\t0\t-1\n", "tsv", TNSR_BOOL, &t) == TNSR_OK, "bool from integers");
	CHECK(memcmp(tnsr_tensor_data(t), "\1\0\1", 3) == 0, "nonzero is true");
	tnsr_tensor_free(t);
	CHECK(parse("0.1\n", "csv", TNSR_F32, &t) == TNSR_OK && ((float *)tnsr_tensor_data(t))[0] == 0.1f,
	      "f32 correctly rounded from the text, not through a double");
	tnsr_tensor_free(t);
	CHECK(parse("inf,-Infinity,nan,-0\n", "csv", TNSR_F64, &t) == TNSR_OK, "special values");
	double *d = tnsr_tensor_data(t);
	CHECK(isinf(d[0]) && d[1] < 0 && isinf(d[1]) && isnan(d[2]) && signbit(d[3]), "inf, -inf, nan, -0");
	tnsr_tensor_free(t);

	static const struct { const char *text, *format; tnsr_dtype dtype; const char *message; } bad[] = {
		{"1,2,3\n4,5\n", "csv", TNSR_F64,
		 "in.txt: line 2 has 2 values, line 1 has 3 (every row needs the same number of columns)"},
		{"1,2\n\n3,abc\n", "csv", TNSR_F64, "in.txt: line 3, column 2: 'abc' is not a number (expected f64)"},
		{"1,,2\n", "csv", TNSR_F64, "in.txt: line 1, column 2: empty value (expected f64)"},
		{"1 300\n", "txt", TNSR_U8, "in.txt: line 1, column 2: '300' is out of range for u8 (0..255)"},
		{"-1\n", "txt", TNSR_U32, "in.txt: line 1, column 1: '-1' is negative (expected u32, 0..4294967295)"},
		{"2.5\n", "txt", TNSR_I16, "in.txt: line 1, column 1: '2.5' is not an integer (expected i16)"},
		{"1e3\n", "txt", TNSR_I8, "in.txt: line 1, column 1: '1e3' is out of range for i8 (-128..127)"},
		{"0x1p3\n", "txt", TNSR_F32, "in.txt: line 1, column 1: '0x1p3' is not a number (expected f32)"},
		{"\x01\x02\n", "csv", TNSR_F64, "in.txt: line 1, column 1: '\\x01\\x02' is not a number (expected f64)"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		t = NULL;
		CHECK(parse(bad[i].text, bad[i].format, bad[i].dtype, &t) == TNSR_E_FORMAT && !t, "refused");
		const char *msg = tnsr_error_message(), *at = strstr(msg, "in.txt");
		CHECK_STR(at ? at : msg, bad[i].message, "the message names the line, column and expectation");
	}
	CHECK(parse("1\n", "json", TNSR_F64, &t) == TNSR_E_USAGE, "an unknown text format is a usage error");
}

static void test_long_line(void)
{
	/* One line of 300,000 values, longer than the read buffer. */
	size_t n = 300000, cap = n * 8 + 2, used = 0;
	char *text = malloc(cap);
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, i ? ",%zu" : "%zu", i % 1000);
	text[used++] = '\n';
	text[used] = 0;
	tnsr_tensor *t = NULL;
	CHECK(parse(text, "csv", TNSR_I32, &t) == TNSR_OK, "a line over 1 MiB");
	CHECK(t && t->ndim == 1 && t->shape[0] == (int64_t)n && ((int32_t *)tnsr_tensor_data(t))[n - 1] == 999,
	      "all of it");
	tnsr_tensor_free(t);
	free(text);
}

/* The streaming writer, fed in pieces that split elements, gives what a whole write gives. */
static void test_stream_pieces(void)
{
	int64_t shape[2] = {3, 5};
	tnsr_tensor *t;
	tnsr_tensor_empty(TNSR_F64, 2, shape, &t);
	double *d = tnsr_tensor_data(t);
	for (int i = 0; i < 15; i++)
		d[i] = i / 7.0 - 1;
	CHECK(tnsr_save(path("whole.csv"), NULL, t) == TNSR_OK, "whole write");
	char whole[4096];
	snprintf(whole, sizeof whole, "%s", get_file("whole.csv"));
	tnsr_sink *sink;
	tnsr_writer *w;
	CHECK(tnsr_sink_open(path("pieces.csv"), &sink) == TNSR_OK, "sink");
	CHECK(tnsr_writer_begin(sink, NULL, TNSR_F64, 2, shape, &w) == TNSR_OK, "csv streams");
	const char *p = (const char *)d;
	size_t sizes[] = {3, 5, 1, 17, 8, 13, 32, 41}, done = 0;
	for (size_t i = 0; done < 120; i++) {
		size_t k = sizes[i % 8] < 120 - done ? sizes[i % 8] : 120 - done;
		CHECK(tnsr_writer_data(w, p + done, k) == TNSR_OK, "a piece");
		done += k;
	}
	CHECK(tnsr_writer_end(w) == TNSR_OK && tnsr_sink_commit(sink) == TNSR_OK, "end and commit");
	CHECK_STR(get_file("pieces.csv"), whole, "same text");
	/* A transposed view is written in its own (C) order. */
	tnsr_tensor *tr;
	tnsr_tensor_transpose(t, 0, 1, &tr);
	CHECK(tnsr_save(path("tr.tsv"), NULL, tr) == TNSR_OK, "strided write");
	const char *text = get_file("tr.tsv");
	CHECK(strncmp(text, "-1.0\t-0.2857142857142857\t0.4285714285714286\n", 44) == 0, "rows of the view");
	tnsr_tensor_free(tr);
	tnsr_tensor_free(t);
}

static tnsr_status count_piece(void *ctx, const void *data, size_t n)
{
	char *buf = ctx;
	memcpy(buf + strlen(buf), data, n);
	return TNSR_OK;
}

static void test_raw(void)
{
	int64_t shape[2] = {2, 3};
	tnsr_tensor *t, *tr;
	tnsr_tensor_empty(TNSR_U8, 2, shape, &t);
	memcpy(tnsr_tensor_data(t), "abcdef", 6);
	tnsr_tensor_transpose(t, 0, 1, &tr);
	char buf[16] = "";
	CHECK(tnsr_raw_walk(tr, count_piece, buf) == TNSR_OK, "walk a view");
	CHECK_STR(buf, "adbecf", "C order of the view");
	CHECK(tnsr_save(path("x.raw"), NULL, tr) == TNSR_OK, "raw write");
	CHECK_STR(get_file("x.raw"), "adbecf", "raw is the bytes alone");
	tnsr_source *src;
	tnsr_tensor *back = NULL;
	int64_t want[2] = {3, 2}, wrong[2] = {4, 2};
	tnsr_source_open(path("x.raw"), &src);
	CHECK(tnsr_raw_read(src, TNSR_U8, 2, want, &back) == TNSR_OK, "raw read");
	CHECK(back && memcmp(tnsr_tensor_data(back), "adbecf", 6) == 0, "values");
	tnsr_tensor_free(back);
	tnsr_source_close(src);
	tnsr_source_open(path("x.raw"), &src);
	CHECK(tnsr_raw_read(src, TNSR_I16, 2, wrong, &back) == TNSR_E_FORMAT, "size mismatch");
	CHECK(strstr(tnsr_error_message(), "6 bytes do not hold (4, 2) of i16 (needs 16 bytes") != NULL,
	      "the message gives both sizes");
	tnsr_source_close(src);
	tnsr_tensor_free(tr);
	tnsr_tensor_free(t);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_format_values();
	test_parse();
	test_long_line();
	test_stream_pieces();
	test_raw();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
