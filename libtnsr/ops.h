/* ops.h: the contract between the op table, the evaluator (graph.c, stream.c) and the
 * CPU kernels (cpu/).  Elementwise ops and reductions expose chunk-level entry points so
 * that one evaluator can stream them over pipes and mapped files in bounded memory. */
#ifndef TNSR_OPS_H
#define TNSR_OPS_H

#include "tnsr.h"

/* ---------------------------------------------------------------- elementwise */

/* Ids of the elementwise ops: rows of tnsr_ew_descs (cpu/elementwise*.c). */
typedef enum tnsr_ew_id {
	/* unary */
	TNSR_EW_NEG, TNSR_EW_ABS, TNSR_EW_SIGN, TNSR_EW_SQRT, TNSR_EW_RSQRT, TNSR_EW_EXP, TNSR_EW_EXPM1,
	TNSR_EW_LOG, TNSR_EW_LOG1P, TNSR_EW_LOG2, TNSR_EW_LOG10, TNSR_EW_SIN, TNSR_EW_COS, TNSR_EW_TAN,
	TNSR_EW_ASIN, TNSR_EW_ACOS, TNSR_EW_ATAN, TNSR_EW_SINH, TNSR_EW_COSH, TNSR_EW_TANH, TNSR_EW_SIGMOID,
	TNSR_EW_RELU, TNSR_EW_SOFTPLUS, TNSR_EW_FLOOR, TNSR_EW_CEIL, TNSR_EW_ROUND, TNSR_EW_TRUNC, TNSR_EW_SQUARE,
	TNSR_EW_RECIPROCAL, TNSR_EW_ISNAN, TNSR_EW_ISINF, TNSR_EW_ISFINITE, TNSR_EW_LOGICAL_NOT,
	TNSR_EW_CLAMP, /* unary with --min/--max */
	TNSR_EW_CAST,  /* unary to args->dtype */
	/* binary */
	TNSR_EW_ADD, TNSR_EW_SUB, TNSR_EW_MUL, TNSR_EW_DIV, TNSR_EW_POW, TNSR_EW_MAXIMUM, TNSR_EW_MINIMUM,
	TNSR_EW_FMOD, TNSR_EW_REMAINDER, TNSR_EW_ATAN2, TNSR_EW_EQ, TNSR_EW_NE, TNSR_EW_LT, TNSR_EW_LE,
	TNSR_EW_GT, TNSR_EW_GE, TNSR_EW_LOGICAL_AND, TNSR_EW_LOGICAL_OR, TNSR_EW_LOGICAL_XOR,
	/* ternary */
	TNSR_EW_WHERE,
	TNSR_EW_COUNT
} tnsr_ew_id;

/* A kernel over N contiguous elements: IN[k] holds operand k converted to plan->input[k],
 * OUT receives plan->kernel_out.  Fails only for what PyTorch raises on (integer division
 * or remainder by zero: "integer division by zero"). */
typedef tnsr_status (*tnsr_ew_fn)(void *out, const void *const *in, size_t n, const tnsr_op_args *args);

typedef struct tnsr_ew_plan {
	int nin;
	tnsr_dtype input[3];   /* each operand is converted to this before the kernel */
	tnsr_dtype kernel_out; /* what the kernel writes */
	tnsr_dtype result;     /* the op's result dtype (kernel_out converted when it differs) */
	tnsr_ew_fn fn;
} tnsr_ew_plan;

/* An elementwise op's dtype rule and kernels.  The fields belong to cpu/elementwise.c
 * (the rules are the EW_* enums of cpu/ew.h); the evaluator only calls tnsr_ew_plan_make. */
struct tnsr_ew_kernel;
struct tnsr_ew_desc {
	const char *name;
	int nin;
	unsigned char promote; /* how the compute dtype follows from torch.result_type */
	unsigned char out;     /* the result dtype, from the compute dtype */
	unsigned char flags;   /* refusals beyond "no kernel for the compute dtype" */
	const struct tnsr_ew_kernel *real, *cplx; /* kernels indexed by compute dtype */
};
extern const struct tnsr_ew_desc tnsr_ew_descs[TNSR_EW_COUNT];

/* Chooses the dtypes and kernel of elementwise OP for operands IN (their dtypes, ndims and
 * wrapped flags; torch.result_type promotion).  TNSR_E_DTYPE when OP is not defined for
 * them, naming the op and the dtype ("sqrt: not defined for bool"). */
tnsr_status tnsr_ew_plan_make(const tnsr_op *op, int n, const tnsr_tensor *const *in, const tnsr_op_args *args,
			      tnsr_ew_plan *plan);
/* The .run of every elementwise row: broadcast, plan, and apply over whole tensors (in
 * cache-sized chunks, across threads for large tensors). */
tnsr_status tnsr_run_elementwise(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
				 tnsr_tensor **out);

/* ---------------------------------------------------------------- reductions */

typedef enum tnsr_reduce_id {
	TNSR_RED_SUM, TNSR_RED_MEAN, TNSR_RED_PROD, TNSR_RED_MAX, TNSR_RED_MIN, TNSR_RED_ARGMAX, TNSR_RED_ARGMIN,
	TNSR_RED_STD, TNSR_RED_VAR, TNSR_RED_NORM, TNSR_RED_ALL, TNSR_RED_ANY, TNSR_RED_LOGSUMEXP,
	TNSR_RED_COUNT
} tnsr_reduce_id;

/* A reduction: its name and id; the dtype rules and kernels live in cpu/reduce.c and
 * cpu/reducers.c, keyed by the id. */
struct tnsr_reduce_desc {
	const char *name;
	tnsr_reduce_id id;
};
extern const struct tnsr_reduce_desc tnsr_reduce_descs[TNSR_RED_COUNT];

/* A reduction fed chunk by chunk: the input (DTYPE, SHAPE) arrives in C order as
 * consecutive runs of elements; dims/keepdim/correction/ord come from ARGS. */
typedef struct tnsr_reduce_state tnsr_reduce_state;
tnsr_status tnsr_reduce_begin(const tnsr_op *op, const tnsr_op_args *args, tnsr_dtype dtype, int ndim,
			      const int64_t *shape, tnsr_reduce_state **out);
/* DATA holds N contiguous native elements: input elements START .. START+N-1 (C order).
 * Chunks arrive in order, START continuing where the previous chunk ended. */
tnsr_status tnsr_reduce_feed(tnsr_reduce_state *st, const void *data, int64_t start, int64_t n);
/* The result; frees ST in every case. */
tnsr_status tnsr_reduce_end(tnsr_reduce_state *st, tnsr_tensor **out);
void tnsr_reduce_free(tnsr_reduce_state *st);
/* The .run of every reduction row (whole tensors, any strides, threads for large ones). */
tnsr_status tnsr_run_reduce(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			    tnsr_tensor **out);

/* ---------------------------------------------------------------- whole-tensor ops */

/* nn */
tnsr_status tnsr_run_softmax(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_log_softmax(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
/* linear algebra */
tnsr_status tnsr_run_matmul(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_linear(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
/* shape (views where possible) */
tnsr_status tnsr_run_reshape(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_flatten(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_squeeze(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_unsqueeze(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_transpose(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_permute(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_expand(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_contiguous(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
/* indexing and joining */
tnsr_status tnsr_run_slice(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_take(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_cat(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_stack(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
/* checks: the result is an f64 tensor of shape (3,): [holds (0 or 1), max abs diff, max rel diff] */
tnsr_status tnsr_run_allclose(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);
tnsr_status tnsr_run_equal(const tnsr_op *, tnsr_tensor *const *, int, const tnsr_op_args *, tnsr_tensor **);

#endif
