/* tnsr_read.h: what the .tnsr reader's two files share (not installed): the state of
 * one input (its current file and member) and the header checks of tnsr_header.c,
 * which tnsr_read.c calls as it reads.  Checks return TNSR_E_FORMAT with a message
 * that the caller prefixes with the input's name. */
#ifndef TNSR_READ_H
#define TNSR_READ_H

#include "tnsr_encode.h"

typedef struct tnsr_rd_entry {
	uint64_t offset, nbytes; /* offset from data_offset; decoded bytes */
	uint64_t stored;         /* bytes in the file (nbytes unless encoded) */
	uint32_t name_off, dims_index;
	uint16_t name_len;
	uint8_t dtype, rank, encoding;
} tnsr_rd_entry;

typedef struct tnsr_rd_state {
	/* The current file of the input. */
	bool have_file;
	int64_t files;           /* files begun in this input (messages say which one) */
	uint64_t start;          /* source position of its magic */
	uint16_t minor;
	bool encoded;            /* flags_required has TNSR_FLAG_ENCODED: entries hold stored_length */
	uint32_t count, header_crc;
	uint64_t align, header_len, data_offset, data_len, file_len;
	unsigned char *header;   /* its header_len bytes */
	tnsr_rd_entry *entries;
	unsigned char *trailer;  /* mapped: read at open; stream: when it arrives */
	uint32_t *computed;      /* each tensor's CRC as it streamed past (streams) */
	tnsr_meta *meta;
	size_t nmeta;
	void *meta_arena;
	/* The current member. */
	int64_t current;         /* index in entries; -1 before the first */
	uint64_t done;           /* decoded data bytes that went through read */
	uint64_t sdone;          /* stored bytes read (== done unless encoded) */
	uint32_t crc;            /* the running CRC-32C of the stored bytes */
	tnsr_decoder *decoder;   /* encoded members: the frame decoder and one decoded chunk */
	unsigned char *chunk;
	size_t chunk_at, chunk_len;
	bool checked;            /* footer read and compared */
	bool trailer_done;       /* streams: trailer read and checked */
} tnsr_rd_state;

typedef tnsr_rd_entry entry;
typedef tnsr_rd_state state;

#define bad(...) tnsr_error(TNSR_E_FORMAT, __VA_ARGS__)
static inline unsigned long long ull(uint64_t x) { return (unsigned long long)x; }

/* "tensor 2 'w'" for messages (entry I's name has been checked). */
const char *tnsr_hdr_label(const state *s, int64_t i, char *buf, size_t size);
/* Checks 3-9 on the 128 bytes of a preamble at P; fills the scalars of S. */
tnsr_status tnsr_hdr_preamble(state *s, const unsigned char *p);
/* Check 12 on header bytes [FROM, TO) (for files of a minor version this code knows). */
tnsr_status tnsr_hdr_gap(const state *s, uint64_t from, uint64_t to, const char *where);
/* Checks 12-15 on the table in S->header: fills S->entries. */
tnsr_status tnsr_hdr_table(state *s);
/* Check 16: parses the metadata records of S->header into S->meta. */
tnsr_status tnsr_hdr_metadata(state *s);
/* Check 18 on the trailer in S->trailer. */
tnsr_status tnsr_hdr_trailer(const state *s);
/* Check 20: HEAD (GOT bytes) at byte AT after a file neither ends it nor starts a file. */
tnsr_status tnsr_hdr_trailing(uint64_t at, const unsigned char *head, size_t got);

#endif
