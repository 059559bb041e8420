/* copy.c: moving elements between layouts and dtypes: copy_into (any strides, any
 * dtypes), contiguous (a view when already contiguous) and cast (always a copy). */
#include <string.h>

#include "iter.h"

void tnsr_gather_run(char *dst, const char *src, int64_t step, int64_t n, size_t size)
{
	switch (size) { /* fixed sizes let the compiler emit single moves */
	case 1: for (int64_t i = 0; i < n; i++) memcpy(dst + i, src + i * step, 1); break;
	case 2: for (int64_t i = 0; i < n; i++) memcpy(dst + 2 * i, src + i * step, 2); break;
	case 4: for (int64_t i = 0; i < n; i++) memcpy(dst + 4 * i, src + i * step, 4); break;
	case 8: for (int64_t i = 0; i < n; i++) memcpy(dst + 8 * i, src + i * step, 8); break;
	default: for (int64_t i = 0; i < n; i++) memcpy(dst + size * (size_t)i, src + i * step, size); break;
	}
}

void tnsr_scatter_run(char *dst, int64_t step, const char *src, int64_t n, size_t size)
{
	switch (size) {
	case 1: for (int64_t i = 0; i < n; i++) memcpy(dst + i * step, src + i, 1); break;
	case 2: for (int64_t i = 0; i < n; i++) memcpy(dst + i * step, src + 2 * i, 2); break;
	case 4: for (int64_t i = 0; i < n; i++) memcpy(dst + i * step, src + 4 * i, 4); break;
	case 8: for (int64_t i = 0; i < n; i++) memcpy(dst + i * step, src + 8 * i, 8); break;
	default: for (int64_t i = 0; i < n; i++) memcpy(dst + i * step, src + size * (size_t)i, size); break;
	}
}

tnsr_status tnsr_tensor_copy_into(tnsr_tensor *dst, const tnsr_tensor *src)
{
	char a[256], b[256];
	if (dst->ndim != src->ndim || memcmp(dst->shape, src->shape, sizeof *dst->shape * (size_t)dst->ndim))
		return tnsr_error(TNSR_E_SHAPE, "copy: shapes %s and %s differ",
				  tnsr_shape_format(dst->ndim, dst->shape, a, sizeof a),
				  tnsr_shape_format(src->ndim, src->shape, b, sizeof b));
	size_t dsize = tnsr_dtype_size(dst->dtype), ssize = tnsr_dtype_size(src->dtype);
	const int64_t *strides[2] = {dst->strides, src->strides};
	char *base[2] = {tnsr_tensor_data(dst), tnsr_tensor_data(src)};
	size_t sizes[2] = {dsize, ssize};
	tnsr_iter it;
	tnsr_iter_init(&it, 2, dst->ndim, dst->shape, base, strides, sizes);
	/* Strided runs go through two small packed buffers: gather, convert, scatter. */
	enum { CHUNK = 4096 };
	_Alignas(64) char sbuf[CHUNK * 16], dbuf[CHUNK * 16];
	char *p[2];
	int64_t step[2], n;
	while (tnsr_iter_next(&it, p, step, &n)) {
		bool dpacked = step[0] == (int64_t)dsize, spacked = step[1] == (int64_t)ssize;
		if (dpacked && spacked) {
			if (dst->dtype == src->dtype)
				memmove(p[0], p[1], (size_t)n * dsize);
			else
				tnsr_convert(dst->dtype, p[0], src->dtype, p[1], (size_t)n);
			continue;
		}
		for (int64_t i = 0; i < n; i += CHUNK) {
			int64_t m = n - i < CHUNK ? n - i : CHUNK;
			const char *s = p[1] + i * step[1];
			char *d = p[0] + i * step[0];
			if (!spacked) {
				tnsr_gather_run(sbuf, s, step[1], m, ssize);
				s = sbuf;
			}
			char *target = dpacked ? d : dbuf;
			if (dst->dtype == src->dtype)
				memcpy(target, s, (size_t)m * dsize);
			else
				tnsr_convert(dst->dtype, target, src->dtype, s, (size_t)m);
			if (!dpacked)
				tnsr_scatter_run(d, step[0], dbuf, m, dsize);
		}
	}
	return TNSR_OK;
}

tnsr_status tnsr_tensor_cast(const tnsr_tensor *t, tnsr_dtype dtype, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_empty(dtype, t->ndim, t->shape, out);
	if (st)
		return st;
	if ((st = tnsr_tensor_copy_into(*out, t))) {
		tnsr_tensor_free(*out);
		*out = NULL;
	}
	return st;
}

tnsr_status tnsr_tensor_contiguous(const tnsr_tensor *t, tnsr_tensor **out)
{
	if (tnsr_tensor_is_contiguous(t)) {
		*out = tnsr_tensor_view(t);
		return *out ? TNSR_OK : TNSR_E_NOMEM;
	}
	return tnsr_tensor_cast(t, t->dtype, out);
}
