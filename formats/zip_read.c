/* zip_read.c: reading ZIP archives.  A mapped file is read through its central
 * directory (the authoritative index, as Python's zipfile reads it), a pipe through
 * its local headers and data descriptors.  Every offset and size is checked against
 * the file before use; members are decoded in bounded chunks with CRC-32 checked. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "zip.h"

enum {
	EOCD_SIZE = 22,
	EOCD64_SIZE = 56,
	LOCATOR_SIZE = 20,
	CENTRAL_SIZE = 46,
	LOCAL_SIZE = 30,
	MAX_COMMENT = 0xffff,
	IN_CHUNK = 1 << 18,   /* stored bytes fetched per read: 256 KiB */
	PEEK_CHUNK = 4096,    /* a stream member of unknown size: what a source can peek */
	ZIP64_EXTRA = 0x0001,
};

static const unsigned char sig_local[4] = {'P', 'K', 3, 4};
static const unsigned char sig_central[4] = {'P', 'K', 1, 2};
static const unsigned char sig_eocd[4] = {'P', 'K', 5, 6};
static const unsigned char sig_eocd64[4] = {'P', 'K', 6, 6};
static const unsigned char sig_locator[4] = {'P', 'K', 6, 7};
static const unsigned char sig_descriptor[4] = {'P', 'K', 7, 8};

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Mapped SRC: exactly N bytes at POS into BUF (the range was checked by the caller). */
static tnsr_status read_at(tnsr_source *src, uint64_t pos, void *buf, size_t n, const char *what)
{
	size_t got;
	tnsr_status st = tnsr_source_seek(src, pos);
	if (!st)
		st = tnsr_source_read(src, buf, n, &got);
	if (!st && got < n)
		st = tnsr_error(TNSR_E_FORMAT, "%s: truncated: %s at offset %llu needs %zu bytes, the file has %zu",
				tnsr_source_name(src), what, (unsigned long long)pos, n, got);
	return st;
}

/* Whether [POS, POS+N) lies within a file of SIZE bytes (no overflow). */
static bool within(uint64_t pos, uint64_t n, uint64_t size) { return pos <= size && n <= size - pos; }

/* ---------------------------------------------------------------- names */

/* CP437, the code page of names without flag bit 11, for bytes 0x80..0xff. */
static const uint16_t cp437_high[128] = {
	0x00c7, 0x00fc, 0x00e9, 0x00e2, 0x00e4, 0x00e0, 0x00e5, 0x00e7, 0x00ea, 0x00eb, 0x00e8, 0x00ef, 0x00ee,
	0x00ec, 0x00c4, 0x00c5, 0x00c9, 0x00e6, 0x00c6, 0x00f4, 0x00f6, 0x00f2, 0x00fb, 0x00f9, 0x00ff, 0x00d6,
	0x00dc, 0x00a2, 0x00a3, 0x00a5, 0x20a7, 0x0192, 0x00e1, 0x00ed, 0x00f3, 0x00fa, 0x00f1, 0x00d1, 0x00aa,
	0x00ba, 0x00bf, 0x2310, 0x00ac, 0x00bd, 0x00bc, 0x00a1, 0x00ab, 0x00bb, 0x2591, 0x2592, 0x2593, 0x2502,
	0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255d, 0x255c, 0x255b, 0x2510, 0x2514,
	0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0x255e, 0x255f, 0x255a, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550,
	0x256c, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256b, 0x256a, 0x2518, 0x250c,
	0x2588, 0x2584, 0x258c, 0x2590, 0x2580, 0x03b1, 0x00df, 0x0393, 0x03c0, 0x03a3, 0x03c3, 0x00b5, 0x03c4,
	0x03a6, 0x0398, 0x03a9, 0x03b4, 0x221e, 0x03c6, 0x03b5, 0x2229, 0x2261, 0x00b1, 0x2265, 0x2264, 0x2320,
	0x2321, 0x00f7, 0x2248, 0x00b0, 0x2219, 0x00b7, 0x221a, 0x207f, 0x00b2, 0x25a0, 0x00a0,
};

/* The name of N raw bytes as Python's zipfile decodes it: UTF-8 with flag bit 11, else
 * CP437; cut at a NUL as zipfile cuts it.  NULL when out of memory. */
static char *decode_name(const unsigned char *raw, size_t n, uint16_t flags)
{
	char *name = malloc(3 * n + 1), *o = name;
	if (!name)
		return NULL;
	for (size_t i = 0; i < n && raw[i]; i++) {
		unsigned c = raw[i];
		if (c < 0x80 || (flags & TNSR_ZIP_FLAG_UTF8)) {
			*o++ = (char)c;
		} else if ((c = cp437_high[c - 0x80]) < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o = 0;
	return name;
}

/* ---------------------------------------------------------------- ZIP64 extra fields */

/* Replaces the 32-bit fields that hold 0xffffffff (USIZE, CSIZE, OFFSET; NULL when the
 * header has none) by the 64-bit values of the ZIP64 extra field in EXTRA (N bytes).
 * *HAS_ZIP64 says whether there is one. */
static tnsr_status zip64_extra(const unsigned char *extra, size_t n, uint64_t *usize, uint64_t *csize,
			       uint64_t *offset, bool *has_zip64, const char *file, const char *name)
{
	*has_zip64 = false;
	for (size_t i = 0; i + 4 <= n;) {
		uint16_t id = le16(extra + i), len = le16(extra + i + 2);
		if (len > n - i - 4)
			return tnsr_error(TNSR_E_FORMAT, "%s: member '%s': extra field 0x%04x of %u bytes overruns the %zu "
							 "bytes of extra data", file, name, id, len, n);
		if (id == ZIP64_EXTRA) {
			const unsigned char *p = extra + i + 4;
			size_t left = len;
			uint64_t *fields[3] = {usize, csize, offset};
			*has_zip64 = true;
			for (int k = 0; k < 3; k++) {
				if (!fields[k] || *fields[k] != 0xffffffffu)
					continue;
				if (left < 8)
					return tnsr_error(TNSR_E_FORMAT, "%s: member '%s': ZIP64 extra field of %u bytes is "
									 "too short for its 64-bit %s", file, name, len,
							  k == 0 ? "size" : k == 1 ? "compressed size" : "offset");
				*fields[k] = le64(p);
				p += 8;
				left -= 8;
			}
		}
		i += 4 + (size_t)len;
	}
	return TNSR_OK;
}

/* ---------------------------------------------------------------- the central directory */

/* The end records: where the central directory is (*CD_POS, *CD_SIZE, absolute), how
 * many entries it holds, and *CONCAT, what to add to the archive's offsets to make them
 * absolute (data prepended to an archive, a self-extractor, shifts them all). */
static tnsr_status find_directory(tnsr_source *src, uint64_t *cd_pos, uint64_t *cd_size, uint64_t *count,
				  uint64_t *concat)
{
	const char *file = tnsr_source_name(src);
	uint64_t size = tnsr_source_size(src);
	size_t tail = size < EOCD_SIZE + MAX_COMMENT ? (size_t)size : EOCD_SIZE + MAX_COMMENT;
	unsigned char *buf = malloc(tail ? tail : 1);
	if (!buf)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	tnsr_status st = read_at(src, size - tail, buf, tail, "the end of the archive");
	/* The last end record whose comment fits in the file (the comment may hold "PK\5\6"). */
	size_t at = tail;
	for (size_t i = tail >= EOCD_SIZE ? tail - EOCD_SIZE + 1 : 0; !st && i-- > 0;)
		if (memcmp(buf + i, sig_eocd, 4) == 0 && i + EOCD_SIZE + le16(buf + i + 20) <= tail) {
			at = i;
			break;
		}
	if (!st && at == tail)
		st = tnsr_error(TNSR_E_FORMAT, "%s: truncated or not a ZIP archive: no end of central directory record "
					      "(PK\\5\\6) in its last %zu bytes", file, tail);
	if (st) {
		free(buf);
		return st;
	}
	const unsigned char *e = buf + at;
	uint64_t eocd_pos = size - tail + at, record_pos = eocd_pos;
	uint32_t disk = le16(e + 4), cd_disk = le16(e + 6);
	uint64_t n_here = le16(e + 8), n_total = le16(e + 10);
	*cd_size = le32(e + 12);
	uint64_t cd_offset = le32(e + 16);
	if (at >= LOCATOR_SIZE && memcmp(e - LOCATOR_SIZE, sig_locator, 4) == 0) {
		/* ZIP64: the record sits just before its locator (where zipfile looks for it). */
		const unsigned char *loc = e - LOCATOR_SIZE;
		unsigned char r[EOCD64_SIZE];
		uint32_t disks = le32(loc + 16);
		if (le32(loc + 4) != 0 || disks > 1) {
			free(buf);
			return tnsr_error(TNSR_E_FORMAT, "%s: the archive spans %lu disks (multi-disk archives are not "
							 "supported)", file, (unsigned long)disks);
		}
		record_pos = eocd_pos - LOCATOR_SIZE - EOCD64_SIZE;
		if (eocd_pos < LOCATOR_SIZE + EOCD64_SIZE ||
		    (st = read_at(src, record_pos, r, sizeof r, "the ZIP64 end record")) || memcmp(r, sig_eocd64, 4) != 0) {
			free(buf);
			return st ? st : tnsr_error(TNSR_E_FORMAT, "%s: the ZIP64 end of central directory record "
								   "(PK\\6\\6) is missing before its locator", file);
		}
		disk = le32(r + 16);
		cd_disk = le32(r + 20);
		n_here = le64(r + 24);
		n_total = le64(r + 32);
		*cd_size = le64(r + 40);
		cd_offset = le64(r + 48);
	}
	free(buf);
	if (disk != 0 || cd_disk != 0 || n_here != n_total)
		return tnsr_error(TNSR_E_FORMAT, "%s: the archive spans several disks (disk %lu, directory on disk %lu, %llu "
						 "of %llu entries here): multi-disk archives are not supported",
				  file, (unsigned long)disk, (unsigned long)cd_disk, (unsigned long long)n_here,
				  (unsigned long long)n_total);
	if (cd_offset > record_pos || *cd_size > record_pos - cd_offset)
		return tnsr_error(TNSR_E_FORMAT, "%s: the central directory (offset %llu, %llu bytes) lies beyond its "
						 "end record at offset %llu", file, (unsigned long long)cd_offset,
				  (unsigned long long)*cd_size, (unsigned long long)record_pos);
	*cd_pos = record_pos - *cd_size;
	*concat = *cd_pos - cd_offset;
	*count = n_total;
	if (n_total > *cd_size / CENTRAL_SIZE)
		return tnsr_error(TNSR_E_FORMAT, "%s: the end record promises %llu entries, more than %llu bytes of central "
						 "directory can hold", file, (unsigned long long)n_total,
				  (unsigned long long)*cd_size);
	return TNSR_OK;
}

void tnsr_zip_entries_free(tnsr_zip_entry *entries, size_t n)
{
	for (size_t i = 0; entries && i < n; i++)
		free(entries[i].name);
	free(entries);
}

tnsr_status tnsr_zip_read_directory(tnsr_source *src, tnsr_zip_entry **entries, size_t *n)
{
	const char *file = tnsr_source_name(src);
	uint64_t cd_pos = 0, cd_size = 0, count = 0, concat = 0, size = tnsr_source_size(src);
	tnsr_status st = find_directory(src, &cd_pos, &cd_size, &count, &concat);
	if (st)
		return st;
	unsigned char *cd = malloc(cd_size ? (size_t)cd_size : 1);
	tnsr_zip_entry *list = calloc(count ? (size_t)count : 1, sizeof *list);
	if (!cd || !list) {
		free(cd);
		free(list);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	if ((st = read_at(src, cd_pos, cd, (size_t)cd_size, "the central directory")))
		goto fail;
	const unsigned char *p = cd, *end = cd + cd_size;
	for (uint64_t i = 0; i < count; i++) {
		tnsr_zip_entry *e = &list[i];
		if ((size_t)(end - p) < CENTRAL_SIZE || memcmp(p, sig_central, 4) != 0) {
			st = tnsr_error(TNSR_E_FORMAT, "%s: central directory entry %llu: %s", file, (unsigned long long)i,
					(size_t)(end - p) < CENTRAL_SIZE ? "truncated" : "bad signature (expected PK\\1\\2)");
			goto fail;
		}
		size_t nlen = le16(p + 28), xlen = le16(p + 30), clen = le16(p + 32);
		if ((size_t)(end - p) - CENTRAL_SIZE < nlen + xlen + clen) {
			st = tnsr_error(TNSR_E_FORMAT, "%s: central directory entry %llu: its name and extra fields overrun "
						       "the directory", file, (unsigned long long)i);
			goto fail;
		}
		e->flags = le16(p + 8);
		e->method = le16(p + 10);
		e->crc = le32(p + 16);
		e->csize = le32(p + 20);
		e->usize = le32(p + 24);
		e->sizes_known = true;
		uint64_t offset = le32(p + 42);
		if (!(e->name = decode_name(p + CENTRAL_SIZE, nlen, e->flags))) {
			st = tnsr_error(TNSR_E_NOMEM, "out of memory");
			goto fail;
		}
		bool zip64;
		if ((st = zip64_extra(p + CENTRAL_SIZE + nlen, xlen, &e->usize, &e->csize, &offset, &zip64, file,
				      e->name)))
			goto fail;
		e->header_offset = offset + concat;
		if (offset > UINT64_MAX - concat || !within(e->header_offset, LOCAL_SIZE, size)) {
			st = tnsr_error(TNSR_E_FORMAT, "%s: member '%s': local header offset %llu is past the end of the "
						       "file (%llu bytes)", file, e->name, (unsigned long long)offset,
					(unsigned long long)size);
			goto fail;
		}
		p += CENTRAL_SIZE + nlen + xlen + clen;
	}
	free(cd);
	*entries = list;
	*n = (size_t)count;
	return TNSR_OK;
fail:
	free(cd);
	tnsr_zip_entries_free(list, (size_t)count);
	return st;
}

/* ---------------------------------------------------------------- one member */

static tnsr_status member_error(const tnsr_zip_member *m, tnsr_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static tnsr_status member_error(const tnsr_zip_member *m, tnsr_status status, const char *fmt, ...)
{
	char why[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return tnsr_error(status, "%s: member '%s': %s", m->file, m->entry.name ? m->entry.name : "", why);
}

/* Allocates the deflate state and input buffer of a deflated member. */
static tnsr_status member_start(tnsr_zip_member *m)
{
	if (m->entry.method != TNSR_ZIP_DEFLATED || (m->entry.flags & TNSR_ZIP_FLAG_ENCRYPTED))
		return TNSR_OK;
	bool peeking = !m->mapped && !m->entry.sizes_known;
	m->in_cap = peeking ? PEEK_CHUNK : m->entry.csize < IN_CHUNK ? (size_t)m->entry.csize + 1 : IN_CHUNK;
	if (!(m->in = malloc(m->in_cap)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	if (inflateInit2(&m->z, -MAX_WBITS) != Z_OK)
		return tnsr_error(TNSR_E_NOMEM, "out of memory (zlib)");
	m->z_live = true;
	return TNSR_OK;
}

tnsr_status tnsr_zip_member_open_mapped(tnsr_source *src, const tnsr_zip_entry *entry, tnsr_zip_member *m)
{
	memset(m, 0, sizeof *m);
	m->file = tnsr_source_name(src);
	m->mapped = true;
	m->limit = UINT64_MAX;
	m->entry = *entry;
	if (!(m->entry.name = strdup(entry->name)))
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	unsigned char h[LOCAL_SIZE], raw[0xffff];
	uint64_t size = tnsr_source_size(src), at = entry->header_offset;
	tnsr_status st = read_at(src, at, h, LOCAL_SIZE, "a local header");
	if (st)
		return st;
	if (memcmp(h, sig_local, 4) != 0)
		return member_error(m, TNSR_E_FORMAT, "no local header (PK\\3\\4) at offset %llu, where the central "
						      "directory puts it", (unsigned long long)at);
	size_t nlen = le16(h + 26), xlen = le16(h + 28);
	if (!within(at + LOCAL_SIZE, nlen + xlen, size))
		return member_error(m, TNSR_E_FORMAT, "truncated: the local header's name and extra fields run past the "
						      "end of the file");
	if ((st = read_at(src, at + LOCAL_SIZE, raw, nlen, "a member name")))
		return st;
	char *local = decode_name(raw, nlen, entry->flags);
	if (!local)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	bool same = strcmp(local, entry->name) == 0;
	if (!same)
		st = member_error(m, TNSR_E_FORMAT, "its local header names it '%s' (the archive is corrupt)", local);
	free(local);
	if (st)
		return st;
	m->data_pos = at + LOCAL_SIZE + nlen + xlen;
	if (!within(m->data_pos, entry->csize, size))
		return member_error(m, TNSR_E_FORMAT, "truncated: %llu stored bytes at offset %llu, but the file has "
						      "%llu bytes", (unsigned long long)entry->csize,
				    (unsigned long long)m->data_pos, (unsigned long long)size);
	return member_start(m);
}

tnsr_status tnsr_zip_member_open_stream(tnsr_source *src, tnsr_zip_member *m)
{
	memset(m, 0, sizeof *m);
	m->file = tnsr_source_name(src);
	m->limit = UINT64_MAX;
	unsigned char h[LOCAL_SIZE];
	size_t got;
	uint64_t at = tnsr_source_pos(src);
	tnsr_status st = tnsr_source_peek(src, h, 4, &got);
	if (st)
		return st;
	if (got == 4 && (!memcmp(h, sig_central, 4) || !memcmp(h, sig_eocd, 4) || !memcmp(h, sig_eocd64, 4)))
		return TNSR_END;
	if (got == 0)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: the archive ends at offset %llu without its central "
						 "directory", m->file, (unsigned long long)at);
	if (got < 4 || memcmp(h, sig_local, 4) != 0)
		return tnsr_error(TNSR_E_FORMAT, "%s: expected a local file header (PK\\3\\4) or the central directory at "
						 "offset %llu, found bytes %02x %02x %02x %02x", m->file,
				  (unsigned long long)at, h[0], got > 1 ? h[1] : 0, got > 2 ? h[2] : 0, got > 3 ? h[3] : 0);
	if ((st = tnsr_source_read(src, h, LOCAL_SIZE, &got)))
		return st;
	if (got < LOCAL_SIZE)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: the input ends inside the local header at offset %llu",
				  m->file, (unsigned long long)at);
	tnsr_zip_entry *e = &m->entry;
	e->flags = le16(h + 6);
	e->method = le16(h + 8);
	e->crc = le32(h + 14);
	e->csize = le32(h + 18);
	e->usize = le32(h + 22);
	e->sizes_known = !(e->flags & TNSR_ZIP_FLAG_DESCRIPTOR);
	size_t nlen = le16(h + 26), xlen = le16(h + 28);
	unsigned char *raw = malloc(nlen + xlen + 1);
	if (!raw)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	if (!(st = tnsr_source_read(src, raw, nlen + xlen, &got)) && got < nlen + xlen)
		st = tnsr_error(TNSR_E_FORMAT, "%s: truncated: the input ends inside the local header at offset %llu",
				m->file, (unsigned long long)at);
	if (!st && !(e->name = decode_name(raw, nlen, e->flags)))
		st = tnsr_error(TNSR_E_NOMEM, "out of memory");
	if (!st)
		st = zip64_extra(raw + nlen, xlen, &e->usize, &e->csize, NULL, &e->zip64, m->file, e->name);
	free(raw);
	return st ? st : member_start(m);
}

bool tnsr_zip_member_supported(const tnsr_zip_member *m, char *why, size_t size)
{
	static const struct { uint16_t method; const char *name; } methods[] = {
		{1, "shrink"}, {6, "implode"}, {9, "deflate64"}, {12, "bzip2"}, {14, "LZMA"}, {93, "Zstandard"},
		{95, "xz"}, {98, "PPMd"}, {99, "AES encryption"},
	};
	if (m->entry.flags & (TNSR_ZIP_FLAG_ENCRYPTED | 1 << 6)) {
		snprintf(why, size, "encrypted (flag bit %d): not supported", m->entry.flags & 1 ? 0 : 6);
		return false;
	}
	if (m->entry.method == TNSR_ZIP_STORED || m->entry.method == TNSR_ZIP_DEFLATED)
		return true;
	const char *name = "unknown";
	for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
		if (methods[i].method == m->entry.method)
			name = methods[i].name;
	snprintf(why, size, "compression method %u (%s) is not supported (expected 0, stored, or 8, deflate)",
		 m->entry.method, name);
	return false;
}

tnsr_status tnsr_zip_member_expect(tnsr_zip_member *m, uint64_t total)
{
	if (m->entry.sizes_known && m->entry.usize != total)
		return member_error(m, TNSR_E_FORMAT, "the archive says it holds %llu bytes, but its .npy header and data "
						      "make %llu", (unsigned long long)m->entry.usize,
				    (unsigned long long)total);
	m->limit = total;
	return TNSR_OK;
}

/* A stream member of unknown size is read through peeks: consumes from SRC what inflate
 * used of the last one. */
static tnsr_status sync_peek(tnsr_source *src, tnsr_zip_member *m)
{
	size_t used = m->peeked - m->z.avail_in;
	m->peeked = 0;
	m->z.avail_in = 0;
	m->raw_done += used;
	return used ? tnsr_source_skip(src, used) : TNSR_OK;
}

/* Gives inflate more stored bytes; *MORE false when the member has none left. */
static tnsr_status refill(tnsr_source *src, tnsr_zip_member *m, bool *more)
{
	size_t got;
	tnsr_status st;
	if (!m->mapped && !m->entry.sizes_known) {
		if ((st = sync_peek(src, m)) || (st = tnsr_source_peek(src, m->in, m->in_cap, &got)))
			return st;
		m->peeked = got;
	} else {
		uint64_t left = m->entry.csize - m->raw_done;
		got = left < m->in_cap ? (size_t)left : m->in_cap;
		if (m->mapped)
			st = read_at(src, m->data_pos + m->raw_done, m->in, got, "member data");
		else if (!(st = tnsr_source_read(src, m->in, got, &got)) && got < (left < m->in_cap ? left : m->in_cap))
			st = member_error(m, TNSR_E_FORMAT, "truncated: the input ends after %llu of its %llu stored bytes",
					  (unsigned long long)(m->raw_done + got), (unsigned long long)m->entry.csize);
		if (st)
			return st;
		m->raw_done += got;
	}
	m->z.next_in = m->in;
	m->z.avail_in = (uInt)got;
	*more = got > 0;
	return TNSR_OK;
}

/* Inflates up to N bytes into BUF; fewer only at the end of the deflate stream. */
static tnsr_status inflate_into(tnsr_source *src, tnsr_zip_member *m, unsigned char *buf, size_t n, size_t *got)
{
	size_t done = 0;
	tnsr_status st;
	while (done < n && !m->stream_end) {
		bool more = true;
		if (m->z.avail_in == 0 && (st = refill(src, m, &more)))
			return st;
		if (!more)
			return member_error(m, TNSR_E_FORMAT, "truncated: its deflate stream stops after %llu stored bytes "
							      "without an end (%llu bytes decoded)",
					    (unsigned long long)m->raw_done, (unsigned long long)(m->out_done + done));
		size_t want = n - done < (1u << 30) ? n - done : 1u << 30;
		m->z.next_out = buf + done;
		m->z.avail_out = (uInt)want;
		int ret = inflate(&m->z, Z_NO_FLUSH);
		done += want - m->z.avail_out;
		if (ret == Z_STREAM_END)
			m->stream_end = true;
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			return member_error(m, TNSR_E_FORMAT, "deflate stream corrupt after %llu decoded bytes (%s)",
					    (unsigned long long)(m->out_done + done), m->z.msg ? m->z.msg : "zlib error");
	}
	*got = done;
	return TNSR_OK;
}

tnsr_status tnsr_zip_member_read(tnsr_source *src, tnsr_zip_member *m, void *buf, size_t n, size_t *got)
{
	tnsr_status st = TNSR_OK;
	*got = 0;
	if (m->limit != UINT64_MAX && n > m->limit - m->out_done)
		n = (size_t)(m->limit - m->out_done);
	if (n == 0)
		return TNSR_OK;
	if (m->entry.method == TNSR_ZIP_STORED) {
		/* A stream member of unknown size before its .npy header told it: read what is asked. */
		bool bounded = m->entry.sizes_known || m->limit != UINT64_MAX;
		uint64_t left = m->entry.sizes_known ? m->entry.csize - m->raw_done
				: bounded	 ? m->limit - m->out_done
						 : UINT64_MAX;
		size_t want = n < left ? n : (size_t)left;
		if (m->mapped)
			st = read_at(src, m->data_pos + m->raw_done, buf, want, "member data");
		else
			st = tnsr_source_read(src, buf, want, got);
		if (m->mapped)
			*got = want;
		if (st)
			return st;
		m->raw_done += *got;
		if (*got < want && bounded)
			return member_error(m, TNSR_E_FORMAT, "truncated: the input ends after %llu of its %llu bytes",
					    (unsigned long long)m->raw_done,
					    (unsigned long long)(m->entry.sizes_known ? m->entry.csize : m->limit));
	} else if ((st = inflate_into(src, m, buf, n, got))) {
		return st;
	}
	m->crc = (uint32_t)crc32_z(m->crc, buf, *got);
	m->out_done += *got;
	if (m->stream_end && m->limit != UINT64_MAX && m->out_done < m->limit)
		return member_error(m, TNSR_E_FORMAT, "deflate stream corrupt: it ends after %llu of the %llu bytes its .npy "
						      "header promises", (unsigned long long)m->out_done,
				    (unsigned long long)m->limit);
	return TNSR_OK;
}

/* After a stream member flagged with bit 3: the data descriptor, with or without its
 * signature, with 4- or 8-byte sizes.  The form is the one whose sizes match what was
 * read; its CRC goes to *CRC. */
static tnsr_status read_descriptor(tnsr_source *src, tnsr_zip_member *m, uint32_t *crc)
{
	unsigned char d[24];
	size_t got;
	tnsr_status st = tnsr_source_peek(src, d, sizeof d, &got);
	if (st)
		return st;
	for (int form = 0; form < 4; form++) {
		bool sig = form < 2, wide = (form % 2 == 0) == m->entry.zip64;
		size_t len = (sig ? 4 : 0) + (wide ? 20 : 12);
		const unsigned char *p = d + (sig ? 4 : 0);
		if (got < len || (sig && memcmp(d, sig_descriptor, 4) != 0))
			continue;
		uint64_t csize = wide ? le64(p + 4) : le32(p + 4), usize = wide ? le64(p + 12) : le32(p + 8);
		if (csize == m->raw_done && usize == m->out_done) {
			*crc = le32(p);
			return tnsr_source_skip(src, len);
		}
	}
	return member_error(m, TNSR_E_FORMAT, "no data descriptor after its data matches it (expected %llu stored and "
					      "%llu decoded bytes)", (unsigned long long)m->raw_done,
			    (unsigned long long)m->out_done);
}

tnsr_status tnsr_zip_member_finish(tnsr_source *src, tnsr_zip_member *m)
{
	unsigned char scratch[1 << 14];
	size_t got;
	tnsr_status st;
	if (m->finished)
		return TNSR_OK;
	if (m->limit == UINT64_MAX && m->entry.method == TNSR_ZIP_STORED && !m->entry.sizes_known)
		return member_error(m, TNSR_E_FORMAT, "cannot be read on a stream: its size is written only after its "
						      "data (flag bit 3)");
	do
		st = tnsr_zip_member_read(src, m, scratch, sizeof scratch, &got);
	while (!st && got);
	if (st)
		return st;
	if (m->entry.method == TNSR_ZIP_DEFLATED && !m->stream_end) {
		/* Any byte past the promised size would make the member longer than it says. */
		if ((st = inflate_into(src, m, scratch, 1, &got)))
			return st;
		if (got)
			return member_error(m, TNSR_E_FORMAT, "its deflate stream decodes to more than the %llu bytes its "
							      ".npy header promises (refused as a zip bomb)",
					    (unsigned long long)m->limit);
	}
	if (!m->mapped && !m->entry.sizes_known && m->entry.method == TNSR_ZIP_DEFLATED && (st = sync_peek(src, m)))
		return st;
	if (!m->mapped && m->entry.sizes_known && m->raw_done < m->entry.csize &&
	    (st = tnsr_source_skip(src, m->entry.csize - m->raw_done)))
		return st;
	uint32_t want = m->entry.crc;
	if (!m->mapped && !m->entry.sizes_known && (st = read_descriptor(src, m, &want)))
		return st;
	if (m->entry.sizes_known && m->out_done != m->entry.usize)
		return member_error(m, TNSR_E_FORMAT, "decodes to %llu bytes, but the archive says %llu",
				    (unsigned long long)m->out_done, (unsigned long long)m->entry.usize);
	if (m->crc != want)
		return member_error(m, TNSR_E_FORMAT, "CRC-32 mismatch: the archive says %08lx, the data gives %08lx "
						      "(the data is corrupt)", (unsigned long)want, (unsigned long)m->crc);
	m->finished = true;
	return TNSR_OK;
}

tnsr_status tnsr_zip_member_skip(tnsr_source *src, tnsr_zip_member *m)
{
	m->finished = true;
	if (m->mapped)
		return TNSR_OK;
	if (!m->entry.sizes_known)
		return member_error(m, TNSR_E_FORMAT, "cannot be skipped on a stream: its size is written only after its "
						      "data (flag bit 3)");
	uint64_t left = m->entry.csize - m->raw_done;
	return left ? tnsr_source_skip(src, left) : TNSR_OK;
}

void tnsr_zip_member_close(tnsr_zip_member *m)
{
	if (m->z_live)
		inflateEnd(&m->z);
	free(m->in);
	free(m->entry.name);
	memset(m, 0, sizeof *m);
}
