/* test_tnsr.c: the .tnsr codec (formats/tnsr.md).  CRC-32C against RFC 3720's vectors
 * and hardware against table version; the conformance corpus (tests/fixtures/tnsr,
 * written by tests/oracle/gen_tnsr_corpus.py): every valid file loads with the values
 * valid.txt lists, every invalid one is refused with its README fragment, mapped and
 * through a pipe; round trips of every dtype and shape, strided tensors, metadata,
 * alignment and the streaming writer; refused writer options; every truncation and
 * every bit flip of a file detected; concatenated files and trailing bytes. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "codec.h"
#include "crc32c.h"
#include "tnsr.h"
#include "tnsr_layout.h"

static char tmpdir[] = "/tmp/test_tnsr.XXXXXX";

/* ---------------------------------------------------------------- helpers */

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)size + 1);
	*n = fread(b, 1, (size_t)size, f);
	fclose(f);
	return b;
}

static void spit(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, n, f);
	fclose(f);
}

static const char *fixture(const char *name)
{
	static char path[4096];
	const char *root = getenv("TNSR_ROOT");
	snprintf(path, sizeof path, "%.3000s/tests/fixtures/tnsr/%.200s", root ? root : ".", name);
	return path;
}

static const char *tmp(const char *name)
{
	static char path[2][256];
	static int k;
	k ^= 1;
	snprintf(path[k], sizeof path[k], "%s/%s", tmpdir, name);
	return path[k];
}

/* A reader over BYTES fed through a pipe by a child process (the reader sees a stream). */
static tnsr_status pipe_reader(const void *bytes, size_t n, tnsr_reader **r, pid_t *child)
{
	int fds[2];
	if (pipe(fds) < 0)
		return TNSR_E_IO;
	*child = fork();
	if (*child == 0) {
		close(fds[0]);
		signal(SIGPIPE, SIG_DFL);
		const char *p = bytes;
		while (n) {
			ssize_t w = write(fds[1], p, n);
			if (w <= 0)
				_exit(0);
			p += w;
			n -= (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	char path[64];
	snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
	tnsr_status st = tnsr_reader_open(path, r);
	close(fds[0]);
	return st;
}

static void reap(pid_t child)
{
	int status;
	waitpid(child, &status, 0);
}

/* Reads every member of R: loads it (a view when mapped) when LOAD, after verifying
 * it when VERIFY (a stream's verify reads the data through: nothing is left to load).
 * Returns the first failure, TNSR_OK at the end; *COUNT members seen. */
static tnsr_status read_all(tnsr_reader *r, bool verify, bool load, int *count)
{
	tnsr_member_info info;
	tnsr_status st;
	*count = 0;
	while (!(st = tnsr_reader_next(r, &info))) {
		tnsr_tensor *t;
		if (verify && (st = tnsr_reader_verify(r)))
			return st;
		if (load && (!verify || info.mappable)) {
			if ((st = tnsr_reader_load(r, &t)))
				return st;
			tnsr_tensor_free(t);
		}
		(*count)++;
	}
	return st == TNSR_END ? TNSR_OK : st;
}

static tnsr_status read_bytes_as(const char *path, const void *bytes, size_t n, bool mapped, bool verify, bool load,
				 int *count);

/* Opens BYTES (a file at PATH when mapped, else a pipe) and reads it all (loading
 * every member unless HEADERS_ONLY, as tinfo does, on a mapped file). */
static tnsr_status read_bytes(const char *path, const void *bytes, size_t n, bool mapped, bool verify, int *count)
{
	return read_bytes_as(path, bytes, n, mapped, verify, true, count);
}

static tnsr_status read_bytes_as(const char *path, const void *bytes, size_t n, bool mapped, bool verify, bool load,
				 int *count)
{
	tnsr_reader *r;
	pid_t child = -1;
	tnsr_status st;
	if (mapped) {
		spit(path, bytes, n);
		st = tnsr_reader_open(path, &r);
	} else {
		st = pipe_reader(bytes, n, &r, &child);
	}
	*count = 0;
	if (!st) {
		st = read_all(r, verify, load || !mapped, count);
		tnsr_reader_close(r);
	}
	if (child > 0)
		reap(child);
	return st;
}

/* ---------------------------------------------------------------- CRC-32C */

static void test_crc32c(void)
{
	unsigned char buf[32];
	CHECK_EQ(tnsr_crc32c(0, "123456789", 9), 0xe3069283u, "crc32c(\"123456789\")");
	memset(buf, 0, 32);
	CHECK_EQ(tnsr_crc32c(0, buf, 32), 0x8a9136aau, "crc32c(32 zero bytes): RFC 3720");
	memset(buf, 0xff, 32);
	CHECK_EQ(tnsr_crc32c(0, buf, 32), 0x62a8ab43u, "crc32c(32 0xff bytes): RFC 3720");
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	CHECK_EQ(tnsr_crc32c(0, buf, 32), 0x46dd794eu, "crc32c(0..31): RFC 3720");
	for (int i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	CHECK_EQ(tnsr_crc32c(0, buf, 32), 0x113fdb5cu, "crc32c(31..0): RFC 3720");
	CHECK_EQ(tnsr_crc32c(0, NULL, 0), 0, "crc32c of nothing is 0");

	/* The 3-way hardware path against the table, at every alignment and across the
	 * block sizes it switches between; and chaining. */
	size_t big = 3 * 8192 * 2 + 3 * 256 + 77;
	unsigned char *data = malloc(big + 64);
	uint32_t seed = 12345;
	for (size_t i = 0; i < big + 64; i++)
		data[i] = (unsigned char)((seed = seed * 1103515245 + 12345) >> 16);
	int bad = 0;
	size_t lens[] = {0, 1, 7, 8, 9, 255, 256, 767, 768, 769, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 13, big};
	for (size_t off = 0; off < 16; off++)
		for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
			size_t n = lens[k];
			uint32_t a = tnsr_crc32c(0, data + off, n), b = tnsr_crc32c_sw(0, data + off, n);
			uint32_t c = tnsr_crc32c(tnsr_crc32c(0, data + off, n / 3), data + off + n / 3, n - n / 3);
			bad += a != b || a != c;
		}
	CHECK_EQ(bad, 0, "crc32c: hardware == table == chained, every alignment and length");
	printf("# crc32c uses %s\n", tnsr_crc32c_hw_available() ? "SSE4.2 instructions" : "tables");
	free(data);
}

static void test_utf8(void)
{
	static const struct { const char *s; size_t n; bool ok; } cases[] = {
		{"plain", 5, true}, {"caf\xc3\xa9", 5, true}, {"\xe6\xb8\xa9", 3, true}, {"\xf0\x9d\x9b\xbc", 4, true},
		{"\xf4\x8f\xbf\xbf", 4, true},  /* U+10FFFF */
		{"a\0b", 3, false},             /* NUL */
		{"\xc0\x80", 2, false},         /* overlong NUL */
		{"\xe0\x80\xaf", 3, false},     /* overlong '/' */
		{"\xed\xa0\x80", 3, false},     /* surrogate */
		{"\xf4\x90\x80\x80", 4, false}, /* above U+10FFFF */
		{"\xe6\xb8", 2, false},         /* cut */
		{"\x80", 1, false}, {"\xff", 1, false}, {"\xc3(", 2, false},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		size_t at;
		if (tnsr_utf8_valid((const unsigned char *)cases[i].s, cases[i].n, &at) != cases[i].ok) {
			printf("#   utf8 case %zu\n", i);
			bad++;
		}
	}
	CHECK_EQ(bad, 0, "UTF-8 validation: shortest form, no surrogates, no NUL, <= U+10FFFF");
}

/* ---------------------------------------------------------------- the corpus */

static int hexval(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

static size_t unhex(const char *hex, unsigned char *out)
{
	size_t n = 0;
	if (strcmp(hex, "-") == 0)
		return 0;
	for (; hex[0] && hex[1]; hex += 2)
		out[n++] = (unsigned char)(hexval(hex[0]) << 4 | hexval(hex[1]));
	return n;
}

/* Each line of valid.txt against what the reader gives, mapped and through a pipe. */
static void test_corpus_valid(void)
{
	size_t n;
	char *text = slurp(fixture("valid.txt"), &n);
	if (!CHECK(text, "tests/fixtures/tnsr/valid.txt is there (run tests/oracle/gen_tnsr_corpus.py)"))
		return;
	text[n] = 0;
	static char file[256], name[4096], dtype[16], shape[512], hex[1 << 16];
	unsigned char want[1 << 15], name_bytes[2048];
	int lines = 0, bad = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		int index;
		if (sscanf(line, "%255s %d %4095s %15s %511s %65535s", file, &index, name, dtype, shape, hex) != 6)
			continue;
		lines++;
		/* Data in hex, or for a large tensor its CRC-32C. */
		unsigned want_crc = 0;
		bool by_crc = sscanf(hex, "crc32c:%x", &want_crc) == 1;
		size_t wn = by_crc ? 0 : unhex(hex, want), nn = unhex(name, name_bytes);
		name_bytes[nn] = 0;
		for (int mode = 0; mode < 2; mode++) {
			tnsr_reader *r;
			pid_t child = -1;
			char *bytes = NULL;
			tnsr_status st;
			if (mode == 0) {
				st = tnsr_reader_open(fixture(file), &r);
			} else {
				size_t len;
				bytes = slurp(fixture(file), &len);
				st = pipe_reader(bytes, len, &r, &child);
			}
			bool opened = st == TNSR_OK;
			tnsr_member_info info;
			for (int k = 0; !st && k <= index; k++)
				st = tnsr_reader_next(r, &info);
			tnsr_tensor *t = NULL;
			if (!st && mode == 0)
				st = tnsr_reader_verify(r);
			if (!st)
				st = tnsr_reader_load(r, &t);
			char got_shape[512] = "";
			if (!st) {
				for (int d = 0; d < info.ndim; d++)
					snprintf(got_shape + strlen(got_shape), sizeof got_shape - strlen(got_shape), "%s%lld",
						 d ? "x" : "", (long long)info.shape[d]);
				if (info.ndim == 0)
					strcpy(got_shape, "()");
			}
			if (!st && by_crc)
				wn = info.nbytes;
			bool same = !st && (by_crc ? tnsr_crc32c(0, tnsr_tensor_data(t), wn) == want_crc
						   : wn == 0 || memcmp(tnsr_tensor_data(t), want, wn) == 0);
			bool encoded = !st && strstr(info.why_not_mappable, "shuffle+deflate") != NULL;
			bool ok = same && strcmp(info.format, "tnsr") == 0 && strcmp(info.name, (char *)name_bytes) == 0 &&
				  strcmp(tnsr_dtype_name(info.dtype), dtype) == 0 && strcmp(got_shape, shape) == 0 &&
				  info.nbytes == wn && tnsr_tensor_nbytes(t) == wn &&
				  (mode == 1 || encoded ||
				   (info.mappable && info.offset % 8 == 0 && (wn == 0 || tnsr_storage_is_mapped(t->storage))));
			if (!ok) {
				printf("#   %s member %d (%s): %s\n", file, index, mode ? "pipe" : "mapped",
				       st ? tnsr_error_message() : "different name, dtype, shape, data or mapping");
				bad++;
			}
			tnsr_tensor_free(t);
			if (opened)
				tnsr_reader_close(r);
			if (child > 0)
				reap(child);
			free(bytes);
		}
	}
	CHECK(lines > 130, "valid.txt lists the corpus' tensors");
	CHECK_EQ(bad, 0, "every valid corpus tensor loads with its listed name, dtype, shape and bytes (mapped, pipe)");
	free(text);
}

/* The README's "- `FILE` -- what -- `FRAGMENT`" lines under the heading HEADING. */
static int corpus_section(const char *readme, const char *heading, char files[][64], char frags[][160], int max)
{
	const char *s = strstr(readme, heading);
	int n = 0;
	if (!s)
		return 0;
	const char *end = strstr(s + 3, "\n## ");
	for (const char *p = strstr(s, "\n- `"); p && (!end || p < end) && n < max; p = strstr(p + 1, "\n- `")) {
		const char *f = p + 4, *fe = strchr(f, '`');
		const char *eol = strchr(f, '\n');
		const char *fr = eol ? eol - 1 : f + strlen(f) - 1;
		const char *fs = fr;
		while (fs > fe && *(fs - 1) != '`')
			fs--;
		snprintf(files[n], 64, "%.*s", (int)(fe - f), f);
		snprintf(frags[n], 160, "%.*s", (int)(fr - fs), fs);
		n++;
	}
	return n;
}

static void test_corpus_invalid(void)
{
	size_t len;
	char *readme = slurp(fixture("README.md"), &len);
	if (!CHECK(readme, "tests/fixtures/tnsr/README.md is there"))
		return;
	readme[len] = 0;
	static char files[128][64], frags[128][160];
	static const struct { const char *heading; bool header_ok; } sections[] = {
		{"## Refused when opened", false}, {"## Refused at the end", false}, {"## Refused in a later file", false},
		{"## Refused by checksums", true},
	};
	int total = 0;
	for (size_t k = 0; k < sizeof sections / sizeof *sections; k++) {
		int n = corpus_section(readme, sections[k].heading, files, frags, 128), bad = 0;
		total += n;
		for (int i = 0; i < n; i++) {
			size_t blen;
			char *bytes = slurp(fixture(files[i]), &blen);
			for (int mode = 0; mode < 3; mode++) {
				/* 0: mapped, opening and loading (views, no verify), or only the
				 * headers for files whose header is fine (an encoded tensor is
				 * decoded when loaded); 1: mapped with verify; 2: a pipe. */
				int count;
				tnsr_status st = read_bytes_as(tmp("corpus.tnsr"), bytes, blen, mode < 2, mode == 1,
							       mode > 0 || !sections[k].header_ok, &count);
				bool want_fail = mode > 0 || !sections[k].header_ok;
				const char *msg = tnsr_error_message();
				bool ok = want_fail ? st != TNSR_OK && st != TNSR_E_NOMEM && strstr(msg, frags[i]) != NULL
						    : st == TNSR_OK;
				if (!ok) {
					printf("#   %s (%s): status %d, message \"%s\" (expected %s \"%s\")\n", files[i],
					       mode == 0 ? "mapped" : mode == 1 ? "mapped, verify" : "pipe", (int)st, msg,
					       want_fail ? "a failure with" : "success, then later", frags[i]);
					bad++;
				}
			}
			free(bytes);
		}
		char what[160];
		snprintf(what, sizeof what, "corpus \"%s\": %d files refused with their fragment, mapped and piped", sections[k].heading + 3, n);
		CHECK(n > 0 && bad == 0, what);
	}
	CHECK(total >= 70, "the corpus has at least 70 invalid files");
	free(readme);
}

/* ---------------------------------------------------------------- round trips */

static tnsr_tensor *pattern(tnsr_dtype dtype, int ndim, const int64_t *shape, unsigned seed)
{
	tnsr_tensor *t;
	if (tnsr_tensor_empty(dtype, ndim, shape, &t))
		return NULL;
	unsigned char *p = tnsr_tensor_data(t);
	size_t n = tnsr_tensor_nbytes(t);
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 31 + seed * 7 + 1);
	if (dtype == TNSR_BOOL)
		for (size_t i = 0; i < n; i++)
			p[i] &= 1;
	return t;
}

static bool same_tensor(const tnsr_tensor *a, const tnsr_tensor *b)
{
	if (a->dtype != b->dtype || a->ndim != b->ndim)
		return false;
	for (int d = 0; d < a->ndim; d++)
		if (a->shape[d] != b->shape[d])
			return false;
	tnsr_tensor *ca, *cb;
	if (tnsr_tensor_contiguous(a, &ca) || tnsr_tensor_contiguous(b, &cb))
		return false;
	bool same = tnsr_tensor_nbytes(ca) == tnsr_tensor_nbytes(cb) &&
		    memcmp(tnsr_tensor_data(ca), tnsr_tensor_data(cb), tnsr_tensor_nbytes(ca)) == 0;
	tnsr_tensor_free(ca);
	tnsr_tensor_free(cb);
	return same;
}

/* Reads PATH back (mapped and piped), comparing member i with T[i] named NAMES[i]. */
static int compare_file(const char *path, tnsr_tensor *const *t, const char *const *names, int n, uint64_t align)
{
	size_t len;
	char *bytes = slurp(path, &len);
	int bad = 0;
	for (int mode = 0; mode < 2; mode++) {
		tnsr_reader *r;
		pid_t child = -1;
		tnsr_status st = mode == 0 ? tnsr_reader_open(path, &r) : pipe_reader(bytes, len, &r, &child);
		bool opened = st == TNSR_OK;
		tnsr_member_info info;
		int i = 0;
		while (!st && !(st = tnsr_reader_next(r, &info))) {
			tnsr_tensor *back;
			if (mode == 0 && (st = tnsr_reader_verify(r)))
				break;
			if ((st = tnsr_reader_load(r, &back)))
				break;
			if (i >= n || strcmp(info.name, names[i]) || !same_tensor(back, t[i]) ||
			    (mode == 0 && (info.offset % (int64_t)align ||
					   (!info.mappable && !strstr(info.why_not_mappable, "shuffle+deflate")))))
				bad++;
			tnsr_tensor_free(back);
			i++;
		}
		if (st != TNSR_END || i != n) {
			printf("#   %s (%s): %d of %d members: %s\n", path, mode ? "pipe" : "mapped", i, n,
			       st == TNSR_END ? "" : tnsr_error_message());
			bad++;
		}
		if (opened)
			tnsr_reader_close(r);
		if (child > 0)
			reap(child);
	}
	free(bytes);
	return bad;
}

static void test_round_trips(void)
{
	static const int64_t shapes[][TNSR_MAX_DIMS] = {{0}, {5}, {0}, {3, 4}, {2, 0, 3}, {2, 3, 4}};
	static const int ndims[] = {0, 1, 1, 2, 3, 3};
	enum { NSHAPES = sizeof ndims / sizeof *ndims };
	tnsr_tensor *t[TNSR_DTYPE_COUNT * NSHAPES + 2];
	char names[TNSR_DTYPE_COUNT * NSHAPES + 2][64];
	const char *np[TNSR_DTYPE_COUNT * NSHAPES + 2];
	int n = 0;
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++)
		for (int s = 0; s < NSHAPES; s++) {
			t[n] = pattern((tnsr_dtype)d, ndims[s], shapes[s], (unsigned)n);
			snprintf(names[n], sizeof names[n], "%s/\xe5\xbd\xa2%d", tnsr_dtype_name((tnsr_dtype)d), s);
			np[n] = names[n];
			n++;
		}
	/* A 32-d tensor and a transposed (strided) view, written in C order. */
	int64_t s32[TNSR_MAX_DIMS];
	for (int i = 0; i < TNSR_MAX_DIMS; i++)
		s32[i] = i % 5 == 0 ? 2 : 1;
	t[n] = pattern(TNSR_F64, TNSR_MAX_DIMS, s32, 99);
	np[n] = "rank32";
	n++;
	tnsr_tensor *base = pattern(TNSR_C64, 2, (int64_t[]){3, 5}, 7), *tr;
	tnsr_tensor_transpose(base, 0, 1, &tr);
	tnsr_tensor_free(base);
	t[n] = tr;
	np[n] = "transposed";
	n++;
	const char *path = tmp("all.tnsr");
	tnsr_status st = tnsr_save_many(path, NULL, t, np, n, NULL);
	CHECK_EQ(st, TNSR_OK, "save_many: every dtype x (0-d, (5,), (0,), (3,4), (2,0,3), (2,3,4)), 32-d, strided");
	if (st)
		printf("#   %s\n", tnsr_error_message());
	CHECK_EQ(compare_file(path, t, np, n, 64), 0, "... reads back equal, names with UTF-8, mapped (aligned) and piped");

	/* Alignment 4096 and 65536. */
	tnsr_write_options opt = {.compress = -1, .order = 'C', .alignment = 4096};
	st = tnsr_save_many(tmp("a4k.tnsr"), "tnsr", t, np, 8, &opt);
	CHECK(!st && compare_file(tmp("a4k.tnsr"), t, np, 8, 4096) == 0, "alignment 4096: every tensor at a multiple");
	opt.alignment = 65536;
	st = tnsr_save_many(tmp("a64k.tnsr"), "tnsr", t + 20, np + 20, 3, &opt);
	CHECK(!st && compare_file(tmp("a64k.tnsr"), t + 20, np + 20, 3, 65536) == 0, "alignment 65536");

	/* tnsr_save of one tensor: named arr_0. */
	const char *arr0 = "arr_0";
	st = tnsr_save(tmp("one.tnsr"), NULL, t[3]);
	CHECK(!st && compare_file(tmp("one.tnsr"), &t[3], &arr0, 1, 64) == 0, "tnsr_save: one tensor named arr_0");

	/* A file without tensors is valid and holds nothing. */
	st = tnsr_save_many(tmp("none.tnsr"), NULL, t, np, 0, NULL);
	CHECK(!st && compare_file(tmp("none.tnsr"), t, np, 0, 64) == 0, "zero tensors: a valid file, no member");

	/* Refused options and names: nothing is written. */
	static const struct { tnsr_write_options o; const char *name2; const char *frag; } refusals[] = {
		{{-1, 'F', 0, NULL, 0}, "b", "order F cannot be stored"},
		{{10, 'C', 0, NULL, 0}, "b", "compression level 10"},
		{{-1, 'C', 100, NULL, 0}, "b", "alignment 100"},
		{{-1, 'C', 131072, NULL, 0}, "b", "alignment 131072"},
		{{-1, 'C', 32, NULL, 0}, "b", "alignment 32"},
		{{-1, 'C', 0, NULL, 0}, "a", "tensor name 'a' given twice"},
		{{-1, 'C', 0, NULL, 0}, "", "tensor name '' is 0 bytes long"},
		{{-1, 'C', 0, NULL, 0}, "b\xff", "is not valid UTF-8"},
	};
	int bad = 0;
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
		const char *nm[2] = {"a", refusals[i].name2};
		st = tnsr_save_many(tmp("refused.tnsr"), NULL, t, nm, 2, &refusals[i].o);
		if (!st || !strstr(tnsr_error_message(), refusals[i].frag) || access(tmp("refused.tnsr"), F_OK) == 0) {
			printf("#   refusal %zu: status %d, \"%s\"\n", i, (int)st, tnsr_error_message());
			bad++;
		}
	}
	char long_name[1026];
	memset(long_name, 'n', 1025);
	long_name[1025] = 0;
	const char *nm[1] = {long_name};
	st = tnsr_save_many(tmp("refused.tnsr"), NULL, t, nm, 1, NULL);
	bad += !st || !strstr(tnsr_error_message(), "1025 bytes long");
	long_name[1024] = 0;
	st = tnsr_save_many(tmp("long.tnsr"), NULL, t, nm, 1, NULL);
	bad += st || compare_file(tmp("long.tnsr"), t, nm, 1, 64);
	CHECK_EQ(bad, 0, "order F, compression level 10, bad alignments, duplicate/empty/non-UTF-8/1025-byte names refused; 1024 ok");
	for (int i = 0; i < n; i++)
		tnsr_tensor_free(t[i]);
}

static void test_metadata(void)
{
	bool flags[] = {true, false, true};
	int64_t ints[] = {INT64_MIN, -1, 0, INT64_MAX};
	double reals[] = {0.5, -1e300, 3.25};
	const char *strings[] = {"tconvert 0.1.0", "\xce\xb2\xce\xb3", ""};
	bool yes = true;
	int64_t seed = 42;
	double scale = 0.125;
	const char *creator = "test_tnsr";
	tnsr_meta meta[] = {
		{"creator", TNSR_META_STRING, false, 1, &creator}, {"seed", TNSR_META_I64, false, 1, &seed},
		{"scale", TNSR_META_F64, false, 1, &scale},        {"flag", TNSR_META_BOOL, false, 1, &yes},
		{"flags", TNSR_META_BOOL, true, 3, flags},         {"ints", TNSR_META_I64, true, 4, ints},
		{"reals", TNSR_META_F64, true, 3, reals},          {"strings", TNSR_META_STRING, true, 3, strings},
		{"empty", TNSR_META_I64, true, 0, NULL},           {"\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87", TNSR_META_STRING, false, 1, &creator},
	};
	size_t nmeta = sizeof meta / sizeof *meta;
	tnsr_tensor *t = pattern(TNSR_F32, 1, (int64_t[]){4}, 1);
	const char *name = "x";
	tnsr_write_options opt = {.compress = -1, .order = 'C', .metadata = meta, .nmetadata = nmeta};
	tnsr_status st = tnsr_save_many(tmp("meta.tnsr"), NULL, &t, &name, 1, &opt);
	CHECK_EQ(st, TNSR_OK, "metadata of every type written");
	tnsr_reader *r;
	tnsr_member_info info;
	const tnsr_meta *items;
	size_t n;
	bool ok = !st && !tnsr_reader_open(tmp("meta.tnsr"), &r);
	ok = ok && !tnsr_reader_next(r, &info) && !tnsr_reader_metadata(r, &items, &n) && n == nmeta;
	for (size_t i = 0; ok && i < nmeta; i++) {
		const tnsr_meta *a = &items[i], *b = &meta[i];
		ok = strcmp(a->key, b->key) == 0 && a->type == b->type && a->is_array == b->is_array && a->count == b->count;
		for (size_t k = 0; ok && k < a->count; k++) {
			if (a->type == TNSR_META_STRING)
				ok = strcmp(((const char *const *)a->values)[k], ((const char *const *)b->values)[k]) == 0;
			else if (a->type == TNSR_META_BOOL)
				ok = ((const bool *)a->values)[k] == ((const bool *)b->values)[k];
			else
				ok = memcmp((const char *)a->values + 8 * k, (const char *)b->values + 8 * k, 8) == 0;
		}
	}
	CHECK(ok, "metadata reads back: keys, types, scalars and arrays (an empty one included), UTF-8");
	if (ok)
		tnsr_reader_close(r);

	/* The corpus file written by the Python generator. */
	ok = !tnsr_reader_open(fixture("metadata.tnsr"), &r) && !tnsr_reader_next(r, &info) &&
	     !tnsr_reader_metadata(r, &items, &n) && n == 10;
	ok = ok && strcmp(items[0].key, "creator") == 0 && items[0].type == TNSR_META_STRING && !items[0].is_array &&
	     strcmp(*(const char *const *)items[0].values, "gen_tnsr_corpus.py") == 0;
	ok = ok && items[1].type == TNSR_META_I64 && *(const int64_t *)items[1].values == -42;
	ok = ok && items[2].type == TNSR_META_F64 && *(const double *)items[2].values == 0.125;
	ok = ok && items[3].type == TNSR_META_BOOL && *(const bool *)items[3].values;
	ok = ok && items[4].is_array && items[4].count == 3 && ((const int64_t *)items[4].values)[2] == -5;
	ok = ok && items[7].type == TNSR_META_STRING && items[7].count == 3 &&
	     strcmp(((const char *const *)items[7].values)[1], "\xce\xb2\xce\xb3") == 0 &&
	     strcmp(((const char *const *)items[7].values)[2], "") == 0;
	ok = ok && strcmp(items[8].key, "empty") == 0 && items[8].is_array && items[8].count == 0;
	ok = ok && strcmp(items[9].key, "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87") == 0;
	CHECK(ok, "metadata.tnsr (the Python generator's): every key, type and value as written");
	if (ok)
		tnsr_reader_close(r);

	/* Refused: duplicate keys, a scalar of 2 values, an empty key. */
	tnsr_meta dup[] = {{"k", TNSR_META_I64, false, 1, &seed}, {"k", TNSR_META_I64, false, 1, &seed}};
	opt.metadata = dup;
	opt.nmetadata = 2;
	st = tnsr_save_many(tmp("meta2.tnsr"), NULL, &t, &name, 1, &opt);
	CHECK(st == TNSR_E_VALUE && strstr(tnsr_error_message(), "metadata key 'k' given twice"), "duplicate metadata keys refused");
	tnsr_meta two[] = {{"k", TNSR_META_I64, false, 2, ints}};
	opt.metadata = two;
	opt.nmetadata = 1;
	st = tnsr_save_many(tmp("meta2.tnsr"), NULL, &t, &name, 1, &opt);
	CHECK(st == TNSR_E_VALUE && strstr(tnsr_error_message(), "expected 1 for a scalar"), "a scalar with 2 values refused");

	/* Other formats store none. */
	tnsr_save(tmp("x.npy"), NULL, t);
	ok = !tnsr_reader_open(tmp("x.npy"), &r) && !tnsr_reader_next(r, &info) && !tnsr_reader_metadata(r, &items, &n) &&
	     n == 0 && items == NULL;
	CHECK(ok, "tnsr_reader_metadata: none for .npy");
	if (ok)
		tnsr_reader_close(r);
	tnsr_tensor_free(t);
}

/* Shuffle+deflate: every dtype and shape at several levels, a multi-frame tensor, and
 * incompressible data, which stays raw (and mapped). */
static void test_encoded(void)
{
	static const int64_t shapes[][TNSR_MAX_DIMS] = {{0}, {0}, {3, 4}, {2, 0, 3}, {300, 1000}};
	static const int ndims[] = {0, 1, 2, 3, 2};
	tnsr_tensor *t[TNSR_DTYPE_COUNT * 5 + 1];
	char names[TNSR_DTYPE_COUNT * 5 + 1][32];
	const char *np[TNSR_DTYPE_COUNT * 5 + 1];
	int n = 0;
	for (int d = 0; d < TNSR_DTYPE_COUNT; d++)
		for (int k = 0; k < 4; k++) { /* the big shape only once, below */
			t[n] = pattern((tnsr_dtype)d, ndims[k], shapes[k], (unsigned)n);
			snprintf(names[n], sizeof names[n], "%s_%d", tnsr_dtype_name((tnsr_dtype)d), k);
			np[n] = names[n];
			n++;
		}
	t[n] = pattern(TNSR_F32, 2, shapes[4], 5); /* 1.2 MB: two frames */
	np[n++] = "big";
	bool bad = false;
	for (int level = 1; level <= 9; level += 8) {
		tnsr_write_options opt = {.compress = level, .order = 'C'};
		tnsr_status st = tnsr_save_many(tmp("enc.tnsr"), NULL, t, np, n, &opt);
		if (st || compare_file(tmp("enc.tnsr"), t, np, n, 1)) {
			printf("#   level %d: %s\n", level, st ? tnsr_error_message() : "differs");
			bad = true;
		}
	}
	CHECK(!bad, "shuffle+deflate levels 1 and 9: every dtype, 0-d, empty, 2-d, a 2-frame tensor read back equal");

	/* Which members were encoded: the pattern compresses; random bytes do not. */
	tnsr_tensor *noise;
	tnsr_tensor_empty(TNSR_U8, 1, (int64_t[]){5000}, &noise);
	uint32_t x = 1;
	for (int i = 0; i < 5000; i++)
		((unsigned char *)tnsr_tensor_data(noise))[i] = (unsigned char)((x = x * 1664525 + 1013904223) >> 24);
	tnsr_tensor *two[2] = {t[n - 1], noise};
	const char *two_names[2] = {"big", "noise"};
	tnsr_write_options opt = {.compress = 6, .order = 'C'};
	tnsr_reader *r;
	tnsr_member_info a, b;
	bool ok = !tnsr_save_many(tmp("mix.tnsr"), NULL, two, two_names, 2, &opt) && !tnsr_reader_open(tmp("mix.tnsr"), &r);
	ok = ok && !tnsr_reader_next(r, &a) && !tnsr_reader_verify(r) && !tnsr_reader_next(r, &b);
	ok = ok && !a.mappable && strstr(a.why_not_mappable, "shuffle+deflate-encoded") && b.mappable && b.offset % 64 == 0;
	CHECK(ok, "a compressible tensor is encoded (decoded when read), an incompressible one stays raw and mapped");
	if (ok)
		tnsr_reader_close(r);
	size_t len;
	char *bytes = slurp(tmp("mix.tnsr"), &len);
	CHECK(bytes && len < 1200000 / 10 && tnsr_le32((unsigned char *)bytes + P_FLAGS_REQ) == TNSR_FLAG_ENCODED &&
	      tnsr_le16((unsigned char *)bytes + P_MINOR) == 1,
	      "... the file is version 1.1 with the encoded flag, and far smaller");
	free(bytes);
	size_t m;
	tnsr_save(tmp("plain.tnsr"), NULL, noise);
	bytes = slurp(tmp("plain.tnsr"), &m);
	CHECK(bytes && tnsr_le16((unsigned char *)bytes + P_MINOR) == 0 && tnsr_le32((unsigned char *)bytes + P_FLAGS_REQ) == 0,
	      "files without encoded tensors stay version 1.0");
	free(bytes);
	tnsr_tensor_free(noise);
	for (int i = 0; i < n; i++)
		tnsr_tensor_free(t[i]);
}

/* ---------------------------------------------------------------- streaming writes */

static void test_streaming_writer(void)
{
	int64_t shape[] = {1000, 3};
	tnsr_tensor *t = pattern(TNSR_I32, 2, shape, 3);
	tnsr_sink *sink;
	tnsr_writer *w;
	tnsr_status st = tnsr_sink_open(tmp("stream.tnsr"), &sink);
	if (!st)
		st = tnsr_writer_begin(sink, NULL, TNSR_I32, 2, shape, &w);
	const char *p = tnsr_tensor_data(t);
	size_t left = tnsr_tensor_nbytes(t), piece = 1;
	while (!st && left) { /* pieces of 1, 2, 4 ... bytes: not aligned to elements */
		size_t k = piece < left ? piece : left;
		st = tnsr_writer_data(w, p, k);
		p += k;
		left -= k;
		piece *= 2;
	}
	if (!st)
		st = tnsr_writer_end(w);
	if (!st)
		st = tnsr_sink_commit(sink);
	CHECK_EQ(st, TNSR_OK, "streaming writer: header, data in uneven pieces, trailer");
	const char *arr0 = "arr_0";
	CHECK_EQ(compare_file(tmp("stream.tnsr"), &t, &arr0, 1, 64), 0, "... reads back equal (mapped, pipe)");
	size_t n1, n2;
	char *a = slurp(tmp("stream.tnsr"), &n1);
	tnsr_save(tmp("saved.tnsr"), NULL, t);
	char *b = slurp(tmp("saved.tnsr"), &n2);
	CHECK(n1 == n2 && memcmp(a, b, n1) == 0, "... byte for byte what tnsr_save writes (a canonical layout)");
	free(a);
	free(b);

	/* Too few bytes: end fails and the file is not committed. */
	st = tnsr_sink_open(tmp("short.tnsr"), &sink);
	if (!st)
		st = tnsr_writer_begin(sink, "tnsr", TNSR_I32, 2, shape, &w);
	if (!st)
		st = tnsr_writer_data(w, tnsr_tensor_data(t), 100);
	st = st ? st : tnsr_writer_end(w);
	CHECK(st == TNSR_E_VALUE && strstr(tnsr_error_message(), "100 bytes of data written"), "streaming writer: short data refused");
	tnsr_sink_abort(sink);
	CHECK(access(tmp("short.tnsr"), F_OK) != 0, "... and no file is left");
	tnsr_tensor_free(t);
}

/* ---------------------------------------------------------------- damage */

static void test_truncation_and_flips(void)
{
	tnsr_tensor *t[2] = {pattern(TNSR_F32, 1, (int64_t[]){5}, 1), pattern(TNSR_U8, 2, (int64_t[]){3, 3}, 2)};
	const char *names[2] = {"w", "b"};
	bool yes = true;
	tnsr_meta meta[] = {{"ok", TNSR_META_BOOL, false, 1, &yes}};
	tnsr_write_options opt = {.compress = -1, .order = 'C', .metadata = meta, .nmetadata = 1};
	tnsr_save_many(tmp("good.tnsr"), NULL, t, names, 2, &opt);
	size_t n;
	unsigned char *good = (unsigned char *)slurp(tmp("good.tnsr"), &n);
	uint64_t header_len = tnsr_le64(good + P_HEADER_LEN), data_offset = tnsr_le64(good + P_DATA_OFFSET);
	int count, missed = 0, cuts = 0;
	/* Every cut in the header, in the data and trailer, a sample of the padding; a
	 * pipe (a process each) every third one. */
	for (size_t cut = 1; cut < n; cut++) {
		if (cut > header_len + 8 && cut < data_offset - 8 && cut % 97)
			continue;
		cuts++;
		for (int mode = 0; mode < (cut % 3 ? 1 : 2); mode++)
			if (read_bytes(tmp("cut.tnsr"), good, cut, mode == 0, true, &count) == TNSR_OK) {
				printf("#   a cut at %zu (%s) went unnoticed\n", cut, mode ? "pipe" : "mapped");
				missed++;
			}
	}
	CHECK(cuts > 200 && missed == 0, "every truncation refused, mapped and through a pipe (no SIGBUS)");

	/* A bit of every byte that is not padding (each bit position in turn), and a
	 * sample of the padding; a pipe every other one. */
	int flips = 0;
	missed = 0;
	unsigned char *bad = malloc(n);
	for (size_t at = 0; at < n; at++) {
		if (at > header_len + 8 && at < data_offset - 8 && at % 61)
			continue;
		for (int bit = (int)(at % 8); bit < 8; bit += 8) {
			memcpy(bad, good, n);
			bad[at] ^= (unsigned char)(1 << bit);
			flips++;
			for (int mode = 0; mode < (at % 2 ? 1 : 2); mode++)
				if (read_bytes(tmp("flip.tnsr"), bad, n, mode == 0, true, &count) == TNSR_OK) {
					printf("#   a flip of bit %d at %zu (%s) went unnoticed\n", bit, at, mode ? "pipe" : "mapped");
					missed++;
				}
		}
	}
	CHECK(flips > 300 && missed == 0, "every bit flip detected (header, padding, data, footers, trailer), mapped with verify and piped");
	free(bad);

	/* The same for an encoded tensor: frames, their heads and checksums included. */
	tnsr_tensor *c = pattern(TNSR_F32, 1, (int64_t[]){1024}, 3);
	opt.compress = 6;
	tnsr_save_many(tmp("enc.tnsr"), NULL, &c, names, 1, &opt);
	tnsr_tensor_free(c);
	size_t en;
	unsigned char *enc = (unsigned char *)slurp(tmp("enc.tnsr"), &en);
	uint64_t eh = tnsr_le64(enc + P_HEADER_LEN), ed = tnsr_le64(enc + P_DATA_OFFSET);
	flips = missed = 0;
	bad = malloc(en);
	for (size_t at = 0; at < en; at++) {
		if (at > eh + 8 && at < ed - 8)
			continue;
		memcpy(bad, enc, en);
		bad[at] ^= (unsigned char)(1 << (at % 8));
		flips++;
		for (int mode = 0; mode < (at % 4 ? 1 : 2); mode++)
			if (read_bytes(tmp("flip.tnsr"), bad, en, mode == 0, true, &count) == TNSR_OK) {
				printf("#   encoded: a flip at %zu (%s) went unnoticed\n", at, mode ? "pipe" : "mapped");
				missed++;
			}
	}
	CHECK(tnsr_le32(enc + P_FLAGS_REQ) == TNSR_FLAG_ENCODED && flips > 200 && missed == 0,
	      "every bit flip of an encoded file detected, mapped with verify and piped");
	free(bad);
	free(enc);

	/* Concatenation: members of both files; trailing bytes refused. */
	size_t m = 2 * n + 5;
	unsigned char *two = malloc(m);
	memcpy(two, good, n);
	memcpy(two + n, good, n);
	memcpy(two + 2 * n, "junk\n", 5);
	for (int mode = 0; mode < 2; mode++) {
		tnsr_status st = read_bytes(tmp("cat.tnsr"), two, 2 * n, mode == 0, true, &count);
		if (!CHECK(st == TNSR_OK && count == 4, mode ? "two files through a pipe: 4 members" : "two files mapped: 4 members"))
			printf("#   status %d, %d members: %s\n", (int)st, count, tnsr_error_message());
		st = read_bytes(tmp("cat.tnsr"), two, m, mode == 0, false, &count);
		CHECK(st == TNSR_E_FORMAT && strstr(tnsr_error_message(), "trailing bytes at byte"),
		      mode ? "trailing bytes after a stream of files refused (pipe)" : "trailing bytes refused (mapped)");
	}
	free(two);
	free(good);
	tnsr_tensor_free(t[0]);
	tnsr_tensor_free(t[1]);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	test_crc32c();
	test_utf8();
	test_corpus_valid();
	test_corpus_invalid();
	test_round_trips();
	test_metadata();
	test_encoded();
	test_streaming_writer();
	test_truncation_and_flips();
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return check_done();
}
