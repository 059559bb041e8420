/* tnsr_encode.h: the .tnsr "shuffle+deflate" storage encoding (tnsr_encode.c), used by
 * the codec's writer and reader: chunks of TNSR_CHUNK decoded bytes, each framed as
 * u32 stored length, u32 CRC-32C of the stored bytes, raw deflate of the shuffled chunk. */
#ifndef TNSR_ENCODE_H
#define TNSR_ENCODE_H

#include "tnsr_layout.h"

enum { TNSR_CHUNK = 1 << 20, TNSR_FRAME_HEAD = 8, TNSR_ENCODING_RAW = 0, TNSR_ENCODING_SHUFFLE_DEFLATE = 1 };

/* Encodes NBYTES of DATA (little-endian elements of ITEMSIZE bytes) at deflate LEVEL
 * (1..9) into frames: *OUT (malloc'd) gets *STORED bytes. */
tnsr_status tnsr_encode_tensor(const void *data, size_t nbytes, size_t itemsize, int level, unsigned char **out,
			       size_t *stored);

/* The most stored bytes a frame of DECODED bytes may have (larger is refused). */
size_t tnsr_frame_bound(size_t decoded);

/* Decodes frames one at a time: the caller reads a frame's stored bytes into
 * tnsr_decoder_buffer (tnsr_frame_bound(TNSR_CHUNK) bytes), then run checks its CRC and
 * inflates exactly DECODED bytes into OUT, unshuffled by ITEMSIZE.  TNSR_E_FORMAT saying
 * what is wrong ("frame decodes to 10 bytes (expected 4096)"); the caller names the tensor. */
typedef struct tnsr_decoder tnsr_decoder;
tnsr_status tnsr_decoder_new(tnsr_decoder **out);
void tnsr_decoder_free(tnsr_decoder *d);
unsigned char *tnsr_decoder_buffer(tnsr_decoder *d);
tnsr_status tnsr_decoder_run(tnsr_decoder *d, size_t len, uint32_t crc, unsigned char *out, size_t decoded,
			     size_t itemsize);

#endif
