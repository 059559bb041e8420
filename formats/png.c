/* png.c: PNG images as u8 (or u16, 16-bit) tensors: H x W grey, H x W x 2 grey+alpha,
 * H x W x 3 RGB, H x W x 4 RGBA.  Both directions, through zlib; chunks, CRCs,
 * filters and Adam7 are done here (the PNG specification, ISO/IEC 15948). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "codec.h"
#include "raw.h"

static const unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

enum {
	MAX_SIDE = 1 << 24,             /* pixels a side we accept (the spec allows 2^31-1) */
	IN_BUFFER = 1 << 16,            /* compressed bytes read at a time */
	IDAT_SIZE = 1 << 16,            /* compressed bytes per IDAT chunk written */
	MAX_CHUNK = 0x7fffffff,         /* the spec's limit on a chunk's length */
};
#define MAX_DECODED ((uint64_t)1 << 32) /* decoded bytes we accept: H x W x C x sample */

enum { GREY = 0, RGB = 2, PALETTE = 3, GREY_ALPHA = 4, RGBA = 6 };

/* Each colour type: the samples a pixel has in the file, the channels it gets in the
 * tensor (palette: 3, or 4 with a tRNS chunk), and the bit depths the spec allows. */
static const struct color_type {
	int type, samples, channels;
	unsigned depths; /* bit d set: depth d allowed */
	const char *name;
} color_types[] = {
	{GREY, 1, 1, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8 | 1u << 16, "grey"},
	{RGB, 3, 3, 1u << 8 | 1u << 16, "RGB"},
	{PALETTE, 1, 3, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 8, "palette"},
	{GREY_ALPHA, 2, 2, 1u << 8 | 1u << 16, "grey+alpha"},
	{RGBA, 4, 4, 1u << 8 | 1u << 16, "RGBA"},
};

/* Adam7: where each pass starts and how far apart its pixels lie. */
static const struct { int x0, y0, dx, dy; } adam7[7] = {
	{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2},
};

static uint32_t be32(const unsigned char *b) { return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]; }

static void put_be32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

/* Paeth's predictor: whichever of left, up, upper-left is closest to left + up - upper-left. */
static unsigned char paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	return (unsigned char)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
}

/* ---------------------------------------------------------------- reading */

typedef struct png_reader {
	const char *name;
	uint32_t width, height;
	int depth, interlace;
	const struct color_type *ct;
	int channels;                /* in the tensor */
	size_t sample;               /* bytes per sample in the tensor: 1 or 2 */
	unsigned char palette[256][4];
	int npalette;
	/* Compressed input: the IDAT chunk being read. */
	uint32_t chunk_left, crc;
	bool no_more_idat;
	char next_type[5];           /* the chunk after the last IDAT, its header read */
	uint32_t next_len;
	z_stream z;
	bool z_ready, z_end;
	unsigned char in[IN_BUFFER];
	/* Rows: filtered bytes in, one decoded tensor row out. */
	size_t bpp;                  /* bytes per complete pixel, at least 1 (filters' "left") */
	unsigned char *cur, *prev;   /* 1 + rowbytes each */
	unsigned char *out;          /* one tensor row (width x channels x sample) */
	size_t out_len, out_pos;
	uint32_t row;                /* rows decoded (non-interlaced) */
	unsigned char *image;        /* interlaced: the whole decoded image */
	uint64_t image_len, image_pos;
	bool finished;               /* IEND reached */
} png_reader;

/* TNSR_E_FORMAT with "NAME: " and the formatted message. */
static tnsr_status fail(const png_reader *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static tnsr_status fail(const png_reader *p, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return tnsr_error(TNSR_E_FORMAT, "%s: %s", p->name, msg);
}

static tnsr_status read_exact(tnsr_source *src, png_reader *p, void *buf, size_t n, const char *where)
{
	size_t got;
	tnsr_status st = tnsr_source_read(src, buf, n, &got);
	if (st)
		return st;
	if (got < n)
		return fail(p, "truncated: the input ends inside %s (%lld of %lld bytes)", where, (long long)got, (long long)n);
	return TNSR_OK;
}

/* Reads a chunk's length and type; checks the length against the spec and the file. */
static tnsr_status chunk_header(tnsr_source *src, png_reader *p, uint32_t *len, char type[5])
{
	unsigned char h[8];
	tnsr_status st = read_exact(src, p, h, 8, "a chunk header");
	if (st)
		return st;
	*len = be32(h);
	memcpy(type, h + 4, 4);
	type[4] = 0;
	for (int i = 0; i < 4; i++)
		if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= 'a' && type[i] <= 'z')))
			return fail(p, "chunk type byte 0x%02x at offset %llu is not a letter: not a PNG chunk",
				    (unsigned char)type[i], (unsigned long long)tnsr_source_pos(src) - 4 + (unsigned)i);
	if (*len > MAX_CHUNK)
		return fail(p, "chunk '%s': length %lu is over the limit of %d bytes", type, (unsigned long)*len, MAX_CHUNK);
	if (tnsr_source_is_mapped(src)) {
		uint64_t left = tnsr_source_size(src) - tnsr_source_pos(src);
		if ((uint64_t)*len + 4 > left)
			return fail(p, "truncated: chunk '%s' needs %lld bytes but only %lld follow", type, (long long)*len + 4,
				    (long long)left);
	}
	p->crc = (uint32_t)crc32(crc32(0, NULL, 0), h + 4, 4);
	return TNSR_OK;
}

/* Reads N bytes of the current chunk's data, adding them to its CRC. */
static tnsr_status chunk_data(tnsr_source *src, png_reader *p, void *buf, size_t n, const char *type)
{
	tnsr_status st = read_exact(src, p, buf, n, type);
	if (!st)
		p->crc = (uint32_t)crc32(p->crc, buf, (uInt)n);
	return st;
}

/* Reads the chunk's stored CRC and compares it with the running one. */
static tnsr_status chunk_crc(tnsr_source *src, png_reader *p, const char *type)
{
	unsigned char b[4];
	tnsr_status st = read_exact(src, p, b, 4, "a chunk CRC");
	if (st)
		return st;
	if (be32(b) != p->crc) {
		char msg[64];
		snprintf(msg, sizeof msg, "%08lx, computed %08lx", (unsigned long)be32(b), (unsigned long)p->crc);
		return tnsr_error(TNSR_E_FORMAT, "%s: chunk '%s': CRC mismatch (stored %s): the file is corrupt", p->name,
				  type, msg);
	}
	return TNSR_OK;
}

/* Skips a chunk's data (LEN bytes), checking its CRC. */
static tnsr_status skip_chunk(tnsr_source *src, png_reader *p, uint32_t len, const char *type)
{
	unsigned char buf[4096];
	for (uint32_t done = 0, n; done < len; done += n) {
		n = len - done < sizeof buf ? len - done : (uint32_t)sizeof buf;
		tnsr_status st = chunk_data(src, p, buf, n, type);
		if (st)
			return st;
	}
	return chunk_crc(src, p, type);
}

static bool critical(const char *type) { return type[0] >= 'A' && type[0] <= 'Z'; }

static tnsr_status parse_ihdr(png_reader *p, const unsigned char *b)
{
	p->width = be32(b);
	p->height = be32(b + 4);
	p->depth = b[8];
	p->interlace = b[12];
	for (size_t i = 0; i < sizeof color_types / sizeof *color_types; i++)
		if (color_types[i].type == b[9])
			p->ct = &color_types[i];
	if (!p->ct)
		return fail(p, "IHDR: colour type %u (expected 0, 2, 3, 4 or 6)", b[9]);
	if (p->depth > 16 || !(p->ct->depths >> p->depth & 1))
		return fail(p, "IHDR: bit depth %d is not allowed for %s images", p->depth, p->ct->name);
	if (b[10] != 0 || b[11] != 0)
		return fail(p, "IHDR: compression method %u, filter method %u (expected 0 and 0)", b[10], b[11]);
	if (p->interlace > 1)
		return fail(p, "IHDR: interlace method %d (expected 0, none, or 1, Adam7)", p->interlace);
	if (p->width == 0 || p->height == 0 || p->width > MAX_SIDE || p->height > MAX_SIDE)
		return fail(p, "IHDR: width %lu, height %lu (expected 1 to %d pixels a side)", (unsigned long)p->width,
			    (unsigned long)p->height, MAX_SIDE);
	p->channels = p->ct->channels;
	p->sample = p->depth == 16 ? 2 : 1;
	uint64_t bits = (uint64_t)p->ct->samples * (uint64_t)p->depth;
	p->bpp = bits < 8 ? 1 : (size_t)(bits / 8);
	return TNSR_OK;
}

/* The tensor's shape and size; checked against MAX_DECODED. */
static tnsr_status describe(png_reader *p, tnsr_member_info *info)
{
	info->format = "png";
	info->dtype = p->sample == 2 ? TNSR_U16 : TNSR_U8;
	info->byteorder = p->sample == 2 ? '<' : '|';
	info->ndim = p->channels == 1 ? 2 : 3;
	info->shape[0] = p->height;
	info->shape[1] = p->width;
	info->shape[2] = p->channels;
	info->nbytes = (uint64_t)p->height * p->width * (uint64_t)p->channels * p->sample;
	if (info->nbytes > MAX_DECODED)
		return fail(p, "IHDR: a %lu x %lu image decodes to more than 4 GiB (refused)", (unsigned long)p->height,
			    (unsigned long)p->width);
	info->mappable = false;
	snprintf(info->why_not_mappable, sizeof info->why_not_mappable, "PNG pixel data is deflate-compressed");
	return TNSR_OK;
}

/* Reads the chunks that precede the image data (IHDR, PLTE, tRNS, ancillary ones)
 * and stops inside the first IDAT, ready to inflate. */
static tnsr_status read_header(tnsr_source *src, png_reader *p, tnsr_member_info *info)
{
	unsigned char sig[8], ihdr[13];
	uint32_t len;
	char type[5];
	tnsr_status st = read_exact(src, p, sig, 8, "the signature");
	if (st)
		return st;
	if (memcmp(sig, png_signature, 8) != 0)
		return fail(p, "not a PNG file: bad signature (expected 89 50 4e 47 0d 0a 1a 0a)");
	if ((st = chunk_header(src, p, &len, type)))
		return st;
	if (strcmp(type, "IHDR") != 0 || len != 13)
		return fail(p, "the first chunk is '%s' of %lu bytes (expected IHDR of 13)", type, (unsigned long)len);
	if ((st = chunk_data(src, p, ihdr, 13, "IHDR")) || (st = chunk_crc(src, p, "IHDR")) ||
	    (st = parse_ihdr(p, ihdr)))
		return st;
	bool have_trns = false;
	for (;;) {
		if ((st = chunk_header(src, p, &len, type)))
			return st;
		if (strcmp(type, "IDAT") == 0)
			break;
		if (strcmp(type, "IEND") == 0)
			return fail(p, "no image data: IEND comes before any IDAT chunk");
		if (strcmp(type, "PLTE") == 0 && p->ct->type == PALETTE) {
			unsigned char pal[768];
			if (len % 3 || len == 0 || len > 768)
				return fail(p, "PLTE: %lu bytes (expected 3 x 1..256 entries)", (unsigned long)len);
			if ((st = chunk_data(src, p, pal, len, "PLTE")) || (st = chunk_crc(src, p, "PLTE")))
				return st;
			p->npalette = (int)(len / 3);
			for (int i = 0; i < p->npalette; i++) {
				memcpy(p->palette[i], pal + 3 * i, 3);
				p->palette[i][3] = 255;
			}
		} else if (strcmp(type, "tRNS") == 0 && p->ct->type == PALETTE) {
			unsigned char alpha[256];
			if (len > 256 || (int)len > p->npalette)
				return fail(p, "tRNS: %lu entries for a palette of %d", (unsigned long)len, p->npalette);
			if ((st = chunk_data(src, p, alpha, len, "tRNS")) || (st = chunk_crc(src, p, "tRNS")))
				return st;
			for (uint32_t i = 0; i < len; i++)
				p->palette[i][3] = alpha[i];
			have_trns = true;
		} else if (critical(type) && strcmp(type, "PLTE") != 0) {
			return fail(p, "unknown critical chunk '%s' (this reader knows IHDR, PLTE, IDAT, IEND)", type);
		} else if ((st = skip_chunk(src, p, len, type))) {
			/* Ancillary chunks (gAMA, tEXt, pHYs ...) and tRNS/PLTE of non-palette
			 * images carry nothing a tensor keeps. */
			return st;
		}
	}
	if (p->ct->type == PALETTE && p->npalette == 0)
		return fail(p, "palette image without a PLTE chunk before its IDAT");
	if (have_trns)
		p->channels = 4;
	if ((p->chunk_left = len) == 0 && (st = chunk_crc(src, p, "IDAT")))
		return st;
	return describe(p, info);
}

/* Makes compressed input available: the rest of this IDAT, or the next IDAT chunk. */
static tnsr_status fill_input(tnsr_source *src, png_reader *p)
{
	tnsr_status st;
	while (p->chunk_left == 0) {
		uint32_t len;
		char type[5];
		if (p->no_more_idat)
			return TNSR_END;
		if ((st = chunk_header(src, p, &len, type)))
			return st;
		if (strcmp(type, "IDAT") != 0) {
			p->no_more_idat = true;
			/* The trailer reader continues from this chunk. */
			memcpy(p->next_type, type, 5);
			p->next_len = len;
			return TNSR_END;
		}
		if ((p->chunk_left = len) == 0 && (st = chunk_crc(src, p, "IDAT")))
			return st;
	}
	uint32_t n = p->chunk_left < IN_BUFFER ? p->chunk_left : IN_BUFFER;
	if ((st = chunk_data(src, p, p->in, n, "IDAT")))
		return st;
	/* A chunk's CRC is checked before its last bytes are inflated: a corrupt chunk
	 * (of up to 64 KiB, as writers make them) reads as one, not as a zlib error. */
	if ((p->chunk_left -= n) == 0 && (st = chunk_crc(src, p, "IDAT")))
		return st;
	p->z.next_in = p->in;
	p->z.avail_in = n;
	return TNSR_OK;
}

/* Inflates exactly N bytes into DST. */
static tnsr_status inflate_exact(tnsr_source *src, png_reader *p, unsigned char *dst, size_t n, uint64_t done,
				 uint64_t total)
{
	p->z.next_out = dst;
	p->z.avail_out = (uInt)n;
	while (p->z.avail_out) {
		if (p->z.avail_in == 0) {
			tnsr_status st = fill_input(src, p);
			if (st == TNSR_END)
				return fail(p, "image data ends early: %llu of %llu decoded bytes (missing IDAT data)",
					    (unsigned long long)(done + n - p->z.avail_out), (unsigned long long)total);
			if (st)
				return st;
		}
		int z = inflate(&p->z, Z_NO_FLUSH);
		if (z == Z_STREAM_END && p->z.avail_out)
			return fail(p, "zlib stream ends after %llu of %llu decoded bytes",
				    (unsigned long long)(done + n - p->z.avail_out), (unsigned long long)total);
		if (z == Z_STREAM_END)
			p->z_end = true;
		else if (z != Z_OK && z != Z_BUF_ERROR)
			return tnsr_error(TNSR_E_FORMAT, "%s: IDAT: zlib stream corrupt: %s", p->name,
					  p->z.msg ? p->z.msg : "inflate failed");
	}
	return TNSR_OK;
}

/* Undoes filter CUR[0] on CUR[1..N] given the previous row PREV[1..N] (zeros at a
 * pass's first row). */
static tnsr_status unfilter(png_reader *p, unsigned char *cur, const unsigned char *prev, size_t n, uint32_t row)
{
	unsigned char *x = cur + 1;
	const unsigned char *b = prev + 1;
	size_t bpp = p->bpp;
	switch (cur[0]) {
	case 0: break;
	case 1: for (size_t i = bpp; i < n; i++) x[i] = (unsigned char)(x[i] + x[i - bpp]); break;
	case 2: for (size_t i = 0; i < n; i++) x[i] = (unsigned char)(x[i] + b[i]); break;
	case 3:
		for (size_t i = 0; i < n; i++)
			x[i] = (unsigned char)(x[i] + ((i >= bpp ? x[i - bpp] : 0) + b[i]) / 2);
		break;
	case 4:
		for (size_t i = 0; i < n; i++)
			x[i] = (unsigned char)(x[i] + (i >= bpp ? paeth(x[i - bpp], b[i], b[i - bpp]) : b[i]));
		break;
	default: return fail(p, "row %lu: filter type %u (expected 0 to 4)", (unsigned long)row, cur[0]);
	}
	return TNSR_OK;
}

/* Expands the unfiltered row RAW of W pixels to tensor pixels in OUT; pixel i goes to
 * OUT + i * STRIDE bytes.  Sub-byte grey is scaled to 0..255 (libpng's expansion);
 * palette indices become RGB or RGBA; 16-bit samples become little-endian. */
static tnsr_status expand_row(png_reader *p, const unsigned char *raw, uint32_t w, unsigned char *out, size_t stride)
{
	int d = p->depth, c = p->channels;
	for (uint32_t i = 0; i < w; i++, out += stride) {
		if (d == 16) {
			for (int k = 0; k < c; k++) {
				const unsigned char *s = raw + ((size_t)i * c + k) * 2;
				out[2 * k] = s[1];
				out[2 * k + 1] = s[0];
			}
		} else if (d == 8 && p->ct->type != PALETTE) {
			memcpy(out, raw + (size_t)i * c, (size_t)c);
		} else {
			size_t bit = (size_t)i * (size_t)d;
			unsigned v = (unsigned)(raw[bit / 8] >> (8 - d - bit % 8)) & ((1u << d) - 1);
			if (p->ct->type != PALETTE) {
				out[0] = (unsigned char)(v * 255 / ((1u << d) - 1));
			} else if ((int)v >= p->npalette) {
				return fail(p, "palette index %u out of range (the palette has %d entries)", v, p->npalette);
			} else {
				memcpy(out, p->palette[v], (size_t)c);
			}
		}
	}
	return TNSR_OK;
}

static size_t row_bytes(const png_reader *p, uint32_t w)
{
	return ((size_t)w * (size_t)p->ct->samples * (size_t)p->depth + 7) / 8;
}

/* Decodes the next row of a non-interlaced image into p->out. */
static tnsr_status next_row(tnsr_source *src, png_reader *p)
{
	size_t n = row_bytes(p, p->width);
	uint64_t total = (uint64_t)p->height * (1 + n);
	tnsr_status st = inflate_exact(src, p, p->cur, 1 + n, p->row * (uint64_t)(1 + n), total);
	if (st || (st = unfilter(p, p->cur, p->prev, n, p->row)) ||
	    (st = expand_row(p, p->cur + 1, p->width, p->out, (size_t)p->channels * p->sample)))
		return st;
	unsigned char *t = p->prev;
	p->prev = p->cur;
	p->cur = t;
	p->row++;
	p->out_pos = 0;
	return TNSR_OK;
}

/* Decodes all seven passes of an interlaced image into p->image. */
static tnsr_status decode_interlaced(tnsr_source *src, png_reader *p)
{
	size_t pixel = (size_t)p->channels * p->sample, full = row_bytes(p, p->width);
	uint64_t done = 0, total = 0;
	if (!(p->image = malloc(p->image_len ? p->image_len : 1)))
		return tnsr_error(TNSR_E_NOMEM, "%s: out of memory for a %llu-byte image", p->name,
				  (unsigned long long)p->image_len);
	for (int k = 0; k < 7; k++) {
		uint32_t w = p->width > (uint32_t)adam7[k].x0 ? (p->width - adam7[k].x0 + adam7[k].dx - 1) / adam7[k].dx : 0;
		uint32_t h = p->height > (uint32_t)adam7[k].y0 ? (p->height - adam7[k].y0 + adam7[k].dy - 1) / adam7[k].dy : 0;
		if (w && h)
			total += (uint64_t)h * (1 + row_bytes(p, w));
	}
	for (int k = 0; k < 7; k++) {
		uint32_t w = p->width > (uint32_t)adam7[k].x0 ? (p->width - adam7[k].x0 + adam7[k].dx - 1) / adam7[k].dx : 0;
		uint32_t h = p->height > (uint32_t)adam7[k].y0 ? (p->height - adam7[k].y0 + adam7[k].dy - 1) / adam7[k].dy : 0;
		if (!w || !h)
			continue;
		size_t n = row_bytes(p, w);
		memset(p->prev, 0, 1 + full);
		for (uint32_t r = 0; r < h; r++) {
			tnsr_status st = inflate_exact(src, p, p->cur, 1 + n, done, total);
			size_t y = (size_t)adam7[k].y0 + (size_t)r * adam7[k].dy;
			unsigned char *out = p->image + (y * p->width + (size_t)adam7[k].x0) * pixel;
			if (st || (st = unfilter(p, p->cur, p->prev, n, (uint32_t)y)) ||
			    (st = expand_row(p, p->cur + 1, w, out, pixel * (size_t)adam7[k].dx)))
				return st;
			done += 1 + n;
			unsigned char *t = p->prev;
			p->prev = p->cur;
			p->cur = t;
		}
	}
	return TNSR_OK;
}

/* After the last row: the zlib stream must end (its Adler-32 checked) without more
 * data, then the chunks up to IEND are read and checked. */
static tnsr_status read_trailer(tnsr_source *src, png_reader *p)
{
	unsigned char extra[64];
	tnsr_status st;
	while (!p->z_end) {
		p->z.next_out = extra;
		p->z.avail_out = sizeof extra;
		if (p->z.avail_in == 0 && (st = fill_input(src, p)))
			return st == TNSR_END ? fail(p, "zlib stream does not end after the image data") : st;
		int z = inflate(&p->z, Z_NO_FLUSH);
		if (p->z.avail_out != sizeof extra)
			return fail(p, "zlib stream holds more than the %llu bytes of a %lu-row image",
				    (unsigned long long)p->height * (1 + row_bytes(p, p->width)), (unsigned long)p->height);
		if (z == Z_STREAM_END)
			p->z_end = true;
		else if (z != Z_OK && z != Z_BUF_ERROR)
			return tnsr_error(TNSR_E_FORMAT, "%s: IDAT: zlib stream corrupt: %s", p->name,
					  p->z.msg ? p->z.msg : "inflate failed");
	}
	/* Compressed bytes after the stream's end are ignored, as libpng does. */
	while (!p->no_more_idat) {
		p->z.avail_in = 0;
		if ((st = fill_input(src, p)) && st != TNSR_END)
			return st;
	}
	char type[5];
	uint32_t len;
	memcpy(type, p->next_type, 5);
	len = p->next_len;
	for (;;) {
		if (strcmp(type, "IEND") == 0) {
			if (len != 0)
				return fail(p, "IEND chunk of %lu bytes (expected 0)", (unsigned long)len);
			p->finished = true;
			return chunk_crc(src, p, "IEND");
		}
		if (strcmp(type, "IDAT") == 0 || (critical(type) && strcmp(type, "PLTE") != 0))
			return fail(p, "chunk '%s' after the image data (expected IEND)", type);
		if ((st = skip_chunk(src, p, len, type)) || (st = chunk_header(src, p, &len, type)))
			return st;
	}
}

static void png_close(void *state)
{
	png_reader *p = state;
	if (!p)
		return;
	if (p->z_ready)
		inflateEnd(&p->z);
	free(p->cur);
	free(p->prev);
	free(p->out);
	free(p->image);
	free(p);
}

static bool png_probe(const unsigned char *head, size_t n)
{
	return n > 0 && memcmp(head, png_signature, n < 8 ? n : 8) == 0;
}

static tnsr_status png_next(tnsr_source *src, void **state, tnsr_member_info *info)
{
	if (*state)
		return TNSR_END; /* one image per file */
	png_reader *p = calloc(1, sizeof *p);
	if (!p)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	*state = p; /* freed by close, whatever happens */
	p->name = tnsr_source_name(src);
	tnsr_status st = read_header(src, p, info);
	if (st)
		return st;
	size_t full = row_bytes(p, p->width);
	p->out_len = (size_t)p->width * (size_t)p->channels * p->sample;
	p->out_pos = p->out_len;
	p->image_len = info->nbytes;
	if (!(p->cur = calloc(1, full + 1)) || !(p->prev = calloc(1, full + 1)) || !(p->out = malloc(p->out_len)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	if (inflateInit(&p->z) != Z_OK)
		return tnsr_error(TNSR_E_NOMEM, "%s: zlib: cannot start inflating", p->name);
	p->z_ready = true;
	return TNSR_OK;
}

static tnsr_status png_read(tnsr_source *src, void *state, void *buf, size_t n, size_t *got)
{
	png_reader *p = state;
	tnsr_status st;
	size_t done = 0;
	if (p->interlace && !p->image) {
		if ((st = decode_interlaced(src, p)) || (st = read_trailer(src, p)))
			return st;
	}
	while (done < n) {
		if (p->interlace) {
			size_t k = (size_t)(p->image_len - p->image_pos) < n - done ? (size_t)(p->image_len - p->image_pos) : n - done;
			memcpy((char *)buf + done, p->image + p->image_pos, k);
			p->image_pos += k;
			done += k;
			break;
		}
		if (p->out_pos == p->out_len) {
			if (p->row == p->height)
				break;
			if ((st = next_row(src, p)))
				return st;
			if (p->row == p->height && (st = read_trailer(src, p)))
				return st;
		}
		size_t k = p->out_len - p->out_pos < n - done ? p->out_len - p->out_pos : n - done;
		memcpy((char *)buf + done, p->out + p->out_pos, k);
		p->out_pos += k;
		done += k;
	}
	*got = done;
	return TNSR_OK;
}

/* tinfo --verify on a mapped file: decode the whole image afresh from the start (every
 * chunk's CRC, the zlib stream's Adler-32, the sizes), leaving STATE and the position
 * as they were.  A stream is verified by reading it through png_read. */
static tnsr_status png_verify(tnsr_source *src, void *state, const tnsr_member_info *info)
{
	uint64_t pos = tnsr_source_pos(src);
	void *fresh = NULL;
	tnsr_member_info scratch_info = {0};
	char buf[1 << 14];
	size_t got = 0;
	tnsr_status st = tnsr_source_seek(src, 0);
	if (!st)
		st = png_next(src, &fresh, &scratch_info);
	while (!st && (st = png_read(src, fresh, buf, sizeof buf, &got)) == TNSR_OK && got)
		;
	png_close(fresh);
	tnsr_status back = tnsr_source_seek(src, pos);
	return st ? st : back;
}

/* ---------------------------------------------------------------- writing */

/* A row-by-row encoder: rows arrive as tensor bytes (tnsr_writer may split them
 * anywhere), are filtered, deflated and cut into IDAT chunks. */
typedef struct png_writer {
	tnsr_sink *sink;
	uint32_t width, height, rows;
	size_t sample, bpp, rowbytes;  /* rowbytes: width x channels x sample */
	unsigned char *row;            /* the row being gathered, tensor bytes */
	size_t have;
	unsigned char *raw, *prev;     /* file bytes (big-endian samples) of this and the last row */
	unsigned char *try[5];         /* the row under each filter: type byte + rowbytes */
	z_stream z;
	bool z_ready;
	unsigned char out[IDAT_SIZE];
} png_writer;

static tnsr_status write_chunk(tnsr_sink *sink, const char *type, const unsigned char *data, size_t n)
{
	unsigned char head[8], tail[4];
	put_be32(head, (uint32_t)n);
	memcpy(head + 4, type, 4);
	uLong crc = crc32(crc32(0, NULL, 0), head + 4, 4);
	if (n)
		crc = crc32(crc, data, (uInt)n);
	put_be32(tail, (uint32_t)crc);
	tnsr_status st = tnsr_sink_write(sink, head, 8);
	if (!st && n)
		st = tnsr_sink_write(sink, data, n);
	return st ? st : tnsr_sink_write(sink, tail, 4);
}

/* Deflates what is in z.next_in (FLUSH: Z_NO_FLUSH or Z_FINISH), writing full IDATs. */
static tnsr_status deflate_some(png_writer *w, int flush)
{
	for (;;) {
		int z = deflate(&w->z, flush);
		if (z == Z_STREAM_ERROR)
			return tnsr_error(TNSR_E_VALUE, "%s: zlib: deflate failed", tnsr_sink_name(w->sink));
		if (w->z.avail_out == 0 || (z == Z_STREAM_END && w->z.avail_out < IDAT_SIZE)) {
			tnsr_status st = write_chunk(w->sink, "IDAT", w->out, IDAT_SIZE - w->z.avail_out);
			if (st)
				return st;
			w->z.next_out = w->out;
			w->z.avail_out = IDAT_SIZE;
		}
		if (z == Z_STREAM_END || (flush == Z_NO_FLUSH && w->z.avail_in == 0 && w->z.avail_out))
			return TNSR_OK;
	}
}

/* libpng's default choice: the filter whose output bytes, read as signed, have the
 * least sum of absolute values. */
static unsigned char *filter_row(png_writer *w)
{
	const unsigned char *x = w->raw, *b = w->prev;
	size_t n = w->rowbytes, bpp = w->bpp;
	unsigned char *best = NULL;
	uint64_t best_sum = UINT64_MAX;
	for (int f = 0; f < 5; f++) {
		unsigned char *o = w->try[f] + 1;
		w->try[f][0] = (unsigned char)f;
		uint64_t sum = 0;
		for (size_t i = 0; i < n; i++) {
			int a = i >= bpp ? x[i - bpp] : 0, c = i >= bpp ? b[i - bpp] : 0;
			int pred = f == 0 ? 0 : f == 1 ? a : f == 2 ? b[i] : f == 3 ? (a + b[i]) / 2 : paeth(a, b[i], c);
			o[i] = (unsigned char)(x[i] - pred);
			sum += o[i] < 128 ? o[i] : 256 - o[i];
		}
		if (sum < best_sum) {
			best_sum = sum;
			best = w->try[f];
		}
	}
	return best;
}

static tnsr_status encode_row(png_writer *w)
{
	if (w->sample == 2) {
		for (size_t i = 0; i < w->rowbytes; i += 2) { /* little-endian u16 to the file's big-endian */
			w->raw[i] = w->row[i + 1];
			w->raw[i + 1] = w->row[i];
		}
	} else {
		memcpy(w->raw, w->row, w->rowbytes);
	}
	w->z.next_in = filter_row(w);
	w->z.avail_in = (uInt)(w->rowbytes + 1);
	unsigned char *t = w->prev;
	w->prev = w->raw;
	w->raw = t;
	w->rows++;
	w->have = 0;
	return deflate_some(w, Z_NO_FLUSH);
}

static void free_writer(png_writer *w)
{
	if (w->z_ready)
		deflateEnd(&w->z);
	free(w->row);
	free(w->raw);
	free(w->prev);
	for (int f = 0; f < 5; f++)
		free(w->try[f]);
	free(w);
}

static tnsr_status png_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	static const int type_of_channels[5] = {0, GREY, GREY_ALPHA, RGB, RGBA};
	char s[96];
	if (dtype != TNSR_U8 && dtype != TNSR_U16)
		return tnsr_error(TNSR_E_DTYPE, "%s: png holds u8 images (or u16, 16-bit), not %s (--dtype u8 casts)",
				  tnsr_sink_name(sink), tnsr_dtype_name(dtype));
	int64_t c = ndim == 2 ? 1 : ndim == 3 ? shape[2] : 0;
	if (ndim != 2 && !(ndim == 3 && c >= 2 && c <= 4))
		return tnsr_error(TNSR_E_SHAPE, "%s: png: shape %s is not an image (expected H x W grey, H x W x 2 "
					  "grey+alpha, H x W x 3 RGB or H x W x 4 RGBA)", tnsr_sink_name(sink),
					  tnsr_shape_format(ndim, shape, s, sizeof s));
	if (shape[0] < 1 || shape[1] < 1 || shape[0] > 0x7fffffff || shape[1] > 0x7fffffff)
		return tnsr_error(TNSR_E_SHAPE, "%s: png: a %lld x %lld image (expected 1 to 2^31-1 pixels a side)",
				  tnsr_sink_name(sink), (long long)shape[0], (long long)shape[1]);
	png_writer *w = calloc(1, sizeof *w);
	if (!w)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	w->sink = sink;
	w->width = (uint32_t)shape[1];
	w->height = (uint32_t)shape[0];
	w->sample = tnsr_dtype_size(dtype);
	w->bpp = (size_t)c * w->sample;
	if (__builtin_mul_overflow((size_t)w->width, w->bpp, &w->rowbytes) || w->rowbytes > 0x7ffffff0) {
		free(w);
		return tnsr_error(TNSR_E_SHAPE, "%s: png: rows of %lld pixels are too long", tnsr_sink_name(sink),
				  (long long)shape[1]);
	}
	bool ok = (w->row = malloc(w->rowbytes)) && (w->raw = malloc(w->rowbytes)) && (w->prev = calloc(1, w->rowbytes));
	for (int f = 0; f < 5 && ok; f++)
		ok = (w->try[f] = malloc(w->rowbytes + 1)) != NULL;
	if (!ok || deflateInit(&w->z, Z_DEFAULT_COMPRESSION) != Z_OK) {
		free_writer(w);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	w->z_ready = true;
	w->z.next_out = w->out;
	w->z.avail_out = IDAT_SIZE;
	unsigned char ihdr[13] = {0};
	put_be32(ihdr, w->width);
	put_be32(ihdr + 4, w->height);
	ihdr[8] = (unsigned char)(8 * w->sample);
	ihdr[9] = (unsigned char)type_of_channels[c];
	tnsr_status st = tnsr_sink_write(sink, png_signature, 8);
	if (!st)
		st = write_chunk(sink, "IHDR", ihdr, 13);
	if (st) {
		free_writer(w);
		return st;
	}
	*state = w;
	return TNSR_OK;
}

static tnsr_status png_stream_data(tnsr_sink *sink, void *state, const void *data, size_t n)
{
	png_writer *w = state;
	const unsigned char *p = data;
	while (n) {
		size_t k = w->rowbytes - w->have < n ? w->rowbytes - w->have : n;
		memcpy(w->row + w->have, p, k);
		w->have += k;
		p += k;
		n -= k;
		if (w->have == w->rowbytes) {
			tnsr_status st = encode_row(w);
			if (st)
				return st;
		}
	}
	return TNSR_OK;
}

static tnsr_status png_stream_end(tnsr_sink *sink, void *state, bool failed)
{
	png_writer *w = state;
	tnsr_status st = TNSR_OK;
	if (!failed) {
		w->z.next_in = NULL;
		w->z.avail_in = 0;
		st = deflate_some(w, Z_FINISH);
		if (!st)
			st = write_chunk(sink, "IEND", NULL, 0);
	}
	free_writer(w);
	return st;
}

static tnsr_status walk_piece(void *w, const void *data, size_t n) { return png_stream_data(NULL, w, data, n); }

static tnsr_status png_write(tnsr_sink *sink, const tnsr_tensor *t)
{
	void *w;
	tnsr_status st = png_stream_begin(sink, t->dtype, t->ndim, t->shape, &w);
	if (st)
		return st;
	st = tnsr_raw_walk(t, walk_piece, w);
	tnsr_status end = png_stream_end(sink, w, st != TNSR_OK);
	return st ? st : end;
}

const tnsr_codec tnsr_codec_png = {
	.name = "png",
	.extension = ".png",
	.probe = png_probe,
	.next = png_next,
	.read = png_read,
	.close = png_close,
	.verify = png_verify,
	.write = png_write,
	.stream_begin = png_stream_begin,
	.stream_data = png_stream_data,
	.stream_end = png_stream_end,
	.owns_end = true, /* one image per file; next says so */
};
