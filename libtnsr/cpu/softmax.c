/* softmax.c: softmax and log_softmax along one dim (torch.softmax, torch.log_softmax),
 * made stable by subtracting each slice's max.  f32 computes in f32 with a vectorized
 * exp (fastexp.h) and sums in f64; f64 in f64 with libm's exp; f16/bf16 in f32, rounded
 * once.  Any layout (non-contiguous inputs are copied first); slices across threads for
 * large tensors.
 *
 * A slice holding NaN is all NaN; a slice of -inf, or holding +inf, gives NaN, as in
 * PyTorch; log_softmax of finite values with some -inf gives -inf there. */
#include <emmintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastexp.h"
#include "ops.h"

#define SOFTMAX_TILE 256      /* inner positions handled together when the dim is not last */
#define SOFTMAX_PAR (1 << 16) /* elements below which one thread does the work */

/* ---------------------------------------------------------------- f32 */

#define NAN_WINS_MAX(m, v) fx_sel(((v) > (m)) | ((v) != (v)), (v), (m))
#define LOAD4(p) (*(const fx_vf_u *)(p))
#define STORE4(p, v) (*(fx_vf_u *)(p) = (v))

/* The four f32 lanes of E added to S[0..3] in f64. */
static inline void add_widened(double *s, fx_vf e)
{
	__m128 v = (__m128)e;
	_mm_storeu_pd(s, _mm_add_pd(_mm_loadu_pd(s), _mm_cvtps_pd(v)));
	_mm_storeu_pd(s + 2, _mm_add_pd(_mm_loadu_pd(s + 2), _mm_cvtps_pd(_mm_movehl_ps(v, v))));
}

/* (f32)(f64(V[j]) * MUL[j] + ADD[j]) for the four lanes: the final scaling or shift in
 * f64, rounded once. */
static inline fx_vf scale4(fx_vf v, const double *mul, const double *add)
{
	__m128 x = (__m128)v;
	__m128d lo = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(x), _mm_loadu_pd(mul)), _mm_loadu_pd(add));
	__m128d hi = _mm_add_pd(_mm_mul_pd(_mm_cvtps_pd(_mm_movehl_ps(x, x)), _mm_loadu_pd(mul + 2)),
				_mm_loadu_pd(add + 2));
	return (fx_vf)_mm_movelh_ps(_mm_cvtpd_ps(lo), _mm_cvtpd_ps(hi));
}
static const double ones4[4] = {1, 1, 1, 1}, zeros4[4] = {0, 0, 0, 0};

/* One contiguous slice of K elements. */
static void f32_last(const float *restrict x, float *restrict y, int64_t k, bool log_)
{
	fx_vf m4[4] = {{-INFINITY, -INFINITY, -INFINITY, -INFINITY}};
	m4[1] = m4[2] = m4[3] = m4[0];
	int64_t i = 0;
	for (; i + 16 <= k; i += 16) { /* four chains: the max's latency hidden */
		m4[0] = NAN_WINS_MAX(m4[0], LOAD4(x + i));
		m4[1] = NAN_WINS_MAX(m4[1], LOAD4(x + i + 4));
		m4[2] = NAN_WINS_MAX(m4[2], LOAD4(x + i + 8));
		m4[3] = NAN_WINS_MAX(m4[3], LOAD4(x + i + 12));
	}
	for (; i + 4 <= k; i += 4)
		m4[0] = NAN_WINS_MAX(m4[0], LOAD4(x + i));
	float m = -INFINITY;
	for (int q = 0; q < 4; q++)
		for (int j = 0; j < 4; j++)
			m = (m4[q][j] > m || m4[q][j] != m4[q][j]) ? m4[q][j] : m;
	for (; i < k; i++)
		m = (x[i] > m || x[i] != x[i]) ? x[i] : m;
	double s4[4] = {0, 0, 0, 0}, s = 0;
	fx_vf mv = {m, m, m, m};
	for (i = 0; i + 4 <= k; i += 4) {
		fx_vf e = fx_expf4(LOAD4(x + i) - mv);
		if (!log_)
			STORE4(y + i, e);
		add_widened(s4, e);
	}
	for (; i < k; i++) {
		float e = fx_expf(x[i] - m);
		if (!log_)
			y[i] = e;
		s += e;
	}
	s += (s4[0] + s4[1]) + (s4[2] + s4[3]);
	if (log_) {
		double ls = log(s), shift[4] = {-ls, -ls, -ls, -ls};
		for (i = 0; i + 4 <= k; i += 4)
			STORE4(y + i, scale4(LOAD4(x + i) - mv, ones4, shift));
		for (; i < k; i++)
			y[i] = (float)((double)(x[i] - m) - ls);
	} else {
		double inv = 1 / s, mul[4] = {inv, inv, inv, inv};
		for (i = 0; i + 4 <= k; i += 4)
			STORE4(y + i, scale4(LOAD4(y + i), mul, zeros4));
		for (; i < k; i++)
			y[i] = (float)((double)y[i] * inv + 0.0);
	}
}

/* W inner positions (W <= SOFTMAX_TILE, a multiple of 4 but for the last tile), the K
 * slices INNER elements apart. */
static void f32_tile(const float *restrict x, float *restrict y, int64_t k, int64_t inner, int64_t w, bool log_)
{
	float m[SOFTMAX_TILE];
	double s[SOFTMAX_TILE];
	int64_t w4 = w / 4 * 4;
	for (int64_t j = 0; j < w; j++) {
		m[j] = -INFINITY;
		s[j] = 0;
	}
	for (int64_t i = 0; i < k; i++) {
		const float *xi = x + i * inner;
		for (int64_t j = 0; j < w4; j += 4)
			STORE4(m + j, NAN_WINS_MAX(LOAD4(m + j), LOAD4(xi + j)));
		for (int64_t j = w4; j < w; j++)
			m[j] = (xi[j] > m[j] || xi[j] != xi[j]) ? xi[j] : m[j];
	}
	for (int64_t i = 0; i < k; i++) {
		const float *xi = x + i * inner;
		float *yi = y + i * inner;
		for (int64_t j = 0; j < w4; j += 4) {
			fx_vf e = fx_expf4(LOAD4(xi + j) - LOAD4(m + j));
			if (!log_)
				STORE4(yi + j, e);
			add_widened(s + j, e);
		}
		for (int64_t j = w4; j < w; j++) {
			float e = fx_expf(xi[j] - m[j]);
			if (!log_)
				yi[j] = e;
			s[j] += e;
		}
	}
	for (int64_t j = 0; j < w; j++)
		s[j] = log_ ? -log(s[j]) : 1 / s[j];
	for (int64_t i = 0; i < k; i++) {
		const float *xi = x + i * inner;
		float *yi = y + i * inner;
		for (int64_t j = 0; j < w4; j += 4) {
			if (log_)
				STORE4(yi + j, scale4(LOAD4(xi + j) - LOAD4(m + j), ones4, s + j));
			else
				STORE4(yi + j, scale4(LOAD4(yi + j), s + j, zeros4));
		}
		for (int64_t j = w4; j < w; j++)
			yi[j] = log_ ? (float)((double)(xi[j] - m[j]) * 1 + s[j]) : (float)((double)yi[j] * s[j] + 0.0);
	}
}

/* ---------------------------------------------------------------- f64 */

static void f64_last(const double *restrict x, double *restrict y, int64_t k, bool log_)
{
	double m = -INFINITY, s = 0;
	for (int64_t i = 0; i < k; i++)
		m = (x[i] > m || x[i] != x[i]) ? x[i] : m;
	for (int64_t i = 0; i < k; i++) {
		double e = exp(x[i] - m);
		if (!log_)
			y[i] = e;
		s += e;
	}
	double ls = log(s), inv = 1 / s;
	for (int64_t i = 0; i < k; i++)
		y[i] = log_ ? (x[i] - m) - ls : y[i] * inv;
}

static void f64_tile(const double *restrict x, double *restrict y, int64_t k, int64_t inner, int64_t w, bool log_)
{
	double m[SOFTMAX_TILE], s[SOFTMAX_TILE];
	for (int64_t j = 0; j < w; j++) {
		m[j] = -INFINITY;
		s[j] = 0;
	}
	for (int64_t i = 0; i < k; i++)
		for (int64_t j = 0; j < w; j++) {
			double v = x[i * inner + j];
			m[j] = (v > m[j] || v != v) ? v : m[j];
		}
	for (int64_t i = 0; i < k; i++)
		for (int64_t j = 0; j < w; j++) {
			double e = exp(x[i * inner + j] - m[j]);
			if (!log_)
				y[i * inner + j] = e;
			s[j] += e;
		}
	for (int64_t j = 0; j < w; j++)
		s[j] = log_ ? log(s[j]) : 1 / s[j];
	for (int64_t i = 0; i < k; i++)
		for (int64_t j = 0; j < w; j++)
			y[i * inner + j] = log_ ? (x[i * inner + j] - m[j]) - s[j] : y[i * inner + j] * s[j];
}

/* ---------------------------------------------------------------- the driver */

/* x, y: (outer, k, inner) contiguous. */
#define SOFTMAX_SLICES(NAME, T)                                                                   \
	static void NAME(const T *x, T *y, int64_t outer, int64_t k, int64_t inner, bool log_)   \
	{                                                                                        \
		bool par = outer * k * inner >= SOFTMAX_PAR;                                     \
		if (inner == 1) {                                                                \
			_Pragma("omp parallel for schedule(dynamic, 16) if (par)")                \
			for (int64_t o = 0; o < outer; o++)                                       \
				NAME##_last(x + o * k, y + o * k, k, log_);                      \
			return;                                                                  \
		}                                                                                \
		int64_t ntiles = (inner + SOFTMAX_TILE - 1) / SOFTMAX_TILE;                      \
		_Pragma("omp parallel for schedule(dynamic) if (par)")                            \
		for (int64_t t = 0; t < outer * ntiles; t++) {                                    \
			int64_t o = t / ntiles, j0 = (t % ntiles) * SOFTMAX_TILE;                \
			int64_t w = inner - j0 < SOFTMAX_TILE ? inner - j0 : SOFTMAX_TILE;       \
			size_t at = (size_t)(o * k * inner + j0);                                \
			NAME##_tile(x + at, y + at, k, inner, w, log_);                          \
		}                                                                                \
	}
SOFTMAX_SLICES(f32, float)
SOFTMAX_SLICES(f64, double)

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
			f64(tnsr_tensor_data(xc), tnsr_tensor_data(y), outer, k, inner, log_);
		else
			f32(tnsr_tensor_data(xc), tnsr_tensor_data(y), outer, k, inner, log_);
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
