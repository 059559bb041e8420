/* test_npz.c: the .npz codec and the ZIP layer under it.  Archives written here (stored
 * and deflated at every level, C and Fortran order, strided views, every dtype, empty,
 * streamed in pieces, several batches of parallel deflate) read back equal from the file
 * and through a pipe; stored data is aligned and mapped zero-copy; CRC-32, sizes and
 * the zip-bomb guard are checked, and so are the fixtures of tests/fixtures/npz (made by
 * tests/oracle/gen_npz_corpus.py from NumPy 1.24): names, members, messages. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"
#include "pipe.h"
#include "codec.h"
#include "tnsr.h"

static char dir[] = "/tmp/tnsr-test-npz.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][300];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static char *fixture(const char *name)
{
	static char buf[2][512];
	static int k;
	const char *root = getenv("TNSR_ROOT");
	k = (k + 1) % 2;
	snprintf(buf[k], sizeof buf[k], "%s/tests/fixtures/npz/%s", root ? root : ".", name);
	return buf[k];
}

/* A tensor of DTYPE and SHAPE whose bytes are a pattern seeded by SEED (any bits: the
 * comparisons are of bytes, so NaN patterns do no harm). */
static tnsr_tensor *pattern(tnsr_dtype dtype, int ndim, const int64_t *shape, unsigned seed)
{
	tnsr_tensor *t;
	if (tnsr_tensor_empty(dtype, ndim, shape, &t))
		return NULL;
	unsigned char *p = tnsr_tensor_data(t);
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < tnsr_tensor_nbytes(t); i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (unsigned char)(x >> 16);
	}
	if (dtype == TNSR_BOOL)
		for (size_t i = 0; i < tnsr_tensor_nbytes(t); i++)
			p[i] &= 1;
	return t;
}

/* Whether A and B hold the same elements (same dtype and shape; any strides). */
static bool same(const tnsr_tensor *a, const tnsr_tensor *b)
{
	if (a->dtype != b->dtype || a->ndim != b->ndim)
		return false;
	for (int i = 0; i < a->ndim; i++)
		if (a->shape[i] != b->shape[i])
			return false;
	tnsr_tensor *ca, *cb;
	if (tnsr_tensor_contiguous(a, &ca) || tnsr_tensor_contiguous(b, &cb))
		return false;
	bool eq = memcmp(tnsr_tensor_data(ca), tnsr_tensor_data(cb), tnsr_tensor_nbytes(ca)) == 0;
	tnsr_tensor_free(ca);
	tnsr_tensor_free(cb);
	return eq;
}

/* ---------------------------------------------------------------- pipes */

/* ---------------------------------------------------------------- round trips */

enum { NT = 6 };

/* Writes the test tensors to NAME with OPTIONS and reads them back (from the file,
 * then through a pipe); every member must be equal and named as written. */
static void round_trip(const char *name, int compress, char order)
{
	static const int64_t s23[] = {2, 3}, s0[] = {0, 5}, s3[] = {4, 6, 5}, s1[] = {1000};
	tnsr_tensor *t[NT], *view;
	t[0] = pattern(TNSR_F32, 2, s23, 1);
	t[1] = pattern(TNSR_I64, 0, NULL, 2);
	t[2] = pattern(TNSR_U8, 2, s0, 3);
	t[3] = pattern(TNSR_C128, 3, s3, 4);
	t[4] = pattern(TNSR_F16, 1, s1, 5);
	tnsr_tensor_transpose(t[3], 0, 2, &view); /* strided: written gathered */
	t[5] = view;
	const char *names[NT] = {"x", "scalar", "empty", "cube", "half", "cube_t"};
	tnsr_write_options opt = {.compress = compress, .order = order};
	char what[200];
	snprintf(what, sizeof what, "%s: written (compress %d, order %c)", name, compress, order);
	CHECK(tnsr_save_many(path(name), NULL, t, names, NT, &opt) == TNSR_OK, what);
	for (int pass = 0; pass < 2; pass++) {
		tnsr_reader *r;
		tnsr_member_info info;
		if (pass)
			pipe_from(path(name));
		int ok = tnsr_reader_open(pass ? "-" : path(name), &r) == TNSR_OK, n = 0;
		while (ok && n < NT && tnsr_reader_next(r, &info) == TNSR_OK) {
			tnsr_tensor *back = NULL;
			ok = strcmp(info.name, names[n]) == 0 && strcmp(info.format, "npz") == 0 &&
			     info.fortran_order == (order == 'F' && t[n]->ndim > 1) &&
			     tnsr_reader_load(r, &back) == TNSR_OK && same(back, t[n]);
			if (ok && !pass)
				ok = compress > 0 ? !info.mappable && strcmp(info.why_not_mappable, "deflate-compressed member") == 0
						  : info.mappable && info.offset % 64 == 0;
			if (!ok)
				printf("# member %d (%s): %s\n", n, info.name, tnsr_error_message());
			tnsr_tensor_free(back);
			n++;
		}
		ok = ok && n == NT && tnsr_reader_next(r, &info) == TNSR_END;
		tnsr_reader_close(r);
		if (pass)
			pipe_done();
		snprintf(what, sizeof what, "%s: every member reads back equal%s", name,
			 pass ? " through a pipe" : compress > 0 ? " (inflated)" : " (stored: aligned, zero-copy)");
		CHECK(ok, what);
	}
	for (int i = 0; i < NT; i++)
		tnsr_tensor_free(t[i]);
}

static void test_round_trips(void)
{
	round_trip("stored.npz", 0, 'C');
	round_trip("default.npz", -1, 'C');
	round_trip("fortran.npz", 0, 'F');
	for (int level = 1; level <= 9; level += 4) {
		char name[32];
		snprintf(name, sizeof name, "deflate%d.npz", level);
		round_trip(name, level, 'C');
	}
	round_trip("deflate_fortran.npz", 6, 'F');
}

/* Every dtype NumPy has, through both methods; bf16 is refused with the hint. */
static void test_dtypes(void)
{
	static const int64_t shape[] = {3, 7};
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++) {
		tnsr_tensor *t = pattern((tnsr_dtype)d, 2, shape, (unsigned)d), *back = NULL;
		const char *name = "t";
		tnsr_write_options opt = {.compress = d % 2 ? 6 : 0, .order = 'C'};
		tnsr_status st = tnsr_save_many(path("dtype.npz"), NULL, &t, &name, 1, &opt);
		char what[96];
		snprintf(what, sizeof what, "%s: %s", tnsr_dtype_name((tnsr_dtype)d),
			 d == TNSR_BF16 ? "refused (NumPy has no bfloat16)" : "round trip");
		if (d == TNSR_BF16) {
			CHECK(st == TNSR_E_DTYPE && strstr(tnsr_error_message(), "use .tnsr") &&
				      strstr(tnsr_error_message(), "dtype.npz"), what);
		} else {
			CHECK(st == TNSR_OK && tnsr_load(path("dtype.npz"), &back) == TNSR_OK && same(t, back), what);
		}
		tnsr_tensor_free(t);
		tnsr_tensor_free(back);
	}
	CHECK(access(path("dtype.npz.tmp"), F_OK) != 0, "no temporary left behind");
}

/* Members larger than one batch of the parallel deflate, compressible or not. */
static void test_large_deflate(void)
{
	static const int64_t shape[] = {9 << 20};
	tnsr_tensor *t[2];
	t[0] = pattern(TNSR_U8, 1, shape, 7);
	tnsr_tensor_zeros(TNSR_F32, 1, shape, &t[1]);
	float *f = tnsr_tensor_data(t[1]);
	for (int64_t i = 0; i < shape[0]; i++)
		f[i] = (float)(i % 1000);
	const char *names[2] = {"noise", "ramp"};
	tnsr_write_options opt = {.compress = 6, .order = 'C'};
	CHECK(tnsr_save_many(path("large.npz"), NULL, t, names, 2, &opt) == TNSR_OK, "large members deflated");
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_tensor *back;
	int ok = tnsr_reader_open(path("large.npz"), &r) == TNSR_OK;
	for (int i = 0; i < 2 && ok; i++) {
		ok = tnsr_reader_next(r, &info) == TNSR_OK && tnsr_reader_verify(r) == TNSR_OK &&
		     tnsr_reader_load(r, &back) == TNSR_OK && same(back, t[i]);
		if (ok)
			tnsr_tensor_free(back);
	}
	tnsr_reader_close(r);
	CHECK(ok, "large members: one deflate stream each, CRC-32 combined right, values equal");
	tnsr_tensor_free(t[0]);
	tnsr_tensor_free(t[1]);
}

/* tnsr_writer: the data of member arr_0 arrives in pieces (a descriptor after it). */
static void test_streaming_write(void)
{
	static const int64_t shape[] = {1000, 3};
	tnsr_tensor *t = pattern(TNSR_I32, 2, shape, 9), *back = NULL;
	tnsr_sink *sink;
	tnsr_writer *w;
	const char *p = tnsr_tensor_data(t);
	int ok = tnsr_sink_open(path("piece.npz"), &sink) == TNSR_OK &&
		 tnsr_writer_begin(sink, NULL, TNSR_I32, 2, shape, &w) == TNSR_OK;
	for (size_t done = 0, n; ok && done < tnsr_tensor_nbytes(t); done += n) {
		n = tnsr_tensor_nbytes(t) - done < 4000 ? tnsr_tensor_nbytes(t) - done : 4000;
		ok = tnsr_writer_data(w, p + done, n) == TNSR_OK;
	}
	ok = ok && tnsr_writer_end(w) == TNSR_OK && tnsr_sink_commit(sink) == TNSR_OK;
	CHECK(ok, "a tensor written in pieces to .npz");
	tnsr_reader *r;
	tnsr_member_info info;
	ok = tnsr_reader_open(path("piece.npz"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK &&
	     strcmp(info.name, "arr_0") == 0 && info.mappable && tnsr_reader_verify(r) == TNSR_OK &&
	     tnsr_reader_load(r, &back) == TNSR_OK && same(back, t);
	tnsr_reader_close(r);
	CHECK(ok, "it reads back as arr_0, aligned, its CRC in the descriptor right");
	tnsr_tensor_free(back);
	back = NULL;
	pipe_from(path("piece.npz"));
	ok = tnsr_load("-", &back) == TNSR_OK && same(back, t);
	pipe_done();
	CHECK(ok, "and through a pipe (stored, sizes known only from the .npy header)");
	tnsr_tensor_free(back);
	tnsr_tensor_free(t);
}

static void test_write_errors(void)
{
	static const int64_t shape[] = {2};
	tnsr_tensor *t[2] = {pattern(TNSR_F32, 1, shape, 1), pattern(TNSR_F32, 1, shape, 2)};
	const char *names[2] = {"a", "a"};
	tnsr_write_options opt = {.compress = 10, .order = 'C'};
	CHECK(tnsr_save_many(path("bad.npz"), NULL, t, names, 1, &opt) == TNSR_E_VALUE &&
		      strstr(tnsr_error_message(), "compression level 10"), "compression level 10 refused");
	opt.compress = 0;
	CHECK(tnsr_save_many(path("bad.npz"), NULL, t, names, 2, &opt) == TNSR_E_VALUE &&
		      strstr(tnsr_error_message(), "two tensors are named 'a'"), "duplicate names refused");
	CHECK(access(path("bad.npz"), F_OK) != 0, "nothing written after a refusal");
	CHECK(tnsr_save_many(path("none.npz"), NULL, t, names, 0, &opt) == TNSR_OK, "an empty archive is written");
	tnsr_reader *r;
	tnsr_member_info info;
	FILE *f = fopen(path("none.npz"), "rb");
	unsigned char buf[64];
	size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
	if (f)
		fclose(f);
	CHECK(n == 22 && memcmp(buf, "PK\5\6", 4) == 0, "it is the 22-byte end record alone, as np.savez() writes");
	CHECK(tnsr_reader_open(path("none.npz"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_END,
	      "and reads as no member at all");
	tnsr_reader_close(r);
	tnsr_tensor_free(t[0]);
	tnsr_tensor_free(t[1]);
}

/* More than 65535 members: the counts go to a ZIP64 end record. */
static void test_many_members(void)
{
	enum { N = 66000 };
	tnsr_tensor *one = pattern(TNSR_U8, 0, NULL, 1), **t = malloc(N * sizeof *t);
	char (*names)[16] = malloc(N * sizeof *names);
	const char **ptr = malloc(N * sizeof *ptr);
	for (int i = 0; i < N; i++) {
		t[i] = one;
		snprintf(names[i], sizeof names[i], "m%d", i);
		ptr[i] = names[i];
	}
	CHECK(tnsr_save_many(path("many.npz"), NULL, t, ptr, N, NULL) == TNSR_OK, "66000 members written");
	unsigned char tail[98];
	FILE *f = fopen(path("many.npz"), "rb");
	int ok = f && fseek(f, -98, SEEK_END) == 0 && fread(tail, 1, sizeof tail, f) == sizeof tail;
	if (f)
		fclose(f);
	CHECK(ok && memcmp(tail, "PK\6\6", 4) == 0 && memcmp(tail + 56, "PK\6\7", 4) == 0 &&
		      memcmp(tail + 76, "PK\5\6\0\0\0\0\xff\xff\xff\xff", 12) == 0,
	      "a ZIP64 end record and locator, 0xffff in the classic one");
	tnsr_reader *r;
	tnsr_member_info info;
	int n = 0;
	ok = tnsr_reader_open(path("many.npz"), &r) == TNSR_OK;
	while (ok && tnsr_reader_next(r, &info) == TNSR_OK)
		ok = strcmp(info.name, names[n++]) == 0;
	tnsr_reader_close(r);
	CHECK(ok && n == N, "all 66000 read back, in order");
	tnsr_tensor_free(one);
	free(t);
	free(names);
	free(ptr);
}

/* A byte flipped in stored data: verify finds it, a copying load finds it, a zero-copy
 * view (which reads nothing) does not. */
static void test_crc(void)
{
	static const int64_t shape[] = {64};
	tnsr_tensor *t = pattern(TNSR_F64, 1, shape, 3), *back = NULL;
	const char *name = "x";
	CHECK(tnsr_save_many(path("crc.npz"), NULL, &t, &name, 1, NULL) == TNSR_OK, "written");
	tnsr_reader *r;
	tnsr_member_info info;
	int ok = tnsr_reader_open(path("crc.npz"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK;
	tnsr_reader_close(r);
	int fd = open(path("crc.npz"), O_RDWR);
	unsigned char b;
	ok = ok && fd >= 0 && pread(fd, &b, 1, info.offset + 100) == 1;
	b ^= 0x40;
	ok = ok && pwrite(fd, &b, 1, info.offset + 100) == 1;
	close(fd);
	ok = ok && tnsr_reader_open(path("crc.npz"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK;
	CHECK(ok && tnsr_reader_verify(r) == TNSR_E_FORMAT && strstr(tnsr_error_message(), "member 'x.npy': CRC-32 mismatch"),
	      "verify: CRC-32 mismatch naming the member");
	CHECK(tnsr_reader_load(r, &back) == TNSR_OK, "a zero-copy view reads nothing, so it loads");
	tnsr_reader_close(r);
	tnsr_tensor_free(back);
	pipe_from(path("crc.npz"));
	CHECK(tnsr_load("-", &back) == TNSR_E_FORMAT && strstr(tnsr_error_message(), "stdin: member 'x.npy': CRC-32 mismatch"),
	      "a pipe reads the data, so the load fails");
	pipe_done();
	tnsr_tensor_free(t);
}

/* ---------------------------------------------------------------- NumPy's archives */

/* Lists the members of FILE into NAMES ("a,b,c"); the status of the last next. */
static tnsr_status list(const char *file, char *names, size_t size)
{
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_status st = tnsr_reader_open(file, &r);
	names[0] = 0;
	while (!st && !(st = tnsr_reader_next(r, &info)))
		snprintf(names + strlen(names), size - strlen(names), "%s%s", names[0] ? "," : "", info.name);
	tnsr_reader_close(r);
	return st;
}

static void test_fixtures(void)
{
	char names[600];
	CHECK(list(fixture("savez.npz"), names, sizeof names) == TNSR_END &&
		      strcmp(names, "a_bool,a_int8,a_int16,a_int32,a_int64,a_uint8,a_uint16,a_uint32,a_uint64,a_float16,"
				    "a_float32,a_float64,a_complex64,a_complex128,scalar,empty,fortran,big_endian,"
				    "big_endian_i4,nan_inf,arr_0,arr_1") == 0,
	      "np.savez: members in order, named as NumPy's files (keywords first)");
	if (!CHECK(list(fixture("stream_compressed.npz"), names, sizeof names) == TNSR_END &&
			   strstr(names, "a_bool,a_int8") && strstr(names, "nan_inf"),
		   "np.savez_compressed to a stream: read through its central directory"))
		printf("# %s: %s\n", names, tnsr_error_message());
	CHECK(list(fixture("duplicate.npz"), names, sizeof names) == TNSR_END && strcmp(names, "y,x") == 0,
	      "duplicates: only the last x is listed");
	CHECK(list(fixture("directory.npz"), names, sizeof names) == TNSR_END && strcmp(names, "sub/x") == 0,
	      "a directory entry is skipped");
	CHECK(list(fixture("cp437_name.npz"), names, sizeof names) == TNSR_END && strcmp(names, "caf\xc3\xa9") == 0,
	      "a CP437 name is decoded as zipfile decodes it");
	CHECK(list(fixture("utf8_names.npz"), names, sizeof names) == TNSR_END &&
		      strcmp(names, "donn\xc3\xa9" "es,\xe6\x95\xb0") == 0, "UTF-8 names (flag bit 11)");
	CHECK(list(fixture("empty.npz"), names, sizeof names) == TNSR_END && !names[0], "the empty archive: no member");
	CHECK(list(fixture("mixed.npz"), names, sizeof names) == TNSR_E_FORMAT && strcmp(names, "x,y") == 0 &&
		      strstr(tnsr_error_message(), "mixed.npz: member 'notes.txt': not a .npy array"),
	      "a text member: the arrays are listed, then it is reported");

	/* The duplicate x read by name is the last one: x * 2. */
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_tensor *x = NULL;
	int ok = tnsr_reader_open(fixture("duplicate.npz"), &r) == TNSR_OK &&
		 tnsr_reader_find(r, "x", &info) == TNSR_OK && tnsr_reader_load(r, &x) == TNSR_OK;
	CHECK(ok && x->dtype == TNSR_F32 && ((float *)tnsr_tensor_data(x))[3] == 6.0f,
	      "find 'x' gives the last x, as NumPy does");
	tnsr_tensor_free(x);
	tnsr_reader_close(r);
	ok = tnsr_reader_open(fixture("mixed.npz"), &r) == TNSR_OK && tnsr_reader_find(r, "y", &info) == TNSR_OK &&
	     info.dtype == TNSR_I16 && info.ndim == 2;
	CHECK(ok, "a member after a text member is found");
	tnsr_reader_close(r);
	ok = tnsr_reader_open(fixture("savez.npz"), &r) == TNSR_OK && tnsr_reader_find(r, "nope", &info) == TNSR_E_VALUE &&
	     strstr(tnsr_error_message(), "no member 'nope' (members: a_bool, a_int8");
	CHECK(ok, "a missing member: the message lists the members");
	tnsr_reader_close(r);

	static const struct { const char *file, *fragment; } bad[] = {
		{"zip_bomb.npz", "member 'x.npy': its deflate stream decodes to more than the 168 bytes"},
		{"size_mismatch.npz", "the archive says it holds 100 bytes, but its .npy header and data make 168"},
		{"multidisk.npz", "multi-disk archives are not supported"},
		{"encrypted.npz", "encrypted (flag bit 0)"},
		{"corrupt_deflate.npz", "deflate stream corrupt after 128 decoded bytes"},
		{"truncated_end.npz", "no end of central directory record"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		tnsr_tensor *t = NULL;
		r = NULL;
		tnsr_status st = tnsr_reader_open(fixture(bad[i].file), &r);
		while (!st && !(st = tnsr_reader_next(r, &info)))
			if (!(st = tnsr_reader_load(r, &t)))
				tnsr_tensor_free(t);
		tnsr_reader_close(r);
		char what[160];
		snprintf(what, sizeof what, "%s: refused (%s)", bad[i].file, bad[i].fragment);
		if (!CHECK(st == TNSR_E_FORMAT && strstr(tnsr_error_message(), bad[i].fragment) &&
				   strstr(tnsr_error_message(), bad[i].file), what))
			printf("#   got: %s\n", tnsr_error_message());
	}
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_round_trips();
	test_dtypes();
	test_large_deflate();
	test_streaming_write();
	test_write_errors();
	test_many_members();
	test_crc();
	test_fixtures();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
