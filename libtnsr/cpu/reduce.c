/* reduce.c: reductions (sum mean prod max min argmax argmin std var norm all any
 * logsumexp): their dtype rules, the streamed begin/feed/end that cuts a C-order stream
 * into the runs and rows the kernels of reducers.c take, and whole-tensor runs.
 *
 * The input's dims are coalesced into alternating groups of kept and reduced dims.  When
 * the innermost group is reduced (or kept but narrow, at most RED_PMAX wide, under a
 * reduced group) the stream is a sequence of runs cut into fixed blocks; otherwise it is
 * a sequence of rows updating many outputs at once.  Either way each output sees its
 * elements in the same order and grouping however the stream is chunked, so results are
 * bit-identical for any chunking and any thread count. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "reducers.h"

/* ---------------------------------------------------------------- dtype rules */

/* What an op computes in, per kind of input dtype. */
enum kd_class {
	KD_REFUSE, /* not defined */
	KD_INT,    /* i64 (u64 for u64): wrapping integer arithmetic */
	KD_F64,    /* f64 */
	KD_FLOAT,  /* f32 for f16/bf16/f32, f64 for f64 */
	KD_SPLIT,  /* complex as its real and imaginary parts (f32/f64), reduced apart */
	KD_C128,   /* complex as c128 */
	KD_BOOL,   /* "nonzero" as bool */
	KD_MAG,    /* complex as its magnitude, f64 */
};
/* The result dtype. */
enum res_rule {
	RES_SAME,   /* the input's */
	RES_SUMINT, /* i64, u64 for u64 (torch.sum of any integer is i64) */
	RES_F32,
	RES_REAL,  /* the input's, complex -> the real dtype of its precision */
	RES_BOOL,  /* bool, u8 for u8 (torch.all, torch.any) */
	RES_INDEX, /* i64 */
};

typedef struct red_rule {
	const char *refusal; /* why KD_REFUSE: "expected ..." */
	struct {
		unsigned char kd, res;
	} kind[5]; /* by tnsr_kind: bool, int, uint, float, complex */
} red_rule;

#define INTS(kd, res) {kd, res}, {kd, res}, {kd, res}
static const red_rule rules[TNSR_RED_COUNT] = {
	[TNSR_RED_SUM] = {NULL, {INTS(KD_INT, RES_SUMINT), {KD_FLOAT, RES_SAME}, {KD_SPLIT, RES_SAME}}},
	[TNSR_RED_MEAN] = {NULL, {INTS(KD_F64, RES_F32), {KD_FLOAT, RES_SAME}, {KD_SPLIT, RES_SAME}}},
	[TNSR_RED_PROD] = {NULL, {INTS(KD_INT, RES_SUMINT), {KD_FLOAT, RES_SAME}, {KD_C128, RES_SAME}}},
	[TNSR_RED_MAX] = {"complex numbers are not ordered", {INTS(KD_INT, RES_SAME), {KD_FLOAT, RES_SAME}, {0}}},
	[TNSR_RED_MIN] = {"complex numbers are not ordered", {INTS(KD_INT, RES_SAME), {KD_FLOAT, RES_SAME}, {0}}},
	[TNSR_RED_ARGMAX] = {"complex numbers are not ordered", {INTS(KD_INT, RES_INDEX), {KD_FLOAT, RES_INDEX}, {0}}},
	[TNSR_RED_ARGMIN] = {"complex numbers are not ordered", {INTS(KD_INT, RES_INDEX), {KD_FLOAT, RES_INDEX}, {0}}},
	[TNSR_RED_STD] = {"expected a floating point or complex dtype",
			  {INTS(KD_REFUSE, 0), {KD_FLOAT, RES_SAME}, {KD_SPLIT, RES_REAL}}},
	[TNSR_RED_VAR] = {"expected a floating point or complex dtype",
			  {INTS(KD_REFUSE, 0), {KD_FLOAT, RES_SAME}, {KD_SPLIT, RES_REAL}}},
	[TNSR_RED_NORM] = {"expected a floating point or complex dtype",
			   {INTS(KD_REFUSE, 0), {KD_FLOAT, RES_SAME}, {KD_MAG, RES_REAL}}},
	[TNSR_RED_ALL] = {NULL, {INTS(KD_BOOL, RES_BOOL), {KD_BOOL, RES_BOOL}, {KD_BOOL, RES_BOOL}}},
	[TNSR_RED_ANY] = {NULL, {INTS(KD_BOOL, RES_BOOL), {KD_BOOL, RES_BOOL}, {KD_BOOL, RES_BOOL}}},
	[TNSR_RED_LOGSUMEXP] = {"expected a real dtype",
				{INTS(KD_F64, RES_F32), {KD_FLOAT, RES_SAME}, {0}}},
};

#define DESC(id, nm) [TNSR_RED_##id] = {nm, TNSR_RED_##id}
const struct tnsr_reduce_desc tnsr_reduce_descs[TNSR_RED_COUNT] = {
	DESC(SUM, "sum"),       DESC(MEAN, "mean"),     DESC(PROD, "prod"), DESC(MAX, "max"),
	DESC(MIN, "min"),       DESC(ARGMAX, "argmax"), DESC(ARGMIN, "argmin"), DESC(STD, "std"),
	DESC(VAR, "var"),       DESC(NORM, "norm"),     DESC(ALL, "all"),   DESC(ANY, "any"),
	DESC(LOGSUMEXP, "logsumexp"),
};

/* Ops with no identity: an empty reduction is an error, as in PyTorch. */
static bool has_identity(tnsr_reduce_id id, red_norm norm, double ord)
{
	switch (id) {
	case TNSR_RED_MAX: case TNSR_RED_MIN: case TNSR_RED_ARGMAX: case TNSR_RED_ARGMIN: return false;
	case TNSR_RED_NORM: return norm != RED_NORM_INF && norm != RED_NORM_NINF && !(ord < 0);
	default: return true;
	}
}

static red_norm norm_variant(double ord)
{
	return ord == 2 ? RED_NORM_2 : ord == 1 ? RED_NORM_1 : ord == 0 ? RED_NORM_0
	       : ord == INFINITY ? RED_NORM_INF : ord == -INFINITY ? RED_NORM_NINF : RED_NORM_P;
}

/* ---------------------------------------------------------------- state */

enum { MODE_BLOCKS, MODE_ROWS };

#define PAR_MIN ((int64_t)1 << 17)  /* elements below which one thread does the work */
#define PAR_GRAIN ((int64_t)1 << 15) /* elements a thread takes at a time */
#define SUPER 2048                  /* blocks whose partials are computed together */
#define CONV_ELEMS ((int64_t)1 << 18) /* elements converted to the computing dtype at once */
#define FIN_SLICE 4096              /* outputs finished at once */

struct tnsr_reduce_state {
	const char *name;
	tnsr_reduce_id id;
	const red_kernel *k;
	red_params params;
	tnsr_dtype dtype, kd, result;
	enum kd_class kdc;
	bool split;      /* complex reduced as (re, im) pairs of reals */
	bool post_std;   /* split std: sqrt of the summed pair variances */
	int64_t numel;   /* input elements */
	int64_t count;   /* input elements per output */
	int out_ndim;
	int64_t out_shape[TNSR_MAX_DIMS];
	int64_t nout;    /* kernel outputs (twice the result's for split) */
	/* layout (in kernel elements) */
	int mode;
	int p;           /* blocks: period */
	int64_t len;     /* elements per run (blocks) or per row (rows) */
	int nouter;
	int64_t size[TNSR_MAX_DIMS + 1], ostride[TNSR_MAX_DIMS + 1], rstride[TNSR_MAX_DIMS + 1];
	bool kept[TNSR_MAX_DIMS + 1];
	/* where the stream is */
	int64_t pos;     /* input elements fed */
	int64_t digit[TNSR_MAX_DIMS + 1];
	int64_t out_base, red_base, off;
	/* memory */
	void *acc[RED_FIELDS];
	char *block;     /* blocks: the block being assembled across feeds */
	int64_t buffered;
	red_slot *parts; /* SUPER blocks' partials */
	char *conv;      /* input converted to the computing dtype */
};

void tnsr_reduce_free(tnsr_reduce_state *st)
{
	if (!st)
		return;
	for (int f = 0; f < RED_FIELDS; f++)
		free(st->acc[f]);
	free(st->block);
	free(st->parts);
	free(st->conv);
	free(st);
}

/* ---------------------------------------------------------------- begin */

static tnsr_status choose_dtypes(tnsr_reduce_state *st, tnsr_reduce_id id)
{
	const tnsr_dtype_info *info = tnsr_dtype_get(st->dtype);
	if (!info)
		return tnsr_error(TNSR_E_DTYPE, "%s: dtype %d unknown", st->name, (int)st->dtype);
	tnsr_dtype d = st->dtype;
	enum kd_class kdc = rules[id].kind[info->kind].kd;
	enum res_rule res = rules[id].kind[info->kind].res;
	bool wide = d == TNSR_F64 || d == TNSR_C128;
	switch (kdc) {
	case KD_REFUSE:
		return tnsr_error(TNSR_E_DTYPE, "%s: not defined for %s (%s)", st->name, info->name, rules[id].refusal);
	case KD_INT: st->kd = d == TNSR_U64 ? TNSR_U64 : TNSR_I64; break;
	case KD_F64: case KD_MAG: st->kd = TNSR_F64; break;
	case KD_FLOAT: case KD_SPLIT: st->kd = wide ? TNSR_F64 : TNSR_F32; break;
	case KD_C128: st->kd = TNSR_C128; break;
	case KD_BOOL: st->kd = TNSR_BOOL; break;
	}
	st->kdc = kdc;
	st->split = kdc == KD_SPLIT;
	switch (res) {
	case RES_SAME: st->result = d; break;
	case RES_SUMINT: st->result = d == TNSR_U64 ? TNSR_U64 : TNSR_I64; break;
	case RES_F32: st->result = TNSR_F32; break;
	case RES_REAL: st->result = d == TNSR_C64 ? TNSR_F32 : d == TNSR_C128 ? TNSR_F64 : d; break;
	case RES_BOOL: st->result = d == TNSR_U8 ? TNSR_U8 : TNSR_BOOL; break;
	case RES_INDEX: st->result = TNSR_I64; break;
	}
	tnsr_reduce_id kid = id;
	if (st->split && id == TNSR_RED_STD) { /* std of complex: sqrt(var(re) + var(im)) */
		kid = TNSR_RED_VAR;
		st->post_std = true;
	}
	red_norm norm = id == TNSR_RED_NORM ? norm_variant(st->params.p) : RED_NORM_NONE;
	st->k = tnsr_red_kernel_find(kid, st->kd, norm);
	if (!st->k)
		return tnsr_error(TNSR_E_UNSUPPORTED, "%s: no kernel for %s", st->name, info->name);
	return TNSR_OK;
}

/* Marks the reduced dims in RED; TNSR_E_VALUE for a dim out of range or repeated. */
static tnsr_status reduced_dims(const tnsr_reduce_state *st, const tnsr_op_args *args, int ndim, bool *red)
{
	char list[TNSR_MAX_DIMS * 12] = "";
	for (int i = 0; i < args->ndims; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s%d", i ? ", " : "", args->dims[i]);
	bool one = st->id == TNSR_RED_ARGMAX || st->id == TNSR_RED_ARGMIN;
	if (one && args->ndims > 1)
		return tnsr_error(TNSR_E_VALUE, "%s: takes one dim, got %d (%s)", st->name, args->ndims, list);
	if (args->ndims < 0 || args->ndims > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_VALUE, "%s: %d dims (expected 0..%d)", st->name, args->ndims, TNSR_MAX_DIMS);
	memset(red, 0, sizeof *red * TNSR_MAX_DIMS);
	if (args->ndims == 0) {
		for (int d = 0; d < ndim; d++)
			red[d] = true;
		return TNSR_OK;
	}
	bool seen[TNSR_MAX_DIMS] = {false};
	for (int i = 0; i < args->ndims; i++) {
		int d;
		if (tnsr_dim_normalize(args->dims[i], ndim, &d))
			return tnsr_error_prefix(TNSR_E_VALUE, st->name);
		if (seen[d])
			return tnsr_error(TNSR_E_VALUE, "%s: dim %d appears multiple times in the list of dims (%s)",
					  st->name, d, list);
		seen[d] = true;
		if (ndim > 0)
			red[d] = true;
	}
	return TNSR_OK;
}

/* Coalesces (shape, red) into groups and picks the mode; SHAPE is in kernel elements. */
static void plan_layout(tnsr_reduce_state *st, int ndim, const int64_t *shape, const bool *red)
{
	int64_t gsize[TNSR_MAX_DIMS + 1];
	bool gkept[TNSR_MAX_DIMS + 1];
	int m = 0;
	for (int d = 0; d < ndim; d++) {
		if (shape[d] == 1)
			continue;
		if (m > 0 && gkept[m - 1] == !red[d]) {
			gsize[m - 1] *= shape[d];
			continue;
		}
		gsize[m] = shape[d];
		gkept[m++] = !red[d];
	}
	if (m == 0) { /* one element: a run of one */
		gsize[0] = 1;
		gkept[m++] = false;
	}
	int nouter;
	if (!gkept[m - 1]) {
		st->mode = MODE_BLOCKS;
		st->p = 1;
		st->len = gsize[m - 1];
		nouter = m - 1;
	} else if (m >= 2 && gsize[m - 1] <= RED_PMAX) {
		st->mode = MODE_BLOCKS;
		st->p = (int)gsize[m - 1];
		st->len = gsize[m - 2] * gsize[m - 1];
		nouter = m - 2;
	} else {
		st->mode = MODE_ROWS;
		st->p = 1;
		st->len = gsize[m - 1];
		nouter = m - 1;
	}
	st->nouter = nouter;
	int64_t ocount = st->mode == MODE_ROWS ? st->len : st->p;
	int64_t rcount = st->mode == MODE_ROWS ? 1 : st->len / st->p;
	for (int g = nouter - 1; g >= 0; g--) {
		st->size[g] = gsize[g];
		st->kept[g] = gkept[g];
		if (gkept[g]) {
			st->ostride[g] = ocount;
			ocount *= gsize[g];
		} else {
			st->rstride[g] = rcount;
			rcount *= gsize[g];
		}
	}
}

/* An accumulator field: large ones on huge pages where the system allows (fewer faults). */
static void *alloc_field(size_t bytes)
{
	enum { HUGE_PAGE = 2 << 20 };
	if (bytes < 4 * (size_t)HUGE_PAGE)
		return malloc(bytes ? bytes : 1);
	void *p = aligned_alloc(HUGE_PAGE, (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE);
	if (p)
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

static tnsr_status alloc_state(tnsr_reduce_state *st)
{
	size_t bytes;
	if (__builtin_mul_overflow((size_t)st->nout, (size_t)8, &bytes))
		return tnsr_error(TNSR_E_NOMEM, "%s: %lld outputs overflow the address space", st->name,
				  (long long)st->nout);
	int nf = st->k->nfields;
	if (nf < 0) /* the last field serves rows only */
		nf = st->mode == MODE_ROWS ? -nf : -nf - 1;
	for (int f = 0; f < nf; f++)
		if (!(st->acc[f] = alloc_field(bytes)))
			return tnsr_error(TNSR_E_NOMEM, "%s: out of memory for %lld outputs", st->name,
					  (long long)st->nout);
	size_t es = tnsr_dtype_size(st->kd);
	if (st->mode == MODE_BLOCKS && st->numel > 0) {
		st->block = malloc((size_t)RED_BLOCK * es);
		st->parts = malloc(sizeof *st->parts * SUPER * (size_t)st->p * RED_NPART);
		if (!st->block || !st->parts)
			return tnsr_error(TNSR_E_NOMEM, "%s: out of memory", st->name);
	}
	if (st->nout > 0)
		st->k->init((red_acc)st->acc, 0, st->nout);
	return TNSR_OK;
}

tnsr_status tnsr_reduce_begin(const tnsr_op *op, const tnsr_op_args *args_in, tnsr_dtype dtype, int ndim,
			      const int64_t *shape, tnsr_reduce_state **out)
{
	*out = NULL;
	tnsr_op_args defaults = tnsr_op_args_default();
	const tnsr_op_args *args = args_in ? args_in : &defaults;
	if (!op || !op->reduce)
		return tnsr_error(TNSR_E_USAGE, "%s: not a reduction", op ? op->name : "(null)");
	tnsr_reduce_state *st = calloc(1, sizeof *st);
	if (!st)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	st->name = op->name;
	st->id = op->reduce->id;
	st->dtype = dtype;
	st->params.p = args->ord;
	st->params.correction = args->correction;
	char buf[256];
	bool red[TNSR_MAX_DIMS + 1]; /* one more for the (re, im) dim of a split complex */
	tnsr_status s = TNSR_OK;
	if (ndim < 0 || ndim > TNSR_MAX_DIMS)
		s = tnsr_error(TNSR_E_VALUE, "%s: %d dims (expected 0..%d)", st->name, ndim, TNSR_MAX_DIMS);
	if (!s)
		s = tnsr_shape_size(ndim, shape, 1, &st->numel, NULL);
	if (!s)
		s = choose_dtypes(st, st->id);
	if (!s)
		s = reduced_dims(st, args, ndim, red);
	if (s) {
		tnsr_reduce_free(st);
		return tnsr_error_prefix(s, op->name);
	}
	/* the result's shape and the number of elements behind each output */
	st->count = 1;
	int64_t nout = 1;
	for (int d = 0; d < ndim; d++) {
		if (red[d])
			st->count *= shape[d];
		else
			nout *= shape[d];
		if (!red[d] || args->keepdim)
			st->out_shape[st->out_ndim++] = red[d] ? 1 : shape[d];
	}
	red_norm norm = st->id == TNSR_RED_NORM ? norm_variant(args->ord) : RED_NORM_NONE;
	if (!has_identity(st->id, norm, args->ord) && st->count == 0) {
		const char *what = st->id == TNSR_RED_NORM ? "that norm" : st->name;
		int zero = -1;
		for (int d = 0; d < ndim && zero < 0; d++)
			if (red[d] && shape[d] == 0)
				zero = d;
		if (args->ndims == 0)
			s = tnsr_error(TNSR_E_VALUE, "%s: the tensor of shape %s is empty and %s of no elements is "
					"undefined (expected a non-empty tensor or a dim to reduce)", st->name,
				       tnsr_shape_format(ndim, shape, buf, sizeof buf), what);
		else
			s = tnsr_error(TNSR_E_VALUE, "%s: dim %d has size 0 and %s of no elements is undefined "
					"(expected reduced dims of nonzero size)", st->name, zero, what);
		tnsr_reduce_free(st);
		return s;
	}
	/* complex split: a trailing kept dim of 2 (real, imaginary) */
	int64_t kshape[TNSR_MAX_DIMS + 1];
	memcpy(kshape, shape, sizeof *shape * (size_t)ndim);
	int kndim = ndim;
	st->nout = nout;
	if (st->split) {
		kshape[kndim] = 2;
		red[kndim++] = false;
		st->nout *= 2;
	}
	plan_layout(st, kndim, kshape, red);
	if ((s = alloc_state(st))) {
		tnsr_reduce_free(st);
		return s;
	}
	*out = st;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- feeding */

/* Moves the stream T runs (blocks) or rows forward; T never crosses the end of the
 * innermost outer group except to land exactly on it. */
static void advance(tnsr_reduce_state *st, int64_t t)
{
	int g = st->nouter - 1;
	if (g < 0)
		return;
	st->digit[g] += t;
	if (st->digit[g] < st->size[g]) {
		if (st->kept[g])
			st->out_base += t * st->ostride[g];
		else
			st->red_base += t * st->rstride[g];
		return;
	}
	for (; g >= 0 && st->digit[g] >= st->size[g]; g--) {
		st->digit[g] = 0;
		if (g > 0)
			st->digit[g - 1]++;
	}
	st->out_base = st->red_base = 0;
	for (g = 0; g < st->nouter; g++) {
		if (st->kept[g])
			st->out_base += st->digit[g] * st->ostride[g];
		else
			st->red_base += st->digit[g] * st->rstride[g];
	}
}

static int64_t stretch_left(const tnsr_reduce_state *st)
{
	int g = st->nouter - 1;
	return g < 0 ? 1 : st->size[g] - st->digit[g];
}

/* NE complete blocks of one run from offset OFF (a block start), in place at X. */
static void blocks_in_place(tnsr_reduce_state *st, const char *x, int64_t off, int64_t ne, int64_t o, int64_t red)
{
	const red_kernel *k = st->k;
	size_t es = tnsr_dtype_size(st->kd);
	int p = st->p;
	int64_t bl = red_block_len(p), nb = (ne + bl - 1) / bl;
	for (int64_t b0 = 0; b0 < nb; b0 += SUPER) {
		int64_t cnt = nb - b0 < SUPER ? nb - b0 : SUPER;
		/* dynamic: a thread the machine holds back leaves its blocks to the other */
#pragma omp parallel for schedule(dynamic, PAR_GRAIN / RED_BLOCK) if (cnt * bl >= PAR_MIN)
		for (int64_t b = 0; b < cnt; b++) {
			int64_t e0 = (b0 + b) * bl, m = ne - e0 < bl ? ne - e0 : bl;
			k->partial(x + (size_t)e0 * es, m, p, st->parts + b * p * RED_NPART, &st->params);
		}
		for (int64_t b = 0; b < cnt; b++) {
			int64_t e0 = (b0 + b) * bl, m = ne - e0 < bl ? ne - e0 : bl;
			k->merge((red_acc)st->acc, o, p, st->parts + b * p * RED_NPART, red + (off + e0) / p, m / p,
				 &st->params);
		}
	}
}

/* Elements [OFF, OFF+M) of the current run, which goes to outputs O.. with index RED. */
static void run_segment(tnsr_reduce_state *st, const char *x, int64_t off, int64_t m, int64_t o, int64_t red)
{
	const red_kernel *k = st->k;
	size_t es = tnsr_dtype_size(st->kd);
	int p = st->p;
	int64_t bl = red_block_len(p), len = st->len;
	if (st->buffered > 0) {
		int64_t start = off - st->buffered, blen = len - start < bl ? len - start : bl;
		int64_t take = blen - st->buffered < m ? blen - st->buffered : m;
		memcpy(st->block + (size_t)st->buffered * es, x, (size_t)take * es);
		st->buffered += take;
		x += (size_t)take * es;
		off += take;
		m -= take;
		if (st->buffered == blen) {
			red_slot part[RED_PMAX * RED_NPART];
			k->partial(st->block, blen, p, part, &st->params);
			k->merge((red_acc)st->acc, o, p, part, red + start / p, blen / p, &st->params);
			st->buffered = 0;
		}
		if (m == 0)
			return;
	}
	/* OFF is at a block start: whole blocks in place, the rest into the buffer */
	int64_t whole = off + m == len ? m : (m / bl) * bl;
	if (whole > 0)
		blocks_in_place(st, x, off, whole, o, red);
	if (m > whole) {
		memcpy(st->block, x + (size_t)whole * es, (size_t)(m - whole) * es);
		st->buffered = m - whole;
	}
}

static void feed_blocks(tnsr_reduce_state *st, const char *x, int64_t n)
{
	size_t es = tnsr_dtype_size(st->kd);
	int64_t len = st->len;
	int p = st->p;
	while (n > 0) {
		int64_t nr = st->off > 0 ? 0 : n / len, left = stretch_left(st);
		nr = nr < left ? nr : left;
		/* a partial run, or runs long enough to split into blocks across threads */
		if (nr == 0 || (nr < 4 && len >= PAR_MIN) || len >= 8 * PAR_MIN) {
			int64_t m = len - st->off < n ? len - st->off : n;
			run_segment(st, x, st->off, m, st->out_base, st->red_base);
			x += (size_t)m * es;
			n -= m;
			st->off += m;
			if (st->off == len) {
				st->off = 0;
				advance(st, 1);
			}
			continue;
		}
		/* complete runs, each to its own outputs: in parallel across runs */
		const red_kernel *k = st->k;
		int64_t per = (PAR_GRAIN + len - 1) / len, nchunks = (nr + per - 1) / per;
		int64_t o = st->out_base, red = st->red_base;
#pragma omp parallel for schedule(dynamic) if (nr * len >= PAR_MIN && nchunks > 1)
		for (int64_t c = 0; c < nchunks; c++) {
			int64_t t0 = c * per, t1 = t0 + per < nr ? t0 + per : nr;
			k->runs((red_acc)st->acc, o + t0 * p, p, x + (size_t)(t0 * len) * es, t1 - t0, len, red,
				&st->params);
		}
		x += (size_t)(nr * len) * es;
		n -= nr * len;
		advance(st, nr);
	}
}

static void feed_rows(tnsr_reduce_state *st, const char *x, int64_t n)
{
	const red_kernel *k = st->k;
	size_t es = tnsr_dtype_size(st->kd);
	int64_t len = st->len;
	while (n > 0) {
		if (st->off > 0 || n < len) {
			int64_t m = len - st->off < n ? len - st->off : n;
			k->rows((red_acc)st->acc, st->out_base + st->off, x, 1, m, m, st->red_base, &st->params);
			x += (size_t)m * es;
			n -= m;
			st->off += m;
			if (st->off == len) {
				st->off = 0;
				advance(st, 1);
			}
			continue;
		}
		int64_t nr = n / len, left = stretch_left(st);
		nr = nr < left ? nr : left;
		/* column slices, each output in one slice: in parallel when large */
		int64_t cw = len, nslices = 1, most = 2 * (int64_t)omp_get_max_threads();
		if (nr * len >= PAR_MIN && len >= 128 && most > 2) {
			nslices = len / 64 < most ? len / 64 : most;
			cw = (len / nslices + 63) / 64 * 64;
			nslices = (len + cw - 1) / cw;
		}
		int64_t o = st->out_base, red = st->red_base;
#pragma omp parallel for schedule(dynamic) if (nslices > 1)
		for (int64_t c = 0; c < nslices; c++) {
			int64_t c0 = c * cw, w = len - c0 < cw ? len - c0 : cw;
			k->rows((red_acc)st->acc, o + c0, x + (size_t)c0 * es, nr, w, len, red, &st->params);
		}
		x += (size_t)(nr * len) * es;
		n -= nr * len;
		advance(st, nr);
	}
}

/* Magnitudes of complex elements, for norm (SRC at any alignment). */
static void magnitudes(double *dst, tnsr_dtype dtype, const char *src, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		if (dtype == TNSR_C64) {
			float z[2];
			memcpy(z, src + 8 * i, sizeof z);
			dst[i] = hypot(z[0], z[1]);
		} else {
			double z[2];
			memcpy(z, src + 16 * i, sizeof z);
			dst[i] = hypot(z[0], z[1]);
		}
	}
}

static void feed_kd(tnsr_reduce_state *st, const char *x, int64_t n)
{
	if (st->mode == MODE_BLOCKS)
		feed_blocks(st, x, n);
	else
		feed_rows(st, x, n);
}

tnsr_status tnsr_reduce_feed(tnsr_reduce_state *st, const void *data, int64_t start, int64_t n)
{
	if (n < 0 || start != st->pos || n > st->numel - st->pos)
		return tnsr_error(TNSR_E_VALUE, "%s: fed elements %lld..%lld, expected the next of %lld from %lld",
				  st->name, (long long)start, (long long)(start + n), (long long)st->numel,
				  (long long)st->pos);
	st->pos += n;
	size_t in_size = tnsr_dtype_size(st->dtype), kd_size = tnsr_dtype_size(st->kd);
	int64_t scale = st->split ? 2 : 1;
	bool same = st->split || st->dtype == st->kd;
	if (same && (uintptr_t)data % (kd_size > 8 ? 8 : kd_size) == 0) {
		feed_kd(st, data, n * scale);
		return TNSR_OK;
	}
	if (!st->conv && !(st->conv = malloc((size_t)CONV_ELEMS * kd_size * (size_t)scale)))
		return tnsr_error(TNSR_E_NOMEM, "%s: out of memory", st->name);
	const char *src = data;
	for (int64_t i = 0; i < n; i += CONV_ELEMS) {
		int64_t m = n - i < CONV_ELEMS ? n - i : CONV_ELEMS;
		const char *p = src + (size_t)i * in_size;
		if (same)
			memcpy(st->conv, p, (size_t)m * in_size);
		else if (st->kdc == KD_MAG)
			magnitudes((double *)st->conv, st->dtype, p, m);
		else
			tnsr_convert(st->kd, st->conv, st->dtype, p, (size_t)m);
		feed_kd(st, st->conv, m * scale);
	}
	return TNSR_OK;
}

/* ---------------------------------------------------------------- end */

tnsr_status tnsr_reduce_end(tnsr_reduce_state *st, tnsr_tensor **out)
{
	*out = NULL;
	tnsr_status s = TNSR_OK;
	if (st->pos != st->numel)
		s = tnsr_error(TNSR_E_VALUE, "%s: the input ended after %lld of %lld elements", st->name,
			       (long long)st->pos, (long long)st->numel);
	tnsr_tensor *t = NULL;
	if (!s)
		s = tnsr_tensor_empty(st->result, st->out_ndim, st->out_shape, &t);
	double *fin = NULL;
	if (!s && !(fin = malloc(FIN_SLICE * 16)))
		s = tnsr_error(TNSR_E_NOMEM, "%s: out of memory", st->name);
	if (s) {
		tnsr_reduce_free(st);
		free(fin);
		return s;
	}
	char *dst = tnsr_tensor_data(t);
	size_t rsize = tnsr_dtype_size(st->result);
	for (int64_t o = 0; o < st->nout; o += FIN_SLICE) {
		int64_t m = st->nout - o < FIN_SLICE ? st->nout - o : FIN_SLICE;
		st->k->finish((red_acc)st->acc, o, m, st->count, &st->params, fin);
		tnsr_dtype from = st->k->fin;
		int64_t nres = m, first = o;
		if (st->split) { /* pairs (re, im): a complex sum, or two variances to add */
			nres = m / 2;
			first = o / 2;
			if (st->id == TNSR_RED_SUM || st->id == TNSR_RED_MEAN) {
				from = TNSR_C128;
			} else {
				for (int64_t i = 0; i < nres; i++)
					fin[i] = st->post_std ? sqrt(fin[2 * i] + fin[2 * i + 1]) : fin[2 * i] + fin[2 * i + 1];
			}
		}
		if (from == TNSR_F64 || from == TNSR_C128) /* one NaN, whatever order made it */
			for (int64_t i = 0; i < (from == TNSR_C128 ? 2 * nres : nres); i++)
				if (fin[i] != fin[i])
					fin[i] = NAN;
		tnsr_convert(st->result, dst + (size_t)first * rsize, from, fin, (size_t)nres);
	}
	free(fin);
	tnsr_reduce_free(st);
	*out = t;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- whole tensors */

/* PERM orders T's dims by decreasing stride so that the permuted view is C-contiguous;
 * false when T is not a dense permutation with positive strides. */
static bool dense_permutation(const tnsr_tensor *t, int *perm)
{
	int n = 0;
	for (int d = 0; d < t->ndim; d++)
		if (t->shape[d] != 1)
			perm[n++] = d;
	for (int i = 1; i < n; i++) /* insertion sort: stable, few dims */
		for (int j = i; j > 0 && t->strides[perm[j]] > t->strides[perm[j - 1]]; j--) {
			int tmp = perm[j];
			perm[j] = perm[j - 1];
			perm[j - 1] = tmp;
		}
	int64_t expect = 1;
	for (int i = n - 1; i >= 0; i--) {
		if (t->strides[perm[i]] != expect)
			return false;
		expect *= t->shape[perm[i]];
	}
	for (int d = 0; d < t->ndim; d++)
		if (t->shape[d] == 1)
			perm[n++] = d;
	return true;
}

/* Reduces the dense permutation X (dims ordered by PERM) in memory order, then puts the
 * result's dims back in X's order. */
static tnsr_status reduce_permuted(const tnsr_op *op, const tnsr_tensor *x, const int *perm, const bool *red,
				   const tnsr_op_args *args, int out_ndim, const int64_t *out_shape,
				   tnsr_tensor **out)
{
	tnsr_tensor *y = NULL, *r = NULL, *rp = NULL, *rc = NULL;
	tnsr_op_args a = *args;
	a.keepdim = false;
	a.ndims = 0;
	int ky[TNSR_MAX_DIMS], nk = 0;
	for (int i = 0; i < x->ndim; i++) {
		if (red[perm[i]])
			a.dims[a.ndims++] = i;
		else
			ky[nk++] = perm[i];
	}
	int q[TNSR_MAX_DIMS], j = 0;
	for (int d = 0; d < x->ndim; d++) /* kept dims of X, in order: where each is in the result */
		if (!red[d])
			for (int i = 0; i < nk; i++)
				if (ky[i] == d)
					q[j++] = i;
	tnsr_reduce_state *st = NULL;
	tnsr_status s = tnsr_tensor_permute(x, perm, &y);
	if (!s)
		s = tnsr_reduce_begin(op, &a, y->dtype, y->ndim, y->shape, &st);
	if (!s)
		s = tnsr_reduce_feed(st, tnsr_tensor_data(y), 0, tnsr_tensor_numel(y));
	if (!s) {
		s = tnsr_reduce_end(st, &r);
		st = NULL;
	}
	if (!s)
		s = tnsr_tensor_permute(r, q, &rp);
	if (!s)
		s = tnsr_tensor_contiguous(rp, &rc);
	if (!s)
		s = tnsr_tensor_reshape(rc, out_ndim, out_shape, out);
	tnsr_reduce_free(st);
	tnsr_tensor_free(y);
	tnsr_tensor_free(r);
	tnsr_tensor_free(rp);
	tnsr_tensor_free(rc);
	return s;
}

/* Feeds any strided X in C order through a contiguous buffer. */
static tnsr_status feed_gathered(tnsr_reduce_state *st, const tnsr_tensor *x)
{
	enum { GATHER = 1 << 20 };
	int nd = x->ndim, s = nd;
	int64_t inner = 1;
	while (s > 0 && inner * x->shape[s - 1] <= GATHER)
		inner *= x->shape[--s];
	/* dims [s, nd) are copied whole; if s == nd the last dim is copied in pieces */
	bool pieces = s == nd;
	int lead = pieces ? nd - 1 : s;
	int64_t piece = pieces ? GATHER : inner;
	tnsr_tensor *buf = NULL;
	int64_t bshape[TNSR_MAX_DIMS], idx[TNSR_MAX_DIMS] = {0}, pos = 0;
	int bnd = nd - lead;
	memcpy(bshape, x->shape + lead, sizeof *bshape * (size_t)bnd);
	if (pieces)
		bshape[0] = piece;
	tnsr_status rc = tnsr_tensor_empty(x->dtype, bnd, bshape, &buf);
	int64_t numel = tnsr_tensor_numel(x);
	while (!rc && pos < numel) {
		int64_t off = x->offset;
		for (int d = 0; d < lead; d++)
			off += idx[d] * x->strides[d];
		int64_t total = pieces ? x->shape[nd - 1] : 1;
		for (int64_t p0 = 0; p0 < total && !rc; p0 += piece) {
			int64_t sh[TNSR_MAX_DIMS];
			memcpy(sh, x->shape + lead, sizeof *sh * (size_t)bnd);
			if (pieces)
				sh[0] = total - p0 < piece ? total - p0 : piece;
			tnsr_tensor *src = tnsr_tensor_over(x->storage, x->dtype, bnd, sh, x->strides + lead,
							    off + (pieces ? p0 * x->strides[nd - 1] : 0));
			tnsr_tensor *dst = tnsr_tensor_over(buf->storage, x->dtype, bnd, sh, NULL, 0);
			int64_t m = src && dst ? tnsr_tensor_numel(src) : 0;
			rc = !src || !dst ? TNSR_E_NOMEM : tnsr_tensor_copy_into(dst, src);
			if (!rc)
				rc = tnsr_reduce_feed(st, tnsr_tensor_data(dst), pos, m);
			pos += m;
			tnsr_tensor_free(src);
			tnsr_tensor_free(dst);
		}
		for (int d = lead - 1; d >= 0; d--) {
			if (++idx[d] < x->shape[d])
				break;
			idx[d] = 0;
		}
	}
	tnsr_tensor_free(buf);
	return rc;
}

tnsr_status tnsr_run_reduce(const tnsr_op *op, tnsr_tensor *const *in, int n, const tnsr_op_args *args,
			    tnsr_tensor **out)
{
	const tnsr_tensor *x = in[0];
	tnsr_op_args defaults = tnsr_op_args_default();
	if (!args)
		args = &defaults;
	tnsr_reduce_state *st;
	tnsr_status s = tnsr_reduce_begin(op, args, x->dtype, x->ndim, x->shape, &st);
	if (s)
		return s;
	int64_t numel = st->numel;
	if (numel == 0 || tnsr_tensor_is_contiguous(x)) {
		s = tnsr_reduce_feed(st, tnsr_tensor_data(x), 0, numel);
		if (s) {
			tnsr_reduce_free(st);
			return s;
		}
		return tnsr_reduce_end(st, out);
	}
	/* A flat argmax/argmin counts positions in C order: no reordering then. */
	bool red[TNSR_MAX_DIMS];
	reduced_dims(st, args, x->ndim, red);
	bool flat_index = (st->id == TNSR_RED_ARGMAX || st->id == TNSR_RED_ARGMIN) && args->ndims == 0;
	int perm[TNSR_MAX_DIMS];
	if (!flat_index && dense_permutation(x, perm)) {
		int out_ndim = st->out_ndim;
		int64_t out_shape[TNSR_MAX_DIMS];
		memcpy(out_shape, st->out_shape, sizeof out_shape);
		tnsr_reduce_free(st);
		return reduce_permuted(op, x, perm, red, args, out_ndim, out_shape, out);
	}
	if ((s = feed_gathered(st, x))) {
		tnsr_reduce_free(st);
		return s;
	}
	return tnsr_reduce_end(st, out);
}
