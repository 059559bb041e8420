/* index.c: take (torch.index_select), cat and stack (torch.cat, torch.stack).  Each makes
 * one new C-contiguous tensor and fills it from the inputs' own layouts, converting dtypes
 * on the way (cat and stack promote like torch.cat). */
#include <string.h>

#include "ops.h"

static char *fmt(const tnsr_tensor *t, char *buf, size_t n) { return tnsr_shape_format(t->ndim, t->shape, buf, n); }

/* A temporary view of T narrowed to LEN entries from START along DIM (no reference is
 * taken: it lives on the stack and must not outlive T). */
static tnsr_tensor narrow(const tnsr_tensor *t, int dim, int64_t start, int64_t len)
{
	tnsr_tensor v = *t;
	v.offset += start * t->strides[dim];
	v.shape[dim] = len;
	return v;
}

/* ---------------------------------------------------------------- take */

/* The index as i64 values, each checked against SIZE: "index 7 is out of bounds for dim 0
 * with size 5".  Negative indices are refused, as torch.index_select refuses them. */
static tnsr_status index_values(const tnsr_tensor *index, int dim, int64_t size, tnsr_tensor **out)
{
	char buf[256];
	if (index->ndim > 1)
		return tnsr_error(TNSR_E_SHAPE, "take: index of shape %s (expected a 0-d or 1-d tensor of indices)",
				  fmt(index, buf, sizeof buf));
	if (!tnsr_dtype_is_integral(index->dtype))
		return tnsr_error(TNSR_E_DTYPE, "take: index of dtype %s (expected an integer dtype)",
				  tnsr_dtype_name(index->dtype));
	tnsr_status st = tnsr_tensor_cast(index, TNSR_I64, out);
	if (st)
		return st;
	const int64_t *v = tnsr_tensor_data(*out);
	for (int64_t i = 0, n = tnsr_tensor_numel(*out); i < n; i++)
		if (v[i] < 0 || v[i] >= size) {
			/* a u64 index past INT64_MAX reads as negative in i64: print what was written */
			if (index->dtype == TNSR_U64)
				tnsr_error(TNSR_E_VALUE, "take: index %llu is out of bounds for dim %d with size %lld",
					   (unsigned long long)v[i], dim, (long long)size);
			else
				tnsr_error(TNSR_E_VALUE, "take: index %lld is out of bounds for dim %d with size %lld",
					   (long long)v[i], dim, (long long)size);
			tnsr_tensor_free(*out);
			*out = NULL;
			return TNSR_E_VALUE;
		}
	return TNSR_OK;
}

/* Copies the entries IDX of dim D of a C-contiguous A into OUT: OUTER blocks of
 * (N indices x INNER elements).  Large copies run across threads. */
static void take_contiguous(const tnsr_tensor *A, int d, const int64_t *idx, int64_t n, tnsr_tensor *out)
{
	size_t esize = tnsr_dtype_size(A->dtype);
	int64_t outer = 1, inner = 1, size = A->shape[d];
	for (int i = 0; i < d; i++)
		outer *= A->shape[i];
	for (int i = d + 1; i < A->ndim; i++)
		inner *= A->shape[i];
	size_t row = (size_t)inner * esize;
	const char *src = tnsr_tensor_data(A);
	char *dst = tnsr_tensor_data(out);
	int64_t rows = outer * n;
#pragma omp parallel for schedule(static) if ((double)rows * (double)row > 4e6)
	for (int64_t r = 0; r < rows; r++) {
		int64_t o = r / n, i = r % n;
		memcpy(dst + (size_t)r * row, src + (size_t)(o * size + idx[i]) * row, row);
	}
}

/* A.index_select(D, INDEX): the entries INDEX (0-d or 1-d, any integer dtype) of dim D
 * (args->dims[0], default 0) in that order; result shape A's with dim D of len(INDEX).
 * A 0-d A takes exactly one index, 0, and gives itself. */
tnsr_status tnsr_run_take(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			  tnsr_tensor **out)
{
	const tnsr_tensor *A = in[0], *index = in[1];
	int d;
	if (tnsr_dim_normalize(args->ndims ? args->dims[0] : 0, A->ndim, &d))
		return tnsr_error_prefix(TNSR_E_VALUE, "take");
	tnsr_tensor *iv;
	tnsr_status st = index_values(index, d, A->ndim ? A->shape[d] : 1, &iv);
	if (st)
		return st;
	const int64_t *idx = tnsr_tensor_data(iv);
	int64_t count = tnsr_tensor_numel(iv), shape[TNSR_MAX_DIMS];
	if (A->ndim == 0) {
		st = count == 1 ? tnsr_tensor_cast(A, A->dtype, out)
				: tnsr_error(TNSR_E_SHAPE, "take: a 0-d tensor takes exactly one index, got %lld",
					     (long long)count);
		tnsr_tensor_free(iv);
		return st;
	}
	memcpy(shape, A->shape, sizeof *shape * (size_t)A->ndim);
	shape[d] = count;
	if ((st = tnsr_tensor_empty(A->dtype, A->ndim, shape, out))) {
		tnsr_tensor_free(iv);
		return st;
	}
	if (tnsr_tensor_is_contiguous(A)) {
		take_contiguous(A, d, idx, count, *out);
	} else { /* any strides: one strided copy per index, each a slab of A */
		for (int64_t i = 0; i < count && !st; i++) {
			tnsr_tensor src = narrow(A, d, idx[i], 1), dst = narrow(*out, d, i, 1);
			st = tnsr_tensor_copy_into(&dst, &src);
		}
	}
	tnsr_tensor_free(iv);
	if (st) {
		tnsr_tensor_free(*out);
		*out = NULL;
	}
	return st;
}

/* ---------------------------------------------------------------- cat, stack */

/* torch.result_type of tensors with dims: the promotion of all their dtypes. */
static tnsr_dtype joined_dtype(tnsr_tensor *const *in, int n)
{
	tnsr_dtype r = in[0]->dtype;
	for (int i = 1; i < n; i++)
		r = tnsr_promote_types(r, in[i]->dtype);
	return r;
}

/* torch.cat skips 1-d empty tensors whatever the other shapes (legacy behaviour kept by
 * PyTorch), though their dtype still takes part in the promotion. */
static bool skipped(const tnsr_tensor *t) { return t->ndim == 1 && t->shape[0] == 0; }

/* The inputs joined along existing dim args->dims[0] (default 0): every other size must
 * match.  (n0, ...) + (n1, ...) -> (n0 + n1, ...). */
tnsr_status tnsr_run_cat(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			 tnsr_tensor **out)
{
	char a[256], b[256];
	int ref = -1, d;
	for (int i = 0; i < n; i++) {
		if (in[i]->ndim == 0)
			return tnsr_error(TNSR_E_SHAPE, "cat: input %d is 0-d (expected at least 1 dim; stack joins 0-d tensors)", i);
		if (ref < 0 && !skipped(in[i]))
			ref = i;
	}
	tnsr_dtype r = joined_dtype(in, n);
	if (ref < 0) /* only empty 1-d tensors */
		return tnsr_tensor_empty(r, 1, (const int64_t[]){0}, out);
	const tnsr_tensor *R = in[ref];
	if (tnsr_dim_normalize(args->ndims ? args->dims[0] : 0, R->ndim, &d))
		return tnsr_error_prefix(TNSR_E_VALUE, "cat");
	int64_t shape[TNSR_MAX_DIMS], total = 0;
	for (int i = 0; i < n; i++) {
		const tnsr_tensor *t = in[i];
		if (skipped(t))
			continue;
		if (t->ndim != R->ndim)
			return tnsr_error(TNSR_E_SHAPE, "cat: input %d of shape %s has %d dims, input %d of shape %s has %d (expected the same number)",
					  i, fmt(t, a, sizeof a), t->ndim, ref, fmt(R, b, sizeof b), R->ndim);
		for (int j = 0; j < R->ndim; j++)
			if (j != d && t->shape[j] != R->shape[j])
				return tnsr_error(TNSR_E_SHAPE,
						  "cat: input %d of shape %s does not fit input %d of shape %s: %lld != %lld at dim %d (sizes must match except in dim %d)",
						  i, fmt(t, a, sizeof a), ref, fmt(R, b, sizeof b), (long long)t->shape[j],
						  (long long)R->shape[j], j, d);
		if (__builtin_add_overflow(total, t->shape[d], &total))
			return tnsr_error(TNSR_E_NOMEM, "cat: the joined dim %d overflows", d);
	}
	memcpy(shape, R->shape, sizeof *shape * (size_t)R->ndim);
	shape[d] = total;
	tnsr_status st = tnsr_tensor_empty(r, R->ndim, shape, out);
	int64_t at = 0;
	for (int i = 0; i < n && !st; i++) {
		if (skipped(in[i]))
			continue;
		tnsr_tensor dst = narrow(*out, d, at, in[i]->shape[d]);
		st = tnsr_tensor_copy_into(&dst, in[i]);
		at += in[i]->shape[d];
	}
	if (st) {
		tnsr_tensor_free(*out);
		*out = NULL;
	}
	return st;
}

/* The inputs, all of one shape S, joined along a new dim args->dims[0] (default 0, up to
 * len(S)): n tensors (a, b) -> (n, a, b) for dim 0, (a, n, b) for dim 1. */
tnsr_status tnsr_run_stack(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			   tnsr_tensor **out)
{
	char a[256], b[256];
	const tnsr_tensor *R = in[0];
	int d;
	if (R->ndim >= TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_SHAPE, "stack: inputs already have %d dims (at most %d)", R->ndim, TNSR_MAX_DIMS);
	if (tnsr_dim_normalize(args->ndims ? args->dims[0] : 0, R->ndim + 1, &d))
		return tnsr_error_prefix(TNSR_E_VALUE, "stack");
	for (int i = 1; i < n; i++)
		if (in[i]->ndim != R->ndim || memcmp(in[i]->shape, R->shape, sizeof *R->shape * (size_t)R->ndim))
			return tnsr_error(TNSR_E_SHAPE, "stack: input %d has shape %s, input 0 has %s (expected equal shapes)", i,
					  fmt(in[i], a, sizeof a), fmt(R, b, sizeof b));
	int64_t shape[TNSR_MAX_DIMS];
	for (int i = 0, j = 0; i <= R->ndim; i++)
		shape[i] = i == d ? n : R->shape[j++];
	tnsr_status st = tnsr_tensor_empty(joined_dtype(in, n), R->ndim + 1, shape, out);
	for (int i = 0; i < n && !st; i++) {
		/* slot i of the new dim, seen with the inputs' shape */
		tnsr_tensor dst = narrow(*out, d, i, 1);
		for (int k = d; k < R->ndim; k++) {
			dst.shape[k] = dst.shape[k + 1];
			dst.strides[k] = dst.strides[k + 1];
		}
		dst.ndim = R->ndim;
		st = tnsr_tensor_copy_into(&dst, in[i]);
	}
	if (st) {
		tnsr_tensor_free(*out);
		*out = NULL;
	}
	return st;
}
