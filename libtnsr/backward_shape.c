/* backward_shape.c: backward rules of matmul and linear, the shape ops (their gradient is
 * the incoming one seen with the input's shape), indexing (scattered back into zeros)
 * and joining (the incoming gradient split between the inputs). */
#include <string.h>

#include "backward.h"

/* ---------------------------------------------------------------- linear algebra */

static tnsr_tensor *matrix_t(bw_scope *s, const tnsr_tensor *m) { return bw_transpose(s, m, -2, -1); }

/* matmul: A (..., n, k) @ B (..., k, m) -> (..., n, m): dA = G @ B^T, dB = A^T @ G, each
 * summed over the batch dims that broadcasting added or stretched.  A 1-d A is a (1, k)
 * matrix and a 1-d B a (k, 1) one, with G seen accordingly. */
BW_RULE(matmul)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0], *b = in[1];
	tnsr_tensor *a1 = a->ndim == 1 ? bw_reshape(&s, a, 2, (const int64_t[]){1, a->shape[0]}) : bw_view(&s, a);
	tnsr_tensor *b1 = b->ndim == 1 ? bw_reshape(&s, b, 2, (const int64_t[]){b->shape[0], 1}) : bw_view(&s, b);
	if (!a1 || !b1)
		return bw_end(&s, grad_in, 2);
	int64_t shape[TNSR_MAX_DIMS];
	int nb;
	tnsr_status st = tnsr_broadcast_shapes(a1->ndim - 2, a1->shape, b1->ndim - 2, b1->shape, &nb, shape);
	if (st) {
		bw_keep(&s, tnsr_error_prefix(st, "backward: matmul"), NULL);
		return bw_end(&s, grad_in, 2);
	}
	shape[nb] = a1->shape[a1->ndim - 2];
	shape[nb + 1] = b1->shape[b1->ndim - 1];
	tnsr_tensor *g = bw_reshape(&s, grad, nb + 2, shape);
	if (needs[0]) {
		tnsr_tensor *d = bw_fit(&s, bw_op2(&s, "matmul", g, matrix_t(&s, b1)), a1);
		grad_in[0] = a->ndim == 1 ? bw_reshape(&s, d, 1, a->shape) : d;
	}
	if (needs[1]) {
		/* (G^T @ A)^T rather than A^T @ G: the same values, but A, usually the large
		 * operand (X in X @ W.T), is read in its own row-major order. */
		tnsr_tensor *d = bw_fit(&s, matrix_t(&s, bw_op2(&s, "matmul", matrix_t(&s, g), a1)), b1);
		grad_in[1] = b->ndim == 1 ? bw_reshape(&s, d, 1, b->shape) : d;
	}
	return bw_end(&s, grad_in, 2);
}

/* linear: X (..., in), W (out, in) [or (in,): out = 1, dropped], bias broadcast to the
 * result.  With X2 = X as (rows, in) and G2 = G as (rows, out): dX = G2 @ W, dW = G2^T @ X2,
 * dbias = G summed to the bias's shape. */
BW_RULE(linear)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *x = in[0], *w = in[1];
	int64_t k = x->shape[x->ndim - 1], rows = 1;
	for (int d = 0; d < x->ndim - 1; d++)
		rows *= x->shape[d];
	tnsr_tensor *w2 = w->ndim == 1 ? bw_reshape(&s, w, 2, (const int64_t[]){1, k}) : bw_view(&s, w);
	if (!w2)
		return bw_end(&s, grad_in, n);
	tnsr_tensor *g2 = bw_reshape(&s, grad, 2, (const int64_t[]){rows, w2->shape[0]});
	if (needs[0])
		grad_in[0] = bw_fit(&s, bw_reshape(&s, bw_op2(&s, "matmul", g2, w2), x->ndim, x->shape), x);
	if (needs[1]) {
		tnsr_tensor *x2 = bw_reshape(&s, x, 2, (const int64_t[]){rows, k});
		grad_in[1] = bw_fit(&s, bw_reshape(&s, bw_op2(&s, "matmul", matrix_t(&s, g2), x2), w->ndim, w->shape), w);
	}
	if (n > 2 && needs[2])
		grad_in[2] = bw_fit(&s, grad, in[2]);
	return bw_end(&s, grad_in, n);
}

/* ---------------------------------------------------------------- shape */

/* reshape, flatten, squeeze, unsqueeze: the same elements in the input's shape. */
BW_RULE(reshape)
{
	bw_scope s = BW_SCOPE;
	grad_in[0] = bw_fit(&s, bw_reshape(&s, grad, in[0]->ndim, in[0]->shape), in[0]);
	return bw_end(&s, grad_in, 1);
}

/* transpose: swapping the same two dims back (the default, the last two, likewise). */
BW_RULE(transpose)
{
	bw_scope s = BW_SCOPE;
	grad_in[0] = bw_fit(&s, bw_op(&s, "transpose", &grad, 1, args), in[0]);
	return bw_end(&s, grad_in, 1);
}

/* permute: the inverse permutation. */
BW_RULE(permute)
{
	bw_scope s = BW_SCOPE;
	tnsr_op_args inv = tnsr_op_args_default();
	inv.ndims = args->ndims;
	for (int i = 0; i < args->ndims; i++) {
		int d;
		if (tnsr_dim_normalize(args->dims[i], args->ndims, &d)) {
			bw_keep(&s, tnsr_error_prefix(TNSR_E_VALUE, "backward: permute"), NULL);
			return bw_end(&s, grad_in, 1);
		}
		inv.dims[d] = i;
	}
	grad_in[0] = bw_fit(&s, bw_op(&s, "permute", &grad, 1, &inv), in[0]);
	return bw_end(&s, grad_in, 1);
}

/* expand, contiguous: the gradient summed over what was broadcast (bw_fit), or as it is. */
BW_RULE(expand)
{
	bw_scope s = BW_SCOPE;
	grad_in[0] = bw_fit(&s, grad, in[0]);
	return bw_end(&s, grad_in, 1);
}

BW_RULE(contiguous)
{
	bw_scope s = BW_SCOPE;
	grad_in[0] = bw_fit(&s, grad, in[0]);
	return bw_end(&s, grad_in, 1);
}

/* ---------------------------------------------------------------- indexing */

/* slice: the gradient written into a zero tensor through the same view (basic indexing
 * selects each element at most once, so a copy is enough). */
BW_RULE(slice)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	tnsr_tensor *z = bw_zeros(&s, grad->dtype, a->ndim, a->shape), *v = NULL;
	if (z) {
		tnsr_status st = tnsr_tensor_slice(z, args->slice, args->nslice, &v);
		if (!st)
			st = tnsr_tensor_copy_into(v, grad);
		tnsr_tensor_free(v);
		if (st)
			bw_keep(&s, st, NULL);
	}
	grad_in[0] = bw_fit(&s, z, a);
	return bw_end(&s, grad_in, 1);
}

/* take (index_select along dim D): entry j of the gradient added into entry INDEX[j] of a
 * zero tensor (torch.index_add; an index listed twice gets both), in f64 or c128. */
BW_RULE(take)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0], *g = grad;
	if (a->ndim == 0) { /* a 0-d A took itself */
		grad_in[0] = bw_fit(&s, bw_reshape(&s, g, 0, NULL), a);
		return bw_end(&s, grad_in, 2);
	}
	int d;
	if (tnsr_dim_normalize(args->ndims ? args->dims[0] : 0, a->ndim, &d)) {
		bw_keep(&s, tnsr_error_prefix(TNSR_E_VALUE, "backward: take"), NULL);
		return bw_end(&s, grad_in, 2);
	}
	bool cplx = tnsr_dtype_is_complex(g->dtype);
	tnsr_dtype wide = cplx ? TNSR_C128 : TNSR_F64;
	tnsr_op_args to = tnsr_op_args_default();
	to.dtype = wide;
	tnsr_tensor *gw = bw_op(&s, "cast", &g, 1, &to);
	gw = bw_op1(&s, "contiguous", gw);
	to.dtype = TNSR_I64;
	tnsr_tensor *idx = bw_op(&s, "cast", (const tnsr_tensor *const[]){in[1]}, 1, &to);
	idx = bw_op1(&s, "contiguous", idx);
	tnsr_tensor *z = bw_zeros(&s, wide, a->ndim, a->shape);
	if (z && gw && idx) {
		int64_t outer = 1, inner = cplx ? 2 : 1, size = a->shape[d], count = tnsr_tensor_numel(idx);
		for (int i = 0; i < d; i++)
			outer *= a->shape[i];
		for (int i = d + 1; i < a->ndim; i++)
			inner *= a->shape[i];
		const int64_t *ix = tnsr_tensor_data(idx);
		const double *src = tnsr_tensor_data(gw);
		double *dst = tnsr_tensor_data(z);
		for (int64_t o = 0; o < outer; o++)
			for (int64_t j = 0; j < count; j++) {
				const double *from = src + (o * count + j) * inner;
				double *to_ = dst + (o * size + ix[j]) * inner;
				for (int64_t e = 0; e < inner; e++)
					to_[e] += from[e];
			}
	}
	grad_in[0] = bw_fit(&s, z, a);
	return bw_end(&s, grad_in, 2);
}

/* ---------------------------------------------------------------- joining */

/* A new view of T narrowed to LEN entries from START along DIM; with SELECT, the one
 * entry START with the dim removed. */
static tnsr_tensor *narrowed(bw_scope *s, const tnsr_tensor *t, int dim, int64_t start, int64_t len, bool select)
{
	tnsr_tensor *v = bw_view(s, t);
	if (!v)
		return NULL;
	v->offset += start * t->strides[dim];
	v->shape[dim] = len;
	if (select) {
		for (int k = dim; k < v->ndim - 1; k++) {
			v->shape[k] = v->shape[k + 1];
			v->strides[k] = v->strides[k + 1];
		}
		v->ndim--;
	}
	return v;
}

/* cat: each input gets its own stretch of the joined dim (1-d empty inputs, which torch.cat
 * skips, get an empty gradient). */
BW_RULE(cat)
{
	bw_scope s = BW_SCOPE;
	int ref = -1, d = 0;
	for (int i = 0; i < n && ref < 0; i++)
		if (!(in[i]->ndim == 1 && in[i]->shape[0] == 0))
			ref = i;
	if (ref >= 0 && tnsr_dim_normalize(args->ndims ? args->dims[0] : 0, in[ref]->ndim, &d)) {
		bw_keep(&s, tnsr_error_prefix(TNSR_E_VALUE, "backward: cat"), NULL);
		return bw_end(&s, grad_in, n);
	}
	int64_t at = 0;
	for (int i = 0; i < n; i++) {
		const tnsr_tensor *t = in[i];
		bool skipped = t->ndim == 1 && t->shape[0] == 0;
		if (needs[i])
			grad_in[i] = skipped ? bw_zeros(&s, t->dtype, 1, t->shape)
					     : bw_fit(&s, narrowed(&s, grad, d, at, t->shape[d], false), t);
		if (!skipped)
			at += t->shape[d];
	}
	return bw_end(&s, grad_in, n);
}

/* stack: input i gets entry i of the new dim. */
BW_RULE(stack)
{
	bw_scope s = BW_SCOPE;
	int d;
	if (tnsr_dim_normalize(args->ndims ? args->dims[0] : 0, in[0]->ndim + 1, &d)) {
		bw_keep(&s, tnsr_error_prefix(TNSR_E_VALUE, "backward: stack"), NULL);
		return bw_end(&s, grad_in, n);
	}
	for (int i = 0; i < n; i++)
		if (needs[i])
			grad_in[i] = bw_fit(&s, narrowed(&s, grad, d, i, 1, true), in[i]);
	return bw_end(&s, grad_in, n);
}
