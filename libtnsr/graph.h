/* graph.h: the layout of a graph (tnsr_graph in tnsr.h), shared by the parser
 * (expr.c), forward evaluation (graph.c) and reverse-mode autodiff (autodiff.c). */
#ifndef TNSR_GRAPH_H
#define TNSR_GRAPH_H

#include "tnsr.h"

enum { TNSR_NODE_MAX_INPUTS = 64 };

typedef struct tnsr_node {
	const tnsr_op *op;      /* NULL for a leaf */
	tnsr_op_args args;
	int inputs[TNSR_NODE_MAX_INPUTS];
	int nin;
	char *name;             /* a leaf bound by name; NULL for a constant or an op */
	tnsr_tensor *value;     /* a leaf's value, or an op's result once evaluated */
	bool reverse_dims;      /* x.T: a permute whose args.dims are set at each evaluation
				 * to reverse its input's dims (its ndim is unknown when parsed) */
} tnsr_node;

struct tnsr_graph {
	tnsr_node *nodes;       /* in topological order: a node's inputs come before it */
	int n, cap;
};

#endif
