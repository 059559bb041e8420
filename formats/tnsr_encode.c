/* tnsr_encode.c: the .tnsr 1.1 storage encoding "shuffle+deflate" (formats/tnsr.md,
 * section 11): a tensor's bytes cut into chunks of TNSR_CHUNK decoded bytes, each
 * byte-shuffled by element size (all first bytes, then all second bytes ...: float
 * exponents line up) and deflated, framed with its stored length and CRC-32C.  The
 * decoded size of every frame is known from the shape: no decompression bomb. */
#include <stdlib.h>
#include <zlib.h>

#include "crc32c.h"
#include "tnsr_encode.h"

/* DST[j*k + i] = SRC[i*size + j] for K elements of SIZE bytes (shuffle), or back. */
static void shuffle(unsigned char *dst, const unsigned char *src, size_t k, size_t size)
{
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < size; j++)
			dst[j * k + i] = src[i * size + j];
}

static void unshuffle(unsigned char *dst, const unsigned char *src, size_t k, size_t size)
{
	for (size_t j = 0; j < size; j++)
		for (size_t i = 0; i < k; i++)
			dst[i * size + j] = src[j * k + i];
}

tnsr_status tnsr_encode_tensor(const void *data, size_t nbytes, size_t itemsize, int level, unsigned char **out,
			       size_t *stored)
{
	z_stream z = {0};
	if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return tnsr_error(TNSR_E_NOMEM, "deflate: cannot start (level %d)", level);
	size_t frames = (nbytes + TNSR_CHUNK - 1) / TNSR_CHUNK;
	size_t bound = deflateBound(&z, TNSR_CHUNK) + TNSR_FRAME_HEAD, cap = frames * bound;
	unsigned char *buf = malloc(cap ? cap : 1), *shuf = malloc(nbytes < TNSR_CHUNK ? (nbytes ? nbytes : 1) : TNSR_CHUNK);
	size_t used = 0;
	tnsr_status st = TNSR_OK;
	if (!buf || !shuf)
		st = tnsr_error(TNSR_E_NOMEM, "out of memory to encode %zu bytes", nbytes);
	for (size_t at = 0; !st && at < nbytes; at += TNSR_CHUNK) {
		size_t n = nbytes - at < TNSR_CHUNK ? nbytes - at : TNSR_CHUNK;
		shuffle(shuf, (const unsigned char *)data + at, n / itemsize, itemsize);
		unsigned char *frame = buf + used;
		deflateReset(&z);
		z.next_in = shuf;
		z.avail_in = (uInt)n;
		z.next_out = frame + TNSR_FRAME_HEAD;
		z.avail_out = (uInt)(cap - used - TNSR_FRAME_HEAD);
		if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
			st = tnsr_error(TNSR_E_NOMEM, "deflate: the output does not fit its bound");
			break;
		}
		uint32_t len = (uint32_t)(z.next_out - frame - TNSR_FRAME_HEAD);
		tnsr_put32(frame, len);
		tnsr_put32(frame + 4, tnsr_crc32c(0, frame + TNSR_FRAME_HEAD, len));
		used += TNSR_FRAME_HEAD + len;
	}
	deflateEnd(&z);
	free(shuf);
	if (st) {
		free(buf);
		return st;
	}
	*out = buf;
	*stored = used;
	return TNSR_OK;
}

struct tnsr_decoder {
	z_stream z;
	unsigned char *zbuf, *shuf; /* one frame's stored bytes; its shuffled decoded bytes */
};

tnsr_status tnsr_decoder_new(tnsr_decoder **out)
{
	tnsr_decoder *d = calloc(1, sizeof *d);
	if (!d || !(d->zbuf = malloc(tnsr_frame_bound(TNSR_CHUNK))) || !(d->shuf = malloc(TNSR_CHUNK)) ||
	    inflateInit2(&d->z, -15) != Z_OK) {
		if (d) {
			free(d->zbuf);
			free(d->shuf);
		}
		free(d);
		return tnsr_error(TNSR_E_NOMEM, "out of memory for a decoder");
	}
	*out = d;
	return TNSR_OK;
}

void tnsr_decoder_free(tnsr_decoder *d)
{
	if (!d)
		return;
	inflateEnd(&d->z);
	free(d->zbuf);
	free(d->shuf);
	free(d);
}

size_t tnsr_frame_bound(size_t decoded) { return compressBound((uLong)decoded); }

unsigned char *tnsr_decoder_buffer(tnsr_decoder *d) { return d->zbuf; }

tnsr_status tnsr_decoder_run(tnsr_decoder *d, size_t len, uint32_t crc, unsigned char *out, size_t decoded,
			     size_t itemsize)
{
	uint32_t got = tnsr_crc32c(0, d->zbuf, len);
	if (got != crc)
		return tnsr_error(TNSR_E_FORMAT, "frame checksum mismatch: stored 0x%08x, computed 0x%08x (the data is corrupted)",
				  crc, got);
	inflateReset(&d->z);
	d->z.next_in = d->zbuf;
	d->z.avail_in = (uInt)len;
	d->z.next_out = d->shuf;
	d->z.avail_out = (uInt)decoded;
	int ret = inflate(&d->z, Z_FINISH);
	size_t made = decoded - d->z.avail_out;
	if (ret == Z_STREAM_END && made == decoded && d->z.avail_in == 0) {
		unshuffle(out, d->shuf, decoded / itemsize, itemsize);
		return TNSR_OK;
	}
	if (ret == Z_STREAM_END && made < decoded)
		return tnsr_error(TNSR_E_FORMAT, "frame decodes to %zu bytes (expected %zu)", made, decoded);
	if (ret == Z_STREAM_END)
		return tnsr_error(TNSR_E_FORMAT, "frame has %u bytes after its deflate stream", d->z.avail_in);
	if (ret == Z_BUF_ERROR && made == decoded)
		return tnsr_error(TNSR_E_FORMAT, "frame decodes to more than %zu bytes", decoded);
	return tnsr_error(TNSR_E_FORMAT, "frame: deflate stream corrupt (%s)", d->z.msg ? d->z.msg : "truncated");
}
