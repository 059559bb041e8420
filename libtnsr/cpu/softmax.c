/* softmax.c: softmax and log_softmax along one dim (torch.softmax, torch.log_softmax),
 * made stable by subtracting each slice's max.  f32 computes in f32 (sums in f64), f64
 * in f64, f16/bf16 in f32 and round once; any layout (non-contiguous inputs are copied
 * first); rows across threads for large tensors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"

#define SOFTMAX_TILE 256   /* inner positions handled together when the dim is not last */
#define SOFTMAX_PAR (1 << 16) /* elements below which one thread does the work */

/* x, y: (outer, k, inner) contiguous; LOG selects log_softmax.  A slice's NaN makes it
 * all NaN; a slice of -inf (or holding +inf) gives NaN as in PyTorch, log_softmax of
 * finite values with some -inf gives -inf there. */
#define SOFTMAX_KERNEL(NAME, T, EXP)                                                              \
	static void NAME##_last(const T *restrict x, T *restrict y, int64_t k, bool log_)       \
	{                                                                                        \
		T m = -INFINITY;                                                                 \
		for (int64_t i = 0; i < k; i++)                                                  \
			m = (x[i] > m || x[i] != x[i]) ? x[i] : m;                               \
		double s = 0;                                                                    \
		if (log_) {                                                                      \
			for (int64_t i = 0; i < k; i++)                                          \
				s += (double)EXP(x[i] - m);                                      \
			double ls = log(s);                                                      \
			for (int64_t i = 0; i < k; i++)                                          \
				y[i] = (T)((double)(x[i] - m) - ls);                             \
		} else {                                                                         \
			for (int64_t i = 0; i < k; i++) {                                        \
				y[i] = EXP(x[i] - m);                                            \
				s += (double)y[i];                                               \
			}                                                                        \
			for (int64_t i = 0; i < k; i++)                                          \
				y[i] = (T)((double)y[i] / s);                                    \
		}                                                                                \
	}                                                                                        \
	/* One tile of W inner positions, stride INNER between the K slices. */                 \
	static void NAME##_tile(const T *restrict x, T *restrict y, int64_t k, int64_t inner, int64_t w, \
				bool log_)                                                       \
	{                                                                                        \
		T m[SOFTMAX_TILE];                                                               \
		double s[SOFTMAX_TILE];                                                          \
		for (int64_t j = 0; j < w; j++) {                                                \
			m[j] = -INFINITY;                                                        \
			s[j] = 0;                                                                \
		}                                                                                \
		for (int64_t i = 0; i < k; i++)                                                  \
			for (int64_t j = 0; j < w; j++) {                                        \
				T v = x[i * inner + j];                                          \
				m[j] = (v > m[j] || v != v) ? v : m[j];                          \
			}                                                                        \
		for (int64_t i = 0; i < k; i++)                                                  \
			for (int64_t j = 0; j < w; j++) {                                        \
				T e = EXP(x[i * inner + j] - m[j]);                              \
				s[j] += (double)e;                                               \
				if (!log_)                                                       \
					y[i * inner + j] = e;                                    \
			}                                                                        \
		if (log_) {                                                                      \
			for (int64_t j = 0; j < w; j++)                                          \
				s[j] = log(s[j]);                                                \
			for (int64_t i = 0; i < k; i++)                                          \
				for (int64_t j = 0; j < w; j++)                                  \
					y[i * inner + j] = (T)((double)(x[i * inner + j] - m[j]) - s[j]); \
		} else {                                                                         \
			for (int64_t i = 0; i < k; i++)                                          \
				for (int64_t j = 0; j < w; j++)                                  \
					y[i * inner + j] = (T)((double)y[i * inner + j] / s[j]); \
		}                                                                                \
	}                                                                                        \
	static void NAME(const T *x, T *y, int64_t outer, int64_t k, int64_t inner, bool log_)   \
	{                                                                                        \
		bool par = outer * k * inner >= SOFTMAX_PAR;                                     \
		if (inner == 1) {                                                                \
			_Pragma("omp parallel for schedule(static) if (par)")                     \
			for (int64_t o = 0; o < outer; o++)                                       \
				NAME##_last(x + o * k, y + o * k, k, log_);                      \
			return;                                                                  \
		}                                                                                \
		int64_t ntiles = (inner + SOFTMAX_TILE - 1) / SOFTMAX_TILE;                      \
		_Pragma("omp parallel for schedule(static) if (par)")                             \
		for (int64_t t = 0; t < outer * ntiles; t++) {                                    \
			int64_t o = t / ntiles, j0 = (t % ntiles) * SOFTMAX_TILE;                \
			int64_t w = inner - j0 < SOFTMAX_TILE ? inner - j0 : SOFTMAX_TILE;       \
			size_t at = (size_t)(o * k * inner + j0);                                \
			NAME##_tile(x + at, y + at, k, inner, w, log_);                          \
		}                                                                                \
	}

SOFTMAX_KERNEL(softmax_f32, float, expf)
SOFTMAX_KERNEL(softmax_f64, double, exp)

static tnsr_status run(const tnsr_op *op, tnsr_tensor *const *in, const tnsr_op_args *args, bool log_,
		       tnsr_tensor **out)
{
	const tnsr_tensor *x = in[0];
	*out = NULL;
	if (!tnsr_dtype_is_floating(x->dtype))
		return tnsr_error(TNSR_E_DTYPE, "%s: not defined for %s (expected a floating point dtype)", op->name,
				  tnsr_dtype_name(x->dtype));
	if (!args || args->ndims != 1)
		return tnsr_error(TNSR_E_VALUE, "%s: takes one dim, got %d", op->name, args ? args->ndims : 0);
	int dim;
	if (tnsr_dim_normalize(args->dims[0], x->ndim, &dim))
		return tnsr_error_prefix(TNSR_E_VALUE, op->name);
	tnsr_dtype cd = x->dtype == TNSR_F64 ? TNSR_F64 : TNSR_F32;
	int64_t outer = 1, k = 1, inner = 1;
	for (int d = 0; d < x->ndim; d++) {
		if (d < dim)
			outer *= x->shape[d];
		else if (d == dim)
			k = x->shape[d];
		else
			inner *= x->shape[d];
	}
	tnsr_tensor *xc = NULL, *y = NULL;
	tnsr_status s = x->dtype == cd ? tnsr_tensor_contiguous(x, &xc) : tnsr_tensor_cast(x, cd, &xc);
	if (!s)
		s = tnsr_tensor_empty(cd, x->ndim, x->shape, &y);
	if (!s && outer * k * inner > 0) {
		if (cd == TNSR_F64)
			softmax_f64(tnsr_tensor_data(xc), tnsr_tensor_data(y), outer, k, inner, log_);
		else
			softmax_f32(tnsr_tensor_data(xc), tnsr_tensor_data(y), outer, k, inner, log_);
	}
	tnsr_tensor_free(xc);
	if (!s && x->dtype != cd) { /* f16, bf16: rounded once from the f32 result */
		tnsr_tensor *r;
		s = tnsr_tensor_cast(y, x->dtype, &r);
		tnsr_tensor_free(y);
		y = s ? NULL : r;
	}
	if (s) {
		tnsr_tensor_free(y);
		return s;
	}
	*out = y;
	return TNSR_OK;
}

tnsr_status tnsr_run_softmax(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			     tnsr_tensor **out)
{
	return run(op, in, args, false, out);
}

tnsr_status tnsr_run_log_softmax(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
				 tnsr_tensor **out)
{
	return run(op, in, args, true, out);
}
