/* autodiff.c: reverse-mode gradients over a graph (tnsr_graph_backward).  The forward
 * values stay in the nodes; the backward sweep visits the nodes in reverse order (their
 * order is topological), skips every branch that cannot reach an input asked for, sums
 * the gradients of a value used more than once, and calls each op's backward rule. */
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "ops.h"

static bool differentiable(tnsr_dtype d) { return tnsr_dtype_is_floating(d) || tnsr_dtype_is_complex(d); }

/* The leaf bound to NAME, or -1. */
static int leaf_named(const tnsr_graph *g, const char *name)
{
	for (int i = 0; i < g->n; i++)
		if (!g->nodes[i].op && g->nodes[i].name && strcmp(g->nodes[i].name, name) == 0)
			return i;
	return -1;
}

/* The first of the WRT inputs that NODE depends on, for messages. */
static const char *reached_input(const tnsr_graph *g, int node, const int *wrt_node, const char *const *wrt, int n)
{
	bool *dep = calloc((size_t)node + 1, sizeof *dep);
	const char *name = n ? wrt[0] : "?";
	if (!dep)
		return name;
	dep[node] = true;
	for (int i = node; i >= 0; i--)
		if (dep[i])
			for (int k = 0; k < g->nodes[i].nin; k++)
				dep[g->nodes[i].inputs[k]] = true;
	for (int j = 0; j < n; j++)
		if (wrt_node[j] <= node && dep[wrt_node[j]]) {
			name = wrt[j];
			break;
		}
	free(dep);
	return name;
}

/* The gradient that seeds the sweep: GRAD_OUTPUT (of OUT's shape) in OUT's dtype, or 1
 * for a one-element OUT. */
static tnsr_status seed(const tnsr_tensor *out, const tnsr_tensor *grad_output, tnsr_tensor **g)
{
	char a[256], b[256];
	if (grad_output) {
		if (grad_output->ndim != out->ndim ||
		    memcmp(grad_output->shape, out->shape, sizeof *out->shape * (size_t)out->ndim) != 0)
			return tnsr_error(TNSR_E_SHAPE, "grad_output: shape %s does not match the output's shape %s",
					  tnsr_shape_format(grad_output->ndim, grad_output->shape, a, sizeof a),
					  tnsr_shape_format(out->ndim, out->shape, b, sizeof b));
		return tnsr_tensor_cast(grad_output, out->dtype, g);
	}
	if (tnsr_tensor_numel(out) != 1)
		return tnsr_error(TNSR_E_SHAPE, "output of shape %s: grad can be implicitly created only for scalar outputs",
				  tnsr_shape_format(out->ndim, out->shape, a, sizeof a));
	tnsr_tensor *one = NULL, *r;
	tnsr_status st = tnsr_tensor_scalar(TNSR_F64, 1, 0, &one);
	if (!st && !(st = tnsr_tensor_cast(one, out->dtype, &r))) {
		st = tnsr_tensor_reshape(r, out->ndim, out->shape, g);
		tnsr_tensor_free(r);
	}
	tnsr_tensor_free(one);
	return st;
}

/* G[J] += D (D is consumed). */
static tnsr_status accumulate(tnsr_tensor **g, tnsr_tensor *d)
{
	if (!*g) {
		*g = d;
		return TNSR_OK;
	}
	tnsr_op_args args = tnsr_op_args_default();
	tnsr_tensor *in[2] = {*g, d}, *sum = NULL;
	tnsr_status st = tnsr_op_apply(tnsr_op_find("add"), in, 2, &args, &sum);
	tnsr_tensor_free(d);
	if (st)
		return st;
	if (sum->dtype != (*g)->dtype) { /* add never widens equal dtypes; keep it so */
		tnsr_tensor *c;
		st = tnsr_tensor_cast(sum, (*g)->dtype, &c);
		tnsr_tensor_free(sum);
		if (st)
			return st;
		sum = c;
	}
	tnsr_tensor_free(*g);
	*g = sum;
	return TNSR_OK;
}

/* Why NODE cannot pass a gradient on, when it cannot: it has no rule, or it makes an
 * integer result out of floating inputs (a cast to an integer dtype, a comparison). */
static tnsr_status blocked(const tnsr_graph *g, int i, const bool *reach, const char *needed_for)
{
	const tnsr_node *node = &g->nodes[i];
	if (!node->op->backward)
		return tnsr_error(TNSR_E_VALUE, "%s: not differentiable (needed for the gradient of %s)", node->op->name,
				  needed_for);
	/* The rules follow real calculus (no conjugates): no complex values on the way. */
	const tnsr_tensor *cplx = tnsr_dtype_is_complex(node->value->dtype) ? node->value : NULL;
	for (int k = 0; k < node->nin && !cplx; k++) {
		const tnsr_tensor *v = g->nodes[node->inputs[k]].value;
		if (reach[node->inputs[k]] && v && tnsr_dtype_is_complex(v->dtype))
			cplx = v;
	}
	if (cplx)
		return tnsr_error(TNSR_E_UNSUPPORTED, "%s: complex gradients are not supported (%s, needed for the gradient of %s)",
				  node->op->name, tnsr_dtype_name(cplx->dtype), needed_for);
	if (!differentiable(node->value->dtype))
		for (int k = 0; k < node->nin; k++) {
			const tnsr_node *in = &g->nodes[node->inputs[k]];
			if (reach[node->inputs[k]] && in->value && differentiable(in->value->dtype))
				return tnsr_error(TNSR_E_VALUE, "%s: gives %s, which has no gradient (needed for the gradient of %s)",
						  node->op->name, tnsr_dtype_name(node->value->dtype), needed_for);
		}
	return TNSR_OK;
}

/* Runs op node I's rule on gradient GI, adding what it gives to its inputs' gradients. */
static tnsr_status step(tnsr_graph *g, int i, const bool *reach, tnsr_tensor *gi, tnsr_tensor **grads)
{
	tnsr_node *node = &g->nodes[i];
	tnsr_tensor *in[TNSR_NODE_MAX_INPUTS], *grad_in[TNSR_NODE_MAX_INPUTS] = {NULL};
	bool needs[TNSR_NODE_MAX_INPUTS];
	for (int k = 0; k < node->nin; k++) {
		in[k] = g->nodes[node->inputs[k]].value;
		needs[k] = reach[node->inputs[k]];
	}
	tnsr_status st = node->op->backward(node->op, in, node->nin, node->value, gi, &node->args, needs, grad_in);
	if (st)
		return tnsr_error_message()[0] ? st : tnsr_error(st, "%s: backward failed", node->op->name);
	for (int k = 0; k < node->nin; k++) {
		tnsr_tensor *d = grad_in[k];
		grad_in[k] = NULL;
		if (!d)
			continue; /* no gradient to this operand (where's COND, an index) */
		char a[256], b[256];
		if (!st && (d->ndim != in[k]->ndim ||
			    memcmp(d->shape, in[k]->shape, sizeof *d->shape * (size_t)d->ndim) != 0))
			st = tnsr_error(TNSR_E_SHAPE, "%s: backward gave a gradient of shape %s for operand %d of shape %s",
					node->op->name, tnsr_shape_format(d->ndim, d->shape, a, sizeof a), k,
					tnsr_shape_format(in[k]->ndim, in[k]->shape, b, sizeof b));
		if (st || !needs[k]) {
			tnsr_tensor_free(d);
			continue;
		}
		st = accumulate(&grads[node->inputs[k]], d);
	}
	return st;
}

tnsr_status tnsr_graph_backward(tnsr_graph *g, int node, const tnsr_tensor *grad_output, const char *const *wrt,
				int n, tnsr_tensor **grads)
{
	for (int j = 0; j < n; j++)
		grads[j] = NULL;
	if (node < 0 || node >= g->n)
		return tnsr_error(TNSR_E_VALUE, "graph: node %d is not in the graph (expected 0..%d)", node, g->n - 1);
	int *wrt_node = calloc((size_t)n + 1, sizeof *wrt_node);
	bool *reach = calloc((size_t)g->n, sizeof *reach);
	tnsr_tensor **gr = calloc((size_t)g->n, sizeof *gr), *out = NULL;
	tnsr_status st = wrt_node && reach && gr ? TNSR_OK : tnsr_error(TNSR_E_NOMEM, "out of memory");
	/* The inputs asked for: named in the graph, bound, and of a dtype with gradients. */
	for (int j = 0; j < n && !st; j++) {
		int i = wrt_node[j] = leaf_named(g, wrt[j]);
		if (i < 0)
			st = tnsr_error(TNSR_E_VALUE, "%s: not an input of the expression", wrt[j]);
		else if (!g->nodes[i].value)
			st = tnsr_error(TNSR_E_USAGE, "%s: no value bound to this name (expected %s=VALUE)", wrt[j], wrt[j]);
		else if (!differentiable(g->nodes[i].value->dtype))
			st = tnsr_error(TNSR_E_DTYPE, "%s: can only compute gradients of floating or complex inputs (%s is %s)",
					wrt[j], wrt[j], tnsr_dtype_name(g->nodes[i].value->dtype));
		else if (tnsr_dtype_is_complex(g->nodes[i].value->dtype))
			st = tnsr_error(TNSR_E_UNSUPPORTED, "%s: gradients of complex tensors are not supported (%s is %s)",
					wrt[j], wrt[j], tnsr_dtype_name(g->nodes[i].value->dtype));
		else
			reach[i] = true;
	}
	if (!st)
		st = tnsr_graph_eval(g, node, &out);
	/* Which nodes lead to an input asked for: no other branch is differentiated. */
	for (int i = 0; i <= node && !st; i++)
		for (int k = 0; k < g->nodes[i].nin; k++)
			reach[i] |= reach[g->nodes[i].inputs[k]];
	if (!st && reach[node])
		st = seed(out, grad_output, &gr[node]);
	for (int i = node; i >= 0 && !st; i--) {
		if (!gr[i] || !g->nodes[i].op)
			continue; /* no gradient arrived, or a leaf: its gradient stays */
		if (reach[i])
			st = blocked(g, i, reach, reached_input(g, i, wrt_node, wrt, n));
		if (!st && reach[i])
			st = step(g, i, reach, gr[i], gr);
		tnsr_tensor_free(gr[i]);
		gr[i] = NULL;
	}
	/* Each input's gradient, zeros for an input the result does not depend on. */
	for (int j = 0; j < n && !st; j++) {
		const tnsr_tensor *x = g->nodes[wrt_node[j]].value;
		tnsr_tensor *d = gr[wrt_node[j]];
		st = d ? tnsr_tensor_contiguous(d, &grads[j]) : tnsr_tensor_zeros(x->dtype, x->ndim, x->shape, &grads[j]);
	}
	if (st)
		for (int j = 0; j < n; j++) {
			tnsr_tensor_free(grads[j]);
			grads[j] = NULL;
		}
	if (gr)
		for (int i = 0; i < g->n; i++)
			tnsr_tensor_free(gr[i]);
	tnsr_tensor_free(out);
	free(gr);
	free(reach);
	free(wrt_node);
	return st;
}
