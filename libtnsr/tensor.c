/* tensor.c: a tensor is a view (dtype, shape, strides, offset) over refcounted storage.
 * This file makes tensors and answers questions about their layout. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

tnsr_status tnsr_shape_size(int ndim, const int64_t *shape, size_t itemsize, int64_t *numel, size_t *nbytes)
{
	int64_t n = 1;
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return tnsr_error(TNSR_E_VALUE, "dimension %d has negative size %lld (expected >= 0)", i,
					  (long long)shape[i]);
		if (__builtin_mul_overflow(n, shape[i], &n))
			return tnsr_error(TNSR_E_NOMEM, "shape has more than 2^63 elements");
	}
	size_t bytes;
	if ((uint64_t)n > SIZE_MAX || mul_overflows((size_t)n, itemsize, &bytes) || bytes > (size_t)INT64_MAX)
		return tnsr_error(TNSR_E_NOMEM, "shape of %lld elements of %zu bytes overflows the address space",
				  (long long)n, itemsize);
	if (numel)
		*numel = n;
	if (nbytes)
		*nbytes = bytes;
	return TNSR_OK;
}

void tnsr_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides)
{
	int64_t s = 1;
	for (int i = ndim - 1; i >= 0; i--) {
		strides[i] = s;
		s *= shape[i] > 1 ? shape[i] : 1;
	}
}

tnsr_tensor *tnsr_tensor_over(tnsr_storage *storage, tnsr_dtype dtype, int ndim, const int64_t *shape,
			      const int64_t *strides, int64_t offset)
{
	tnsr_tensor *t = calloc(1, sizeof *t);
	if (!t) {
		tnsr_error(TNSR_E_NOMEM, "out of memory");
		return NULL;
	}
	t->dtype = dtype;
	t->ndim = ndim;
	if (ndim > 0)
		memcpy(t->shape, shape, sizeof *shape * (size_t)ndim);
	if (strides && ndim > 0)
		memcpy(t->strides, strides, sizeof *strides * (size_t)ndim);
	else
		tnsr_contiguous_strides(ndim, shape, t->strides);
	t->offset = offset;
	t->storage = tnsr_storage_retain(storage);
	return t;
}

tnsr_status tnsr_tensor_empty(tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_tensor **out)
{
	size_t nbytes;
	if (ndim < 0 || ndim > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_VALUE, "%d dimensions (expected 0..%d)", ndim, TNSR_MAX_DIMS);
	tnsr_status st = tnsr_shape_size(ndim, shape, tnsr_dtype_size(dtype), NULL, &nbytes);
	if (st)
		return st;
	tnsr_storage *s = tnsr_storage_alloc(nbytes);
	if (!s)
		return TNSR_E_NOMEM;
	*out = tnsr_tensor_over(s, dtype, ndim, shape, NULL, 0);
	tnsr_storage_release(s);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_tensor_zeros(tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_empty(dtype, ndim, shape, out);
	if (!st)
		memset(tnsr_storage_data((*out)->storage), 0, tnsr_tensor_nbytes(*out));
	return st;
}

tnsr_tensor *tnsr_tensor_view(const tnsr_tensor *t)
{
	tnsr_tensor *v = tnsr_tensor_over(t->storage, t->dtype, t->ndim, t->shape, t->strides, t->offset);
	if (v)
		v->wrapped = t->wrapped;
	return v;
}

void tnsr_tensor_free(tnsr_tensor *t)
{
	if (!t)
		return;
	tnsr_storage_release(t->storage);
	free(t);
}

int64_t tnsr_tensor_numel(const tnsr_tensor *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->ndim; i++)
		n *= t->shape[i];
	return n;
}

size_t tnsr_tensor_nbytes(const tnsr_tensor *t)
{
	return (size_t)tnsr_tensor_numel(t) * tnsr_dtype_size(t->dtype);
}

void *tnsr_tensor_data(const tnsr_tensor *t)
{
	return (char *)tnsr_storage_data(t->storage) + t->offset * (int64_t)tnsr_dtype_size(t->dtype);
}

/* Dims of size 1 may carry any stride: NumPy and PyTorch both ignore them. */
static bool dense_in_order(const tnsr_tensor *t, int first, int last, int step)
{
	int64_t expect = 1;
	for (int i = first; i != last; i += step) {
		if (t->shape[i] == 0)
			return true;
		if (t->shape[i] != 1 && t->strides[i] != expect)
			return false;
		expect *= t->shape[i];
	}
	return true;
}

bool tnsr_tensor_is_contiguous(const tnsr_tensor *t) { return dense_in_order(t, t->ndim - 1, -1, -1); }
bool tnsr_tensor_is_f_contiguous(const tnsr_tensor *t) { return dense_in_order(t, 0, t->ndim, 1); }

tnsr_status tnsr_dim_normalize(int dim, int ndim, int *out)
{
	/* A 0-d tensor accepts dim 0 and -1, as in PyTorch. */
	int n = ndim > 0 ? ndim : 1;
	if (dim < -n || dim >= n)
		return tnsr_error(TNSR_E_VALUE, "dim %d out of range for a %d-d tensor (expected %d..%d)", dim, ndim,
				  -n, n - 1);
	*out = dim < 0 ? dim + n : dim;
	return TNSR_OK;
}
