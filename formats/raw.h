/* raw.h: bare tensor bytes.  Reading them needs the dtype and shape from the caller
 * (tconvert --dtype --shape); writing them is also how the text and image writers get
 * a tensor's elements in C order, in pieces, whatever its strides. */
#ifndef TNSR_RAW_H
#define TNSR_RAW_H

#include "tnsr.h"

/* The tensor held by the rest of SRC as bare little-endian C-order elements of DTYPE
 * and SHAPE.  The size must match exactly: TNSR_E_FORMAT naming both otherwise
 * ("x.raw: 100 bytes do not hold (5, 5) of f32 (needs 100 ...)").  A mapped SRC gives
 * a view of its mapping (no copy on a little-endian machine); a stream is read into
 * memory.  SRC stays the caller's.  (Fortran-order bytes: read the reversed shape and
 * reverse the dims of the result.) */
tnsr_status tnsr_raw_read(tnsr_source *src, tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_tensor **out);

/* Calls FN(CTX, DATA, N) on T's elements in C order, packed and little-endian, in
 * pieces of whole elements of at most a few MiB.  Stops at FN's first failure and
 * returns it. */
typedef tnsr_status (*tnsr_raw_piece_fn)(void *ctx, const void *data, size_t n);
tnsr_status tnsr_raw_walk(const tnsr_tensor *t, tnsr_raw_piece_fn fn, void *ctx);

#endif
