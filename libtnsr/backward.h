/* backward.h: the backward rules of the op table (backward*.c) and the loss ops (cpu/loss.c),
 * and the small toolkit the rules are written with: every helper applies an op of the
 * table (tnsr_op_apply), so a device that runs the ops runs the gradients too. */
#ifndef TNSR_BACKWARD_H
#define TNSR_BACKWARD_H

#include "ops.h"

/* ---------------------------------------------------------------- a scope of temporaries */

/* A rule builds its gradients from many temporaries.  Each helper takes the scope, records
 * its result there and returns it; once a helper fails, the scope keeps the first error and
 * every later helper returns NULL at once (a NULL operand is passed through), so a rule
 * reads as a sequence of expressions and checks the status once, in bw_end. */
enum { BW_SCOPE_MAX = 96 };
typedef struct bw_scope {
	tnsr_tensor *t[BW_SCOPE_MAX];
	int n;
	tnsr_status st;
} bw_scope;
#define BW_SCOPE {.n = 0, .st = TNSR_OK}

/* Records T (a new tensor, or NULL after a failure with status ST) in S; returns T. */
tnsr_tensor *bw_keep(bw_scope *s, tnsr_status st, tnsr_tensor *t);
/* Ends a rule: on success the tensors in GRAD_IN[0..N-1] leave the scope (each a distinct
 * tensor the caller owns) and the rest are freed; on failure everything is freed and
 * GRAD_IN is cleared.  Returns the scope's status. */
tnsr_status bw_end(bw_scope *s, tnsr_tensor **grad_in, int n);

/* ---------------------------------------------------------------- ops as expressions */

/* OP (by table name) on N operands with ARGS (NULL: defaults). */
tnsr_tensor *bw_op(bw_scope *s, const char *op, const tnsr_tensor *const *in, int n, const tnsr_op_args *args);
tnsr_tensor *bw_op1(bw_scope *s, const char *op, const tnsr_tensor *a);
tnsr_tensor *bw_op2(bw_scope *s, const char *op, const tnsr_tensor *a, const tnsr_tensor *b);
tnsr_tensor *bw_op3(bw_scope *s, const char *op, const tnsr_tensor *a, const tnsr_tensor *b, const tnsr_tensor *c);
/* A wrapped f64 number (a literal: it does not widen a floating tensor). */
tnsr_tensor *bw_num(bw_scope *s, double v);
/* A OP V for a number V: "mul", "add", "div", "sub", "pow", "eq", ... */
tnsr_tensor *bw_opn(bw_scope *s, const char *op, const tnsr_tensor *a, double v);
/* WHERE(COND, A, 0) and WHERE(COND, 0, B). */
tnsr_tensor *bw_where0(bw_scope *s, const tnsr_tensor *cond, const tnsr_tensor *a, bool zero_when_true);
/* A reduction OP ("sum", "mean", ...) over the dims marked in RED (an NDIM-long mask of
 * A's dims), keeping them when KEEPDIM; with ARGS_IN's other fields (correction, ord). */
tnsr_tensor *bw_reduce(bw_scope *s, const char *op, const tnsr_tensor *a, const bool *red, bool keepdim,
		       const tnsr_op_args *args_in);
tnsr_tensor *bw_reshape(bw_scope *s, const tnsr_tensor *a, int ndim, const int64_t *shape);
tnsr_tensor *bw_transpose(bw_scope *s, const tnsr_tensor *a, int d0, int d1);
/* A new zero tensor of DTYPE and SHAPE. */
tnsr_tensor *bw_zeros(bw_scope *s, tnsr_dtype dtype, int ndim, const int64_t *shape);
/* A new view of T (for a gradient that is the incoming one unchanged). */
tnsr_tensor *bw_view(bw_scope *s, const tnsr_tensor *t);

/* ---------------------------------------------------------------- shapes */

/* G brought to LIKE's shape and dtype: summed over the dims that broadcasting added or
 * stretched (NumPy rules, right-aligned), expanded where G is smaller, cast to LIKE's
 * dtype.  The last step of nearly every rule. */
tnsr_tensor *bw_fit(bw_scope *s, const tnsr_tensor *g, const tnsr_tensor *like);
/* The dims a reduction with ARGS reduces in an NDIM-d input, marked in RED (all of them
 * when ARGS names none); TNSR_E_VALUE for a dim out of range. */
tnsr_status bw_reduced_dims(const tnsr_op_args *args, int ndim, bool *red);
/* A reduction's result R seen with the reduced dims of its NDIM/SHAPE input kept (size 1),
 * whether or not the forward op kept them. */
tnsr_tensor *bw_keepdims(bw_scope *s, const tnsr_tensor *r, int ndim, const int64_t *shape, const bool *red);

/* ---------------------------------------------------------------- the rules */

#define BW_RULE(name)                                                                                       \
	tnsr_status tnsr_backward_##name(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_tensor *out, \
					 const tnsr_tensor *grad, const tnsr_op_args *args, const bool *needs,     \
					 tnsr_tensor **grad_in)

/* elementwise (backward.c) */
BW_RULE(neg); BW_RULE(abs); BW_RULE(sqrt); BW_RULE(rsqrt); BW_RULE(exp); BW_RULE(expm1); BW_RULE(log);
BW_RULE(log1p); BW_RULE(log2); BW_RULE(log10); BW_RULE(sin); BW_RULE(cos); BW_RULE(tan); BW_RULE(asin);
BW_RULE(acos); BW_RULE(atan); BW_RULE(sinh); BW_RULE(cosh); BW_RULE(tanh); BW_RULE(sigmoid); BW_RULE(relu);
BW_RULE(softplus); BW_RULE(square); BW_RULE(reciprocal); BW_RULE(clamp); BW_RULE(cast);
BW_RULE(add); BW_RULE(sub); BW_RULE(mul); BW_RULE(div); BW_RULE(pow); BW_RULE(maximum); BW_RULE(minimum);
BW_RULE(fmod); BW_RULE(remainder); BW_RULE(atan2); BW_RULE(where);
/* reductions, softmax and the losses (backward_reduce.c) */
BW_RULE(sum); BW_RULE(mean); BW_RULE(prod); BW_RULE(amax); BW_RULE(std); BW_RULE(var); BW_RULE(norm);
BW_RULE(logsumexp); BW_RULE(softmax); BW_RULE(log_softmax); BW_RULE(mse); BW_RULE(cross_entropy);
/* linear algebra, shape, indexing, joining (backward_shape.c) */
BW_RULE(matmul); BW_RULE(linear); BW_RULE(reshape); BW_RULE(transpose); BW_RULE(permute); BW_RULE(expand);
BW_RULE(contiguous); BW_RULE(slice); BW_RULE(take); BW_RULE(cat); BW_RULE(stack);

/* ---------------------------------------------------------------- the loss ops (cpu/loss.c) */

/* mse(A, B) = mean((A - B)**2) over the broadcast shape (torch.nn.functional.mse_loss). */
tnsr_status tnsr_run_mse(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
/* cross_entropy(LOGITS, TARGET) (torch.nn.functional.cross_entropy, mean reduction):
 * LOGITS (N, C, d...) or (C,); TARGET class indices (N, d...) or 0-d, any integer dtype,
 * -100 ignored; or probabilities of LOGITS' shape.  Classes are dim 1 (dim 0 for 1-d). */
tnsr_status tnsr_run_cross_entropy(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *,
				   tnsr_tensor **);
/* The class dim of LOGITS and whether TARGET holds class indices (else probabilities),
 * after the checks torch makes; shared by the forward and the backward rule. */
tnsr_status tnsr_cross_entropy_check(const tnsr_tensor *logits, const tnsr_tensor *target, int *class_dim,
				     bool *indices);
enum { TNSR_CROSS_ENTROPY_IGNORE = -100 };

#endif
