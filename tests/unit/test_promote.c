/* test_promote.c: type promotion (tnsr_promote_types, tnsr_result_type) against PyTorch
 * fixtures (tests/oracle/gen_promote_fixtures.py writes them into tests/fixtures/promote),
 * the u16/u32/u64 extension PyTorch 1.13 lacks, wrapped-scalar tensors and broadcasting. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tnsr.h"

static FILE *open_fixture(const char *name)
{
	const char *root = getenv("TNSR_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/fixtures/promote/%s", root ? root : ".", name);
	return fopen(path, "r");
}

/* PyTorch's complex32 (f16 with a complex number): tnsr has none and gives c64. */
static tnsr_dtype parse(const char *name)
{
	tnsr_dtype d;
	if (strcmp(name, "c32") == 0)
		return TNSR_C64;
	if (tnsr_dtype_parse(name, &d)) {
		printf("# fixture names an unknown dtype %s\n", name);
		exit(1);
	}
	return d;
}

/* An operand of CLASS ("dim", "zero", "wrapped"); promotion only reads dtype, ndim and
 * the wrapped flag. */
static tnsr_tensor operand(const char *cls, tnsr_dtype dtype)
{
	tnsr_tensor t;
	memset(&t, 0, sizeof t);
	t.dtype = dtype;
	t.ndim = strcmp(cls, "dim") == 0;
	t.shape[0] = 2;
	t.wrapped = strcmp(cls, "wrapped") == 0;
	return t;
}

static tnsr_dtype result2(tnsr_tensor a, tnsr_tensor b)
{
	const tnsr_tensor *ops[2] = {&a, &b};
	return tnsr_result_type(2, ops);
}

static void test_promote_fixture(void)
{
	FILE *f = open_fixture("promote_types.txt");
	if (!CHECK(f, "promote_types.txt fixture present"))
		return;
	char a[16], b[16], r[16];
	int lines = 0, bad = 0;
	while (fscanf(f, "%15s %15s %15s", a, b, r) == 3) {
		lines++;
		tnsr_dtype got = tnsr_promote_types(parse(a), parse(b));
		if (got != parse(r) && bad++ < 10)
			printf("#   promote_types(%s, %s): got %s, torch %s\n", a, b, tnsr_dtype_name(got), r);
	}
	fclose(f);
	CHECK_EQ(lines, 144, "promote_types fixture covers the 12 x 12 torch dtypes");
	CHECK_EQ(bad, 0, "promote_types equals torch.promote_types for every pair");
}

static void test_result_type_fixture(void)
{
	FILE *f = open_fixture("result_type.txt");
	if (!CHECK(f, "result_type.txt fixture present"))
		return;
	char ca[16], a[16], cb[16], b[16], r[16];
	int lines = 0, bad[3][3] = {{0}}, seen[3][3] = {{0}};
	const char *classes[3] = {"dim", "zero", "wrapped"};
	while (fscanf(f, "%15s %15s %15s %15s %15s", ca, a, cb, b, r) == 5) {
		lines++;
		int ia = 0, ib = 0;
		while (ia < 2 && strcmp(classes[ia], ca))
			ia++;
		while (ib < 2 && strcmp(classes[ib], cb))
			ib++;
		seen[ia][ib]++;
		tnsr_dtype got = result2(operand(ca, parse(a)), operand(cb, parse(b)));
		if (got != parse(r) && bad[ia][ib]++ < 5)
			printf("#   result_type(%s %s, %s %s): got %s, torch %s\n", ca, a, cb, b,
			       tnsr_dtype_name(got), r);
	}
	fclose(f);
	CHECK_EQ(lines, 28 * 28, "result_type fixture covers 28 x 28 operands");
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			char what[128];
			snprintf(what, sizeof what, "result_type(%s, %s) equals torch.result_type (%d cases)",
				 classes[i], classes[j], seen[i][j]);
			CHECK(seen[i][j] > 0 && bad[i][j] == 0, what);
		}
}

/* Rules that need no fixture: the table is symmetric and idempotent; wrapped float and
 * complex literals count as the default dtypes whatever their width. */
static void test_table_laws(void)
{
	int asym = 0, idem = 0, wrap = 0;
	const char *classes[3] = {"dim", "zero", "wrapped"};
	for (int a = 0; a < TNSR_DTYPE_COUNT; a++) {
		idem += tnsr_promote_types(a, a) != (tnsr_dtype)a;
		for (int b = 0; b < TNSR_DTYPE_COUNT; b++)
			asym += tnsr_promote_types(a, b) != tnsr_promote_types(b, a);
		for (int c = 0; c < 3; c++) {
			tnsr_tensor x = operand(classes[c], a);
			wrap += result2(x, operand("wrapped", TNSR_F32)) != result2(x, operand("wrapped", TNSR_F64));
			wrap += result2(x, operand("wrapped", TNSR_F16)) != result2(x, operand("wrapped", TNSR_F64));
			wrap += result2(x, operand("wrapped", TNSR_C64)) != result2(x, operand("wrapped", TNSR_C128));
		}
	}
	CHECK_EQ(asym, 0, "promote_types is symmetric over all 15 x 15 pairs");
	CHECK_EQ(idem, 0, "promote_types(a, a) == a for all 15 dtypes");
	CHECK_EQ(wrap, 0, "a wrapped float/complex literal promotes the same whatever its width");
}

/* u16, u32, u64: NumPy's integer rules, PyTorch's "a float wins" rule (see promote.c). */
static void test_unsigned_extension(void)
{
	struct { tnsr_dtype a, b, r; } cases[] = {
		{TNSR_U16, TNSR_I8, TNSR_I32},   {TNSR_U16, TNSR_I16, TNSR_I32}, {TNSR_U16, TNSR_I32, TNSR_I32},
		{TNSR_U16, TNSR_U8, TNSR_U16},   {TNSR_U32, TNSR_I8, TNSR_I64},  {TNSR_U32, TNSR_I32, TNSR_I64},
		{TNSR_U32, TNSR_U16, TNSR_U32},  {TNSR_U64, TNSR_I8, TNSR_F64},  {TNSR_U64, TNSR_I64, TNSR_F64},
		{TNSR_U64, TNSR_U32, TNSR_U64},  {TNSR_U64, TNSR_BOOL, TNSR_U64}, {TNSR_U64, TNSR_F16, TNSR_F16},
		{TNSR_U32, TNSR_BF16, TNSR_BF16}, {TNSR_U16, TNSR_C64, TNSR_C64}, {TNSR_U64, TNSR_F32, TNSR_F32},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		if (tnsr_promote_types(cases[i].a, cases[i].b) != cases[i].r && bad++ < 5)
			printf("#   promote_types(%s, %s) = %s, expected %s\n", tnsr_dtype_name(cases[i].a),
			       tnsr_dtype_name(cases[i].b), tnsr_dtype_name(tnsr_promote_types(cases[i].a, cases[i].b)),
			       tnsr_dtype_name(cases[i].r));
	CHECK_EQ(bad, 0, "u16/u32/u64 promote as NumPy among integers, to the float with floats");
	CHECK_EQ(result2(operand("dim", TNSR_U16), operand("wrapped", TNSR_I64)), TNSR_U16, "u16[2] + 1 -> u16");
	CHECK_EQ(result2(operand("dim", TNSR_U64), operand("zero", TNSR_I64)), TNSR_U64, "u64[2] + i64 0-d -> u64");
	CHECK_EQ(result2(operand("dim", TNSR_U32), operand("wrapped", TNSR_F64)), TNSR_F32, "u32[2] + 2.5 -> f32");
	CHECK_EQ(result2(operand("zero", TNSR_U64), operand("zero", TNSR_I8)), TNSR_F64, "u64 0-d + i8 0-d -> f64");
}

/* More than two operands (clamp's bounds, where's branches) and the examples of tnsr.h. */
static void test_result_type_examples(void)
{
	tnsr_tensor a = operand("dim", TNSR_I32), b = operand("zero", TNSR_F64), c = operand("wrapped", TNSR_C128);
	const tnsr_tensor *three[3] = {&a, &b, &c};
	CHECK_EQ(tnsr_result_type(3, three), TNSR_C128, "i32[2], f64 0-d, 1j -> c128 (the 0-d class gives c128)");
	tnsr_tensor d = operand("dim", TNSR_F16), e = operand("wrapped", TNSR_I64), g = operand("wrapped", TNSR_F64);
	const tnsr_tensor *clamp[3] = {&d, &e, &g};
	CHECK_EQ(tnsr_result_type(3, clamp), TNSR_F16, "f16[2] clamped by 0 and 2.5 stays f16");
	tnsr_tensor h = operand("dim", TNSR_I8), i = operand("wrapped", TNSR_I64), j = operand("wrapped", TNSR_F64);
	const tnsr_tensor *clamp2[3] = {&h, &i, &j};
	CHECK_EQ(tnsr_result_type(3, clamp2), TNSR_F32, "i8[2] clamped by 0 and 2.5 -> f32");
	CHECK_EQ(result2(operand("dim", TNSR_I64), operand("wrapped", TNSR_F64)), TNSR_F32, "i64[3] + 2.5 -> f32");
	CHECK_EQ(result2(operand("dim", TNSR_U8), operand("dim", TNSR_I8)), TNSR_I16, "u8 + i8 -> i16");
	CHECK_EQ(result2(operand("dim", TNSR_F32), operand("zero", TNSR_F64)), TNSR_F32, "f32[3] + f64 0-d -> f32");
	CHECK_EQ(result2(operand("dim", TNSR_I32), operand("zero", TNSR_F64)), TNSR_F64, "i32[3] + f64 0-d -> f64");
	CHECK_EQ(result2(operand("dim", TNSR_F16), operand("wrapped", TNSR_F64)), TNSR_F16, "f16[3] + 2.5 -> f16");
	CHECK_EQ(result2(operand("dim", TNSR_F16), operand("wrapped", TNSR_C128)), TNSR_C64,
		 "f16[3] + 1j -> c64 (torch: complex32, which tnsr lacks)");
	CHECK_EQ(result2(operand("wrapped", TNSR_I64), operand("wrapped", TNSR_F64)), TNSR_F32, "1 + 2.5 -> f32");
	CHECK_EQ(result2(operand("dim", TNSR_U8), operand("wrapped", TNSR_I8)), TNSR_U8,
		 "a wrapped integer of any width counts as an integer");
}

static void test_scalars(void)
{
	tnsr_tensor *t;
	CHECK(tnsr_tensor_scalar(TNSR_F64, 2.5, 0, &t) == TNSR_OK, "scalar f64");
	CHECK(t->ndim == 0 && t->wrapped && t->dtype == TNSR_F64 && *(double *)tnsr_tensor_data(t) == 2.5,
	      "scalar f64: 0-d, wrapped, 2.5");
	tnsr_tensor_free(t);
	CHECK(tnsr_tensor_scalar(TNSR_BOOL, 1, 0, &t) == TNSR_OK && t->wrapped &&
	      *(uint8_t *)tnsr_tensor_data(t) == 1, "scalar True");
	tnsr_tensor_free(t);
	CHECK(tnsr_tensor_scalar(TNSR_C128, 1.5, -2, &t) == TNSR_OK && ((double *)tnsr_tensor_data(t))[0] == 1.5 &&
	      ((double *)tnsr_tensor_data(t))[1] == -2, "scalar c128 keeps both parts");
	tnsr_tensor_free(t);
	CHECK(tnsr_tensor_scalar(TNSR_I32, -7.9, 0, &t) == TNSR_OK && *(int32_t *)tnsr_tensor_data(t) == -7,
	      "scalar i32 from -7.9 truncates as tnsr_convert does");
	tnsr_tensor_free(t);
	CHECK(tnsr_tensor_scalar((tnsr_dtype)99, 0, 0, &t) == TNSR_E_DTYPE, "scalar of a dtype out of range fails");
	CHECK(tnsr_tensor_scalar_i64(INT64_MIN, &t) == TNSR_OK && t->wrapped && t->dtype == TNSR_I64 &&
	      *(int64_t *)tnsr_tensor_data(t) == INT64_MIN, "scalar_i64 holds INT64_MIN exactly");
	tnsr_tensor_free(t);
}

static void check_broadcast(int na, const int64_t *a, int nb, const int64_t *b, const char *expect)
{
	int n = -1;
	int64_t shape[TNSR_MAX_DIMS];
	char buf[256], what[300];
	tnsr_status st = tnsr_broadcast_shapes(na, a, nb, b, &n, shape);
	snprintf(what, sizeof what, "broadcast %s", expect);
	if (st) {
		CHECK_STR(tnsr_error_message(), expect, what);
		CHECK_EQ(st, TNSR_E_SHAPE, "broadcast failure is TNSR_E_SHAPE");
	} else {
		CHECK_STR(tnsr_shape_format(n, shape, buf, sizeof buf), expect, what);
	}
}

static void test_broadcast(void)
{
	const int64_t s34[] = {3, 4}, s4[] = {4}, s5[] = {5}, s213[] = {2, 1, 3}, s41[] = {4, 1}, s3[] = {3};
	const int64_t s04[] = {0, 4}, s0[] = {0}, s10[] = {1, 0}, s51[] = {5, 1}, s1[] = {1};
	check_broadcast(2, s34, 1, s4, "(3, 4)");
	check_broadcast(1, s4, 2, s34, "(3, 4)");
	check_broadcast(3, s213, 2, s41, "(2, 4, 3)");
	check_broadcast(0, NULL, 1, s3, "(3,)");
	check_broadcast(0, NULL, 0, NULL, "()");
	check_broadcast(2, s04, 1, s4, "(0, 4)");
	check_broadcast(2, s04, 1, s1, "(0, 4)");
	check_broadcast(2, s10, 2, s51, "(5, 0)");
	check_broadcast(2, s34, 1, s5, "shapes (3, 4) and (5,) cannot broadcast: 4 != 5 at dim -1");
	check_broadcast(1, s0, 1, s3, "shapes (0,) and (3,) cannot broadcast: 0 != 3 at dim -1");
	check_broadcast(3, s213, 2, s34, "shapes (2, 1, 3) and (3, 4) cannot broadcast: 3 != 4 at dim -1");
	check_broadcast(2, s41, 2, s34, "shapes (4, 1) and (3, 4) cannot broadcast: 4 != 3 at dim -2");
}

int main(void)
{
	test_promote_fixture();
	test_result_type_fixture();
	test_table_laws();
	test_unsigned_extension();
	test_result_type_examples();
	test_scalars();
	test_broadcast();
	return check_done();
}
