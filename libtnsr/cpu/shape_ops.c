/* shape_ops.c: the shape rows of the op table (reshape, flatten, squeeze, unsqueeze,
 * transpose, permute, expand, contiguous, slice) as thin wrappers over the views of view.c
 * and slice.c.  Results share the input's storage, so a view of a mapped file stays a
 * view of the mapping; only reshape/flatten of strides that no view can express copy. */
#include "ops.h"

static char *fmt(const tnsr_tensor *t, char *buf, size_t n) { return tnsr_shape_format(t->ndim, t->shape, buf, n); }

/* in[0] seen with args->shape (one size may be -1): a view when the strides allow. */
tnsr_status tnsr_run_reshape(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			     tnsr_tensor **out)
{
	return tnsr_tensor_reshape(in[0], args->shape_ndim, args->shape, out);
}

/* Dims start_dim..end_dim of in[0] merged into one (torch.flatten); a 0-d tensor gives (1,). */
tnsr_status tnsr_run_flatten(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			     tnsr_tensor **out)
{
	const tnsr_tensor *t = in[0];
	int s, e;
	if (tnsr_dim_normalize(args->start_dim, t->ndim, &s))
		return tnsr_error_prefix(TNSR_E_VALUE, "flatten: start dim");
	if (tnsr_dim_normalize(args->end_dim, t->ndim, &e))
		return tnsr_error_prefix(TNSR_E_VALUE, "flatten: end dim");
	if (s > e)
		return tnsr_error(TNSR_E_VALUE, "flatten: start dim %d comes after end dim %d (expected start <= end)",
				  args->start_dim, args->end_dim);
	if (t->ndim == 0)
		return tnsr_tensor_reshape(t, 1, (const int64_t[]){1}, out);
	int64_t shape[TNSR_MAX_DIMS], merged = 1;
	int ndim = 0;
	for (int i = 0; i < s; i++)
		shape[ndim++] = t->shape[i];
	for (int i = s; i <= e; i++)
		merged *= t->shape[i]; /* cannot overflow: the tensor exists */
	shape[ndim++] = merged;
	for (int i = e + 1; i < t->ndim; i++)
		shape[ndim++] = t->shape[i];
	return tnsr_tensor_reshape(t, ndim, shape, out);
}

/* Without a dim, every dim of size 1 goes; a named dim goes only if its size is 1. */
tnsr_status tnsr_run_squeeze(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			     tnsr_tensor **out)
{
	return tnsr_tensor_squeeze(in[0], args->ndims ? args->dims[0] : TNSR_ALL_DIMS, out);
}

tnsr_status tnsr_run_unsqueeze(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			       tnsr_tensor **out)
{
	if (args->ndims != 1)
		return tnsr_error(TNSR_E_USAGE, "unsqueeze: needs one dim where the new dim goes, got %d", args->ndims);
	return tnsr_tensor_unsqueeze(in[0], args->dims[0], out);
}

/* Two dims swapped; with none given, the last two, and a 0-d or 1-d tensor is returned
 * as it is (what x.mT would do were it defined below 2 dims; torch.transpose needs dims). */
tnsr_status tnsr_run_transpose(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			       tnsr_tensor **out)
{
	const tnsr_tensor *t = in[0];
	if (args->ndims == 2)
		return tnsr_tensor_transpose(t, args->dims[0], args->dims[1], out);
	if (args->ndims != 0)
		return tnsr_error(TNSR_E_USAGE, "transpose: %d dim%s given (expected two, or none for the last two)",
				  args->ndims, args->ndims == 1 ? "" : "s");
	if (t->ndim < 2) {
		*out = tnsr_tensor_view(t);
		return *out ? TNSR_OK : TNSR_E_NOMEM;
	}
	return tnsr_tensor_transpose(t, -2, -1, out);
}

/* args->dims lists every dim of in[0] once, in the new order. */
tnsr_status tnsr_run_permute(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			     tnsr_tensor **out)
{
	const tnsr_tensor *t = in[0];
	char buf[256];
	if (args->ndims != t->ndim)
		return tnsr_error(TNSR_E_VALUE, "permute: %d dim%s given for a %d-d tensor of shape %s (expected %d)",
				  args->ndims, args->ndims == 1 ? "" : "s", t->ndim, fmt(t, buf, sizeof buf), t->ndim);
	return tnsr_tensor_permute(t, args->dims, out);
}

/* Size-1 dims broadcast to args->shape (stride 0: nothing is copied); -1 keeps a size. */
tnsr_status tnsr_run_expand(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			    tnsr_tensor **out)
{
	return tnsr_tensor_expand(in[0], args->shape_ndim, args->shape, out);
}

/* A C-order copy, or the tensor itself (a new view) when it is one already. */
tnsr_status tnsr_run_contiguous(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
				tnsr_tensor **out)
{
	return tnsr_tensor_contiguous(in[0], out);
}

/* NumPy basic indexing with args->slice (nslice items): always a view. */
tnsr_status tnsr_run_slice(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			   tnsr_tensor **out)
{
	return tnsr_tensor_slice(in[0], args->slice, args->nslice, out);
}
