/* test_reduce.c: the streamed reductions (tnsr_reduce_begin/feed/end).  Feeding an input
 * in chunks of many odd sizes, starting anywhere, gives bit-identical results to one
 * whole feed and to any thread count; results match a plain reference loop (long double
 * accumulation, one output at a time); a sum of 10^7 copies of 0.1f keeps 1e-6 relative
 * accuracy; the errors PyTorch raises are refused with one clear line. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}
static double next_unit(void) { return (double)(next_u64() >> 11) * 0x1p-53; }

/* An f64 tensor of SHAPE: values in [-2, 2) on a coarse grid (so ties happen), with a few
 * NaN and inf when SPECIAL. */
static tnsr_tensor *make_input(int ndim, const int64_t *shape, bool special)
{
	tnsr_tensor *t;
	if (tnsr_tensor_empty(TNSR_F64, ndim, shape, &t)) {
		printf("Bail out! %s\n", tnsr_error_message());
		exit(1);
	}
	double *d = tnsr_tensor_data(t);
	int64_t n = tnsr_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		d[i] = floor(next_unit() * 64) / 16 - 2 + next_unit() * 1e-3;
		if (special && next_u64() % 97 == 0)
			d[i] = next_u64() % 3 == 0 ? NAN : next_u64() % 2 ? INFINITY : -INFINITY;
	}
	return t;
}

static tnsr_tensor *as_dtype(const tnsr_tensor *t, tnsr_dtype dtype)
{
	tnsr_tensor *c;
	if (tnsr_tensor_cast(t, dtype, &c)) {
		printf("Bail out! %s\n", tnsr_error_message());
		exit(1);
	}
	return c;
}

/* Reduces X fed in chunks of the sizes in CHUNKS (cycled; 0 means everything at once). */
static tnsr_status reduce_chunked(const tnsr_op *op, const tnsr_op_args *args, const tnsr_tensor *x,
				  const int64_t *chunks, int nchunks, tnsr_tensor **out)
{
	tnsr_reduce_state *st;
	tnsr_status s = tnsr_reduce_begin(op, args, x->dtype, x->ndim, x->shape, &st);
	if (s)
		return s;
	int64_t n = tnsr_tensor_numel(x), pos = 0;
	size_t es = tnsr_dtype_size(x->dtype);
	const char *data = tnsr_tensor_data(x);
	for (int i = 0; pos < n; i++) {
		int64_t c = chunks[i % nchunks];
		int64_t m = c == 0 || n - pos < c ? n - pos : c;
		/* each chunk in a fresh buffer, so that the state cannot keep pointers into it;
		 * every other one at an odd address (a stream's buffer need not be aligned) */
		char *buf = malloc((size_t)m * es + 1), *at = buf + (nchunks > 1 ? i % 2 : 0);
		memcpy(at, data + (size_t)pos * es, (size_t)m * es);
		s = tnsr_reduce_feed(st, at, pos, m);
		free(buf);
		if (s) {
			tnsr_reduce_free(st);
			return s;
		}
		pos += m;
	}
	return tnsr_reduce_end(st, out);
}

static bool same_tensor(const tnsr_tensor *a, const tnsr_tensor *b)
{
	if (a->dtype != b->dtype || a->ndim != b->ndim || memcmp(a->shape, b->shape, sizeof *a->shape * (size_t)a->ndim))
		return false;
	return memcmp(tnsr_tensor_data(a), tnsr_tensor_data(b), tnsr_tensor_nbytes(a)) == 0;
}

typedef struct rcase {
	const char *op;
	tnsr_dtype dtype;
	int ndim;
	int64_t shape[4];
	int ndims;
	int dims[4];
	bool keepdim;
	double ord, correction;
} rcase;

static tnsr_op_args case_args(const rcase *c)
{
	tnsr_op_args a = tnsr_op_args_default();
	a.ndims = c->ndims;
	memcpy(a.dims, c->dims, sizeof c->dims);
	a.keepdim = c->keepdim;
	if (c->ord != 0 || strcmp(c->op, "norm") == 0)
		a.ord = c->ord;
	if (c->correction >= 0)
		a.correction = c->correction;
	return a;
}

static void describe(const rcase *c, char *buf, size_t size)
{
	char sh[128];
	int n = snprintf(buf, size, "%s %s %s dims", c->op, tnsr_dtype_name(c->dtype),
			 tnsr_shape_format(c->ndim, c->shape, sh, sizeof sh));
	for (int i = 0; i < c->ndims; i++)
		n += snprintf(buf + n, size - (size_t)n, "%s%d", i ? "," : " ", c->dims[i]);
	if (c->ndims == 0)
		n += snprintf(buf + n, size - (size_t)n, " all");
	if (c->keepdim)
		snprintf(buf + n, size - (size_t)n, " keepdim");
}

/* Chunk patterns: odd sizes around the block length, tiny ones, and a pseudo-random walk. */
static const int64_t chunk_sets[][8] = {
	{1}, {3, 5}, {7}, {13, 1, 4094}, {4095}, {4097, 2}, {10007, 333}, {65521, 1, 100003},
};
static const int chunk_counts[] = {1, 2, 1, 3, 1, 2, 2, 3};

static void check_chunking(const rcase *c, bool special)
{
	char what[256], msg[400];
	describe(c, what, sizeof what);
	tnsr_tensor *x64 = make_input(c->ndim, c->shape, special);
	tnsr_tensor *x = as_dtype(x64, c->dtype);
	tnsr_op_args args = case_args(c);
	const tnsr_op *op = tnsr_op_find(c->op);
	tnsr_tensor *whole = NULL;
	int64_t all = 0;
	if (reduce_chunked(op, &args, x, &all, 1, &whole)) {
		snprintf(msg, sizeof msg, "%s: whole feed", what);
		CHECK(0, msg);
		printf("#   %s\n", tnsr_error_message());
		goto done;
	}
	int64_t n = tnsr_tensor_numel(x);
	int bad = 0;
	for (size_t s = 0; s < sizeof chunk_sets / sizeof *chunk_sets; s++) {
		if (n > 200000 && chunk_sets[s][0] < 1000)
			continue; /* tiny chunks of a large input: slow, and covered on small ones */
		tnsr_tensor *got = NULL;
		if (reduce_chunked(op, &args, x, chunk_sets[s], chunk_counts[s], &got) || !same_tensor(got, whole)) {
			if (!bad++)
				printf("#   %s: chunks of %lld... differ from one feed\n", what, (long long)chunk_sets[s][0]);
		}
		tnsr_tensor_free(got);
	}
	/* random chunk sizes */
	int64_t walk[64];
	for (int i = 0; i < 64; i++)
		walk[i] = 1 + (int64_t)(next_u64() % (n > 100000 ? 50000 : 5000));
	tnsr_tensor *got = NULL;
	if (reduce_chunked(op, &args, x, walk, 64, &got) || !same_tensor(got, whole)) {
		if (!bad++)
			printf("#   %s: random chunks differ from one feed\n", what);
	}
	tnsr_tensor_free(got);
	/* one thread against the default */
	omp_set_num_threads(1);
	got = NULL;
	if (reduce_chunked(op, &args, x, &all, 1, &got) || !same_tensor(got, whole)) {
		if (!bad++)
			printf("#   %s: one thread differs\n", what);
	}
	omp_set_num_threads(omp_get_num_procs());
	tnsr_tensor_free(got);
	snprintf(msg, sizeof msg, "%s: chunked feeds and thread counts are bit-identical", what);
	if (bad)
		check_report(0, msg, __FILE__, __LINE__);
	else
		CHECK(1, msg);
done:
	tnsr_tensor_free(whole);
	tnsr_tensor_free(x);
	tnsr_tensor_free(x64);
}

/* ---------------------------------------------------------------- the reference */

/* For element E of X (C order), its output index and its index among that output's
 * elements. */
static void locate(int ndim, const int64_t *shape, const bool *red, int64_t e, int64_t *o, int64_t *r)
{
	int64_t out = 0, in = 0;
	int64_t idx[TNSR_MAX_DIMS];
	for (int d = ndim - 1; d >= 0; d--) {
		idx[d] = e % shape[d];
		e /= shape[d];
	}
	for (int d = 0; d < ndim; d++) {
		if (red[d])
			in = in * shape[d] + idx[d];
		else
			out = out * shape[d] + idx[d];
	}
	*o = out;
	*r = in;
}

/* The reference result of C (f64 input X) as f64 values, one per output. */
static double *reference(const rcase *c, const tnsr_tensor *x, int64_t *nout_out)
{
	bool red[TNSR_MAX_DIMS] = {false};
	for (int d = 0; d < c->ndim; d++)
		red[d] = c->ndims == 0;
	for (int i = 0; i < c->ndims; i++)
		red[(c->dims[i] + c->ndim) % c->ndim] = true;
	int64_t nout = 1, count = 1;
	for (int d = 0; d < c->ndim; d++)
		if (red[d])
			count *= c->shape[d];
		else
			nout *= c->shape[d];
	int64_t n = tnsr_tensor_numel(x);
	const double *v = tnsr_tensor_data(x);
	long double *a = calloc((size_t)nout, sizeof *a), *b = calloc((size_t)nout, sizeof *b);
	double *res = calloc((size_t)nout, sizeof *res);
	int64_t *arg = calloc((size_t)nout, sizeof *arg);
	const char *op = c->op;
	bool is_max = !strcmp(op, "max") || !strcmp(op, "argmax"), is_min = !strcmp(op, "min") || !strcmp(op, "argmin");
	for (int64_t o = 0; o < nout; o++) {
		a[o] = !strcmp(op, "prod") || !strcmp(op, "all") ? 1 : is_max ? -INFINITY : is_min ? INFINITY : 0;
		arg[o] = -1;
	}
	/* two passes: the first for mean (var) and max (logsumexp) */
	for (int64_t e = 0; e < n; e++) {
		int64_t o, r;
		locate(c->ndim, c->shape, red, e, &o, &r);
		long double x1 = v[e];
		if (!strcmp(op, "sum") || !strcmp(op, "mean") || !strcmp(op, "var") || !strcmp(op, "std"))
			a[o] += x1;
		else if (!strcmp(op, "prod"))
			a[o] *= x1;
		else if (is_max || is_min) {
			bool better = arg[o] < 0 || (is_max ? x1 > a[o] : x1 < a[o]) || (isnan(v[e]) && !isnan((double)a[o]));
			if (better && !(isnan((double)a[o]) && arg[o] >= 0)) {
				a[o] = x1;
				arg[o] = r;
			}
		} else if (!strcmp(op, "norm")) {
			long double m = fabsl(x1);
			if (c->ord == INFINITY)
				a[o] = arg[o] < 0 || m > a[o] ? m : a[o];
			else if (c->ord == -INFINITY)
				a[o] = arg[o] < 0 || m < a[o] ? m : a[o];
			else
				a[o] += c->ord == 0 ? (m != 0) : powl(m, c->ord);
			arg[o] = 0;
		}
		else if (!strcmp(op, "all"))
			a[o] = a[o] && x1 != 0;
		else if (!strcmp(op, "any"))
			a[o] = a[o] || x1 != 0;
		else if (!strcmp(op, "logsumexp"))
			a[o] = arg[o] < 0 || x1 > a[o] ? (arg[o] = 0, x1) : a[o];
	}
	for (int64_t e = 0; e < n; e++) {
		int64_t o, r;
		locate(c->ndim, c->shape, red, e, &o, &r);
		long double x1 = v[e];
		if (!strcmp(op, "var") || !strcmp(op, "std")) {
			long double d = x1 - a[o] / count;
			b[o] += d * d;
		} else if (!strcmp(op, "logsumexp")) {
			b[o] += expl(x1 - a[o]);
		}
	}
	for (int64_t o = 0; o < nout; o++) {
		double d = (double)count - (c->correction >= 0 ? c->correction : 1);
		res[o] = !strcmp(op, "mean")	  ? (double)(a[o] / count)
			 : !strcmp(op, "var")	  ? (double)(b[o] / (d > 0 ? d : 0))
			 : !strcmp(op, "std")	  ? sqrt((double)(b[o] / (d > 0 ? d : 0)))
			 : !strcmp(op, "norm")	  ? (fabs(c->ord) == INFINITY || c->ord == 0 ? (double)a[o]
									      : (double)powl(a[o], 1 / (long double)c->ord))
			 : !strcmp(op, "argmax") || !strcmp(op, "argmin") ? (double)arg[o]
			 : !strcmp(op, "logsumexp") ? (double)(a[o] + logl(b[o]))
						    : (double)a[o];
	}
	free(a);
	free(b);
	free(arg);
	*nout_out = nout;
	return res;
}

static void check_reference(const rcase *c)
{
	char what[256], msg[400];
	describe(c, what, sizeof what);
	tnsr_tensor *x = make_input(c->ndim, c->shape, false), *got = NULL;
	tnsr_op_args args = case_args(c);
	const tnsr_op *op = tnsr_op_find(c->op);
	int64_t nout;
	double *want = reference(c, x, &nout);
	snprintf(msg, sizeof msg, "%s: matches the reference loop", what);
	if (tnsr_op_apply(op, &x, 1, &args, &got)) {
		CHECK(0, msg);
		printf("#   %s\n", tnsr_error_message());
	} else {
		tnsr_tensor *g64 = as_dtype(got, TNSR_F64);
		const double *g = tnsr_tensor_data(g64);
		int64_t bad = -1;
		double tol = !strcmp(c->op, "prod") ? 1e-9 : 1e-12;
		for (int64_t o = 0; o < nout && bad < 0; o++)
			if (!(fabs(g[o] - want[o]) <= tol * fabs(want[o]) + 1e-300) && !(isnan(g[o]) && isnan(want[o])))
				bad = o;
		if (!CHECK(bad < 0 && tnsr_tensor_numel(got) == nout, msg) && bad >= 0)
			printf("#   output %lld: got %.17g, expected %.17g\n", (long long)bad, g[bad], want[bad]);
		tnsr_tensor_free(g64);
	}
	free(want);
	tnsr_tensor_free(got);
	tnsr_tensor_free(x);
}

/* ---------------------------------------------------------------- cases */

#define S1(a) 1, {a}
#define S2(a, b) 2, {a, b}
#define S3(a, b, c) 3, {a, b, c}
#define S4(a, b, c, d) 4, {a, b, c, d}
#define ALL 0, {0}
#define D1(a) 1, {a}
#define D2(a, b) 2, {a, b}

static const rcase layouts[] = {
	/* op, dtype, shape, dims, keepdim, ord, correction */
	{"sum", TNSR_F32, S1(10000), ALL, false, 0, -1},
	{"sum", TNSR_F32, S2(37, 531), D1(1), false, 0, -1},
	{"sum", TNSR_F32, S2(531, 37), D1(0), true, 0, -1},
	{"sum", TNSR_F32, S2(5000, 3), D1(0), false, 0, -1},
	{"sum", TNSR_F32, S2(3, 5000), D1(-1), false, 0, -1},
	{"sum", TNSR_F32, S3(5, 7, 311), D2(0, 2), false, 0, -1},
	{"sum", TNSR_F32, S3(31, 7, 53), D2(0, 2), false, 0, -1},
	{"sum", TNSR_F32, S3(31, 700, 5), D1(1), false, 0, -1},
	{"sum", TNSR_F32, S4(3, 5, 7, 11), D2(1, 3), true, 0, -1},
	{"sum", TNSR_F32, S4(2, 9000, 1, 3), D1(1), false, 0, -1},
	{"sum", TNSR_F64, S2(9001, 2), ALL, false, 0, -1},
	{"sum", TNSR_I32, S2(77, 131), D1(0), false, 0, -1},
	{"sum", TNSR_U8, S2(77, 131), D1(1), false, 0, -1},
	{"sum", TNSR_C64, S2(77, 131), D1(1), false, 0, -1},
	{"sum", TNSR_C64, S2(4099, 5), D1(0), false, 0, -1},
	{"sum", TNSR_F16, S2(77, 131), D1(1), false, 0, -1},
	{"sum", TNSR_F32, S3(4, 0, 5), D1(1), false, 0, -1},
	{"sum", TNSR_F32, S3(6, 1, 5), D1(1), false, 0, -1},
	{"mean", TNSR_F32, S3(13, 17, 19), D1(1), false, 0, -1},
	{"mean", TNSR_I64, S2(4097, 3), D1(0), false, 0, -1},
	{"prod", TNSR_F64, S2(120, 37), D1(1), false, 0, -1},
	{"prod", TNSR_I64, S2(37, 120), D1(0), false, 0, -1},
	{"prod", TNSR_C128, S2(50, 7), D1(0), false, 0, -1},
	{"max", TNSR_F32, S2(300, 41), D1(0), false, 0, -1},
	{"max", TNSR_F32, S2(41, 3000), D1(1), false, 0, -1},
	{"min", TNSR_I32, S3(17, 23, 29), D2(0, 2), false, 0, -1},
	{"min", TNSR_F16, S2(5000, 4), D1(0), false, 0, -1},
	{"argmax", TNSR_F32, S2(9000, 3), D1(0), false, 0, -1},
	{"argmax", TNSR_F32, S2(30, 9000), D1(1), false, 0, -1},
	{"argmax", TNSR_F64, S2(300, 301), ALL, false, 0, -1},
	{"argmin", TNSR_I64, S2(300, 41), D1(0), false, 0, -1},
	{"argmin", TNSR_U8, S2(3, 20000), D1(-1), true, 0, -1},
	{"std", TNSR_F32, S2(300, 41), D1(0), false, 0, -1},
	{"var", TNSR_F64, S2(41, 3000), D1(1), false, 0, 0},
	{"var", TNSR_F32, S2(9000, 3), D1(0), false, 0, 2},
	{"std", TNSR_C64, S2(100, 30), D1(1), false, 0, -1},
	{"norm", TNSR_F32, S2(300, 41), D1(0), false, 2, -1},
	{"norm", TNSR_F64, S2(41, 3000), D1(1), false, 1, -1},
	{"norm", TNSR_F32, S2(41, 3000), D1(1), false, INFINITY, -1},
	{"norm", TNSR_F32, S2(4001, 7), D1(0), false, -INFINITY, -1},
	{"norm", TNSR_F32, S2(41, 300), ALL, false, 0, -1},
	{"norm", TNSR_F64, S2(41, 300), D1(0), false, 3.5, -1},
	{"norm", TNSR_C64, S2(41, 300), D1(0), false, 2, -1},
	{"all", TNSR_F32, S2(300, 41), D1(0), false, 0, -1},
	{"any", TNSR_BOOL, S2(41, 3000), D1(1), false, 0, -1},
	{"all", TNSR_U8, S3(41, 30, 9), D1(1), false, 0, -1},
	{"logsumexp", TNSR_F32, S2(300, 41), D1(0), false, 0, -1},
	{"logsumexp", TNSR_F64, S2(41, 3000), D1(1), false, 0, -1},
	{"logsumexp", TNSR_F32, S2(5001, 3), D1(0), false, 0, -1},
	/* large: the threaded paths */
	{"sum", TNSR_F32, S1(600000), ALL, false, 0, -1},
	{"sum", TNSR_F64, S2(700, 900), D1(0), false, 0, -1},
	{"sum", TNSR_F32, S2(900, 700), D1(1), false, 0, -1},
	{"sum", TNSR_F32, S2(300000, 3), D1(0), false, 0, -1},
	{"sum", TNSR_F32, S2(3, 300000), D1(1), false, 0, -1},
	{"argmax", TNSR_F32, S2(2, 400000), D1(1), false, 0, -1},
	{"var", TNSR_F32, S1(500000), ALL, false, 0, -1},
	{"logsumexp", TNSR_F32, S2(700, 900), D1(0), false, 0, -1},
};

static const rcase references[] = {
	{"sum", TNSR_F64, S3(13, 17, 19), D1(1), false, 0, -1},
	{"sum", TNSR_F64, S3(13, 17, 19), D2(0, 2), false, 0, -1},
	{"sum", TNSR_F64, S2(5000, 3), D1(0), false, 0, -1},
	{"sum", TNSR_F64, S2(3, 50000), ALL, false, 0, -1},
	{"mean", TNSR_F64, S3(13, 17, 19), D2(-1, 0), true, 0, -1},
	{"prod", TNSR_F64, S2(40, 11), D1(1), false, 0, -1},
	{"max", TNSR_F64, S3(13, 17, 19), D1(0), false, 0, -1},
	{"min", TNSR_F64, S3(13, 17, 19), D2(1, 2), false, 0, -1},
	{"argmax", TNSR_F64, S3(13, 17, 19), D1(1), false, 0, -1},
	{"argmax", TNSR_F64, S2(3, 9000), D1(1), false, 0, -1},
	{"argmin", TNSR_F64, S2(9000, 5), D1(0), false, 0, -1},
	{"argmin", TNSR_F64, S2(90, 500), D1(0), false, 0, -1},
	{"var", TNSR_F64, S2(90, 500), D1(0), false, 0, -1},
	{"var", TNSR_F64, S2(9000, 3), D1(0), false, 0, 0},
	{"std", TNSR_F64, S2(3, 9000), D1(1), false, 0, 2},
	{"norm", TNSR_F64, S2(300, 41), D1(0), false, 2, -1},
	{"norm", TNSR_F64, S2(41, 300), D1(1), false, 2, -1},
	{"norm", TNSR_F64, S2(41, 300), D1(0), false, 3.5, -1},
	{"norm", TNSR_F64, S2(41, 300), D1(1), false, -1.5, -1},
	{"norm", TNSR_F64, S2(300, 7), D1(0), false, 1, -1},
	{"norm", TNSR_F64, S2(7, 300), ALL, false, 0, -1},
	{"norm", TNSR_F64, S2(300, 41), D1(0), false, INFINITY, -1},
	{"norm", TNSR_F64, S2(41, 300), D1(1), false, -INFINITY, -1},
	{"prod", TNSR_F64, S2(11, 40), D1(0), false, 0, -1},
	{"max", TNSR_F64, S2(5000, 3), D1(0), false, 0, -1},
	{"min", TNSR_F64, S2(3, 5000), D1(1), false, 0, -1},
	{"mean", TNSR_F64, S2(9000, 3), D1(0), false, 0, -1},
	{"logsumexp", TNSR_F64, S2(41, 300), D1(1), false, 0, -1},
	{"logsumexp", TNSR_F64, S2(300, 41), D1(0), false, 0, -1},
	{"all", TNSR_F64, S2(30, 41), D1(0), false, 0, -1},
	{"any", TNSR_F64, S2(30, 41), D1(1), false, 0, -1},
};

/* 10^7 copies of 0.1f: the exact sum is 10^7 * 0.100000001490116119384765625. */
static void check_accuracy(void)
{
	int64_t n = 10000000;
	tnsr_tensor *x;
	tnsr_tensor_empty(TNSR_F32, 1, &n, &x);
	float *d = tnsr_tensor_data(x);
	for (int64_t i = 0; i < n; i++)
		d[i] = 0.1f;
	tnsr_op_args args = tnsr_op_args_default();
	tnsr_tensor *s = NULL, *m = NULL;
	double exact = 1000000.0149011611938;
	CHECK(!tnsr_op_apply(tnsr_op_find("sum"), &x, 1, &args, &s) &&
		      fabs(*(float *)tnsr_tensor_data(s) - exact) <= 1e-6 * exact,
	      "sum of 10^7 x 0.1f is within 1e-6 relative of the exact sum");
	CHECK(!tnsr_op_apply(tnsr_op_find("mean"), &x, 1, &args, &m) && *(float *)tnsr_tensor_data(m) == 0.1f,
	      "mean of 10^7 x 0.1f is 0.1f");
	tnsr_tensor_free(s);
	tnsr_tensor_free(m);
	/* f64: a value that is not a binary fraction, summed 10^7 times */
	tnsr_tensor *y = as_dtype(x, TNSR_F64);
	double *e = tnsr_tensor_data(y);
	for (int64_t i = 0; i < n; i++)
		e[i] = 0.1;
	s = NULL;
	CHECK(!tnsr_op_apply(tnsr_op_find("sum"), &y, 1, &args, &s) &&
		      fabs(*(double *)tnsr_tensor_data(s) - 1e6) <= 1e-14 * 1e6,
	      "sum of 10^7 x 0.1 (f64) is within 1e-14 relative of 10^6");
	tnsr_tensor_free(s);
	tnsr_tensor_free(y);
	tnsr_tensor_free(x);
}

/* ---------------------------------------------------------------- errors */

static void check_error(const char *opname, tnsr_dtype dtype, int ndim, const int64_t *shape, int ndims,
			const int *dims, const char *want, tnsr_status status)
{
	tnsr_op_args args = tnsr_op_args_default();
	args.ndims = ndims;
	for (int i = 0; i < ndims; i++)
		args.dims[i] = dims[i];
	tnsr_tensor *x, *out = NULL;
	tnsr_tensor_zeros(dtype, ndim, shape, &x);
	tnsr_status s = tnsr_op_apply(tnsr_op_find(opname), &x, 1, &args, &out);
	char what[200];
	snprintf(what, sizeof what, "%s refuses: %s", opname, want);
	if (!CHECK(s == status && strstr(tnsr_error_message(), want) && !strchr(tnsr_error_message(), '\n'), what))
		printf("#   status %d, message \"%s\"\n", s, tnsr_error_message());
	tnsr_tensor_free(out);
	tnsr_tensor_free(x);
}

static void check_errors(void)
{
	int64_t s23[] = {2, 3}, s03[] = {0, 3};
	check_error("sum", TNSR_F32, 2, s23, 1, (int[]){3}, "sum: dim 3 out of range for a 2-d tensor (expected -2..1)",
		    TNSR_E_VALUE);
	check_error("sum", TNSR_F32, 2, s23, 2, (int[]){1, -1}, "sum: dim 1 appears multiple times in the list of dims",
		    TNSR_E_VALUE);
	check_error("argmax", TNSR_F32, 2, s23, 2, (int[]){0, 1}, "argmax: takes one dim, got 2", TNSR_E_VALUE);
	check_error("std", TNSR_I32, 2, s23, 0, NULL, "std: not defined for i32", TNSR_E_DTYPE);
	check_error("var", TNSR_BOOL, 2, s23, 0, NULL, "var: not defined for bool", TNSR_E_DTYPE);
	check_error("norm", TNSR_I64, 2, s23, 0, NULL, "norm: not defined for i64", TNSR_E_DTYPE);
	check_error("max", TNSR_C64, 2, s23, 0, NULL, "max: not defined for c64", TNSR_E_DTYPE);
	check_error("max", TNSR_F32, 2, s03, 0, NULL, "max: the tensor of shape (0, 3) is empty", TNSR_E_VALUE);
	check_error("argmin", TNSR_F32, 2, s03, 1, (int[]){0}, "argmin: dim 0 has size 0", TNSR_E_VALUE);
	check_error("sum", TNSR_F32, 0, NULL, 1, (int[]){1}, "sum: dim 1 out of range for a 0-d tensor", TNSR_E_VALUE);

	/* a chunk out of order */
	tnsr_reduce_state *st;
	float data[6] = {0};
	tnsr_op_args args = tnsr_op_args_default();
	tnsr_reduce_begin(tnsr_op_find("sum"), &args, TNSR_F32, 2, s23, &st);
	tnsr_status s = tnsr_reduce_feed(st, data, 0, 2);
	s = s ? s : tnsr_reduce_feed(st, data, 3, 3);
	CHECK(s == TNSR_E_VALUE && strstr(tnsr_error_message(), "sum: fed elements 3..6"), "a chunk that skips is refused");
	tnsr_reduce_free(st);
	tnsr_tensor *out = NULL;
	tnsr_reduce_begin(tnsr_op_find("sum"), &args, TNSR_F32, 2, s23, &st);
	tnsr_reduce_feed(st, data, 0, 5);
	CHECK(tnsr_reduce_end(st, &out) == TNSR_E_VALUE && !out && strstr(tnsr_error_message(), "after 5 of 6"),
	      "an input that ends early is refused");
}

int main(void)
{
	for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++)
		check_chunking(&layouts[i], i % 3 == 1);
	for (size_t i = 0; i < sizeof references / sizeof *references; i++)
		check_reference(&references[i]);
	check_accuracy();
	check_errors();
	return check_done();
}
