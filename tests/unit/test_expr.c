/* test_expr.c: the expression language: precedence and associativity as Python's, the
 * graph each form builds (ops, arguments, wrapped scalars), every syntax error with its
 * column, and the graph's forward evaluation, binding and chain detection. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "graph.h"
#include "tnsr.h"

/* ---------------------------------------------------------------- rendering */

/* Appends to BUF what node I computes, as "op[args](inputs)". */
static void render(const tnsr_graph *g, int i, char *buf, size_t size);

static void add(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void add(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	va_start(ap, fmt);
	if (used < size)
		vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

static void render_constant(const tnsr_tensor *t, char *buf, size_t size)
{
	double v = 0;
	if (tnsr_tensor_numel(t) == 1)
		tnsr_convert(TNSR_F64, &v, t->dtype, tnsr_tensor_data(t), 1);
	if (t->dtype == TNSR_BOOL)
		add(buf, size, "%s", v != 0 ? "True" : "False");
	else if (t->dtype == TNSR_I64)
		add(buf, size, "%lld", (long long)v);
	else if (t->dtype == TNSR_F64)
		add(buf, size, v == floor(v) && fabs(v) < 1e15 ? "%.1f" : "%g", v);
	else
		add(buf, size, "%s:%g", tnsr_dtype_name(t->dtype), v);
	if (!t->wrapped)
		add(buf, size, "!"); /* a constant that is not a wrapped scalar */
}

static void render_args(const tnsr_node *n, char *buf, size_t size)
{
	const tnsr_op_args *a = &n->args;
	tnsr_op_args d = tnsr_op_args_default();
	char parts[512] = "";
	if (n->reverse_dims)
		add(parts, sizeof parts, ";T");
	else if (a->ndims) {
		add(parts, sizeof parts, ";dim=");
		for (int k = 0; k < a->ndims; k++)
			add(parts, sizeof parts, "%s%d", k ? "," : "", a->dims[k]);
	}
	if (a->keepdim)
		add(parts, sizeof parts, ";keepdim");
	if (a->correction != d.correction)
		add(parts, sizeof parts, ";correction=%g", a->correction);
	if (a->ord != d.ord)
		add(parts, sizeof parts, ";ord=%g", a->ord);
	if (a->has_min)
		add(parts, sizeof parts, ";min=%g", a->min);
	if (a->has_max)
		add(parts, sizeof parts, ";max=%g", a->max);
	if (a->start_dim != d.start_dim)
		add(parts, sizeof parts, ";start=%d", a->start_dim);
	if (a->end_dim != d.end_dim)
		add(parts, sizeof parts, ";end=%d", a->end_dim);
	if (a->rtol != d.rtol)
		add(parts, sizeof parts, ";rtol=%g", a->rtol);
	if (a->atol != d.atol)
		add(parts, sizeof parts, ";atol=%g", a->atol);
	if (a->equal_nan)
		add(parts, sizeof parts, ";equal_nan");
	if (a->shape_ndim) {
		add(parts, sizeof parts, ";shape=");
		for (int k = 0; k < a->shape_ndim; k++)
			add(parts, sizeof parts, "%s%lld", k ? "," : "", (long long)a->shape[k]);
	}
	if (a->nslice) {
		add(parts, sizeof parts, ";");
		for (int k = 0; k < a->nslice; k++) {
			const tnsr_slice_item *s = &a->slice[k];
			add(parts, sizeof parts, "%s", k ? "," : "");
			if (s->kind == TNSR_SLICE_KIND_INDEX)
				add(parts, sizeof parts, "%lld", (long long)s->start);
			else if (s->kind == TNSR_SLICE_KIND_ELLIPSIS)
				add(parts, sizeof parts, "...");
			else if (s->kind == TNSR_SLICE_KIND_NEWAXIS)
				add(parts, sizeof parts, "None");
			else {
				if (s->has_start)
					add(parts, sizeof parts, "%lld", (long long)s->start);
				add(parts, sizeof parts, ":");
				if (s->has_stop)
					add(parts, sizeof parts, "%lld", (long long)s->stop);
				if (s->step != 1)
					add(parts, sizeof parts, ":%lld", (long long)s->step);
			}
		}
	}
	if (strcmp(n->op->name, "cast") == 0)
		add(parts, sizeof parts, ";%s", tnsr_dtype_name(a->dtype));
	if (parts[0])
		add(buf, size, "[%s]", parts + 1);
}

static void render(const tnsr_graph *g, int i, char *buf, size_t size)
{
	const tnsr_node *n = &g->nodes[i];
	if (!n->op) {
		if (n->name)
			add(buf, size, "%s", n->name);
		else
			render_constant(n->value, buf, size);
		return;
	}
	add(buf, size, "%s", n->op->name);
	render_args(n, buf, size);
	add(buf, size, "(");
	for (int k = 0; k < n->nin; k++) {
		if (k)
			add(buf, size, ", ");
		render(g, n->inputs[k], buf, size);
	}
	add(buf, size, ")");
}

/* EXPR parses into a graph that renders as WANT. */
static void parses_as(const char *expr, const char *want)
{
	tnsr_graph *g = tnsr_graph_new();
	int node = -1, column = -2;
	char got[2048] = "", what[256];
	tnsr_status st = tnsr_expr_parse(expr, g, &node, &column);
	if (st)
		snprintf(got, sizeof got, "error %d at %d: %s", st, column, tnsr_error_message());
	else
		render(g, node, got, sizeof got);
	snprintf(what, sizeof what, "%s -> %s", expr, want);
	CHECK_STR(got, want, what);
	tnsr_graph_free(g);
}

/* EXPR fails with TNSR_E_USAGE, a message that contains WANT, at column COLUMN. */
static void fails_at(const char *expr, int column, const char *want)
{
	tnsr_graph *g = tnsr_graph_new();
	int node = -1, col = -2;
	char what[256];
	tnsr_status st = tnsr_expr_parse(expr, g, &node, &col);
	const char *msg = tnsr_error_message();
	snprintf(what, sizeof what, "'%s' fails at column %d: %s", expr, column, want);
	if (!CHECK(st == TNSR_E_USAGE && col == column && strstr(msg, want), what))
		printf("#   got status %d, column %d, message \"%s\"\n", st, col, st ? msg : "");
	tnsr_graph_free(g);
}

/* ---------------------------------------------------------------- the cases */

static void test_precedence(void)
{
	/* Python's table: ** above unary minus, right-associative; then * / % @; then + -. */
	parses_as("-x**2", "neg(pow(x, 2))");
	parses_as("2**3**2", "512");                 /* 2**(3**2), not (2**3)**2 = 64 */
	parses_as("x**3**2", "pow(x, 9)");           /* 3**2 folds to 9, as Python does */
	parses_as("a**b**c", "pow(a, pow(b, c))");
	parses_as("2**-1", "0.5");
	parses_as("x**-1", "pow(x, -1)");
	parses_as("a**-b", "pow(a, neg(b))");
	parses_as("-2**2", "-4");
	parses_as("(-2)**2", "4");
	parses_as("a@b+c", "add(matmul(a, b), c)");
	parses_as("a+b@c", "add(a, matmul(b, c))");
	parses_as("a-b-c", "sub(sub(a, b), c)");
	parses_as("a/b/c", "div(div(a, b), c)");
	parses_as("a-(b-c)", "sub(a, sub(b, c))");
	parses_as("a*b+c*d", "add(mul(a, b), mul(c, d))");
	parses_as("(a+b)*c", "mul(add(a, b), c)");
	parses_as("-a*b", "mul(neg(a), b)");
	parses_as("--x", "neg(neg(x))");
	parses_as("+x", "x");
	parses_as("-a.T", "neg(permute[T](a))");
	parses_as("a % 3", "remainder(a, 3)");
	parses_as("a < b + 1", "lt(a, add(b, 1))");
	parses_as("a == b", "eq(a, b)");
	parses_as("a != -b", "ne(a, neg(b))");
	parses_as("2 * 3 * x", "mul(6, x)");      /* (2*3)*x, folded as Python does */
	parses_as("x * 2 * 3", "mul(mul(x, 2), 3)");
	parses_as("1 / 2 + x", "add(0.5, x)");     /* true division of ints gives a float */
	parses_as("7 % -3 + x", "add(-2, x)");     /* Python's modulo takes the divisor's sign */
	parses_as("True + x", "add(True, x)");
	parses_as("x * 2.5", "mul(x, 2.5)");
	parses_as("x + 1e-3", "add(x, 0.001)");
	parses_as("x + 1_000", "add(x, 1000)");
	parses_as("x * .5", "mul(x, 0.5)");
	parses_as("x + 0x10", "add(x, 16)");
	parses_as("x * math.pi", "mul(x, 3.14159)");
	parses_as("maximum(x, float('-inf'))", "maximum(x, -inf)");
}

static void test_postfix(void)
{
	parses_as("x.reshape(2,-1).sum(dim=0)", "sum[dim=0](reshape[shape=2,-1](x))");
	parses_as("x.T", "permute[T](x)");
	parses_as("x.mT", "transpose[dim=-2,-1](x)");
	parses_as("x.T.T", "permute[T](permute[T](x))");
	parses_as("x.t()", "transpose(x)");
	parses_as("(a + b).mean()", "mean(add(a, b))");
	parses_as("(b + a*2).mean()", "mean(add(b, mul(a, 2)))");
	parses_as("x.abs().sqrt()", "sqrt(abs(x))");
	parses_as("torch.sum(x)", "sum(x)");
	parses_as("F.relu(x)", "relu(x)");
	parses_as("torch.nn.functional.softmax(z, dim=-1)", "softmax[dim=-1](z)");
	parses_as("x.pow(2)", "pow(x, 2)");
	parses_as("x.add(y)", "add(x, y)");
}

static void test_indexing(void)
{
	parses_as("a[1:, ::2]", "slice[1:,::2](a)");
	parses_as("a[..., 0]", "slice[...,0](a)");
	parses_as("a[None]", "slice[None](a)");
	parses_as("a[::-1]", "slice[::-1](a)");
	parses_as("a[-1]", "slice[-1](a)");
	parses_as("a[:, 1]", "slice[:,1](a)");
	parses_as("a[1:-1:2, None, ...]", "slice[1:-1:2,None,...](a)");
	parses_as("a[:3,]", "slice[:3](a)");
	parses_as("a[2 - 1 :]", "slice[1:](a)");
	parses_as("a[None:None:-2]", "slice[::-2](a)");
	parses_as("a[0][1]", "slice[1](slice[0](a))");
	parses_as("a.T[0]", "slice[0](permute[T](a))");
	parses_as("-a[0]", "neg(slice[0](a))");
	parses_as("a[0]**2", "pow(slice[0](a), 2)");
}

static void test_arguments(void)
{
	parses_as("sum(x, dim=(0, 1), keepdim=True)", "sum[dim=0,1;keepdim](x)");
	parses_as("sum(x, 1, True)", "sum[dim=1;keepdim](x)");
	parses_as("x.sum((0, -1))", "sum[dim=0,-1](x)");
	parses_as("x.sum(dim=None)", "sum(x)");
	parses_as("sum(d, dim=1)", "sum[dim=1](d)");
	parses_as("d.mean()", "mean(d)");
	parses_as("x.mean(axis=0, keepdims=True)", "mean[dim=0;keepdim](x)");
	parses_as("x.std(correction=0)", "std[correction=0](x)");
	parses_as("x.var(unbiased=False)", "var[correction=0](x)");
	parses_as("x.var(0, False)", "var[dim=0;correction=0](x)");
	parses_as("norm(x, ord=1)", "norm[ord=1](x)");
	parses_as("x.norm(p=inf)", "norm[ord=inf](x)");
	parses_as("x.norm(1, dim=0)", "norm[dim=0;ord=1](x)");
	parses_as("clamp(x, min=0)", "clamp[min=0](x)");
	parses_as("clamp(x, 0, 1)", "clamp[min=0;max=1](x)");
	parses_as("x.clamp(None, 1)", "clamp[max=1](x)");
	parses_as("x.clip(max=-0.5)", "clamp[max=-0.5](x)");
	parses_as("flatten(x, start_dim=1)", "flatten[start=1](x)");
	parses_as("x.flatten(0, 1)", "flatten[end=1](x)");
	parses_as("reshape(x, (2,-1))", "reshape[shape=2,-1](x)");
	parses_as("x.reshape(2, -1)", "reshape[shape=2,-1](x)");
	parses_as("x.view(-1)", "reshape[shape=-1](x)");
	parses_as("x.reshape([3, 4])", "reshape[shape=3,4](x)");
	parses_as("x.reshape(())", "reshape(x)");
	parses_as("expand(x, (3, 4))", "expand[shape=3,4](x)");
	parses_as("x.expand(3, -1)", "expand[shape=3,-1](x)");
	parses_as("x.permute(1, 0)", "permute[dim=1,0](x)");
	parses_as("permute(x, (2, 0, 1))", "permute[dim=2,0,1](x)");
	parses_as("x.permute(dims=(1, 0))", "permute[dim=1,0](x)");
	parses_as("transpose(x, 0, 1)", "transpose[dim=0,1](x)");
	parses_as("x.transpose(-1, -2)", "transpose[dim=-1,-2](x)");
	parses_as("x.transpose(dim0=0, dim1=1)", "transpose[dim=0,1](x)");
	parses_as("x.squeeze()", "squeeze(x)");
	parses_as("x.squeeze(0)", "squeeze[dim=0](x)");
	parses_as("x.unsqueeze(-1)", "unsqueeze[dim=-1](x)");
	parses_as("softmax(z, dim=1)", "softmax[dim=1](z)");
	parses_as("z.log_softmax(-1)", "log_softmax[dim=-1](z)");
	parses_as("linear(x, W, b)", "linear(x, W, b)");
	parses_as("linear(x, W, bias=b)", "linear(x, W, b)");
	parses_as("linear(x, W)", "linear(x, W)");
	parses_as("linear(x, W, None)", "linear(x, W)");
	parses_as("linear(x, W, bias=None)", "linear(x, W)");
	parses_as("matmul(a, b)", "matmul(a, b)");
	parses_as("where(c, a, b)", "where(c, a, b)");
	parses_as("where(x > 0, x, 0.)", "where(gt(x, 0), x, 0.0)");
	parses_as("cat((a, b), dim=0)", "cat[dim=0](a, b)");
	parses_as("cat((a, b), dim=1)", "cat[dim=1](a, b)");
	parses_as("cat([a, b, c], 1)", "cat[dim=1](a, b, c)");
	parses_as("cat(a, b, dim=-1)", "cat[dim=-1](a, b)");
	parses_as("stack((a, b))", "stack(a, b)");
	parses_as("take(x, i, dim=1)", "take[dim=1](x, i)");
	parses_as("slice(x, '[1:, ::2]')", "slice[1:,::2](x)");
	parses_as("x.to(f64)", "cast[f64](x)");
	parses_as("x.to(torch.float16)", "cast[f16](x)");
	parses_as("x.to(dtype=torch.int64)", "cast[i64](x)");
	parses_as("cast(x, 'f32')", "cast[f32](x)");
	parses_as("x.float()", "cast[f32](x)");
	parses_as("x.double()", "cast[f64](x)");
	parses_as("x.long()", "cast[i64](x)");
	parses_as("x.bool()", "cast[bool](x)");
	parses_as("allclose(a, b)", "cast[bool](slice[0](allclose(a, b)))");
	parses_as("allclose(a, b, rtol=1e-3, atol=0, equal_nan=True)",
		  "cast[bool](slice[0](allclose[rtol=0.001;atol=0;equal_nan](a, b)))");
	parses_as("a.equal(b)", "cast[bool](slice[0](equal(a, b)))");
	parses_as("x.argmax(dim=1, keepdim=True)", "argmax[dim=1;keepdim](x)");
	parses_as("x.max()", "max(x)");
	parses_as("torch.amax(x, 0)", "max[dim=0](x)");
	parses_as("logsumexp(x, 1)", "logsumexp[dim=1](x)");
	parses_as("x.contiguous()", "contiguous(x)");
	parses_as("atan2(y, 1)", "atan2(y, 1)");
	parses_as("x.logical_not()", "logical_not(x)");
}

static void test_errors(void)
{
	/* Syntax */
	fails_at("x +", 3, "syntax error: expected an operand after '+'");
	fails_at("", 0, "syntax error: empty expression");
	fails_at("   ", 3, "syntax error: empty expression");
	fails_at("* x", 0, "expected an operand at the start, got '*'");
	fails_at("x + )", 4, "expected an operand after '+', got ')'");
	fails_at("sum(x", 5, "syntax error: expected ')' to close '(' at column 4");
	fails_at("(x + 1", 6, "expected ')' to close '(' at column 1");
	fails_at("f(x y)", 4, "expected ',' or ')' to close '(' at column 2");
	fails_at("x[1", 3, "expected ']' to close '[' at column 2");
	fails_at("x[1 2]", 4, "expected ',' or ']' to close '[' at column 2");
	fails_at("x[]", 2, "expected an index");
	fails_at("x)", 1, "unmatched ')'");
	fails_at("x]", 1, "unmatched ']'");
	fails_at("x y", 2, "unexpected 'y' after a complete expression");
	fails_at("x $ y", 2, "unexpected character '$'");
	fails_at("2x", 0, "invalid number '2x'");
	fails_at("1e", 0, "invalid number '1e'");
	fails_at("2j", 0, "complex number '2j' is not supported");
	fails_at("x + 012", 4, "leading zeros");
	fails_at("99999999999999999999", 0, "out of range");
	fails_at("x.", 2, "expected a name after '.'");
	fails_at("x.2", 1, "unexpected '.2'"); /* ".2" is a number, as in Python */
	fails_at("sum(x=1, 2)", 9, "positional argument follows keyword argument");
	fails_at("sum(x, dim=1, dim=2)", 14, "keyword argument repeated: dim");
	fails_at("x // 2", 2, "'//' (floor division) is not supported");
	fails_at("a < b < c", 6, "chained comparisons are not supported");
	fails_at("'abc", 0, "unterminated string");
	fails_at("x = 2", 2, "unexpected '='");
	fails_at("x and y", 2, "Python's 'and' is not supported");
	fails_at("not x", 0, "Python's 'not' is not supported");
	fails_at("x + ...", 4, "'...' is only allowed inside [ ]");
	fails_at("(x + 1)(y)", 7, "only ops can be called");
	/* Names, ops and arguments */
	fails_at("sine(x)", 0, "unknown op 'sine' (did you mean sin?)");
	fails_at("x.sine()", 2, "unknown op 'sine' (did you mean sin?)");
	fails_at("x.smu()", 2, "unknown op 'smu' (did you mean sum?)");
	fails_at("frobnicate(x)", 0, "unknown op 'frobnicate'");
	fails_at("x.foo", 2, "unknown attribute '.foo'");
	fails_at("x.sum", 2, "'.sum' is a method: call it");
	fails_at("sum(x, dim=1.5)", 11, "dim must be an integer, got a float");
	fails_at("sum(x, dim=y)", 11, "dim must be an integer, got a tensor expression");
	fails_at("sum(x, dim=99)", 11, "dim 99 is out of range");
	fails_at("sum(x, keepdim=1)", 15, "keepdim must be True or False");
	fails_at("sum(x, foo=1)", 7, "sum: unexpected keyword argument 'foo'");
	fails_at("relu(x, dim=1)", 8, "relu: unexpected keyword argument 'dim'");
	fails_at("relu(x, y)", 8, "relu: too many arguments");
	fails_at("softmax(z)", 0, "softmax: missing dim");
	fails_at("softmax(z, dim=(0, 1))", 15, "softmax: dim takes a single dim");
	fails_at("clamp(x)", 0, "clamp: needs min or max");
	fails_at("x.reshape()", 2, "reshape: missing shape");
	fails_at("x.reshape(2, -3)", 13, "size -3 is invalid");
	fails_at("x.permute()", 2, "permute: missing dims");
	fails_at("x.transpose(0)", 2, "transpose: needs both dim0 and dim1");
	fails_at("cast(x)", 0, "cast: missing dtype");
	fails_at("x.to(f4)", 5, "did you mean f32?");
	fails_at("x.to(1)", 5, "dtype must be a dtype name");
	fails_at("slice(x, 1)", 9, "the index spec must be a string");
	fails_at("add(x)", 0, "add: needs 2 tensor operands, got 1");
	fails_at("where(c, a)", 0, "where: needs 3 tensor operands");
	fails_at("linear(x, W, b, c)", 16, "linear: too many arguments");
	fails_at("linear(x, W, b, bias=c)", 16, "got multiple values for argument 'bias'");
	fails_at("x.var(unbiased=True, correction=0)", 21, "got multiple values for argument 'correction'");
	fails_at("x.float(1)", 8, "too many arguments");
	fails_at("x + (1, 2)", 4, "expected a tensor, got a tuple");
	fails_at("x + 'a'", 4, "expected a tensor, got a string");
	fails_at("x + None", 4, "expected a tensor, got None");
	fails_at("x[y]", 2, "indexing with a tensor is not supported");
	fails_at("x[1.5]", 2, "an index must be an integer");
	fails_at("x[::0]", 4, "slice step cannot be zero");
	fails_at("x[1:y]", 4, "a slice bound must be an integer");
	fails_at("x * (1 / 0)", 7, "division by zero");
	fails_at("x * 2**64", 5, "integer overflow");
	fails_at("x * 0**-1", 5, "0 cannot be raised to a negative power");
	fails_at("float(x)", 6, "float() takes a number or a string");

	/* Nesting is bounded, not a stack overflow. */
	char deep[1202];
	memset(deep, '(', 600);
	deep[600] = 'x';
	memset(deep + 601, ')', 600);
	deep[1201] = 0;
	fails_at(deep, 200, "too many nested");
	char *powers = malloc(3 * 100000 + 2);
	strcpy(powers, "x");
	for (int i = 0; i < 100000; i++)
		memcpy(powers + 1 + 3 * i, "**x", 4);
	fails_at(powers, 603, "too many nested");
	free(powers);
	char *long_sum = malloc(6 * 2000 + 8);
	strcpy(long_sum, "x");
	for (int i = 0; i < 2000; i++)
		strcat(long_sum, " + x");
	fails_at(long_sum, 4002, "expression nested too deeply");
	free(long_sum);
	parses_as("x + x + x + x", "add(add(add(x, x), x), x)");
}

/* ---------------------------------------------------------------- evaluation */

static tnsr_tensor *scalar_f32(double v)
{
	tnsr_tensor *t;
	tnsr_tensor_scalar(TNSR_F32, v, 0, &t);
	t->wrapped = false;
	return t;
}

static tnsr_tensor *arange_f32(int ndim, const int64_t *shape)
{
	tnsr_tensor *t;
	tnsr_tensor_empty(TNSR_F32, ndim, shape, &t);
	float *p = tnsr_tensor_data(t);
	for (int64_t i = 0; i < tnsr_tensor_numel(t); i++)
		p[i] = (float)i;
	return t;
}

static double value_at(const tnsr_tensor *t, int64_t i)
{
	tnsr_tensor *c;
	double v = NAN;
	if (tnsr_tensor_cast(t, TNSR_F64, &c) == TNSR_OK) {
		v = ((double *)tnsr_tensor_data(c))[i];
		tnsr_tensor_free(c);
	}
	return v;
}

static void test_eval(void)
{
	tnsr_graph *g = tnsr_graph_new();
	int node, col;
	tnsr_tensor *x = scalar_f32(3), *w = scalar_f32(4), *b = scalar_f32(5), *r = NULL;
	CHECK_EQ(tnsr_expr_parse("w*x + b", g, &node, &col), TNSR_OK, "parse w*x + b");
	CHECK_EQ(col, -1, "no error column after success");
	CHECK_EQ(tnsr_graph_eval(g, node, &r), TNSR_E_USAGE, "eval without bindings fails");
	CHECK(strstr(tnsr_error_message(), "w: no value bound") != NULL, "the message names the unbound input");
	CHECK_EQ(tnsr_graph_bind(g, "x", x), TNSR_OK, "bind x");
	CHECK_EQ(tnsr_graph_bind(g, "w", w), TNSR_OK, "bind w");
	CHECK_EQ(tnsr_graph_bind(g, "b", b), TNSR_OK, "bind b");
	CHECK_EQ(tnsr_graph_bind(g, "bb", b), TNSR_E_VALUE, "binding a name the expression lacks fails");
	CHECK(strstr(tnsr_error_message(), "did you mean b?") != NULL, "and suggests the nearest input");
	CHECK_EQ(tnsr_graph_bind(g, "zzzzzz", b), TNSR_E_VALUE, "a far name");
	CHECK(strstr(tnsr_error_message(), "its inputs: w, x and b") != NULL, "lists the inputs");
	CHECK_EQ(tnsr_graph_eval(g, node, &r), TNSR_OK, "eval");
	CHECK(r && r->dtype == TNSR_F32 && r->ndim == 0 && value_at(r, 0) == 17, "w*x + b at 3, 4, 5 is 17 (f32, 0-d)");
	tnsr_tensor_free(r);
	CHECK_STR(tnsr_graph_chain_input(g, node), "w", "w*x + b is a chain through w (x and b are its operands)");
	/* Rebinding recomputes. */
	tnsr_tensor *x2 = scalar_f32(10);
	tnsr_graph_bind(g, "x", x2);
	CHECK(tnsr_graph_eval(g, node, &r) == TNSR_OK && value_at(r, 0) == 45, "a new binding is seen");
	tnsr_tensor_free(r);
	tnsr_graph_free(g);

	/* x.T reverses whatever ndim the bound value has, at each evaluation. */
	g = tnsr_graph_new();
	tnsr_expr_parse("x.T", g, &node, &col);
	tnsr_tensor *x3 = arange_f32(3, (const int64_t[]){2, 3, 4});
	tnsr_graph_bind(g, "x", x3);
	CHECK(tnsr_graph_eval(g, node, &r) == TNSR_OK && r->ndim == 3 && r->shape[0] == 4 && r->shape[2] == 2 &&
		      value_at(r, 1) == 12,
	      "x.T of a (2,3,4) tensor is (4,3,2)");
	tnsr_tensor_free(r);
	tnsr_tensor *x1 = arange_f32(1, (const int64_t[]){5});
	tnsr_graph_bind(g, "x", x1);
	CHECK(tnsr_graph_eval(g, node, &r) == TNSR_OK && r->ndim == 1 && r->shape[0] == 5, "x.T of a 1-d tensor is itself");
	tnsr_tensor_free(r);
	tnsr_graph_free(g);

	/* Wrapped scalars keep the tensor's dtype; an integer tensor / 2 gives f32. */
	g = tnsr_graph_new();
	tnsr_expr_parse("(x * 2.5 + True).sum()", g, &node, &col);
	tnsr_graph_bind(g, "x", x1);
	CHECK(tnsr_graph_eval(g, node, &r) == TNSR_OK && r->dtype == TNSR_F32 && value_at(r, 0) == 30,
	      "sum(arange(5) * 2.5 + True) is 30 in f32");
	tnsr_tensor_free(r);
	tnsr_graph_free(g);

	/* Chains: one input through ops whose other operands are leaves. */
	const struct {
		const char *expr, *input;
	} chains[] = {
		{"sum(relu(x * 2 - 1))", "x"}, {"x", "x"},        {"2 - x", "x"},
		{"(x @ W + b).relu()", "x"},   {"x * x", NULL},   {"x.T + 1", NULL},
		{"x + y", "x"},                {"sin(x) + cos(x)", NULL}, {"1 + 2", NULL},
	};
	for (size_t i = 0; i < sizeof chains / sizeof *chains; i++) {
		g = tnsr_graph_new();
		char what[128];
		tnsr_expr_parse(chains[i].expr, g, &node, &col);
		snprintf(what, sizeof what, "chain input of %s", chains[i].expr);
		if (chains[i].input)
			CHECK_STR(tnsr_graph_chain_input(g, node), chains[i].input, what);
		else
			CHECK(tnsr_graph_chain_input(g, node) == NULL, what);
		tnsr_graph_free(g);
	}
	/* A chain run gives what eval gives. */
	g = tnsr_graph_new();
	tnsr_expr_parse("sum(relu(x * 2 - 3) + y)", g, &node, &col);
	tnsr_graph_bind(g, "x", x1);
	tnsr_graph_bind(g, "y", x);
	tnsr_tensor *chained = NULL;
	tnsr_chain_output out = {.result = &chained};
	CHECK_EQ(tnsr_graph_run_chain(g, node, NULL, &out), TNSR_OK, "run the chain");
	CHECK(chained && value_at(chained, 0) == 1 + 3 + 5 + 5 * 3, "sum(relu(arange(5)*2-3) + 3) is 24");
	tnsr_tensor_free(chained);
	CHECK(tnsr_graph_eval(g, node, &r) == TNSR_OK && value_at(r, 0) == 24, "eval agrees");
	tnsr_tensor_free(r);
	tnsr_graph_free(g);

	/* Graph building checks its operands. */
	g = tnsr_graph_new();
	int in = tnsr_graph_input(g, "x");
	CHECK_EQ(tnsr_graph_input(g, "x"), in, "the same name gives the same node");
	CHECK_EQ(tnsr_graph_op(g, tnsr_op_find("add"), &in, 1, NULL), -1, "add of one operand is refused");
	CHECK(strstr(tnsr_error_message(), "add: takes 2 tensor operands, got 1") != NULL, "naming the op");
	int bad = 7;
	CHECK_EQ(tnsr_graph_op(g, tnsr_op_find("neg"), &bad, 1, NULL), -1, "an input outside the graph is refused");
	CHECK_EQ(tnsr_graph_eval(g, 5, &r), TNSR_E_VALUE, "eval of a node outside the graph fails");
	tnsr_graph_free(g);
	tnsr_graph_free(NULL);

	tnsr_tensor_free(x);
	tnsr_tensor_free(w);
	tnsr_tensor_free(b);
	tnsr_tensor_free(x1);
	tnsr_tensor_free(x2);
	tnsr_tensor_free(x3);
}

int main(void)
{
	test_precedence();
	test_postfix();
	test_indexing();
	test_arguments();
	test_errors();
	test_eval();
	return check_done();
}
