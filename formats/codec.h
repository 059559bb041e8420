/* codec.h: the interface every file format implements, and the registry of them.
 * A codec parses headers and writes files; loading and streaming the data of a member
 * it described is done once, generically, by libtnsr/reader.c. */
#ifndef TNSR_CODEC_H
#define TNSR_CODEC_H

#include "tnsr.h"

typedef struct tnsr_codec {
	const char *name;      /* "npy" */
	const char *extension; /* ".npy" */
	/* Whether HEAD (the first up to 64 bytes of an input) starts a file of this format. */
	bool (*probe)(const unsigned char *head, size_t n);
	/* Describes the next member in INFO (offset: the byte offset of its stored data when
	 * SRC is mapped, else -1) and leaves a stream at its first stored byte.  STATE is the
	 * codec's own, per input: NULL at the first call, set by the codec if it needs one
	 * (a container's index), freed by close.  TNSR_END when the input holds no further
	 * member.  The reader clears INFO and sets mappable = true before the call; a codec
	 * whose stored bytes are not the raw data (compressed) sets it false with a reason. */
	tnsr_status (*next)(tnsr_source *src, void **state, tnsr_member_info *info);
	/* Optional: the current member's decoded data, N bytes at most into BUF (*GOT 0 at
	 * its end).  NULL when the stored bytes are the data (the reader reads them). */
	tnsr_status (*read)(tnsr_source *src, void *state, void *buf, size_t n, size_t *got);
	/* Optional: frees STATE. */
	void (*close)(void *state);
	/* Writes T (any strides, any dtype the format supports) to SINK. */
	tnsr_status (*write)(tnsr_sink *sink, const tnsr_tensor *t);
	/* Streaming writes of one C-order tensor whose data comes in pieces (tnsr_writer in
	 * io.c): begin writes what precedes the data and may keep STATE (a running
	 * checksum); data writes little-endian bytes; end writes what follows (a trailer)
	 * and frees STATE, also after a failure (FAILED: write nothing more).  NULL begin:
	 * the format cannot stream; NULL data: the reader's bytes go to the sink as they are;
	 * NULL end: nothing follows. */
	tnsr_status (*stream_begin)(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state);
	tnsr_status (*stream_data)(tnsr_sink *sink, void *state, const void *data, size_t n);
	tnsr_status (*stream_end)(tnsr_sink *sink, void *state, bool failed);
	/* Optional: checks the current member's stored checksums (tinfo --verify);
	 * TNSR_E_FORMAT naming the member when they do not match. */
	tnsr_status (*verify)(tnsr_source *src, void *state, const tnsr_member_info *info);
	/* Optional: several named tensors as one container (NAMES unique). */
	tnsr_status (*write_many)(tnsr_sink *sink, tnsr_tensor *const *tensors, const char *const *names, int n,
				  const tnsr_write_options *options);
	/* Optional: the key/value pairs of the file the current member belongs to
	 * (tnsr_reader_metadata); NULL: the format stores none. */
	tnsr_status (*metadata)(void *state, const tnsr_meta **items, size_t *n);
	/* Whether next alone decides where the input ends: the reader then does not probe
	 * the bytes after a member for another record (a container's members are followed
	 * by other data; a format that refuses trailing bytes says so in next). */
	bool owns_end;
} tnsr_codec;

/* Every codec, NULL-terminated (formats/registry.c). */
extern const tnsr_codec *const tnsr_codecs[];

/* The codec for FORMAT ("npy", ".npy"), or for PATH's extension; .npy for standard
 * output (PATH NULL or "-").  TNSR_E_USAGE naming the known formats otherwise. */
tnsr_status tnsr_codec_pick(const char *path, const char *format, const tnsr_codec **out);

/* The codec whose name or extension (".npy") is NAME; NULL if none. */
const tnsr_codec *tnsr_codec_find(const char *name);

extern const tnsr_codec tnsr_codec_npy;
extern const tnsr_codec tnsr_codec_tnsr; /* the native format: formats/tnsr.md */
/* Read only when named (tconvert --from, an extension): no magic bytes to probe. */
extern const tnsr_codec tnsr_codec_csv, tnsr_codec_tsv, tnsr_codec_txt, tnsr_codec_raw;
extern const tnsr_codec tnsr_codec_png, tnsr_codec_pgm;
extern const tnsr_codec tnsr_codec_npz, tnsr_codec_safetensors; /* formats/npz.c, formats/safetensors.c */

#endif
