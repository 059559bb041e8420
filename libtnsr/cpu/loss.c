/* loss.c: the loss ops of torch.nn.functional with mean reduction: mse (composed from the
 * elementwise ops and mean) and cross_entropy (a log-sum-exp per row in f64, so that large
 * logits neither overflow nor lose the small differences that matter). */
#include <math.h>
#include <string.h>

#include "backward.h"

static char *fmt(const tnsr_tensor *t, char *buf, size_t n) { return tnsr_shape_format(t->ndim, t->shape, buf, n); }

/* ---------------------------------------------------------------- mse */

static tnsr_status apply(const char *name, tnsr_tensor *const *in, int n, tnsr_tensor **out)
{
	tnsr_op_args args = tnsr_op_args_default();
	return tnsr_op_apply(tnsr_op_find(name), in, n, &args, out);
}

/* mean((A - B)**2) over the broadcast shape of A and B, in their promoted floating dtype. */
tnsr_status tnsr_run_mse(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			 tnsr_tensor **out)
{
	*out = NULL;
	tnsr_dtype r = tnsr_result_type(2, (const tnsr_tensor *const *)in);
	if (!tnsr_dtype_is_floating(r))
		return tnsr_error(TNSR_E_DTYPE, "mse: not defined for %s and %s (expected floating tensors)",
				  tnsr_dtype_name(in[0]->dtype), tnsr_dtype_name(in[1]->dtype));
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	tnsr_status st = tnsr_broadcast_shapes(in[0]->ndim, in[0]->shape, in[1]->ndim, in[1]->shape, &ndim, shape);
	if (st)
		return tnsr_error_prefix(st, "mse");
	tnsr_tensor *d = NULL, *sq = NULL;
	if (!(st = apply("sub", in, 2, &d)) && !(st = apply("mul", (tnsr_tensor *const[]){d, d}, 2, &sq)))
		st = apply("mean", &sq, 1, out);
	tnsr_tensor_free(d);
	tnsr_tensor_free(sq);
	return st;
}

/* ---------------------------------------------------------------- cross_entropy */

tnsr_status tnsr_cross_entropy_check(const tnsr_tensor *x, const tnsr_tensor *t, int *class_dim, bool *indices)
{
	char a[256], b[256];
	if (!tnsr_dtype_is_floating(x->dtype))
		return tnsr_error(TNSR_E_DTYPE, "cross_entropy: logits of dtype %s (expected a floating dtype)",
				  tnsr_dtype_name(x->dtype));
	if (x->ndim == 0)
		return tnsr_error(TNSR_E_SHAPE, "cross_entropy: logits of shape () (expected (C,) or (N, C, ...))");
	*class_dim = x->ndim == 1 ? 0 : 1;
	bool same = t->ndim == x->ndim && memcmp(t->shape, x->shape, sizeof *x->shape * (size_t)x->ndim) == 0;
	if (tnsr_dtype_is_floating(t->dtype) && same) {
		*indices = false; /* class probabilities */
		return TNSR_OK;
	}
	*indices = true;
	if (!tnsr_dtype_is_integral(t->dtype))
		return tnsr_error(TNSR_E_DTYPE,
				  "cross_entropy: target of dtype %s and shape %s (expected class indices, an integer tensor, "
				  "or probabilities of the logits' shape %s)",
				  tnsr_dtype_name(t->dtype), fmt(t, a, sizeof a), fmt(x, b, sizeof b));
	if (x->ndim == 1) {
		if (t->ndim != 0)
			return tnsr_error(TNSR_E_SHAPE, "cross_entropy: logits of shape %s take a 0-d target, got shape %s",
					  fmt(x, a, sizeof a), fmt(t, b, sizeof b));
		return TNSR_OK;
	}
	if (t->ndim >= 1 && t->shape[0] != x->shape[0])
		return tnsr_error(TNSR_E_SHAPE, "cross_entropy: Expected input batch_size (%lld) to match target batch_size (%lld)",
				  (long long)x->shape[0], (long long)t->shape[0]);
	bool fits = t->ndim == x->ndim - 1;
	for (int d = 1; fits && d < t->ndim; d++)
		fits = t->shape[d] == x->shape[d + 1];
	if (!fits)
		return tnsr_error(TNSR_E_SHAPE, "cross_entropy: target of shape %s does not fit logits of shape %s (expected the logits' shape without dim 1)",
				  fmt(t, a, sizeof a), fmt(x, b, sizeof b));
	return TNSR_OK;
}

/* The mean over rows of -log_softmax(x)[target] (or -sum(p * log_softmax(x))): X (outer,
 * C, inner) in f64, T the targets (outer, inner) as i64 or the probabilities like X. */
static tnsr_status mean_loss(const double *x, const void *t, bool indices, int64_t outer, int64_t c, int64_t inner,
			     double *loss)
{
	double total = 0;
	int64_t count = 0;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t i = 0; i < inner; i++) {
			const double *row = x + o * c * inner + i;
			double m = -INFINITY, sum = 0;
			for (int64_t k = 0; k < c; k++)
				m = row[k * inner] > m || isnan(row[k * inner]) ? row[k * inner] : m;
			for (int64_t k = 0; k < c; k++)
				sum += exp(row[k * inner] - m);
			double lse = m + log(sum);
			if (!indices) {
				const double *p = (const double *)t + o * c * inner + i;
				for (int64_t k = 0; k < c; k++)
					total -= p[k * inner] * (row[k * inner] - lse);
				count++;
				continue;
			}
			int64_t k = ((const int64_t *)t)[o * inner + i];
			if (k == TNSR_CROSS_ENTROPY_IGNORE)
				continue;
			if (k < 0 || k >= c)
				return tnsr_error(TNSR_E_VALUE,
						  "cross_entropy: Target %lld is out of bounds (expected a class index in 0..%lld, or %d to ignore)",
						  (long long)k, (long long)c - 1, TNSR_CROSS_ENTROPY_IGNORE);
			total += lse - row[k * inner];
			count++;
		}
	*loss = total / (double)count; /* no row counted: 0/0, NaN, as PyTorch */
	return TNSR_OK;
}

tnsr_status tnsr_run_cross_entropy(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
				   tnsr_tensor **out)
{
	const tnsr_tensor *x = in[0], *t = in[1];
	int cd;
	bool indices;
	*out = NULL;
	tnsr_status st = tnsr_cross_entropy_check(x, t, &cd, &indices);
	if (st)
		return st;
	int64_t outer = cd == 1 ? x->shape[0] : 1, c = x->shape[cd], inner = 1;
	for (int d = cd + 1; d < x->ndim; d++)
		inner *= x->shape[d];
	tnsr_tensor *xd = NULL, *td = NULL, *loss = NULL;
	tnsr_dtype r = indices ? x->dtype : tnsr_promote_types(x->dtype, t->dtype);
	double value = 0;
	if (!(st = tnsr_tensor_cast(x, TNSR_F64, &xd)) && !(st = tnsr_tensor_cast(t, indices ? TNSR_I64 : TNSR_F64, &td)) &&
	    !(st = mean_loss(tnsr_tensor_data(xd), tnsr_tensor_data(td), indices, outer, c, inner, &value)) &&
	    !(st = tnsr_tensor_empty(TNSR_F64, 0, (const int64_t[]){1}, &loss))) {
		*(double *)tnsr_tensor_data(loss) = value;
		st = tnsr_tensor_cast(loss, r, out);
	}
	tnsr_tensor_free(xd);
	tnsr_tensor_free(td);
	tnsr_tensor_free(loss);
	return st;
}
