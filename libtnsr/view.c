/* view.c: shape operations that make a new tensor over the same storage (reshape when
 * the strides allow it, transpose, permute, expand, squeeze, unsqueeze). */
#include <string.h>

#include "tnsr.h"

static char *fmt_shape(const tnsr_tensor *t, char *buf, size_t n) { return tnsr_shape_format(t->ndim, t->shape, buf, n); }

/* Strides for viewing T with NEW_SHAPE without copying, or false when impossible
 * (PyTorch's computeStride: walk chunks of dims that are contiguous among themselves). */
static bool view_strides(const tnsr_tensor *t, int ndim, const int64_t *shape, int64_t *strides)
{
	if (tnsr_tensor_numel(t) == 0) {
		tnsr_contiguous_strides(ndim, shape, strides);
		return true;
	}
	int view_d = ndim - 1;
	int64_t chunk_stride = t->ndim ? t->strides[t->ndim - 1] : 1, tensor_numel = 1, view_numel = 1;
	for (int d = t->ndim - 1; d >= 0; d--) {
		tensor_numel *= t->shape[d];
		/* At the end of a chunk of dims that are contiguous among themselves... */
		if (d == 0 || (t->shape[d - 1] != 1 && t->strides[d - 1] != tensor_numel * chunk_stride)) {
			/* ...the new dims that cover the chunk's elements get strides within it. */
			while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
				strides[view_d] = view_numel * chunk_stride;
				view_numel *= shape[view_d];
				view_d--;
			}
			if (view_numel != tensor_numel)
				return false;
			if (d > 0) {
				chunk_stride = t->strides[d - 1];
				tensor_numel = 1;
				view_numel = 1;
			}
		}
	}
	return view_d == -1;
}

tnsr_status tnsr_tensor_reshape(const tnsr_tensor *t, int ndim, const int64_t *shape_in, tnsr_tensor **out)
{
	char a[256], b[256];
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS], known = 1, numel = tnsr_tensor_numel(t);
	int infer = -1;
	if (ndim < 0 || ndim > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_VALUE, "reshape: %d dimensions (expected 0..%d)", ndim, TNSR_MAX_DIMS);
	for (int i = 0; i < ndim; i++) {
		shape[i] = shape_in[i];
		if (shape[i] == -1 && infer < 0)
			infer = i;
		else if (shape[i] == -1)
			return tnsr_error(TNSR_E_VALUE, "reshape: only one dimension can be inferred (-1 at dims %d and %d)",
					  infer, i);
		else if (shape[i] < 0)
			return tnsr_error(TNSR_E_VALUE, "reshape: invalid size %lld at dim %d", (long long)shape[i], i);
		else if (__builtin_mul_overflow(known, shape[i], &known))
			return tnsr_error(TNSR_E_VALUE, "reshape: shape %s overflows",
					  tnsr_shape_format(ndim, shape_in, b, sizeof b));
	}
	if (infer >= 0) {
		if (known == 0 || numel % known)
			return tnsr_error(TNSR_E_SHAPE, "reshape: shape %s is invalid for input of size %lld",
					  tnsr_shape_format(ndim, shape_in, b, sizeof b), (long long)numel);
		shape[infer] = numel / known;
	} else if (known != numel) {
		return tnsr_error(TNSR_E_SHAPE, "reshape: shape %s is invalid for input of shape %s (size %lld)",
				  tnsr_shape_format(ndim, shape_in, b, sizeof b), fmt_shape(t, a, sizeof a),
				  (long long)numel);
	}
	if (view_strides(t, ndim, shape, strides)) {
		*out = tnsr_tensor_over(t->storage, t->dtype, ndim, shape, strides, t->offset);
		return *out ? TNSR_OK : TNSR_E_NOMEM;
	}
	tnsr_tensor *c;
	tnsr_status st = tnsr_tensor_contiguous(t, &c);
	if (st)
		return st;
	*out = tnsr_tensor_over(c->storage, c->dtype, ndim, shape, NULL, c->offset);
	tnsr_tensor_free(c);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_tensor_permute(const tnsr_tensor *t, const int *dims, tnsr_tensor **out)
{
	bool seen[TNSR_MAX_DIMS] = {false};
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS];
	for (int i = 0; i < t->ndim; i++) {
		int d;
		if (tnsr_dim_normalize(dims[i], t->ndim, &d))
			return tnsr_error_prefix(TNSR_E_VALUE, "permute");
		if (seen[d])
			return tnsr_error(TNSR_E_VALUE, "permute: dim %d repeated (expected each of 0..%d once)", dims[i],
					  t->ndim - 1);
		seen[d] = true;
		shape[i] = t->shape[d];
		strides[i] = t->strides[d];
	}
	*out = tnsr_tensor_over(t->storage, t->dtype, t->ndim, shape, strides, t->offset);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_tensor_transpose(const tnsr_tensor *t, int dim0, int dim1, tnsr_tensor **out)
{
	int a, b, dims[TNSR_MAX_DIMS];
	if (tnsr_dim_normalize(dim0, t->ndim, &a) || tnsr_dim_normalize(dim1, t->ndim, &b))
		return tnsr_error_prefix(TNSR_E_VALUE, "transpose");
	if (t->ndim == 0) { /* PyTorch allows transpose(0, 0) and (-1, 0) of a 0-d tensor */
		*out = tnsr_tensor_view(t);
		return *out ? TNSR_OK : TNSR_E_NOMEM;
	}
	for (int i = 0; i < t->ndim; i++)
		dims[i] = i;
	dims[a] = b;
	dims[b] = a;
	return tnsr_tensor_permute(t, dims, out);
}

tnsr_status tnsr_tensor_expand(const tnsr_tensor *t, int ndim, const int64_t *shape_in, tnsr_tensor **out)
{
	char a[256], b[256];
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS];
	if (ndim < t->ndim || ndim > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_SHAPE, "expand: shape %s has fewer dims than the tensor's %s",
				  tnsr_shape_format(ndim, shape_in, b, sizeof b), fmt_shape(t, a, sizeof a));
	int lead = ndim - t->ndim;
	for (int i = ndim - 1; i >= 0; i--) {
		int j = i - lead;
		int64_t want = shape_in[i];
		if (j < 0) {
			if (want < 0)
				return tnsr_error(TNSR_E_SHAPE, "expand: size %lld for new leading dim %d (expected >= 0)",
						  (long long)want, i);
			shape[i] = want;
			strides[i] = 0;
			continue;
		}
		if (want == -1 || want == t->shape[j]) {
			shape[i] = t->shape[j];
			strides[i] = t->strides[j];
		} else if (t->shape[j] == 1 && want >= 0) {
			shape[i] = want;
			strides[i] = 0;
		} else {
			return tnsr_error(TNSR_E_SHAPE,
					  "expand: the size %lld of %s must match %lld at dim %d of %s (only size-1 dims expand)",
					  (long long)t->shape[j], fmt_shape(t, a, sizeof a), (long long)want, i,
					  tnsr_shape_format(ndim, shape_in, b, sizeof b));
		}
	}
	*out = tnsr_tensor_over(t->storage, t->dtype, ndim, shape, strides, t->offset);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_tensor_squeeze(const tnsr_tensor *t, int dim, tnsr_tensor **out)
{
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS];
	int only = -1, n = 0;
	if (dim != TNSR_ALL_DIMS && tnsr_dim_normalize(dim, t->ndim, &only))
		return tnsr_error_prefix(TNSR_E_VALUE, "squeeze");
	for (int i = 0; i < t->ndim; i++) {
		bool drop = t->shape[i] == 1 && (only < 0 || only == i);
		if (!drop) {
			shape[n] = t->shape[i];
			strides[n++] = t->strides[i];
		}
	}
	*out = tnsr_tensor_over(t->storage, t->dtype, n, shape, strides, t->offset);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_tensor_unsqueeze(const tnsr_tensor *t, int dim, tnsr_tensor **out)
{
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS];
	int d;
	if (t->ndim == TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_VALUE, "unsqueeze: tensor already has %d dims", TNSR_MAX_DIMS);
	if (tnsr_dim_normalize(dim, t->ndim + 1, &d))
		return tnsr_error_prefix(TNSR_E_VALUE, "unsqueeze");
	for (int i = 0, j = 0; i <= t->ndim; i++) {
		if (i == d) {
			shape[i] = 1;
			strides[i] = j < t->ndim ? t->shape[j] * t->strides[j] : 1;
			continue;
		}
		shape[i] = t->shape[j];
		strides[i] = t->strides[j++];
	}
	*out = tnsr_tensor_over(t->storage, t->dtype, t->ndim + 1, shape, strides, t->offset);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}
