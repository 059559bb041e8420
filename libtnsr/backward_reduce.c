/* backward_reduce.c: backward rules of the reductions (with dims and keepdim), softmax,
 * log_softmax and the two losses.  A reduction's gradient is its incoming gradient with
 * the reduced dims restored (size 1) and broadcast back over them, times the local factor. */
#include <math.h>
#include <string.h>

#include "backward.h"

#define MUL(a, b) bw_op2(&s, "mul", a, b)
#define DIV(a, b) bw_op2(&s, "div", a, b)
#define SUB(a, b) bw_op2(&s, "sub", a, b)

/* Sets RED from the rule's args, or ends the rule with the error. */
#define REDUCED_DIMS(red)                                                   \
	bool red[TNSR_MAX_DIMS];                                            \
	if (bw_reduced_dims(args, in[0]->ndim, red))                       \
		return bw_end(&s, grad_in, n)

/* How many elements of A each result element reduces. */
static int64_t reduced_count(const tnsr_tensor *a, const bool *red)
{
	int64_t c = 1;
	for (int d = 0; d < a->ndim; d++)
		if (red[d])
			c *= a->shape[d];
	return c;
}

/* sum: g broadcast back over the reduced dims. */
BW_RULE(sum)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	grad_in[0] = bw_fit(&s, bw_keepdims(&s, grad, a->ndim, a->shape, red), a);
	return bw_end(&s, grad_in, 1);
}

/* mean: g / count broadcast back. */
BW_RULE(mean)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	grad_in[0] = bw_fit(&s, bw_opn(&s, "div", g, (double)reduced_count(a, red)), a);
	return bw_end(&s, grad_in, 1);
}

/* prod: g * prod / a where the slice holds no zero; where it holds exactly one zero, that
 * element gets g * (the product of the others) and the rest 0; two zeros or more: all 0. */
BW_RULE(prod)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	tnsr_tensor *y = bw_keepdims(&s, out, a->ndim, a->shape, red);
	tnsr_tensor *d = MUL(g, DIV(y, a));
	tnsr_tensor *zero = bw_opn(&s, "eq", a, 0);
	tnsr_tensor *any = bw_op1(&s, "any", zero);
	if (any && *(const bool *)tnsr_tensor_data(any)) {
		tnsr_tensor *zeros_in = bw_reduce(&s, "sum", zero, red, true, NULL);
		tnsr_tensor *others = bw_reduce(&s, "prod", bw_op3(&s, "where", zero, bw_num(&s, 1), a), red, true, NULL);
		tnsr_tensor *lone = bw_op2(&s, "logical_and", bw_opn(&s, "eq", zeros_in, 1), zero);
		tnsr_tensor *at_zero = bw_where0(&s, lone, MUL(g, others), false);
		d = bw_op3(&s, "where", bw_opn(&s, "eq", zeros_in, 0), d, at_zero);
	}
	grad_in[0] = bw_fit(&s, d, a);
	return bw_end(&s, grad_in, 1);
}

/* max and min (torch.amax/amin): g split evenly among the elements equal to the result. */
BW_RULE(amax)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	tnsr_tensor *mask = bw_op2(&s, "eq", a, bw_keepdims(&s, out, a->ndim, a->shape, red));
	tnsr_tensor *count = bw_reduce(&s, "sum", mask, red, true, NULL);
	grad_in[0] = bw_fit(&s, MUL(DIV(g, count), mask), a);
	return bw_end(&s, grad_in, 1);
}

/* var: 2 / (count - correction) * g * (a - mean(a)). */
static tnsr_tensor *var_grad(bw_scope *s, const tnsr_tensor *g, const tnsr_tensor *a, const bool *red,
			     double correction)
{
	double dof = (double)reduced_count(a, red) - correction;
	tnsr_tensor *centred = bw_op2(s, "sub", a, bw_reduce(s, "mean", a, red, true, NULL));
	return bw_op2(s, "mul", bw_opn(s, "mul", g, 2.0 / dof), centred);
}

BW_RULE(var)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	grad_in[0] = bw_fit(&s, var_grad(&s, g, a, red, args->correction), a);
	return bw_end(&s, grad_in, 1);
}

/* std: the var rule with g / (2 std), 0 where std is 0. */
BW_RULE(std)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	tnsr_tensor *y = bw_keepdims(&s, out, a->ndim, a->shape, red);
	tnsr_tensor *gv = bw_where0(&s, bw_opn(&s, "eq", y, 0), DIV(g, bw_opn(&s, "mul", y, 2)), true);
	grad_in[0] = bw_fit(&s, var_grad(&s, gv, a, red, args->correction), a);
	return bw_end(&s, grad_in, 1);
}

/* norm (vector p-norm, p = args->ord): PyTorch's norm_backward case by case. */
BW_RULE(norm)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	double p = args->ord;
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	tnsr_tensor *y = bw_keepdims(&s, out, a->ndim, a->shape, red);
	tnsr_tensor *sign = bw_op1(&s, "sign", a), *d;
	if (p == 0) {
		d = bw_zeros(&s, a->dtype, a->ndim, a->shape); /* a count: no gradient */
	} else if (p == 1) {
		d = MUL(sign, g);
	} else if (p == 2) {
		d = MUL(g, bw_where0(&s, bw_opn(&s, "eq", y, 0), DIV(a, y), true));
	} else if (isinf(p)) { /* g split among the elements whose |a| is the norm (or NaN) */
		tnsr_tensor *abs = bw_op1(&s, "abs", a);
		tnsr_tensor *mask = bw_op2(&s, "logical_or", bw_op2(&s, "eq", abs, y), bw_op1(&s, "isnan", abs));
		d = MUL(sign, MUL(DIV(g, bw_reduce(&s, "sum", mask, red, true, NULL)), mask));
	} else if (p < 1) {
		tnsr_tensor *scaled = MUL(sign, bw_where0(&s, bw_opn(&s, "eq", a, 0),
							  bw_opn(&s, "pow", bw_op1(&s, "abs", a), p - 1), true));
		d = MUL(MUL(scaled, g), bw_opn(&s, "pow", y, 1 - p));
	} else {
		tnsr_tensor *scaled = p < 2 ? MUL(sign, bw_opn(&s, "pow", bw_op1(&s, "abs", a), p - 1))
					    : MUL(a, bw_opn(&s, "pow", bw_op1(&s, "abs", a), p - 2));
		tnsr_tensor *scale = bw_where0(&s, bw_opn(&s, "eq", y, 0), DIV(g, bw_opn(&s, "pow", y, p - 1)), true);
		d = MUL(scaled, scale);
	}
	grad_in[0] = bw_fit(&s, d, a);
	return bw_end(&s, grad_in, 1);
}

/* logsumexp: g * exp(a - result). */
BW_RULE(logsumexp)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0];
	REDUCED_DIMS(red);
	tnsr_tensor *g = bw_keepdims(&s, grad, a->ndim, a->shape, red);
	tnsr_tensor *y = bw_keepdims(&s, out, a->ndim, a->shape, red);
	grad_in[0] = bw_fit(&s, MUL(g, bw_op1(&s, "exp", SUB(a, y))), a);
	return bw_end(&s, grad_in, 1);
}

/* ---------------------------------------------------------------- softmax */

/* A one-dim sum along args->dims[0] with the dim kept. */
static tnsr_tensor *sum_along(bw_scope *s, const tnsr_tensor *t, int dim)
{
	if (s->st || !t)
		return bw_view(s, t);
	bool red[TNSR_MAX_DIMS] = {false};
	int d;
	if (t->ndim > 0) {
		if (tnsr_dim_normalize(dim, t->ndim, &d))
			return bw_keep(s, tnsr_error_prefix(TNSR_E_VALUE, "backward"), NULL);
		red[d] = true;
	}
	return bw_reduce(s, "sum", t, red, true, NULL);
}

/* softmax: y * (g - sum(g * y)) along the dim. */
BW_RULE(softmax)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *g = grad, *y = out;
	grad_in[0] = bw_fit(&s, MUL(y, SUB(g, sum_along(&s, MUL(g, y), args->dims[0]))), in[0]);
	return bw_end(&s, grad_in, 1);
}

/* log_softmax: g - exp(y) * sum(g) along the dim. */
BW_RULE(log_softmax)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *g = grad, *y = out;
	grad_in[0] = bw_fit(&s, SUB(g, MUL(bw_op1(&s, "exp", y), sum_along(&s, g, args->dims[0]))), in[0]);
	return bw_end(&s, grad_in, 1);
}

/* ---------------------------------------------------------------- losses */

/* mse: (a - b) * (2 g / count) for a, its negation for b (count of the broadcast shape). */
BW_RULE(mse)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0], *b = in[1];
	tnsr_tensor *d = SUB(a, b);
	tnsr_tensor *da = d ? MUL(d, bw_opn(&s, "mul", grad, 2.0 / (double)tnsr_tensor_numel(d))) : NULL;
	if (needs[0])
		grad_in[0] = bw_fit(&s, da, a);
	if (needs[1])
		grad_in[1] = bw_fit(&s, bw_op1(&s, "neg", da), b);
	return bw_end(&s, grad_in, 2);
}

/* cross_entropy: with class indices, (softmax - onehot(target)) * g / count on the rows
 * whose target is not ignored (count: how many are not); with probabilities P,
 * (softmax * sum(P) - P) * g / rows for the logits and -log_softmax * g / rows for P. */
BW_RULE(cross_entropy)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *x = in[0], *t = in[1];
	int cd;
	bool indices;
	tnsr_status st = tnsr_cross_entropy_check(x, t, &cd, &indices);
	if (st) {
		bw_keep(&s, st, NULL);
		return bw_end(&s, grad_in, n);
	}
	tnsr_op_args along = tnsr_op_args_default();
	along.ndims = 1;
	along.dims[0] = cd;
	tnsr_tensor *lsm = bw_op(&s, "log_softmax", &x, 1, &along);
	tnsr_tensor *sm = bw_op1(&s, "exp", lsm);
	int64_t rows = x->shape[cd] ? tnsr_tensor_numel(x) / x->shape[cd] : 0;
	if (!indices) {
		tnsr_tensor *w = bw_opn(&s, "div", grad, (double)rows);
		if (needs[0])
			grad_in[0] = bw_fit(&s, MUL(SUB(MUL(sm, sum_along(&s, t, cd)), t), w), x);
		if (needs[1])
			grad_in[1] = bw_fit(&s, MUL(bw_op1(&s, "neg", lsm), w), t);
		return bw_end(&s, grad_in, 2);
	}
	/* classes: 0..C-1 laid along the class dim, compared with the target there */
	int64_t shape[TNSR_MAX_DIMS];
	for (int d = 0; d < x->ndim; d++)
		shape[d] = d == cd ? x->shape[d] : 1;
	tnsr_tensor *classes = bw_zeros(&s, TNSR_I64, x->ndim, shape);
	if (classes)
		for (int64_t c = 0; c < x->shape[cd]; c++)
			((int64_t *)tnsr_tensor_data(classes))[c] = c;
	tnsr_op_args at = along;
	tnsr_tensor *tu = bw_op(&s, "unsqueeze", &t, 1, &at);
	tnsr_tensor *onehot = bw_op2(&s, "eq", classes, tu);
	tnsr_tensor *valid = bw_opn(&s, "ne", tu, TNSR_CROSS_ENTROPY_IGNORE);
	tnsr_op_args f64 = tnsr_op_args_default();
	f64.dtype = TNSR_F64;
	tnsr_tensor *count = bw_op1(&s, "sum", valid);
	count = bw_op(&s, "cast", (const tnsr_tensor *const[]){count}, 1, &f64);
	double c = count ? *(const double *)tnsr_tensor_data(count) : 1;
	tnsr_tensor *w = MUL(bw_opn(&s, "div", grad, c), valid);
	tnsr_op_args like = tnsr_op_args_default();
	like.dtype = x->dtype;
	onehot = bw_op(&s, "cast", (const tnsr_tensor *const[]){onehot}, 1, &like);
	grad_in[0] = bw_fit(&s, MUL(SUB(sm, onehot), w), x);
	return bw_end(&s, grad_in, 2);
}
