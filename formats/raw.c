/* raw.c: bare bytes, the elements of a C-order tensor in little-endian order and
 * nothing else (numpy's tofile/tobytes).  Nothing in them says their dtype or shape, so
 * the reader takes both from the caller and checks them against the input's size. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "iter.h"
#include "raw.h"

enum { PIECE = 4 << 20 };   /* bytes gathered per call of a walk's callback */

static const bool host_little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

/* ---------------------------------------------------------------- reading */

static tnsr_status size_mismatch(tnsr_source *src, uint64_t have, bool more, int ndim, const int64_t *shape,
				 tnsr_dtype dtype, size_t need)
{
	char s[128];
	tnsr_shape_format(ndim, shape, s, sizeof s);
	if (more)
		return tnsr_error(TNSR_E_FORMAT, "%s: more than the %zu bytes that %s of %s needs (check --shape and --dtype)",
				  tnsr_source_name(src), need, s, tnsr_dtype_name(dtype));
	return tnsr_error(TNSR_E_FORMAT, "%s: %llu bytes do not hold %s of %s (needs %zu bytes; check --shape and --dtype)",
			  tnsr_source_name(src), (unsigned long long)have, s, tnsr_dtype_name(dtype), need);
}

tnsr_status tnsr_raw_read(tnsr_source *src, tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_tensor **out)
{
	size_t nbytes;
	int64_t strides[TNSR_MAX_DIMS];
	tnsr_storage *storage = NULL;
	tnsr_status st = tnsr_shape_size(ndim, shape, tnsr_dtype_size(dtype), NULL, &nbytes);
	if (st)
		return st;
	if (tnsr_source_is_mapped(src)) {
		uint64_t size = tnsr_source_size(src), pos = tnsr_source_pos(src);
		uint64_t have = size > pos ? size - pos : 0;
		if (have != nbytes)
			return size_mismatch(src, have, have > nbytes, ndim, shape, dtype, nbytes);
		if (nbytes && (st = tnsr_source_map(src, pos, nbytes, &storage)))
			return st;
		if (nbytes && !host_little_endian && tnsr_dtype_size(dtype) > 1) {
			/* The mapping is read-only: a big-endian host swaps a copy. */
			tnsr_storage *copy = tnsr_storage_alloc(nbytes);
			if (copy) {
				memcpy(tnsr_storage_data(copy), tnsr_storage_data(storage), nbytes);
				tnsr_byteswap(dtype, tnsr_storage_data(copy), nbytes / tnsr_dtype_size(dtype));
			}
			tnsr_storage_release(storage);
			if (!(storage = copy))
				return TNSR_E_NOMEM;
		}
	}
	if (!storage) {
		if (!(storage = tnsr_storage_alloc(nbytes)))
			return TNSR_E_NOMEM;
		size_t got = 0;
		if (!tnsr_source_is_mapped(src)) {
			if ((st = tnsr_source_read(src, tnsr_storage_data(storage), nbytes, &got)))
				goto fail;
			if (got < nbytes || !tnsr_source_at_end(src)) {
				st = size_mismatch(src, got, got == nbytes, ndim, shape, dtype, nbytes);
				goto fail;
			}
			if (!host_little_endian)
				tnsr_byteswap(dtype, tnsr_storage_data(storage), nbytes / tnsr_dtype_size(dtype));
		}
	}
	tnsr_contiguous_strides(ndim, shape, strides);
	*out = tnsr_tensor_over(storage, dtype, ndim, shape, strides, 0);
	tnsr_storage_release(storage);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
fail:
	tnsr_storage_release(storage);
	return st;
}

/* ---------------------------------------------------------------- the C-order walk */

tnsr_status tnsr_raw_walk(const tnsr_tensor *t, tnsr_raw_piece_fn fn, void *ctx)
{
	size_t size = tnsr_dtype_size(t->dtype), nbytes = tnsr_tensor_nbytes(t);
	bool swap = !host_little_endian && size > 1;
	if (nbytes == 0)
		return TNSR_OK;
	if (tnsr_tensor_is_contiguous(t) && !swap) {
		const char *p = tnsr_tensor_data(t);
		for (size_t done = 0, n; done < nbytes; done += n) {
			n = nbytes - done < PIECE ? nbytes - done : PIECE - PIECE % size;
			tnsr_status st = fn(ctx, p + done, n);
			if (st)
				return st;
		}
		return TNSR_OK;
	}
	size_t cap = PIECE / size < nbytes / size ? PIECE / size : nbytes / size, used = 0;
	char *buf = malloc(cap * size);
	if (!buf)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_iter it;
	char *base = tnsr_tensor_data(t), *ptr;
	const int64_t *strides = t->strides;
	int64_t step, n;
	tnsr_status st = TNSR_OK;
	tnsr_iter_init(&it, 1, t->ndim, t->shape, &base, &strides, &size);
	while (!st && tnsr_iter_next(&it, &ptr, &step, &n)) {
		while (n > 0 && !st) {
			size_t k = (size_t)n < cap - used ? (size_t)n : cap - used;
			tnsr_gather_run(buf + used * size, ptr, step, (int64_t)k, size);
			ptr += (int64_t)k * step;
			n -= (int64_t)k;
			if ((used += k) == cap) {
				if (swap)
					tnsr_byteswap(t->dtype, buf, used);
				st = fn(ctx, buf, used * size);
				used = 0;
			}
		}
	}
	if (!st && used) {
		if (swap)
			tnsr_byteswap(t->dtype, buf, used);
		st = fn(ctx, buf, used * size);
	}
	free(buf);
	return st;
}

/* ---------------------------------------------------------------- the codec */

static bool raw_probe(const unsigned char *head, size_t n) { return false; }

static tnsr_status raw_next(tnsr_source *src, void **state, tnsr_member_info *info)
{
	return tnsr_error(TNSR_E_USAGE, "%s: raw bytes say nothing of their dtype and shape (give --dtype and --shape)",
			  tnsr_source_name(src));
}

static tnsr_status write_piece(void *sink, const void *data, size_t n) { return tnsr_sink_write(sink, data, n); }

static tnsr_status raw_write(tnsr_sink *sink, const tnsr_tensor *t) { return tnsr_raw_walk(t, write_piece, sink); }

/* Nothing precedes the data: begin only says that raw can stream. */
static tnsr_status raw_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	return TNSR_OK;
}

/* Never probed: a raw input is named by tconvert --from raw or a .raw name. */
const tnsr_codec tnsr_codec_raw = {
	.name = "raw",
	.extension = ".raw",
	.probe = raw_probe,
	.next = raw_next,
	.write = raw_write,
	.stream_begin = raw_stream_begin,
};
