/* stats.c: min/max/mean/std and NaN/Inf counts, streamed chunk by chunk.  Means and
 * variances are combined across chunks with Chan's pairwise update, in f64, so that a
 * billion values are summed as accurately as a two-pass algorithm would. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

enum { CHUNK_BYTES = 1 << 20 };

/* One chunk's finite values, already widened to double (complex: magnitudes). */
static void add_values(tinfo_stats *s, const double *x, size_t n)
{
	double sum = 0, m2 = 0;
	int64_t k = 0;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < n; i++) {
		if (isnan(x[i])) {
			s->nan++;
		} else if (isinf(x[i])) {
			s->inf++;
		} else {
			sum += x[i];
			k++;
			lo = x[i] < lo ? x[i] : lo;
			hi = x[i] > hi ? x[i] : hi;
		}
	}
	if (k == 0)
		return;
	double mean = sum / (double)k;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			m2 += (x[i] - mean) * (x[i] - mean);
	/* Chan et al.: merge (count, mean, M2) of the chunk into the running totals;
	 * s->std holds M2 until the end. */
	int64_t total = s->count + k;
	double delta = mean - s->mean;
	s->mean += delta * (double)k / (double)total;
	s->std += m2 + delta * delta * (double)s->count * (double)k / (double)total;
	s->count = total;
	s->min = lo < s->min ? lo : s->min;
	s->max = hi > s->max ? hi : s->max;
}

/* Exact integer extremes: doubles cannot hold every i64/u64. */
static void add_integers(tinfo_stats *s, tnsr_dtype dtype, const void *raw, size_t n, void *wide)
{
	if (dtype == TNSR_U64) {
		const uint64_t *u = raw;
		for (size_t i = 0; i < n; i++) {
			s->umin = u[i] < s->umin ? u[i] : s->umin;
			s->umax = u[i] > s->umax ? u[i] : s->umax;
		}
		return;
	}
	int64_t *v = wide;
	tnsr_convert(TNSR_I64, v, dtype, raw, n);
	for (size_t i = 0; i < n; i++) {
		s->imin = v[i] < s->imin ? v[i] : s->imin;
		s->imax = v[i] > s->imax ? v[i] : s->imax;
	}
}

tnsr_status tinfo_stats_compute(tnsr_reader *r, const tnsr_member_info *info, tinfo_stats *s)
{
	tnsr_dtype dtype = info->dtype;
	bool complex = tnsr_dtype_is_complex(dtype);
	size_t itemsize = tnsr_dtype_size(dtype), per_chunk = CHUNK_BYTES / 16;
	memset(s, 0, sizeof *s);
	s->min = INFINITY;
	s->max = -INFINITY;
	s->imin = INT64_MAX;
	s->imax = INT64_MIN;
	s->umin = UINT64_MAX;
	s->exact_int = tnsr_dtype_is_integral(dtype) || dtype == TNSR_BOOL;
	char *raw = malloc(per_chunk * itemsize);
	double *x = malloc(per_chunk * 2 * sizeof *x);
	if (!raw || !x) {
		free(raw);
		free(x);
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	}
	tnsr_status st;
	for (;;) {
		size_t got;
		if ((st = tnsr_reader_read_data(r, raw, per_chunk * itemsize, &got)) || got == 0)
			break;
		size_t n = got / itemsize;
		if (s->exact_int)
			add_integers(s, dtype, raw, n, x);
		if (complex) {
			tnsr_convert(TNSR_C128, x, dtype, raw, n);
			for (size_t i = 0; i < n; i++)
				x[i] = hypot(x[2 * i], x[2 * i + 1]);
		} else {
			tnsr_convert(TNSR_F64, x, dtype, raw, n);
		}
		add_values(s, x, n);
	}
	free(raw);
	free(x);
	s->std = s->count > 1 ? sqrt(s->std / (double)(s->count - 1)) : NAN;
	if (s->count == 0)
		s->mean = s->min = s->max = NAN;
	return st;
}
