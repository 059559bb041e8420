/* ref_memcpy.c: the memory-bandwidth reference for the bandwidth benchmarks.  It times
 * memcpy of one large buffer into another and a read-only pass (a sum) over it, on one
 * thread and split across T threads, and prints one line per timed repetition.
 *
 *   ref_memcpy [-m copy|read|both] [-r REPS] [-t THREADS] [MIB]
 *                              (defaults: both, 5 reps, 2 threads, 512 MiB)
 *
 * Output lines: "copy1_s T", "copyN_s T", "read1_s T", "readN_s T" (seconds each), after a
 * "bytes B" line.  Both buffers are touched first, so no page fault lands in a timing.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One thread's share: [begin, end) bytes of src, copied into dst or summed. */
typedef struct {
	unsigned char *dst;
	const unsigned char *src;
	size_t begin, end;
	int copy;
	uint64_t sum;
} part;

/* Four independent accumulators so that the loop is bound by loads, not by a chain of
 * adds; the result is printed so the compiler cannot drop the pass. */
static uint64_t sum_u64(const uint64_t *p, size_t n)
{
	uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += p[i];
		s1 += p[i + 1];
		s2 += p[i + 2];
		s3 += p[i + 3];
	}
	for (; i < n; i++)
		s0 += p[i];
	return s0 + s1 + s2 + s3;
}

static void *work(void *arg)
{
	part *w = arg;
	if (w->copy)
		memcpy(w->dst + w->begin, w->src + w->begin, w->end - w->begin);
	else
		w->sum = sum_u64((const uint64_t *)(w->src + w->begin), (w->end - w->begin) / 8);
	return NULL;
}

/* Runs one copy or read pass over bytes split across nthreads; returns seconds. */
static double pass(unsigned char *dst, const unsigned char *src, size_t bytes, int nthreads,
		   int copy, uint64_t *sum)
{
	part parts[64];
	pthread_t tid[64];
	size_t share = bytes / (size_t)nthreads / 4096 * 4096;
	for (int t = 0; t < nthreads; t++) {
		parts[t] = (part){dst, src, (size_t)t * share,
				  t == nthreads - 1 ? bytes : (size_t)(t + 1) * share, copy, 0};
	}
	double t0 = now();
	for (int t = 1; t < nthreads; t++)
		pthread_create(&tid[t], NULL, work, &parts[t]);
	work(&parts[0]);
	for (int t = 1; t < nthreads; t++)
		pthread_join(tid[t], NULL);
	double t1 = now();
	for (int t = 0; t < nthreads; t++)
		*sum += parts[t].sum;
	return t1 - t0;
}

int main(int argc, char **argv)
{
	int reps = 5, threads = 2, copy = 1, read = 1, opt;
	while ((opt = getopt(argc, argv, "m:r:t:")) != -1) {
		if (opt == 'm' && (!strcmp(optarg, "copy") || !strcmp(optarg, "read") ||
				   !strcmp(optarg, "both"))) {
			copy = strcmp(optarg, "read") != 0;
			read = strcmp(optarg, "copy") != 0;
		} else if (opt == 'r') {
			reps = atoi(optarg);
		} else if (opt == 't') {
			threads = atoi(optarg);
		} else {
			fprintf(stderr, "usage: ref_memcpy [-m copy|read|both] [-r REPS] [-t THREADS] [MIB]\n");
			return 2;
		}
	}
	if (threads < 1 || threads > 64 || reps < 1)
		return fprintf(stderr, "ref_memcpy: need 1 <= threads <= 64, reps >= 1\n"), 2;
	size_t mib = optind < argc ? (size_t)atol(argv[optind]) : 512;
	size_t bytes = mib << 20;
	unsigned char *src = aligned_alloc(4096, bytes), *dst = aligned_alloc(4096, bytes);
	if (!src || !dst || bytes == 0)
		return fprintf(stderr, "ref_memcpy: cannot allocate 2 x %zu MiB\n", mib), 1;
	memset(src, 1, bytes);
	memset(dst, 2, bytes);

	uint64_t sum = 0;
	printf("bytes %zu\nthreads %d\n", bytes, threads);
	/* One untimed pass first: warms the TLB, the caches and the frequency governor. */
	pass(dst, src, bytes, 1, copy, &sum);
	for (int r = 0; r < reps; r++) {
		if (copy) {
			printf("copy1_s %.6f\n", pass(dst, src, bytes, 1, 1, &sum));
			printf("copyN_s %.6f\n", pass(dst, src, bytes, threads, 1, &sum));
		}
		if (read) {
			printf("read1_s %.6f\n", pass(dst, src, bytes, 1, 0, &sum));
			printf("readN_s %.6f\n", pass(dst, src, bytes, threads, 0, &sum));
		}
	}
	printf("checksum %llu\n", (unsigned long long)(sum + dst[bytes - 1]));
	free(src);
	free(dst);
	return 0;
}
