/* elementwise.c: the elementwise ops' dtype rules (one row per op), the plan that picks
 * the dtypes and kernel for given operands, and the driver that applies it to whole
 * tensors: broadcasting over any strides (negative and zero included), operands read
 * in place when already in the compute dtype and converted chunk by chunk otherwise,
 * the output split across threads when large. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>

#include "ew.h"

/* ---------------------------------------------------------------- the table */

#define ROW(ID, nm, nin, promote, out, flags, cplx) \
	[TNSR_EW_##ID] = {#nm, nin, promote, out, flags, tnsr_ew_k_##nm, cplx}
#define CX(nm) tnsr_ew_kc_##nm
/* The math functions: integers are computed in f32 as PyTorch does; bool is refused
 * (PyTorch computes sqrt(True) as 1.0; a function of a mask is almost surely a mistake). */
#define MATH(ID, nm, cplx) ROW(ID, nm, 1, EW_FLOAT, EW_OUT_SAME, EW_NO_BOOL_INPUT, cplx)

const struct tnsr_ew_desc tnsr_ew_descs[TNSR_EW_COUNT] = {
	ROW(NEG, neg, 1, EW_SAME, EW_OUT_SAME, 0, CX(neg)),
	ROW(ABS, abs, 1, EW_SAME, EW_OUT_REAL, 0, CX(abs)),
	ROW(SIGN, sign, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	MATH(SQRT, sqrt, CX(sqrt)),
	MATH(RSQRT, rsqrt, CX(rsqrt)),
	MATH(EXP, exp, CX(exp)),
	MATH(EXPM1, expm1, NULL),
	MATH(LOG, log, CX(log)),
	MATH(LOG1P, log1p, NULL),
	MATH(LOG2, log2, CX(log2)),
	MATH(LOG10, log10, CX(log10)),
	MATH(SIN, sin, CX(sin)),
	MATH(COS, cos, CX(cos)),
	MATH(TAN, tan, CX(tan)),
	MATH(ASIN, asin, CX(asin)),
	MATH(ACOS, acos, CX(acos)),
	MATH(ATAN, atan, CX(atan)),
	MATH(SINH, sinh, CX(sinh)),
	MATH(COSH, cosh, CX(cosh)),
	MATH(TANH, tanh, CX(tanh)),
	MATH(SIGMOID, sigmoid, CX(sigmoid)),
	ROW(RELU, relu, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(SOFTPLUS, softplus, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(FLOOR, floor, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(CEIL, ceil, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(ROUND, round, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(TRUNC, trunc, 1, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(SQUARE, square, 1, EW_BOOL_I64, EW_OUT_SAME, 0, CX(square)),
	MATH(RECIPROCAL, reciprocal, CX(reciprocal)),
	ROW(ISNAN, isnan, 1, EW_SAME, EW_OUT_BOOL, 0, CX(isnan)),
	ROW(ISINF, isinf, 1, EW_SAME, EW_OUT_BOOL, 0, CX(isinf)),
	ROW(ISFINITE, isfinite, 1, EW_SAME, EW_OUT_BOOL, 0, CX(isfinite)),
	ROW(LOGICAL_NOT, logical_not, 1, EW_SAME, EW_OUT_BOOL, 0, CX(logical_not)),
	ROW(CLAMP, clamp, 1, EW_CLAMP, EW_OUT_SAME, 0, NULL),
	ROW(CAST, cast, 1, EW_CAST, EW_OUT_SAME, 0, NULL),
	ROW(ADD, add, 2, EW_SAME, EW_OUT_SAME, 0, CX(add)),
	ROW(SUB, sub, 2, EW_SAME, EW_OUT_SAME, EW_NO_BOOL_OPERAND, CX(sub)),
	ROW(MUL, mul, 2, EW_SAME, EW_OUT_SAME, 0, CX(mul)),
	ROW(DIV, div, 2, EW_FLOAT, EW_OUT_SAME, 0, CX(div)),
	ROW(POW, pow, 2, EW_SAME, EW_OUT_SAME, 0, CX(pow)),
	ROW(MAXIMUM, maximum, 2, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(MINIMUM, minimum, 2, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(FMOD, fmod, 2, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(REMAINDER, remainder, 2, EW_SAME, EW_OUT_SAME, 0, NULL),
	ROW(ATAN2, atan2, 2, EW_FLOAT, EW_OUT_SAME, 0, NULL),
	ROW(EQ, eq, 2, EW_SAME, EW_OUT_BOOL, 0, CX(eq)),
	ROW(NE, ne, 2, EW_SAME, EW_OUT_BOOL, 0, CX(ne)),
	ROW(LT, lt, 2, EW_SAME, EW_OUT_BOOL, 0, NULL),
	ROW(LE, le, 2, EW_SAME, EW_OUT_BOOL, 0, NULL),
	ROW(GT, gt, 2, EW_SAME, EW_OUT_BOOL, 0, NULL),
	ROW(GE, ge, 2, EW_SAME, EW_OUT_BOOL, 0, NULL),
	ROW(LOGICAL_AND, logical_and, 2, EW_SAME, EW_OUT_BOOL, 0, CX(logical_and)),
	ROW(LOGICAL_OR, logical_or, 2, EW_SAME, EW_OUT_BOOL, 0, CX(logical_or)),
	ROW(LOGICAL_XOR, logical_xor, 2, EW_SAME, EW_OUT_BOOL, 0, CX(logical_xor)),
	ROW(WHERE, where, 3, EW_WHERE, EW_OUT_SAME, 0, NULL),
};

tnsr_status tnsr_ew_status(int code, const char *op)
{
	switch (code) {
	case EW_OK:
		return TNSR_OK;
	case EW_ERR_ZERO_DIV:
		return tnsr_error(TNSR_E_VALUE, "%s: integer division by zero", op);
	default:
		return tnsr_error(TNSR_E_NOMEM, "%s: out of memory", op);
	}
}

/* ---------------------------------------------------------------- the plan */

static tnsr_status not_defined(const char *op, tnsr_dtype dtype)
{
	return tnsr_error(TNSR_E_DTYPE, "%s: not defined for %s", op, tnsr_dtype_name(dtype));
}

static const struct tnsr_ew_kernel *kernel_for(const struct tnsr_ew_desc *desc, tnsr_dtype d)
{
	if (desc->real && desc->real[d].loop)
		return &desc->real[d];
	if (desc->cplx && desc->cplx[d].loop)
		return &desc->cplx[d];
	return NULL;
}

/* A clamp bound as the number literal it was written as: integral values are ints
 * (i64), others floats.  (The command line gives the bound as a double, so "2.0" counts
 * as the int 2; PyTorch would treat clamp(int_tensor, min=2.0) as a float bound.) */
static void bound_literal(double v, tnsr_tensor *t)
{
	memset(t, 0, sizeof *t);
	t->wrapped = true;
	t->dtype = v == floor(v) && fabs(v) < 0x1p63 ? TNSR_I64 : TNSR_F64;
}

/* PyTorch converts clamp's Scalar bounds with an overflow check: an integer bound must
 * fit the dtype (for unsigned dtypes down to -max, which wraps: c10::overflows), a
 * finite float bound must lie within its finite range. */
static tnsr_status check_bound(const char *op, const char *which, double v, tnsr_dtype d)
{
	const tnsr_dtype_info *info = tnsr_dtype_get(d);
	int bits = (int)info->size * 8;
	double lo, hi; /* the range, hi excluded for integers and included for floats */
	bool fits;
	switch (info->kind) {
	case TNSR_KIND_INT:
		lo = -ldexp(1, bits - 1), hi = ldexp(1, bits - 1);
		fits = v >= lo && v < hi;
		break;
	case TNSR_KIND_UINT:
		fits = v > -ldexp(1, bits) && v < ldexp(1, bits);
		break;
	default:
		hi = d == TNSR_F16 ? 65504.0 : d == TNSR_BF16 ? 0x1.fep127 : d == TNSR_F32 ? 0x1.fffffep127 : INFINITY;
		fits = !isfinite(v) || fabs(v) <= hi;
		break;
	}
	if (fits)
		return TNSR_OK;
	char text[32]; /* an integer as one, else the shortest form that reads back as V */
	if (v == floor(v) && fabs(v) < 1e16)
		snprintf(text, sizeof text, "%.0f", v);
	else
		for (int digits = 1; digits <= 17; digits++)
			if (snprintf(text, sizeof text, "%.*g", digits, v) > 0 && strtod(text, NULL) == v)
				break;
	return tnsr_error(TNSR_E_VALUE, "%s: --%s %s cannot be converted to %s without overflow", op, which, text,
			  info->name);
}

static tnsr_status make_plan(const tnsr_op *op, int n, const tnsr_tensor *const *in, const tnsr_op_args *args,
			     tnsr_ew_plan *plan, tnsr_ew_loop *loop)
{
	const struct tnsr_ew_desc *desc = op->ew;
	if (n != desc->nin)
		return tnsr_error(TNSR_E_USAGE, "%s: takes %d tensor operand%s, got %d", op->name, desc->nin,
				  desc->nin == 1 ? "" : "s", n);
	tnsr_dtype compute;
	switch (desc->promote) {
	case EW_CAST:
		if (!tnsr_dtype_get(args->dtype))
			return tnsr_error(TNSR_E_USAGE, "%s: dtype %d out of range", op->name, (int)args->dtype);
		compute = args->dtype;
		break;
	case EW_WHERE:
		compute = tnsr_result_type(2, in + 1);
		break;
	case EW_CLAMP: {
		if (!args->has_min && !args->has_max)
			return tnsr_error(TNSR_E_USAGE, "%s: at least one of --min and --max is required", op->name);
		tnsr_tensor lo, hi;
		const tnsr_tensor *list[3] = {in[0]};
		int count = 1;
		if (args->has_min)
			bound_literal(args->min, &lo), list[count++] = &lo;
		if (args->has_max)
			bound_literal(args->max, &hi), list[count++] = &hi;
		compute = tnsr_result_type(count, list);
		break;
	}
	default:
		compute = tnsr_result_type(n, in);
		break;
	}
	for (int k = 0; k < n; k++)
		if ((desc->flags & EW_NO_BOOL_OPERAND) && in[k]->dtype == TNSR_BOOL)
			return not_defined(op->name, TNSR_BOOL);
	if ((desc->flags & EW_NO_BOOL_INPUT) && in[0]->dtype == TNSR_BOOL)
		return not_defined(op->name, TNSR_BOOL);
	if (desc->promote == EW_FLOAT && (compute == TNSR_BOOL || tnsr_dtype_is_integral(compute)))
		compute = TNSR_F32;
	if (desc->promote == EW_BOOL_I64 && compute == TNSR_BOOL)
		compute = TNSR_I64;
	const struct tnsr_ew_kernel *kernel = kernel_for(desc, compute);
	if (!kernel)
		return not_defined(op->name, compute);

	tnsr_status st;
	if (desc->promote == EW_CLAMP &&
	    ((args->has_min && (st = check_bound(op->name, "min", args->min, compute))) ||
	     (args->has_max && (st = check_bound(op->name, "max", args->max, compute)))))
		return st;
	/* PyTorch's pow(Tensor, Scalar) refuses an integer base with a negative integer
	 * literal as exponent (a tensor exponent gives 0, 1 or -1 instead). */
	if (op->ew == &tnsr_ew_descs[TNSR_EW_POW] && tnsr_dtype_is_integral(compute) &&
	    (in[0]->dtype == TNSR_BOOL || tnsr_dtype_is_integral(in[0]->dtype)) && in[1]->wrapped &&
	    tnsr_dtype_get(in[1]->dtype)->kind == TNSR_KIND_INT) {
		int64_t e;
		tnsr_convert(TNSR_I64, &e, in[1]->dtype, tnsr_tensor_data(in[1]), 1);
		if (e < 0)
			return tnsr_error(TNSR_E_VALUE,
					  "%s: integers to negative integer powers are not allowed (exponent %lld)",
					  op->name, (long long)e);
	}

	tnsr_dtype result = compute;
	if (desc->out == EW_OUT_BOOL)
		result = TNSR_BOOL;
	else if (desc->out == EW_OUT_REAL && compute == TNSR_C64)
		result = TNSR_F32;
	else if (desc->out == EW_OUT_REAL && compute == TNSR_C128)
		result = TNSR_F64;
	memset(plan, 0, sizeof *plan);
	plan->nin = n;
	for (int k = 0; k < n; k++)
		plan->input[k] = compute;
	if (desc->promote == EW_WHERE)
		plan->input[0] = TNSR_BOOL;
	plan->kernel_out = plan->result = result;
	plan->fn = kernel->fn;
	*loop = kernel->loop;
	return TNSR_OK;
}

tnsr_status tnsr_ew_plan_make(const tnsr_op *op, int n, const tnsr_tensor *const *in, const tnsr_op_args *args,
			      tnsr_ew_plan *plan)
{
	tnsr_ew_loop loop;
	return make_plan(op, n, in, args, plan, &loop);
}

/* ---------------------------------------------------------------- the driver */

/* Operands that need converting go through buffers of EW_CHUNK elements (16 KiB of
 * c128 at most, so that the buffers of one piece stay in L1/L2); outputs from
 * EW_PARALLEL_MIN elements on are split across threads in blocks of 64 elements. */
enum { EW_CHUNK = 1024, EW_MAX_SIZE = 16, EW_PARALLEL_MIN = 1 << 18 };

/* The operands of one op over the output's shape, dims coalesced: the output is C
 * contiguous, operand k moves STRIDE[k][d] bytes along dim d (0 where it broadcasts). */
typedef struct ew_walk {
	int nin, ndim;
	int64_t shape[TNSR_MAX_DIMS];
	int64_t stride[3][TNSR_MAX_DIMS];
	const char *base[3];
	tnsr_dtype src[3], want[3];
	size_t src_size[3], want_size[3];
	bool direct[3];  /* read in place: already in the compute dtype, aligned */
	bool all_direct;
	bool cast;       /* converting IS the op: operands are converted straight into OUT */
	char *out;
	size_t out_size;
	tnsr_ew_loop loop;
	const tnsr_op_args *args;
} ew_walk;

static size_t alignment(tnsr_dtype d)
{
	size_t size = tnsr_dtype_size(d);
	return tnsr_dtype_is_complex(d) ? size / 2 : size;
}

static void walk_init(ew_walk *w, int n, tnsr_tensor *const *in, const tnsr_ew_plan *plan, int ndim,
		      const int64_t *shape)
{
	int64_t stride[3][TNSR_MAX_DIMS];
	for (int k = 0; k < n; k++) {
		const tnsr_tensor *t = in[k];
		int64_t size = (int64_t)tnsr_dtype_size(t->dtype);
		for (int d = 0, lead = ndim - t->ndim; d < ndim; d++)
			stride[k][d] = d < lead || t->shape[d - lead] == 1 ? 0 : t->strides[d - lead] * size;
	}
	/* Drop dims of size 1; merge a dim into the previous one when every operand steps
	 * over the pair as over one longer dim. */
	int m = 0;
	for (int d = 0; d < ndim; d++) {
		if (shape[d] == 1)
			continue;
		bool merge = m > 0;
		for (int k = 0; k < n && merge; k++)
			merge = w->stride[k][m - 1] == stride[k][d] * shape[d];
		if (merge) {
			w->shape[m - 1] *= shape[d];
			for (int k = 0; k < n; k++)
				w->stride[k][m - 1] = stride[k][d];
			continue;
		}
		w->shape[m] = shape[d];
		for (int k = 0; k < n; k++)
			w->stride[k][m] = stride[k][d];
		m++;
	}
	if (m == 0) {
		w->shape[0] = 1;
		for (int k = 0; k < n; k++)
			w->stride[k][0] = 0;
		m = 1;
	}
	w->ndim = m;
	w->nin = n;
	w->all_direct = true;
	for (int k = 0; k < n; k++) {
		w->base[k] = tnsr_tensor_data(in[k]);
		w->src[k] = in[k]->dtype;
		w->want[k] = plan->input[k];
		w->src_size[k] = tnsr_dtype_size(w->src[k]);
		w->want_size[k] = tnsr_dtype_size(w->want[k]);
		size_t align = alignment(w->src[k]);
		bool aligned = (uintptr_t)w->base[k] % align == 0;
		for (int d = 0; d < m; d++)
			aligned = aligned && w->stride[k][d] % (int64_t)align == 0;
		w->direct[k] = w->src[k] == w->want[k] && aligned;
		w->all_direct = w->all_direct && w->direct[k];
	}
}

/* CNT elements of SRC_T from SRC (STEP bytes apart, any alignment) into DST as DST_T. */
static void convert_run(char *dst, tnsr_dtype dst_t, const char *src, tnsr_dtype src_t, int64_t step, int64_t cnt,
			char *tmp)
{
	size_t size = tnsr_dtype_size(src_t);
	if (step != (int64_t)size) {
		for (int64_t i = 0; i < cnt; i++)
			memcpy(tmp + (size_t)i * size, src + i * step, size);
		src = tmp;
	}
	tnsr_convert(dst_t, dst, src_t, src, (size_t)cnt);
}

/* LEN elements of the output from element POS on, all in one run of the inner dim;
 * P[k] is operand k's first element.  BUF holds 4 conversion buffers. */
static int walk_piece(const ew_walk *w, const char *const *p, int64_t pos, int64_t len, char *buf)
{
	const int inner = w->ndim - 1;
	char *out = w->out + (size_t)pos * w->out_size;
	int64_t step[3];
	for (int k = 0; k < w->nin; k++)
		step[k] = w->stride[k][inner];
	if (w->all_direct)
		return w->loop(out, (const void *const *)p, step, len, w->args);
	char *tmp = buf + 3 * EW_CHUNK * EW_MAX_SIZE;
	for (int64_t off = 0; off < len; off += EW_CHUNK) {
		int64_t m = len - off < EW_CHUNK ? len - off : EW_CHUNK;
		char *o = out + (size_t)off * w->out_size;
		const void *q[3];
		int64_t s[3];
		bool converted_into_out = false;
		for (int k = 0; k < w->nin; k++) {
			const char *src = p[k] + off * step[k];
			if (w->direct[k]) {
				q[k] = src;
				s[k] = step[k];
				continue;
			}
			/* A broadcast scalar is converted once and stays a scalar, except
			 * for cast, where the conversion writes the output itself. */
			if (w->cast) {
				convert_run(o, w->want[k], src, w->src[k], step[k], m, tmp);
				converted_into_out = true;
				continue;
			}
			char *dst = buf + (size_t)k * EW_CHUNK * EW_MAX_SIZE;
			convert_run(dst, w->want[k], src, w->src[k], step[k], step[k] == 0 ? 1 : m, tmp);
			q[k] = dst;
			s[k] = step[k] == 0 ? 0 : (int64_t)w->want_size[k];
		}
		if (converted_into_out)
			continue;
		int code = w->loop(o, q, s, m, w->args);
		if (code)
			return code;
	}
	return EW_OK;
}

/* Output elements LO .. HI-1 (C order). */
static int walk_range(const ew_walk *w, int64_t lo, int64_t hi)
{
	char *buf = NULL;
	if (!w->all_direct && !(buf = malloc(4 * EW_CHUNK * EW_MAX_SIZE)))
		return EW_ERR_NOMEM;
	const int nd = w->ndim, inner = nd - 1;
	int64_t idx[TNSR_MAX_DIMS], rem = lo;
	for (int d = nd - 1; d >= 0; d--) {
		idx[d] = rem % w->shape[d];
		rem /= w->shape[d];
	}
	int code = EW_OK;
	for (int64_t pos = lo; pos < hi && !code;) {
		int64_t len = w->shape[inner] - idx[inner];
		if (len > hi - pos)
			len = hi - pos;
		const char *p[3];
		for (int k = 0; k < w->nin; k++) {
			const char *q = w->base[k];
			for (int d = 0; d < nd; d++)
				q += idx[d] * w->stride[k][d];
			p[k] = q;
		}
		code = walk_piece(w, p, pos, len, buf);
		pos += len;
		idx[inner] += len;
		for (int d = inner; d > 0 && idx[d] == w->shape[d]; d--) {
			idx[d] = 0;
			idx[d - 1]++;
		}
	}
	free(buf);
	return code;
}

tnsr_status tnsr_run_elementwise(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
				 tnsr_tensor **out)
{
	*out = NULL;
	if (n < 1 || n > 3)
		return tnsr_error(TNSR_E_USAGE, "%s: takes %d tensor operands, got %d", op->name, op->ew->nin, n);
	int ndim = in[0]->ndim;
	int64_t shape[TNSR_MAX_DIMS];
	memcpy(shape, in[0]->shape, sizeof *shape * (size_t)ndim);
	tnsr_status st;
	for (int k = 1; k < n; k++)
		if ((st = tnsr_broadcast_shapes(ndim, shape, in[k]->ndim, in[k]->shape, &ndim, shape)))
			return tnsr_error_prefix(st, op->name);
	tnsr_ew_plan plan;
	ew_walk w;
	memset(&w, 0, sizeof w);
	if ((st = make_plan(op, n, (const tnsr_tensor *const *)in, args, &plan, &w.loop)))
		return st;
	tnsr_tensor *result;
	if ((st = tnsr_tensor_empty(plan.result, ndim, shape, &result)))
		return tnsr_error_prefix(st, op->name);
	int64_t total = tnsr_tensor_numel(result);
	if (total == 0) {
		*out = result;
		return TNSR_OK;
	}
	walk_init(&w, n, in, &plan, ndim, shape);
	w.cast = op->ew->promote == EW_CAST;
	w.out = tnsr_tensor_data(result);
	w.out_size = tnsr_dtype_size(plan.result);
	w.args = args;

	int code = EW_OK;
	int threads = total >= EW_PARALLEL_MIN ? omp_get_max_threads() : 1;
	if (threads <= 1) {
		code = walk_range(&w, 0, total);
	} else {
#pragma omp parallel num_threads(threads) reduction(max : code)
		{
			/* Contiguous blocks of whole 64-element groups: no two threads write
			 * the same cache line. */
			int64_t nth = omp_get_num_threads(), t = omp_get_thread_num();
			int64_t per = ((total + nth - 1) / nth + 63) / 64 * 64;
			int64_t lo = per * t, hi = lo + per < total ? lo + per : total;
			if (lo < hi)
				code = walk_range(&w, lo, hi);
		}
	}
	if (code) {
		tnsr_tensor_free(result);
		return tnsr_ew_status(code, op->name);
	}
	*out = result;
	return TNSR_OK;
}
