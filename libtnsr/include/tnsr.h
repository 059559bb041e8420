/* tnsr.h: the whole public API of libtnsr, tensors for C and the shell.
 *
 * A worked example: map a .npy file, take a view, print it, save it.
 *
 *     tnsr_reader *r;  tnsr_member_info info;  tnsr_tensor *x, *row;
 *     if (tnsr_reader_open("x.npy", &r) ||            // probe the format, map the file
 *         tnsr_reader_next(r, &info) ||               // parse the header (dtype, shape)
 *         tnsr_reader_load(r, &x))                    // a view over the mapping: no copy
 *         die(tnsr_error_message());                  // "x.npy: header: ... expected ..."
 *     tnsr_slice_item idx[] = {TNSR_SLICE_INDEX(0)};
 *     tnsr_tensor_slice(x, idx, 1, &row);             // x[0], still over the mapping
 *     tnsr_repr(stdout, row, NULL);                   // tensor([...]) as PyTorch prints it
 *     tnsr_save("row.npy", NULL, row);                // atomic: temp file + rename
 *     tnsr_tensor_free(row); tnsr_tensor_free(x);     // the mapping goes with the last view
 *     tnsr_reader_close(r);
 *
 * Conventions.  Every function that can fail returns a tnsr_status; on failure
 * tnsr_error_message() holds one line "WHAT: WHY" naming the file, the value and the
 * expectation.  Nothing in the library prints on its own or exits.  Functions that
 * return a new object through an out-pointer give the caller its only reference;
 * destructors accept NULL.  Dimensions are in C order (outermost first), strides are
 * counted in elements and may be negative (a reversed view) or zero (a broadcast).
 */
#ifndef TNSR_H
#define TNSR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TNSR_VERSION "0.1.0"
#define TNSR_MAX_DIMS 32

/* ---------------------------------------------------------------- errors */

/* Values only grow; tools map TNSR_E_USAGE to exit status 2, the rest to 1. */
typedef enum tnsr_status {
	TNSR_OK = 0,
	TNSR_END = 1,            /* a stream has no further record: not an error */
	TNSR_E_USAGE = 2,        /* an argument cannot be understood: shape, dtype, literal */
	TNSR_E_FORMAT = 3,       /* a file is malformed, truncated or unsupported */
	TNSR_E_IO = 4,           /* a system call failed (open, read, write, rename) */
	TNSR_E_NOMEM = 5,        /* an allocation failed or a size overflowed */
	TNSR_E_SHAPE = 6,        /* shapes do not fit the operation */
	TNSR_E_DTYPE = 7,        /* a dtype does not fit the operation */
	TNSR_E_VALUE = 8,        /* a value is out of range (a dim, an index, a count) */
	TNSR_E_PIPE = 9,         /* the reader of an output stream went away (EPIPE) */
	TNSR_E_UNSUPPORTED = 10, /* valid, but not something this build can do */
} tnsr_status;

/* The message of the last failure in this thread ("" when none). */
const char *tnsr_error_message(void);
/* Records a failure and returns STATUS, so that `return tnsr_error(...)` reads well. */
tnsr_status tnsr_error(tnsr_status status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefixes the current message with "PREFIX: " (e.g. the file name) and returns STATUS. */
tnsr_status tnsr_error_prefix(tnsr_status status, const char *prefix);

/* ---------------------------------------------------------------- dtypes */

/* Explicit values: the native format stores them. */
typedef enum tnsr_dtype {
	TNSR_BOOL = 0,
	TNSR_I8 = 1, TNSR_I16 = 2, TNSR_I32 = 3, TNSR_I64 = 4,
	TNSR_U8 = 5, TNSR_U16 = 6, TNSR_U32 = 7, TNSR_U64 = 8,
	TNSR_F16 = 9, TNSR_BF16 = 10, TNSR_F32 = 11, TNSR_F64 = 12,
	TNSR_C64 = 13, TNSR_C128 = 14,
	TNSR_DTYPE_COUNT
} tnsr_dtype;

typedef enum tnsr_kind {
	TNSR_KIND_BOOL, TNSR_KIND_INT, TNSR_KIND_UINT, TNSR_KIND_FLOAT, TNSR_KIND_COMPLEX
} tnsr_kind;

typedef struct tnsr_dtype_info {
	const char *name;        /* canonical, counts bits: "f32" */
	const char *full;        /* NumPy's and PyTorch's name: "float32" */
	unsigned size;           /* bytes per element */
	tnsr_kind kind;
	char npy_kind;           /* NumPy descr kind ('b','i','u','f','c'); 0 when NumPy has none */
	const char *safetensors; /* safetensors dtype name ("F32"), NULL when it has none */
} tnsr_dtype_info;

/* The table row of DTYPE; NULL for a value outside the enum (check values read from files). */
const tnsr_dtype_info *tnsr_dtype_get(tnsr_dtype dtype);
static inline size_t tnsr_dtype_size(tnsr_dtype d) { return tnsr_dtype_get(d)->size; }
static inline const char *tnsr_dtype_name(tnsr_dtype d) { return tnsr_dtype_get(d)->name; }
static inline bool tnsr_dtype_is_floating(tnsr_dtype d) { return tnsr_dtype_get(d)->kind == TNSR_KIND_FLOAT; }
static inline bool tnsr_dtype_is_complex(tnsr_dtype d) { return tnsr_dtype_get(d)->kind == TNSR_KIND_COMPLEX; }
static inline bool tnsr_dtype_is_integral(tnsr_dtype d) {
	tnsr_kind k = tnsr_dtype_get(d)->kind;
	return k == TNSR_KIND_INT || k == TNSR_KIND_UINT;
}

/* Parses a dtype name as CLI.md lists them ("f32", "float32", "<f4", "|u1", "half"), and
 * PyTorch's ("torch.float32", "torch.long") and safetensors' ("F32", "BF16") names.
 * A bare NumPy itemsize code ("f4") fails with TNSR_E_USAGE and a hint ("did you mean f32?");
 * anything else unknown with TNSR_E_USAGE, the list of canonical names and the nearest
 * accepted name when one is close ("did you mean float32?"). */
tnsr_status tnsr_dtype_parse(const char *text, tnsr_dtype *out);
/* The NumPy descr for DTYPE in BYTEORDER ('<' or '>'; '|' and '=' mean this machine's)
 * into BUF: "<f4", and "|b1", "|u1" for one-byte dtypes whatever BYTEORDER.  NULL for bf16. */
const char *tnsr_dtype_npy_descr(tnsr_dtype dtype, char byteorder, char buf[8]);

/* Converts N contiguous elements from SRC_T to DST_T (buffers must not overlap; any
 * alignment).  Rounding is correct to nearest-even for every narrowing float conversion
 * (f64 -> f16 and 64-bit integers -> f32/f16/bf16 included, with no double rounding);
 * f16/bf16 convert through their exact f32 value; NaN stays a quiet NaN of its sign with
 * its leading payload bits; complex -> real drops the imaginary part; integer ->
 * integer wraps (two's complement); -> bool is "!= 0" (NaN is true).  Float -> integer
 * is NumPy's astype on x86-64: truncation toward zero; NaN and values out of range go
 * through the x86 "integer indefinite": i32 gets INT32_MIN and i64 INT64_MIN; i8, i16,
 * u8, u16 get the low bits of the int32 result (300.7 -> i8 is 44; NaN gives 0); u32
 * the low bits of the int64 one (NaN gives 0); u64 gives 2^63 for NaN and negative
 * overflow, 0 for x >= 2^64 and inf.  DST_T == SRC_T copies the bits. */
void tnsr_convert(tnsr_dtype dst_t, void *dst, tnsr_dtype src_t, const void *src, size_t n);
/* Reverses the bytes of each of N elements in place (complex: each half separately). */
void tnsr_byteswap(tnsr_dtype dtype, void *data, size_t n);

float tnsr_f16_to_f32(uint16_t h);
uint16_t tnsr_f16_from_f64(double x);   /* correctly rounded */
float tnsr_bf16_to_f32(uint16_t h);
uint16_t tnsr_bf16_from_f64(double x);  /* correctly rounded */

/* ---------------------------------------------------------------- storage */

/* Bytes with an owner: an aligned heap block or a file mapping.  Refcounted: a
 * mapping lives as long as any tensor that views it. */
typedef struct tnsr_storage tnsr_storage;

/* A 64-byte aligned heap block of NBYTES (contents undefined); NULL and an error on failure. */
tnsr_storage *tnsr_storage_alloc(size_t nbytes);
/* A storage of NBYTES at byte OFFSET of PARENT, keeping PARENT alive (a member of a
 * mapped container).  The range must lie within PARENT. */
tnsr_storage *tnsr_storage_sub(tnsr_storage *parent, size_t offset, size_t nbytes);
tnsr_storage *tnsr_storage_retain(tnsr_storage *s);
void tnsr_storage_release(tnsr_storage *s);
void *tnsr_storage_data(const tnsr_storage *s);
size_t tnsr_storage_nbytes(const tnsr_storage *s);
bool tnsr_storage_is_mapped(const tnsr_storage *s);

/* ---------------------------------------------------------------- tensors */

typedef struct tnsr_tensor {
	tnsr_dtype dtype;
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	int64_t strides[TNSR_MAX_DIMS]; /* elements; negative = reversed, 0 = broadcast */
	int64_t offset;                 /* elements from the start of the storage's data */
	tnsr_storage *storage;          /* one counted reference */
	bool wrapped;                   /* a number literal: promotes as PyTorch's wrapped scalar */
} tnsr_tensor;

/* A new contiguous C-order tensor of uninitialised (empty) or zero (zeros) elements.
 * Fails with TNSR_E_NOMEM when the byte size overflows or memory is short. */
tnsr_status tnsr_tensor_empty(tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_tensor **out);
tnsr_status tnsr_tensor_zeros(tnsr_dtype dtype, int ndim, const int64_t *shape, tnsr_tensor **out);
/* A tensor over STORAGE (a new reference is taken) with the given layout.  The caller
 * vouches that every element it can address lies inside the storage. */
tnsr_tensor *tnsr_tensor_over(tnsr_storage *storage, tnsr_dtype dtype, int ndim,
			      const int64_t *shape, const int64_t *strides, int64_t offset);
/* Another view of the same elements (a struct copy that retains the storage). */
tnsr_tensor *tnsr_tensor_view(const tnsr_tensor *t);
void tnsr_tensor_free(tnsr_tensor *t);

int64_t tnsr_tensor_numel(const tnsr_tensor *t);
size_t tnsr_tensor_nbytes(const tnsr_tensor *t);
/* Address of the element at offset 0 of the view (the first element). */
void *tnsr_tensor_data(const tnsr_tensor *t);
bool tnsr_tensor_is_contiguous(const tnsr_tensor *t);   /* C order, no gaps */
bool tnsr_tensor_is_f_contiguous(const tnsr_tensor *t); /* Fortran order, no gaps */
/* Strides of a C-contiguous tensor of that shape. */
void tnsr_contiguous_strides(int ndim, const int64_t *shape, int64_t *strides);
/* Product of a shape into *NUMEL and NUMEL*ITEMSIZE into *NBYTES, failing with
 * TNSR_E_NOMEM on overflow of int64/size_t and TNSR_E_VALUE on a negative dim. */
tnsr_status tnsr_shape_size(int ndim, const int64_t *shape, size_t itemsize,
			    int64_t *numel, size_t *nbytes);

/* Views.  Each returns a new tensor sharing T's storage, or an error naming the dim
 * and value at fault ("dim 3 out of range for a 2-d tensor (expected -2..1)"). */
/* reshape: one -1 may be inferred; a view when strides allow, otherwise a copy (torch.reshape). */
tnsr_status tnsr_tensor_reshape(const tnsr_tensor *t, int ndim, const int64_t *shape, tnsr_tensor **out);
tnsr_status tnsr_tensor_transpose(const tnsr_tensor *t, int dim0, int dim1, tnsr_tensor **out);
tnsr_status tnsr_tensor_permute(const tnsr_tensor *t, const int *dims, tnsr_tensor **out);
/* expand: sizes of 1 broadcast to any size (stride 0); -1 keeps a size; new leading dims allowed. */
tnsr_status tnsr_tensor_expand(const tnsr_tensor *t, int ndim, const int64_t *shape, tnsr_tensor **out);
/* squeeze: DIM may be TNSR_ALL_DIMS; a named dim whose size is not 1 is left alone (PyTorch). */
#define TNSR_ALL_DIMS INT32_MIN
tnsr_status tnsr_tensor_squeeze(const tnsr_tensor *t, int dim, tnsr_tensor **out);
tnsr_status tnsr_tensor_unsqueeze(const tnsr_tensor *t, int dim, tnsr_tensor **out);
/* Normalises a possibly negative DIM for an NDIM-d tensor; TNSR_E_VALUE when out of range. */
tnsr_status tnsr_dim_normalize(int dim, int ndim, int *out);

/* NumPy basic indexing: integers, slices with negative steps, `...` and None. */
typedef enum tnsr_slice_kind {
	TNSR_SLICE_KIND_INDEX, TNSR_SLICE_KIND_RANGE, TNSR_SLICE_KIND_ELLIPSIS, TNSR_SLICE_KIND_NEWAXIS
} tnsr_slice_kind;
typedef struct tnsr_slice_item {
	tnsr_slice_kind kind;
	int64_t start, stop, step;  /* INDEX uses start; RANGE uses all three */
	bool has_start, has_stop;   /* RANGE: false means "to the end" in the step's direction */
} tnsr_slice_item;
#define TNSR_SLICE_INDEX(i) ((tnsr_slice_item){TNSR_SLICE_KIND_INDEX, (i), 0, 1, true, false})
/* Parses "[1:-1, ::2]", "[..., 0]", "[None]" (brackets optional) into at most MAX items. */
tnsr_status tnsr_slice_parse(const char *text, tnsr_slice_item *items, int max, int *n);
tnsr_status tnsr_tensor_slice(const tnsr_tensor *t, const tnsr_slice_item *items, int n, tnsr_tensor **out);

/* Copies SRC's elements into DST (same shape, any strides, converting dtype). */
tnsr_status tnsr_tensor_copy_into(tnsr_tensor *dst, const tnsr_tensor *src);
/* A C-contiguous tensor with T's values: T itself (a new view) when already so. */
tnsr_status tnsr_tensor_contiguous(const tnsr_tensor *t, tnsr_tensor **out);
/* A new contiguous tensor of DTYPE with T's values (always a copy). */
tnsr_status tnsr_tensor_cast(const tnsr_tensor *t, tnsr_dtype dtype, tnsr_tensor **out);

/* Shapes as the tools write them: "64x784", "64,784", "()" or "scalar" for 0-d;
 * ALLOW_INFER lets sizes be -1 (reshape infers one, expand keeps any).  TNSR_E_USAGE
 * on anything else. */
tnsr_status tnsr_shape_parse(const char *text, bool allow_infer, int *ndim, int64_t *shape);
/* "(64, 784)", "(3,)", "()" as Python prints a shape tuple.  Returns BUF. */
char *tnsr_shape_format(int ndim, const int64_t *shape, char *buf, size_t size);

/* ---------------------------------------------------------------- sources */

/* Where bytes come from: a regular file (a path, or stdin redirected from one) is
 * mapped; a pipe or terminal is read sequentially, once, never seeked. */
typedef struct tnsr_source tnsr_source;

/* PATH "-" means standard input.  The name used in messages is PATH ("stdin" for "-"). */
tnsr_status tnsr_source_open(const char *path, tnsr_source **out);
void tnsr_source_close(tnsr_source *s);
const char *tnsr_source_name(const tnsr_source *s);
bool tnsr_source_is_mapped(const tnsr_source *s);
/* File size for a mapped source; UINT64_MAX for a stream. */
uint64_t tnsr_source_size(const tnsr_source *s);
/* Bytes consumed so far (the offset of the next read). */
uint64_t tnsr_source_pos(const tnsr_source *s);
/* Reads up to N bytes at the current position; *GOT < N only at end of input. */
tnsr_status tnsr_source_read(tnsr_source *s, void *buf, size_t n, size_t *got);
/* Like read, but leaves the bytes to be read again (at most 4096 bytes ahead). */
tnsr_status tnsr_source_peek(tnsr_source *s, void *buf, size_t n, size_t *got);
/* Skips N bytes (reads and discards on a stream); TNSR_E_FORMAT if input ends first. */
tnsr_status tnsr_source_skip(tnsr_source *s, uint64_t n);
/* Mapped sources: a storage over NBYTES at byte OFFSET of the file, sharing the
 * mapping.  Checks the range against the file size first (no SIGBUS, ever). */
tnsr_status tnsr_source_map(tnsr_source *s, uint64_t offset, uint64_t nbytes, tnsr_storage **out);
/* Mapped sources: moves the read position to OFFSET (at most the file size).  A stream
 * can only "seek" to where it already is. */
tnsr_status tnsr_source_seek(tnsr_source *s, uint64_t offset);
/* Whether the source has no byte left (reads ahead one byte on a stream). */
bool tnsr_source_at_end(tnsr_source *s);

/* ---------------------------------------------------------------- sinks */

/* Where bytes go: a file written atomically (a temporary in the same directory,
 * renamed over the target by commit), or standard output as a stream. */
typedef struct tnsr_sink tnsr_sink;

/* PATH NULL or "-" means standard output. */
tnsr_status tnsr_sink_open(const char *path, tnsr_sink **out);
/* TNSR_E_PIPE when the reader went away (the tool should then stop quietly). */
tnsr_status tnsr_sink_write(tnsr_sink *s, const void *buf, size_t n);
/* Flushes and, for a file, renames the temporary over the target.  Frees S either way;
 * on failure the target is untouched and the temporary removed. */
tnsr_status tnsr_sink_commit(tnsr_sink *s);
/* Discards everything written: removes the temporary.  Frees S.  NULL is a no-op. */
void tnsr_sink_abort(tnsr_sink *s);
const char *tnsr_sink_name(const tnsr_sink *s);
bool tnsr_sink_is_stream(const tnsr_sink *s);
/* Unlinks every temporary still being written; async-signal-safe, for a tool's
 * SIGINT/SIGTERM handler, so that an interrupted write leaves nothing behind. */
void tnsr_sink_remove_temporaries(void);

/* ---------------------------------------------------------------- formats */

/* The longest member name a codec reports, in bytes (the .tnsr format's limit). */
#define TNSR_MAX_NAME 1024

/* What a codec found about one tensor of a file, before any data is touched. */
typedef struct tnsr_member_info {
	const char *format;       /* "npy", ... */
	char name[TNSR_MAX_NAME + 1]; /* member name in a container; "" for a lone tensor */
	tnsr_dtype dtype;
	char byteorder;           /* '<', '>' or '|' as stored */
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	bool fortran_order;       /* data stored column-major */
	uint64_t nbytes;          /* bytes of data */
	int64_t offset;           /* byte offset of the data in the file; -1 when unknown (a stream) */
	bool mappable;            /* can be viewed in place, without a copy */
	char why_not_mappable[160]; /* "" when mappable */
} tnsr_member_info;

/* Reads the tensors of one input, whatever its format (probed from the magic bytes). */
typedef struct tnsr_reader tnsr_reader;

tnsr_status tnsr_reader_open(const char *path, tnsr_reader **out);
/* As open, over an already open source (the reader takes ownership of it). */
tnsr_status tnsr_reader_from_source(tnsr_source *src, tnsr_reader **out);
/* Parses the next member's header into INFO (validated: sizes checked against the
 * file).  TNSR_END when the input holds no further member.  Skips the data of the
 * previous member if it was not loaded or read. */
tnsr_status tnsr_reader_next(tnsr_reader *r, tnsr_member_info *info);
/* The current member's tensor: a view over the mapping when possible (zero-copy),
 * otherwise a native-endian copy.  Fortran order gives a strided view. */
tnsr_status tnsr_reader_load(tnsr_reader *r, tnsr_tensor **out);
/* Streams the current member's data in storage order, native-endian, in bounded
 * memory: up to N bytes into BUF, *GOT == 0 at the end of the member's data. */
tnsr_status tnsr_reader_read_data(tnsr_reader *r, void *buf, size_t n, size_t *got);
void tnsr_reader_close(tnsr_reader *r);
const char *tnsr_reader_name(const tnsr_reader *r);

/* A tensor over member INFO of the file PATH ("-": the file standard input is redirected
 * from) through a writable shared mapping: what is stored in it reaches the file, as with
 * np.load(mmap_mode='r+').  The member must be mappable (native order, aligned) and in C
 * order; TNSR_E_VALUE saying why not otherwise. */
tnsr_status tnsr_map_writable(const char *path, const tnsr_member_info *info, tnsr_tensor **out);
/* Checks the current member's stored checksums, reading its data (tinfo --verify; a
 * stream is read through, which consumes the member).
 * TNSR_OK when they match; TNSR_E_UNSUPPORTED when the format stores none;
 * TNSR_E_FORMAT naming the member when they differ. */
tnsr_status tnsr_reader_verify(tnsr_reader *r);

/* Moves R to the member named NAME (a container's member; for .npz also with its
 * ".npy"), describing it in INFO.  TNSR_E_VALUE naming the members when there is none. */
tnsr_status tnsr_reader_find(tnsr_reader *r, const char *name, tnsr_member_info *info);

/* Loads the only (first) tensor of PATH. */
tnsr_status tnsr_load(const char *path, tnsr_tensor **out);
/* Writes T to PATH (NULL or "-": stdout) in FORMAT (NULL: from the extension of PATH,
 * .npy for stdout).  Atomic for files. */
tnsr_status tnsr_save(const char *path, const char *format, const tnsr_tensor *t);
/* Typed key/value pairs stored with a .tnsr file (provenance: creator, source, seed);
 * safetensors' __metadata__ reads back as strings.
 * A pair holds one value (IS_ARRAY false, COUNT 1) or a flat array of COUNT values of
 * one type at VALUES: bool[], int64_t[], double[] or const char *[] (NUL-terminated
 * UTF-8).  No nesting.  Keys are UTF-8, 1..255 bytes, unique within a file. */
typedef enum tnsr_meta_type {
	TNSR_META_BOOL = 1, TNSR_META_I64 = 2, TNSR_META_F64 = 3, TNSR_META_STRING = 4
} tnsr_meta_type;
typedef struct tnsr_meta {
	const char *key;
	tnsr_meta_type type;
	bool is_array;
	size_t count;
	const void *values;
} tnsr_meta;

/* The key/value pairs of the file the current member belongs to: *ITEMS gets N of them
 * (N 0 and *ITEMS NULL for a file without any, and for formats that store none).  They
 * belong to R and stay valid until R moves to the next file of a stream or closes. */
tnsr_status tnsr_reader_metadata(tnsr_reader *r, const tnsr_meta **items, size_t *n);

/* How containers and conversions are written. */
typedef struct tnsr_write_options {
	int compress;  /* deflate level 1..9, 0 stored, -1 the format's default */
	char order;    /* 'C' (default) or 'F': the layout a format with an order flag gets */
	/* Zero-initialised means the defaults: */
	size_t alignment;          /* .tnsr: tensor data alignment, a power of two 64..65536; 0: 64 */
	/* .tnsr stores these typed; .safetensors as __metadata__ strings (non-strings as
	 * their JSON text); other formats ignore them. */
	const tnsr_meta *metadata; /* NMETADATA key/value pairs to store; NULL: none */
	size_t nmetadata;
} tnsr_write_options;

/* Writes N named tensors (NAMES unique) to PATH (NULL or "-": stdout) as one container
 * in FORMAT (NULL: from the extension).  Atomic for files.  OPTIONS NULL: defaults. */
tnsr_status tnsr_save_many(const char *path, const char *format, tnsr_tensor *const *tensors,
			   const char *const *names, int n, const tnsr_write_options *options);

/* Writes T to an open sink in FORMAT ("npy", ...; NULL: by the sink's file name, .npy
 * for stdout). */
tnsr_status tnsr_write(tnsr_sink *sink, const char *format, const tnsr_tensor *t);

/* Streaming writes: the header of a C-order DTYPE tensor of SHAPE in FORMAT (NULL: from
 * the sink's name, .npy for stdout), then its little-endian data in any number of
 * pieces; end checks that exactly the promised bytes came and frees W (commit the sink
 * after).  For results computed chunk by chunk, in bounded memory. */
typedef struct tnsr_writer tnsr_writer;
tnsr_status tnsr_writer_begin(tnsr_sink *sink, const char *format, tnsr_dtype dtype, int ndim,
			      const int64_t *shape, tnsr_writer **out);
tnsr_status tnsr_writer_data(tnsr_writer *w, const void *data, size_t nbytes);
tnsr_status tnsr_writer_end(tnsr_writer *w);
/* Frees W after a failure (abort the sink too).  NULL is a no-op. */
void tnsr_writer_abort(tnsr_writer *w);

/* .npy specifics, for tests and other codecs (.npz members). */
/* Parses the header dict text (after the length field) of a version-VERSION file into
 * INFO's format, dtype, byteorder, ndim, shape, fortran_order and nbytes (other fields
 * untouched; INFO untouched on failure).  TNSR_E_FORMAT with "header: ..." otherwise:
 * the caller prefixes the file name. */
tnsr_status tnsr_npy_parse_header(const char *text, size_t len, int version, tnsr_member_info *info);
/* Formats the header NumPy 1.24 writes for an array of that dtype, shape and order
 * (magic, version, length, dict, padding) into a malloc'd buffer; *LEN gets its size
 * (a multiple of 64).  TNSR_E_DTYPE for bf16, which NumPy lacks. */
tnsr_status tnsr_npy_format_header(tnsr_dtype dtype, int ndim, const int64_t *shape, bool fortran_order,
				   char **out, size_t *len);

/* ---------------------------------------------------------------- type promotion */

/* torch.promote_types(A, B).  u16/u32/u64, which PyTorch 1.13 lacks, promote among
 * integers as in NumPy (u16 + i8 -> i32, u64 + i64 -> f64) and to the floating dtype
 * with floats, as every PyTorch integer does (u64 + f16 -> f16). */
tnsr_dtype tnsr_promote_types(tnsr_dtype a, tnsr_dtype b);
/* torch.result_type over N operands: tensors with dims outrank 0-d tensors, which outrank
 * wrapped scalars (t->wrapped), each class counting only when of a higher kind
 * (bool < integer < floating < complex): i64[3] + 2.5 -> f32, u8 + i8 -> i16,
 * f32[3] + f64 0-d -> f32, i32[3] + f64 0-d -> f64.  A complex operand of a lower class
 * keeps a floating result's width (f64[3] + 1j -> c128); f16 with complex gives c64
 * (PyTorch's complex32, which tnsr lacks).  N == 0 gives f32. */
tnsr_dtype tnsr_result_type(int n, const tnsr_tensor *const *operands);
/* A 0-d wrapped-scalar tensor for a number literal: ints i64, floats f64, True/False
 * bool, complex c128 (PyTorch's wrapped number types). */
tnsr_status tnsr_tensor_scalar(tnsr_dtype dtype, double re, double im, tnsr_tensor **out);
tnsr_status tnsr_tensor_scalar_i64(int64_t value, tnsr_tensor **out);

/* Broadcasts NDIM_A/SHAPE_A with NDIM_B/SHAPE_B as NumPy does; TNSR_E_SHAPE naming both
 * shapes and the dim: "shapes (3, 4) and (5,) cannot broadcast: 4 != 5 at dim -1". */
tnsr_status tnsr_broadcast_shapes(int ndim_a, const int64_t *shape_a, int ndim_b, const int64_t *shape_b,
				  int *ndim, int64_t *shape);

/* ---------------------------------------------------------------- ops */

/* One row per op in a table (libtnsr/op_table.c): the CLI, its help, the expression
 * language and autodiff are all driven from it. */
typedef enum tnsr_op_group {
	TNSR_GROUP_UNARY, TNSR_GROUP_BINARY, TNSR_GROUP_LINALG, TNSR_GROUP_REDUCE, TNSR_GROUP_NN,
	TNSR_GROUP_SHAPE, TNSR_GROUP_INDEX, TNSR_GROUP_JOIN, TNSR_GROUP_DTYPE, TNSR_GROUP_CHECK,
	TNSR_GROUP_COUNT
} tnsr_op_group;

/* The attributes an op accepts (bits of tnsr_op.attrs). */
enum {
	TNSR_ATTR_DIM = 1u << 0,        /* --dim D[,D...] (reductions, cat, softmax ...) */
	TNSR_ATTR_KEEPDIM = 1u << 1,    /* --keepdim */
	TNSR_ATTR_CORRECTION = 1u << 2, /* --correction C */
	TNSR_ATTR_ORD = 1u << 3,        /* --ord P */
	TNSR_ATTR_MINMAX = 1u << 4,     /* --min A --max B */
	TNSR_ATTR_BIAS = 1u << 5,       /* --bias FILE: an optional tensor operand */
	TNSR_ATTR_FLATTEN = 1u << 6,    /* --start-dim A --end-dim B */
	TNSR_ATTR_TOL = 1u << 7,        /* --rtol R --atol A --equal-nan */
	TNSR_ATTR_SHAPE = 1u << 8,      /* positional shape: reshape S, expand S */
	TNSR_ATTR_DIMS = 1u << 9,       /* positional dims: transpose [D0 D1], permute D... */
	TNSR_ATTR_SLICE = 1u << 10,     /* positional spec: slice '[1:, ::2]' */
	TNSR_ATTR_DTYPE = 1u << 11,     /* positional dtype: cast D */
	TNSR_ATTR_DIM_REQUIRED = 1u << 12, /* --dim must be given (softmax, unsqueeze) */
	TNSR_ATTR_ONE_DIM = 1u << 13,   /* --dim takes a single dim */
};

typedef struct tnsr_op_args {
	int dims[TNSR_MAX_DIMS];        /* --dim list, or transpose/permute dims */
	int ndims;                      /* 0: not given */
	bool keepdim;
	double correction;              /* default 1 */
	double ord;                     /* default 2 */
	bool has_min, has_max;
	double min, max;
	int start_dim, end_dim;         /* defaults 0, -1 */
	double rtol, atol;              /* defaults 1e-5, 1e-8 */
	bool equal_nan;
	int shape_ndim;
	int64_t shape[TNSR_MAX_DIMS];
	int nslice;
	tnsr_slice_item slice[2 * TNSR_MAX_DIMS];
	tnsr_dtype dtype;
} tnsr_op_args;

/* Defaults for every attribute (correction 1, ord 2, rtol 1e-5, atol 1e-8, end_dim -1). */
tnsr_op_args tnsr_op_args_default(void);

typedef struct tnsr_op tnsr_op;
typedef tnsr_status (*tnsr_op_fn)(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
				  tnsr_tensor **out);
/* A backward rule: given the op's inputs IN, its result OUT and the gradient GRAD of the
 * result, stores in GRAD_IN[k] the gradient for each input k with NEEDS[k] set (others
 * stay NULL), each of its input's shape.  Written in terms of other ops (tnsr_op_apply),
 * so any device that runs the ops runs the gradients. */
typedef tnsr_status (*tnsr_backward_fn)(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_tensor *out,
					const tnsr_tensor *grad, const tnsr_op_args *args, const bool *needs,
					tnsr_tensor **grad_in);
struct tnsr_ew_desc;     /* elementwise kernels and dtype rule (libtnsr/cpu/) */
struct tnsr_reduce_desc; /* a reduction's accumulator (libtnsr/cpu/reduce.c) */

struct tnsr_op {
	const char *name;       /* "add" */
	const char *alias;      /* "view" for reshape; NULL */
	tnsr_op_group group;
	int min_inputs, max_inputs; /* tensor operands; max -1 = any number (cat, stack) */
	unsigned attrs;         /* TNSR_ATTR_* it accepts */
	const char *usage;      /* operands as the CLI takes them: "A B", "A --dim D" */
	const char *summary;    /* one line: what it computes, with its PyTorch name */
	tnsr_op_fn run;         /* the CPU implementation on whole tensors */
	const struct tnsr_ew_desc *ew;         /* elementwise ops: chunk kernels (streamable) */
	const struct tnsr_reduce_desc *reduce; /* reductions: streamed accumulation */
	tnsr_backward_fn backward; /* the backward rule (tgrad); NULL when not differentiable */
};

/* Every op, in help order, terminated by a row whose name is NULL. */
extern const tnsr_op tnsr_ops[];
/* The op named NAME (or aliased); NULL if none. */
const tnsr_op *tnsr_op_find(const char *name);
/* The op name nearest to NAME by edit distance (for "did you mean ...?"), or NULL. */
const char *tnsr_op_suggest(const char *name);
const char *tnsr_op_group_name(tnsr_op_group group);
/* Runs OP on N inputs after checking their number; the message starts with the op's name. */
tnsr_status tnsr_op_apply(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			  tnsr_tensor **out);

/* ---------------------------------------------------------------- evaluation */

/* One op of a chain ("tops OP ... then OP ...").  The running value (the chain's input,
 * then each step's result) is operand RUNNING; OPERANDS holds all NIN operands, with
 * NULL at RUNNING.  The tensors are borrowed. */
typedef struct tnsr_step {
	const tnsr_op *op;
	tnsr_op_args args;
	int nin;
	int running;
	tnsr_tensor **operands;
} tnsr_step;

/* Where a chain's result goes: written to SINK in FORMAT (NULL: by the sink's name), or
 * into the existing tensor INTO (same shape and dtype: an in-place update), or returned
 * in *RESULT.  Exactly one of the three. */
typedef struct tnsr_chain_output {
	tnsr_sink *sink;
	const char *format;
	tnsr_tensor *into;
	tnsr_tensor **result;
} tnsr_chain_output;

/* Runs STEPS over the current member of INPUT (or over INPUT_TENSOR when INPUT is NULL).
 * Runs of elementwise steps, and a reduction ending them, go chunk by chunk in one pass:
 * a pipe or a mapped file of any size is processed in bounded memory, and written out
 * as it is computed when the run ends the chain.  Other ops see whole tensors. */
tnsr_status tnsr_chain_run(const tnsr_step *steps, int n, tnsr_reader *input, tnsr_tensor *input_tensor,
			   const tnsr_chain_output *out);

/* ---------------------------------------------------------------- expressions and autodiff */

/* A graph of ops over named inputs and constants (libtnsr/graph.h has the node layout).
 * Nodes are appended after their inputs, so their order is a topological order. */
typedef struct tnsr_graph tnsr_graph;

tnsr_graph *tnsr_graph_new(void);
void tnsr_graph_free(tnsr_graph *g);
/* A leaf named NAME (bound later with tnsr_graph_bind); the same name gives the same node. */
int tnsr_graph_input(tnsr_graph *g, const char *name);
/* A constant leaf; takes over the caller's reference to T. */
int tnsr_graph_constant(tnsr_graph *g, tnsr_tensor *t);
/* OP applied to the nodes INPUTS (N of them) with ARGS (NULL: the defaults); the new
 * node's index, or -1 (error set: TNSR_E_USAGE for an operand count the op does not take). */
int tnsr_graph_op(tnsr_graph *g, const tnsr_op *op, const int *inputs, int n, const tnsr_op_args *args);
/* Binds input NAME to T (a new reference is taken); TNSR_E_VALUE naming the nearest input
 * when the expression has no such name.  T NULL only checks the name (binds nothing). */
tnsr_status tnsr_graph_bind(tnsr_graph *g, const char *name, tnsr_tensor *t);
/* The value of NODE (computing what it needs; values are kept for backward).  *OUT is
 * a new reference. */
tnsr_status tnsr_graph_eval(tnsr_graph *g, int node, tnsr_tensor **out);
/* Reverse-mode gradients of NODE with respect to the inputs named WRT[0..N-1]: GRADS[i]
 * gets a new tensor of that input's shape.  GRAD_OUTPUT seeds the backward pass; NULL is
 * allowed only for a 0-d NODE (PyTorch: "grad can be implicitly created only for scalar
 * outputs").  Branches that cannot reach a WRT input are pruned; a gradient asked through
 * an op that has none, or for an integer input, is an error naming the op. */
tnsr_status tnsr_graph_backward(tnsr_graph *g, int node, const tnsr_tensor *grad_output, const char *const *wrt,
				int n, tnsr_tensor **grads);

/* Forward evaluation in bounded memory where the ops allow.  NODE is a chain when every
 * op on the way from one named input (the root) to NODE takes the previous value as one
 * operand and only leaves (other inputs, constants) as the others, and the root is used
 * once: sum(relu(x * 2 - b)).  tnsr_graph_chain_input gives the root's name, or NULL
 * when NODE is not a chain.  tnsr_graph_run_chain hands the chain to tnsr_chain_run,
 * which streams its elementwise runs and a reduction ending them: the root's value comes
 * from INPUT (a reader on its member, consumed) or, with INPUT NULL, from its binding; the
 * other inputs must be bound.  The result goes to OUT; no value is kept (no backward).
 * TNSR_E_UNSUPPORTED when NODE is not a chain. */
const char *tnsr_graph_chain_input(const tnsr_graph *g, int node);
tnsr_status tnsr_graph_run_chain(tnsr_graph *g, int node, tnsr_reader *input, const tnsr_chain_output *out);

/* Parses EXPR (Python/PyTorch syntax: + - * / ** @, unary minus, .T .mT, indexing,
 * f(a, ...) and a.f(...) for every op of the table, keyword arguments) into G and returns
 * its output node in *OUT.  On a syntax error or an unknown name, TNSR_E_USAGE with the
 * message and *ERROR_COLUMN (0-based byte offset in EXPR) of the offending token.
 * Syntax errors read "syntax error: expected ')' to close '(' at column 5" (columns in
 * messages count from 1); unknown ops "unknown op 'sine' (did you mean sin?)".  Number
 * literals become wrapped scalars, arithmetic on numbers alone is folded as Python does
 * it, and allclose/equal give a 0-d bool.  *ERROR_COLUMN (may be NULL) is -1 on success
 * and for errors without a position; after a failure G may hold unused nodes. */
tnsr_status tnsr_expr_parse(const char *expr, tnsr_graph *g, int *out, int *error_column);

/* ---------------------------------------------------------------- printing */

typedef enum tnsr_print_style { TNSR_STYLE_TORCH = 0, TNSR_STYLE_NUMPY = 1 } tnsr_print_style;

typedef struct tnsr_print_options {
	tnsr_print_style style;
	int precision;   /* digits after the point: 4 (torch) or 8 (numpy) by default */
	int64_t threshold; /* summarize above this many elements: 1000 */
	int edgeitems;   /* items shown at each end of a summarized dim: 3 */
	int linewidth;   /* 80 (torch) or 75 (numpy) */
	bool full;       /* never summarize */
} tnsr_print_options;

/* Defaults for STYLE: what torch.set_printoptions / np.set_printoptions start with. */
tnsr_print_options tnsr_print_defaults(tnsr_print_style style);
/* Writes repr(T) as PyTorch or NumPy prints it, without a final newline.  OPT NULL
 * means the torch defaults.  Any strides; only the elements shown are read, so the
 * summary of a huge mapped tensor touches a few pages.  Fails, before writing anything,
 * with TNSR_E_VALUE for an option out of range (precision 0..100, threshold >= 0,
 * edgeitems >= 1, linewidth >= 1); with TNSR_E_PIPE when F's reader went away and
 * TNSR_E_IO on another write error.  bf16 in NumPy style prints dtype=bfloat16, u16-u64
 * in torch style dtype=torch.uint16.. (dtypes the other library lacks). */
tnsr_status tnsr_repr(FILE *f, const tnsr_tensor *t, const tnsr_print_options *opt);

/* ---------------------------------------------------------------- random */

/* A counter-based generator (Philox4x32-10): element I of a tensor drawn with SEED is
 * a pure function of (SEED, I), so results are identical for every thread count and
 * machine.  COUNTER is the index given to the next element drawn: a fill of N elements
 * uses COUNTER .. COUNTER+N-1 and then advances it by N, so filling a tensor in pieces,
 * one after another, gives the same values as filling it at once. */
typedef struct tnsr_rng { uint64_t seed; uint64_t counter; } tnsr_rng;

/* The Philox4x32-10 block function (Salmon et al., SC'11): OUT = bijection of CTR under KEY. */
void tnsr_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

tnsr_rng tnsr_rng_new(uint64_t seed);
/* A seed from the operating system's entropy. */
uint64_t tnsr_rng_entropy_seed(void);
/* Fills T (contiguous, floating or complex) from U[lo, hi) or N(mean, std).  Bounds are
 * checked as PyTorch's uniform_/normal_ check them (lo <= hi, both finite in T's dtype,
 * std >= 0): TNSR_E_VALUE otherwise; TNSR_E_DTYPE for a dtype that is not floating.
 * Uniform values are < hi after rounding to T's dtype (unless lo == hi).  Complex:
 * real and imaginary parts are drawn independently, each normal part with std/sqrt(2). */
tnsr_status tnsr_fill_uniform(tnsr_rng *rng, tnsr_tensor *t, double lo, double hi);
tnsr_status tnsr_fill_normal(tnsr_rng *rng, tnsr_tensor *t, double mean, double std);
/* Fills T (contiguous, any real dtype) with integers uniform in [lo, hi), unbiased.
 * lo < hi, and both within what T's dtype holds exactly: TNSR_E_VALUE otherwise. */
tnsr_status tnsr_fill_randint(tnsr_rng *rng, tnsr_tensor *t, int64_t lo, int64_t hi);

#ifdef __cplusplus
}
#endif
#endif
