/* op_table.c: every op, one row each.  The tops command line, its help text, the
 * expression language and autodiff all read this table; an op is a row plus kernels. */
#include <string.h>
#include <strings.h>

#include "backward.h"
#include "ops.h"

#define EW(id) .run = tnsr_run_elementwise, .ew = &tnsr_ew_descs[TNSR_EW_##id]
#define RED(id) .run = tnsr_run_reduce, .reduce = &tnsr_reduce_descs[TNSR_RED_##id]
#define UNARY(nm, id, what, bw) {nm, NULL, TNSR_GROUP_UNARY, 1, 1, 0, "A", what, EW(id), .backward = bw}
#define BINARY(nm, id, what, bw) {nm, NULL, TNSR_GROUP_BINARY, 2, 2, 0, "A B", what, EW(id), .backward = bw}
#define REDUCE(nm, id, extra, what, bw) \
	{nm, NULL, TNSR_GROUP_REDUCE, 1, 1, TNSR_ATTR_DIM | TNSR_ATTR_KEEPDIM | (extra), "A [--dim D[,D...]] [--keepdim]", what, RED(id), .backward = bw}
#define WHOLE(nm, alias, group, lo, hi, attrs, usage, what, fn, bw) \
	{nm, alias, group, lo, hi, attrs, usage, what, .run = fn, .backward = bw}

const tnsr_op tnsr_ops[] = {
	UNARY("neg", NEG, "-A (torch.neg)", tnsr_backward_neg),
	UNARY("abs", ABS, "|A|; complex gives its real magnitude (torch.abs)", tnsr_backward_abs),
	UNARY("sign", SIGN, "-1, 0 or 1 by sign (torch.sign)", NULL),
	UNARY("sqrt", SQRT, "square root (torch.sqrt)", tnsr_backward_sqrt),
	UNARY("rsqrt", RSQRT, "1/sqrt(A) (torch.rsqrt)", tnsr_backward_rsqrt),
	UNARY("exp", EXP, "e**A (torch.exp)", tnsr_backward_exp),
	UNARY("expm1", EXPM1, "e**A - 1, accurate near 0 (torch.expm1)", tnsr_backward_expm1),
	UNARY("log", LOG, "natural logarithm (torch.log)", tnsr_backward_log),
	UNARY("log1p", LOG1P, "log(1 + A), accurate near 0 (torch.log1p)", tnsr_backward_log1p),
	UNARY("log2", LOG2, "base-2 logarithm (torch.log2)", tnsr_backward_log2),
	UNARY("log10", LOG10, "base-10 logarithm (torch.log10)", tnsr_backward_log10),
	UNARY("sin", SIN, "sine (torch.sin)", tnsr_backward_sin),
	UNARY("cos", COS, "cosine (torch.cos)", tnsr_backward_cos),
	UNARY("tan", TAN, "tangent (torch.tan)", tnsr_backward_tan),
	UNARY("asin", ASIN, "arcsine (torch.asin)", tnsr_backward_asin),
	UNARY("acos", ACOS, "arccosine (torch.acos)", tnsr_backward_acos),
	UNARY("atan", ATAN, "arctangent (torch.atan)", tnsr_backward_atan),
	UNARY("sinh", SINH, "hyperbolic sine (torch.sinh)", tnsr_backward_sinh),
	UNARY("cosh", COSH, "hyperbolic cosine (torch.cosh)", tnsr_backward_cosh),
	UNARY("tanh", TANH, "hyperbolic tangent (torch.tanh)", tnsr_backward_tanh),
	UNARY("sigmoid", SIGMOID, "1/(1 + e**-A) (torch.sigmoid)", tnsr_backward_sigmoid),
	UNARY("relu", RELU, "max(A, 0) (torch.relu)", tnsr_backward_relu),
	UNARY("softplus", SOFTPLUS, "log(1 + e**A), linear above 20 (torch.nn.functional.softplus)", tnsr_backward_softplus),
	UNARY("floor", FLOOR, "round down (torch.floor)", NULL),
	UNARY("ceil", CEIL, "round up (torch.ceil)", NULL),
	UNARY("round", ROUND, "round half to even (torch.round)", NULL),
	UNARY("trunc", TRUNC, "round toward zero (torch.trunc)", NULL),
	UNARY("square", SQUARE, "A*A (torch.square)", tnsr_backward_square),
	UNARY("reciprocal", RECIPROCAL, "1/A (torch.reciprocal)", tnsr_backward_reciprocal),
	UNARY("isnan", ISNAN, "bool: A is NaN (torch.isnan)", NULL),
	UNARY("isinf", ISINF, "bool: A is +-inf (torch.isinf)", NULL),
	UNARY("isfinite", ISFINITE, "bool: A is neither NaN nor inf (torch.isfinite)", NULL),
	UNARY("logical_not", LOGICAL_NOT, "bool: A == 0 (torch.logical_not)", NULL),

	BINARY("add", ADD, "A + B (torch.add)", tnsr_backward_add),
	BINARY("sub", SUB, "A - B (torch.sub)", tnsr_backward_sub),
	BINARY("mul", MUL, "A * B (torch.mul)", tnsr_backward_mul),
	BINARY("div", DIV, "A / B, true division: integers give f32 (torch.div)", tnsr_backward_div),
	BINARY("pow", POW, "A ** B (torch.pow)", tnsr_backward_pow),
	BINARY("maximum", MAXIMUM, "elementwise max, NaN propagates (torch.maximum)", tnsr_backward_maximum),
	BINARY("minimum", MINIMUM, "elementwise min, NaN propagates (torch.minimum)", tnsr_backward_minimum),
	BINARY("fmod", FMOD, "remainder with the sign of A, as C fmod (torch.fmod)", tnsr_backward_fmod),
	BINARY("remainder", REMAINDER, "remainder with the sign of B, as Python % (torch.remainder)", tnsr_backward_remainder),
	BINARY("atan2", ATAN2, "arctangent of A/B by quadrant (torch.atan2)", tnsr_backward_atan2),
	BINARY("eq", EQ, "bool: A == B (torch.eq)", NULL),
	BINARY("ne", NE, "bool: A != B (torch.ne)", NULL),
	BINARY("lt", LT, "bool: A < B (torch.lt)", NULL),
	BINARY("le", LE, "bool: A <= B (torch.le)", NULL),
	BINARY("gt", GT, "bool: A > B (torch.gt)", NULL),
	BINARY("ge", GE, "bool: A >= B (torch.ge)", NULL),
	BINARY("logical_and", LOGICAL_AND, "bool: A and B (torch.logical_and)", NULL),
	BINARY("logical_or", LOGICAL_OR, "bool: A or B (torch.logical_or)", NULL),
	BINARY("logical_xor", LOGICAL_XOR, "bool: A xor B (torch.logical_xor)", NULL),
	{"clamp", NULL, TNSR_GROUP_BINARY, 1, 1, TNSR_ATTR_MINMAX, "A [--min LO] [--max HI]",
	 "limit A to [LO, HI] (torch.clamp)", EW(CLAMP), .backward = tnsr_backward_clamp},
	{"where", NULL, TNSR_GROUP_BINARY, 3, 3, 0, "COND A B", "A where COND else B, broadcasting (torch.where)",
	 EW(WHERE), .backward = tnsr_backward_where},

	WHOLE("matmul", NULL, TNSR_GROUP_LINALG, 2, 2, 0, "A B",
	      "matrix product with 1-D promotion and batch broadcasting (torch.matmul)", tnsr_run_matmul, tnsr_backward_matmul),
	WHOLE("linear", NULL, TNSR_GROUP_LINALG, 2, 2, TNSR_ATTR_BIAS, "X W [--bias B]",
	      "X @ W.T + B (torch.nn.functional.linear)", tnsr_run_linear, tnsr_backward_linear),

	REDUCE("sum", SUM, 0, "sum; floats accumulate in f64 (torch.sum)", tnsr_backward_sum),
	REDUCE("mean", MEAN, 0, "mean; integers give f32 (torch.mean)", tnsr_backward_mean),
	REDUCE("prod", PROD, 0, "product (torch.prod)", tnsr_backward_prod),
	REDUCE("max", MAX, 0, "largest value (torch.amax)", tnsr_backward_amax),
	REDUCE("min", MIN, 0, "smallest value (torch.amin)", tnsr_backward_amax),
	REDUCE("argmax", ARGMAX, TNSR_ATTR_ONE_DIM, "i64 index of the first largest value (torch.argmax)", NULL),
	REDUCE("argmin", ARGMIN, TNSR_ATTR_ONE_DIM, "i64 index of the first smallest value (torch.argmin)", NULL),
	REDUCE("std", STD, TNSR_ATTR_CORRECTION, "standard deviation, --correction C (default 1) (torch.std)", tnsr_backward_std),
	REDUCE("var", VAR, TNSR_ATTR_CORRECTION, "variance, --correction C (default 1) (torch.var)", tnsr_backward_var),
	REDUCE("norm", NORM, TNSR_ATTR_ORD, "vector p-norm, --ord P (default 2) (torch.linalg.vector_norm)", tnsr_backward_norm),
	REDUCE("all", ALL, 0, "bool: every value is nonzero (torch.all)", NULL),
	REDUCE("any", ANY, 0, "bool: some value is nonzero (torch.any)", NULL),
	REDUCE("logsumexp", LOGSUMEXP, 0, "log(sum(exp(A))), computed stably (torch.logsumexp)", tnsr_backward_logsumexp),

	WHOLE("softmax", NULL, TNSR_GROUP_NN, 1, 1, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM | TNSR_ATTR_DIM_REQUIRED,
	      "A --dim D", "exp(A) / sum(exp(A)) along D, stable (torch.softmax)", tnsr_run_softmax, tnsr_backward_softmax),
	WHOLE("log_softmax", NULL, TNSR_GROUP_NN, 1, 1, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM | TNSR_ATTR_DIM_REQUIRED,
	      "A --dim D", "A - logsumexp(A) along D (torch.log_softmax)", tnsr_run_log_softmax, tnsr_backward_log_softmax),
	WHOLE("mse", NULL, TNSR_GROUP_NN, 2, 2, 0, "A B", "mean((A - B)**2), broadcasting (torch.nn.functional.mse_loss)",
	      tnsr_run_mse, tnsr_backward_mse),
	WHOLE("cross_entropy", NULL, TNSR_GROUP_NN, 2, 2, 0, "LOGITS TARGET",
	      "mean over rows of -log_softmax(LOGITS)[TARGET], TARGET class indices (torch.nn.functional.cross_entropy)",
	      tnsr_run_cross_entropy, tnsr_backward_cross_entropy),

	WHOLE("reshape", "view", TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_SHAPE, "A S",
	      "the same elements in shape S, one size may be -1; a view when possible (torch.reshape)",
	      tnsr_run_reshape, tnsr_backward_reshape),
	WHOLE("flatten", NULL, TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_FLATTEN, "A [--start-dim A] [--end-dim B]",
	      "merge dims A..B into one (torch.flatten)", tnsr_run_flatten, tnsr_backward_reshape),
	WHOLE("squeeze", NULL, TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM, "A [--dim D]",
	      "drop dims of size 1; a named dim of another size stays (torch.squeeze)", tnsr_run_squeeze, tnsr_backward_reshape),
	WHOLE("unsqueeze", NULL, TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM | TNSR_ATTR_DIM_REQUIRED,
	      "A --dim D", "insert a dim of size 1 at D (torch.unsqueeze)", tnsr_run_unsqueeze, tnsr_backward_reshape),
	WHOLE("transpose", NULL, TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_DIMS, "A [D0 D1]",
	      "swap two dims, by default the last two; 0-d and 1-d stay as they are (torch.transpose)", tnsr_run_transpose, tnsr_backward_transpose),
	WHOLE("permute", NULL, TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_DIMS, "A D...", "reorder all dims (torch.permute)",
	      tnsr_run_permute, tnsr_backward_permute),
	WHOLE("expand", NULL, TNSR_GROUP_SHAPE, 1, 1, TNSR_ATTR_SHAPE, "A S",
	      "broadcast size-1 dims to S without copying, -1 keeps a size (Tensor.expand)", tnsr_run_expand, tnsr_backward_expand),
	WHOLE("contiguous", NULL, TNSR_GROUP_SHAPE, 1, 1, 0, "A", "a C-order copy unless already one (Tensor.contiguous)",
	      tnsr_run_contiguous, tnsr_backward_contiguous),

	WHOLE("slice", NULL, TNSR_GROUP_INDEX, 1, 1, TNSR_ATTR_SLICE, "A SPEC",
	      "NumPy basic indexing, '[:, 1]', '[1:-1, ::2]', '[..., 0]', '[None]', '[::-1]' (a view)", tnsr_run_slice, tnsr_backward_slice),
	WHOLE("take", NULL, TNSR_GROUP_INDEX, 2, 2, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM, "A INDEX [--dim D]",
	      "the entries INDEX (integers) of dim D, default 0 (torch.index_select)", tnsr_run_take, tnsr_backward_take),

	WHOLE("cat", NULL, TNSR_GROUP_JOIN, 1, -1, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM, "A... [--dim D]",
	      "join along existing dim D, default 0 (torch.cat)", tnsr_run_cat, tnsr_backward_cat),
	WHOLE("stack", NULL, TNSR_GROUP_JOIN, 1, -1, TNSR_ATTR_DIM | TNSR_ATTR_ONE_DIM, "A... [--dim D]",
	      "join along a new dim D, default 0 (torch.stack)", tnsr_run_stack, tnsr_backward_stack),

	{"cast", "to", TNSR_GROUP_DTYPE, 1, 1, TNSR_ATTR_DTYPE, "A DTYPE", "convert to DTYPE (Tensor.to)", EW(CAST), .backward = tnsr_backward_cast},

	WHOLE("allclose", NULL, TNSR_GROUP_CHECK, 2, 2, TNSR_ATTR_TOL, "A B [--rtol R] [--atol A] [--equal-nan]",
	      "|A - B| <= atol + rtol*|B| everywhere: exit 0 if so, 1 if not (torch.allclose)", tnsr_run_allclose, NULL),
	WHOLE("equal", NULL, TNSR_GROUP_CHECK, 2, 2, 0, "A B",
	      "same shape and values: exit 0 if so, 1 if not (torch.equal)", tnsr_run_equal, NULL),
	{NULL, NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL},
};

static const char *const group_names[TNSR_GROUP_COUNT] = {
	[TNSR_GROUP_UNARY] = "elementwise unary", [TNSR_GROUP_BINARY] = "elementwise binary, broadcasting",
	[TNSR_GROUP_LINALG] = "linear algebra", [TNSR_GROUP_REDUCE] = "reductions",
	[TNSR_GROUP_NN] = "neural-net helpers", [TNSR_GROUP_SHAPE] = "shape",
	[TNSR_GROUP_INDEX] = "indexing", [TNSR_GROUP_JOIN] = "joining",
	[TNSR_GROUP_DTYPE] = "dtype", [TNSR_GROUP_CHECK] = "checks",
};

const char *tnsr_op_group_name(tnsr_op_group group) { return group_names[group]; }

const tnsr_op *tnsr_op_find(const char *name)
{
	for (const tnsr_op *op = tnsr_ops; op->name; op++)
		if (strcmp(op->name, name) == 0 || (op->alias && strcmp(op->alias, name) == 0))
			return op;
	return NULL;
}

/* Optimal string alignment distance (edits: insert, delete, substitute, swap). */
static int distance(const char *a, const char *b)
{
	int la = (int)strlen(a), lb = (int)strlen(b);
	if (la > 40 || lb > 40)
		return 99;
	int d[41][41];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1], v = d[i - 1][j - 1] + cost;
			v = d[i - 1][j] + 1 < v ? d[i - 1][j] + 1 : v;
			v = d[i][j - 1] + 1 < v ? d[i][j - 1] + 1 : v;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *tnsr_op_suggest(const char *name)
{
	const char *best = NULL;
	int best_d = 99;
	for (const tnsr_op *op = tnsr_ops; op->name; op++) {
		const char *names[2] = {op->name, op->alias};
		for (int k = 0; k < 2; k++) {
			if (!names[k])
				continue;
			int dist = distance(name, names[k]);
			if (dist < best_d) {
				best_d = dist;
				best = names[k];
			}
		}
	}
	/* A suggestion is only useful when it is close: at most a third of the name wrong. */
	int limit = (int)strlen(name) / 3 + 1;
	return best_d <= limit ? best : NULL;
}

tnsr_op_args tnsr_op_args_default(void)
{
	tnsr_op_args a;
	memset(&a, 0, sizeof a);
	a.correction = 1;
	a.ord = 2;
	a.end_dim = -1;
	a.rtol = 1e-5;
	a.atol = 1e-8;
	return a;
}

tnsr_status tnsr_op_apply(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			  tnsr_tensor **out)
{
	int extra = (op->attrs & TNSR_ATTR_BIAS) ? 1 : 0;
	if (n < op->min_inputs || (op->max_inputs >= 0 && n > op->max_inputs + extra))
		return tnsr_error(TNSR_E_USAGE, "%s: takes %d tensor operand%s, got %d", op->name, op->min_inputs,
				  op->min_inputs == 1 ? "" : "s", n);
	tnsr_status st = op->run(op, in, n, args, out);
	if (st && strncmp(tnsr_error_message(), op->name, strlen(op->name)) != 0)
		tnsr_error_prefix(st, op->name);
	return st;
}
