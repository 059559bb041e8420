/* expr_call.c: calls in the expression language, f(a, ...) and a.f(...): the name is
 * looked up in the op table (and PyTorch's other spellings of its ops), the tensor
 * operands are lowered, and the other arguments (dim=1, keepdim=True, a shape, a dtype)
 * are mapped onto tnsr_op_args by the attributes that the op's row accepts, positionally
 * in PyTorch's order or by keyword. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "graph.h"

/* PyTorch's other spellings of the table's ops, and the conversion methods
 * (x.float() is x.to(f32)); an alias of an op that is not in the table is unknown. */
static const struct call_alias {
	const char *name, *op;
	int dtype; /* -1, or the dtype a conversion method casts to (methods only) */
} call_aliases[] = {
	{"amax", "max", -1},        {"amin", "min", -1},         {"clip", "clamp", -1},
	{"concat", "cat", -1},      {"concatenate", "cat", -1},  {"vector_norm", "norm", -1},
	{"t", "transpose", -1},     {"mm", "matmul", -1},        {"bmm", "matmul", -1},
	{"negative", "neg", -1},    {"absolute", "abs", -1},     {"multiply", "mul", -1},
	{"divide", "div", -1},      {"true_divide", "div", -1},  {"subtract", "sub", -1},
	{"arcsin", "asin", -1},     {"arccos", "acos", -1},      {"arctan", "atan", -1},
	{"arctan2", "atan2", -1},   {"greater", "gt", -1},       {"greater_equal", "ge", -1},
	{"less", "lt", -1},         {"less_equal", "le", -1},    {"not_equal", "ne", -1},
	{"mse_loss", "mse", -1},
	{"float", "cast", TNSR_F32}, {"double", "cast", TNSR_F64}, {"half", "cast", TNSR_F16},
	{"bfloat16", "cast", TNSR_BF16}, {"long", "cast", TNSR_I64}, {"int", "cast", TNSR_I32},
	{"short", "cast", TNSR_I16}, {"char", "cast", TNSR_I8},   {"byte", "cast", TNSR_U8},
	{"bool", "cast", TNSR_BOOL},
};

/* Module prefixes that name functions rather than a tensor whose method is called:
 * torch.sum(x), F.softmax(z, dim=1), torch.nn.functional.relu(x). */
static const char *const namespaces[] = {
	"torch", "F", "nn.functional", "torch.nn.functional", "torch.linalg", "torch.special", "torch.Tensor",
};

static bool is_namespace(const expr_ast *e)
{
	char name[64];
	if (!tnsr_expr_dotted_name(e, name, sizeof name))
		return false;
	for (size_t i = 0; i < sizeof namespaces / sizeof *namespaces; i++)
		if (strcmp(name, namespaces[i]) == 0)
			return true;
	return false;
}

static const tnsr_op *resolve(const char *name, bool method, const struct call_alias **alias)
{
	*alias = NULL;
	const tnsr_op *op = tnsr_op_find(name);
	if (op)
		return op;
	for (size_t i = 0; i < sizeof call_aliases / sizeof *call_aliases; i++)
		if (strcmp(call_aliases[i].name, name) == 0 && (method || call_aliases[i].dtype < 0)) {
			*alias = &call_aliases[i];
			return tnsr_op_find(call_aliases[i].op);
		}
	return NULL;
}

/* The op or alias nearest NAME, for "did you mean"; NULL when none is close. */
static const char *suggest(const char *name)
{
	const char *best = tnsr_op_suggest(name);
	int best_d = best ? tnsr_expr_distance(name, best) : (int)strlen(name) / 3 + 2;
	for (size_t i = 0; i < sizeof call_aliases / sizeof *call_aliases; i++) {
		int d = tnsr_expr_distance(name, call_aliases[i].name);
		if (d < best_d && tnsr_op_find(call_aliases[i].op)) {
			best_d = d;
			best = call_aliases[i].name;
		}
	}
	return best;
}

/* What an argument that is not a tensor operand sets. */
typedef enum slot {
	SLOT_DIM, SLOT_KEEPDIM, SLOT_UNBIASED, SLOT_CORRECTION, SLOT_ORD, SLOT_MIN, SLOT_MAX, SLOT_START_DIM,
	SLOT_END_DIM, SLOT_RTOL, SLOT_ATOL, SLOT_EQUAL_NAN, SLOT_SHAPE, SLOT_DIMS, SLOT_DIM0, SLOT_DIM1, SLOT_SPEC,
	SLOT_DTYPE, SLOT_BIAS, SLOT_COUNT
} slot;

static const char *const slot_names[SLOT_COUNT] = {
	[SLOT_DIM] = "dim",     [SLOT_KEEPDIM] = "keepdim", [SLOT_UNBIASED] = "unbiased",
	[SLOT_CORRECTION] = "correction", [SLOT_ORD] = "ord", [SLOT_MIN] = "min", [SLOT_MAX] = "max",
	[SLOT_START_DIM] = "start_dim", [SLOT_END_DIM] = "end_dim", [SLOT_RTOL] = "rtol", [SLOT_ATOL] = "atol",
	[SLOT_EQUAL_NAN] = "equal_nan", [SLOT_SHAPE] = "shape", [SLOT_DIMS] = "dims", [SLOT_DIM0] = "dim0",
	[SLOT_DIM1] = "dim1",   [SLOT_SPEC] = "spec",       [SLOT_DTYPE] = "dtype", [SLOT_BIAS] = "bias",
};

/* Keyword spellings beyond the slots' own names: NumPy's and PyTorch's synonyms. */
static const struct {
	const char *name;
	slot slot;
} synonyms[] = {
	{"axis", SLOT_DIM}, {"keepdims", SLOT_KEEPDIM}, {"p", SLOT_ORD}, {"size", SLOT_SHAPE},
};

/* The slots of OP: first those that positional arguments fill after the tensor
 * operands, in PyTorch's order (x.sum(1, True), x.norm(1), x.clamp(0, 1)), then the
 * keyword-only ones.  Returns the count; *NPOS gets the positional ones'. */
static int op_slots(const tnsr_op *op, slot *out, int *npos)
{
	unsigned a = op->attrs;
	int n = 0;
	bool two_dims = strcmp(op->name, "transpose") == 0;
	if (a & TNSR_ATTR_ORD)
		out[n++] = SLOT_ORD;
	if (a & TNSR_ATTR_DIM)
		out[n++] = SLOT_DIM;
	if (a & TNSR_ATTR_CORRECTION)
		out[n++] = SLOT_UNBIASED;
	if (a & TNSR_ATTR_KEEPDIM)
		out[n++] = SLOT_KEEPDIM;
	if (a & TNSR_ATTR_MINMAX) {
		out[n++] = SLOT_MIN;
		out[n++] = SLOT_MAX;
	}
	if (a & TNSR_ATTR_FLATTEN) {
		out[n++] = SLOT_START_DIM;
		out[n++] = SLOT_END_DIM;
	}
	if (a & TNSR_ATTR_TOL) {
		out[n++] = SLOT_RTOL;
		out[n++] = SLOT_ATOL;
		out[n++] = SLOT_EQUAL_NAN;
	}
	if (a & TNSR_ATTR_SHAPE)
		out[n++] = SLOT_SHAPE;
	if ((a & TNSR_ATTR_DIMS) && two_dims) {
		out[n++] = SLOT_DIM0;
		out[n++] = SLOT_DIM1;
	} else if (a & TNSR_ATTR_DIMS) {
		out[n++] = SLOT_DIMS;
	}
	if (a & TNSR_ATTR_SLICE)
		out[n++] = SLOT_SPEC;
	if (a & TNSR_ATTR_DTYPE)
		out[n++] = SLOT_DTYPE;
	*npos = n;
	if (a & TNSR_ATTR_CORRECTION)
		out[n++] = SLOT_CORRECTION;
	if (a & TNSR_ATTR_BIAS)
		out[n++] = SLOT_BIAS;
	return n;
}

/* "sum(A, dim, keepdim)": how OP is called, for messages. */
static const char *usage(const tnsr_op *op, char *buf, size_t size)
{
	slot slots[SLOT_COUNT];
	int npos, n = op_slots(op, slots, &npos), used;
	used = snprintf(buf, size, "%s(", op->name);
	if (op->max_inputs < 0)
		used += snprintf(buf + used, size - (size_t)used, "(A, B, ...)");
	for (int k = 0; k < op->max_inputs; k++)
		used += snprintf(buf + used, size - (size_t)used, "%s%c", k ? ", " : "", 'A' + k);
	for (int k = 0; k < n && (size_t)used < size; k++)
		used += snprintf(buf + used, size - (size_t)used, ", %s%s", slot_names[slots[k]], k >= npos ? "=..." : "");
	if ((size_t)used < size)
		snprintf(buf + used, size - (size_t)used, ")");
	return buf;
}

/* A real number argument (correction, ord, min ...): a Python number, or inf/nan. */
static bool real(const expr_lowering *L, const expr_ast *e, const char *what, double *out)
{
	expr_number v;
	if (e->kind == AST_NAME && (strcmp(e->text, "inf") == 0 || strcmp(e->text, "nan") == 0)) {
		*out = e->text[0] == 'i' ? INFINITY : NAN;
		return true;
	}
	if (e->kind == AST_UNARY && e->a->kind == AST_NAME && strcmp(e->a->text, "inf") == 0) {
		*out = e->op == TOK_MINUS ? -INFINITY : INFINITY;
		return true;
	}
	int r = tnsr_expr_fold(L, e, &v);
	if (r < 0)
		return false;
	if (r == 0 || v.is_bool) {
		tnsr_expr_fail(L, e->col, "%s must be a number, got %s", what, r == 0 ? tnsr_expr_describe(e) : "a bool");
		return false;
	}
	*out = v.is_float ? v.d : (double)v.i;
	return true;
}

static bool boolean(const expr_lowering *L, const expr_ast *e, const char *what, bool *out)
{
	expr_number v;
	int r = tnsr_expr_fold(L, e, &v);
	if (r < 0)
		return false;
	if (r == 0 || !v.is_bool || e->kind != AST_NUMBER) {
		tnsr_expr_fail(L, e->col, "%s must be True or False, got %s", what, r == 0 ? tnsr_expr_describe(e) : "a number");
		return false;
	}
	*out = v.i != 0;
	return true;
}

/* A dim in -32..31 (tops's range; the op checks it against the tensor). */
static bool dim_value(const expr_lowering *L, const expr_ast *e, const char *what, int *out)
{
	int64_t v;
	if (!tnsr_expr_integer(L, e, what, &v))
		return false;
	if (v < -TNSR_MAX_DIMS || v >= TNSR_MAX_DIMS) {
		tnsr_expr_fail(L, e->col, "%s %lld is out of range (expected -%d..%d)", what, (long long)v, TNSR_MAX_DIMS,
		     TNSR_MAX_DIMS - 1);
		return false;
	}
	*out = (int)v;
	return true;
}

/* Integers from VALS (one tuple or list, or several ints: x.reshape(2, -1)), at most
 * TNSR_MAX_DIMS of them; *N gets the count.  SIZES reads -1.. (a shape), else dims. */
static bool int_list(const expr_lowering *L, const expr_ast *const *vals, int nvals, const char *what, bool sizes,
		     int64_t *out, int *n)
{
	if (nvals == 1 && vals[0]->kind == AST_TUPLE) {
		nvals = vals[0]->nitems;
		vals = (const expr_ast *const *)vals[0]->items;
	}
	if (nvals > TNSR_MAX_DIMS) {
		tnsr_expr_fail(L, vals[TNSR_MAX_DIMS]->col, "%s: more than %d values", what, TNSR_MAX_DIMS);
		return false;
	}
	for (int k = 0; k < nvals; k++) {
		if (sizes) {
			if (!tnsr_expr_integer(L, vals[k], what, &out[k]))
				return false;
			if (out[k] < -1) {
				tnsr_expr_fail(L, vals[k]->col, "%s: size %lld is invalid (expected -1 or more)", what, (long long)out[k]);
				return false;
			}
		} else {
			int d;
			if (!dim_value(L, vals[k], what, &d))
				return false;
			out[k] = d;
		}
	}
	*n = nvals;
	return true;
}

/* The text of a dtype argument: f64, torch.float64, 'f32'. */
static bool dtype_value(const expr_lowering *L, const expr_ast *e, tnsr_dtype *out)
{
	char name[128];
	const char *text = e->kind == AST_STRING ? e->text : tnsr_expr_dotted_name(e, name, sizeof name) ? name : NULL;
	if (!text) {
		tnsr_expr_fail(L, e->col, "dtype must be a dtype name (f32, torch.float64, 'i64'), got %s", tnsr_expr_describe(e));
		return false;
	}
	if (tnsr_dtype_parse(text, out)) {
		if (L->error_column)
			*L->error_column = e->col;
		return false;
	}
	return true;
}

/* Sets slot S of ARGS from VALS (several only for a shape or dims given one by one). */
static bool set_slot(const expr_lowering *L, const tnsr_op *op, slot s, const expr_ast *const *vals, int nvals,
		     tnsr_op_args *args, bool *given)
{
	const expr_ast *v = vals[0];
	const char *what = slot_names[s];
	int64_t list[TNSR_MAX_DIMS];
	int n;
	given[s] = true;
	if (v->kind == AST_NONE && (s == SLOT_DIM || s == SLOT_MIN || s == SLOT_MAX)) {
		given[s] = false; /* dim=None, min=None: as if not given */
		return true;
	}
	switch (s) {
	case SLOT_DIM:
		if (v->kind == AST_TUPLE && (op->attrs & TNSR_ATTR_ONE_DIM)) {
			tnsr_expr_fail(L, v->col, "%s: dim takes a single dim, got %s", op->name, tnsr_expr_describe(v));
			return false;
		}
		/* fall through */
	case SLOT_DIMS:
		if (!int_list(L, vals, nvals, what, false, list, &n))
			return false;
		args->ndims = n;
		for (int k = 0; k < n; k++)
			args->dims[k] = (int)list[k];
		return true;
	case SLOT_DIM0:
	case SLOT_DIM1:
		return dim_value(L, v, what, &args->dims[s == SLOT_DIM1]);
	case SLOT_START_DIM: return dim_value(L, v, what, &args->start_dim);
	case SLOT_END_DIM: return dim_value(L, v, what, &args->end_dim);
	case SLOT_KEEPDIM: return boolean(L, v, what, &args->keepdim);
	case SLOT_EQUAL_NAN: return boolean(L, v, what, &args->equal_nan);
	case SLOT_UNBIASED: {
		bool unbiased;
		if (!boolean(L, v, what, &unbiased))
			return false;
		args->correction = unbiased;
		given[SLOT_CORRECTION] = true;
		return true;
	}
	case SLOT_CORRECTION: return real(L, v, what, &args->correction);
	case SLOT_ORD: return real(L, v, what, &args->ord);
	case SLOT_RTOL: return real(L, v, what, &args->rtol);
	case SLOT_ATOL: return real(L, v, what, &args->atol);
	case SLOT_MIN: return (args->has_min = real(L, v, what, &args->min));
	case SLOT_MAX: return (args->has_max = real(L, v, what, &args->max));
	case SLOT_SHAPE:
		if (!int_list(L, vals, nvals, what, true, args->shape, &args->shape_ndim))
			return false;
		return true;
	case SLOT_SPEC:
		if (v->kind != AST_STRING) {
			tnsr_expr_fail(L, v->col, "%s: the index spec must be a string ('[1:, ::2]'), got %s (or write x[1:, ::2])",
			     op->name, tnsr_expr_describe(v));
			return false;
		}
		if (tnsr_slice_parse(v->text, args->slice, 2 * TNSR_MAX_DIMS, &args->nslice)) {
			if (L->error_column)
				*L->error_column = v->col;
			return false;
		}
		return true;
	case SLOT_DTYPE: return dtype_value(L, v, &args->dtype);
	default: return true; /* SLOT_BIAS: a tensor, placed by the caller */
	}
}

static slot keyword_slot(const char *name)
{
	for (int s = 0; s < SLOT_COUNT; s++)
		if (strcmp(slot_names[s], name) == 0)
			return (slot)s;
	for (size_t i = 0; i < sizeof synonyms / sizeof *synonyms; i++)
		if (strcmp(synonyms[i].name, name) == 0)
			return synonyms[i].slot;
	return SLOT_COUNT;
}

/* What an op needs beyond its operands, checked once every argument is in. */
static int check_required(const expr_lowering *L, const tnsr_op *op, const bool *given, int col)
{
	char u[256];
	unsigned a = op->attrs;
	if ((a & TNSR_ATTR_DIM_REQUIRED) && !given[SLOT_DIM])
		return tnsr_expr_fail(L, col, "%s: missing dim (usage: %s)", op->name, usage(op, u, sizeof u));
	if ((a & TNSR_ATTR_MINMAX) && !given[SLOT_MIN] && !given[SLOT_MAX])
		return tnsr_expr_fail(L, col, "%s: needs min or max (or both) (usage: %s)", op->name, usage(op, u, sizeof u));
	if ((a & TNSR_ATTR_SHAPE) && !given[SLOT_SHAPE])
		return tnsr_expr_fail(L, col, "%s: missing shape (as in x.%s(2, -1))", op->name, op->name);
	if ((a & TNSR_ATTR_DTYPE) && !given[SLOT_DTYPE])
		return tnsr_expr_fail(L, col, "%s: missing dtype (as in x.to(f64) or cast(x, 'f32'))", op->name);
	if ((a & TNSR_ATTR_SLICE) && !given[SLOT_SPEC])
		return tnsr_expr_fail(L, col, "%s: missing index spec (as in slice(x, '[1:, ::2]'), or write x[1:, ::2])", op->name);
	if ((a & TNSR_ATTR_DIMS) && given[SLOT_DIM0] != given[SLOT_DIM1])
		return tnsr_expr_fail(L, col, "%s: needs both dim0 and dim1, or neither (the last two)", op->name);
	if ((a & TNSR_ATTR_DIMS) && !given[SLOT_DIMS] && !given[SLOT_DIM0] && strcmp(op->name, "permute") == 0)
		return tnsr_expr_fail(L, col, "%s: missing dims (as in x.permute(1, 0))", op->name);
	return 0;
}

/* allclose and equal give PyTorch's bool: a 0-d bool from the row's "holds" entry. */
static int check_to_bool(const expr_lowering *L, int node, int col)
{
	tnsr_op_args *args = malloc(sizeof *args);
	if (!args)
		return -1;
	*args = tnsr_op_args_default();
	args->nslice = 1;
	args->slice[0] = TNSR_SLICE_INDEX(0);
	int first = tnsr_graph_op(L->g, tnsr_op_find("slice"), &node, 1, args);
	args->nslice = 0;
	args->dtype = TNSR_BOOL;
	int b = first < 0 ? -1 : tnsr_graph_op(L->g, tnsr_op_find("cast"), &first, 1, args);
	free(args);
	if (b < 0 && L->error_column)
		*L->error_column = col;
	return b;
}

/* The positional arguments of a call with its method's object first. */
typedef struct call {
	const tnsr_op *op;
	const struct call_alias *alias;
	const expr_ast *const *pos;
	int npos;
	bool self; /* pos[0] is the object of a method call */
} call;

/* Fills OPERANDS and ARGS from the call's arguments; the operand count, or -1. */
static int map_arguments(const expr_lowering *L, const call *c, const expr_ast *e, int *operands, tnsr_op_args *args)
{
	const tnsr_op *op = c->op;
	char u[256];
	bool given[SLOT_COUNT] = {false};
	slot slots[SLOT_COUNT];
	int npos_slots, nslots = op_slots(op, slots, &npos_slots), nops = 0, i = 0;
	int extra = (op->attrs & TNSR_ATTR_BIAS) ? 1 : 0;
	int max_tensors = op->max_inputs < 0 ? TNSR_NODE_MAX_INPUTS : op->max_inputs + extra;
	if (c->alias && c->alias->dtype >= 0) {
		args->dtype = (tnsr_dtype)c->alias->dtype;
		given[SLOT_DTYPE] = true;
		npos_slots = 0; /* x.float() takes nothing more */
	}
	/* The tensors: a variadic op's may come as one tuple, cat((a, b), dim=0). */
	const expr_ast *const *tensors = c->pos;
	int ntensors = c->npos;
	if (op->max_inputs < 0 && !c->self && c->npos >= 1 && c->pos[0]->kind == AST_TUPLE) {
		tensors = (const expr_ast *const *)c->pos[0]->items;
		ntensors = c->pos[0]->nitems;
		i = 1;
	} else if (op->max_inputs < 0) {
		i = c->npos;
	} else {
		ntensors = c->npos < max_tensors ? c->npos : max_tensors;
		i = ntensors;
	}
	if (ntensors > TNSR_NODE_MAX_INPUTS)
		return tnsr_expr_fail(L, e->col, "%s: %d operands (at most %d in an expression)", op->name, ntensors,
			    TNSR_NODE_MAX_INPUTS);
	for (int k = 0; k < ntensors; k++) {
		if (extra && k == op->max_inputs && tensors[k]->kind == AST_NONE) {
			given[SLOT_BIAS] = true; /* linear(x, W, None): no bias */
			continue;
		}
		if ((operands[nops++] = tnsr_expr_lower(L, tensors[k])) < 0)
			return -1;
	}
	given[SLOT_BIAS] |= extra && nops > op->max_inputs;
	/* The rest fill the slots in order; a shape or dims may be spread over several. */
	for (int k = 0; i < c->npos; k++) {
		if (k >= npos_slots)
			return tnsr_expr_fail(L, c->pos[i]->col, "%s: too many arguments (usage: %s)", op->name, usage(op, u, sizeof u));
		slot s = slots[k];
		int nvals = 1;
		if ((s == SLOT_SHAPE || s == SLOT_DIMS) && c->pos[i]->kind != AST_TUPLE)
			nvals = c->npos - i;
		if (!set_slot(L, op, s, c->pos + i, nvals, args, given))
			return -1;
		i += nvals;
	}
	for (int k = 0; k < e->nkw; k++) {
		const expr_ast *kw = e->kw[k];
		slot s = keyword_slot(kw->text);
		bool accepted = false;
		for (int j = 0; j < nslots && !accepted; j++)
			accepted = slots[j] == s;
		if (!accepted || (c->alias && c->alias->dtype >= 0))
			return tnsr_expr_fail(L, kw->col, "%s: unexpected keyword argument '%s' (usage: %s)", op->name, kw->text,
				    usage(op, u, sizeof u));
		if (given[s] || (s == SLOT_CORRECTION && given[SLOT_UNBIASED]) || (s == SLOT_UNBIASED && given[SLOT_CORRECTION]))
			return tnsr_expr_fail(L, kw->col, "%s: got multiple values for argument '%s'", op->name, kw->text);
		if (s == SLOT_BIAS) {
			if (nops != op->max_inputs)
				return tnsr_expr_fail(L, kw->col, "%s: bias= comes after the %d tensor operands", op->name,
						      op->max_inputs);
			if (kw->a->kind != AST_NONE && (operands[nops++] = tnsr_expr_lower(L, kw->a)) < 0)
				return -1;
			given[s] = true;
			continue;
		}
		if (!set_slot(L, op, s, (const expr_ast *const *)&kw->a, 1, args, given))
			return -1;
	}
	if (nops < op->min_inputs)
		return tnsr_expr_fail(L, e->col, "%s: needs %s%d tensor operand%s, got %d (usage: %s)", op->name,
			    op->max_inputs == op->min_inputs ? "" : "at least ", op->min_inputs, op->min_inputs == 1 ? "" : "s",
			    nops, usage(op, u, sizeof u));
	if (check_required(L, op, given, e->col) < 0)
		return -1;
	if (given[SLOT_DIM0])
		args->ndims = 2;
	return nops;
}

int tnsr_expr_lower_call(const expr_lowering *L, const expr_ast *e)
{
	const expr_ast *callee = e->a, *self = NULL;
	if (callee->kind == AST_ATTR && !is_namespace(callee->a))
		self = callee->a;
	const char *name = callee->text;
	call c = {.self = self != NULL};
	c.op = resolve(name, c.self, &c.alias);
	if (!c.op) {
		const char *near = suggest(name);
		return tnsr_expr_fail(L, callee->col, "unknown op '%s'%s%s%s", name, near ? " (did you mean " : "", near ? near : "",
			    near ? "?)" : "");
	}
	const expr_ast **pos = malloc(sizeof *pos * (size_t)(e->nitems + 1));
	int *operands = malloc(sizeof *operands * TNSR_NODE_MAX_INPUTS);
	tnsr_op_args *args = malloc(sizeof *args);
	int node = -1;
	if (pos && operands && args) {
		if (self)
			pos[0] = self;
		for (int k = 0; k < e->nitems; k++)
			pos[k + c.self] = e->items[k];
		c.pos = pos;
		c.npos = e->nitems + c.self;
		*args = tnsr_op_args_default();
		int nops = map_arguments(L, &c, e, operands, args);
		if (nops >= 0 && (node = tnsr_graph_op(L->g, c.op, operands, nops, args)) < 0 && L->error_column)
			*L->error_column = callee->col;
		if (node >= 0 && c.op->group == TNSR_GROUP_CHECK)
			node = check_to_bool(L, node, callee->col);
	} else {
		tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	free(pos);
	free(operands);
	free(args);
	return node;
}

