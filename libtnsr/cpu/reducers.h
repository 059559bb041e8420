/* reducers.h: the interface between the reduction driver (reduce.c: layouts, streaming,
 * threads) and the reduction kernels (reducers.c: one set per op and computing dtype).
 *
 * Every output element owns a few 8-byte accumulator fields (structure of arrays:
 * field F of output O is ((T *)acc[F])[O]).  The driver hands the kernels the input in
 * one of two shapes:
 *   blocks: a run of contiguous elements whose outputs repeat with period P (P == 1: all
 *     to one output; P > 1: element q goes to output o + q % P, as when reducing the
 *     leading dims of an (R, P) slab).  A run is cut into blocks of block_len(P) elements
 *     at fixed offsets from its start; `partial` reduces one block to P partial results
 *     (lanes folded in a fixed order) and `merge` adds them to the outputs, block after
 *     block.  Because the cuts depend only on positions, never on how the input was
 *     chunked, the result is bit-identical however the stream was split.
 *   rows: NROWS rows of NCOLS elements, column k of every row going to output o + k;
 *     each output is updated element by element in row order (reductions over leading
 *     dims with many outputs; vectorizes across the columns).
 * RED is always the index, within its output's reduced elements (C order), of the first
 * element handed over: the count of elements that output has already seen. */
#ifndef TNSR_REDUCERS_H
#define TNSR_REDUCERS_H

#include "ops.h"

#define RED_BLOCK 4096 /* elements per block (at most) */
#define RED_PMAX 16    /* the largest period the block kernels take */
#define RED_FIELDS 3   /* accumulator fields per output (at most) */
#define RED_NPART 3    /* partial slots per column of a block (at most) */

/* A block's length for period P: whole periods, about RED_BLOCK elements. */
static inline int64_t red_block_len(int p) { return (int64_t)p * (RED_BLOCK / p); }

typedef union red_slot {
	double f;
	int64_t i;
	uint64_t u;
} red_slot;

typedef struct red_params {
	double p;          /* norm: the order of a general p-norm */
	double correction; /* std, var */
} red_params;

typedef void *const *red_acc;

typedef struct red_kernel {
	int nfields;    /* accumulator fields per output; negative: -N, the last used by rows only */
	tnsr_dtype fin; /* what finish writes: f64, i64, u64 or bool */
	/* Accumulators of outputs O .. O+N-1 to the identity. */
	void (*init)(red_acc acc, int64_t o, int64_t n);
	/* N contiguous elements (N <= block_len(P), a multiple of P) -> PART[k*RED_NPART + j]. */
	void (*partial)(const void *x, int64_t n, int p, red_slot *part, const red_params *pr);
	/* Adds the block partials PART (ROWS elements per column) to outputs O .. O+P-1. */
	void (*merge)(red_acc acc, int64_t o, int p, const red_slot *part, int64_t red, int64_t rows,
		      const red_params *pr);
	/* NRUNS complete runs of LEN elements each; run t goes to outputs O + t*P ... */
	void (*runs)(red_acc acc, int64_t o, int p, const void *x, int64_t nruns, int64_t len, int64_t red,
		     const red_params *pr);
	/* NROWS rows of NCOLS elements, LD elements apart; row r has index RED + r. */
	void (*rows)(red_acc acc, int64_t o, const void *x, int64_t nrows, int64_t ncols, int64_t ld, int64_t red,
		     const red_params *pr);
	/* The results of outputs O .. O+N-1, each reduced over COUNT elements, into OUT[0..N). */
	void (*finish)(red_acc acc, int64_t o, int64_t n, int64_t count, const red_params *pr, void *out);
} red_kernel;

/* Norm variants, chosen from the order. */
typedef enum red_norm {
	RED_NORM_NONE, RED_NORM_2, RED_NORM_1, RED_NORM_0, RED_NORM_INF, RED_NORM_NINF, RED_NORM_P
} red_norm;

/* The kernel of op ID computing in KD (bool, i64, u64, f32, f64, c128); NULL if none. */
const red_kernel *tnsr_red_kernel_find(tnsr_reduce_id id, tnsr_dtype kd, red_norm norm);

#endif
