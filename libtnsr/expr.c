/* expr.c: the meaning of an expression: its syntax tree (expr_parse.c) lowered onto a
 * graph.  Operators map to ops (a + b is add, a @ b matmul, -a neg, a[1:] slice, a.T
 * permute); calls are expr_call.c's.  Number literals are Python numbers: arithmetic on
 * them is folded as Python folds it, and what reaches a tensor op is a wrapped scalar
 * (x * 2 keeps x's dtype). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "graph.h"

/* Records a usage error at column COL and returns -1 (a failed node). */
int tnsr_expr_fail(const expr_lowering *L, int col, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tnsr_error(TNSR_E_USAGE, "%s", msg);
	if (L->error_column)
		*L->error_column = col;
	return -1;
}

/* What a syntax node is, for "expected a tensor, got a string". */
const char *tnsr_expr_describe(const expr_ast *e)
{
	switch (e->kind) {
	case AST_STRING: return "a string";
	case AST_NONE: return "None";
	case AST_ELLIPSIS: return "'...'";
	case AST_TUPLE: return e->op == TOK_LBRACKET ? "a list" : "a tuple";
	case AST_SLICE: return "a slice";
	case AST_NUMBER: return "a number";
	default: return "a tensor expression";
	}
}

/* ---------------------------------------------------------------- numbers */

static const struct {
	const char *name;
	double value;
} named_numbers[] = {
	{"math.inf", INFINITY}, {"math.nan", NAN},   {"math.pi", M_PI},   {"math.e", M_E},
	{"torch.inf", INFINITY}, {"torch.nan", NAN}, {"torch.pi", M_PI}, {"torch.e", M_E},
	{"np.inf", INFINITY},   {"np.nan", NAN},     {"np.pi", M_PI},     {"np.e", M_E},
};

/* "torch.nn.functional" for a chain of names joined by dots; false for anything else. */
bool tnsr_expr_dotted_name(const expr_ast *e, char *buf, size_t size)
{
	if (e->kind == AST_NAME)
		return (size_t)snprintf(buf, size, "%s", e->text) < size;
	if (e->kind != AST_ATTR || !tnsr_expr_dotted_name(e->a, buf, size))
		return false;
	size_t used = strlen(buf);
	return (size_t)snprintf(buf + used, size - used, ".%s", e->text) < size - used;
}

static expr_number int_number(int64_t i) { return (expr_number){.i = i, .d = (double)i}; }
static expr_number float_number(double d) { return (expr_number){.is_float = true, .d = d}; }

/* Python's float % : the result takes the sign of B. */
static double py_fmod(double a, double b)
{
	double m = fmod(a, b);
	if (m != 0) {
		if ((b < 0) != (m < 0))
			m += b;
	} else {
		m = copysign(0.0, b);
	}
	return m;
}

/* A op B on two Python numbers; 1 with *OUT set, or -1 with the error set. */
static int fold_binary(const expr_lowering *L, const expr_ast *e, expr_number a, expr_number b, expr_number *out)
{
	bool flt = a.is_float || b.is_float;
	double x = a.is_float ? a.d : (double)a.i, y = b.is_float ? b.d : (double)b.i;
	int64_t r;
	switch (e->op) {
	case TOK_PLUS:
	case TOK_MINUS:
	case TOK_STAR:
		if (flt) {
			*out = float_number(e->op == TOK_PLUS ? x + y : e->op == TOK_MINUS ? x - y : x * y);
			return 1;
		}
		if (e->op == TOK_PLUS ? __builtin_add_overflow(a.i, b.i, &r)
		    : e->op == TOK_MINUS ? __builtin_sub_overflow(a.i, b.i, &r)
					 : __builtin_mul_overflow(a.i, b.i, &r))
			return tnsr_expr_fail(L, e->col, "integer overflow: the result does not fit in 64 bits");
		*out = int_number(r);
		return 1;
	case TOK_SLASH:
		if (y == 0)
			return tnsr_expr_fail(L, e->col, "division by zero");
		*out = float_number(x / y);
		return 1;
	case TOK_PERCENT:
		if (y == 0)
			return tnsr_expr_fail(L, e->col, "modulo by zero");
		if (flt) {
			*out = float_number(py_fmod(x, y));
		} else {
			int64_t m = b.i == -1 ? 0 : a.i % b.i; /* INT64_MIN % -1 traps in C */
			if (m != 0 && ((m < 0) != (b.i < 0)))
				m += b.i;
			*out = int_number(m);
		}
		return 1;
	case TOK_POW:
		if (!flt && b.i >= 0) {
			int64_t result = 1, base = a.i;
			for (int64_t k = b.i; k > 0; k >>= 1) {
				if ((k & 1) && __builtin_mul_overflow(result, base, &result))
					return tnsr_expr_fail(L, e->col, "integer overflow: the result does not fit in 64 bits");
				if (k > 1 && __builtin_mul_overflow(base, base, &base))
					return tnsr_expr_fail(L, e->col, "integer overflow: the result does not fit in 64 bits");
			}
			*out = int_number(result);
			return 1;
		}
		if (x == 0 && y < 0)
			return tnsr_expr_fail(L, e->col, "0 cannot be raised to a negative power");
		if (x < 0 && y != floor(y))
			return tnsr_expr_fail(L, e->col, "a negative number to a fractional power is complex (not supported)");
		*out = float_number(pow(x, y));
		return 1;
	case TOK_EQ: *out = int_number(x == y); break;
	case TOK_NE: *out = int_number(x != y); break;
	case TOK_LT: *out = int_number(x < y); break;
	case TOK_LE: *out = int_number(x <= y); break;
	case TOK_GT: *out = int_number(x > y); break;
	case TOK_GE: *out = int_number(x >= y); break;
	default: return 0; /* a @ b: not for numbers */
	}
	out->is_bool = true; /* a comparison */
	if (!flt) { /* exact for integers beyond 2**53 */
		int64_t i = e->op == TOK_EQ ? a.i == b.i : e->op == TOK_NE ? a.i != b.i : e->op == TOK_LT ? a.i < b.i
			  : e->op == TOK_LE ? a.i <= b.i : e->op == TOK_GT ? a.i > b.i : a.i >= b.i;
		out->i = i;
		out->d = (double)i;
	}
	return 1;
}

/* Whether E is a number known from the expression alone (a literal, Python arithmetic on
 * literals, math.pi, float('inf')): 1 with *OUT, 0 when it is not, -1 on an error
 * (1 / 0).  Bools are integers for arithmetic, as in Python. */
int tnsr_expr_fold(const expr_lowering *L, const expr_ast *e, expr_number *out)
{
	char name[64];
	expr_number a, b;
	int r;
	switch (e->kind) {
	case AST_NUMBER:
		*out = e->num;
		return 1;
	case AST_ATTR:
		if (!tnsr_expr_dotted_name(e, name, sizeof name))
			return 0;
		for (size_t i = 0; i < sizeof named_numbers / sizeof *named_numbers; i++)
			if (strcmp(name, named_numbers[i].name) == 0) {
				*out = float_number(named_numbers[i].value);
				return 1;
			}
		return 0;
	case AST_CALL: /* float('inf'), float(2) */
		if (e->a->kind != AST_NAME || strcmp(e->a->text, "float") != 0 || e->nitems != 1 || e->nkw)
			return 0;
		if (e->items[0]->kind == AST_STRING) {
			char *end;
			double d = strtod(e->items[0]->text, &end);
			if (end == e->items[0]->text || *end)
				return tnsr_expr_fail(L, e->items[0]->col, "could not convert string to float: '%s'", e->items[0]->text);
			*out = float_number(d);
			return 1;
		}
		if ((r = tnsr_expr_fold(L, e->items[0], &a)) != 1)
			return r < 0 ? r : tnsr_expr_fail(L, e->items[0]->col, "float() takes a number or a string here");
		*out = float_number(a.is_float ? a.d : (double)a.i);
		return 1;
	case AST_UNARY:
		if ((r = tnsr_expr_fold(L, e->a, &a)) != 1)
			return r;
		if (a.is_float)
			*out = float_number(e->op == TOK_MINUS ? -a.d : a.d);
		else if (e->op == TOK_MINUS && a.i == INT64_MIN)
			return tnsr_expr_fail(L, e->col, "integer overflow: the result does not fit in 64 bits");
		else
			*out = int_number(e->op == TOK_MINUS ? -a.i : a.i);
		return 1;
	case AST_BINARY:
		if ((r = tnsr_expr_fold(L, e->a, &a)) != 1)
			return r;
		if ((r = tnsr_expr_fold(L, e->b, &b)) != 1)
			return r;
		return fold_binary(L, e, a, b, out);
	default:
		return 0;
	}
}

/* A wrapped-scalar constant for a Python number: ints i64, floats f64, bools bool. */
static int number_node(const expr_lowering *L, expr_number v)
{
	tnsr_tensor *t;
	tnsr_status st = v.is_bool ? tnsr_tensor_scalar(TNSR_BOOL, (double)v.i, 0, &t)
			 : v.is_float ? tnsr_tensor_scalar(TNSR_F64, v.d, 0, &t)
				      : tnsr_tensor_scalar_i64(v.i, &t);
	return st ? -1 : tnsr_graph_constant(L->g, t);
}

/* ---------------------------------------------------------------- tensors */

static int lower_index(const expr_lowering *L, const expr_ast *e);

/* OP over N nodes with default arguments, at column COL for errors. */
static int add_op(const expr_lowering *L, const char *name, const int *inputs, int n, int col)
{
	int node = tnsr_graph_op(L->g, tnsr_op_find(name), inputs, n, NULL);
	if (node < 0 && L->error_column)
		*L->error_column = col;
	return node;
}

static const struct {
	expr_tok_kind tok;
	const char *op;
} binary_ops[] = {
	{TOK_PLUS, "add"}, {TOK_MINUS, "sub"}, {TOK_STAR, "mul"}, {TOK_SLASH, "div"}, {TOK_PERCENT, "remainder"},
	{TOK_POW, "pow"},  {TOK_AT, "matmul"}, {TOK_EQ, "eq"},    {TOK_NE, "ne"},     {TOK_LT, "lt"},
	{TOK_LE, "le"},    {TOK_GT, "gt"},     {TOK_GE, "ge"},
};

/* x.T and x.mT; any other attribute is an error (methods are called: x.sum()). */
static int lower_attribute(const expr_lowering *L, const expr_ast *e)
{
	bool T = strcmp(e->text, "T") == 0, mT = strcmp(e->text, "mT") == 0;
	if (!T && !mT) {
		if (tnsr_op_find(e->text))
			return tnsr_expr_fail(L, e->col, "'.%s' is a method: call it, as in x.%s()", e->text, e->text);
		return tnsr_expr_fail(L, e->col, "unknown attribute '.%s' (expected .T, .mT or a method call such as .sum())",
				      e->text);
	}
	int x = tnsr_expr_lower(L, e->a);
	if (x < 0)
		return -1;
	tnsr_op_args args = tnsr_op_args_default();
	if (mT) { /* swap the last two: fails, as in PyTorch, below 2 dims */
		args.ndims = 2;
		args.dims[0] = -2;
		args.dims[1] = -1;
	}
	int node = tnsr_graph_op(L->g, tnsr_op_find(T ? "permute" : "transpose"), &x, 1, &args);
	if (node >= 0 && T)
		L->g->nodes[node].reverse_dims = true;
	return node;
}

int tnsr_expr_lower(const expr_lowering *L, const expr_ast *e)
{
	expr_number v;
	int r = tnsr_expr_fold(L, e, &v);
	if (r)
		return r < 0 ? -1 : number_node(L, v);
	switch (e->kind) {
	case AST_NAME:
		return tnsr_graph_input(L->g, e->text);
	case AST_UNARY: {
		int x = tnsr_expr_lower(L, e->a);
		if (x < 0 || e->op == TOK_PLUS)
			return x;
		return add_op(L, "neg", &x, 1, e->col);
	}
	case AST_BINARY: {
		int in[2] = {tnsr_expr_lower(L, e->a), -1};
		if (in[0] < 0 || (in[1] = tnsr_expr_lower(L, e->b)) < 0)
			return -1;
		for (size_t i = 0; i < sizeof binary_ops / sizeof *binary_ops; i++)
			if (binary_ops[i].tok == e->op)
				return add_op(L, binary_ops[i].op, in, 2, e->col);
		return tnsr_expr_fail(L, e->col, "unsupported operator");
	}
	case AST_ATTR: return lower_attribute(L, e);
	case AST_CALL: return tnsr_expr_lower_call(L, e);
	case AST_INDEX: return lower_index(L, e);
	default:
		return tnsr_expr_fail(L, e->col, "expected a tensor, got %s", tnsr_expr_describe(e));
	}
}

/* ---------------------------------------------------------------- indexing */

/* An integer known from the expression (an index, a dim); false with the error set. */
bool tnsr_expr_integer(const expr_lowering *L, const expr_ast *e, const char *what, int64_t *out)
{
	expr_number v;
	int r = tnsr_expr_fold(L, e, &v);
	if (r < 0)
		return false;
	if (r == 0 || v.is_float || v.is_bool) {
		const char *got = r == 0 ? tnsr_expr_describe(e) : v.is_bool ? "a bool" : "a float";
		tnsr_expr_fail(L, e->col, "%s must be an integer, got %s", what, got);
		return false;
	}
	*out = v.i;
	return true;
}

/* x[...]: NumPy basic indexing, a slice op (a view). */
static int lower_index(const expr_lowering *L, const expr_ast *e)
{
	if (e->nitems > 2 * TNSR_MAX_DIMS)
		return tnsr_expr_fail(L, e->col, "too many indices: %d (at most %d)", e->nitems, 2 * TNSR_MAX_DIMS);
	int x = tnsr_expr_lower(L, e->a);
	if (x < 0)
		return -1;
	tnsr_op_args *args = malloc(sizeof *args);
	if (!args)
		return -1;
	*args = tnsr_op_args_default();
	for (int i = 0; i < e->nitems; i++) {
		const expr_ast *it = e->items[i];
		tnsr_slice_item *s = &args->slice[i];
		expr_number v;
		int r;
		if (it->kind == AST_ELLIPSIS) {
			*s = (tnsr_slice_item){.kind = TNSR_SLICE_KIND_ELLIPSIS};
		} else if (it->kind == AST_NONE) {
			*s = (tnsr_slice_item){.kind = TNSR_SLICE_KIND_NEWAXIS};
		} else if (it->kind == AST_SLICE) {
			*s = (tnsr_slice_item){.kind = TNSR_SLICE_KIND_RANGE, .step = 1};
			const expr_ast *parts[3] = {it->a, it->b, it->c};
			int64_t values[3] = {0, 0, 1};
			bool has[3] = {false, false, false};
			for (int k = 0; k < 3; k++) {
				if (!parts[k] || parts[k]->kind == AST_NONE)
					continue;
				if (!tnsr_expr_integer(L, parts[k], "a slice bound", &values[k])) {
					free(args);
					return -1;
				}
				has[k] = true;
			}
			if (has[2] && values[2] == 0) {
				free(args);
				return tnsr_expr_fail(L, it->c->col, "slice step cannot be zero");
			}
			*s = (tnsr_slice_item){TNSR_SLICE_KIND_RANGE, values[0], values[1], values[2], has[0], has[1]};
		} else if ((r = tnsr_expr_fold(L, it, &v)) == 1 && !v.is_float && !v.is_bool) {
			*s = TNSR_SLICE_INDEX(v.i);
		} else {
			free(args);
			if (r < 0)
				return -1;
			if (r == 1)
				return tnsr_expr_fail(L, it->col, "an index must be an integer, a slice, '...' or None, got %s",
					    v.is_bool ? "a bool" : "a float");
			return tnsr_expr_fail(L, it->col, "indexing with a tensor is not supported (basic indexing only: integers, slices, "
						"'...', None; use take(x, index, dim=D) to select entries)");
		}
	}
	args->nslice = e->nitems;
	int node = tnsr_graph_op(L->g, tnsr_op_find("slice"), &x, 1, args);
	free(args);
	return node;
}

/* ---------------------------------------------------------------- the entry point */

tnsr_status tnsr_expr_parse(const char *expr, tnsr_graph *g, int *out, int *error_column)
{
	expr_arena arena = {0};
	expr_ast *tree;
	int column = -1;
	tnsr_status st = tnsr_expr_parse_tree(expr, &arena, &tree, &column);
	if (!st) {
		expr_lowering L = {.g = g, .error_column = &column};
		int node = tnsr_expr_lower(&L, tree);
		if (node < 0) {
			/* Errors from the graph (wrong operand counts) are usage errors too. */
			const char *msg = tnsr_error_message();
			st = strncmp(msg, "out of memory", 13) == 0 ? TNSR_E_NOMEM : TNSR_E_USAGE;
		} else {
			*out = node;
		}
	}
	tnsr_expr_arena_free(&arena);
	if (error_column)
		*error_column = st ? column : -1;
	return st;
}
