/* ref_sgemm.c: the direct-OpenBLAS reference for the matmul benchmark.  It maps two 2-D f32
 * C-order .npy files, multiplies them with one cblas_sgemm call and writes the product as
 * .npy: what a hand-written C program would do, with no library of ours in between.
 *
 *   ref_sgemm A.npy B.npy C.npy       load (mmap) + sgemm + write: time the whole process
 *   ref_sgemm -r N A.npy B.npy        also time N further sgemm calls alone, one line each
 *   ref_sgemm -i                      print the OpenBLAS build, core and thread count
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The few OpenBLAS entry points used, declared here because the installed cblas.h may be
 * the reference (netlib) one, which lacks the openblas_* functions. */
enum { RowMajor = 101, NoTrans = 111 };
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a,
		 int lda, const float *b, int ldb, float beta, float *c, int ldc);
int openblas_get_num_threads(void);
char *openblas_get_config(void);
char *openblas_get_corename(void);

static void die(const char *what, const char *why)
{
	fprintf(stderr, "ref_sgemm: %s: %s\n", what, why);
	exit(1);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A mapped 2-D f32 C-order .npy file: rows x cols floats at data. */
typedef struct {
	const float *data;
	long rows, cols;
} matrix;

/* Maps path and checks that its header says '<f4', C order and a 2-D shape that fits. */
static matrix map_npy(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		die(path, strerror(errno));
	if (st.st_size < 16)
		die(path, "too short for a .npy header");
	const unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die(path, strerror(errno));
	close(fd);
	if (memcmp(p, "\x93NUMPY", 6) != 0)
		die(path, "not a .npy file");
	size_t hlen, hstart;
	if (p[6] == 1) {
		hlen = (size_t)p[8] | (size_t)p[9] << 8;
		hstart = 10;
	} else {
		hlen = (size_t)p[8] | (size_t)p[9] << 8 | (size_t)p[10] << 16 | (size_t)p[11] << 24;
		hstart = 12;
	}
	if (hstart + hlen > (size_t)st.st_size || hlen > 65536)
		die(path, "header runs past the end of the file");
	char hdr[65537];
	memcpy(hdr, p + hstart, hlen);
	hdr[hlen] = '\0';
	if (!strstr(hdr, "'descr': '<f4'"))
		die(path, "dtype is not little-endian f32 ('<f4')");
	if (!strstr(hdr, "'fortran_order': False"))
		die(path, "not C order");
	const char *s = strstr(hdr, "'shape': (");
	matrix m;
	if (!s || sscanf(s, "'shape': (%ld, %ld)", &m.rows, &m.cols) != 2 || m.rows <= 0 ||
	    m.cols <= 0 || m.rows > INT32_MAX || m.cols > INT32_MAX)
		die(path, "shape is not 2-D with positive sizes");
	if ((size_t)m.rows * (size_t)m.cols * 4 > (size_t)st.st_size - hstart - hlen)
		die(path, "file shorter than its shape says");
	if ((hstart + hlen) % 4 != 0)
		die(path, "data not 4-byte aligned");
	m.data = (const float *)(p + hstart + hlen);
	return m;
}

static void write_all(int fd, const void *buf, size_t n, const char *path)
{
	const char *b = buf;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die(path, strerror(errno));
		}
		b += w;
		n -= (size_t)w;
	}
}

/* Writes rows x cols floats as a version-1 .npy whose header is padded to 64 bytes, as
 * NumPy writes it, through a temporary renamed over path (the tools' atomic write). */
static void write_npy(const char *path, const float *c, long rows, long cols)
{
	char hdr[128];
	int n = snprintf(hdr + 10, sizeof hdr - 10,
			 "{'descr': '<f4', 'fortran_order': False, 'shape': (%ld, %ld), }", rows,
			 cols);
	int total = 10 + n + 1;
	int padded = (total + 63) / 64 * 64;
	memset(hdr + 10 + n, ' ', (size_t)(padded - total));
	hdr[padded - 1] = '\n';
	memcpy(hdr, "\x93NUMPY\x01\x00", 8);
	hdr[8] = (char)((padded - 10) & 0xff);
	hdr[9] = (char)((padded - 10) >> 8);

	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		die(path, strerror(errno));
	write_all(fd, hdr, (size_t)padded, path);
	write_all(fd, c, (size_t)rows * (size_t)cols * sizeof(float), path);
	if (close(fd) != 0 || rename(tmp, path) != 0)
		die(path, strerror(errno));
}

int main(int argc, char **argv)
{
	int reps = 0, opt;
	while ((opt = getopt(argc, argv, "r:i")) != -1) {
		if (opt == 'r') {
			reps = atoi(optarg);
		} else if (opt == 'i') {
			printf("openblas_threads %d\nopenblas_core %s\nopenblas_config %s\n",
			       openblas_get_num_threads(), openblas_get_corename(),
			       openblas_get_config());
			return 0;
		} else {
			fprintf(stderr, "usage: ref_sgemm [-r REPS] A.npy B.npy [C.npy] | ref_sgemm -i\n");
			return 2;
		}
	}
	if (argc - optind < 2 || argc - optind > 3) {
		fprintf(stderr, "usage: ref_sgemm [-r REPS] A.npy B.npy [C.npy] | ref_sgemm -i\n");
		return 2;
	}
	matrix a = map_npy(argv[optind]), b = map_npy(argv[optind + 1]);
	if (a.cols != b.rows)
		die("shapes", "A's columns != B's rows");
	size_t bytes = (size_t)a.rows * (size_t)b.cols * sizeof(float);
	float *c = aligned_alloc(64, (bytes + 63) / 64 * 64);
	if (!c)
		die("C", "out of memory");

	double t0 = now();
	cblas_sgemm(RowMajor, NoTrans, NoTrans, (int)a.rows, (int)b.cols, (int)a.cols, 1.0f,
		    a.data, (int)a.cols, b.data, (int)b.cols, 0.0f, c, (int)b.cols);
	double t1 = now();
	if (reps > 0) {
		/* The first call above paid for faulting the mapped inputs in; these are the
		 * steady-state cost of the call alone. */
		printf("first_sgemm_s %.6f\n", t1 - t0);
		for (int r = 0; r < reps; r++) {
			double s = now();
			cblas_sgemm(RowMajor, NoTrans, NoTrans, (int)a.rows, (int)b.cols,
				    (int)a.cols, 1.0f, a.data, (int)a.cols, b.data, (int)b.cols,
				    0.0f, c, (int)b.cols);
			printf("sgemm_s %.6f\n", now() - s);
		}
	}
	if (argc - optind == 3)
		write_npy(argv[optind + 2], c, a.rows, b.cols);
	free(c);
	return 0;
}
