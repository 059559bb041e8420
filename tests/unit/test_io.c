/* test_io.c: sources and sinks: atomic writes, temporaries removed on abort, streams
 * read through a pipe, peeking, the reader's concatenated records and size checks. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "tnsr.h"

static char dir[] = "/tmp/tnsr-test-io.XXXXXX";

static char *path(const char *name)
{
	static char buf[4][256];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static int count_entries(void)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void test_sink_atomic(void)
{
	tnsr_sink *s;
	FILE *f = fopen(path("target"), "w");
	fputs("old", f);
	fclose(f);
	CHECK(tnsr_sink_open(path("target"), &s) == TNSR_OK, "sink opens over an existing file");
	CHECK(tnsr_sink_write(s, "new data", 8) == TNSR_OK, "sink writes");
	f = fopen(path("target"), "r");
	char buf[16] = {0};
	CHECK(fread(buf, 1, sizeof buf, f) == 3 && strcmp(buf, "old") == 0, "target untouched before commit");
	fclose(f);
	CHECK_EQ(count_entries(), 2, "a temporary exists while writing");
	tnsr_sink_abort(s);
	CHECK_EQ(count_entries(), 1, "abort removes the temporary");
	f = fopen(path("target"), "r");
	memset(buf, 0, sizeof buf);
	CHECK(fread(buf, 1, sizeof buf, f) == 3, "abort leaves the target as it was");
	fclose(f);

	CHECK(tnsr_sink_open(path("target"), &s) == TNSR_OK, "sink opens again");
	static char big[3 << 20];
	memset(big, 7, sizeof big);
	CHECK(tnsr_sink_write(s, "hdr", 3) == TNSR_OK && tnsr_sink_write(s, big, sizeof big) == TNSR_OK,
	      "small then large writes");
	CHECK(tnsr_sink_commit(s) == TNSR_OK, "commit");
	struct stat st;
	CHECK(stat(path("target"), &st) == 0 && st.st_size == 3 + (off_t)sizeof big, "committed size is exact");
	CHECK_EQ(count_entries(), 1, "no temporary left after commit");
	CHECK((st.st_mode & 0777) == (0666 & ~(mode_t)022) || (st.st_mode & 0600) == 0600, "file mode like creat()");

	CHECK(tnsr_sink_open("/nonexistent-dir/x.npy", &s) == TNSR_E_IO, "a missing directory fails");
	CHECK(strstr(tnsr_error_message(), "/nonexistent-dir/x.npy") != NULL, "the message names the file");
}

static void test_sink_epipe(void)
{
	int fds[2];
	signal(SIGPIPE, SIG_IGN);
	CHECK(pipe(fds) == 0, "pipe");
	int saved = dup(1);
	dup2(fds[1], 1);
	close(fds[1]);
	close(fds[0]); /* the reader is gone */
	tnsr_sink *s;
	tnsr_sink_open(NULL, &s);
	static char big[2 << 20];
	tnsr_status st = tnsr_sink_write(s, big, sizeof big);
	if (!st)
		st = tnsr_sink_commit(s);
	else
		tnsr_sink_abort(s);
	dup2(saved, 1);
	close(saved);
	CHECK_EQ(st, TNSR_E_PIPE, "a vanished reader gives TNSR_E_PIPE");
}

/* Runs the reader over standard input that is a pipe fed by a child. */
static void test_stream_source(void)
{
	int fds[2];
	CHECK(pipe(fds) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		for (int i = 0; i < 100000; i++) {
			char c = (char)(i % 251);
			if (write(fds[1], &c, 1) != 1)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	int saved = dup(0);
	dup2(fds[0], 0);
	close(fds[0]);
	tnsr_source *s;
	CHECK(tnsr_source_open("-", &s) == TNSR_OK, "stdin pipe opens");
	CHECK(!tnsr_source_is_mapped(s), "a pipe is a stream");
	CHECK(tnsr_source_size(s) == UINT64_MAX, "a stream has no size");
	unsigned char head[10], body[100000];
	size_t got;
	CHECK(tnsr_source_peek(s, head, 10, &got) == TNSR_OK && got == 10 && head[9] == 9, "peek sees the first bytes");
	CHECK(tnsr_source_read(s, body, sizeof body, &got) == TNSR_OK && got == 100000, "read gets all bytes, peeked included");
	int bad = 0;
	for (int i = 0; i < 100000; i++)
		bad += body[i] != (unsigned char)(i % 251);
	CHECK_EQ(bad, 0, "bytes in order");
	CHECK(tnsr_source_at_end(s), "at end");
	CHECK(tnsr_source_map(s, 0, 1, &(tnsr_storage *){NULL}) == TNSR_E_UNSUPPORTED, "a stream cannot be mapped");
	tnsr_source_close(s);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, NULL, 0);
}

static void test_mapped_source(void)
{
	FILE *f = fopen(path("data"), "w");
	for (int i = 0; i < 5000; i++)
		fputc(i & 0xff, f);
	fclose(f);
	tnsr_source *s;
	tnsr_storage *st = NULL;
	CHECK(tnsr_source_open(path("data"), &s) == TNSR_OK && tnsr_source_is_mapped(s), "a regular file is mapped");
	CHECK_EQ(tnsr_source_size(s), 5000, "size");
	CHECK(tnsr_source_map(s, 4096, 904, &st) == TNSR_OK, "map a window");
	CHECK(((unsigned char *)tnsr_storage_data(st))[0] == 0 && tnsr_storage_is_mapped(st), "window starts right");
	CHECK(tnsr_source_map(s, 4096, 905, &(tnsr_storage *){NULL}) == TNSR_E_FORMAT, "a window past the end fails");
	CHECK(tnsr_source_skip(s, 5001) == TNSR_E_FORMAT, "skip past the end fails");
	tnsr_source_close(s);
	CHECK(((unsigned char *)tnsr_storage_data(st))[903] == (4999 & 0xff), "storage outlives its source");
	tnsr_storage_release(st);

	/* A regular file redirected to stdin is mapped, from its current offset. */
	int fd = open(path("data"), O_RDONLY), saved = dup(0);
	lseek(fd, 100, SEEK_SET);
	dup2(fd, 0);
	close(fd);
	CHECK(tnsr_source_open("-", &s) == TNSR_OK && tnsr_source_is_mapped(s), "redirected stdin is mapped");
	CHECK_EQ(tnsr_source_pos(s), 100, "starting at the descriptor's offset");
	tnsr_source_close(s);
	dup2(saved, 0);
	close(saved);

	CHECK(tnsr_source_open(dir, &s) == TNSR_E_IO && strstr(tnsr_error_message(), "directory"), "a directory is refused");
	CHECK(tnsr_source_open(path("missing"), &s) == TNSR_E_IO && strstr(tnsr_error_message(), "missing"),
	      "a missing file names itself");
}

static void test_reader_concatenated(void)
{
	int64_t shape[2] = {2, 3};
	tnsr_tensor *a, *b;
	tnsr_tensor_zeros(TNSR_F32, 2, shape, &a);
	tnsr_tensor_zeros(TNSR_I64, 1, shape, &b);
	((float *)tnsr_tensor_data(a))[4] = 2.5f;
	tnsr_sink *s;
	tnsr_sink_open(path("two.npy"), &s);
	CHECK(tnsr_write(s, "npy", a) == TNSR_OK && tnsr_write(s, "npy", b) == TNSR_OK, "two records written");
	tnsr_sink_write(s, "junk after", 10);
	tnsr_sink_commit(s);
	tnsr_reader *r;
	tnsr_member_info info;
	tnsr_tensor *x;
	CHECK(tnsr_reader_open(path("two.npy"), &r) == TNSR_OK, "reader opens");
	CHECK(tnsr_reader_next(r, &info) == TNSR_OK && info.dtype == TNSR_F32 && info.mappable, "first record, mappable");
	CHECK(tnsr_reader_next(r, &info) == TNSR_OK && info.dtype == TNSR_I64 && info.ndim == 1 && info.shape[0] == 2,
	      "second record, first skipped unread");
	CHECK(tnsr_reader_load(r, &x) == TNSR_OK && tnsr_storage_is_mapped(x->storage), "second loads zero-copy");
	CHECK_EQ(tnsr_reader_next(r, &info), TNSR_END, "trailing junk ends the stream, as in NumPy");
	tnsr_tensor_free(x);
	tnsr_reader_close(r);
	tnsr_tensor_free(a);
	tnsr_tensor_free(b);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	test_sink_atomic();
	test_sink_epipe();
	test_stream_source();
	test_mapped_source();
	test_reader_concatenated();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return check_done();
}
