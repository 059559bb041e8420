/* test_safetensors.c: the safetensors codec.  Files written byte for byte as the
 * reference implementation writes them (its own serialization tests' bytes), its tensor
 * order and padding, round trips of every dtype (from the file and through a pipe),
 * streamed writes, __metadata__ both ways, and refusals: complex dtypes, the reserved
 * name, duplicates, and a few corrupt headers (the whole corpus is in safetensors.bats). */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pipe.h"
#include "tnsr.h"

static char dir[] = "/tmp/tnsr-test-st.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][300];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static size_t slurp(const char *file, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(file, "rb");
	size_t n = f ? fread(buf, 1, cap, f) : 0;
	if (f)
		fclose(f);
	return n;
}

static void spit(const char *file, const void *data, size_t n)
{
	FILE *f = fopen(file, "wb");
	if (f) {
		fwrite(data, 1, n, f);
		fclose(f);
	}
}

static tnsr_tensor *pattern(tnsr_dtype dtype, int ndim, const int64_t *shape, unsigned seed)
{
	tnsr_tensor *t;
	if (tnsr_tensor_empty(dtype, ndim, shape, &t))
		return NULL;
	unsigned char *p = tnsr_tensor_data(t);
	uint32_t x = seed * 2654435761u + 7;
	for (size_t i = 0; i < tnsr_tensor_nbytes(t); i++) {
		x = x * 1103515245u + 12345u;
		p[i] = dtype == TNSR_BOOL ? (x >> 20) & 1 : (unsigned char)(x >> 16);
	}
	return t;
}

static bool same(const tnsr_tensor *a, const tnsr_tensor *b)
{
	if (!a || !b || a->dtype != b->dtype || a->ndim != b->ndim)
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

/* A tensor of f32 values 0, 1, 2, ... of SHAPE. */
static tnsr_tensor *iota(int ndim, const int64_t *shape)
{
	tnsr_tensor *t;
	if (tnsr_tensor_empty(TNSR_F32, ndim, shape, &t))
		return NULL;
	float *f = tnsr_tensor_data(t);
	for (int64_t i = 0; i < tnsr_tensor_numel(t); i++)
		f[i] = (float)i;
	return t;
}

/* ---------------------------------------------------------------- the reference's bytes */

/* safetensors/src/tensor.rs, test_serialization: {"attn.0": F32 [1, 2, 3] of 0..5}. */
static const unsigned char ref_attn[] = {
	64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58,
	34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97,
	95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0,
	0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
/* test_serialization_forced_alignement: {"attn0": F32 [1, 1, 2, 3]}, 7 spaces of padding. */
static const unsigned char ref_attn0[] = {
	72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116, 121, 112, 101, 34, 58, 34,
	70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116,
	97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32, 32, 32,
	0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64};
/* test_empty: no tensors, then no tensors and {"framework": "pt"}. */
static const unsigned char ref_empty[] = {8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32};
static const unsigned char ref_empty_meta[] = {
	40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95, 95, 34, 58, 123, 34, 102,
	114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112, 116, 34, 125, 125, 32, 32, 32, 32, 32};

static void check_bytes(const char *file, const unsigned char *want, size_t n, const char *what)
{
	unsigned char got[512];
	size_t len = slurp(file, got, sizeof got);
	if (!CHECK(len == n && memcmp(got, want, n) == 0, what))
		printf("#   got %zu bytes: %.*s\n", len, len > 8 ? (int)(len - 8) : 0, got + 8);
}

static void test_reference_bytes(void)
{
	static const int64_t s123[] = {1, 2, 3}, s1123[] = {1, 1, 2, 3};
	tnsr_tensor *t = iota(3, s123), *back = NULL;
	const char *name = "attn.0";
	CHECK(tnsr_save_many(path("attn.safetensors"), NULL, &t, &name, 1, NULL) == TNSR_OK, "attn.0 written");
	check_bytes(path("attn.safetensors"), ref_attn, sizeof ref_attn, "attn.0: the reference's bytes exactly");
	spit(path("ref.safetensors"), ref_attn, sizeof ref_attn);
	CHECK(tnsr_load(path("ref.safetensors"), &back) == TNSR_OK && same(back, t),
	      "the reference's file reads as attn.0 = 0..5, (1, 2, 3)");
	tnsr_tensor_free(back);
	tnsr_tensor_free(t);

	t = iota(4, s1123);
	name = "attn0";
	CHECK(tnsr_save_many(path("attn0.safetensors"), NULL, &t, &name, 1, NULL) == TNSR_OK, "attn0 written");
	check_bytes(path("attn0.safetensors"), ref_attn0, sizeof ref_attn0,
		    "attn0: the header padded with spaces to a multiple of 8, as the reference does");
	tnsr_tensor_free(t);

	CHECK(tnsr_save_many(path("empty.safetensors"), NULL, NULL, NULL, 0, NULL) == TNSR_OK, "no tensors written");
	check_bytes(path("empty.safetensors"), ref_empty, sizeof ref_empty, "no tensors: {} and 6 spaces");
	static const char *pt = "pt";
	tnsr_meta meta = {"framework", TNSR_META_STRING, false, 1, &pt};
	tnsr_write_options opt = {.compress = -1, .order = 'C', .metadata = &meta, .nmetadata = 1};
	CHECK(tnsr_save_many(path("meta.safetensors"), NULL, NULL, NULL, 0, &opt) == TNSR_OK, "metadata alone written");
	check_bytes(path("meta.safetensors"), ref_empty_meta, sizeof ref_empty_meta, "__metadata__ {\"framework\": \"pt\"}");
	tnsr_reader *r;
	tnsr_member_info info;
	const tnsr_meta *items;
	size_t n;
	CHECK(tnsr_reader_open(path("meta.safetensors"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_END &&
		      tnsr_reader_metadata(r, &items, &n) == TNSR_OK && n == 1 && strcmp(items[0].key, "framework") == 0 &&
		      items[0].type == TNSR_META_STRING && strcmp(*(const char *const *)items[0].values, "pt") == 0,
	      "it reads back: no tensor, metadata framework = pt");
	tnsr_reader_close(r);
}

/* ---------------------------------------------------------------- layout and round trips */

static const tnsr_dtype shared[] = {TNSR_BOOL, TNSR_U8, TNSR_I8, TNSR_U16, TNSR_I16, TNSR_F16, TNSR_BF16,
				    TNSR_U32, TNSR_I32, TNSR_F32, TNSR_U64, TNSR_I64, TNSR_F64};
enum { NSHARED = sizeof shared / sizeof *shared };

static void test_round_trip(void)
{
	tnsr_tensor *t[NSHARED + 2];
	char names[NSHARED + 2][32];
	const char *name_ptr[NSHARED + 2];
	static const int64_t s[] = {3, 5}, s0[] = {0, 4};
	for (int i = 0; i < NSHARED; i++) {
		t[i] = pattern(shared[i], i % 3 ? 2 : 0, s, (unsigned)i);
		snprintf(names[i], sizeof names[i], "w%02d_%s", NSHARED - i, tnsr_dtype_name(shared[i]));
	}
	t[NSHARED] = pattern(TNSR_F32, 2, s0, 1);
	snprintf(names[NSHARED], sizeof names[NSHARED], "empty");
	tnsr_tensor_transpose(t[11], 0, 1, &t[NSHARED + 1]); /* strided: written in C order */
	snprintf(names[NSHARED + 1], sizeof names[NSHARED + 1], "transposed");
	for (int i = 0; i < NSHARED + 2; i++)
		name_ptr[i] = names[i];
	CHECK(tnsr_save_many(path("all.safetensors"), NULL, t, name_ptr, NSHARED + 2, NULL) == TNSR_OK,
	      "every shared dtype written, a 0-d, an empty and a strided tensor among them");

	/* The data order is the reference's: dtype (alignment first) descending, then name. */
	static const char *const order[] = {"w03_u64", "transposed", "w02_i64", "w01_f64", "empty", "w04_f32",
					    "w06_u32", "w05_i32", "w07_bf16", "w08_f16", "w10_u16",
					    "w09_i16", "w11_i8", "w12_u8", "w13_bool"};
	for (int pass = 0; pass < 2; pass++) {
		tnsr_reader *r;
		tnsr_member_info info;
		if (pass)
			pipe_from(path("all.safetensors"));
		int ok = tnsr_reader_open(pass ? "-" : path("all.safetensors"), &r) == TNSR_OK, n = 0;
		while (ok && tnsr_reader_next(r, &info) == TNSR_OK) {
			tnsr_tensor *back = NULL, *want = NULL;
			for (int i = 0; i < NSHARED + 2; i++)
				if (strcmp(names[i], info.name) == 0)
					want = t[i];
			ok = n < NSHARED + 2 && strcmp(info.name, order[n]) == 0 && tnsr_reader_load(r, &back) == TNSR_OK &&
			     same(back, want) && (pass || (info.mappable && info.offset % tnsr_dtype_size(info.dtype) == 0));
			if (!ok)
				printf("# tensor %d '%s': %s\n", n, info.name, tnsr_error_message());
			tnsr_tensor_free(back);
			n++;
		}
		ok = ok && n == NSHARED + 2;
		tnsr_reader_close(r);
		if (pass)
			pipe_done();
		CHECK(ok, pass ? "through a pipe, every tensor reads back equal, in data order"
			       : "every tensor reads back equal, in the reference's order, aligned and mapped zero-copy");
	}
	for (int i = 0; i < NSHARED + 2; i++)
		tnsr_tensor_free(t[i]);
}

static void test_write_refusals(void)
{
	static const int64_t s[] = {2};
	tnsr_tensor *c = pattern(TNSR_C64, 1, s, 1), *f = pattern(TNSR_F32, 1, s, 2), *i = pattern(TNSR_I8, 1, s, 3);
	tnsr_tensor *both[3] = {f, i, f};
	const char *names[3] = {"z", "y", "z"};
	CHECK(tnsr_save(path("c.safetensors"), NULL, c) == TNSR_E_DTYPE &&
		      strstr(tnsr_error_message(), "c64 cannot be stored in .safetensors") &&
		      strstr(tnsr_error_message(), "use .tnsr"), "complex refused, pointing to .tnsr");
	CHECK(tnsr_save_many(path("d.safetensors"), NULL, both, names, 3, NULL) == TNSR_E_VALUE &&
		      strstr(tnsr_error_message(), "two tensors are named 'z'"), "duplicate names refused");
	names[0] = "__metadata__";
	CHECK(tnsr_save_many(path("m.safetensors"), NULL, both, names, 1, NULL) == TNSR_E_VALUE &&
		      strstr(tnsr_error_message(), "cannot be named '__metadata__'"), "the reserved name refused");
	CHECK(access(path("c.safetensors"), F_OK) != 0 && access(path("d.safetensors"), F_OK) != 0 &&
		      access(path("m.safetensors"), F_OK) != 0, "nothing written after a refusal");
	tnsr_tensor_free(c);
	tnsr_tensor_free(f);
	tnsr_tensor_free(i);
}

/* Metadata of every kind: strings as they are, other values as their JSON text. */
static void test_metadata(void)
{
	static const int64_t s[] = {2};
	static const char *str = "line\none \"quoted\" \x01", *strs[] = {"a", "b\"c"};
	static const int64_t seed = -42;
	static const double pi = 3.25;
	static const bool flags[] = {true, false};
	tnsr_meta meta[] = {
		{"zeta", TNSR_META_STRING, false, 1, &str}, {"seed", TNSR_META_I64, false, 1, &seed},
		{"pi", TNSR_META_F64, false, 1, &pi},       {"flags", TNSR_META_BOOL, true, 2, flags},
		{"names", TNSR_META_STRING, true, 2, strs},
	};
	tnsr_tensor *t = pattern(TNSR_F32, 1, s, 3);
	const char *name = "x";
	tnsr_write_options opt = {.compress = -1, .order = 'C', .metadata = meta, .nmetadata = 5};
	CHECK(tnsr_save_many(path("meta2.safetensors"), NULL, &t, &name, 1, &opt) == TNSR_OK, "metadata written");
	unsigned char buf[512];
	size_t n = slurp(path("meta2.safetensors"), buf, sizeof buf - 1);
	buf[n] = 0;
	const char *want = "{\"__metadata__\":{\"flags\":\"[true, false]\",\"names\":\"[\\\"a\\\", \\\"b\\\\\\\"c\\\"]\","
			   "\"pi\":\"3.25\",\"seed\":\"-42\",\"zeta\":\"line\\none \\\"quoted\\\" \\u0001\"},\"x\":";
	if (!CHECK(n > 8 && strncmp((char *)buf + 8, want, strlen(want)) == 0,
		   "keys sorted, values escaped as serde_json escapes them"))
		printf("#   got %s\n#   expected %s\n", buf + 8, want);
	tnsr_reader *r;
	tnsr_member_info info;
	const tnsr_meta *items;
	size_t k;
	int ok = tnsr_reader_open(path("meta2.safetensors"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK &&
		 tnsr_reader_metadata(r, &items, &k) == TNSR_OK && k == 5;
	for (size_t i = 0; ok && i < k; i++)
		if (strcmp(items[i].key, "zeta") == 0)
			ok = strcmp(*(const char *const *)items[i].values, str) == 0;
	CHECK(ok, "it reads back: five string pairs, escapes undone");
	tnsr_reader_close(r);
	tnsr_tensor_free(t);
}

static void test_streaming_write(void)
{
	static const int64_t shape[] = {100, 7};
	tnsr_tensor *t = pattern(TNSR_BF16, 2, shape, 5), *back = NULL;
	tnsr_sink *sink;
	tnsr_writer *w;
	const char *p = tnsr_tensor_data(t);
	int ok = tnsr_sink_open(path("piece.safetensors"), &sink) == TNSR_OK &&
		 tnsr_writer_begin(sink, NULL, TNSR_BF16, 2, shape, &w) == TNSR_OK;
	for (size_t done = 0, n; ok && done < tnsr_tensor_nbytes(t); done += n) {
		n = tnsr_tensor_nbytes(t) - done < 300 ? tnsr_tensor_nbytes(t) - done : 300;
		ok = tnsr_writer_data(w, p + done, n) == TNSR_OK;
	}
	ok = ok && tnsr_writer_end(w) == TNSR_OK && tnsr_sink_commit(sink) == TNSR_OK;
	CHECK(ok, "a bf16 tensor written in pieces");
	tnsr_reader *r;
	tnsr_member_info info;
	ok = tnsr_reader_open(path("piece.safetensors"), &r) == TNSR_OK && tnsr_reader_next(r, &info) == TNSR_OK &&
	     strcmp(info.name, "arr_0") == 0 && tnsr_reader_load(r, &back) == TNSR_OK && same(back, t);
	tnsr_reader_close(r);
	CHECK(ok, "it reads back as arr_0");
	tnsr_tensor_free(back);
	tnsr_tensor_free(t);
}

/* ---------------------------------------------------------------- refusals */

static void test_bad_headers(void)
{
	static const struct { const char *header, *fragment; } cases[] = {
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
		 "\"data_offsets\":[4,8]}}", "duplicate key 'a'"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],"
		 "\"data_offsets\":[2,6]}}", "overlap"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", "leave a gap: bytes [0, 4)"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "needs 12 bytes"},
		{"{\"a\":{\"dtype\":\"c64\",\"shape\":[1],\"data_offsets\":[0,8]}}", "dtype 'c64' is not supported"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} ,", "bytes after the JSON object"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", "expected a string"},
		{"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "bytes after the last tensor's data"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		unsigned char file[512];
		size_t n = strlen(cases[i].header);
		for (int b = 0; b < 8; b++)
			file[b] = (unsigned char)(n >> (8 * b));
		memcpy(file + 8, cases[i].header, n);
		memset(file + 8 + n, 0, 12); /* the data: 8 bytes (+4 after, for the last case) */
		spit(path("bad.safetensors"), file, 8 + n + 8 + (i == 7 ? 4 : 0));
		tnsr_reader *r = NULL;
		tnsr_member_info info;
		tnsr_status st = tnsr_reader_open(path("bad.safetensors"), &r);
		if (!st)
			st = tnsr_reader_next(r, &info);
		tnsr_reader_close(r);
		char what[160];
		snprintf(what, sizeof what, "refused: %s", cases[i].fragment);
		if (!CHECK(st == TNSR_E_FORMAT && strstr(tnsr_error_message(), cases[i].fragment) &&
				   strstr(tnsr_error_message(), "bad.safetensors"), what))
			printf("#   got: %s\n", tnsr_error_message());
	}
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_reference_bytes();
	test_round_trip();
	test_write_refusals();
	test_metadata();
	test_streaming_write();
	test_bad_headers();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
