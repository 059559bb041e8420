/* test_dtype.c: the dtype table, tnsr_dtype_parse (every accepted spelling, the NumPy
 * and PyTorch ones read from tests/fixtures/convert/dtype_names.txt, which
 * tests/oracle/gen_convert_fixtures.py writes from NumPy and torch) and its messages,
 * and tnsr_dtype_npy_descr. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tnsr.h"

static const struct {
	tnsr_dtype dtype;
	const char *name, *full;
	unsigned size;
	tnsr_kind kind;
	char npy_kind;
	const char *safetensors;
} rows[] = {
	{TNSR_BOOL, "bool", "bool", 1, TNSR_KIND_BOOL, 'b', "BOOL"},
	{TNSR_I8, "i8", "int8", 1, TNSR_KIND_INT, 'i', "I8"},
	{TNSR_I16, "i16", "int16", 2, TNSR_KIND_INT, 'i', "I16"},
	{TNSR_I32, "i32", "int32", 4, TNSR_KIND_INT, 'i', "I32"},
	{TNSR_I64, "i64", "int64", 8, TNSR_KIND_INT, 'i', "I64"},
	{TNSR_U8, "u8", "uint8", 1, TNSR_KIND_UINT, 'u', "U8"},
	{TNSR_U16, "u16", "uint16", 2, TNSR_KIND_UINT, 'u', "U16"},
	{TNSR_U32, "u32", "uint32", 4, TNSR_KIND_UINT, 'u', "U32"},
	{TNSR_U64, "u64", "uint64", 8, TNSR_KIND_UINT, 'u', "U64"},
	{TNSR_F16, "f16", "float16", 2, TNSR_KIND_FLOAT, 'f', "F16"},
	{TNSR_BF16, "bf16", "bfloat16", 2, TNSR_KIND_FLOAT, 0, "BF16"},
	{TNSR_F32, "f32", "float32", 4, TNSR_KIND_FLOAT, 'f', "F32"},
	{TNSR_F64, "f64", "float64", 8, TNSR_KIND_FLOAT, 'f', "F64"},
	{TNSR_C64, "c64", "complex64", 8, TNSR_KIND_COMPLEX, 'c', NULL},
	{TNSR_C128, "c128", "complex128", 16, TNSR_KIND_COMPLEX, 'c', NULL},
};
enum { ROWS = sizeof rows / sizeof rows[0] };

#define NAMES "bool, i8, i16, i32, i64, u8, u16, u32, u64, f16, bf16, f32, f64, c64, c128"

static void test_table(void)
{
	CHECK_EQ(ROWS, TNSR_DTYPE_COUNT, "one row per dtype");
	for (int i = 0; i < ROWS; i++) {
		const tnsr_dtype_info *info = tnsr_dtype_get(rows[i].dtype);
		char what[64];
		snprintf(what, sizeof what, "row %s", rows[i].name);
		int ok = info && strcmp(info->name, rows[i].name) == 0 && strcmp(info->full, rows[i].full) == 0 &&
			 info->size == rows[i].size && info->kind == rows[i].kind && info->npy_kind == rows[i].npy_kind &&
			 ((!info->safetensors && !rows[i].safetensors) ||
			  (info->safetensors && rows[i].safetensors && strcmp(info->safetensors, rows[i].safetensors) == 0));
		CHECK(ok, what);
	}
	CHECK(tnsr_dtype_get(TNSR_DTYPE_COUNT) == NULL && tnsr_dtype_get((tnsr_dtype)-1) == NULL,
	      "tnsr_dtype_get: NULL outside the enum");
	CHECK(tnsr_dtype_is_floating(TNSR_BF16) && !tnsr_dtype_is_floating(TNSR_C64) && tnsr_dtype_is_complex(TNSR_C128) &&
		      tnsr_dtype_is_integral(TNSR_U64) && !tnsr_dtype_is_integral(TNSR_BOOL),
	      "kind helpers");
	CHECK_EQ(tnsr_dtype_size(TNSR_C128), 16, "tnsr_dtype_size(c128)");
}

/* TEXT parses as WANT. */
static void parses(const char *text, tnsr_dtype want)
{
	tnsr_dtype got = TNSR_DTYPE_COUNT;
	tnsr_status st = tnsr_dtype_parse(text, &got);
	char what[96];
	snprintf(what, sizeof what, "'%s' is %s", text, tnsr_dtype_name(want));
	if (!CHECK(st == TNSR_OK && got == want, what))
		printf("#   status %d, dtype %d: %s\n", st, got, tnsr_error_message());
}

/* TEXT fails with TNSR_E_USAGE and exactly MESSAGE. */
static void fails(const char *text, const char *message)
{
	tnsr_dtype got = TNSR_DTYPE_COUNT;
	tnsr_status st = tnsr_dtype_parse(text, &got);
	char what[96];
	snprintf(what, sizeof what, "'%s' is refused (usage error)", text ? text : "(null)");
	CHECK(st == TNSR_E_USAGE, what);
	if (message) {
		snprintf(what, sizeof what, "'%s': message", text ? text : "(null)");
		CHECK_STR(tnsr_error_message(), message, what);
	}
}

static void test_own_names(void)
{
	for (int i = 0; i < ROWS; i++) {
		parses(rows[i].name, rows[i].dtype);
		parses(rows[i].full, rows[i].dtype);
		if (rows[i].safetensors)
			parses(rows[i].safetensors, rows[i].dtype);
	}
	parses("torch.uint16", TNSR_U16);
	parses("<i8", TNSR_I64);
	parses("i8", TNSR_I8);   /* canonical names count bits: not NumPy's 8-byte int */
	parses("u8", TNSR_U8);
}

/* Every line "SPELLING CANONICAL" of the NumPy/PyTorch fixture. */
static void test_oracle_names(void)
{
	const char *root = getenv("TNSR_ROOT");
	char path[4096], line[128];
	snprintf(path, sizeof path, "%s/tests/fixtures/convert/dtype_names.txt", root ? root : ".");
	FILE *f = fopen(path, "r");
	if (!CHECK(f != NULL, "dtype_names.txt")) {
		printf("#   cannot read %s\n", path);
		return;
	}
	int lines = 0;
	while (fgets(line, sizeof line, f)) {
		char spelling[64], canonical[64];
		if (sscanf(line, "%63s %63s", spelling, canonical) != 2)
			continue;
		tnsr_dtype want = TNSR_DTYPE_COUNT;
		for (int i = 0; i < ROWS; i++)
			if (strcmp(rows[i].name, canonical) == 0)
				want = rows[i].dtype;
		parses(spelling, want);
		lines++;
	}
	fclose(f);
	CHECK(lines > 80, "dtype_names.txt lists the NumPy and PyTorch spellings");
}

static void test_errors(void)
{
	static const char *codes[][2] = {{"b1", "bool"}, {"i1", "i8"}, {"i2", "i16"}, {"i4", "i32"}, {"u1", "u8"},
					 {"u2", "u16"},  {"u4", "u32"}, {"f2", "f16"},  {"f4", "f32"},  {"f8", "f64"},
					 {"c8", "c64"},  {"c16", "c128"}};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		char msg[128];
		snprintf(msg, sizeof msg, "dtype '%s': ambiguous NumPy itemsize code (did you mean %s?)", codes[i][0],
			 codes[i][1]);
		fails(codes[i][0], msg);
	}
	fails("flot32", "unknown dtype 'flot32' (expected one of " NAMES "; did you mean float32?)");
	fails("Float32", "unknown dtype 'Float32' (expected one of " NAMES "; did you mean float32?)");
	fails("flaot64", "unknown dtype 'flaot64' (expected one of " NAMES "; did you mean float64?)");
	fails("int3", "unknown dtype 'int3' (expected one of " NAMES "; did you mean int32?)");
	fails("bfloat61", "unknown dtype 'bfloat61' (expected one of " NAMES "; did you mean bfloat16?)");
	fails("dobule", "unknown dtype 'dobule' (expected one of " NAMES "; did you mean double?)");
	fails("xyz", "unknown dtype 'xyz' (expected one of " NAMES ")");
	fails("", "unknown dtype '' (expected one of " NAMES ")");
	fails("<f3", NULL);
	fails("<f", NULL);
	fails("<", NULL);
	fails("<bf2", NULL);
	fails("<f04", NULL);
	fails("f32 ", NULL);
	fails(" f32", NULL);
	fails("<f4x", NULL);
	fails("torch.", NULL);
	fails("f999999999999999999999", NULL);
	fails("a-very-long-name-that-is-nothing-like-a-dtype-at-all", NULL);
	fails(NULL, NULL);
}

static void test_npy_descr(void)
{
	char buf[8];
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_F32, '<', buf), "<f4", "f32 little-endian");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_F64, '>', buf), ">f8", "f64 big-endian");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_C128, '<', buf), "<c16", "c128");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_F16, '<', buf), "<f2", "f16");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_I64, '<', buf), "<i8", "i64");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_BOOL, '<', buf), "|b1", "bool is '|'");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_I8, '>', buf), "|i1", "i8 is '|'");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_U8, '|', buf), "|u1", "u8 is '|'");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_U32, '|', buf), "<u4", "'|' on a wide dtype: native order");
	CHECK_STR(tnsr_dtype_npy_descr(TNSR_I16, '=', buf), "<i2", "'=': native order");
	CHECK(tnsr_dtype_npy_descr(TNSR_BF16, '<', buf) == NULL, "bf16 has no NumPy descr");
	CHECK(tnsr_dtype_npy_descr(TNSR_DTYPE_COUNT, '<', buf) == NULL, "no descr outside the enum");
	int ok = 1;
	for (int i = 0; i < ROWS; i++) {
		const char *d = tnsr_dtype_npy_descr(rows[i].dtype, '>', buf);
		tnsr_dtype back = TNSR_DTYPE_COUNT;
		if (d && (tnsr_dtype_parse(d, &back) != TNSR_OK || back != rows[i].dtype))
			ok = 0;
	}
	CHECK(ok, "every descr parses back to its dtype");
}

int main(void)
{
	test_table();
	test_own_names();
	test_oracle_names();
	test_errors();
	test_npy_descr();
	return check_done();
}
