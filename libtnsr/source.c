/* source.c: where bytes come from.  A regular file (a path, or standard input
 * redirected from one) is mapped once and read with pread, so that zero-copy views
 * share the mapping while streaming reads do not inflate the resident size; a pipe
 * is read sequentially through a small look-ahead buffer, never seeked. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

enum { LOOKAHEAD = 1 << 16 };

struct tnsr_source {
	char *name;
	int fd;
	bool owns_fd;
	bool mapped;
	tnsr_storage *map;  /* the whole file (mapped sources with size > 0) */
	uint64_t size;      /* file size (mapped) */
	uint64_t pos;       /* offset of the next byte to read */
	/* Streams: bytes read from fd but not yet consumed are buf[head, tail). */
	unsigned char *buf;
	size_t head, tail;
	bool eof;
};

static tnsr_status io_error(const tnsr_source *s, const char *what)
{
	return tnsr_error(TNSR_E_IO, "%s: %s: %s", s->name, what, strerror(errno));
}

tnsr_status tnsr_source_open(const char *path, tnsr_source **out)
{
	bool is_stdin = strcmp(path, "-") == 0;
	tnsr_source *s = calloc(1, sizeof *s);
	if (!s || !(s->name = strdup(is_stdin ? "stdin" : path))) {
		free(s);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	s->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	s->owns_fd = !is_stdin;
	struct stat st;
	if (s->fd < 0 || fstat(s->fd, &st) < 0) {
		tnsr_status e = tnsr_error(TNSR_E_IO, "%s: cannot open: %s", s->name, strerror(errno));
		tnsr_source_close(s);
		return e;
	}
	if (S_ISDIR(st.st_mode)) {
		tnsr_source_close(s);
		return tnsr_error(TNSR_E_IO, "%s: is a directory (expected a tensor file)", path);
	}
	off_t here = S_ISREG(st.st_mode) ? lseek(s->fd, 0, SEEK_CUR) : -1;
	if (S_ISREG(st.st_mode) && here >= 0) {
		s->mapped = true;
		s->size = (uint64_t)st.st_size;
		s->pos = (uint64_t)here;
		if (st.st_size > 0) {
			void *base = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, s->fd, 0);
			if (base == MAP_FAILED) {
				tnsr_status e = io_error(s, "cannot map");
				tnsr_source_close(s);
				return e;
			}
			s->map = tnsr_storage_from_map(base, (size_t)st.st_size, base, (size_t)st.st_size);
			if (!s->map) {
				munmap(base, (size_t)st.st_size);
				tnsr_source_close(s);
				return TNSR_E_NOMEM;
			}
		}
	} else if (!(s->buf = malloc(LOOKAHEAD))) {
		tnsr_source_close(s);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	*out = s;
	return TNSR_OK;
}

void tnsr_source_close(tnsr_source *s)
{
	if (!s)
		return;
	if (s->owns_fd && s->fd >= 0)
		close(s->fd);
	tnsr_storage_release(s->map);
	free(s->buf);
	free(s->name);
	free(s);
}

const char *tnsr_source_name(const tnsr_source *s) { return s->name; }
bool tnsr_source_is_mapped(const tnsr_source *s) { return s->mapped; }
uint64_t tnsr_source_size(const tnsr_source *s) { return s->mapped ? s->size : UINT64_MAX; }
uint64_t tnsr_source_pos(const tnsr_source *s) { return s->pos; }

/* Streams: reads from the fd until at least WANT bytes are buffered or input ends. */
static tnsr_status fill(tnsr_source *s, size_t want)
{
	if (s->head > 0 && s->tail - s->head < want) {
		memmove(s->buf, s->buf + s->head, s->tail - s->head);
		s->tail -= s->head;
		s->head = 0;
	}
	while (!s->eof && s->tail - s->head < want) {
		ssize_t r = read(s->fd, s->buf + s->tail, LOOKAHEAD - s->tail);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_error(s, "read failed");
		if (r == 0)
			s->eof = true;
		s->tail += (size_t)r;
	}
	return TNSR_OK;
}

tnsr_status tnsr_source_peek(tnsr_source *s, void *buf, size_t n, size_t *got)
{
	if (n > LOOKAHEAD)
		n = LOOKAHEAD;
	if (s->mapped) {
		uint64_t left = s->pos < s->size ? s->size - s->pos : 0;
		*got = n < left ? n : (size_t)left;
		if (*got && pread(s->fd, buf, *got, (off_t)s->pos) != (ssize_t)*got)
			return io_error(s, "read failed");
		return TNSR_OK;
	}
	tnsr_status st = fill(s, n);
	if (st)
		return st;
	*got = s->tail - s->head < n ? s->tail - s->head : n;
	memcpy(buf, s->buf + s->head, *got);
	return TNSR_OK;
}

tnsr_status tnsr_source_read(tnsr_source *s, void *buf, size_t n, size_t *got)
{
	char *dst = buf;
	size_t done = 0;
	if (s->mapped) {
		while (done < n && s->pos < s->size) {
			ssize_t r = pread(s->fd, dst + done, n - done, (off_t)s->pos);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return io_error(s, "read failed");
			if (r == 0)
				break; /* the file shrank under us */
			done += (size_t)r;
			s->pos += (uint64_t)r;
		}
		*got = done;
		return TNSR_OK;
	}
	/* Buffered bytes first, then large reads straight into the caller's buffer. */
	size_t have = s->tail - s->head;
	if (have) {
		done = have < n ? have : n;
		memcpy(dst, s->buf + s->head, done);
		s->head += done;
	}
	while (done < n && !s->eof) {
		ssize_t r = read(s->fd, dst + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_error(s, "read failed");
		if (r == 0)
			s->eof = true;
		done += (size_t)r;
	}
	s->pos += done;
	*got = done;
	return TNSR_OK;
}

tnsr_status tnsr_source_skip(tnsr_source *s, uint64_t n)
{
	if (s->mapped) {
		if (n > s->size - (s->pos < s->size ? s->pos : s->size))
			return tnsr_error(TNSR_E_FORMAT, "%s: truncated: %llu bytes expected after offset %llu, file has %llu",
					  s->name, (unsigned long long)n, (unsigned long long)s->pos,
					  (unsigned long long)s->size);
		s->pos += n;
		return TNSR_OK;
	}
	char tmp[1 << 14];
	uint64_t start = s->pos;
	while (n) {
		size_t got, want = n < sizeof tmp ? (size_t)n : sizeof tmp;
		tnsr_status st = tnsr_source_read(s, tmp, want, &got);
		if (st)
			return st;
		if (got < want)
			return tnsr_error(TNSR_E_FORMAT, "%s: truncated: input ended %llu bytes after offset %llu",
					  s->name, (unsigned long long)(s->pos - start), (unsigned long long)start);
		n -= got;
	}
	return TNSR_OK;
}

tnsr_status tnsr_source_map(tnsr_source *s, uint64_t offset, uint64_t nbytes, tnsr_storage **out)
{
	if (!s->mapped)
		return tnsr_error(TNSR_E_UNSUPPORTED, "%s: a stream cannot be mapped", s->name);
	if (offset > s->size || nbytes > s->size - offset)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: data needs bytes %llu..%llu, file has %llu", s->name,
				  (unsigned long long)offset, (unsigned long long)(offset + nbytes),
				  (unsigned long long)s->size);
	if (nbytes == 0) { /* an empty file has no mapping; an empty tensor needs no bytes */
		*out = tnsr_storage_alloc(0);
		return *out ? TNSR_OK : TNSR_E_NOMEM;
	}
	*out = tnsr_storage_sub(s->map, (size_t)offset, (size_t)nbytes);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

bool tnsr_source_at_end(tnsr_source *s)
{
	if (s->mapped)
		return s->pos >= s->size;
	return fill(s, 1) != TNSR_OK || s->tail == s->head;
}

tnsr_status tnsr_map_writable(const char *path, const tnsr_member_info *info, tnsr_tensor **out)
{
	const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
	if (info->offset < 0)
		return tnsr_error(TNSR_E_VALUE, "%s: cannot write in place: input is a stream (expected a file)", name);
	if (!info->mappable)
		return tnsr_error(TNSR_E_VALUE, "%s: cannot write in place: %s", name, info->why_not_mappable);
	if (info->fortran_order && info->ndim > 1)
		return tnsr_error(TNSR_E_VALUE, "%s: cannot write in place: data is in Fortran order", name);
	/* Reopen for writing: for stdin, the file it is redirected from. */
	int fd = open(strcmp(path, "-") == 0 ? "/proc/self/fd/0" : path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return tnsr_error(TNSR_E_IO, "%s: cannot open for writing: %s", name, strerror(errno));
	long page = sysconf(_SC_PAGESIZE);
	uint64_t start = (uint64_t)info->offset & ~(uint64_t)(page - 1), len = (uint64_t)info->offset + info->nbytes - start;
	tnsr_storage *s = NULL;
	if (info->nbytes) {
		void *base = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)start);
		if (base == MAP_FAILED) {
			close(fd);
			return tnsr_error(TNSR_E_IO, "%s: cannot map for writing: %s", name, strerror(errno));
		}
		s = tnsr_storage_from_map(base, (size_t)len, (char *)base + (info->offset - (int64_t)start),
					  (size_t)info->nbytes);
	} else {
		s = tnsr_storage_alloc(0);
	}
	close(fd);
	if (!s)
		return TNSR_E_NOMEM;
	*out = tnsr_tensor_over(s, info->dtype, info->ndim, info->shape, NULL, 0);
	tnsr_storage_release(s);
	return *out ? TNSR_OK : TNSR_E_NOMEM;
}

tnsr_status tnsr_source_seek(tnsr_source *s, uint64_t offset)
{
	if (!s->mapped)
		return s->pos == offset ? TNSR_OK
				       : tnsr_error(TNSR_E_UNSUPPORTED, "%s: a stream cannot seek", s->name);
	if (offset > s->size)
		return tnsr_error(TNSR_E_FORMAT, "%s: truncated: offset %llu is past the end (%llu bytes)", s->name,
				  (unsigned long long)offset, (unsigned long long)s->size);
	s->pos = offset;
	return TNSR_OK;
}
