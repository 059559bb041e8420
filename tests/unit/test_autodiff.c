/* test_autodiff.c: reverse-mode gradients (tnsr_graph_backward) on graphs built op by op.
 * Every backward rule of the op table is checked against f64 central differences of
 * sum(out * v) for a random v, on inputs that broadcast, keep or drop dims; then the
 * semantics PyTorch fixes: the basics examples, accumulation, pruning, subgradients at
 * kinks, dtypes of gradients, and the errors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "graph.h"

static uint64_t rng_state = 0x2545f4914f6cdd1dull;
static double next_unit(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (double)(x >> 11) * 0x1p-53;
}

static void bail(const char *what)
{
	printf("Bail out! %s: %s\n", what, tnsr_error_message());
	exit(1);
}

static tnsr_tensor *tensor_of(tnsr_dtype dtype, const char *shape_text)
{
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	tnsr_tensor *t;
	if (tnsr_shape_parse(shape_text, false, &ndim, shape) || tnsr_tensor_zeros(dtype, ndim, shape, &t))
		bail(shape_text);
	return t;
}

static tnsr_tensor *f64_values(const char *shape, const double *v)
{
	tnsr_tensor *t = tensor_of(TNSR_F64, shape);
	memcpy(tnsr_tensor_data(t), v, sizeof *v * (size_t)tnsr_tensor_numel(t));
	return t;
}

/* sum(T * V) in f64 (V contiguous f64 of T's numel). */
static double dot(const tnsr_tensor *t, const double *v)
{
	tnsr_tensor *c;
	if (tnsr_tensor_cast(t, TNSR_F64, &c))
		bail("cast");
	const double *d = tnsr_tensor_data(c);
	double s = 0;
	for (int64_t i = 0, n = tnsr_tensor_numel(c); i < n; i++)
		s += d[i] * v[i];
	tnsr_tensor_free(c);
	return s;
}

/* ---------------------------------------------------------------- every rule vs differences */

/* One case: OP over inputs of the given shapes (a leading 'i' makes an i64 input holding
 * indices below IMAX, a 'b' a bool input), values uniform in [LO, HI), ARGS in a small
 * "key=value ..." language. */
typedef struct rule_case {
	const char *op;
	const char *inputs[4];
	const char *args;
	double lo, hi;
	int imax;
} rule_case;

static const rule_case cases[] = {
	{"neg", {"3x4"}, "", -2, 2, 0},
	{"abs", {"3x4"}, "", -2, 2, 0},
	{"sqrt", {"3x4"}, "", 0.5, 2, 0},
	{"rsqrt", {"3x4"}, "", 0.5, 2, 0},
	{"exp", {"3x4"}, "", -2, 2, 0},
	{"expm1", {"3x4"}, "", -2, 2, 0},
	{"log", {"3x4"}, "", 0.5, 2, 0},
	{"log1p", {"3x4"}, "", -0.5, 2, 0},
	{"log2", {"3x4"}, "", 0.5, 2, 0},
	{"log10", {"3x4"}, "", 0.5, 2, 0},
	{"sin", {"3x4"}, "", -2, 2, 0},
	{"cos", {"3x4"}, "", -2, 2, 0},
	{"tan", {"3x4"}, "", -1, 1, 0},
	{"asin", {"3x4"}, "", -0.9, 0.9, 0},
	{"acos", {"3x4"}, "", -0.9, 0.9, 0},
	{"atan", {"3x4"}, "", -2, 2, 0},
	{"sinh", {"3x4"}, "", -2, 2, 0},
	{"cosh", {"3x4"}, "", -2, 2, 0},
	{"tanh", {"3x4"}, "", -2, 2, 0},
	{"sigmoid", {"3x4"}, "", -3, 3, 0},
	{"relu", {"3x4"}, "", -2, 2, 0},
	{"softplus", {"3x4"}, "", -3, 3, 0},
	{"softplus", {"5"}, "", 19, 23, 0},
	{"square", {"3x4"}, "", -2, 2, 0},
	{"reciprocal", {"3x4"}, "", 0.5, 2, 0},
	{"clamp", {"3x4"}, "min=-0.5 max=0.5", -1, 1, 0},
	{"clamp", {"3x4"}, "min=0.2", -1, 1, 0},
	{"cast", {"3x4"}, "dtype=f64", -1, 1, 0},
	{"add", {"3x4", "4"}, "", -2, 2, 0},
	{"sub", {"2x1x4", "3x1"}, "", -2, 2, 0},
	{"mul", {"3x4", "3x1"}, "", -2, 2, 0},
	{"div", {"3x4", "4"}, "", 0.5, 2, 0},
	{"pow", {"3x4", "3x4"}, "", 0.5, 2, 0},
	{"pow", {"4", "3x1"}, "", 0.5, 2, 0},
	{"maximum", {"3x4", "4"}, "", -2, 2, 0},
	{"minimum", {"3x4", "1x4"}, "", -2, 2, 0},
	{"fmod", {"3x4", "4"}, "", 0.7, 2.9, 0},
	{"remainder", {"3x4", "4"}, "", 0.7, 2.9, 0},
	{"atan2", {"3x4", "3x4"}, "", -2, 2, 0},
	{"where", {"b3x4", "3x4", "4"}, "", -2, 2, 0},
	{"matmul", {"3x4", "4x5"}, "", -1, 1, 0},
	{"matmul", {"4", "4x5"}, "", -1, 1, 0},
	{"matmul", {"3x4", "4"}, "", -1, 1, 0},
	{"matmul", {"4", "4"}, "", -1, 1, 0},
	{"matmul", {"2x3x4", "4x5"}, "", -1, 1, 0},
	{"matmul", {"2x1x3x4", "5x4x2"}, "", -1, 1, 0},
	{"matmul", {"4", "2x4x3"}, "", -1, 1, 0},
	{"linear", {"3x4", "5x4", "5"}, "", -1, 1, 0},
	{"linear", {"2x3x4", "4"}, "", -1, 1, 0},
	{"linear", {"4", "5x4", "1"}, "", -1, 1, 0},
	{"sum", {"2x3x4"}, "", -1, 1, 0},
	{"sum", {"2x3x4"}, "dims=1", -1, 1, 0},
	{"sum", {"2x3x4"}, "dims=0,-1 keepdim", -1, 1, 0},
	{"mean", {"2x3x4"}, "", -1, 1, 0},
	{"mean", {"2x3x4"}, "dims=2,0", -1, 1, 0},
	{"prod", {"2x3x4"}, "dims=1", 0.5, 1.5, 0},
	{"prod", {"3x4"}, "", -1.5, 1.5, 0},
	{"max", {"2x3x4"}, "dims=1", -1, 1, 0},
	{"min", {"2x3x4"}, "", -1, 1, 0},
	{"max", {"2x3x4"}, "dims=0,2 keepdim", -1, 1, 0},
	{"std", {"3x4"}, "", -1, 1, 0},
	{"std", {"3x4"}, "dims=1 correction=0", -1, 1, 0},
	{"var", {"2x3x4"}, "dims=0,2", -1, 1, 0},
	{"var", {"3x4"}, "correction=2 keepdim dims=0", -1, 1, 0},
	{"norm", {"3x4"}, "", -1, 1, 0},
	{"norm", {"3x4"}, "dims=1 ord=1", -1, 1, 0},
	{"norm", {"3x4"}, "dims=0 ord=3", -1, 1, 0},
	{"norm", {"3x4"}, "ord=1.5", -1, 1, 0},
	{"norm", {"3x4"}, "ord=0.5", -1, 1, 0},
	{"norm", {"3x4"}, "dims=1 ord=inf", -1, 1, 0},
	{"norm", {"3x4"}, "dims=1 ord=-inf", -1, 1, 0},
	{"logsumexp", {"3x4"}, "dims=1", -2, 2, 0},
	{"logsumexp", {"3x4"}, "", -2, 2, 0},
	{"softmax", {"3x4"}, "dims=1", -2, 2, 0},
	{"softmax", {"3x4"}, "dims=0", -2, 2, 0},
	{"log_softmax", {"2x3x4"}, "dims=1", -2, 2, 0},
	{"mse", {"3x4", "3x4"}, "", -2, 2, 0},
	{"mse", {"3x4", "4"}, "", -2, 2, 0},
	{"cross_entropy", {"4x5", "i4"}, "", -2, 2, 5},
	{"cross_entropy", {"5", "iscalar"}, "", -2, 2, 5},
	{"cross_entropy", {"2x3x4", "i2x4"}, "", -2, 2, 3},
	{"cross_entropy", {"4x5", "4x5"}, "", 0.1, 1, 0},
	{"reshape", {"3x4"}, "shape=2x6", -1, 1, 0},
	{"reshape", {"3x4"}, "shape=-1", -1, 1, 0},
	{"flatten", {"2x3x4"}, "start=1", -1, 1, 0},
	{"squeeze", {"3x1x4"}, "", -1, 1, 0},
	{"unsqueeze", {"3x4"}, "dims=1", -1, 1, 0},
	{"transpose", {"3x4"}, "", -1, 1, 0},
	{"transpose", {"2x3x4"}, "dims=0,2", -1, 1, 0},
	{"permute", {"2x3x4"}, "dims=2,0,1", -1, 1, 0},
	{"permute", {"2x3x4"}, "dims=-1,-3,-2", -1, 1, 0},
	{"expand", {"3x1"}, "shape=2x3x4", -1, 1, 0},
	{"contiguous", {"3x4"}, "", -1, 1, 0},
	{"slice", {"4x5"}, "slice=[1:,::-2]", -1, 1, 0},
	{"slice", {"2x3x4"}, "slice=[...,1]", -1, 1, 0},
	{"slice", {"3x4"}, "slice=[None,-1]", -1, 1, 0},
	{"take", {"4x5", "i7"}, "dims=1", -1, 1, 5},
	{"take", {"4x5", "i6"}, "", -1, 1, 4},
	{"cat", {"2x3", "4x3", "1x3"}, "", -1, 1, 0},
	{"cat", {"2x3", "2x1"}, "dims=-1", -1, 1, 0},
	{"stack", {"2x3", "2x3", "2x3"}, "dims=1", -1, 1, 0},
};

/* Parses the case's "key=value ..." into ARGS. */
static void parse_args(const char *text, tnsr_op_args *a)
{
	char buf[256];
	snprintf(buf, sizeof buf, "%s", text);
	for (char *save = NULL, *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *v = strchr(w, '=');
		if (v)
			*v++ = 0;
		if (strcmp(w, "keepdim") == 0)
			a->keepdim = true;
		else if (strcmp(w, "dims") == 0)
			for (char *s2 = NULL, *d = strtok_r(v, ",", &s2); d; d = strtok_r(NULL, ",", &s2))
				a->dims[a->ndims++] = atoi(d);
		else if (strcmp(w, "correction") == 0)
			a->correction = atof(v);
		else if (strcmp(w, "ord") == 0)
			a->ord = strtod(v, NULL);
		else if (strcmp(w, "min") == 0)
			a->has_min = true, a->min = atof(v);
		else if (strcmp(w, "max") == 0)
			a->has_max = true, a->max = atof(v);
		else if (strcmp(w, "start") == 0)
			a->start_dim = atoi(v);
		else if (strcmp(w, "shape") == 0)
			tnsr_shape_parse(v, true, &a->shape_ndim, a->shape);
		else if (strcmp(w, "slice") == 0)
			tnsr_slice_parse(v, a->slice, 2 * TNSR_MAX_DIMS, &a->nslice);
		else if (strcmp(w, "dtype") == 0)
			tnsr_dtype_parse(v, &a->dtype);
	}
}

/* sum(op(inputs) * v) with input K's element I moved by H. */
static double probe(tnsr_graph *g, int node, tnsr_tensor *x, const char *name, int64_t i, double h, const double *v)
{
	double *d = tnsr_tensor_data(x), old = d[i];
	d[i] = old + h;
	tnsr_tensor *out;
	if (tnsr_graph_bind(g, name, x) || tnsr_graph_eval(g, node, &out))
		bail("probe");
	double r = dot(out, v); /* before the restore: OUT may be a view of X */
	d[i] = old;
	tnsr_tensor_free(out);
	return r;
}

static void check_rule(const rule_case *c)
{
	static const char *const names[4] = {"a", "b", "c", "d"};
	tnsr_graph *g = tnsr_graph_new();
	tnsr_tensor *x[4] = {NULL};
	int leaf[4], nin = 0;
	const char *wrt[4];
	int nwrt = 0;
	for (; nin < 4 && c->inputs[nin]; nin++) {
		const char *shape = c->inputs[nin];
		bool ints = shape[0] == 'i', bools = shape[0] == 'b';
		x[nin] = tensor_of(ints ? TNSR_I64 : bools ? TNSR_BOOL : TNSR_F64, shape + (ints || bools));
		for (int64_t i = 0, n = tnsr_tensor_numel(x[nin]); i < n; i++) {
			double u = next_unit();
			if (ints)
				((int64_t *)tnsr_tensor_data(x[nin]))[i] = (int64_t)(u * c->imax);
			else if (bools)
				((bool *)tnsr_tensor_data(x[nin]))[i] = u < 0.5;
			else
				((double *)tnsr_tensor_data(x[nin]))[i] = c->lo + (c->hi - c->lo) * u;
		}
		leaf[nin] = tnsr_graph_input(g, names[nin]);
		if (tnsr_graph_bind(g, names[nin], x[nin]))
			bail("bind");
		if (!ints && !bools)
			wrt[nwrt++] = names[nin];
	}
	tnsr_op_args args = tnsr_op_args_default();
	parse_args(c->args, &args);
	int node = tnsr_graph_op(g, tnsr_op_find(c->op), leaf, nin, &args);
	tnsr_tensor *out, *grads[4] = {NULL};
	if (node < 0 || tnsr_graph_eval(g, node, &out))
		bail(c->op);
	/* a random upstream gradient v: the check covers v^T J for every input element */
	tnsr_tensor *v = tensor_of(TNSR_F64, "scalar");
	if (out->ndim) {
		tnsr_tensor_free(v);
		if (tnsr_tensor_zeros(TNSR_F64, out->ndim, out->shape, &v))
			bail("v");
	}
	double *vd = tnsr_tensor_data(v);
	for (int64_t i = 0, n = tnsr_tensor_numel(v); i < n; i++)
		vd[i] = 2 * next_unit() - 1;
	char what[200], detail[300] = "";
	snprintf(what, sizeof what, "%s(%s%s%s) [%s]: gradients match differences", c->op, c->inputs[0],
		 c->inputs[1] ? ", " : "", c->inputs[1] ? c->inputs[1] : "", c->args);
	tnsr_status st = tnsr_graph_backward(g, node, v, wrt, nwrt, grads);
	bool ok = st == TNSR_OK;
	if (!ok)
		snprintf(detail, sizeof detail, "backward: %s", tnsr_error_message());
	for (int k = 0, w = 0; ok && k < nin; k++) {
		if (x[k]->dtype != TNSR_F64)
			continue;
		tnsr_tensor *gk = grads[w++], *gc;
		ok = gk->dtype == TNSR_F64 && gk->ndim == x[k]->ndim &&
		     memcmp(gk->shape, x[k]->shape, sizeof *gk->shape * (size_t)gk->ndim) == 0;
		if (!ok) {
			snprintf(detail, sizeof detail, "input %s: gradient of dtype %s, %d dims", names[k],
				 tnsr_dtype_name(gk->dtype), gk->ndim);
			break;
		}
		if (tnsr_tensor_contiguous(gk, &gc))
			bail("contiguous");
		const double *an = tnsr_tensor_data(gc);
		for (int64_t i = 0, n = tnsr_tensor_numel(x[k]); ok && i < n; i++) {
			const double h = 1e-6;
			double num = (probe(g, node, x[k], names[k], i, h, vd) - probe(g, node, x[k], names[k], i, -h, vd)) /
				     (2 * h);
			if (!(fabs(an[i] - num) <= 1e-6 + 1e-5 * fabs(num))) {
				ok = false;
				snprintf(detail, sizeof detail, "input %s, element %lld: analytic %.9g, numeric %.9g", names[k],
					 (long long)i, an[i], num);
			}
		}
		tnsr_tensor_free(gc);
	}
	if (!CHECK(ok, what))
		printf("#   %s\n", detail);
	for (int k = 0; k < 4; k++) {
		tnsr_tensor_free(grads[k]);
		tnsr_tensor_free(x[k]);
	}
	tnsr_tensor_free(v);
	tnsr_tensor_free(out);
	tnsr_graph_free(g);
}

/* Every op of the table with a rule appears in the cases above, and no rule is missing
 * where the op is differentiable by PyTorch's lights (the list of exceptions is explicit). */
static void check_coverage(void)
{
	static const char *const no_rule[] = {"sign", "floor", "ceil", "round", "trunc", "isnan", "isinf",
					      "isfinite", "logical_not", "eq", "ne", "lt", "le", "gt", "ge",
					      "logical_and", "logical_or", "logical_xor", "argmax", "argmin", "all",
					      "any", "allclose", "equal", NULL};
	for (const tnsr_op *op = tnsr_ops; op->name; op++) {
		bool exempt = false, tested = false;
		for (int i = 0; no_rule[i]; i++)
			exempt |= strcmp(no_rule[i], op->name) == 0;
		for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
			tested |= strcmp(cases[i].op, op->name) == 0;
		char what[120];
		snprintf(what, sizeof what, "%s: %s", op->name,
			 exempt ? "has no backward rule (not differentiable)" : "has a backward rule, tested");
		CHECK(exempt ? op->backward == NULL : op->backward != NULL && tested, what);
	}
}

/* ---------------------------------------------------------------- semantics */

/* A graph over named f64 (or DTYPE) inputs; helpers to add ops by name. */
static int op1(tnsr_graph *g, const char *name, int a, const tnsr_op_args *args)
{
	int r = tnsr_graph_op(g, tnsr_op_find(name), &a, 1, args);
	if (r < 0)
		bail(name);
	return r;
}

static int op2(tnsr_graph *g, const char *name, int a, int b)
{
	int r = tnsr_graph_op(g, tnsr_op_find(name), (const int[]){a, b}, 2, NULL);
	if (r < 0)
		bail(name);
	return r;
}

static int number(tnsr_graph *g, double v, bool integer)
{
	tnsr_tensor *t;
	if (integer ? tnsr_tensor_scalar_i64((int64_t)v, &t) : tnsr_tensor_scalar(TNSR_F64, v, 0, &t))
		bail("scalar");
	return tnsr_graph_constant(g, t);
}

static void bind_f32(tnsr_graph *g, const char *name, const char *shape, const float *v)
{
	tnsr_tensor *t = tensor_of(TNSR_F32, shape);
	memcpy(tnsr_tensor_data(t), v, sizeof *v * (size_t)tnsr_tensor_numel(t));
	if (tnsr_graph_bind(g, name, t))
		bail("bind");
	tnsr_tensor_free(t);
}

/* The gradients of NODE wrt NAMES as printed by tnsr_repr, joined by " | ". */
static const char *grads_text(tnsr_graph *g, int node, const char *const *names, int n)
{
	static char text[1024];
	tnsr_tensor *grads[8];
	if (tnsr_graph_backward(g, node, NULL, names, n, grads)) {
		snprintf(text, sizeof text, "error: %s", tnsr_error_message());
		return text;
	}
	FILE *f = fmemopen(text, sizeof text, "w");
	for (int i = 0; i < n; i++) {
		fputs(i ? " | " : "", f);
		tnsr_repr(f, grads[i], NULL);
		tnsr_tensor_free(grads[i]);
	}
	fputc(0, f);
	fclose(f);
	return text;
}

static void check_basics(void)
{
	/* w*x + b at x=3, w=4, b=5: out 17, dx = 4, dw = 3, db = 1 */
	tnsr_graph *g = tnsr_graph_new();
	int x = tnsr_graph_input(g, "x"), w = tnsr_graph_input(g, "w"), b = tnsr_graph_input(g, "b");
	int y = op2(g, "add", op2(g, "mul", w, x), b);
	bind_f32(g, "x", "scalar", (const float[]){3});
	bind_f32(g, "w", "scalar", (const float[]){4});
	bind_f32(g, "b", "scalar", (const float[]){5});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x", "w", "b"}, 3), "tensor(4.) | tensor(3.) | tensor(1.)",
		  "w*x + b: gradients as PyTorch prints them");
	tnsr_graph_free(g);

	/* 3*x**2 at 4: 24 */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	y = op2(g, "mul", number(g, 3, true), op2(g, "pow", x, number(g, 2, true)));
	bind_f32(g, "x", "scalar", (const float[]){4});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x"}, 1), "tensor(24.)", "3*x**2 at 4: 24");
	tnsr_graph_free(g);

	/* 5*x**3 + 2*x at 2: 15*4 + 2 = 62 */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	y = op2(g, "add", op2(g, "mul", number(g, 5, true), op2(g, "pow", x, number(g, 3, true))),
		op2(g, "mul", number(g, 2, true), x));
	bind_f32(g, "x", "scalar", (const float[]){2});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x"}, 1), "tensor(62.)",
		  "5*x**3 + 2*x at 2: 62 (x used twice: gradients summed)");
	tnsr_graph_free(g);

	/* (b + a*2).mean() with a = [1, 2], b = [3, 4]: da = [1, 1], db = [0.5, 0.5] */
	g = tnsr_graph_new();
	int a = tnsr_graph_input(g, "a");
	b = tnsr_graph_input(g, "b");
	y = op1(g, "mean", op2(g, "add", b, op2(g, "mul", a, number(g, 2, true))), NULL);
	bind_f32(g, "a", "2", (const float[]){1, 2});
	bind_f32(g, "b", "2", (const float[]){3, 4});
	CHECK_STR(grads_text(g, y, (const char *const[]){"a", "b"}, 2), "tensor([1., 1.]) | tensor([0.5000, 0.5000])",
		  "(b + a*2).mean(): da = [1, 1], db = [0.5, 0.5]");
	tnsr_graph_free(g);
}

/* Gradients of a one-input op at fixed points, as text. */
static const char *grad_at(const char *op, const tnsr_op_args *args, const char *shape, const float *v)
{
	tnsr_graph *g = tnsr_graph_new();
	int x = tnsr_graph_input(g, "x");
	int y = op1(g, "sum", op1(g, op, x, args), NULL);
	bind_f32(g, "x", shape, v);
	const char *r = grads_text(g, y, (const char *const[]){"x"}, 1);
	tnsr_graph_free(g);
	return r;
}

static void check_kinks(void)
{
	const float pts[] = {-1, 0, 1};
	CHECK_STR(grad_at("relu", NULL, "3", pts), "tensor([0., 0., 1.])", "relu'(0) = 0");
	CHECK_STR(grad_at("abs", NULL, "3", pts), "tensor([-1.,  0.,  1.])", "abs'(0) = 0");
	tnsr_op_args a = tnsr_op_args_default();
	a.has_min = a.has_max = true;
	a.min = 0;
	a.max = 1;
	CHECK_STR(grad_at("clamp", &a, "5", (const float[]){-1, 0, 0.5, 1, 2}), "tensor([0., 1., 1., 1., 0.])",
		  "clamp: gradient 1 on [min, max], bounds included");
	CHECK_STR(grad_at("max", NULL, "3", (const float[]){1, 3, 3}), "tensor([0.0000, 0.5000, 0.5000])",
		  "max: ties share the gradient");
	CHECK_STR(grad_at("prod", NULL, "3", (const float[]){0, 2, 3}), "tensor([6., 0., 0.])",
		  "prod with one zero: the zero gets the product of the others");
	CHECK_STR(grad_at("prod", NULL, "3", (const float[]){0, 0, 3}), "tensor([0., 0., 0.])",
		  "prod with two zeros: all 0");
	CHECK_STR(grad_at("norm", NULL, "2", (const float[]){0, 0}), "tensor([0., 0.])", "norm at 0: 0");

	/* maximum(a, b) with a tie: half to each */
	tnsr_graph *g = tnsr_graph_new();
	int x = tnsr_graph_input(g, "x"), w = tnsr_graph_input(g, "w");
	int y = op1(g, "sum", op2(g, "maximum", x, w), NULL);
	bind_f32(g, "x", "3", (const float[]){1, 2, 3});
	bind_f32(g, "w", "3", (const float[]){1, 1, 4});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x", "w"}, 2),
		  "tensor([0.5000, 1.0000, 0.0000]) | tensor([0.5000, 0.0000, 1.0000])", "maximum: ties split 0.5/0.5");
	tnsr_graph_free(g);

	/* pow at a = 0 (PyTorch): d/da 0**0 = 0, d/db 0**b = 0 for b >= 0, d/da 0**-1 = -inf */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	w = tnsr_graph_input(g, "w");
	y = op1(g, "sum", op2(g, "pow", x, w), NULL);
	bind_f32(g, "x", "3", (const float[]){0, 0, 0});
	bind_f32(g, "w", "3", (const float[]){0, 1, -1});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x", "w"}, 2),
		  "tensor([0., 1., -inf]) | tensor([0., 0., -inf])", "pow at 0: PyTorch's values");
	tnsr_graph_free(g);
}

static void check_graph_rules(void)
{
	/* a value used three times: gradients add up; a branch without x is pruned */
	tnsr_graph *g = tnsr_graph_new();
	int x = tnsr_graph_input(g, "x"), k = tnsr_graph_input(g, "k");
	tnsr_op_args to = tnsr_op_args_default();
	to.dtype = TNSR_F32;
	int noise = op1(g, "cast", op1(g, "argmax", k, NULL), &to); /* not differentiable, but not needed */
	int y = op1(g, "sum", op2(g, "add", op2(g, "mul", op2(g, "mul", x, x), x), noise), NULL);
	bind_f32(g, "x", "2", (const float[]){1, 2});
	bind_f32(g, "k", "3", (const float[]){1, 5, 2});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x"}, 1), "tensor([ 3., 12.])",
		  "x*x*x: three uses summed; the argmax branch is pruned");
	CHECK_STR(grads_text(g, y, (const char *const[]){"k"}, 1),
		  "error: argmax: not differentiable (needed for the gradient of k)",
		  "a gradient through argmax: an error naming the op");
	tnsr_graph_free(g);

	/* an integer result out of a float input */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	to.dtype = TNSR_I64;
	y = op1(g, "sum", op1(g, "cast", x, &to), NULL);
	bind_f32(g, "x", "2", (const float[]){1, 2});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x"}, 1),
		  "error: cast: gives i64, which has no gradient (needed for the gradient of x)",
		  "a cast to an integer dtype blocks the gradient, with a message");
	tnsr_graph_free(g);

	/* floor */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	y = op1(g, "sum", op1(g, "floor", x, NULL), NULL);
	bind_f32(g, "x", "2", (const float[]){1.5f, 2});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x"}, 1),
		  "error: floor: not differentiable (needed for the gradient of x)", "floor: not differentiable");
	tnsr_graph_free(g);

	/* integer input; unknown input; non-scalar output; an input the output ignores */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	int n = tnsr_graph_input(g, "n");
	y = op2(g, "mul", x, x);
	tnsr_tensor *iv = tensor_of(TNSR_I64, "2");
	tnsr_graph_bind(g, "n", iv);
	tnsr_tensor_free(iv);
	bind_f32(g, "x", "2", (const float[]){1, 2});
	CHECK_STR(grads_text(g, n, (const char *const[]){"n"}, 1),
		  "error: n: can only compute gradients of floating or complex inputs (n is i64)", "integer input refused");
	CHECK_STR(grads_text(g, y, (const char *const[]){"z"}, 1), "error: z: not an input of the expression",
		  "unknown input refused");
	CHECK_STR(grads_text(g, y, (const char *const[]){"x"}, 1),
		  "error: output of shape (2,): grad can be implicitly created only for scalar outputs",
		  "non-scalar output without grad_output: PyTorch's message");
	tnsr_tensor *go = f64_values("3", (const double[]){1, 1, 1}), *gr[1];
	tnsr_status st = tnsr_graph_backward(g, y, go, (const char *const[]){"x"}, 1, gr);
	CHECK(st == TNSR_E_SHAPE && strstr(tnsr_error_message(), "grad_output: shape (3,) does not match the output's shape (2,)"),
	      "grad_output of the wrong shape refused");
	tnsr_tensor_free(go);
	go = f64_values("2", (const double[]){1, 10});
	st = tnsr_graph_backward(g, y, go, (const char *const[]){"x"}, 1, gr);
	if (CHECK(st == TNSR_OK && gr[0]->dtype == TNSR_F32, "grad_output seeds the sweep; the gradient keeps x's dtype")) {
		const float *d = tnsr_tensor_data(gr[0]);
		CHECK(d[0] == 2 && d[1] == 40, "x*x with grad_output [1, 10] at [1, 2]: [2, 40]");
		tnsr_tensor_free(gr[0]);
	}
	tnsr_tensor_free(go);
	tnsr_graph_free(g);

	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	int u = tnsr_graph_input(g, "u");
	y = op1(g, "sum", x, NULL);
	(void)u;
	bind_f32(g, "x", "2", (const float[]){1, 2});
	bind_f32(g, "u", "3", (const float[]){1, 2, 3});
	CHECK_STR(grads_text(g, y, (const char *const[]){"x", "u"}, 2), "tensor([1., 1.]) | tensor([0., 0., 0.])",
		  "an input the output does not use: zeros");
	tnsr_graph_free(g);

	/* f32 x with an f64 0-d tensor: the result is f32 and so is the gradient */
	g = tnsr_graph_new();
	x = tnsr_graph_input(g, "x");
	int s = tnsr_graph_input(g, "s");
	y = op1(g, "sum", op2(g, "mul", x, s), NULL);
	bind_f32(g, "x", "2", (const float[]){1, 2});
	tnsr_tensor *sv = f64_values("scalar", (const double[]){0.1});
	tnsr_graph_bind(g, "s", sv);
	tnsr_tensor_free(sv);
	tnsr_tensor *gs[2];
	st = tnsr_graph_backward(g, y, NULL, (const char *const[]){"x", "s"}, 2, gs);
	if (CHECK(st == TNSR_OK, "f32 * f64 0-d: backward runs")) {
		CHECK(gs[0]->dtype == TNSR_F32 && gs[1]->dtype == TNSR_F64, "each gradient has its input's dtype");
		CHECK(((const double *)tnsr_tensor_data(gs[1]))[0] == 3, "d/ds sum(x * s) = sum(x) = 3");
		tnsr_tensor_free(gs[0]);
		tnsr_tensor_free(gs[1]);
	}
	tnsr_graph_free(g);
}

int main(void)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		check_rule(&cases[i]);
	check_coverage();
	check_basics();
	check_kinks();
	check_graph_rules();
	return check_done();
}
