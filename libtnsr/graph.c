/* graph.c: building a graph of ops over named inputs and constants, binding the inputs,
 * and evaluating it forward: the nodes a result needs are computed in order and kept
 * (autodiff reads them back).  A chain through one input can instead be handed to the
 * streaming chain evaluator (tnsr_graph_run_chain), in bounded memory. */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "graph.h"

tnsr_graph *tnsr_graph_new(void)
{
	tnsr_graph *g = calloc(1, sizeof *g);
	if (!g)
		tnsr_error(TNSR_E_NOMEM, "out of memory");
	return g;
}

void tnsr_graph_free(tnsr_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n; i++) {
		free(g->nodes[i].name);
		tnsr_tensor_free(g->nodes[i].value);
	}
	free(g->nodes);
	free(g);
}

/* Appends a zeroed node; its index, or -1 when out of memory. */
static int append(tnsr_graph *g)
{
	if (g->n == g->cap) {
		int cap = g->cap ? 2 * g->cap : 16;
		tnsr_node *nodes = realloc(g->nodes, sizeof *nodes * (size_t)cap);
		if (!nodes) {
			tnsr_error(TNSR_E_NOMEM, "out of memory");
			return -1;
		}
		g->nodes = nodes;
		g->cap = cap;
	}
	memset(&g->nodes[g->n], 0, sizeof g->nodes[g->n]);
	return g->n++;
}

static int find_input(const tnsr_graph *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (!g->nodes[i].op && g->nodes[i].name && strcmp(g->nodes[i].name, name) == 0)
			return i;
	return -1;
}

int tnsr_graph_input(tnsr_graph *g, const char *name)
{
	int i = find_input(g, name);
	if (i >= 0)
		return i;
	char *copy = strdup(name);
	if (!copy || (i = append(g)) < 0) {
		free(copy);
		tnsr_error(TNSR_E_NOMEM, "out of memory");
		return -1;
	}
	g->nodes[i].name = copy;
	return i;
}

int tnsr_graph_constant(tnsr_graph *g, tnsr_tensor *t)
{
	int i = t ? append(g) : -1;
	if (i < 0) {
		tnsr_tensor_free(t);
		if (!t)
			tnsr_error(TNSR_E_VALUE, "graph: constant: no tensor given");
		return -1;
	}
	g->nodes[i].value = t;
	return i;
}

int tnsr_graph_op(tnsr_graph *g, const tnsr_op *op, const int *inputs, int n, const tnsr_op_args *args)
{
	if (!op) {
		tnsr_error(TNSR_E_VALUE, "graph: no op given");
		return -1;
	}
	int extra = (op->attrs & TNSR_ATTR_BIAS) ? 1 : 0;
	if (n < op->min_inputs || (op->max_inputs >= 0 && n > op->max_inputs + extra)) {
		if (op->min_inputs == op->max_inputs + extra)
			tnsr_error(TNSR_E_USAGE, "%s: takes %d tensor operand%s, got %d", op->name, op->min_inputs,
				   op->min_inputs == 1 ? "" : "s", n);
		else if (op->max_inputs < 0)
			tnsr_error(TNSR_E_USAGE, "%s: takes at least %d tensor operand%s, got %d", op->name, op->min_inputs,
				   op->min_inputs == 1 ? "" : "s", n);
		else
			tnsr_error(TNSR_E_USAGE, "%s: takes %d to %d tensor operands, got %d", op->name, op->min_inputs,
				   op->max_inputs + extra, n);
		return -1;
	}
	if (n > TNSR_NODE_MAX_INPUTS) {
		tnsr_error(TNSR_E_USAGE, "%s: %d operands (at most %d in an expression)", op->name, n, TNSR_NODE_MAX_INPUTS);
		return -1;
	}
	for (int k = 0; k < n; k++)
		if (inputs[k] < 0 || inputs[k] >= g->n) {
			tnsr_error(TNSR_E_VALUE, "%s: operand %d is node %d, not in the graph (expected 0..%d)", op->name, k,
				   inputs[k], g->n - 1);
			return -1;
		}
	int i = append(g);
	if (i < 0)
		return -1;
	tnsr_node *node = &g->nodes[i];
	node->op = op;
	node->args = args ? *args : tnsr_op_args_default();
	memcpy(node->inputs, inputs, sizeof *inputs * (size_t)n);
	node->nin = n;
	return i;
}

/* The input whose name is nearest NAME, or NULL when none is close; on a tie one not
 * bound yet is likelier meant. */
static const char *nearest_input(const tnsr_graph *g, const char *name)
{
	const char *best = NULL;
	int best_d = 999;
	for (int i = 0; i < g->n; i++) {
		const char *other = g->nodes[i].op ? NULL : g->nodes[i].name;
		int d = other ? 2 * tnsr_expr_distance(name, other) + (g->nodes[i].value != NULL) : 999;
		if (d < best_d) {
			best_d = d;
			best = other;
		}
	}
	int limit = (int)strlen(name) / 3 + 1;
	return best_d / 2 <= limit ? best : NULL;
}

/* "x, W and b": the inputs' names, for messages. */
static void list_inputs(const tnsr_graph *g, char *buf, size_t size)
{
	int count = 0, seen = 0;
	for (int i = 0; i < g->n; i++)
		count += !g->nodes[i].op && g->nodes[i].name;
	buf[0] = 0;
	for (int i = 0; i < g->n; i++) {
		if (g->nodes[i].op || !g->nodes[i].name)
			continue;
		size_t used = strlen(buf);
		snprintf(buf + used, size - used, "%s%s", seen == 0 ? "" : seen == count - 1 ? " and " : ", ",
			 g->nodes[i].name);
		seen++;
	}
}

/* Forgets every computed result: an input's new value changes them. */
static void invalidate(tnsr_graph *g)
{
	for (int i = 0; i < g->n; i++)
		if (g->nodes[i].op) {
			tnsr_tensor_free(g->nodes[i].value);
			g->nodes[i].value = NULL;
		}
}

tnsr_status tnsr_graph_bind(tnsr_graph *g, const char *name, tnsr_tensor *t)
{
	int i = find_input(g, name);
	if (i < 0) {
		const char *near = nearest_input(g, name);
		char names[512];
		list_inputs(g, names, sizeof names);
		if (near)
			return tnsr_error(TNSR_E_VALUE, "%s: the expression has no input of that name (did you mean %s?)", name,
					  near);
		if (names[0])
			return tnsr_error(TNSR_E_VALUE, "%s: the expression has no input of that name (its inputs: %s)", name,
					  names);
		return tnsr_error(TNSR_E_VALUE, "%s: the expression has no input of that name (it has none)", name);
	}
	if (!t)
		return TNSR_OK;
	tnsr_tensor *v = tnsr_tensor_view(t);
	if (!v)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_tensor_free(g->nodes[i].value);
	g->nodes[i].value = v;
	invalidate(g);
	return TNSR_OK;
}

/* NODE's permute dims for x.T: its input's dims reversed. */
static void reverse_dims(tnsr_node *node, const tnsr_tensor *in)
{
	node->args.ndims = in->ndim;
	for (int d = 0; d < in->ndim; d++)
		node->args.dims[d] = in->ndim - 1 - d;
}

static tnsr_status unbound(const tnsr_node *leaf)
{
	return tnsr_error(TNSR_E_USAGE, "%s: no value bound to this name (expected %s=VALUE)", leaf->name, leaf->name);
}

/* Marks in NEEDED the nodes that NODE's value depends on (NODE included). */
static void mark_needed(const tnsr_graph *g, int node, bool *needed)
{
	needed[node] = true;
	/* Inputs precede their node, so one backward sweep finds every ancestor. */
	for (int i = node; i >= 0; i--)
		if (needed[i])
			for (int k = 0; k < g->nodes[i].nin; k++)
				needed[g->nodes[i].inputs[k]] = true;
}

/* Computes op node I from its inputs' values. */
static tnsr_status compute(tnsr_graph *g, int i)
{
	tnsr_node *node = &g->nodes[i];
	tnsr_tensor *in[TNSR_NODE_MAX_INPUTS];
	for (int k = 0; k < node->nin; k++)
		in[k] = g->nodes[node->inputs[k]].value;
	if (node->reverse_dims)
		reverse_dims(node, in[0]);
	return tnsr_op_apply(node->op, in, node->nin, &node->args, &node->value);
}

tnsr_status tnsr_graph_eval(tnsr_graph *g, int node, tnsr_tensor **out)
{
	if (node < 0 || node >= g->n)
		return tnsr_error(TNSR_E_VALUE, "graph: node %d is not in the graph (expected 0..%d)", node, g->n - 1);
	bool *needed = calloc((size_t)g->n, sizeof *needed);
	if (!needed)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	mark_needed(g, node, needed);
	tnsr_status st = TNSR_OK;
	/* Every input first, so that a missing binding is reported before any work is done. */
	for (int i = 0; i <= node && !st; i++)
		if (needed[i] && !g->nodes[i].op && !g->nodes[i].value)
			st = unbound(&g->nodes[i]);
	for (int i = 0; i <= node && !st; i++)
		if (needed[i] && g->nodes[i].op && !g->nodes[i].value)
			st = compute(g, i);
	free(needed);
	if (st)
		return st;
	*out = tnsr_tensor_view(g->nodes[node].value);
	return *out ? TNSR_OK : tnsr_error(TNSR_E_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------- chains */

/* Walks NODE's chain down to its root input; the chain's length in *N (ops), the root's
 * node in *ROOT.  False when NODE is not a chain: an op with two computed operands, an
 * input used twice, x.T (its dims depend on the running value's ndim). */
static bool walk_chain(const tnsr_graph *g, int node, int *n, int *root)
{
	int length = 0, at = node;
	while (g->nodes[at].op) {
		const tnsr_node *o = &g->nodes[at];
		if (o->reverse_dims)
			return false;
		int next = -1;
		for (int k = 0; k < o->nin; k++) {
			const tnsr_node *in = &g->nodes[o->inputs[k]];
			if (in->op) {
				if (next >= 0)
					return false;
				next = o->inputs[k];
			}
		}
		if (next < 0) /* the first op: its first named input is the root */
			for (int k = 0; k < o->nin && next < 0; k++)
				if (g->nodes[o->inputs[k]].name)
					next = o->inputs[k];
		if (next < 0)
			return false;
		length++;
		at = next;
	}
	if (!g->nodes[at].name)
		return false;
	/* The root must feed the chain once, as its running value. */
	int uses = 0;
	for (int i = at + 1; i <= node; i++)
		for (int k = 0; k < g->nodes[i].nin; k++)
			uses += g->nodes[i].inputs[k] == at;
	*n = length;
	*root = at;
	return uses == (length ? 1 : 0);
}

const char *tnsr_graph_chain_input(const tnsr_graph *g, int node)
{
	int n, root;
	if (node < 0 || node >= g->n || !walk_chain(g, node, &n, &root))
		return NULL;
	return g->nodes[root].name;
}

tnsr_status tnsr_graph_run_chain(tnsr_graph *g, int node, tnsr_reader *input, const tnsr_chain_output *out)
{
	int n, root;
	if (node < 0 || node >= g->n || !walk_chain(g, node, &n, &root))
		return tnsr_error(TNSR_E_UNSUPPORTED, "graph: node %d is not a chain through one input", node);
	if (!input && !g->nodes[root].value)
		return unbound(&g->nodes[root]);
	for (int i = 0; i <= node; i++)
		if (i != root && !g->nodes[i].op && !g->nodes[i].value)
			for (int j = i + 1; j <= node; j++)
				for (int k = 0; k < g->nodes[j].nin; k++)
					if (g->nodes[j].inputs[k] == i)
						return unbound(&g->nodes[i]);
	tnsr_step *steps = calloc((size_t)(n ? n : 1), sizeof *steps);
	tnsr_tensor **operands = calloc((size_t)(n ? n : 1) * TNSR_NODE_MAX_INPUTS, sizeof *operands);
	if (!steps || !operands) {
		free(steps);
		free(operands);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	/* The steps in order from the root: the chain's nodes, walked from NODE, are filled
	 * in from the last step back. */
	int at = node;
	for (int s = n - 1; s >= 0; s--) {
		const tnsr_node *o = &g->nodes[at];
		tnsr_step *step = &steps[s];
		step->op = o->op;
		step->args = o->args;
		step->nin = o->nin;
		step->operands = operands + (size_t)s * TNSR_NODE_MAX_INPUTS;
		step->running = -1;
		for (int k = 0; k < o->nin; k++) {
			int in = o->inputs[k];
			if (step->running < 0 && (g->nodes[in].op || in == root))
				step->running = k;
			else
				step->operands[k] = g->nodes[in].value; /* borrowed */
		}
		at = o->inputs[step->running];
	}
	tnsr_status st = tnsr_chain_run(steps, n, input, input ? NULL : g->nodes[root].value, out);
	free(operands);
	free(steps);
	return st;
}
