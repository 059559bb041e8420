/* pgm.c: netpbm greymaps as H x W tensors.  Binary P5 holds u8 (maxval < 256) or
 * big-endian u16 samples right after a short text header, so a file is mapped
 * zero-copy; plain P2 (decimal text) is parsed.  Writing gives P5.  Samples are taken
 * as stored, not rescaled by maxval. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "raw.h"

enum { MAX_SIDE = 0x7fffffff, WINDOW = 4096 };

/* A byte scanner over the source that never reads past what it consumed (a P5 image's
 * data, or the next image of a multi-image file, starts right after). */
typedef struct scanner {
	tnsr_source *src;
	unsigned char buf[WINDOW];
	size_t n, pos;
	bool eof;
} scanner;

static tnsr_status sync_scanner(scanner *s)
{
	tnsr_status st = s->pos ? tnsr_source_skip(s->src, s->pos) : TNSR_OK;
	s->n = s->pos = 0;
	return st;
}

/* The next byte, or -1 at the end of input. */
static int next_byte(scanner *s, tnsr_status *st)
{
	if (s->pos == s->n) {
		if (s->eof || (*st = sync_scanner(s)) || (*st = tnsr_source_peek(s->src, s->buf, WINDOW, &s->n)))
			return -1;
		s->eof = s->n == 0;
		if (s->eof)
			return -1;
	}
	return s->buf[s->pos++];
}

static bool is_space(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

/* Reads a decimal number after whitespace and '#' comments; consumes the one byte that
 * ends it.  WHAT names it for messages. */
static tnsr_status read_number(scanner *s, const char *what, uint64_t max, uint64_t *out)
{
	tnsr_status st = TNSR_OK;
	int c;
	for (;;) {
		c = next_byte(s, &st);
		if (c == '#')
			while (c != '\n' && c != '\r' && c >= 0)
				c = next_byte(s, &st);
		else if (!is_space(c))
			break;
	}
	if (st)
		return st;
	const char *name = tnsr_source_name(s->src);
	if (c < 0)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: the input ends before the %s", name, what);
	if (c < '0' || c > '9')
		return tnsr_error(TNSR_E_FORMAT, "%s: %s: '%c' is not a digit (expected a decimal number)", name, what,
				  c >= 0x20 && c < 0x7f ? c : '?');
	uint64_t v = 0;
	for (; c >= '0' && c <= '9'; c = next_byte(s, &st)) {
		v = v * 10 + (uint64_t)(c - '0');
		if (v > max)
			return tnsr_error(TNSR_E_FORMAT, "%s: %s is over %llu", name, what, (unsigned long long)max);
	}
	if (st)
		return st;
	if (c >= 0 && !is_space(c))
		return tnsr_error(TNSR_E_FORMAT, "%s: %s: '%c' after the number (expected whitespace)", name, what,
				  c >= 0x20 && c < 0x7f ? c : '?');
	*out = v;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- reading */

/* The image of a file (the first of a multi-image file: the rest are ignored); a P2
 * image's parsed samples are served by pgm_read from where it stopped. */
typedef struct pgm_state {
	unsigned char *data;  /* P2 only */
	size_t nbytes, done;
} pgm_state;

static bool pgm_probe(const unsigned char *head, size_t n)
{
	return n > 0 && head[0] == 'P' && (n < 2 || head[1] == '5' || head[1] == '2') && (n < 3 || is_space(head[2]));
}

static void pgm_close(void *state)
{
	pgm_state *p = state;
	if (p)
		free(p->data);
	free(p);
}

/* The W x H decimal samples of a P2 image, each at most MAXVAL. */
static tnsr_status parse_plain(scanner *s, pgm_state *p, size_t count, size_t sample, uint64_t maxval)
{
	char what[64];
	for (size_t i = 0; i < count; i++) {
		uint64_t v;
		snprintf(what, sizeof what, "sample %zu of %zu", i + 1, count);
		tnsr_status st = read_number(s, what, maxval, &v);
		if (st)
			return st;
		if (sample == 1) {
			p->data[i] = (unsigned char)v;
		} else {
			uint16_t x = (uint16_t)v;
			memcpy(p->data + 2 * i, &x, 2);
		}
	}
	return sync_scanner(s);
}

static tnsr_status pgm_next(tnsr_source *src, void **state, tnsr_member_info *info)
{
	scanner s = {.src = src};
	tnsr_status st = TNSR_OK;
	const char *name = tnsr_source_name(src);
	if (*state)
		return TNSR_END;
	pgm_state *p = *state = calloc(1, sizeof(pgm_state));
	if (!p)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	int c0 = next_byte(&s, &st), c1 = next_byte(&s, &st);
	if (st)
		return st;
	if (c0 < 0)
		return TNSR_END;
	if (c0 != 'P' || (c1 != '5' && c1 != '2'))
		return tnsr_error(TNSR_E_FORMAT, "%s: not a PGM image (expected P5 or P2)", name);
	uint64_t width, height, maxval;
	if ((st = read_number(&s, "width", MAX_SIDE, &width)) || (st = read_number(&s, "height", MAX_SIDE, &height)) ||
	    (st = read_number(&s, "maxval", 65535, &maxval)) || (st = sync_scanner(&s)))
		return st;
	if (width == 0 || height == 0 || maxval == 0)
		return tnsr_error(TNSR_E_FORMAT, "%s: header: width %llu, height %llu, maxval %llu (expected each >= 1)",
				  name, (unsigned long long)width, (unsigned long long)height, (unsigned long long)maxval);
	size_t sample = maxval < 256 ? 1 : 2, nbytes;
	info->format = "pgm";
	info->dtype = sample == 1 ? TNSR_U8 : TNSR_U16;
	info->byteorder = sample == 1 ? '|' : '>';
	info->ndim = 2;
	info->shape[0] = (int64_t)height;
	info->shape[1] = (int64_t)width;
	if ((st = tnsr_shape_size(2, info->shape, sample, NULL, &nbytes)))
		return st;
	info->nbytes = nbytes;
	if (c1 == '5') {
		if (tnsr_source_is_mapped(src)) {
			uint64_t left = tnsr_source_size(src) - tnsr_source_pos(src);
			if (nbytes > left)
				return tnsr_error(TNSR_E_FORMAT, "%s: truncated: a %llu x %llu image needs %zu bytes of samples "
						  "but only %llu follow the header", name, (unsigned long long)height,
						  (unsigned long long)width, nbytes, (unsigned long long)left);
			info->offset = (int64_t)tnsr_source_pos(src);
		}
		return TNSR_OK;
	}
	/* P2: samples in decimal, parsed now; the reader gets them through pgm_read. */
	if (tnsr_source_is_mapped(src) && nbytes / sample > (tnsr_source_size(src) - tnsr_source_pos(src)) / 2 + 1)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: a %llu x %llu image has more samples than the file has "
				  "bytes", name, (unsigned long long)height, (unsigned long long)width);
	if (!(p->data = malloc(nbytes ? nbytes : 1)))
		return tnsr_error(TNSR_E_NOMEM, "%s: out of memory for %zu bytes", name, nbytes);
	p->nbytes = nbytes;
	info->byteorder = sample == 1 ? '|' : '<';
	info->mappable = false;
	snprintf(info->why_not_mappable, sizeof info->why_not_mappable, "plain PGM (P2) samples are decimal text");
	return parse_plain(&s, p, nbytes / sample, sample, maxval);
}

static tnsr_status pgm_read(tnsr_source *src, void *state, void *buf, size_t n, size_t *got)
{
	pgm_state *p = state;
	if (!p->data) /* P5: the stored bytes are the samples */
		return tnsr_source_read(src, buf, n, got);
	size_t k = n < p->nbytes - p->done ? n : p->nbytes - p->done;
	memcpy(buf, p->data + p->done, k);
	p->done += k;
	*got = k;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- writing */

/* Streams samples after the header: u16 goes out big-endian (PGM's order). */
typedef struct pgm_writer {
	size_t sample;
	unsigned char half;   /* the first byte of a u16 split between two pieces */
	bool have_half;
} pgm_writer;

static tnsr_status pgm_stream_begin(tnsr_sink *sink, tnsr_dtype dtype, int ndim, const int64_t *shape, void **state)
{
	char s[96], header[64];
	if (dtype != TNSR_U8 && dtype != TNSR_U16)
		return tnsr_error(TNSR_E_DTYPE, "%s: pgm holds u8 images (or u16), not %s (--dtype u8 casts)",
				  tnsr_sink_name(sink), tnsr_dtype_name(dtype));
	if (ndim != 2 || shape[0] < 1 || shape[1] < 1)
		return tnsr_error(TNSR_E_SHAPE, "%s: pgm: shape %s is not a grey image (expected H x W, each >= 1; "
				  "png holds RGB and RGBA)", tnsr_sink_name(sink), tnsr_shape_format(ndim, shape, s, sizeof s));
	pgm_writer *w = calloc(1, sizeof *w);
	if (!w)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	w->sample = tnsr_dtype_size(dtype);
	int n = snprintf(header, sizeof header, "P5\n%lld %lld\n%d\n", (long long)shape[1], (long long)shape[0],
			 dtype == TNSR_U8 ? 255 : 65535);
	tnsr_status st = tnsr_sink_write(sink, header, (size_t)n);
	if (st) {
		free(w);
		return st;
	}
	*state = w;
	return TNSR_OK;
}

static tnsr_status pgm_stream_data(tnsr_sink *sink, void *state, const void *data, size_t n)
{
	pgm_writer *w = state;
	const unsigned char *p = data;
	if (w->sample == 1)
		return tnsr_sink_write(sink, data, n);
	unsigned char buf[8192];
	size_t used = 0;
	tnsr_status st = TNSR_OK;
	for (size_t i = 0; i < n && !st; i++) {
		if (!w->have_half) {
			w->half = p[i];
			w->have_half = true;
			continue;
		}
		buf[used++] = p[i]; /* little-endian high byte first */
		buf[used++] = w->half;
		w->have_half = false;
		if (used == sizeof buf) {
			st = tnsr_sink_write(sink, buf, used);
			used = 0;
		}
	}
	return st || !used ? st : tnsr_sink_write(sink, buf, used);
}

static tnsr_status pgm_stream_end(tnsr_sink *sink, void *state, bool failed)
{
	free(state);
	return TNSR_OK;
}

typedef struct walk_ctx {
	tnsr_sink *sink;
	void *w;
} walk_ctx;

static tnsr_status walk_piece(void *ctx, const void *data, size_t n)
{
	walk_ctx *c = ctx;
	return pgm_stream_data(c->sink, c->w, data, n);
}

static tnsr_status pgm_write(tnsr_sink *sink, const tnsr_tensor *t)
{
	walk_ctx c = {sink, NULL};
	tnsr_status st = pgm_stream_begin(sink, t->dtype, t->ndim, t->shape, &c.w);
	if (st)
		return st;
	st = tnsr_raw_walk(t, walk_piece, &c);
	pgm_stream_end(sink, c.w, st != TNSR_OK);
	return st;
}

const tnsr_codec tnsr_codec_pgm = {
	.name = "pgm",
	.extension = ".pgm",
	.probe = pgm_probe,
	.next = pgm_next,
	.read = pgm_read,
	.close = pgm_close,
	.write = pgm_write,
	.stream_begin = pgm_stream_begin,
	.stream_data = pgm_stream_data,
	.stream_end = pgm_stream_end,
	.owns_end = true, /* one image per file; next says so */
};
