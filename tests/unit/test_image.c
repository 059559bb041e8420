/* test_image.c: the png and pgm codecs through the library: round trips of every
 * channel count in u8 and u16 (strided views included), streaming writes in odd
 * pieces, what the reader reports, CRC and truncation errors, and refusals. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tnsr.h"

static char dir[] = "/tmp/tnsr-test-image.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

/* A tensor of DTYPE and SHAPE with varied values (runs and noise, for every filter). */
static tnsr_tensor *image(tnsr_dtype dtype, int ndim, const int64_t *shape, unsigned seed)
{
	tnsr_tensor *t;
	tnsr_tensor_empty(dtype, ndim, shape, &t);
	int64_t n = tnsr_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned v = i % 17 < 5 ? (unsigned)(i / 17) : seed >> 8;
		if (dtype == TNSR_U8)
			((uint8_t *)tnsr_tensor_data(t))[i] = (uint8_t)v;
		else
			((uint16_t *)tnsr_tensor_data(t))[i] = (uint16_t)v;
	}
	return t;
}

/* Whether A and B hold the same values (any strides). */
static bool same(const tnsr_tensor *a, const tnsr_tensor *b)
{
	tnsr_tensor *ca, *cb;
	if (a->dtype != b->dtype || a->ndim != b->ndim || memcmp(a->shape, b->shape, sizeof(int64_t) * (size_t)a->ndim))
		return false;
	tnsr_tensor_contiguous(a, &ca);
	tnsr_tensor_contiguous(b, &cb);
	bool eq = memcmp(tnsr_tensor_data(ca), tnsr_tensor_data(cb), tnsr_tensor_nbytes(ca)) == 0;
	tnsr_tensor_free(ca);
	tnsr_tensor_free(cb);
	return eq;
}

static void test_png_round_trips(void)
{
	static const int64_t shapes[][3] = {{5, 7, 1}, {5, 7, 2}, {5, 7, 3}, {5, 7, 4}, {1, 1, 1}, {3, 200, 3}};
	for (int d = 0; d < 2; d++) {
		tnsr_dtype dtype = d ? TNSR_U16 : TNSR_U8;
		for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
			int ndim = shapes[i][2] == 1 ? 2 : 3;
			tnsr_tensor *t = image(dtype, ndim, shapes[i], (unsigned)i), *back = NULL;
			CHECK(tnsr_save(path("x.png"), NULL, t) == TNSR_OK, "png write");
			CHECK(tnsr_load(path("x.png"), &back) == TNSR_OK, "png read");
			CHECK(back && same(t, back), "same values, dtype and shape");
			tnsr_tensor_free(back);
			tnsr_tensor_free(t);
		}
	}
	/* A transposed (strided) view is written in its own order. */
	int64_t shape[3] = {6, 4, 3};
	tnsr_tensor *t = image(TNSR_U8, 3, shape, 9), *tr, *back = NULL;
	tnsr_tensor_transpose(t, 0, 1, &tr);
	CHECK(tnsr_save(path("tr.png"), NULL, tr) == TNSR_OK && tnsr_load(path("tr.png"), &back) == TNSR_OK, "view");
	CHECK(back && same(tr, back), "a view round-trips");
	tnsr_tensor_free(back);
	tnsr_tensor_free(tr);
	tnsr_tensor_free(t);
}

/* The streaming writer, fed pieces that split rows and u16 samples, gives the same image. */
static void test_png_stream(void)
{
	int64_t shape[3] = {9, 11, 3};
	tnsr_tensor *t = image(TNSR_U16, 3, shape, 3), *back = NULL;
	tnsr_sink *sink;
	tnsr_writer *w;
	CHECK(tnsr_sink_open(path("s.png"), &sink) == TNSR_OK, "sink");
	CHECK(tnsr_writer_begin(sink, NULL, TNSR_U16, 3, shape, &w) == TNSR_OK, "png streams");
	const char *p = tnsr_tensor_data(t);
	size_t total = tnsr_tensor_nbytes(t), done = 0, sizes[] = {1, 7, 66, 3, 131};
	for (size_t i = 0; done < total; i++) {
		size_t k = sizes[i % 5] < total - done ? sizes[i % 5] : total - done;
		CHECK(tnsr_writer_data(w, p + done, k) == TNSR_OK, "a piece");
		done += k;
	}
	CHECK(tnsr_writer_end(w) == TNSR_OK && tnsr_sink_commit(sink) == TNSR_OK, "end and commit");
	CHECK(tnsr_load(path("s.png"), &back) == TNSR_OK && same(t, back), "the streamed image reads back");
	tnsr_tensor_free(back);
	tnsr_tensor_free(t);
}

static void test_reader_info(void)
{
	int64_t shape[2] = {5, 7};
	tnsr_tensor *t = image(TNSR_U8, 2, shape, 1), *t16 = image(TNSR_U16, 2, shape, 2);
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_save(path("g.png"), NULL, t);
	CHECK(tnsr_reader_open(path("g.png"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK, "png probed");
	CHECK_STR(info.format, "png", "format");
	CHECK(!info.mappable && strstr(info.why_not_mappable, "deflate"), "decoded, not mapped");
	CHECK(info.nbytes == 35 && info.ndim == 2, "size from IHDR");
	CHECK(tnsr_reader_next(r, &info) == TNSR_END, "one image per file");
	tnsr_reader_close(r);
	tnsr_save(path("g.pgm"), NULL, t);
	CHECK(tnsr_reader_open(path("g.pgm"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK, "pgm probed");
	CHECK(info.mappable && info.offset == 11 && info.dtype == TNSR_U8, "P5 u8 is mapped after its 11-byte header");
	tnsr_reader_close(r);
	tnsr_tensor *back = NULL;
	tnsr_save(path("g16.pgm"), NULL, t16);
	CHECK(tnsr_reader_open(path("g16.pgm"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK, "16-bit pgm");
	CHECK(info.byteorder == '>' && info.dtype == TNSR_U16, "big-endian u16");
	CHECK(tnsr_reader_load(r, &back) == TNSR_OK && same(t16, back), "swapped into native order");
	tnsr_reader_close(r);
	tnsr_tensor_free(back);
	tnsr_tensor_free(t16);
	tnsr_tensor_free(t);
}

/* Flips one byte at OFFSET of NAME (from its end when negative). */
static void corrupt(const char *name, long offset)
{
	FILE *f = fopen(path(name), "r+b");
	fseek(f, offset, offset < 0 ? SEEK_END : SEEK_SET);
	int c = fgetc(f);
	fseek(f, -1, SEEK_CUR);
	fputc(c ^ 0x40, f);
	fclose(f);
}

static void test_errors(void)
{
	int64_t shape[3] = {4, 4, 3};
	tnsr_tensor *t = image(TNSR_U8, 3, shape, 4), *back = NULL;
	tnsr_save(path("c.png"), NULL, t);
	corrupt("c.png", 20); /* inside IHDR's data */
	CHECK(tnsr_load(path("c.png"), &back) == TNSR_E_FORMAT, "a corrupt IHDR fails");
	CHECK(strstr(tnsr_error_message(), "chunk 'IHDR': CRC mismatch") != NULL, "on its CRC");
	tnsr_save(path("c.png"), NULL, t);
	corrupt("c.png", -20); /* inside the last IDAT */
	CHECK(tnsr_load(path("c.png"), &back) == TNSR_E_FORMAT, "a corrupt IDAT fails");
	CHECK(strstr(tnsr_error_message(), "CRC mismatch") != NULL, "on its CRC");
	CHECK(tnsr_save(path("c.pgm"), NULL, t) == TNSR_E_SHAPE, "pgm refuses RGB");
	CHECK(strstr(tnsr_error_message(), "png holds RGB") != NULL, "and says where it fits");
	tnsr_tensor *f;
	tnsr_tensor_zeros(TNSR_F32, 3, shape, &f);
	CHECK(tnsr_save(path("f.png"), NULL, f) == TNSR_E_DTYPE, "png refuses f32");
	CHECK(strstr(tnsr_error_message(), "--dtype u8") != NULL, "with the hint");
	FILE *p = fopen(path("c.png"), "rb");
	char buf[64];
	size_t n = fread(buf, 1, 40, p);
	fclose(p);
	p = fopen(path("cut.png"), "wb");
	fwrite(buf, 1, n, p);
	fclose(p);
	CHECK(tnsr_load(path("cut.png"), &back) == TNSR_E_FORMAT, "a truncated PNG fails");
	CHECK(strstr(tnsr_error_message(), "truncated") != NULL, "saying so");
	tnsr_tensor_free(f);
	tnsr_tensor_free(t);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_png_round_trips();
	test_png_stream();
	test_reader_info();
	test_errors();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
