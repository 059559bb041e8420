/* iter.c: the strided multi-operand walker (see iter.h). */
#include <string.h>

#include "iter.h"

void tnsr_iter_init(tnsr_iter *it, int nops, int ndim, const int64_t *shape, char *const *base,
		    const int64_t *const *strides, const size_t *itemsize)
{
	memset(it, 0, sizeof *it);
	it->nops = nops;
	/* Drop size-1 dims, then merge dim d into d+1 when every operand steps over d+1 in
	 * exactly one step of d (the pair is one longer run). */
	int n = 0;
	for (int d = 0; d < ndim; d++) {
		if (shape[d] == 0)
			it->done = true;
		if (shape[d] == 1)
			continue;
		bool merge = n > 0;
		for (int k = 0; k < nops && merge; k++)
			merge = it->strides[k][n - 1] == strides[k][d] * (int64_t)itemsize[k] * shape[d];
		if (merge) {
			it->shape[n - 1] *= shape[d];
			for (int k = 0; k < nops; k++)
				it->strides[k][n - 1] = strides[k][d] * (int64_t)itemsize[k];
			continue;
		}
		it->shape[n] = shape[d];
		for (int k = 0; k < nops; k++)
			it->strides[k][n] = strides[k][d] * (int64_t)itemsize[k];
		n++;
	}
	if (n == 0) { /* a 0-d tensor, or all dims of size 1: one run of one element */
		it->shape[0] = 1;
		n = 1;
	}
	it->ndim = n;
	for (int k = 0; k < nops; k++)
		it->base[k] = base[k];
}

bool tnsr_iter_next(tnsr_iter *it, char **ptr, int64_t *step, int64_t *n)
{
	if (it->done)
		return false;
	int inner = it->ndim - 1;
	for (int k = 0; k < it->nops; k++) {
		char *p = it->base[k];
		for (int d = 0; d < inner; d++)
			p += it->index[d] * it->strides[k][d];
		ptr[k] = p;
		step[k] = it->strides[k][inner];
	}
	*n = it->shape[inner];
	/* Advance the outer odometer. */
	int d = inner - 1;
	for (; d >= 0; d--) {
		if (++it->index[d] < it->shape[d])
			break;
		it->index[d] = 0;
	}
	if (d < 0)
		it->done = true;
	return true;
}
