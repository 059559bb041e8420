/* npy.h: the .npy codec's helpers that other codecs (.npz members) and the unit tests
 * share; the public entry points (tnsr_npy_parse_header, tnsr_npy_format_header) are
 * in tnsr.h and the codec itself (tnsr_codec_npy) in codec.h. */
#ifndef TNSR_NPY_H
#define TNSR_NPY_H

#include "tnsr.h"

/* NumPy's default max_header_size (since 1.24): the longest header dict, in characters,
 * that a reader accepts.  Longer ones come only from dtypes we refuse anyway. */
#define TNSR_NPY_MAX_HEADER 10000

/* The byte order NumPy calls native ('=', and '|' on a multi-byte type). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define TNSR_NPY_NATIVE_ORDER '<'
#else
#define TNSR_NPY_NATIVE_ORDER '>'
#endif

/* Parses the whole header at the start of BUF (N bytes: magic, version, length field,
 * dict) into INFO as tnsr_npy_parse_header does, and *DATA_OFFSET gets the offset of the
 * first data byte.  Only the header must lie within N; the data is not checked. */
tnsr_status tnsr_npy_parse_buffer(const void *buf, size_t n, tnsr_member_info *info, size_t *data_offset);

/* Wraps the ASCII dict text DICT (N bytes, growth padding included) as np.save does:
 * magic, version 1.0 (or 2.0 when the header does not fit a 16-bit length), length,
 * DICT, spaces up to a 64-byte boundary, "\n".  *OUT is malloc'd, *LEN its size. */
tnsr_status tnsr_npy_wrap_header(const char *dict, size_t n, char **out, size_t *len);

#endif
