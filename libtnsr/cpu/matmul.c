/* matmul.c: matmul (numpy.matmul / torch.matmul semantics) and linear (X @ W.T + b).
 * Floating products run in OpenBLAS straight on the operands' memory (a Fortran-order or
 * transposed operand is handed over with CblasTrans, not copied); f16/bf16 go through f32
 * with one rounding at the end; integers use a blocked loop that wraps as PyTorch's does. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
/* after ops.h: OpenBLAS's header pulls in <complex.h>, whose `complex` macro must not
 * reach declarations that use the word as a name */
#include <cblas.h>

/* ---------------------------------------------------------------- BLAS, by dtype */

/* One dtype's BLAS entry points behind one signature.  Matrices are row-major; TRANS
 * means the operand is stored as the row-major transpose (a column-major matrix).
 * ACC adds to the output (beta = 1) instead of overwriting it (beta = 0). */
typedef struct blas_ops {
	void (*gemm)(bool ta, bool tb, int m, int n, int k, const void *a, int lda, const void *b, int ldb,
		     bool acc, void *c, int ldc);
	/* y(m or n) = op(A) x, A an (m, n) row-major matrix. */
	void (*gemv)(bool ta, int m, int n, const void *a, int lda, const void *x, int incx, bool acc, void *y);
	void (*dot)(int n, const void *x, int incx, const void *y, int incy, bool acc, void *out);
} blas_ops;

#define TR(t) ((t) ? CblasTrans : CblasNoTrans)

#define REAL_BLAS(P, T)                                                                                      \
	static void P##_gemm(bool ta, bool tb, int m, int n, int k, const void *a, int lda, const void *b,   \
			     int ldb, bool acc, void *c, int ldc)                                            \
	{                                                                                                    \
		cblas_##P##gemm(CblasRowMajor, TR(ta), TR(tb), m, n, k, 1, a, lda, b, ldb, acc, c, ldc);    \
	}                                                                                                    \
	static void P##_gemv(bool ta, int m, int n, const void *a, int lda, const void *x, int incx, bool acc, \
			     void *y)                                                                        \
	{                                                                                                    \
		cblas_##P##gemv(CblasRowMajor, TR(ta), m, n, 1, a, lda, x, incx, acc, y, 1);                \
	}                                                                                                    \
	static void P##_dot(int n, const void *x, int incx, const void *y, int incy, bool acc, void *out)   \
	{                                                                                                    \
		T r = cblas_##P##dot(n, x, incx, y, incy);                                                  \
		*(T *)out = acc ? *(T *)out + r : r;                                                         \
	}                                                                                                    \
	static const blas_ops P##_ops = {P##_gemm, P##_gemv, P##_dot};

/* Complex: alpha and beta by pointer, and the unconjugated dot (matmul does not conjugate). */
#define COMPLEX_BLAS(P, T)                                                                                   \
	static const T P##_one[2] = {1, 0}, P##_zero[2] = {0, 0};                                            \
	static void P##_gemm(bool ta, bool tb, int m, int n, int k, const void *a, int lda, const void *b,   \
			     int ldb, bool acc, void *c, int ldc)                                            \
	{                                                                                                    \
		cblas_##P##gemm(CblasRowMajor, TR(ta), TR(tb), m, n, k, P##_one, a, lda, b, ldb,            \
				acc ? P##_one : P##_zero, c, ldc);                                           \
	}                                                                                                    \
	static void P##_gemv(bool ta, int m, int n, const void *a, int lda, const void *x, int incx, bool acc, \
			     void *y)                                                                        \
	{                                                                                                    \
		cblas_##P##gemv(CblasRowMajor, TR(ta), m, n, P##_one, a, lda, x, incx, acc ? P##_one : P##_zero, \
				y, 1);                                                                       \
	}                                                                                                    \
	static void P##_dot(int n, const void *x, int incx, const void *y, int incy, bool acc, void *out)   \
	{                                                                                                    \
		T r[2];                                                                                      \
		cblas_##P##dotu_sub(n, x, incx, y, incy, r);                                                \
		T *o = out;                                                                                  \
		o[0] = acc ? o[0] + r[0] : r[0];                                                             \
		o[1] = acc ? o[1] + r[1] : r[1];                                                             \
	}                                                                                                    \
	static const blas_ops P##_ops = {P##_gemm, P##_gemv, P##_dot};

REAL_BLAS(s, float)
REAL_BLAS(d, double)
COMPLEX_BLAS(c, float)
COMPLEX_BLAS(z, double)

/* The dtype each result dtype is computed in, and its BLAS (NULL: the integer kernel).
 * bool has no row: PyTorch refuses bool matmul. */
static const struct {
	bool defined;
	tnsr_dtype work;
	const blas_ops *blas;
} compute[TNSR_DTYPE_COUNT] = {
	[TNSR_I8] = {true, TNSR_I8, NULL},     [TNSR_I16] = {true, TNSR_I16, NULL},
	[TNSR_I32] = {true, TNSR_I32, NULL},   [TNSR_I64] = {true, TNSR_I64, NULL},
	[TNSR_U8] = {true, TNSR_U8, NULL},     [TNSR_U16] = {true, TNSR_U16, NULL},
	[TNSR_U32] = {true, TNSR_U32, NULL},   [TNSR_U64] = {true, TNSR_U64, NULL},
	[TNSR_F16] = {true, TNSR_F32, &s_ops}, [TNSR_BF16] = {true, TNSR_F32, &s_ops},
	[TNSR_F32] = {true, TNSR_F32, &s_ops}, [TNSR_F64] = {true, TNSR_F64, &d_ops},
	[TNSR_C64] = {true, TNSR_C64, &c_ops}, [TNSR_C128] = {true, TNSR_C128, &z_ops},
};

/* How BLAS can read a (rows, cols) matrix with element strides (rs, cs): row-major with
 * leading dimension LD, or column-major (TRANS) with LD.  Strides of size-1 dims do not
 * matter; negative, zero (broadcast) and overlapping strides cannot be expressed. */
typedef struct layout {
	bool ok, trans;
	int ld;
} layout;

static layout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs)
{
	int64_t r1 = rows > 1 ? rows : 1, c1 = cols > 1 ? cols : 1;
	if (r1 > INT_MAX || c1 > INT_MAX)
		return (layout){false, false, 0};
	if ((cols <= 1 || cs == 1) && (rows <= 1 || (rs >= c1 && rs <= INT_MAX)))
		return (layout){true, false, (int)(rows <= 1 ? c1 : rs)};
	if ((rows <= 1 || rs == 1) && (cols <= 1 || (cs >= r1 && cs <= INT_MAX)))
		return (layout){true, true, (int)(cols <= 1 ? r1 : cs)};
	return (layout){false, false, 0};
}

/* One operand of a product: its last two dims are the matrix, the rest batch dims. */
static layout matrix_layout(const tnsr_tensor *t)
{
	int n = t->ndim;
	return blas_layout(t->shape[n - 2], t->shape[n - 1], t->strides[n - 2], t->strides[n - 1]);
}

/* The step between consecutive elements of a vector of N elements with stride S (BLAS
 * wants it positive). */
static int vector_inc(int64_t n, int64_t s) { return n <= 1 ? 1 : (int)s; }

/* c (m, n) [+]= a (m, k) @ b (k, n) for one matrix of each, through OpenBLAS.  Vectors go
 * to gemv and dot, which OpenBLAS runs much faster than a gemm with a dim of 1; A_CS is
 * the step along a row of a (m = 1), B_RS the step down a column of b (n = 1). */
static void blas_product(const blas_ops *ops, const char *a, layout la, int64_t a_cs, const char *b, layout lb,
			 int64_t b_rs, int m, int n, int k, bool acc, char *c)
{
	if (m == 1 && n == 1)
		ops->dot(k, a, vector_inc(k, a_cs), b, vector_inc(k, b_rs), acc, c);
	else if (n == 1) /* c (m) = a (m, k) @ b (k) */
		ops->gemv(la.trans, la.trans ? k : m, la.trans ? m : k, a, la.ld, b, vector_inc(k, b_rs), acc, c);
	else if (m == 1) /* c (n) = b (k, n).T @ a (k) */
		ops->gemv(!lb.trans, lb.trans ? n : k, lb.trans ? k : n, b, lb.ld, a, vector_inc(k, a_cs), acc, c);
	else
		ops->gemm(la.trans, lb.trans, m, n, k, a, la.ld, b, lb.ld, acc, c, n);
}

/* ---------------------------------------------------------------- reference kernel */

/* The obvious triple loop over any strides, accumulating in double (complex double):
 * used only where BLAS's 32-bit sizes cannot describe the operands. */
#define REFERENCE(NAME, T, ACC)                                                                              \
	static void NAME(const char *a, int64_t a_rs, int64_t a_cs, const char *b, int64_t b_rs, int64_t b_cs,  \
			 int64_t m, int64_t n, int64_t k, bool acc, char *c)                                    \
	{                                                                                                    \
		const T *pa = (const T *)a, *pb = (const T *)b;                                              \
		T *pc = (T *)c;                                                                              \
		for (int64_t i = 0; i < m; i++)                                                              \
			for (int64_t j = 0; j < n; j++) {                                                    \
				ACC s = acc ? pc[i * n + j] : 0;                                             \
				for (int64_t p = 0; p < k; p++)                                              \
					s += (ACC)pa[i * a_rs + p * a_cs] * (ACC)pb[p * b_rs + j * b_cs];    \
				pc[i * n + j] = (T)s;                                                        \
			}                                                                                    \
	}
REFERENCE(reference_f32, float, double)
REFERENCE(reference_f64, double, double)
REFERENCE(reference_c64, _Complex float, _Complex double)
REFERENCE(reference_c128, _Complex double, _Complex double)

typedef void (*reference_fn)(const char *, int64_t, int64_t, const char *, int64_t, int64_t, int64_t, int64_t,
			     int64_t, bool, char *);
static const reference_fn references[TNSR_DTYPE_COUNT] = {
	[TNSR_F32] = reference_f32, [TNSR_F64] = reference_f64,
	[TNSR_C64] = reference_c64, [TNSR_C128] = reference_c128,
};

/* ---------------------------------------------------------------- integer kernel */

/* c[i0:i1, j0:j1] += a[i0:i1, k0:k1] @ b[k0:k1, j0:j1] for contiguous row-major a (m, k),
 * b (k, n), c (m, n).  Signed integers are computed as unsigned of the same width: the
 * low bits of sums and products do not depend on the sign, so the result wraps exactly
 * as PyTorch's (two's complement) without undefined behaviour.  MUL is wide enough that
 * the C promotions never reach a signed int. */
#define INT_TILE(NAME, T, MUL)                                                                               \
	__attribute__((target_clones("avx2", "default"))) static void NAME(                                 \
		const void *av, const void *bv, void *cv, int64_t k, int64_t n, int64_t i0, int64_t i1,     \
		int64_t k0, int64_t k1, int64_t j0, int64_t j1)                                             \
	{                                                                                                    \
		const T *restrict a = av, *restrict b = bv;                                                  \
		T *restrict c = cv;                                                                          \
		for (int64_t i = i0; i < i1; i++)                                                            \
			for (int64_t p = k0; p < k1; p++) {                                                  \
				MUL aip = a[i * k + p];                                                      \
				const T *restrict brow = b + p * n;                                          \
				T *restrict crow = c + i * n;                                                \
				_Pragma("omp simd") for (int64_t j = j0; j < j1; j++) crow[j] =             \
					(T)(crow[j] + aip * brow[j]);                                        \
			}                                                                                    \
	}
INT_TILE(int_tile_8, uint8_t, uint32_t)
INT_TILE(int_tile_16, uint16_t, uint32_t)
INT_TILE(int_tile_32, uint32_t, uint32_t)
INT_TILE(int_tile_64, uint64_t, uint64_t)

typedef void (*int_tile_fn)(const void *, const void *, void *, int64_t, int64_t, int64_t, int64_t, int64_t,
			    int64_t, int64_t, int64_t);

/* Tile sizes: a (IB, KB) block of a and a (KB, JB) block of b (at most 512 KiB) stay in
 * cache while a row block of c is updated. */
enum { IB = 32, KB = 128, JB = 512 };

/* ---------------------------------------------------------------- the product */

/* Operands of one product: a (batch..., m, k) and b (batch..., k, n) in the compute
 * dtype, with batch strides aligned to the result's batch dims (0 where broadcast). */
typedef struct product {
	tnsr_tensor *a, *b;
	int nbatch;
	int64_t batch[TNSR_MAX_DIMS], a_bs[TNSR_MAX_DIMS], b_bs[TNSR_MAX_DIMS];
	int64_t nb, m, n, k;
	size_t esize;
} product;

/* Element offsets of batch number I in a and b. */
static void batch_offsets(const product *p, int64_t i, int64_t *oa, int64_t *ob)
{
	int64_t a = 0, b = 0;
	for (int d = p->nbatch - 1; d >= 0 && i > 0; d--) {
		int64_t idx = i % p->batch[d];
		i /= p->batch[d];
		a += idx * p->a_bs[d];
		b += idx * p->b_bs[d];
	}
	*oa = a;
	*ob = b;
}

static char *elem(const tnsr_tensor *t, int64_t off, size_t esize)
{
	return (char *)tnsr_tensor_data(t) + off * (int64_t)esize;
}

/* Whether a's batch dims and rows merge into one dim (stride *RS), so that a product
 * with an unbatched b is a single tall one: (batch * m, k) @ (k, n). */
static bool rows_fold(const product *p, int64_t *rs)
{
	int64_t expect = -1; /* the stride the next outer dim must have; -1 while unknown */
	*rs = p->a->strides[p->a->ndim - 2];
	if (p->m != 1)
		expect = *rs * p->m;
	for (int d = p->nbatch - 1; d >= 0; d--) {
		if (p->batch[d] == 1)
			continue;
		if (p->b_bs[d] != 0)
			return false;
		if (expect < 0)
			*rs = expect = p->a_bs[d];
		else if (p->a_bs[d] != expect)
			return false;
		expect *= p->batch[d];
	}
	return true;
}

static void float_products(const product *p, const blas_ops *ops, tnsr_dtype work, bool acc, char *c)
{
	const tnsr_tensor *a = p->a, *b = p->b;
	int64_t a_rs = a->strides[a->ndim - 2], a_cs = a->strides[a->ndim - 1];
	int64_t b_rs = b->strides[b->ndim - 2], b_cs = b->strides[b->ndim - 1];
	int64_t m = p->m, nb = p->nb, rs;
	if (nb > 1 && rows_fold(p, &rs) && rs > 0) {
		layout la = blas_layout(nb * m, p->k, rs, a_cs), lb = matrix_layout(b);
		if (la.ok && !la.trans && lb.ok && nb * m <= INT_MAX) {
			blas_product(ops, tnsr_tensor_data(a), la, a_cs, tnsr_tensor_data(b), lb, b_rs, (int)(nb * m),
				     (int)p->n, (int)p->k, acc, c);
			return;
		}
	}
	layout la = matrix_layout(a), lb = matrix_layout(b);
	bool blas = la.ok && lb.ok && p->n <= INT_MAX && p->k <= INT_MAX && m <= INT_MAX;
	for (int64_t i = 0; i < nb; i++) {
		int64_t oa, ob;
		batch_offsets(p, i, &oa, &ob);
		char *ci = c + i * m * p->n * (int64_t)p->esize;
		if (blas)
			blas_product(ops, elem(a, oa, p->esize), la, a_cs, elem(b, ob, p->esize), lb, b_rs, (int)m,
				     (int)p->n, (int)p->k, acc, ci);
		else
			references[work](elem(a, oa, p->esize), a_rs, a_cs, elem(b, ob, p->esize), b_rs, b_cs, m, p->n,
					 p->k, acc, ci);
	}
}

static void int_products(const product *p, bool acc, char *c)
{
	static const int_tile_fn tiles[9] = {[1] = int_tile_8, [2] = int_tile_16, [4] = int_tile_32, [8] = int_tile_64};
	int_tile_fn tile = tiles[p->esize];
	int64_t m = p->m, n = p->n, k = p->k, nb = p->nb;
	if (!acc)
		memset(c, 0, (size_t)(nb * m * n) * p->esize);
	int64_t rs;
	if (nb > 1 && rows_fold(p, &rs) && rs == k) { /* a and b are C-contiguous here */
		m *= nb;
		nb = 1;
	}
	int64_t mblocks = (m + IB - 1) / IB, items = nb * mblocks;
	double work = (double)nb * (double)m * (double)n * (double)k;
	/* Each element of c is summed by one thread in a fixed order: results never depend
	 * on the thread count (and integers are exact anyway). */
#pragma omp parallel for schedule(static) if (work > 1e6 && items > 1)
	for (int64_t w = 0; w < items; w++) {
		int64_t bi = w / mblocks, i0 = (w % mblocks) * IB, i1 = i0 + IB < m ? i0 + IB : m, oa, ob;
		batch_offsets(p, bi, &oa, &ob);
		const char *ai = elem(p->a, oa, p->esize), *bi_ = elem(p->b, ob, p->esize);
		char *ci = c + bi * m * n * (int64_t)p->esize;
		for (int64_t k0 = 0; k0 < k; k0 += KB)
			for (int64_t j0 = 0; j0 < n; j0 += JB)
				tile(ai, bi_, ci, k, n, i0, i1, k0, k0 + KB < k ? k0 + KB : k, j0,
				     j0 + JB < n ? j0 + JB : n);
	}
}

/* f16 and bf16 results: the product in f32 (WORK), then one rounding into C. */
static tnsr_status rounded_products(const product *p, const blas_ops *ops, tnsr_dtype work, bool acc, tnsr_tensor *C)
{
	tnsr_tensor *tmp;
	tnsr_status st = acc ? tnsr_tensor_cast(C, work, &tmp) : tnsr_tensor_empty(work, C->ndim, C->shape, &tmp);
	if (st)
		return st;
	float_products(p, ops, work, acc, tnsr_tensor_data(tmp));
	tnsr_convert(C->dtype, tnsr_tensor_data(C), work, tnsr_tensor_data(tmp), (size_t)tnsr_tensor_numel(C));
	tnsr_tensor_free(tmp);
	return TNSR_OK;
}

/* An operand in the compute dtype WORK, laid out for the kernel: the tensor itself when
 * BLAS can read it as it is (no copy for transposed or Fortran-order operands), else a
 * C-contiguous copy.  The integer kernel wants C order. */
static tnsr_status prepare(const tnsr_tensor *t, tnsr_dtype work, bool blas, tnsr_tensor **out)
{
	if (t->dtype != work)
		return tnsr_tensor_cast(t, work, out);
	int n = t->ndim;
	bool huge = t->shape[n - 2] > INT_MAX || t->shape[n - 1] > INT_MAX; /* left to the reference loop */
	if (!blas || (!huge && !matrix_layout(t).ok))
		return tnsr_tensor_contiguous(t, out);
	*out = tnsr_tensor_view(t);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

/* C [+]= A @ B with A (..., m, k) and B (..., k, n), both at least 2-d, k already checked
 * and their batch dims broadcastable to BATCH (NBATCH dims).  C is C-contiguous, of the
 * result dtype, and holds batch... x m x n elements in that order whatever its shape. */
static tnsr_status product_into(const tnsr_tensor *A, const tnsr_tensor *B, int nbatch, const int64_t *batch,
				tnsr_tensor *C, bool acc)
{
	tnsr_dtype work = compute[C->dtype].work;
	const blas_ops *ops = compute[C->dtype].blas;
	product p = {.nbatch = nbatch, .nb = 1, .esize = tnsr_dtype_size(work)};
	p.m = A->shape[A->ndim - 2];
	p.k = A->shape[A->ndim - 1];
	p.n = B->shape[B->ndim - 1];
	for (int d = 0; d < nbatch; d++) {
		p.batch[d] = batch[d];
		p.nb *= batch[d];
	}
	if (p.nb == 0 || p.m == 0 || p.n == 0)
		return TNSR_OK;
	char *c = tnsr_tensor_data(C);
	if (p.k == 0) { /* an empty sum: zeros, as NumPy and PyTorch give */
		if (!acc)
			memset(c, 0, tnsr_tensor_nbytes(C));
		return TNSR_OK;
	}
	tnsr_status st;
	if ((st = prepare(A, work, ops != NULL, &p.a)) || (st = prepare(B, work, ops != NULL, &p.b)))
		goto done;
	for (int d = 0; d < nbatch; d++) {
		int ja = d - (nbatch - (p.a->ndim - 2)), jb = d - (nbatch - (p.b->ndim - 2));
		p.a_bs[d] = ja >= 0 && p.a->shape[ja] != 1 ? p.a->strides[ja] : 0;
		p.b_bs[d] = jb >= 0 && p.b->shape[jb] != 1 ? p.b->strides[jb] : 0;
	}
	if (!ops)
		int_products(&p, acc, c);
	else if (work == C->dtype)
		float_products(&p, ops, work, acc, c);
	else /* f16 and bf16: computed in f32, rounded once */
		st = rounded_products(&p, ops, work, acc, C);
done:
	tnsr_tensor_free(p.a);
	tnsr_tensor_free(p.b);
	return st;
}

/* ---------------------------------------------------------------- shape rules */

static char *fmt(const tnsr_tensor *t, char *buf, size_t n) { return tnsr_shape_format(t->ndim, t->shape, buf, n); }

static tnsr_status result_dtype(const char *name, int n, tnsr_tensor *const *in, tnsr_dtype *out)
{
	tnsr_dtype r = in[0]->dtype;
	for (int i = 1; i < n; i++)
		r = tnsr_promote_types(r, in[i]->dtype);
	if (!compute[r].defined)
		return tnsr_error(TNSR_E_DTYPE, "%s: not defined for %s (as in PyTorch; cast to an integer or float dtype)",
				  name, tnsr_dtype_name(r));
	*out = r;
	return TNSR_OK;
}

/* A 1-d operand as a matrix: a row (1, k) on the left, a column (k, 1) on the right. */
static tnsr_status as_matrix(const tnsr_tensor *t, int dim, tnsr_tensor **out)
{
	if (t->ndim == 1)
		return tnsr_tensor_unsqueeze(t, dim, out);
	*out = tnsr_tensor_view(t);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

/* The shared tail of matmul and linear: OUT = A @ B (+ OUT's values when ACC), with A and
 * B checked by matmul_shape, whose first NBATCH dims of SHAPE are the batch dims. */
static tnsr_status matmul_shaped(const tnsr_tensor *A, const tnsr_tensor *B, int nbatch, const int64_t *batch,
				 tnsr_tensor *out, bool acc)
{
	tnsr_tensor *a2 = NULL, *b2 = NULL;
	tnsr_status st;
	if (!(st = as_matrix(A, 0, &a2)) && !(st = as_matrix(B, 1, &b2)))
		st = product_into(a2, b2, nbatch, batch, out, acc);
	tnsr_tensor_free(a2);
	tnsr_tensor_free(b2);
	return st;
}

/* Result shape of A @ B: the NBATCH broadcast batch dims, then m unless A is 1-d, then n
 * unless B is 1-d.  Checks everything matmul_shaped relies on; dims in messages are
 * numbered as in the operands' own shapes. */
static tnsr_status matmul_shape(const char *name, const tnsr_tensor *A, const tnsr_tensor *B, int *ndim,
				int64_t *shape, int *nbatch)
{
	char x[256], y[256];
	if (A->ndim == 0 || B->ndim == 0)
		return tnsr_error(TNSR_E_SHAPE, "%s: shapes %s and %s: both operands need at least 1 dim", name,
				  fmt(A, x, sizeof x), fmt(B, y, sizeof y));
	int ka = A->ndim - 1, kb = B->ndim == 1 ? 0 : B->ndim - 2;
	if (A->shape[ka] != B->shape[kb])
		return tnsr_error(TNSR_E_SHAPE, "%s: shapes %s and %s not aligned: %lld (dim %d) != %lld (dim %d)", name,
				  fmt(A, x, sizeof x), fmt(B, y, sizeof y), (long long)A->shape[ka], ka,
				  (long long)B->shape[kb], kb);
	int na = A->ndim > 2 ? A->ndim - 2 : 0, nb = B->ndim > 2 ? B->ndim - 2 : 0, n = na > nb ? na : nb;
	for (int d = 0; d < n; d++) {
		int ja = d - (n - na), jb = d - (n - nb);
		int64_t sa = ja >= 0 ? A->shape[ja] : 1, sb = jb >= 0 ? B->shape[jb] : 1;
		if (sa != sb && sa != 1 && sb != 1)
			return tnsr_error(TNSR_E_SHAPE,
					  "%s: shapes %s and %s cannot broadcast batch dims: %lld (dim %d) != %lld (dim %d)",
					  name, fmt(A, x, sizeof x), fmt(B, y, sizeof y), (long long)sa, ja, (long long)sb, jb);
		shape[d] = sa == 1 ? sb : sa;
	}
	*nbatch = n;
	if (A->ndim >= 2)
		shape[n++] = A->shape[A->ndim - 2];
	if (B->ndim >= 2)
		shape[n++] = B->shape[B->ndim - 1];
	*ndim = n;
	return TNSR_OK;
}

/* A (..., m, k) @ B (..., k, n) -> (broadcast batch..., m, n); a 1-d A is a row (its m
 * dim removed from the result), a 1-d B a column (its n dim removed); 1-d @ 1-d is a
 * 0-d dot product.  The result dtype is torch.promote_types of the two. */
tnsr_status tnsr_run_matmul(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			    tnsr_tensor **out)
{
	int64_t shape[TNSR_MAX_DIMS];
	int ndim, nbatch;
	tnsr_dtype r = TNSR_F32;
	tnsr_status st;
	if ((st = matmul_shape(op->name, in[0], in[1], &ndim, shape, &nbatch)) ||
	    (st = result_dtype(op->name, 2, in, &r)) || (st = tnsr_tensor_empty(r, ndim, shape, out)))
		return st;
	if ((st = matmul_shaped(in[0], in[1], nbatch, shape, *out, false))) {
		tnsr_tensor_free(*out);
		*out = NULL;
	}
	return st;
}

/* Checks that BIAS broadcasts to the output shape (it may not grow it). */
static tnsr_status bias_check(const tnsr_tensor *bias, int ndim, const int64_t *shape)
{
	char x[256], y[256];
	if (bias->ndim > ndim)
		return tnsr_error(TNSR_E_SHAPE, "linear: bias of shape %s has more dims than the output's shape %s",
				  fmt(bias, x, sizeof x), tnsr_shape_format(ndim, shape, y, sizeof y));
	for (int i = 1; i <= bias->ndim; i++) {
		int64_t have = bias->shape[bias->ndim - i], want = shape[ndim - i];
		if (have != 1 && have != want)
			return tnsr_error(TNSR_E_SHAPE,
					  "linear: bias of shape %s cannot broadcast to the output's shape %s: %lld != %lld at dim %d",
					  fmt(bias, x, sizeof x), tnsr_shape_format(ndim, shape, y, sizeof y), (long long)have,
					  (long long)want, -i);
	}
	return TNSR_OK;
}

/* X (..., in) and W (out, in) -> X @ W.T (..., out), plus BIAS broadcast to that shape
 * (torch.nn.functional.linear).  A 1-d W (in,) gives X @ W (...).  The bias is written
 * into the output first and the product added to it (BLAS beta = 1), as torch's addmm. */
tnsr_status tnsr_run_linear(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			    tnsr_tensor **out)
{
	const tnsr_tensor *X = in[0], *W = in[1], *bias = n > 2 ? in[2] : NULL;
	char x[256], y[256];
	if (X->ndim == 0)
		return tnsr_error(TNSR_E_SHAPE, "linear: input of shape () (expected at least 1 dim)");
	if (W->ndim != 1 && W->ndim != 2)
		return tnsr_error(TNSR_E_SHAPE, "linear: weight of shape %s (expected (out_features, in_features) or (in_features,))",
				  fmt(W, y, sizeof y));
	int kx = X->ndim - 1, kw = W->ndim - 1;
	if (X->shape[kx] != W->shape[kw])
		return tnsr_error(TNSR_E_SHAPE, "linear: input %s and weight %s not aligned: %lld (dim %d) != %lld (dim %d)",
				  fmt(X, x, sizeof x), fmt(W, y, sizeof y), (long long)X->shape[kx], kx,
				  (long long)W->shape[kw], kw);
	tnsr_tensor *wt = NULL, *bx = NULL;
	int64_t shape[TNSR_MAX_DIMS];
	int ndim, nbatch;
	tnsr_dtype r = TNSR_F32;
	tnsr_status st = W->ndim == 2 ? tnsr_tensor_transpose(W, 0, 1, &wt)
				      : ((wt = tnsr_tensor_view(W)) ? TNSR_OK : TNSR_E_NOMEM);
	if (st || (st = matmul_shape(op->name, X, wt, &ndim, shape, &nbatch)) ||
	    (bias && (st = bias_check(bias, ndim, shape))) || (st = result_dtype(op->name, bias ? 3 : 2, in, &r)) ||
	    (st = tnsr_tensor_empty(r, ndim, shape, out))) {
		tnsr_tensor_free(wt);
		return st;
	}
	if (bias && !(st = tnsr_tensor_expand(bias, ndim, shape, &bx)))
		st = tnsr_tensor_copy_into(*out, bx);
	if (!st)
		st = matmul_shaped(X, wt, nbatch, shape, *out, bias != NULL);
	tnsr_tensor_free(wt);
	tnsr_tensor_free(bx);
	if (st) {
		tnsr_tensor_free(*out);
		*out = NULL;
	}
	return st;
}
