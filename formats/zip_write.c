/* zip_write.c: writing ZIP archives in one pass, to a file or a pipe.  Deflated members
 * are compressed in 1 MiB chunks on all cores, each chunk primed with the 32 KiB before
 * it (as pigz does), and joined into one ordinary deflate stream; the CRC-32 of the
 * chunks is combined.  Sizes and CRC of such members follow the data (flag bit 3). */
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "zip.h"

enum {
	CHUNK = 1 << 20,        /* bytes compressed by one thread at a time */
	WINDOW = 32768,         /* deflate's dictionary: the bytes before a chunk */
	MAX_CHUNKS = 32,        /* chunks in flight: bounds the memory to ~2 x 32 MiB */
	VERSION_DEFAULT = 20,   /* what extracting a stored or deflated member needs */
	VERSION_ZIP64 = 45,
	MADE_BY_UNIX = 3 << 8,
	DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1, /* 1980-01-01, as zipfile dates a new member */
};
/* Sizes and offsets above this get ZIP64 fields, as Python's zipfile decides: some
 * readers take the 32-bit fields as signed. */
static const uint64_t zip64_limit = 0x7fffffff;

typedef struct record {
	char *name;
	uint64_t offset, csize, usize;
	uint32_t crc;
	uint16_t flags, method;
	bool zip64_local;
} record;

struct tnsr_zip_writer {
	tnsr_sink *sink;
	uint64_t pos;           /* bytes written so far */
	record *records;
	size_t n, cap;
	/* The member being written. */
	record cur;
	int level;
	bool has_crc;
	uint64_t received;
	/* Deflate: a batch of chunks waiting, the window before it, and per-chunk output. */
	unsigned char *batch;
	size_t batch_cap, batch_used;
	unsigned char window[WINDOW];
	size_t window_len;
	unsigned char *out[MAX_CHUNKS];
	size_t out_len[MAX_CHUNKS];
	uint32_t out_crc[MAX_CHUNKS];
	size_t out_cap;
};

static unsigned char *put16(unsigned char *p, uint64_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	return p + 2;
}
static unsigned char *put32(unsigned char *p, uint64_t v) { return put16(put16(p, v), v >> 16); }
static unsigned char *put64(unsigned char *p, uint64_t v) { return put32(put32(p, v), v >> 32); }

static tnsr_status emit(tnsr_zip_writer *w, const void *data, size_t n)
{
	const char *p = data;
	while (n) {
		size_t k = n < ((size_t)1 << 30) ? n : (size_t)1 << 30;
		tnsr_status st = tnsr_sink_write(w->sink, p, k);
		if (st)
			return st;
		w->pos += k;
		p += k;
		n -= k;
	}
	return TNSR_OK;
}

tnsr_status tnsr_zip_writer_open(tnsr_sink *sink, tnsr_zip_writer **out)
{
	tnsr_zip_writer *w = calloc(1, sizeof *w);
	if (!w)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	w->sink = sink;
	*out = w;
	return TNSR_OK;
}

/* How many chunks one batch holds: a few per thread. */
static size_t batch_chunks(void)
{
	int threads = 1;
#ifdef _OPENMP
	threads = omp_get_max_threads();
#endif
	size_t n = 2 * (size_t)(threads > 0 ? threads : 1);
	return n < MAX_CHUNKS ? n : MAX_CHUNKS;
}

/* The most a deflate stream of USIZE bytes written in chunks can take. */
static uint64_t deflate_bound(uint64_t usize) { return compressBound((uLong)usize) + (usize / CHUNK + 1) * 16; }

static bool needs_utf8_flag(const char *name)
{
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p >= 0x80)
			return true;
	return false;
}

tnsr_status tnsr_zip_writer_begin(tnsr_zip_writer *w, const char *name, uint64_t usize, int level, bool has_crc,
				  uint32_t crc, unsigned align)
{
	size_t nlen = strlen(name);
	if (nlen > 0xffff)
		return tnsr_error(TNSR_E_VALUE, "%s: member name of %zu bytes is too long for a ZIP archive (at most 65535)",
				  tnsr_sink_name(w->sink), nlen);
	if (level < 0 || level > 9)
		return tnsr_error(TNSR_E_VALUE, "%s: compression level %d (expected 0, stored, or 1..9)",
				  tnsr_sink_name(w->sink), level);
	record *r = &w->cur;
	memset(r, 0, sizeof *r);
	if (!(r->name = strdup(name)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	bool descriptor = level > 0 || !has_crc;
	r->offset = w->pos;
	r->usize = usize;
	r->crc = has_crc ? crc : 0;
	r->method = level ? TNSR_ZIP_DEFLATED : TNSR_ZIP_STORED;
	r->flags = (uint16_t)((descriptor ? TNSR_ZIP_FLAG_DESCRIPTOR : 0) | (needs_utf8_flag(name) ? TNSR_ZIP_FLAG_UTF8 : 0));
	r->zip64_local = (level ? deflate_bound(usize) : usize) > zip64_limit;
	w->level = level;
	w->has_crc = has_crc && !level;
	w->received = 0;
	w->batch_used = 0;
	w->window_len = 0;
	if (level && !w->batch) {
		w->batch_cap = batch_chunks() * CHUNK;
		w->out_cap = compressBound(CHUNK) + 64;
		if (!(w->batch = malloc(w->batch_cap)))
			return tnsr_error(TNSR_E_NOMEM, "out of memory");
		for (size_t i = 0; i < w->batch_cap / CHUNK; i++)
			if (!(w->out[i] = malloc(w->out_cap)))
				return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	/* Python's layout: with ZIP64 the 32-bit sizes hold 0xffffffff and the extra holds
	 * the sizes (zeros when a descriptor follows).  A stored member's data is aligned
	 * by padding in an extra field of zipalign's kind (0xd935: the alignment, then
	 * zeros), which readers skip. */
	unsigned char h[30 + 20 + 6 + 256], *p = h;
	uint64_t size32 = descriptor ? 0 : usize;
	size_t xlen = r->zip64_local ? 20 : 0, pad = 0;
	if (!level && align > 1 && align <= 256 && (align & (align - 1)) == 0) {
		uint64_t data = w->pos + 30 + nlen + xlen + 6;
		pad = 6 + (size_t)((align - data % align) % align);
	}
	p = put32(p, 0x04034b50);
	p = put16(p, r->zip64_local ? VERSION_ZIP64 : VERSION_DEFAULT);
	p = put16(p, r->flags);
	p = put16(p, r->method);
	p = put16(p, 0);
	p = put16(p, DOS_DATE_1980);
	p = put32(p, r->crc);
	p = put32(p, r->zip64_local ? 0xffffffffu : size32);
	p = put32(p, r->zip64_local ? 0xffffffffu : size32);
	p = put16(p, nlen);
	p = put16(p, xlen + pad);
	tnsr_status st = emit(w, h, 30);
	if (!st)
		st = emit(w, name, nlen);
	p = h;
	if (r->zip64_local)
		p = put64(put64(put16(put16(p, 0x0001), 16), size32), size32);
	if (pad) {
		p = put16(put16(put16(p, 0xd935), pad - 4), align);
		memset(p, 0, pad - 6);
		p += pad - 6;
	}
	if (!st && p > h)
		st = emit(w, h, (size_t)(p - h));
	return st;
}

/* Compresses the batch (FINAL: and ends the deflate stream) and writes it out. */
static tnsr_status compress_batch(tnsr_zip_writer *w, bool final)
{
	size_t k = (w->batch_used + CHUNK - 1) / CHUNK;
	if (final && k == 0)
		k = 1;
	int failed = 0;
	/* Chunk I is primed with the WINDOW bytes before it, so the output is the same as
	 * one deflate stream would give, short of the matches that cross a chunk start. */
#pragma omp parallel for schedule(dynamic, 1) if (k > 1)
	for (size_t i = 0; i < k; i++) {
		const unsigned char *in = w->batch + i * CHUNK;
		size_t len = w->batch_used - i * CHUNK < CHUNK ? w->batch_used - i * CHUNK : CHUNK;
		bool last = final && i == k - 1;
		z_stream s;
		memset(&s, 0, sizeof s);
		int ok = deflateInit2(&s, w->level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
		if (ok && (i > 0 || w->window_len))
			ok = deflateSetDictionary(&s, i ? in - WINDOW : w->window, i ? WINDOW : (uInt)w->window_len) == Z_OK;
		if (ok) {
			s.next_in = (unsigned char *)in;
			s.avail_in = (uInt)len;
			s.next_out = w->out[i];
			s.avail_out = (uInt)w->out_cap;
			int ret = deflate(&s, last ? Z_FINISH : Z_SYNC_FLUSH);
			ok = last ? ret == Z_STREAM_END : ret == Z_OK && s.avail_in == 0 && s.avail_out > 0;
			w->out_len[i] = w->out_cap - s.avail_out;
			w->out_crc[i] = (uint32_t)crc32_z(0, in, len);
			deflateEnd(&s);
		}
		if (!ok) {
#pragma omp atomic write
			failed = 1;
		}
	}
	if (failed)
		return tnsr_error(TNSR_E_NOMEM, "%s: member '%s': deflate failed (out of memory?)", tnsr_sink_name(w->sink),
				  w->cur.name);
	for (size_t i = 0; i < k; i++) {
		size_t len = w->batch_used - i * CHUNK < CHUNK ? w->batch_used - i * CHUNK : CHUNK;
		tnsr_status st = emit(w, w->out[i], w->out_len[i]);
		if (st)
			return st;
		w->cur.crc = (uint32_t)crc32_combine(w->cur.crc, w->out_crc[i], (z_off_t)len);
		w->cur.csize += w->out_len[i];
	}
	/* The window of the next batch: the last WINDOW bytes seen so far. */
	if (w->batch_used >= WINDOW) {
		memcpy(w->window, w->batch + w->batch_used - WINDOW, WINDOW);
		w->window_len = WINDOW;
	} else {
		size_t keep = w->window_len + w->batch_used > WINDOW ? WINDOW - w->batch_used : w->window_len;
		memmove(w->window, w->window + w->window_len - keep, keep);
		memcpy(w->window + keep, w->batch, w->batch_used);
		w->window_len = keep + w->batch_used;
	}
	w->batch_used = 0;
	return TNSR_OK;
}

tnsr_status tnsr_zip_writer_data(tnsr_zip_writer *w, const void *data, size_t n)
{
	if (n > w->cur.usize - w->received)
		return tnsr_error(TNSR_E_VALUE, "%s: member '%s': %llu bytes of data, more than the %llu promised",
				  tnsr_sink_name(w->sink), w->cur.name, (unsigned long long)(w->received + n),
				  (unsigned long long)w->cur.usize);
	w->received += n;
	if (!w->level) {
		if (!w->has_crc)
			w->cur.crc = (uint32_t)crc32_z(w->cur.crc, data, n);
		return emit(w, data, n);
	}
	const unsigned char *p = data;
	while (n) {
		size_t k = w->batch_cap - w->batch_used < n ? w->batch_cap - w->batch_used : n;
		memcpy(w->batch + w->batch_used, p, k);
		w->batch_used += k;
		p += k;
		n -= k;
		tnsr_status st;
		if (w->batch_used == w->batch_cap && (st = compress_batch(w, false)))
			return st;
	}
	return TNSR_OK;
}

tnsr_status tnsr_zip_writer_end(tnsr_zip_writer *w)
{
	record *r = &w->cur;
	tnsr_status st = TNSR_OK;
	if (w->received != r->usize)
		return tnsr_error(TNSR_E_VALUE, "%s: member '%s': %llu bytes of data written, %llu promised",
				  tnsr_sink_name(w->sink), r->name, (unsigned long long)w->received,
				  (unsigned long long)r->usize);
	if (w->level)
		st = compress_batch(w, true);
	else
		r->csize = r->usize;
	if (!st && (r->flags & TNSR_ZIP_FLAG_DESCRIPTOR)) {
		unsigned char d[24], *p = d;
		p = put32(put32(p, 0x08074b50), r->crc);
		p = r->zip64_local ? put64(put64(p, r->csize), r->usize) : put32(put32(p, r->csize), r->usize);
		st = emit(w, d, (size_t)(p - d));
	}
	if (!st && w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		record *grown = realloc(w->records, cap * sizeof *grown);
		if (!grown)
			st = tnsr_error(TNSR_E_NOMEM, "out of memory");
		else {
			w->records = grown;
			w->cap = cap;
		}
	}
	if (st)
		return st;
	w->records[w->n++] = *r;
	memset(r, 0, sizeof *r);
	return TNSR_OK;
}

/* One central directory entry, ZIP64 fields where a value needs them. */
static tnsr_status write_central(tnsr_zip_writer *w, const record *r)
{
	unsigned char h[46 + 28], *p = h, *x;
	bool big_u = r->usize > zip64_limit, big_c = r->csize > zip64_limit, big_o = r->offset > zip64_limit;
	size_t nlen = strlen(r->name), xlen = (big_u || big_c || big_o) ? 4 + 8 * (size_t)(big_u + big_c + big_o) : 0;
	int version = r->zip64_local || xlen ? VERSION_ZIP64 : VERSION_DEFAULT;
	p = put32(p, 0x02014b50);
	p = put16(p, MADE_BY_UNIX | version);
	p = put16(p, version);
	p = put16(p, r->flags);
	p = put16(p, r->method);
	p = put16(p, 0);
	p = put16(p, DOS_DATE_1980);
	p = put32(p, r->crc);
	p = put32(p, big_c ? 0xffffffffu : r->csize);
	p = put32(p, big_u ? 0xffffffffu : r->usize);
	p = put16(p, nlen);
	p = put16(p, xlen);
	p = put16(p, 0);           /* comment */
	p = put16(p, 0);           /* disk */
	p = put16(p, 0);           /* internal attributes */
	p = put32(p, 0600u << 16); /* rw------- as zipfile gives a new member */
	p = put32(p, big_o ? 0xffffffffu : r->offset);
	tnsr_status st = emit(w, h, 46);
	if (!st)
		st = emit(w, r->name, nlen);
	if (st || !xlen)
		return st;
	x = put16(put16(h, 0x0001), xlen - 4);
	if (big_u)
		x = put64(x, r->usize);
	if (big_c)
		x = put64(x, r->csize);
	if (big_o)
		x = put64(x, r->offset);
	return emit(w, h, xlen);
}

static void writer_free(tnsr_zip_writer *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->records[i].name);
	free(w->records);
	free(w->cur.name);
	free(w->batch);
	for (size_t i = 0; i < MAX_CHUNKS; i++)
		free(w->out[i]);
	free(w);
}

tnsr_status tnsr_zip_writer_close(tnsr_zip_writer *w)
{
	tnsr_status st = TNSR_OK;
	uint64_t cd_start = w->pos;
	for (size_t i = 0; i < w->n && !st; i++)
		st = write_central(w, &w->records[i]);
	uint64_t cd_size = w->pos - cd_start, n = w->n;
	unsigned char e[56 + 20 + 22], *p = e;
	if (n > 0xffff || cd_size > zip64_limit || cd_start > zip64_limit) {
		uint64_t record_at = w->pos;
		p = put32(p, 0x06064b50);
		p = put64(p, 44);
		p = put16(p, MADE_BY_UNIX | VERSION_ZIP64);
		p = put16(p, VERSION_ZIP64);
		p = put32(put32(p, 0), 0);
		p = put64(put64(p, n), n);
		p = put64(put64(p, cd_size), cd_start);
		p = put32(p, 0x07064b50);
		p = put32(p, 0);
		p = put64(p, record_at);
		p = put32(p, 1);
	}
	p = put32(p, 0x06054b50);
	p = put16(put16(p, 0), 0);
	p = put16(put16(p, n < 0xffff ? n : 0xffff), n < 0xffff ? n : 0xffff);
	p = put32(p, cd_size < 0xffffffffu ? cd_size : 0xffffffffu);
	p = put32(p, cd_start < 0xffffffffu ? cd_start : 0xffffffffu);
	p = put16(p, 0);
	if (!st)
		st = emit(w, e, (size_t)(p - e));
	writer_free(w);
	return st;
}

void tnsr_zip_writer_abort(tnsr_zip_writer *w)
{
	if (w)
		writer_free(w);
}
