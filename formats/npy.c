/* npy.c: NumPy's .npy format (versions 1.0, 2.0 and 3.0): the magic and length
 * prefix, the codec (probe, next, write) and the header np.save writes.  The header
 * dict itself is parsed in npy_header.c.  Writing gives exactly NumPy 1.24's bytes. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "iter.h"
#include "npy.h"

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
enum { MAGIC_LEN = 8, ARRAY_ALIGN = 64, GROWTH_AXIS_MAX_DIGITS = 21 };
enum { WRITE_CHUNK = 4 << 20 };   /* bytes gathered per write of a non-contiguous tensor */

/* ---------------------------------------------------------------- magic and length */

/* Checks the magic and version in the first N (< 8 when the input is that short) bytes
 * of HEAD; *VERSION gets the major version. */
static tnsr_status check_magic(const unsigned char *head, size_t n, int *version)
{
	size_t m = n < sizeof npy_magic ? n : sizeof npy_magic;
	if (memcmp(head, npy_magic, m) != 0) {
		char shown[64] = "";
		for (size_t i = 0; i < n && i < 8; i++) {
			unsigned char c = head[i];
			snprintf(shown + strlen(shown), sizeof shown - strlen(shown),
				 c >= 0x20 && c < 0x7f && c != '\\' && c != '\'' ? "%c" : "\\x%02x", c);
		}
		return tnsr_error(TNSR_E_FORMAT, "not a .npy file: it starts with b'%s' (expected b'\\x93NUMPY')", shown);
	}
	if (n < MAGIC_LEN)
		return tnsr_error(TNSR_E_FORMAT,
				  "truncated: the input ends after %zu bytes, inside the magic string (expected %d bytes: "
				  "\\x93NUMPY and the version)", n, MAGIC_LEN);
	if (head[6] < 1 || head[6] > 3 || head[7] != 0)
		return tnsr_error(TNSR_E_FORMAT, "unsupported .npy version %u.%u (expected 1.0, 2.0 or 3.0)", head[6],
				  head[7]);
	*version = head[6];
	return TNSR_OK;
}

static size_t length_field_size(int version) { return version == 1 ? 2 : 4; }

static uint32_t read_le(const unsigned char *b, size_t n)
{
	uint32_t x = 0;
	for (size_t i = n; i-- > 0;)
		x = x << 8 | b[i];
	return x;
}

/* The longest header we read, in bytes: MAX_HEADER characters of up to 4 UTF-8 bytes. */
static uint64_t max_header_bytes(int version) { return version == 3 ? 4 * TNSR_NPY_MAX_HEADER : TNSR_NPY_MAX_HEADER; }

static tnsr_status header_too_long(uint32_t hlen)
{
	return tnsr_error(TNSR_E_FORMAT, "header: length %lu is over the limit of %d characters (NumPy's "
					 "max_header_size)", (unsigned long)hlen, TNSR_NPY_MAX_HEADER);
}

tnsr_status tnsr_npy_parse_buffer(const void *buf, size_t n, tnsr_member_info *info, size_t *data_offset)
{
	const unsigned char *b = buf;
	int version;
	tnsr_status st = check_magic(b, n < MAGIC_LEN ? n : MAGIC_LEN, &version);
	if (st)
		return st;
	size_t lsize = length_field_size(version);
	if (n < MAGIC_LEN + lsize)
		return tnsr_error(TNSR_E_FORMAT, "truncated: the input ends inside the header length (%zu of %zu bytes)",
				  n, MAGIC_LEN + lsize);
	uint32_t hlen = read_le(b + MAGIC_LEN, lsize);
	size_t start = MAGIC_LEN + lsize;
	if (hlen > n - start)
		return tnsr_error(TNSR_E_FORMAT, "truncated: the header length is %lu but only %zu bytes follow",
				  (unsigned long)hlen, n - start);
	if (hlen > max_header_bytes(version))
		return header_too_long(hlen);
	if ((st = tnsr_npy_parse_header((const char *)b + start, hlen, version, info)))
		return st;
	*data_offset = start + hlen;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- codec: reading */

static bool npy_probe(const unsigned char *head, size_t n)
{
	/* A short input that starts like the magic is ours: "truncated" says more than "unknown". */
	return n > 0 && memcmp(head, npy_magic, n < sizeof npy_magic ? n : sizeof npy_magic) == 0;
}

static tnsr_status npy_next_unnamed(tnsr_source *src, tnsr_member_info *info)
{
	unsigned char pre[12];
	size_t got;
	int version;
	tnsr_status st = tnsr_source_read(src, pre, MAGIC_LEN, &got);
	if (st || (st = check_magic(pre, got, &version)))
		return st;
	size_t lsize = length_field_size(version);
	if ((st = tnsr_source_read(src, pre + MAGIC_LEN, lsize, &got)))
		return st;
	if (got < lsize)
		return tnsr_error(TNSR_E_FORMAT, "truncated: the input ends inside the header length (%zu of %zu bytes)",
				  MAGIC_LEN + got, MAGIC_LEN + lsize);
	uint32_t hlen = read_le(pre + MAGIC_LEN, lsize);
	uint64_t pos = tnsr_source_pos(src), size = tnsr_source_size(src);
	if (tnsr_source_is_mapped(src) && (pos > size || hlen > size - pos))
		return tnsr_error(TNSR_E_FORMAT, "truncated: the header length is %lu but only %llu bytes follow",
				  (unsigned long)hlen, (unsigned long long)(pos > size ? 0 : size - pos));
	if (hlen > max_header_bytes(version))
		return header_too_long(hlen);
	char *text = malloc(hlen ? hlen : 1);
	if (!text)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	st = tnsr_source_read(src, text, hlen, &got);
	if (!st && got < hlen)
		st = tnsr_error(TNSR_E_FORMAT, "truncated: the header length is %lu but only %zu bytes follow",
				(unsigned long)hlen, got);
	if (!st)
		st = tnsr_npy_parse_header(text, hlen, version, info);
	free(text);
	if (st)
		return st;
	if (!tnsr_source_is_mapped(src)) {
		info->offset = -1;
		return TNSR_OK;
	}
	/* Check the data against the file now, so that no view ever reaches past its end. */
	pos = tnsr_source_pos(src);
	info->offset = (int64_t)pos;
	if (info->nbytes > size - pos) {
		char shape[96];
		return tnsr_error(TNSR_E_FORMAT,
				  "truncated: shape %s of %s needs %llu bytes of data but only %llu bytes follow the header",
				  tnsr_shape_format(info->ndim, info->shape, shape, sizeof shape),
				  tnsr_dtype_name(info->dtype), (unsigned long long)info->nbytes,
				  (unsigned long long)(size - pos));
	}
	return TNSR_OK;
}

static tnsr_status npy_next(tnsr_source *src, void **state, tnsr_member_info *info)
{
	/* The reader has cleared INFO and set what is its to decide (mappable). */
	info->format = "npy";
	info->offset = -1;
	if (tnsr_source_at_end(src))
		return TNSR_END;
	tnsr_status st = npy_next_unnamed(src, info);
	return st ? tnsr_error_prefix(st, tnsr_source_name(src)) : TNSR_OK;
}

/* ---------------------------------------------------------------- writing */

tnsr_status tnsr_npy_wrap_header(const char *dict, size_t n, char **out, size_t *len)
{
	/* np.save: version 1.0 when the padded length fits 16 bits, else 2.0. */
	size_t hlen = n + 1, total = 0;
	int version = 0;
	for (int v = 1; v <= 2 && !version; v++) {
		size_t prefix = MAGIC_LEN + length_field_size(v);
		size_t padded = hlen + ARRAY_ALIGN - (prefix + hlen) % ARRAY_ALIGN;
		if (padded <= (v == 1 ? 0xffffu : 0xffffffffu)) {
			version = v;
			total = prefix + padded;
		}
	}
	if (!version)
		return tnsr_error(TNSR_E_VALUE, "npy header of %zu bytes is too long even for version 2.0", n);
	char *b = malloc(total);
	if (!b)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	size_t prefix = MAGIC_LEN + length_field_size(version), field = total - prefix;
	memcpy(b, npy_magic, sizeof npy_magic);
	b[6] = (char)version;
	b[7] = 0;
	for (size_t i = 0; i < length_field_size(version); i++)
		b[MAGIC_LEN + i] = (char)(field >> (8 * i) & 0xff);
	memcpy(b + prefix, dict, n);
	memset(b + prefix + n, ' ', total - prefix - n - 1);
	b[total - 1] = '\n';
	*out = b;
	*len = total;
	return TNSR_OK;
}

static tnsr_status bf16_refused(void)
{
	return tnsr_error(TNSR_E_DTYPE, "bf16 cannot be stored in .npy (NumPy has no bfloat16): use .tnsr, "
					".safetensors or --dtype f32");
}

tnsr_status tnsr_npy_format_header(tnsr_dtype dtype, int ndim, const int64_t *shape, bool fortran_order,
				   char **out, size_t *len)
{
	const tnsr_dtype_info *dt = tnsr_dtype_get(dtype);
	if (!dt->npy_kind)
		return bf16_refused();
	if (ndim < 0 || ndim > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_VALUE, "npy header: %d dimensions (expected 0..%d)", ndim, TNSR_MAX_DIMS);
	/* {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } then growth padding. */
	char dict[128 + TNSR_MAX_DIMS * 24];
	int o = snprintf(dict, sizeof dict, "{'descr': '%c%c%u', 'fortran_order': %s, 'shape': (",
			 dt->size == 1 ? '|' : '<', dt->npy_kind, dt->size, fortran_order ? "True" : "False");
	for (int i = 0; i < ndim; i++) {
		if (shape[i] < 0)
			return tnsr_error(TNSR_E_VALUE, "npy header: dimension %d is %lld (expected >= 0)", i,
					  (long long)shape[i]);
		o += snprintf(dict + o, sizeof dict - (size_t)o, i ? ", %lld" : "%lld", (long long)shape[i]);
	}
	o += snprintf(dict + o, sizeof dict - (size_t)o, "%s), }", ndim == 1 ? "," : "");
	if (ndim > 0) {
		/* np.save (1.24+) leaves room for the growth axis to reach 21 digits in place. */
		char digits[24];
		int nd = snprintf(digits, sizeof digits, "%lld", (long long)shape[fortran_order ? ndim - 1 : 0]);
		for (int i = nd; i < GROWTH_AXIS_MAX_DIGITS; i++)
			dict[o++] = ' ';
	}
	return tnsr_npy_wrap_header(dict, (size_t)o, out, len);
}

/* Writes NBYTES from DATA in pieces a write(2) takes comfortably. */
static tnsr_status write_bytes(tnsr_sink *sink, const char *data, size_t nbytes)
{
	while (nbytes) {
		size_t n = nbytes < ((size_t)1 << 30) ? nbytes : (size_t)1 << 30;
		tnsr_status st = tnsr_sink_write(sink, data, n);
		if (st)
			return st;
		data += n;
		nbytes -= n;
	}
	return TNSR_OK;
}

/* Streams T's elements in the order of SHAPE/STRIDES (elements; C order of the given
 * dims) through a bounded buffer, little-endian. */
static tnsr_status write_gathered(tnsr_sink *sink, const tnsr_tensor *t, int ndim, const int64_t *shape,
				  const int64_t *strides)
{
	size_t size = tnsr_dtype_size(t->dtype), cap = WRITE_CHUNK / size, used = 0;
	size_t nbytes = tnsr_tensor_nbytes(t);
	if (cap * size > nbytes)
		cap = nbytes / size;
	char *buf = malloc(cap * size);
	if (!buf)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_iter it;
	char *base = tnsr_tensor_data(t), *ptr;
	const int64_t *sp = strides;
	int64_t step, n;
	tnsr_iter_init(&it, 1, ndim, shape, &base, &sp, &size);
	tnsr_status st = TNSR_OK;
	while (!st && tnsr_iter_next(&it, &ptr, &step, &n)) {
		while (n > 0 && !st) {
			size_t k = (size_t)n < cap - used ? (size_t)n : cap - used;
			char *dst = buf + used * size;
			if (step == (int64_t)size) {
				memcpy(dst, ptr, k * size);
			} else {
				/* Constant-size copies let the compiler turn each into one load and store. */
				switch (size) {
#define GATHER(N) case N: for (size_t i = 0; i < k; i++) memcpy(dst + i * N, ptr + (int64_t)i * step, N); break
				GATHER(1); GATHER(2); GATHER(4); GATHER(8); GATHER(16);
#undef GATHER
				default:
					for (size_t i = 0; i < k; i++)
						memcpy(dst + i * size, ptr + (int64_t)i * step, size);
				}
			}
			ptr += (int64_t)k * step;
			n -= (int64_t)k;
			used += k;
			if (used == cap) {
				if (TNSR_NPY_NATIVE_ORDER != '<')
					tnsr_byteswap(t->dtype, buf, used);
				st = tnsr_sink_write(sink, buf, used * size);
				used = 0;
			}
		}
	}
	if (!st && used) {
		if (TNSR_NPY_NATIVE_ORDER != '<')
			tnsr_byteswap(t->dtype, buf, used);
		st = tnsr_sink_write(sink, buf, used * size);
	}
	free(buf);
	return st;
}

/* Like np.save: C-contiguous data goes out as is; F-contiguous (and not C) data as is
 * with fortran_order True; anything else is written in C order. */
static tnsr_status npy_write_unnamed(tnsr_sink *sink, const tnsr_tensor *t)
{
	bool c_order = tnsr_tensor_is_contiguous(t);
	bool f_order = !c_order && tnsr_tensor_is_f_contiguous(t);
	char *header;
	size_t hlen;
	tnsr_status st = tnsr_npy_format_header(t->dtype, t->ndim, t->shape, f_order, &header, &hlen);
	if (st)
		return st;
	st = tnsr_sink_write(sink, header, hlen);
	free(header);
	if (st || tnsr_tensor_numel(t) == 0)
		return st;
	if ((c_order || f_order) && (TNSR_NPY_NATIVE_ORDER == '<' || tnsr_dtype_size(t->dtype) == 1))
		return write_bytes(sink, tnsr_tensor_data(t), tnsr_tensor_nbytes(t));
	if (!f_order)
		return write_gathered(sink, t, t->ndim, t->shape, t->strides);
	int64_t shape[TNSR_MAX_DIMS], strides[TNSR_MAX_DIMS];
	for (int i = 0; i < t->ndim; i++) {
		shape[i] = t->shape[t->ndim - 1 - i];
		strides[i] = t->strides[t->ndim - 1 - i];
	}
	return write_gathered(sink, t, t->ndim, shape, strides);
}

static tnsr_status npy_write(tnsr_sink *sink, const tnsr_tensor *t)
{
	tnsr_status st = t->dtype == TNSR_BF16 ? bf16_refused() : npy_write_unnamed(sink, t);
	return st && st != TNSR_E_PIPE ? tnsr_error_prefix(st, tnsr_sink_name(sink)) : st;
}

/* The header of a C-order tensor whose data the caller streams after it. */
static tnsr_status npy_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	char *header;
	size_t hlen;
	tnsr_status st = tnsr_npy_format_header(dtype, ndim, shape, false, &header, &hlen);
	if (st)
		return tnsr_error_prefix(st, tnsr_sink_name(sink));
	st = tnsr_sink_write(sink, header, hlen);
	free(header);
	return st;
}

const tnsr_codec tnsr_codec_npy = {
	.name = "npy",
	.extension = ".npy",
	.probe = npy_probe,
	.next = npy_next,
	.write = npy_write,
	.stream_begin = npy_stream_begin,
};
