/* test_matmul.c: matmul and linear against the obvious triple loop, for the operand
 * layouts the command line cannot reach (negative and zero strides on either side, vectors
 * with steps for gemv and dot, batches that fold into one gemm and batches that cannot),
 * f16/bf16 rounded once from f32, and integer wraparound through the tiled kernel.
 *
 * Values are small integers, so every floating product here is exact and compared exactly. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops.h"

/* Stops the run when a call that the test relies on fails. */
static void must(tnsr_status st)
{
	if (st) {
		printf("Bail out! %s\n", tnsr_error_message());
		exit(1);
	}
}

/* A C-contiguous DTYPE tensor of SHAPE holding small integers picked by SEED: -4..4, or
 * 0..4 for unsigned dtypes (so that no product here wraps; test_int_wrap does that). */
static tnsr_tensor *ints(tnsr_dtype dtype, int ndim, const int64_t *shape, int seed)
{
	tnsr_tensor *f, *t;
	must(tnsr_tensor_empty(TNSR_F64, ndim, shape, &f));
	double *v = tnsr_tensor_data(f);
	for (int64_t i = 0, n = tnsr_tensor_numel(f); i < n; i++)
		v[i] = tnsr_dtype_get(dtype)->kind == TNSR_KIND_UINT ? (double)((i * 7 + seed * 13 + (i * i) % 5) % 5)
									: (double)((i * 7 + seed * 13 + (i * i) % 5) % 9) - 4;
	must(tnsr_tensor_cast(f, dtype, &t));
	tnsr_tensor_free(f);
	return t;
}

/* Element INDEX (a multi-index of T's ndim) of T as a double (real part). */
static double at(const tnsr_tensor *t, const int64_t *index)
{
	int64_t off = 0;
	for (int d = 0; d < t->ndim; d++)
		off += index[d] * t->strides[d];
	tnsr_tensor one = *t, *c;
	one.ndim = 0;
	one.offset += off;
	must(tnsr_tensor_cast(&one, TNSR_F64, &c));
	double v = *(double *)tnsr_tensor_data(c);
	tnsr_tensor_free(c);
	return v;
}

/* The reference: A (batch..., m, k) @ B (batch..., k, n) for operands of equal ndim >= 2
 * whose batch dims are equal or 1, in doubles. */
static bool matches_reference(const tnsr_tensor *A, const tnsr_tensor *B, const tnsr_tensor *C)
{
	int nd = A->ndim, nb = nd - 2;
	int64_t m = A->shape[nd - 2], k = A->shape[nd - 1], n = B->shape[nd - 1], batch[TNSR_MAX_DIMS], total = 1;
	for (int d = 0; d < nb; d++) {
		batch[d] = A->shape[d] > B->shape[d] ? A->shape[d] : B->shape[d];
		total *= batch[d];
	}
	for (int64_t b = 0; b < total; b++) {
		int64_t ia[TNSR_MAX_DIMS], ib[TNSR_MAX_DIMS], ic[TNSR_MAX_DIMS], rest = b;
		for (int d = nb - 1; d >= 0; d--) {
			int64_t i = rest % batch[d];
			rest /= batch[d];
			ic[d] = i;
			ia[d] = A->shape[d] == 1 ? 0 : i;
			ib[d] = B->shape[d] == 1 ? 0 : i;
		}
		for (int64_t i = 0; i < m; i++)
			for (int64_t j = 0; j < n; j++) {
				double s = 0;
				for (int64_t p = 0; p < k; p++) {
					ia[nb] = i, ia[nb + 1] = p, ib[nb] = p, ib[nb + 1] = j;
					s += at(A, ia) * at(B, ib);
				}
				ic[nb] = i, ic[nb + 1] = j;
				double got = at(C, ic);
				if (got != s) {
					printf("#   batch %lld (%lld, %lld): got %g, expected %g\n", (long long)b, (long long)i,
					       (long long)j, got, s);
					return false;
				}
			}
	}
	return true;
}

static tnsr_tensor *matmul(const tnsr_tensor *a, const tnsr_tensor *b)
{
	tnsr_tensor *in[2] = {(tnsr_tensor *)a, (tnsr_tensor *)b}, *out = NULL;
	tnsr_op_args args = tnsr_op_args_default();
	must(tnsr_op_apply(tnsr_op_find("matmul"), in, 2, &args, &out));
	return out;
}

static tnsr_tensor *slice(const tnsr_tensor *t, const char *spec)
{
	tnsr_slice_item items[2 * TNSR_MAX_DIMS];
	int n;
	tnsr_tensor *out;
	must(tnsr_slice_parse(spec, items, 2 * TNSR_MAX_DIMS, &n));
	must(tnsr_tensor_slice(t, items, n, &out));
	return out;
}

/* A @ B checked against the reference; frees A and B. */
static void check_product(tnsr_tensor *a, tnsr_tensor *b, const char *what)
{
	tnsr_tensor *c = matmul(a, b);
	CHECK(matches_reference(a, b, c), what);
	tnsr_tensor_free(a);
	tnsr_tensor_free(b);
	tnsr_tensor_free(c);
}

#define SHAPE(...) (sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]){__VA_ARGS__}

static void test_layouts(tnsr_dtype dt)
{
	tnsr_tensor *t, *u;
	char what[128];
	const char *name = tnsr_dtype_name(dt);
#define WHAT(s) (snprintf(what, sizeof what, "%s: %s", name, s), what)
	check_product(ints(dt, SHAPE(3, 4), 1), ints(dt, SHAPE(4, 5), 2), WHAT("C-order operands"));
	/* reversed views on both sides: BLAS cannot take them, a copy is made */
	t = ints(dt, SHAPE(3, 4), 3), u = ints(dt, SHAPE(4, 5), 4);
	check_product(slice(t, "[::-1, ::-1]"), slice(u, "[::-1, ::-2]"), WHAT("reversed views on both sides"));
	tnsr_tensor_free(t), tnsr_tensor_free(u);
	/* transposed views on both sides: passed to BLAS with CblasTrans */
	t = ints(dt, SHAPE(4, 3), 5), u = ints(dt, SHAPE(5, 4), 6);
	tnsr_tensor *tt, *ut;
	must(tnsr_tensor_transpose(t, 0, 1, &tt));
	must(tnsr_tensor_transpose(u, 0, 1, &ut));
	check_product(tt, ut, WHAT("transposed views on both sides"));
	tnsr_tensor_free(t), tnsr_tensor_free(u);
	/* a matrix with a gap between rows (a column slice) */
	t = ints(dt, SHAPE(3, 9), 7);
	check_product(slice(t, "[:, 2:6]"), ints(dt, SHAPE(4, 2), 8), WHAT("rows with a gap"));
	tnsr_tensor_free(t);
	/* stride 0 inside the matrix (expanded) on both sides */
	t = ints(dt, SHAPE(3, 1), 9), u = ints(dt, SHAPE(1, 5), 10);
	tnsr_tensor *te, *ue;
	must(tnsr_tensor_expand(t, SHAPE(3, 4), &te));
	must(tnsr_tensor_expand(u, SHAPE(4, 5), &ue));
	check_product(te, ue, WHAT("expanded (stride 0) matrices"));
	tnsr_tensor_free(t), tnsr_tensor_free(u);
	/* vectors with steps: gemv with incx != 1, dot with both steps, and reversed */
	t = ints(dt, SHAPE(5, 3), 11);
	check_product(ints(dt, SHAPE(4, 5), 12), slice(t, "[:, 1:2]"), WHAT("gemv on a strided column"));
	check_product(slice(t, "[None, :, 0]"), slice(t, "[:, 2:3]"), WHAT("dot of strided vectors"));
	check_product(slice(t, "[None, ::-1, 0]"), slice(t, "[::-1, 2:3]"), WHAT("dot of reversed vectors"));
	check_product(slice(t, "[1:2, :]"), ints(dt, SHAPE(3, 6), 13), WHAT("a row (m = 1) times a matrix"));
	u = ints(dt, SHAPE(6, 3), 14);
	must(tnsr_tensor_transpose(u, 0, 1, &ut));
	check_product(slice(t, "[1:2, :]"), ut, WHAT("a row times a transposed matrix"));
	tnsr_tensor_free(t), tnsr_tensor_free(u);
	/* batches: one tall gemm when b is unbatched and a's rows run on, else one per batch */
	check_product(ints(dt, SHAPE(2, 3, 4), 15), ints(dt, SHAPE(1, 4, 5), 16), WHAT("batch folded into rows"));
	t = ints(dt, SHAPE(2, 3, 8), 17);
	check_product(slice(t, "[:, :, :4]"), ints(dt, SHAPE(1, 4, 5), 18), WHAT("folded batch with row gaps"));
	tnsr_tensor_free(t);
	t = ints(dt, SHAPE(2, 4, 4), 19);
	check_product(slice(t, "[:, :3, :]"), ints(dt, SHAPE(1, 4, 5), 20), WHAT("batch that cannot fold"));
	tnsr_tensor_free(t);
	t = ints(dt, SHAPE(1, 3, 4), 21);
	must(tnsr_tensor_expand(t, SHAPE(4, 3, 4), &te));
	check_product(te, ints(dt, SHAPE(4, 4, 2), 22), WHAT("batch broadcast by stride 0"));
	tnsr_tensor_free(t);
	check_product(ints(dt, SHAPE(3, 1, 2, 4), 23), ints(dt, SHAPE(1, 2, 4, 3), 24), WHAT("batch broadcast both ways"));
	t = ints(dt, SHAPE(3, 4, 5), 25), u = ints(dt, SHAPE(3, 5, 2), 26);
	check_product(slice(t, "[::-1]"), slice(u, "[:, ::-1, ::-1]"), WHAT("reversed batch dim"));
	tnsr_tensor_free(t), tnsr_tensor_free(u);
#undef WHAT
}

/* f16 and bf16 accumulate in f32 and round once: 2048 + 1 + 1 is 2050 in f16, where an
 * f16 accumulator would stick at 2048 (and 256 + 1 + 1 in bf16). */
static void test_one_rounding(tnsr_dtype dt, double big)
{
	tnsr_tensor *f, *a, *b, *c, *r;
	must(tnsr_tensor_empty(TNSR_F64, SHAPE(3), &f));
	double *v = tnsr_tensor_data(f);
	v[0] = big, v[1] = 1, v[2] = 1;
	must(tnsr_tensor_cast(f, dt, &a));
	v[0] = v[1] = v[2] = 1;
	must(tnsr_tensor_cast(f, dt, &b));
	c = matmul(a, b);
	CHECK_EQ(c->dtype, dt, "half-precision matmul keeps its dtype");
	must(tnsr_tensor_cast(c, TNSR_F64, &r));
	char what[96];
	snprintf(what, sizeof what, "%s dot accumulates in f32: %g + 1 + 1", tnsr_dtype_name(dt), big);
	CHECK_EQ(*(double *)tnsr_tensor_data(r), big + 2, what);
	tnsr_tensor *ff[] = {f, a, b, c, r};
	for (int i = 0; i < 5; i++)
		tnsr_tensor_free(ff[i]);
}

/* Integer products wrap in the result dtype: compared with the exact product in uint64
 * reduced to the dtype's width.  Sizes cross the kernel's tiles (32 x 128 x 512). */
static void test_int_wrap(tnsr_dtype dt, int64_t m, int64_t k, int64_t n, int64_t scale)
{
	tnsr_tensor *fa, *fb, *a, *b, *c, *c64;
	must(tnsr_tensor_empty(TNSR_I64, SHAPE(m, k), &fa));
	must(tnsr_tensor_empty(TNSR_I64, SHAPE(k, n), &fb));
	int64_t *va = tnsr_tensor_data(fa), *vb = tnsr_tensor_data(fb);
	for (int64_t i = 0; i < m * k; i++)
		va[i] = (i * 2654435761u % 1000) * scale - 500 * scale;
	for (int64_t i = 0; i < k * n; i++)
		vb[i] = (i * 40503u % 1000) * scale - 300 * scale;
	must(tnsr_tensor_cast(fa, dt, &a));
	must(tnsr_tensor_cast(fb, dt, &b));
	/* the reference wraps exactly as the dtype: the inputs as that dtype holds them */
	tnsr_tensor *ra, *rb;
	must(tnsr_tensor_cast(a, TNSR_I64, &ra));
	must(tnsr_tensor_cast(b, TNSR_I64, &rb));
	c = matmul(a, b);
	must(tnsr_tensor_cast(c, TNSR_I64, &c64));
	const int64_t *xa = tnsr_tensor_data(ra), *xb = tnsr_tensor_data(rb), *got = tnsr_tensor_data(c64);
	int bits = (int)tnsr_dtype_size(dt) * 8, bad = 0;
	bool is_signed = tnsr_dtype_get(dt)->kind == TNSR_KIND_INT;
	for (int64_t i = 0; i < m && !bad; i++)
		for (int64_t j = 0; j < n && !bad; j++) {
			uint64_t s = 0;
			for (int64_t p = 0; p < k; p++)
				s += (uint64_t)xa[i * k + p] * (uint64_t)xb[p * n + j];
			if (bits < 64) {
				s &= (1ull << bits) - 1;
				if (is_signed && (s >> (bits - 1)))
					s |= ~((1ull << bits) - 1);
			}
			if ((uint64_t)got[i * n + j] != s) {
				printf("#   (%lld, %lld): got %lld, expected %lld\n", (long long)i, (long long)j,
				       (long long)got[i * n + j], (long long)s);
				bad = 1;
			}
		}
	char what[96];
	snprintf(what, sizeof what, "%s (%lld, %lld) @ (%lld, %lld) wraps like the dtype", tnsr_dtype_name(dt),
		 (long long)m, (long long)k, (long long)k, (long long)n);
	CHECK(!bad, what);
	tnsr_tensor *all[] = {fa, fb, a, b, c, c64, ra, rb};
	for (int i = 0; i < 8; i++)
		tnsr_tensor_free(all[i]);
}

/* linear writes the bias first and adds the product (beta = 1); with k = 0 the result
 * is the bias alone, broadcast. */
static void test_linear_bias(void)
{
	tnsr_tensor *x = ints(TNSR_F32, SHAPE(3, 0), 1), *w = ints(TNSR_F32, SHAPE(2, 0), 2);
	tnsr_tensor *bias = ints(TNSR_F64, SHAPE(2), 3), *out = NULL, *in[3] = {x, w, bias};
	tnsr_op_args args = tnsr_op_args_default();
	must(tnsr_op_apply(tnsr_op_find("linear"), in, 3, &args, &out));
	bool ok = out->dtype == TNSR_F64 && out->ndim == 2 && out->shape[0] == 3 && out->shape[1] == 2;
	for (int64_t i = 0; ok && i < 3; i++)
		for (int64_t j = 0; j < 2; j++)
			ok &= at(out, (const int64_t[]){i, j}) == at(bias, (const int64_t[]){j});
	CHECK(ok, "linear with k = 0 gives the bias, broadcast and promoted");
	tnsr_tensor_free(out);
	tnsr_tensor_free(x);
	tnsr_tensor_free(w);
	tnsr_tensor_free(bias);
}

static void test_errors(void)
{
	tnsr_tensor *a = ints(TNSR_BOOL, SHAPE(2, 3), 1), *b = ints(TNSR_BOOL, SHAPE(3, 2), 2), *out = NULL;
	tnsr_tensor *in[2] = {a, b};
	tnsr_op_args args = tnsr_op_args_default();
	CHECK_EQ(tnsr_op_apply(tnsr_op_find("matmul"), in, 2, &args, &out), TNSR_E_DTYPE, "bool matmul is refused");
	CHECK(out == NULL, "no result on failure");
	tnsr_tensor_free(a);
	tnsr_tensor_free(b);
	a = ints(TNSR_F32, SHAPE(64, 784), 1), b = ints(TNSR_F32, SHAPE(10, 784), 2);
	in[0] = a, in[1] = b;
	CHECK_EQ(tnsr_op_apply(tnsr_op_find("matmul"), in, 2, &args, &out), TNSR_E_SHAPE, "misaligned shapes");
	CHECK_STR(tnsr_error_message(), "matmul: shapes (64, 784) and (10, 784) not aligned: 784 (dim 1) != 10 (dim 0)",
		  "the message names both shapes and dims");
	tnsr_tensor_free(a);
	tnsr_tensor_free(b);
}

int main(void)
{
	const tnsr_dtype dtypes[] = {TNSR_F32, TNSR_F64, TNSR_C64, TNSR_C128, TNSR_F16, TNSR_BF16, TNSR_I64, TNSR_I32,
				     TNSR_I16, TNSR_U8, TNSR_U64};
	for (size_t i = 0; i < sizeof dtypes / sizeof *dtypes; i++)
		test_layouts(dtypes[i]);
	test_one_rounding(TNSR_F16, 2048);
	test_one_rounding(TNSR_BF16, 256);
	test_int_wrap(TNSR_I8, 5, 300, 7, 1);
	test_int_wrap(TNSR_U16, 40, 200, 530, 70);
	test_int_wrap(TNSR_I32, 70, 300, 600, 5000);
	test_int_wrap(TNSR_U32, 3, 20, 4, 1 << 20);
	test_int_wrap(TNSR_I64, 33, 130, 515, 1ll << 40);
	test_linear_bias();
	test_errors();
	return check_done();
}
