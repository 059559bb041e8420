/* iter.h: walking several same-shaped strided operands together.  Dims are coalesced
 * where every operand allows it, so that the innermost run is as long as possible; the
 * caller's loop body then sees (pointers, byte strides, count) for one run at a time. */
#ifndef TNSR_ITER_H
#define TNSR_ITER_H

#include "tnsr.h"

#define TNSR_ITER_MAX_OPS 4

typedef struct tnsr_iter {
	int nops, ndim;
	int64_t shape[TNSR_MAX_DIMS];
	int64_t strides[TNSR_ITER_MAX_OPS][TNSR_MAX_DIMS]; /* bytes */
	char *base[TNSR_ITER_MAX_OPS];
	int64_t index[TNSR_MAX_DIMS];
	bool done;
} tnsr_iter;

/* Prepares to walk SHAPE over NOPS operands; operand k starts at BASE[k] and moves by
 * STRIDES[k] (elements of ITEMSIZE[k] bytes). */
void tnsr_iter_init(tnsr_iter *it, int nops, int ndim, const int64_t *shape, char *const *base,
		    const int64_t *const *strides, const size_t *itemsize);
/* The next inner run: pointers PTR[k], byte strides STEP[k], length *N.  False when done. */
bool tnsr_iter_next(tnsr_iter *it, char **ptr, int64_t *step, int64_t *n);

/* Packs N elements of SIZE bytes found every STEP bytes from SRC into DST (gather), or
 * spreads packed SRC out to every STEP bytes of DST (scatter). */
void tnsr_gather_run(char *dst, const char *src, int64_t step, int64_t n, size_t size);
void tnsr_scatter_run(char *dst, int64_t step, const char *src, int64_t n, size_t size);

#endif
