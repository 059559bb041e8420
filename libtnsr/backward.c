/* backward.c: the toolkit the backward rules are written with (a scope of temporaries,
 * ops applied by name, bringing a gradient back to its input's shape), and the rules of
 * the elementwise ops.  Each rule follows PyTorch 1.13's derivatives.yaml formula, in the
 * same order of operations, so that results agree to the last bits where they can. */
#include <math.h>
#include <string.h>

#include "backward.h"

/* ---------------------------------------------------------------- the scope */

tnsr_tensor *bw_keep(bw_scope *s, tnsr_status st, tnsr_tensor *t)
{
	if (st || !t) {
		if (!s->st)
			s->st = st ? st : tnsr_error(TNSR_E_NOMEM, "backward: out of memory");
		tnsr_tensor_free(t);
		return NULL;
	}
	if (s->n == BW_SCOPE_MAX) {
		tnsr_tensor_free(t);
		if (!s->st)
			s->st = tnsr_error(TNSR_E_NOMEM, "backward: a rule made more than %d temporaries", BW_SCOPE_MAX);
		return NULL;
	}
	s->t[s->n++] = t;
	return t;
}

tnsr_status bw_end(bw_scope *s, tnsr_tensor **grad_in, int n)
{
	for (int k = 0; k < n && !s->st; k++) {
		if (!grad_in[k])
			continue;
		int at = -1;
		for (int i = 0; i < s->n; i++)
			if (s->t[i] == grad_in[k]) {
				at = i;
				break;
			}
		if (at >= 0) {
			s->t[at] = NULL; /* the caller owns it now */
		} else {
			/* Not a temporary (or already handed out for another input): a view of its own. */
			tnsr_tensor *v = tnsr_tensor_view(grad_in[k]);
			if (!v)
				s->st = tnsr_error(TNSR_E_NOMEM, "backward: out of memory");
			grad_in[k] = v;
		}
	}
	if (s->st)
		for (int k = 0; k < n; k++) {
			bool ours = true;
			for (int i = 0; i < s->n; i++)
				ours &= s->t[i] != grad_in[k];
			if (ours)
				tnsr_tensor_free(grad_in[k]);
			grad_in[k] = NULL;
		}
	for (int i = 0; i < s->n; i++)
		tnsr_tensor_free(s->t[i]);
	s->n = 0;
	return s->st;
}

/* ---------------------------------------------------------------- ops as expressions */

tnsr_tensor *bw_op(bw_scope *s, const char *name, const tnsr_tensor *const *in, int n, const tnsr_op_args *args)
{
	if (s->st)
		return NULL;
	for (int k = 0; k < n; k++)
		if (!in[k])
			return bw_keep(s, tnsr_error(TNSR_E_VALUE, "backward: %s: missing operand %d", name, k), NULL);
	const tnsr_op *op = tnsr_op_find(name);
	if (!op)
		return bw_keep(s, tnsr_error(TNSR_E_UNSUPPORTED, "backward: no op named %s", name), NULL);
	tnsr_op_args defaults = tnsr_op_args_default();
	tnsr_tensor *out = NULL;
	/* Ops never write their inputs; the table's signature just does not say so. */
	tnsr_status st = tnsr_op_apply(op, (tnsr_tensor *const *)in, n, args ? args : &defaults, &out);
	return bw_keep(s, st, st ? NULL : out);
}

tnsr_tensor *bw_op1(bw_scope *s, const char *op, const tnsr_tensor *a) { return bw_op(s, op, &a, 1, NULL); }

tnsr_tensor *bw_op2(bw_scope *s, const char *op, const tnsr_tensor *a, const tnsr_tensor *b)
{
	const tnsr_tensor *in[2] = {a, b};
	return bw_op(s, op, in, 2, NULL);
}

tnsr_tensor *bw_op3(bw_scope *s, const char *op, const tnsr_tensor *a, const tnsr_tensor *b, const tnsr_tensor *c)
{
	const tnsr_tensor *in[3] = {a, b, c};
	return bw_op(s, op, in, 3, NULL);
}

tnsr_tensor *bw_num(bw_scope *s, double v)
{
	if (s->st)
		return NULL;
	tnsr_tensor *t = NULL;
	tnsr_status st = tnsr_tensor_scalar(TNSR_F64, v, 0, &t);
	return bw_keep(s, st, st ? NULL : t);
}

tnsr_tensor *bw_opn(bw_scope *s, const char *op, const tnsr_tensor *a, double v)
{
	return bw_op2(s, op, a, bw_num(s, v));
}

tnsr_tensor *bw_where0(bw_scope *s, const tnsr_tensor *cond, const tnsr_tensor *a, bool zero_when_true)
{
	tnsr_tensor *zero = bw_num(s, 0);
	return zero_when_true ? bw_op3(s, "where", cond, zero, a) : bw_op3(s, "where", cond, a, zero);
}

tnsr_tensor *bw_reduce(bw_scope *s, const char *op, const tnsr_tensor *a, const bool *red, bool keepdim,
		       const tnsr_op_args *args_in)
{
	if (s->st || !a)
		return bw_op(s, op, &a, 1, NULL); /* passes the failure on */
	tnsr_op_args args = args_in ? *args_in : tnsr_op_args_default();
	args.ndims = 0;
	for (int d = 0; d < a->ndim; d++)
		if (red[d])
			args.dims[args.ndims++] = d;
	if (a->ndim > 0 && args.ndims == 0)
		return bw_view(s, a); /* nothing to reduce (no dims listed would mean all of them) */
	args.keepdim = keepdim;
	return bw_op(s, op, &a, 1, &args);
}

tnsr_tensor *bw_reshape(bw_scope *s, const tnsr_tensor *a, int ndim, const int64_t *shape)
{
	tnsr_op_args args = tnsr_op_args_default();
	args.shape_ndim = ndim;
	if (ndim > 0)
		memcpy(args.shape, shape, sizeof *shape * (size_t)ndim);
	return bw_op(s, "reshape", &a, 1, &args);
}

tnsr_tensor *bw_transpose(bw_scope *s, const tnsr_tensor *a, int d0, int d1)
{
	tnsr_op_args args = tnsr_op_args_default();
	args.ndims = 2;
	args.dims[0] = d0;
	args.dims[1] = d1;
	return bw_op(s, "transpose", &a, 1, &args);
}

tnsr_tensor *bw_zeros(bw_scope *s, tnsr_dtype dtype, int ndim, const int64_t *shape)
{
	if (s->st)
		return NULL;
	tnsr_tensor *t = NULL;
	tnsr_status st = tnsr_tensor_zeros(dtype, ndim, shape, &t);
	return bw_keep(s, st, st ? NULL : t);
}

tnsr_tensor *bw_view(bw_scope *s, const tnsr_tensor *t)
{
	if (s->st || !t)
		return bw_op(s, "contiguous", &t, 1, NULL); /* passes the failure on */
	tnsr_tensor *v = tnsr_tensor_view(t);
	return bw_keep(s, v ? TNSR_OK : TNSR_E_NOMEM, v);
}

/* ---------------------------------------------------------------- shapes */

static bool same_shape(const tnsr_tensor *a, int ndim, const int64_t *shape)
{
	return a->ndim == ndim && memcmp(a->shape, shape, sizeof *shape * (size_t)ndim) == 0;
}

tnsr_tensor *bw_fit(bw_scope *s, const tnsr_tensor *g, const tnsr_tensor *like)
{
	if (s->st || !g)
		return bw_view(s, g);
	char x[256], y[256];
	int lead = g->ndim - like->ndim;
	bool red[TNSR_MAX_DIMS] = {false}, any = false;
	for (int i = 0; i < g->ndim; i++) {
		int j = i - lead; /* the dim of LIKE that dim i of G lines up with */
		int64_t have = g->shape[i], want = j >= 0 ? like->shape[j] : 1;
		if (j < 0 || want == 1)
			red[i] = have != 1; /* added or stretched by broadcasting */
		else if (have != want && have != 1)
			return bw_keep(s, tnsr_error(TNSR_E_SHAPE, "backward: a gradient of shape %s does not fit its input's shape %s",
						     tnsr_shape_format(g->ndim, g->shape, x, sizeof x),
						     tnsr_shape_format(like->ndim, like->shape, y, sizeof y)), NULL);
		any |= red[i];
	}
	const tnsr_tensor *t = g;
	if (any) /* summed with the dims kept, then the leading ones dropped below */
		t = bw_reduce(s, "sum", g, red, true, NULL);
	if (t && !same_shape(t, like->ndim, like->shape)) {
		if (t->ndim > like->ndim) /* leading dims of size 1 */
			t = bw_reshape(s, t, like->ndim, t->shape + (t->ndim - like->ndim));
		if (t && !same_shape(t, like->ndim, like->shape)) {
			tnsr_op_args args = tnsr_op_args_default();
			args.shape_ndim = like->ndim;
			if (like->ndim > 0)
				memcpy(args.shape, like->shape, sizeof *like->shape * (size_t)like->ndim);
			t = bw_op(s, "expand", &t, 1, &args);
		}
	}
	if (t && t->dtype != like->dtype) {
		tnsr_op_args args = tnsr_op_args_default();
		args.dtype = like->dtype;
		t = bw_op(s, "cast", &t, 1, &args);
	}
	return t == g ? bw_view(s, g) : (tnsr_tensor *)t;
}

tnsr_status bw_reduced_dims(const tnsr_op_args *args, int ndim, bool *red)
{
	memset(red, 0, sizeof *red * TNSR_MAX_DIMS);
	if (!args || args->ndims == 0) {
		for (int d = 0; d < ndim; d++)
			red[d] = true;
		return TNSR_OK;
	}
	for (int i = 0; i < args->ndims; i++) {
		int d;
		if (tnsr_dim_normalize(args->dims[i], ndim, &d))
			return tnsr_error_prefix(TNSR_E_VALUE, "backward");
		if (ndim > 0)
			red[d] = true;
	}
	return TNSR_OK;
}

tnsr_tensor *bw_keepdims(bw_scope *s, const tnsr_tensor *r, int ndim, const int64_t *shape, const bool *red)
{
	int64_t kept[TNSR_MAX_DIMS];
	for (int d = 0; d < ndim; d++)
		kept[d] = red[d] ? 1 : shape[d];
	if (r && same_shape(r, ndim, kept))
		return bw_view(s, r);
	return bw_reshape(s, r, ndim, kept);
}

/* ---------------------------------------------------------------- unary rules */

/* Shorthands for the formulas below; each records its result in the rule's scope S. */
#define MUL(a, b) bw_op2(&s, "mul", a, b)
#define DIV(a, b) bw_op2(&s, "div", a, b)
#define ADD(a, b) bw_op2(&s, "add", a, b)
#define SUB(a, b) bw_op2(&s, "sub", a, b)
#define NEG(a) bw_op1(&s, "neg", a)
#define F(op, a) bw_op1(&s, op, a)
#define MULN(a, v) bw_opn(&s, "mul", a, v)
#define ADDN(a, v) bw_opn(&s, "add", a, v)

/* A one-input rule: grad_in[0] = EXPR brought to the input's shape and dtype, with
 * a = the input, y = the op's result, g = the incoming gradient. */
#define UNARY_RULE(name, expr)                                                    \
	BW_RULE(name)                                                             \
	{                                                                         \
		bw_scope s = BW_SCOPE;                                            \
		const tnsr_tensor *a = in[0], *y = out, *g = grad;                \
		(void)a, (void)y;                                                 \
		grad_in[0] = bw_fit(&s, (expr), a);                               \
		return bw_end(&s, grad_in, 1);                                    \
	}

UNARY_RULE(neg, NEG(g))
UNARY_RULE(abs, MUL(g, F("sign", a)))                        /* abs'(0) = sign(0) = 0 */
UNARY_RULE(sqrt, DIV(g, MULN(y, 2)))                          /* g / (2 sqrt(a)) */
UNARY_RULE(rsqrt, MUL(MULN(g, -0.5), bw_opn(&s, "pow", y, 3))) /* -g/2 a^(-3/2) */
UNARY_RULE(exp, MUL(g, y))
UNARY_RULE(expm1, MUL(g, ADDN(y, 1)))
UNARY_RULE(log, DIV(g, a))
UNARY_RULE(log1p, DIV(g, ADDN(a, 1)))
UNARY_RULE(log2, DIV(g, MULN(a, 0.6931471805599453)))
UNARY_RULE(log10, DIV(g, MULN(a, 2.3025850929940456)))
#ifdef TNSR_INJECT_WRONG_GRAD
/* Test builds only (tests/cli/tgrad.bats): a rule 1% off, which tgrad --check must catch. */
UNARY_RULE(sin, MUL(MULN(g, 1.01), F("cos", a)))
#else
UNARY_RULE(sin, MUL(g, F("cos", a)))
#endif
UNARY_RULE(cos, MUL(g, NEG(F("sin", a))))
UNARY_RULE(tan, MUL(g, ADDN(bw_opn(&s, "pow", y, 2), 1)))   /* g (1 + tan^2) */
UNARY_RULE(asin, MUL(g, F("rsqrt", ADDN(MUL(NEG(a), a), 1))))  /* g / sqrt(1 - a^2) */
UNARY_RULE(acos, MUL(g, NEG(F("rsqrt", ADDN(MUL(NEG(a), a), 1)))))
UNARY_RULE(atan, DIV(g, ADDN(MUL(a, a), 1)))
UNARY_RULE(sinh, MUL(g, F("cosh", a)))
UNARY_RULE(cosh, MUL(g, F("sinh", a)))
UNARY_RULE(tanh, MUL(g, SUB(bw_num(&s, 1), MUL(y, y))))      /* g (1 - tanh^2) */
UNARY_RULE(sigmoid, MUL(MUL(g, SUB(bw_num(&s, 1), y)), y))     /* g (1 - y) y */
/* relu'(0) = 0 (PyTorch's threshold_backward: the gradient passes where the result > 0) */
UNARY_RULE(relu, bw_where0(&s, bw_opn(&s, "le", y, 0), g, true))
UNARY_RULE(square, MUL(g, MULN(a, 2)))
UNARY_RULE(reciprocal, MUL(NEG(g), MUL(y, y)))               /* -g / a^2 */
/* cast: the gradient cast back to the input's dtype (bw_fit does it) */
UNARY_RULE(cast, bw_view(&s, g))

/* softplus (beta 1, threshold 20): linear above the threshold, g e^a / (e^a + 1) below. */
BW_RULE(softplus)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0], *g = grad;
	tnsr_tensor *z = F("exp", a);
	tnsr_tensor *below = MUL(g, DIV(z, ADDN(z, 1)));
	grad_in[0] = bw_fit(&s, bw_op3(&s, "where", bw_opn(&s, "gt", a, 20), g, below), a);
	return bw_end(&s, grad_in, 1);
}

/* clamp: the gradient passes where LO <= a <= HI, bounds included (PyTorch's subgradient). */
BW_RULE(clamp)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0], *g = grad;
	tnsr_tensor *inside = NULL;
	if (args->has_min)
		inside = bw_opn(&s, "ge", a, args->min);
	if (args->has_max) {
		tnsr_tensor *le = bw_opn(&s, "le", a, args->max);
		inside = inside ? bw_op2(&s, "logical_and", inside, le) : le;
	}
	grad_in[0] = bw_fit(&s, inside ? bw_where0(&s, inside, g, false) : bw_view(&s, g), a);
	return bw_end(&s, grad_in, 1);
}

/* ---------------------------------------------------------------- binary rules */

/* A two-input rule: grad_in[k] = EXPR_k (when asked for) brought to input k's shape and dtype. */
#define BINARY_RULE(name, setup, expr_a, expr_b)                                   \
	BW_RULE(name)                                                              \
	{                                                                          \
		bw_scope s = BW_SCOPE;                                             \
		const tnsr_tensor *a = in[0], *b = in[1], *y = out, *g = grad;     \
		(void)y;                                                           \
		setup;                                                             \
		if (needs[0])                                                      \
			grad_in[0] = bw_fit(&s, (expr_a), a);                      \
		if (needs[1])                                                      \
			grad_in[1] = bw_fit(&s, (expr_b), b);                      \
		return bw_end(&s, grad_in, 2);                                     \
	}

BINARY_RULE(add, (void)0, bw_view(&s, g), bw_view(&s, g))
BINARY_RULE(sub, (void)0, bw_view(&s, g), NEG(g))
BINARY_RULE(mul, (void)0, MUL(g, b), MUL(g, a))
BINARY_RULE(div, (void)0, DIV(g, b), MUL(NEG(g), DIV(DIV(a, b), b)))   /* -g (a/b)/b */
/* Ties split the gradient in halves (PyTorch 1.13). */
BINARY_RULE(maximum, tnsr_tensor *h = bw_op3(&s, "where", bw_op2(&s, "eq", a, b), MULN(g, 0.5), g),
	    bw_where0(&s, bw_op2(&s, "lt", a, b), h, true), bw_where0(&s, bw_op2(&s, "gt", a, b), h, true))
BINARY_RULE(minimum, tnsr_tensor *h = bw_op3(&s, "where", bw_op2(&s, "eq", a, b), MULN(g, 0.5), g),
	    bw_where0(&s, bw_op2(&s, "gt", a, b), h, true), bw_where0(&s, bw_op2(&s, "lt", a, b), h, true))
/* d/db fmod(a, b) = -trunc(a/b); d/db remainder(a, b) = -floor(a/b) */
BINARY_RULE(fmod, (void)0, bw_view(&s, g), MUL(NEG(g), F("trunc", DIV(a, b))))
BINARY_RULE(remainder, (void)0, bw_view(&s, g), MUL(NEG(g), F("floor", DIV(a, b))))
BINARY_RULE(atan2, tnsr_tensor *recip = F("reciprocal", ADD(MUL(a, a), MUL(b, b))), MUL(MUL(g, b), recip),
	    MUL(MUL(g, NEG(a)), recip))

/* EXPONENT - 1, keeping a number literal a literal of its kind (so that it widens nothing). */
static tnsr_tensor *minus_one(bw_scope *s, const tnsr_tensor *e)
{
	if (s->st)
		return NULL;
	tnsr_tensor *one = NULL;
	tnsr_status st = tnsr_dtype_is_floating(e->dtype) || tnsr_dtype_is_complex(e->dtype)
				 ? tnsr_tensor_scalar(TNSR_F64, 1, 0, &one)
				 : tnsr_tensor_scalar_i64(1, &one);
	if (!bw_keep(s, st, st ? NULL : one))
		return NULL;
	tnsr_tensor *r = bw_op2(s, "sub", e, one);
	if (r && e->wrapped && e->ndim == 0 && r->ndim == 0)
		r->wrapped = true; /* a literal minus a literal is still a literal */
	return r;
}

/* pow(a, b): d/da = b a^(b-1) (0 where b == 0); d/db = a^b log(a), 0 where a == 0 and
 * b >= 0 (PyTorch's choice, which keeps 0**b finite); log taken in the result's dtype. */
BW_RULE(pow)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *a = in[0], *b = in[1], *y = out, *g = grad;
	if (needs[0]) {
		tnsr_tensor *d = MUL(g, MUL(b, bw_op2(&s, "pow", a, minus_one(&s, b))));
		grad_in[0] = bw_fit(&s, bw_where0(&s, bw_opn(&s, "eq", b, 0), d, true), a);
	}
	if (needs[1]) {
		tnsr_tensor *a_ = NULL;
		if (a->dtype == y->dtype) {
			a_ = bw_view(&s, a);
		} else {
			tnsr_op_args to = tnsr_op_args_default();
			to.dtype = y->dtype;
			a_ = bw_op(&s, "cast", &a, 1, &to);
		}
		tnsr_tensor *cond = bw_op2(&s, "logical_and", bw_opn(&s, "eq", a, 0), bw_opn(&s, "ge", b, 0));
		tnsr_tensor *d = MUL(g, bw_where0(&s, cond, MUL(y, F("log", a_)), true));
		grad_in[1] = bw_fit(&s, d, b);
	}
	return bw_end(&s, grad_in, 2);
}

/* where(COND, A, B): the gradient goes to A where COND holds, to B elsewhere; none to COND. */
BW_RULE(where)
{
	bw_scope s = BW_SCOPE;
	const tnsr_tensor *c = in[0], *g = grad;
	if (needs[1])
		grad_in[1] = bw_fit(&s, bw_where0(&s, c, g, false), in[1]);
	if (needs[2])
		grad_in[2] = bw_fit(&s, bw_where0(&s, c, g, true), in[2]);
	return bw_end(&s, grad_in, 3);
}
