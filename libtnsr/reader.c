/* reader.c: reading tensors whatever their format.  The codec found by probing the
 * first bytes parses each member's header; this file decides whether the data can be
 * viewed in place (mapped, native byte order, aligned) and otherwise loads or streams
 * it into native-endian memory.  One place for all formats. */
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "internal.h"

struct tnsr_reader {
	tnsr_source *src;
	const tnsr_codec *codec;
	void *state;         /* the codec's own */
	tnsr_member_info info;
	bool have_member;
	int64_t members;     /* members described so far */
	uint64_t data_done;  /* bytes of the current member's data consumed */
};

static const bool host_little_endian = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;

static bool needs_swap(char byteorder)
{
	return byteorder == (host_little_endian ? '>' : '<');
}

/* The alignment a pointer to one element needs (complex: that of its parts). */
static size_t element_alignment(tnsr_dtype dtype)
{
	size_t size = tnsr_dtype_size(dtype);
	if (tnsr_dtype_is_complex(dtype))
		size /= 2;
	return size > 8 ? 8 : size;
}

tnsr_status tnsr_reader_from_source(tnsr_source *src, tnsr_reader **out)
{
	unsigned char head[64];
	size_t got;
	tnsr_status st = tnsr_source_peek(src, head, sizeof head, &got);
	if (st) {
		tnsr_source_close(src);
		return st;
	}
	const tnsr_codec *codec = NULL;
	for (const tnsr_codec *const *c = tnsr_codecs; *c && !codec; c++)
		if ((*c)->probe(head, got))
			codec = *c;
	if (!codec) {
		char shown[64] = "";
		for (size_t i = 0, used = 0; i < got && i < 8; i++)
			used += (size_t)snprintf(shown + used, sizeof shown - used, "%s%02x", i ? " " : "", head[i]);
		st = got == 0 ? tnsr_error(TNSR_E_FORMAT, "%s: empty input (expected a .npy file)", tnsr_source_name(src))
			      : tnsr_error(TNSR_E_FORMAT, "%s: unknown format: starts with bytes %s (expected .npy: 93 4e 55 4d 50 59)",
					   tnsr_source_name(src), shown);
		tnsr_source_close(src);
		return st;
	}
	tnsr_reader *r = calloc(1, sizeof *r);
	if (!r) {
		tnsr_source_close(src);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	r->src = src;
	r->codec = codec;
	*out = r;
	return TNSR_OK;
}

tnsr_status tnsr_reader_open(const char *path, tnsr_reader **out)
{
	tnsr_source *src;
	tnsr_status st = tnsr_source_open(path, &src);
	return st ? st : tnsr_reader_from_source(src, out);
}

void tnsr_reader_close(tnsr_reader *r)
{
	if (!r)
		return;
	if (r->codec->close)
		r->codec->close(r->state);
	tnsr_source_close(r->src);
	free(r);
}

const char *tnsr_reader_name(const tnsr_reader *r) { return tnsr_source_name(r->src); }
const tnsr_member_info *tnsr_reader_current(const tnsr_reader *r) { return &r->info; }

/* Says why the current member's data cannot be viewed in place, if it cannot. */
static void decide_mappable(tnsr_reader *r, tnsr_member_info *info)
{
	const char *why = NULL;
	char buf[sizeof info->why_not_mappable];
	if (!info->mappable)
		return; /* the codec knows better (compressed data) */
	if (!tnsr_source_is_mapped(r->src)) {
		why = "input is a stream (a pipe), read once";
	} else if (needs_swap(info->byteorder)) {
		why = "big-endian data is byte-swapped into memory";
	} else if (info->offset % (int64_t)element_alignment(info->dtype)) {
		snprintf(buf, sizeof buf, "data offset %lld is not a multiple of %zu (copied to align)",
			 (long long)info->offset, element_alignment(info->dtype));
		why = buf;
	}
	if (why) {
		info->mappable = false;
		snprintf(info->why_not_mappable, sizeof info->why_not_mappable, "%s", why);
	}
}

tnsr_status tnsr_reader_next(tnsr_reader *r, tnsr_member_info *info)
{
	tnsr_status st;
	if (r->have_member && r->data_done < r->info.nbytes && !tnsr_source_is_mapped(r->src)) {
		/* A stream moves on only by reading: past the raw bytes, or the codec's framing. */
		if (!r->codec->read) {
			if ((st = tnsr_source_skip(r->src, r->info.nbytes - r->data_done)))
				return st;
		} else {
			char scratch[1 << 14];
			size_t got;
			do
				st = tnsr_reader_read_data(r, scratch, sizeof scratch, &got);
			while (!st && got);
			if (st)
				return st;
		}
	} else if (r->have_member && tnsr_source_is_mapped(r->src) && !r->codec->read &&
		   (st = tnsr_source_seek(r->src, (uint64_t)r->info.offset + r->info.nbytes))) {
		return st;
	}
	r->have_member = false;
	/* Bytes after the last record that start no further record are ignored, as NumPy
	 * ignores them after the array it reads. */
	if (r->members > 0 && !r->codec->owns_end) {
		unsigned char head[64];
		size_t got;
		if ((st = tnsr_source_peek(r->src, head, sizeof head, &got)))
			return st;
		if (got == 0 || !r->codec->probe(head, got))
			return TNSR_END;
	}
	memset(info, 0, sizeof *info);
	info->format = r->codec->name;
	info->offset = -1;
	info->mappable = true;
	if ((st = r->codec->next(r->src, &r->state, info)))
		return st;
	/* Stored data must lie within the file; decoded data (mappable false: compressed,
	 * parsed text) has its own size, checked by the codec as it decodes. */
	if (tnsr_source_is_mapped(r->src) && info->mappable) {
		uint64_t size = tnsr_source_size(r->src);
		if (info->offset < 0 || (uint64_t)info->offset > size || info->nbytes > size - (uint64_t)info->offset)
			return tnsr_error(TNSR_E_FORMAT, "%s: truncated: the header promises %llu data bytes at offset %lld, the file has %llu",
					  tnsr_source_name(r->src), (unsigned long long)info->nbytes,
					  (long long)info->offset, (unsigned long long)size);
	}
	decide_mappable(r, info);
	r->info = *info;
	r->have_member = true;
	r->members++;
	r->data_done = 0;
	return TNSR_OK;
}

/* The layout of the current member: C order, or Fortran order as a strided view. */
static void member_strides(const tnsr_member_info *info, int64_t *strides)
{
	if (!info->fortran_order) {
		tnsr_contiguous_strides(info->ndim, info->shape, strides);
		return;
	}
	int64_t s = 1;
	for (int i = 0; i < info->ndim; i++) {
		strides[i] = s;
		s *= info->shape[i] > 1 ? info->shape[i] : 1;
	}
}

tnsr_status tnsr_reader_read_data(tnsr_reader *r, void *buf, size_t n, size_t *got)
{
	size_t itemsize = tnsr_dtype_size(r->info.dtype);
	uint64_t left = r->info.nbytes - r->data_done;
	if (!r->have_member)
		return tnsr_error(TNSR_E_VALUE, "%s: no member to read (call next first)", tnsr_source_name(r->src));
	n -= n % itemsize;
	if (n > left)
		n = (size_t)left;
	tnsr_status st;
	if (r->codec->read) {
		size_t done = 0;
		for (size_t part = 1; done < n && part; done += part)
			if ((st = r->codec->read(r->src, r->state, (char *)buf + done, n - done, &part)))
				return st;
		*got = done;
	} else {
		/* A mapped container's members lie anywhere: read from where this one's data is. */
		if (tnsr_source_is_mapped(r->src) &&
		    (st = tnsr_source_seek(r->src, (uint64_t)r->info.offset + r->data_done)))
			return st;
		if ((st = tnsr_source_read(r->src, buf, n, got)))
			return st;
	}
	r->data_done += *got;
	if (*got < n)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: data ends after %llu of %llu bytes",
				  tnsr_source_name(r->src), (unsigned long long)r->data_done,
				  (unsigned long long)r->info.nbytes);
	if (needs_swap(r->info.byteorder))
		tnsr_byteswap(r->info.dtype, buf, *got / itemsize);
	return TNSR_OK;
}

tnsr_status tnsr_reader_load(tnsr_reader *r, tnsr_tensor **out)
{
	const tnsr_member_info *info = &r->info;
	int64_t strides[TNSR_MAX_DIMS];
	tnsr_storage *storage;
	tnsr_status st;
	if (!r->have_member || r->data_done)
		return tnsr_error(TNSR_E_VALUE, "%s: member data already consumed", tnsr_source_name(r->src));
	member_strides(info, strides);
	if (info->mappable) {
		if ((st = tnsr_source_map(r->src, (uint64_t)info->offset, info->nbytes, &storage)))
			return st;
		r->data_done = info->nbytes;
	} else {
		if (!(storage = tnsr_storage_alloc((size_t)info->nbytes)))
			return TNSR_E_NOMEM;
		size_t got;
		if ((st = tnsr_reader_read_data(r, tnsr_storage_data(storage), (size_t)info->nbytes, &got))) {
			tnsr_storage_release(storage);
			return st;
		}
	}
	*out = tnsr_tensor_over(storage, info->dtype, info->ndim, info->shape, strides, 0);
	tnsr_storage_release(storage);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_reader_find(tnsr_reader *r, const char *name, tnsr_member_info *info)
{
	char names[512] = "";
	size_t used = 0;
	tnsr_status st;
	while (!(st = tnsr_reader_next(r, info))) {
		/* "x" and "x.npy" both name the npz member listed as "x", as in NumPy. */
		size_t n = strlen(info->name);
		if (strcmp(info->name, name) == 0 || (strncmp(name, info->name, n) == 0 && strcmp(name + n, ".npy") == 0))
			return TNSR_OK;
		if (used < sizeof names - 1)
			used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", used ? ", " : "",
						 info->name[0] ? info->name : "(unnamed)");
	}
	if (st != TNSR_END)
		return st;
	return tnsr_error(TNSR_E_VALUE, "%s: no member '%s' (members: %s)", tnsr_source_name(r->src), name,
			  used ? names : "none");
}

tnsr_status tnsr_reader_verify(tnsr_reader *r)
{
	if (!r->have_member)
		return tnsr_error(TNSR_E_VALUE, "%s: no member to verify", tnsr_source_name(r->src));
	if (!r->codec->verify)
		return tnsr_error(TNSR_E_UNSUPPORTED, "%s: the %s format stores no checksums", tnsr_source_name(r->src),
				  r->codec->name);
	if (tnsr_source_is_mapped(r->src))
		return r->codec->verify(r->src, r->state, &r->info);
	/* A stream is checked by the codec's read as the data passes: read it through. */
	char scratch[1 << 14];
	size_t got;
	tnsr_status st;
	do
		st = tnsr_reader_read_data(r, scratch, sizeof scratch, &got);
	while (!st && got);
	return st;
}

tnsr_status tnsr_reader_metadata(tnsr_reader *r, const tnsr_meta **items, size_t *n)
{
	*items = NULL;
	*n = 0;
	return r->codec->metadata && r->state ? r->codec->metadata(r->state, items, n) : TNSR_OK;
}
