/* zip.h: the ZIP container under .npz (PKWARE APPNOTE 6.3): reading the central
 * directory of a mapped file or the local headers of a stream, decoding one member
 * (stored or deflated) with its CRC-32 checked, and writing an archive in one pass.
 * zip_read.c reads, zip_write.c writes; npz.c puts NumPy's layer on top. */
#ifndef TNSR_ZIP_H
#define TNSR_ZIP_H

#include <zlib.h>

#include "tnsr.h"

enum {
	TNSR_ZIP_STORED = 0,
	TNSR_ZIP_DEFLATED = 8,
	TNSR_ZIP_FLAG_ENCRYPTED = 1 << 0,
	TNSR_ZIP_FLAG_DESCRIPTOR = 1 << 3, /* crc and sizes follow the data */
	TNSR_ZIP_FLAG_UTF8 = 1 << 11,
};

/* One member as the central directory (mapped) or its local header (stream) describes it. */
typedef struct tnsr_zip_entry {
	char *name;              /* UTF-8 (CP437 names converted), NUL-terminated */
	uint64_t header_offset;  /* of the local header in the file (mapped only) */
	uint64_t csize, usize;   /* stored and decoded sizes; see sizes_known */
	uint32_t crc;
	uint16_t flags, method;
	bool sizes_known;        /* false: a stream member with flag bit 3 (sizes come after) */
	bool zip64;              /* the local header carries a ZIP64 extra (8-byte descriptor sizes) */
} tnsr_zip_entry;

/* Reads the central directory of the mapped SRC (EOCD, ZIP64 locator and record),
 * every offset and size checked against the file.  *ENTRIES (malloc'd, free with
 * tnsr_zip_entries_free) in directory order; *N may be 0 (an empty archive).
 * TNSR_E_FORMAT naming SRC otherwise (multi-disk archives included). */
tnsr_status tnsr_zip_read_directory(tnsr_source *src, tnsr_zip_entry **entries, size_t *n);
void tnsr_zip_entries_free(tnsr_zip_entry *entries, size_t n);

/* Decoding one member.  The caller owns the struct; tnsr_zip_member_close frees what
 * open allocated (also after failures). */
typedef struct tnsr_zip_member {
	tnsr_zip_entry entry;    /* entry.name owned by the member */
	const char *file;        /* the source's name, for messages */
	bool mapped;
	uint64_t data_pos;       /* mapped: file offset of the first stored byte */
	uint64_t raw_done;       /* stored bytes consumed */
	uint64_t out_done;       /* decoded bytes delivered */
	uint64_t limit;          /* decoded bytes the caller expects (UINT64_MAX: unknown) */
	uint32_t crc;            /* CRC-32 of the decoded bytes so far */
	bool finished;           /* crc and end checked (and a descriptor read) */
	bool stream_end;         /* deflate: the stream's last block was decoded */
	z_stream z;
	bool z_live;
	unsigned char *in;       /* deflate input buffer */
	size_t in_cap;
	size_t peeked;           /* stream of unknown size: bytes of the last peek in IN */
} tnsr_zip_member;

/* Mapped SRC: opens ENTRY (from tnsr_zip_read_directory): its local header is read and
 * checked (signature, name, extra lengths) to find the data. */
tnsr_status tnsr_zip_member_open_mapped(tnsr_source *src, const tnsr_zip_entry *entry, tnsr_zip_member *m);
/* Stream SRC: reads the next local header.  TNSR_END at the central directory (or the
 * end record of an empty archive). */
tnsr_status tnsr_zip_member_open_stream(tnsr_source *src, tnsr_zip_member *m);
/* Whether M can be decoded: fills WHY ("encrypted", "compression method 12 ...") if not. */
bool tnsr_zip_member_supported(const tnsr_zip_member *m, char *why, size_t size);
/* The number of decoded bytes the caller will read: TNSR_E_FORMAT when the archive
 * declares another size.  Reads never go past it; finish checks nothing follows. */
tnsr_status tnsr_zip_member_expect(tnsr_zip_member *m, uint64_t total);
/* Up to N decoded bytes into BUF; *GOT < N only at the end of the member (or of the
 * expected size).  The CRC-32 is accumulated as bytes pass. */
tnsr_status tnsr_zip_member_read(tnsr_source *src, tnsr_zip_member *m, void *buf, size_t n, size_t *got);
/* After the last expected byte: checks that the stored data ends there (no longer
 * inflated stream: a zip bomb), reads a stream member's data descriptor and compares
 * the CRC-32.  Reads (and discards) what the caller left unread first. */
tnsr_status tnsr_zip_member_finish(tnsr_source *src, tnsr_zip_member *m);
/* Stream SRC: skips the rest of an unsupported member whose stored size is known. */
tnsr_status tnsr_zip_member_skip(tnsr_source *src, tnsr_zip_member *m);
void tnsr_zip_member_close(tnsr_zip_member *m);

/* Writing an archive to SINK in one pass (a file or a pipe).  Members are stored with
 * their CRC known in advance (no descriptor), or stored from a stream of pieces or
 * deflated with a data descriptor after the data (flag bit 3).  ZIP64 fields appear only
 * where a size or offset needs them. */
typedef struct tnsr_zip_writer tnsr_zip_writer;

tnsr_status tnsr_zip_writer_open(tnsr_sink *sink, tnsr_zip_writer **out);
/* Starts member NAME of USIZE decoded bytes.  LEVEL 0 stores it, 1..9 deflates it.
 * HAS_CRC (stored only): CRC is the CRC-32 of the bytes to come, so no descriptor.
 * ALIGN (stored only; a power of two up to 256, or 0): the file offset of the member's
 * first byte is made a multiple of it. */
tnsr_status tnsr_zip_writer_begin(tnsr_zip_writer *w, const char *name, uint64_t usize, int level, bool has_crc,
				  uint32_t crc, unsigned align);
tnsr_status tnsr_zip_writer_data(tnsr_zip_writer *w, const void *data, size_t n);
/* Ends the member: exactly USIZE bytes must have come. */
tnsr_status tnsr_zip_writer_end(tnsr_zip_writer *w);
/* Writes the central directory and the end records; frees W (also on failure). */
tnsr_status tnsr_zip_writer_close(tnsr_zip_writer *w);
/* Frees W after a failure. */
void tnsr_zip_writer_abort(tnsr_zip_writer *w);

#endif
