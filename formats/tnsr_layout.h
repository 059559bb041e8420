/* tnsr_layout.h: the byte layout of the .tnsr format (formats/tnsr.md), shared by its
 * reader (tnsr_read.c) and writer (tnsr_write.c): field offsets, limits, the canonical
 * layout rules and little-endian accessors.  Not installed: codecs only. */
#ifndef TNSR_LAYOUT_H
#define TNSR_LAYOUT_H

#include <string.h>

#include "codec.h"

#define TNSR_MAGIC "\x89TNS\r\n\x1a\n"
#define TNSR_END_MAGIC "TNSREND\n"

enum {
	TNSR_MAJOR = 1,
	TNSR_MINOR = 1,                /* the newest minor version this code reads and writes */
	TNSR_FLAG_ENCODED = 1,         /* flags_required bit 0: some tensors are encoded (1.1) */
	TNSR_FLAGS_REQUIRED_KNOWN = TNSR_FLAG_ENCODED, /* required feature bits implemented */
	TNSR_CHECKSUM_CRC32C = 1,
	TNSR_PREAMBLE_SIZE = 128,
	TNSR_ENTRY_SIZE = 32,          /* 1.0 entry; entry_size may be larger (later minors) */
	TNSR_ENTRY_SIZE_ENCODED = 40,  /* 1.1 entry with stored_length, when encoded */
	TNSR_ENTRY_SIZE_MAX = 1024,
	TNSR_ALIGN_LOG2_MIN = 6,
	TNSR_ALIGN_LOG2_MAX = 16,
	TNSR_DATA_PAGE = 4096,         /* the data section starts at a multiple of this */
	TNSR_FOOTER_SIZE = 4,          /* the CRC-32C after each tensor's data */
	TNSR_MAX_TENSORS = 1 << 24,
	TNSR_MAX_META_RECORDS = 65536,
	TNSR_MAX_KEY = 255,
	TNSR_META_RECORD_HEAD = 16,
};
#define TNSR_MAX_HEADER ((uint64_t)256 << 20)
#define TNSR_MAX_META ((uint64_t)16 << 20)

/* Preamble field offsets. */
enum {
	P_MAGIC = 0, P_MAJOR = 8, P_MINOR = 10, P_FLAGS_REQ = 12, P_FLAGS_OPT = 16, P_ALIGN = 20, P_CHECKSUM = 21,
	P_ENTRY_SIZE = 22, P_COUNT = 24, P_META_COUNT = 28, P_HEADER_LEN = 32, P_DATA_OFFSET = 40,
	P_DATA_LEN = 48, P_FILE_LEN = 56, P_TABLE_OFF = 64, P_NAMES_OFF = 72, P_NAMES_LEN = 80, P_DIMS_OFF = 88,
	P_DIMS_LEN = 96, P_META_OFF = 104, P_META_LEN = 112, P_RESERVED = 120,
};
/* Table entry field offsets. */
enum {
	E_OFFSET = 0, E_NBYTES = 8, E_NAME_OFF = 16, E_NAME_LEN = 20, E_DTYPE = 22, E_RANK = 23, E_DIMS = 24,
	E_FLAGS = 28, E_STORED = 32,
};

/* The dtype codes that are reserved (DLPack's low-precision floats), refused for now. */
enum { TNSR_CODE_RESERVED_FIRST = 32, TNSR_CODE_RESERVED_LAST = 42 };
extern const char *const tnsr_reserved_dtype_names[TNSR_CODE_RESERVED_LAST - TNSR_CODE_RESERVED_FIRST + 1];

static inline uint16_t tnsr_le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t tnsr_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t tnsr_le64(const unsigned char *p) { return tnsr_le32(p) | (uint64_t)tnsr_le32(p + 4) << 32; }
static inline void tnsr_put16(unsigned char *p, uint16_t x) { p[0] = (unsigned char)x; p[1] = (unsigned char)(x >> 8); }
static inline void tnsr_put32(unsigned char *p, uint32_t x)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(x >> (8 * i));
}
static inline void tnsr_put64(unsigned char *p, uint64_t x)
{
	tnsr_put32(p, (uint32_t)x);
	tnsr_put32(p + 4, (uint32_t)(x >> 32));
}

/* X rounded up to a multiple of A (a power of two); false on overflow. */
static inline bool tnsr_align_up(uint64_t x, uint64_t a, uint64_t *out)
{
	if (x > UINT64_MAX - (a - 1)) {
		*out = UINT64_MAX;
		return false;
	}
	*out = (x + a - 1) & ~(a - 1);
	return true;
}

/* Bytes of the trailer of a file of N tensors. */
static inline uint64_t tnsr_trailer_size(uint64_t n) { return 32 + 4 * (n + (n & 1)); }

/* The data offset for a header of HEADER_LEN bytes and alignment A. */
static inline uint64_t tnsr_data_offset(uint64_t header_len, uint64_t a)
{
	uint64_t page = a > TNSR_DATA_PAGE ? a : TNSR_DATA_PAGE, out = 0;
	tnsr_align_up(header_len, page, &out); /* header_len <= TNSR_MAX_HEADER: no overflow */
	return out;
}

/* Where the slot after one holding NBYTES at OFFSET starts; false on overflow. */
static inline bool tnsr_next_slot(uint64_t offset, uint64_t nbytes, uint64_t a, uint64_t *out)
{
	uint64_t end;
	return !__builtin_add_overflow(offset, nbytes, &end) && !__builtin_add_overflow(end, TNSR_FOOTER_SIZE, &end) &&
	       tnsr_align_up(end, a, out);
}

/* Whether S[0..N) is shortest-form UTF-8 without surrogates, code points above
 * U+10FFFF or NUL bytes.  On failure *AT gets the offset of the first bad byte. */
bool tnsr_utf8_valid(const unsigned char *s, size_t n, size_t *at);

/* Writes a name or key for a message into BUF: at most 64 bytes of it, quoted, with
 * anything that is not printable ASCII escaped.  Returns BUF. */
char *tnsr_quote(const unsigned char *s, size_t n, char *buf, size_t size);

/* The codec's parts, defined in tnsr_read.c and tnsr_write.c. */
bool tnsr_fmt_probe(const unsigned char *head, size_t n);
tnsr_status tnsr_fmt_next(tnsr_source *src, void **state, tnsr_member_info *info);
tnsr_status tnsr_fmt_read(tnsr_source *src, void *state, void *buf, size_t n, size_t *got);
void tnsr_fmt_close(void *state);
tnsr_status tnsr_fmt_verify(tnsr_source *src, void *state, const tnsr_member_info *info);
tnsr_status tnsr_fmt_metadata(void *state, const tnsr_meta **items, size_t *n);
tnsr_status tnsr_fmt_write(tnsr_sink *sink, const tnsr_tensor *t);
tnsr_status tnsr_fmt_write_many(tnsr_sink *sink, tnsr_tensor *const *tensors, const char *const *names, int n,
				const tnsr_write_options *options);
tnsr_status tnsr_fmt_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state);
tnsr_status tnsr_fmt_stream_data(tnsr_sink *sink, void *state, const void *data, size_t n);
tnsr_status tnsr_fmt_stream_end(tnsr_sink *sink, void *state, bool failed);

#endif
