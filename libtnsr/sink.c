/* sink.c: where bytes go.  A file is written to a temporary in the same directory and
 * renamed over the target only when everything succeeded, so a reader never sees a
 * partial file; standard output is a stream whose vanished reader is a quiet EPIPE. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tnsr.h"

enum { BUFSIZE = 1 << 20 };

struct tnsr_sink {
	char *path;       /* target; NULL for stdout */
	char *temp;       /* the temporary being written */
	int fd;
	int slot;         /* index in the list of live temporaries, or -1 */
	char *buf;
	size_t used;
	bool failed;
};

/* Live temporaries, so that a signal handler can remove them (async-signal-safe). */
enum { MAX_TEMPS = 16 };
static char *volatile live_temps[MAX_TEMPS];

void tnsr_sink_remove_temporaries(void)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (live_temps[i])
			unlink(live_temps[i]);
}

static int track(char *temp)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (__sync_bool_compare_and_swap(&live_temps[i], NULL, temp))
			return i;
	return -1;
}

static void free_sink(tnsr_sink *s)
{
	if (s->slot >= 0)
		live_temps[s->slot] = NULL;
	free(s->path);
	free(s->temp);
	free(s->buf);
	free(s);
}

tnsr_status tnsr_sink_open(const char *path, tnsr_sink **out)
{
	tnsr_sink *s = calloc(1, sizeof *s);
	if (!s || !(s->buf = malloc(BUFSIZE))) {
		free(s);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	s->slot = -1;
	if (!path || strcmp(path, "-") == 0) {
		s->fd = 1;
		*out = s;
		return TNSR_OK;
	}
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	size_t len = strlen(path) + 16;
	s->path = strdup(path);
	s->temp = malloc(len);
	if (!s->path || !s->temp) {
		free_sink(s);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	snprintf(s->temp, len, "%.*s.%s.XXXXXX", dirlen, path, path + dirlen);
	s->fd = mkstemp(s->temp);
	if (s->fd < 0) {
		tnsr_status e = tnsr_error(TNSR_E_IO, "%s: cannot create: %s", path, strerror(errno));
		free_sink(s);
		return e;
	}
	s->slot = track(s->temp);
	/* mkstemp makes 0600; give the file the mode a plain creat() would. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(s->fd, 0666 & ~mask);
	*out = s;
	return TNSR_OK;
}

const char *tnsr_sink_name(const tnsr_sink *s) { return s->path ? s->path : "stdout"; }
bool tnsr_sink_is_stream(const tnsr_sink *s) { return s->path == NULL; }

static tnsr_status write_all(tnsr_sink *s, const char *p, size_t n)
{
	while (n) {
		ssize_t r = write(s->fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			s->failed = true;
			if (errno == EPIPE)
				return tnsr_error(TNSR_E_PIPE, "%s: reader went away", tnsr_sink_name(s));
			return tnsr_error(TNSR_E_IO, "%s: write failed: %s", tnsr_sink_name(s), strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return TNSR_OK;
}

static tnsr_status flush(tnsr_sink *s)
{
	tnsr_status st = write_all(s, s->buf, s->used);
	s->used = 0;
	return st;
}

tnsr_status tnsr_sink_write(tnsr_sink *s, const void *data, size_t n)
{
	if (s->failed)
		return tnsr_error(TNSR_E_IO, "%s: write after a failed write", tnsr_sink_name(s));
	if (s->used + n <= BUFSIZE) {
		memcpy(s->buf + s->used, data, n);
		s->used += n;
		return TNSR_OK;
	}
	tnsr_status st = flush(s);
	if (st)
		return st;
	if (n >= BUFSIZE) /* large writes go straight out, no copy */
		return write_all(s, data, n);
	memcpy(s->buf, data, n);
	s->used = n;
	return TNSR_OK;
}

tnsr_status tnsr_sink_commit(tnsr_sink *s)
{
	tnsr_status st = s->failed ? tnsr_error(TNSR_E_IO, "%s: earlier write failed", tnsr_sink_name(s)) : flush(s);
	if (!s->path) {
		free_sink(s);
		return st;
	}
	if (!st && close(s->fd) < 0)
		st = tnsr_error(TNSR_E_IO, "%s: write failed: %s", s->path, strerror(errno));
	s->fd = -1;
	if (!st && rename(s->temp, s->path) < 0)
		st = tnsr_error(TNSR_E_IO, "%s: cannot replace: %s", s->path, strerror(errno));
	if (st)
		unlink(s->temp);
	free_sink(s);
	return st;
}

void tnsr_sink_abort(tnsr_sink *s)
{
	if (!s)
		return;
	if (s->path) {
		if (s->fd >= 0)
			close(s->fd);
		unlink(s->temp);
	}
	free_sink(s);
}
