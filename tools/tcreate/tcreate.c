/* tcreate: make a tensor as PyTorch's factory functions make it (zeros, ones, full,
 * rand, randn, randint, arange, linspace, eye, or a literal as torch.tensor reads it).
 * Random and constant tensors stream to .npy in bounded memory. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "literal.h"
#include "tool.h"

static const char usage[] =
	"usage: tcreate [--dtype D] [--seed N] [-o FILE] GENERATOR\n"
	"\n"
	"Make a tensor as PyTorch makes it and write it as .npy to FILE or standard output\n"
	"(printed as tshow prints it when standard output is a terminal).\n"
	"\n"
	"Generators (exactly one):\n"
	"  --zeros S, --ones S          torch.zeros(S), torch.ones(S)\n"
	"  --full S --value V           torch.full(S, V); the dtype follows V: 34 i64, 3.5 f32,\n"
	"                               True bool, 1+2j c64\n"
	"  --rand S [--range LO,HI]     uniform on [0,1) or [LO,HI) (torch.rand, uniform_)\n"
	"  --randn S [--mean M] [--std SD]\n"
	"                               normal, default N(0,1) (torch.randn, normal_)\n"
	"  --randint S --range LO,HI    integers in [LO,HI), i64 (torch.randint); --range HI\n"
	"                               means [0,HI)\n"
	"  --arange STOP, --arange START,STOP[,STEP]\n"
	"                               torch.arange: integers give i64, any float f32\n"
	"  --linspace START,STOP,N      torch.linspace, f32\n"
	"  --eye N, --eye NxM           torch.eye, f32\n"
	"  LITERAL                      torch.tensor(LITERAL): '[[1,2],[3,4.]]', '4.',\n"
	"                               '[True, False]', '[1+2j, 2j]', '[]', nan, inf\n"
	"\n"
	"S is a shape: 64x784 or 64,784; () or scalar for a 0-d tensor.\n"
	"\n"
	"Options:\n"
	"  --dtype D       the result's dtype (bool, i8..i64, u8..u64, f16, bf16, f32, f64,\n"
	"                  c64, c128); values convert as PyTorch converts them, and a value\n"
	"                  the dtype cannot hold is an error, as in torch.full\n"
	"  --seed N        seed of rand, randn and randint (0..2^64-1; negative wraps): the\n"
	"                  same seed gives the same bytes on every machine and thread count;\n"
	"                  without it every run differs\n"
	"  -o FILE         write FILE atomically, in the format its extension names\n"
	"  --format F      format of standard output (default npy, or $TNSR_FORMAT)\n"
	"  -h, --help      show this help;  --version  show the version\n"
	"\n"
	"Examples:\n"
	"  tcreate --rand 64x784 --seed 1 -o x.npy\n"
	"  tcreate --randn 3x3 --mean -2 --std 0.5 --dtype f64\n"
	"  tcreate --randint 10 --range -3,3 --dtype i8\n"
	"  tcreate --arange 0,1,0.25\n"
	"  tcreate --full 2x2 --value 7 --dtype u8 -o sevens.npy\n"
	"  tcreate '[[1, 2], [3, 4.]]' | tshow\n"
	"\n"
	"Exit status: 0 success, 1 the tensor could not be made or written, 2 bad usage\n"
	"(including arguments PyTorch refuses, such as --range 2,1 or --arange 0,10,0).\n";

enum {
	OPT_DTYPE = 1, OPT_SEED, OPT_OUTPUT, OPT_FORMAT, OPT_VALUE, OPT_RANGE, OPT_MEAN, OPT_STD, OPT_HELP, OPT_VERSION,
	/* generators */
	GEN_ZEROS, GEN_ONES, GEN_FULL, GEN_RAND, GEN_RANDN, GEN_RANDINT, GEN_ARANGE, GEN_LINSPACE, GEN_EYE, GEN_LITERAL,
};

static const tool_option options[] = {
	{"dtype", 0, TOOL_ARG, OPT_DTYPE},     {"seed", 0, TOOL_ARG, OPT_SEED},
	{"output", 'o', TOOL_ARG, OPT_OUTPUT}, {"format", 0, TOOL_ARG, OPT_FORMAT},
	{"value", 0, TOOL_ARG, OPT_VALUE},     {"range", 0, TOOL_ARG, OPT_RANGE},
	{"mean", 0, TOOL_ARG, OPT_MEAN},       {"std", 0, TOOL_ARG, OPT_STD},
	{"zeros", 0, TOOL_ARG, GEN_ZEROS},     {"ones", 0, TOOL_ARG, GEN_ONES},
	{"full", 0, TOOL_ARG, GEN_FULL},       {"rand", 0, TOOL_ARG, GEN_RAND},
	{"randn", 0, TOOL_ARG, GEN_RANDN},     {"randint", 0, TOOL_ARG, GEN_RANDINT},
	{"arange", 0, TOOL_ARG, GEN_ARANGE},   {"linspace", 0, TOOL_ARG, GEN_LINSPACE},
	{"eye", 0, TOOL_ARG, GEN_EYE},         {"help", 'h', TOOL_NO_ARG, OPT_HELP},
	{"version", 0, TOOL_NO_ARG, OPT_VERSION}, {NULL, 0, 0, 0},
};

static const char *const generator_names[] = {
	[GEN_ZEROS] = "--zeros", [GEN_ONES] = "--ones", [GEN_FULL] = "--full", [GEN_RAND] = "--rand",
	[GEN_RANDN] = "--randn", [GEN_RANDINT] = "--randint", [GEN_ARANGE] = "--arange",
	[GEN_LINSPACE] = "--linspace", [GEN_EYE] = "--eye", [GEN_LITERAL] = "literal",
};

/* Which generators each modifier belongs to, for "--value does not apply to --rand". */
static const struct modifier {
	int id;
	const char *name;
	int gen1, gen2;
	const char *expected;
} modifiers[] = {
	{OPT_VALUE, "--value", GEN_FULL, GEN_FULL, "--full"},
	{OPT_RANGE, "--range", GEN_RAND, GEN_RANDINT, "--rand or --randint"},
	{OPT_MEAN, "--mean", GEN_RANDN, GEN_RANDN, "--randn"},
	{OPT_STD, "--std", GEN_RANDN, GEN_RANDN, "--randn"},
};

/* The command line, once read. */
typedef struct request {
	int gen;               /* GEN_* */
	const char *gen_name;  /* "--rand", or "literal" */
	const char *gen_arg;   /* its argument, or the literal */
	const char *mod[OPT_STD + 1]; /* modifier arguments by id, NULL when absent */
	bool has_dtype, has_seed;
	tnsr_dtype dtype;
	uint64_t seed;
	tool_output out;
} request;

/* ---------------------------------------------------------------- small helpers */

static _Noreturn void die_usage(const char *prefix, tnsr_status st)
{
	if (prefix)
		tnsr_error_prefix(st, prefix);
	tool_die(st == TNSR_E_NOMEM || st == TNSR_E_IO || st == TNSR_E_PIPE ? st : TNSR_E_USAGE);
}

static void parse_shape(const request *r, int *ndim, int64_t *shape)
{
	tnsr_status st = tnsr_shape_parse(r->gen_arg, false, ndim, shape);
	if (st)
		die_usage(r->gen_name, st);
}

/* --seed N: 0..2^64-1, or a negative number that wraps (torch.manual_seed accepts both). */
static uint64_t parse_seed(const char *text)
{
	char *end;
	const char *p = text + (text[0] == '-');
	if (*p < '0' || *p > '9')
		tool_usage_error("--seed: '%s' is not an integer (expected 0..18446744073709551615)", text);
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (*end || errno || (text[0] == '-' && v > (unsigned long long)INT64_MAX + 1))
		tool_usage_error("--seed: '%s' is not an integer in range (expected -9223372036854775808..18446744073709551615)",
				 text);
	return text[0] == '-' ? 0 - (uint64_t)v : (uint64_t)v;
}

/* Splits "A,B,C" into at most MAX numbers, each read as Python reads it (int or float);
 * an empty item ("1,,3") is an error. */
static int parse_numbers(const char *what, const char *text, lit_value *out, int min, int max, const char *expected)
{
	char buf[512];
	int n = 0;
	if (strlen(text) >= sizeof buf)
		tool_usage_error("%s: '%s' is too long", what, text);
	strcpy(buf, text);
	for (char *tok = buf, *comma;; tok = comma + 1) {
		if ((comma = strchr(tok, ',')))
			*comma = 0;
		if (n == max)
			tool_usage_error("%s: '%s' has more than %d values (expected %s)", what, text, max, expected);
		tnsr_status st = literal_parse_number(what, tok, &out[n]);
		if (st)
			tool_die(st);
		if (out[n].kind == LIT_COMPLEX)
			tool_usage_error("%s: '%s' is complex (expected %s)", what, tok, expected);
		n++;
		if (!comma)
			break;
	}
	if (n < min)
		tool_usage_error("%s: '%s' has %d value%s (expected %s)", what, text, n, n == 1 ? "" : "s", expected);
	return n;
}

/* Scalar::to<DTYPE>: V converted with PyTorch's overflow check, read back as a double. */
static double scalar_to(const char *what, const lit_value *v, tnsr_dtype dtype)
{
	_Alignas(16) unsigned char elem[16];
	tnsr_status st = literal_store(dtype, elem, v, LIT_AS_FULL);
	if (st)
		die_usage(what, st);
	double x;
	tnsr_convert(TNSR_F64, &x, dtype, elem, 1);
	return x;
}

static int64_t scalar_to_i64(const char *what, const lit_value *v)
{
	int64_t x;
	tnsr_status st = literal_store(TNSR_I64, &x, v, LIT_AS_FULL);
	if (st)
		die_usage(what, st);
	return x;
}

/* Element I of the integer array P of DTYPE := the low bytes of BITS (a C cast). */
static void put_int_bits(tnsr_dtype dtype, void *p, int64_t i, uint64_t bits)
{
	switch (tnsr_dtype_size(dtype)) {
	case 1: ((uint8_t *)p)[i] = (uint8_t)bits; break;
	case 2: ((uint16_t *)p)[i] = (uint16_t)bits; break;
	case 4: ((uint32_t *)p)[i] = (uint32_t)bits; break;
	default: ((uint64_t *)p)[i] = bits; break;
	}
}

/* Element I of the array P of DTYPE := X: rounded for floating dtypes (real part for
 * complex), truncated toward zero for integers (callers keep X in the type's range). */
static void put_real(tnsr_dtype dtype, void *p, int64_t i, double x)
{
	size_t size = tnsr_dtype_size(dtype);
	char *dst = (char *)p + (size_t)i * size;
	if (tnsr_dtype_is_integral(dtype)) {
		put_int_bits(dtype, p, i, x >= 0x1p63 ? (uint64_t)x : (uint64_t)(int64_t)x);
		return;
	}
	if (tnsr_dtype_is_complex(dtype)) {
		memset(dst, 0, size);
		tnsr_convert(dtype == TNSR_C64 ? TNSR_F32 : TNSR_F64, dst, TNSR_F64, &x, 1);
		return;
	}
	tnsr_convert(dtype, dst, TNSR_F64, &x, 1);
}

static tnsr_tensor *new_tensor(tnsr_dtype dtype, int ndim, const int64_t *shape)
{
	tnsr_tensor *t;
	tnsr_status st = tnsr_tensor_empty(dtype, ndim, shape, &t);
	if (st)
		tool_die(st);
	return t;
}

/* ---------------------------------------------------------------- streamed generators */

/* What fills a tensor piece by piece: a constant element or a random distribution. */
typedef enum fill_kind { FILL_CONST, FILL_UNIFORM, FILL_NORMAL, FILL_RANDINT } fill_kind;

typedef struct fill_plan {
	fill_kind kind;
	_Alignas(16) unsigned char elem[16]; /* FILL_CONST: one element */
	double a, b;            /* uniform [a, b); normal mean a, std b */
	int64_t lo, hi;         /* randint [lo, hi) */
	tnsr_rng rng;
} fill_plan;

/* Fills T with the next numel(T) elements of the plan. */
static tnsr_status plan_fill(fill_plan *f, tnsr_tensor *t)
{
	switch (f->kind) {
	case FILL_CONST: {
		size_t size = tnsr_dtype_size(t->dtype);
		char *p = tnsr_tensor_data(t);
		int64_t n = tnsr_tensor_numel(t);
		for (int64_t i = 0; i < n; i++)
			memcpy(p + (size_t)i * size, f->elem, size);
		return TNSR_OK;
	}
	case FILL_UNIFORM: return tnsr_fill_uniform(&f->rng, t, f->a, f->b);
	case FILL_NORMAL: return tnsr_fill_normal(&f->rng, t, f->a, f->b);
	case FILL_RANDINT: return tnsr_fill_randint(&f->rng, t, f->lo, f->hi);
	}
	return TNSR_OK;
}

enum { CHUNK_BYTES = 1 << 20 };

/* Streams the plan to OUT in the format it names (--format, $TNSR_FORMAT for standard
 * output, else the extension; .npy by default): the header, then the elements a chunk
 * at a time, so memory stays at one chunk whatever the tensor's size.  TNSR_E_UNSUPPORTED,
 * with nothing written, for a format that cannot be written as a stream. */
static tnsr_status stream_plan(const tool_output *out, tnsr_dtype dtype, int ndim, const int64_t *shape, fill_plan *f)
{
	const char *format = out->format, *env = getenv("TNSR_FORMAT");
	if (!format && !out->path && env && *env)
		format = env;
	int64_t numel;
	size_t size = tnsr_dtype_size(dtype);
	tnsr_sink *sink = NULL;
	tnsr_writer *w = NULL;
	tnsr_tensor *chunk = NULL;
	tnsr_status st = tnsr_shape_size(ndim, shape, size, &numel, NULL);
	if (st || (st = tnsr_sink_open(out->path, &sink)) ||
	    (st = tnsr_writer_begin(sink, format, dtype, ndim, shape, &w)))
		goto done;
	int64_t per = numel < (int64_t)(CHUNK_BYTES / size) ? numel : (int64_t)(CHUNK_BYTES / size);
	if (numel && (st = tnsr_tensor_empty(dtype, 1, &per, &chunk)))
		goto done;
	for (int64_t done = 0; done < numel;) {
		int64_t n = numel - done < per ? numel - done : per;
		chunk->shape[0] = n; /* the last piece: a shorter view of the same buffer */
		if ((f->kind != FILL_CONST || done == 0) && (st = plan_fill(f, chunk)))
			goto done;
		if ((st = tnsr_writer_data(w, tnsr_tensor_data(chunk), (size_t)n * size)))
			goto done;
		done += n;
	}
	st = tnsr_writer_end(w);
	w = NULL;
	if (!st)
		st = tnsr_sink_commit(sink);
	sink = NULL;
done:
	if (w) {
		/* ending an unfinished writer only frees it; keep the first failure's message */
		char why[1024];
		snprintf(why, sizeof why, "%s", tnsr_error_message());
		tnsr_writer_end(w);
		tnsr_error(st, "%s", why);
	}
	if (st && st != TNSR_E_PIPE && st != TNSR_E_UNSUPPORTED && sink)
		tnsr_error_prefix(st, tnsr_sink_name(sink));
	tnsr_sink_abort(sink);
	tnsr_tensor_free(chunk);
	return st;
}

/* Runs a plan: validates its arguments on one scratch element (so that a bad --range
 * is a usage error before any output), then streams the tensor, or fills it whole where
 * it cannot stream (a terminal, a format written all at once). */
static void run_plan(const request *r, tnsr_dtype dtype, int ndim, const int64_t *shape, fill_plan *f)
{
	int64_t one = 1;
	fill_plan probe = *f;
	tnsr_tensor *scratch = new_tensor(dtype, 1, &one);
	tnsr_status st = plan_fill(&probe, scratch);
	tnsr_tensor_free(scratch);
	if (st)
		die_usage(NULL, st); /* "uniform: ...", "randint: ...": the library names the draw */
	if (r->out.path || !isatty(1)) {
		st = stream_plan(&r->out, dtype, ndim, shape, f);
		if (st != TNSR_E_UNSUPPORTED) {
			if (st)
				tool_die(st);
			return;
		}
	}
	tnsr_tensor *t = new_tensor(dtype, ndim, shape);
	if ((st = plan_fill(f, t)))
		tool_die(st);
	tool_write(&r->out, t);
	tnsr_tensor_free(t);
}

static fill_plan const_plan(const char *what, tnsr_dtype dtype, const lit_value *v)
{
	fill_plan f = {.kind = FILL_CONST};
	tnsr_status st = literal_store(dtype, f.elem, v, LIT_AS_FULL);
	if (st)
		die_usage(what, st);
	return f;
}

static void gen_constant(const request *r)
{
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	lit_value v = {.kind = LIT_INT, .i = r->gen == GEN_ONES};
	tnsr_dtype dtype = r->has_dtype ? r->dtype : TNSR_F32;
	parse_shape(r, &ndim, shape);
	if (r->gen == GEN_FULL) {
		if (!r->mod[OPT_VALUE])
			tool_usage_error("--full needs --value V");
		tnsr_status st = literal_parse_number("--value", r->mod[OPT_VALUE], &v);
		if (st)
			tool_die(st);
		if (!r->has_dtype)
			dtype = literal_default_dtype(v.kind);
	}
	fill_plan f = const_plan(r->gen == GEN_FULL ? "--value" : r->gen_name, dtype, &v);
	run_plan(r, dtype, ndim, shape, &f);
}

static void gen_random(const request *r)
{
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	fill_plan f = {.rng = tnsr_rng_new(r->has_seed ? r->seed : tnsr_rng_entropy_seed())};
	tnsr_dtype dtype = r->has_dtype ? r->dtype : r->gen == GEN_RANDINT ? TNSR_I64 : TNSR_F32;
	parse_shape(r, &ndim, shape);
	if (r->gen == GEN_RAND) {
		double range[2] = {0, 1};
		if (r->mod[OPT_RANGE])
			tool_parse_doubles("--range", r->mod[OPT_RANGE], range, 2, 2);
		f.kind = FILL_UNIFORM;
		f.a = range[0];
		f.b = range[1];
	} else if (r->gen == GEN_RANDN) {
		f.kind = FILL_NORMAL;
		f.a = r->mod[OPT_MEAN] ? tool_parse_double("--mean", r->mod[OPT_MEAN]) : 0.0;
		f.b = r->mod[OPT_STD] ? tool_parse_double("--std", r->mod[OPT_STD]) : 1.0;
	} else {
		lit_value v[2];
		if (!r->mod[OPT_RANGE])
			tool_usage_error("--randint needs --range LO,HI (or --range HI for [0,HI))");
		int n = parse_numbers("--range", r->mod[OPT_RANGE], v, 1, 2, "LO,HI or HI, integers");
		for (int i = 0; i < n; i++)
			if (v[i].kind != LIT_INT)
				tool_usage_error("--range: '%s' is not LO,HI or HI of integers (torch.randint takes ints)",
						 r->mod[OPT_RANGE]);
		f.kind = FILL_RANDINT;
		f.lo = n == 2 ? scalar_to_i64("--range", &v[0]) : 0;
		f.hi = scalar_to_i64("--range", &v[n - 1]);
	}
	run_plan(r, dtype, ndim, shape, &f);
}

/* ---------------------------------------------------------------- arange */

/* torch.arange on the CPU (PyTorch 1.13, AVX2 kernels), so that floating results match
 * bit for bit: the kernel writes blocks of 2*W elements as two vectors whose lanes are
 * base + k*step with base = start + step*idx, and the rest one by one as start + step*i,
 * the products fused into their sums as the compiled kernel does (except k*step for
 * halves, which c10::Half's operators round on its own).  W is the vector width: 8
 * floats, 4 doubles, 16 halves.  Accumulation is in double for f32 and f64 and in float
 * for f16 and bf16.  (PyTorch splits tensors above 32768 elements between its
 * threads, each restarting the blocks; one thread is what this reproduces.) */
static void arange_double(tnsr_dtype dtype, double start, double step, int64_t n, void *p)
{
	const int64_t w = dtype == TNSR_F64 ? 4 : 8;
	int64_t i = 0;
	for (; i + 2 * w <= n; i += 2 * w)
		for (int64_t b = i; b < i + 2 * w; b += w) {
			double base = fma(step, (double)b, start);
			if (dtype == TNSR_F32)
				base = (float)base;
			for (int64_t k = 0; k < w; k++)
				put_real(dtype, p, b + k, fma((double)k, step, base));
		}
	for (; i < n; i++)
		put_real(dtype, p, i, fma(step, (double)i, start));
}

static void arange_half(tnsr_dtype dtype, float start, float step, int64_t n, void *p)
{
	const int64_t w = 16;
	float (*to)(uint16_t) = dtype == TNSR_F16 ? tnsr_f16_to_f32 : tnsr_bf16_to_f32;
	uint16_t (*from)(double) = dtype == TNSR_F16 ? tnsr_f16_from_f64 : tnsr_bf16_from_f64;
	uint16_t *h = p;
	int64_t i = 0;
	for (; i + 2 * w <= n; i += 2 * w)
		for (int64_t b = i; b < i + 2 * w; b += w) {
			float base = to(from(fmaf(step, (float)b, start)));
			for (int64_t k = 0; k < w; k++) {
				float kstep = (float)k * step; /* not fused here: Half + float */
				h[b + k] = from(base + kstep);
			}
		}
	for (; i < n; i++)
		h[i] = from(fmaf(step, (float)i, start));
}

static tnsr_tensor *gen_arange(const request *r)
{
	lit_value v[3], zero = {.kind = LIT_INT, .i = 0}, one = {.kind = LIT_INT, .i = 1};
	int n = parse_numbers("--arange", r->gen_arg, v, 1, 3, "STOP or START,STOP[,STEP], numbers");
	lit_value start = n == 1 ? zero : v[0], stop = n == 1 ? v[0] : v[1], step = n == 3 ? v[2] : one;
	bool all_int = start.kind <= LIT_INT && stop.kind <= LIT_INT && step.kind <= LIT_INT;
	tnsr_dtype dtype = r->has_dtype ? r->dtype : all_int ? TNSR_I64 : TNSR_F32;
	if (dtype == TNSR_BOOL || tnsr_dtype_is_complex(dtype))
		tool_usage_error("--arange: dtype %s is not supported (expected an integer or floating dtype, as torch.arange)",
				 tnsr_dtype_name(dtype));

	/* The values the kernel computes with (Scalar::to<accumulate type>, checked), and the
	 * length ceil((stop - start) / step) in double, from int64 differences for i64. */
	bool integral = tnsr_dtype_is_integral(dtype);
	tnsr_dtype acc = integral ? TNSR_I64 : (dtype == TNSR_F16 || dtype == TNSR_BF16) ? TNSR_F32 : TNSR_F64;
	double xstart = scalar_to("--arange", &start, acc), xstop = scalar_to("--arange", &stop, acc);
	double xstep = scalar_to("--arange", &step, acc), size_d;
	int64_t istart = 0, istep = 0;
	if (integral) {
		istart = scalar_to_i64("--arange", &start);
		istep = scalar_to_i64("--arange", &step);
	}
	if (dtype == TNSR_I64) {
		int64_t diff;
		if (__builtin_sub_overflow(scalar_to_i64("--arange", &stop), istart, &diff))
			size_d = INFINITY;
		else
			size_d = ceil((double)diff / (double)istep);
	} else {
		double d0 = scalar_to("--arange", &start, TNSR_F64), d1 = scalar_to("--arange", &stop, TNSR_F64);
		size_d = ceil((d1 - d0) / scalar_to("--arange", &step, TNSR_F64));
	}
	if (!(xstep > 0 || xstep < 0))
		tool_usage_error("--arange %s: step must be nonzero", r->gen_arg);
	if (!isfinite(xstart) || !isfinite(xstop))
		tool_usage_error("--arange %s: unsupported range: %g -> %g (expected finite bounds)", r->gen_arg, xstart,
				 xstop);
	if (!((xstep > 0 && xstop >= xstart) || (xstep < 0 && xstop <= xstart)))
		tool_usage_error("--arange %s: upper bound and larger bound inconsistent with step sign", r->gen_arg);
	if (!(size_d >= 0 && size_d <= 0x1p63))
		tool_usage_error("--arange %s: invalid size %g, possible overflow (expected at most 2^63 elements)",
				 r->gen_arg, size_d);

	int64_t size = size_d >= 0x1p63 ? INT64_MAX : (int64_t)size_d;
	tnsr_tensor *t = new_tensor(dtype, 1, &size);
	void *p = tnsr_tensor_data(t);
	if (integral) {
		/* Integers: start + i*step in int64, wrapping into narrower types as PyTorch's cast. */
		for (int64_t i = 0; i < size; i++)
			put_int_bits(dtype, p, i, (uint64_t)istart + (uint64_t)istep * (uint64_t)i);
	} else if (acc == TNSR_F32) {
		arange_half(dtype, (float)xstart, (float)xstep, size, p);
	} else {
		arange_double(dtype, xstart, xstep, size, p);
	}
	return t;
}

/* ---------------------------------------------------------------- linspace */

/* torch.linspace on the CPU (PyTorch 1.13, AVX2): step = (end - start) / (steps - 1) in
 * the result's type; the first half counts up from start, the second half down from end
 * (end - step*(steps-1-i)).  Blocks of 2*W elements go as two vectors: a fused base for
 * the vector, then base + (k*step) with the product rounded on its own; the rest goes
 * one by one, fused.  W: 8 for f32, 4 for f64 and c64, 2 for c128; integer types compute
 * in double and truncate, the vector base truncated first (W = 32 bytes / itemsize). */
#define LINSPACE_REAL(NAME, T, FMA)                                                                 \
	static void NAME(tnsr_dtype dtype, T start, T end, int64_t steps, int64_t w, void *p)       \
	{                                                                                           \
		T step = (end - start) / (T)(steps - 1);                                            \
		int64_t half = steps / 2, i = 0;                                                    \
		for (; i + 2 * w <= steps; i += 2 * w)                                              \
			for (int64_t b = i; b < i + 2 * w; b += w) {                                \
				T base = b < half ? FMA(step, (T)b, start) : FMA(-step, (T)(steps - b - 1), end); \
				for (int64_t k = 0; k < w; k++) {                                   \
					T kstep = (T)k * step;                                      \
					put_real(dtype, p, b + k, k ? (T)(base + kstep) : base);    \
				}                                                                   \
			}                                                                           \
		for (; i < steps; i++)                                                              \
			put_real(dtype, p, i, i < half ? FMA(step, (T)i, start) : FMA(-step, (T)(steps - i - 1), end)); \
	}
LINSPACE_REAL(linspace_float, float, fmaf)
LINSPACE_REAL(linspace_double, double, fma)

static void linspace_int(tnsr_dtype dtype, double start, double end, int64_t steps, int64_t w, void *p)
{
	double step = (end - start) / (double)(steps - 1);
	int64_t half = steps / 2, i = 0;
	for (; i + 2 * w <= steps; i += 2 * w)
		for (int64_t b = i; b < i + 2 * w; b += w) {
			double base = trunc(b < half ? fma(step, (double)b, start) : fma(-step, (double)(steps - b - 1), end));
			for (int64_t k = 0; k < w; k++) {
				double kstep = (double)k * step;
				put_real(dtype, p, b + k, base + kstep);
			}
		}
	for (; i < steps; i++)
		put_real(dtype, p, i, i < half ? fma(step, (double)i, start) : fma(-step, (double)(steps - i - 1), end));
}

/* f16 and bf16 compute in their own type: c10::Half arithmetic rounds every operation
 * (and the index itself) to the type. */
static void linspace_half(tnsr_dtype dtype, double start_d, double end_d, int64_t steps, void *p)
{
	float (*to)(uint16_t) = dtype == TNSR_F16 ? tnsr_f16_to_f32 : tnsr_bf16_to_f32;
	uint16_t (*from)(double) = dtype == TNSR_F16 ? tnsr_f16_from_f64 : tnsr_bf16_from_f64;
#define H(x) to(from((double)(float)(x)))
	float start = (float)start_d, end = (float)end_d;
	float step = H(H(end - start) / H((float)(steps - 1)));
	const int64_t w = 16, half = steps / 2;
	uint16_t *h = p;
	int64_t i = 0;
	for (; i + 2 * w <= steps; i += 2 * w)
		for (int64_t b = i; b < i + 2 * w; b += w) {
			float base = b < half ? H(start + H(step * H((float)b))) : H(end - H(step * H((float)(steps - b - 1))));
			for (int64_t k = 0; k < w; k++)
				h[b + k] = from(H(base + H((float)k * step)));
		}
	for (; i < steps; i++)
		h[i] = from(i < half ? H(start + H(step * H((float)i))) : H(end - H(step * H((float)(steps - i - 1)))));
#undef H
}

static tnsr_tensor *gen_linspace(const request *r)
{
	lit_value v[3];
	parse_numbers("--linspace", r->gen_arg, v, 3, 3, "START,STOP,N");
	if (v[2].kind != LIT_INT)
		tool_usage_error("--linspace %s: N must be an integer", r->gen_arg);
	int64_t steps = v[2].i;
	tnsr_dtype dtype = r->has_dtype ? r->dtype : TNSR_F32;
	if (dtype == TNSR_BOOL)
		tool_usage_error("--linspace: dtype bool is not supported (expected a number dtype, as torch.linspace)");
	if (steps < 0)
		tool_usage_error("--linspace %s: number of steps must be non-negative", r->gen_arg);
	/* Scalar::to<T>: start and end in the result's type (its parts for complex). */
	tnsr_dtype part = dtype == TNSR_C64 ? TNSR_F32 : dtype == TNSR_C128 ? TNSR_F64 : dtype;
	double start = scalar_to("--linspace", &v[0], part), end = scalar_to("--linspace", &v[1], part);
	tnsr_tensor *t = new_tensor(dtype, 1, &steps);
	void *p = tnsr_tensor_data(t);
	size_t size = tnsr_dtype_size(dtype);
	if (steps == 1)
		put_real(dtype, p, 0, start);
	else if (steps < 2)
		;
	else if (part == TNSR_F32)
		linspace_float(dtype, (float)start, (float)end, steps, 32 / (int64_t)size, p);
	else if (part == TNSR_F64)
		linspace_double(dtype, start, end, steps, 32 / (int64_t)size, p);
	else if (part == TNSR_F16 || part == TNSR_BF16)
		linspace_half(dtype, start, end, steps, p);
	else
		linspace_int(dtype, start, end, steps, 32 / (int64_t)size, p);
	return t;
}

/* ---------------------------------------------------------------- eye and literals */

static tnsr_tensor *gen_eye(const request *r)
{
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	parse_shape(r, &ndim, shape);
	if (ndim != 1 && ndim != 2)
		tool_usage_error("--eye: '%s' is not N or NxM", r->gen_arg);
	if (ndim == 1)
		shape[1] = shape[0];
	tnsr_dtype dtype = r->has_dtype ? r->dtype : TNSR_F32;
	tnsr_tensor *t;
	tnsr_status st = tnsr_tensor_zeros(dtype, 2, shape, &t);
	if (st)
		tool_die(st);
	_Alignas(16) unsigned char one[16];
	lit_value v = {.kind = LIT_INT, .i = 1};
	literal_store(dtype, one, &v, LIT_AS_FULL);
	size_t size = tnsr_dtype_size(dtype);
	int64_t n = shape[0] < shape[1] ? shape[0] : shape[1];
	for (int64_t i = 0; i < n; i++)
		memcpy((char *)tnsr_tensor_data(t) + (size_t)(i * shape[1] + i) * size, one, size);
	return t;
}

static tnsr_tensor *gen_literal(const request *r)
{
	literal l;
	tnsr_tensor *t;
	tnsr_status st = literal_parse(r->gen_arg, &l);
	if (st)
		tool_die(st);
	st = literal_to_tensor(&l, r->gen_arg, r->has_dtype ? r->dtype : literal_default_dtype(l.kind), &t);
	literal_free(&l);
	if (st)
		tool_die(st);
	return t;
}

/* ---------------------------------------------------------------- main */

static void set_generator(request *r, int gen, const char *arg)
{
	if (r->gen)
		tool_usage_error("%s and %s: only one generator at a time (see 'tcreate --help')", r->gen_name,
				 generator_names[gen]);
	r->gen = gen;
	r->gen_name = generator_names[gen];
	r->gen_arg = arg;
}

int main(int argc, char **argv)
{
	tool_init("tcreate");
	request r = {0};
	tool_args a = tool_args_start(argc, argv, options);
	int opt;
	while ((opt = tool_next(&a)) >= 0) {
		switch (opt) {
		case 0: set_generator(&r, GEN_LITERAL, a.value); break;
		case OPT_DTYPE:
			r.dtype = tool_parse_dtype("--dtype", a.value);
			r.has_dtype = true;
			break;
		case OPT_SEED:
			r.seed = parse_seed(a.value);
			r.has_seed = true;
			break;
		case OPT_OUTPUT: r.out.path = strcmp(a.value, "-") ? a.value : NULL; break;
		case OPT_FORMAT: r.out.format = a.value; break;
		case OPT_VALUE: case OPT_RANGE: case OPT_MEAN: case OPT_STD: r.mod[opt] = a.value; break;
		case OPT_HELP: fputs(usage, stdout); tool_finish_stdout(); return 0;
		case OPT_VERSION: tool_version();
		default: set_generator(&r, opt, a.value); break;
		}
	}
	if (!r.gen)
		tool_usage_error("no generator (expected one of --zeros, --ones, --full, --rand, --randn, --randint, --arange, --linspace, --eye or a LITERAL; see 'tcreate --help')");
	for (size_t i = 0; i < sizeof modifiers / sizeof *modifiers; i++)
		if (r.mod[modifiers[i].id] && r.gen != modifiers[i].gen1 && r.gen != modifiers[i].gen2)
			tool_usage_error("%s does not apply to %s (expected with %s)", modifiers[i].name, r.gen_name,
					 modifiers[i].expected);

	tnsr_tensor *t = NULL;
	switch (r.gen) {
	case GEN_ZEROS: case GEN_ONES: case GEN_FULL: gen_constant(&r); break;
	case GEN_RAND: case GEN_RANDN: case GEN_RANDINT: gen_random(&r); break;
	case GEN_ARANGE: t = gen_arange(&r); break;
	case GEN_LINSPACE: t = gen_linspace(&r); break;
	case GEN_EYE: t = gen_eye(&r); break;
	default: t = gen_literal(&r); break;
	}
	if (t) {
		tool_write(&r.out, t);
		tnsr_tensor_free(t);
	}
	tool_finish_stdout();
	return 0;
}
