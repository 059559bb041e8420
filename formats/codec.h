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
	/* Parses the next member's header from SRC, leaving SRC at its first data byte, and
	 * fills INFO (offset: the data's byte offset when SRC is mapped, else -1).  Returns
	 * TNSR_END when SRC ends before the first byte of a further member. */
	tnsr_status (*next)(tnsr_source *src, tnsr_member_info *info);
	/* Writes T (any strides, any dtype the format supports) to SINK. */
	tnsr_status (*write)(tnsr_sink *sink, const tnsr_tensor *t);
	/* Streaming writes: the header of a C-order tensor, its little-endian data to follow
	 * as raw bytes (tnsr_writer in io.c counts them); NULL if the format cannot. */
	tnsr_status (*write_header)(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape);
} tnsr_codec;

/* Every codec, NULL-terminated (formats/registry.c). */
extern const tnsr_codec *const tnsr_codecs[];

/* The codec for FORMAT ("npy", ".npy"), or for PATH's extension; .npy for standard
 * output (PATH NULL or "-").  TNSR_E_USAGE naming the known formats otherwise. */
tnsr_status tnsr_codec_pick(const char *path, const char *format, const tnsr_codec **out);

/* The codec whose name or extension (".npy") is NAME; NULL if none. */
const tnsr_codec *tnsr_codec_find(const char *name);

extern const tnsr_codec tnsr_codec_npy;

#endif
