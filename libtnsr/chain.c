/* chain.c: evaluating a chain of ops (tops OP then OP ...).  Consecutive elementwise
 * steps, and a reduction that ends them, are fused: the input is taken a chunk at a
 * time (read from a pipe, or viewed in a mapping whose pages are released once used),
 * every step runs over the chunk while it is in cache, and the result is written out or
 * fed to the reduction before the next chunk is read.  Memory stays bounded whatever
 * the size, and the data makes one pass.  Other ops run on whole tensors. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"
#include "iter.h"
#include "ops.h"

enum {
	CHUNK = 1 << 20, /* elements taken from the input at a time */
	BLOCK = 1 << 14, /* elements one thread carries through every step */
	PARALLEL_MIN = 1 << 16,
};

/* The running value: a reader positioned on a member not yet consumed, or a tensor. */
typedef struct value {
	tnsr_reader *reader;
	tnsr_member_info info;
	tnsr_tensor *tensor; /* owned */
} value;

static int value_ndim(const value *v) { return v->tensor ? v->tensor->ndim : v->info.ndim; }
static const int64_t *value_shape(const value *v) { return v->tensor ? v->tensor->shape : v->info.shape; }
static tnsr_dtype value_dtype(const value *v) { return v->tensor ? v->tensor->dtype : v->info.dtype; }

static tnsr_status materialize(value *v)
{
	if (v->tensor)
		return TNSR_OK;
	tnsr_status st = tnsr_reader_load(v->reader, &v->tensor);
	v->reader = NULL;
	return st;
}

/* ---------------------------------------------------------------- gathering */

/* Copies elements START..START+N-1 (C order over SHAPE) of T broadcast to SHAPE into
 * the packed buffer DST, in T's dtype. */
static void gather_broadcast(const tnsr_tensor *t, int ndim, const int64_t *shape, int64_t start, int64_t n,
			     char *dst)
{
	size_t size = tnsr_dtype_size(t->dtype);
	const char *base = tnsr_tensor_data(t);
	if (tnsr_tensor_numel(t) == 1) { /* a scalar: the same element everywhere */
		for (int64_t i = 0; i < n; i++)
			memcpy(dst + (size_t)i * size, base, size);
		return;
	}
	int64_t strides[TNSR_MAX_DIMS], index[TNSR_MAX_DIMS];
	int lead = ndim - t->ndim;
	for (int d = 0; d < ndim; d++) {
		int j = d - lead;
		strides[d] = j < 0 || t->shape[j] == 1 ? 0 : t->strides[j] * (int64_t)size;
	}
	int64_t rest = start;
	for (int d = ndim - 1; d >= 0; d--) {
		index[d] = shape[d] ? rest % shape[d] : 0;
		rest = shape[d] ? rest / shape[d] : 0;
	}
	int inner = ndim - 1;
	while (n > 0) {
		const char *p = base;
		for (int d = 0; d < inner; d++)
			p += index[d] * strides[d];
		int64_t run = ndim ? shape[inner] - index[inner] : 1;
		if (run > n)
			run = n;
		if (ndim) {
			p += index[inner] * strides[inner];
			if (strides[inner] == (int64_t)size)
				memcpy(dst, p, (size_t)run * size);
			else
				tnsr_gather_run(dst, p, strides[inner], run, size);
		} else {
			memcpy(dst, p, size);
		}
		dst += (size_t)run * size;
		n -= run;
		if (!ndim)
			break;
		index[inner] += run;
		for (int d = inner; d > 0 && index[d] == shape[d]; d--) {
			index[d] = 0;
			index[d - 1]++;
		}
	}
}

/* ---------------------------------------------------------------- fused runs */

/* A run of elementwise steps planned for the running shape. */
typedef struct fused {
	const tnsr_step *steps;
	int nsteps;
	tnsr_ew_plan plans[64];
	int ndim;
	const int64_t *shape;
	tnsr_dtype in_dtype, out_dtype;
	/* A one-element operand (a number) converted once and repeated over a block. */
	char *scalar[64][3];
	bool direct; /* the last kernel may write the destination (it aliases no input) */
} fused;

/* Whether step S can join a fused run over a running value of NDIM/SHAPE/DTYPE, and its plan. */
static bool fusable(const tnsr_step *s, int ndim, const int64_t *shape, tnsr_dtype dtype, tnsr_ew_plan *plan)
{
	if (!s->op->ew)
		return false;
	tnsr_tensor proxy = {.dtype = dtype, .ndim = ndim};
	memcpy(proxy.shape, shape, sizeof *shape * (size_t)ndim);
	const tnsr_tensor *ops[3];
	for (int k = 0; k < s->nin; k++) {
		if (k == s->running) {
			ops[k] = &proxy;
			continue;
		}
		const tnsr_tensor *t = s->operands[k];
		int bnd;
		int64_t bshape[TNSR_MAX_DIMS];
		/* The others must broadcast into the running shape without growing it. */
		if (tnsr_broadcast_shapes(ndim, shape, t->ndim, t->shape, &bnd, bshape) || bnd != ndim ||
		    memcmp(bshape, shape, sizeof *shape * (size_t)ndim))
			return false;
		ops[k] = t;
	}
	return tnsr_ew_plan_make(s->op, s->nin, ops, &s->args, plan) == TNSR_OK;
}

/* Converts each one-element operand once to its kernel dtype and repeats it over a
 * block, so that numbers cost nothing per chunk. */
static tnsr_status prepare_scalars(fused *f)
{
	for (int i = 0; i < f->nsteps; i++)
		for (int k = 0; k < f->steps[i].nin; k++) {
			const tnsr_tensor *t = f->steps[i].operands[k];
			if (k == f->steps[i].running || !t || tnsr_tensor_numel(t) != 1)
				continue;
			tnsr_dtype d = f->plans[i].input[k];
			size_t size = tnsr_dtype_size(d);
			char *b = aligned_alloc(64, (size_t)BLOCK * 16);
			if (!b)
				return tnsr_error(TNSR_E_NOMEM, "out of memory");
			tnsr_convert(d, b, t->dtype, tnsr_tensor_data(t), 1);
			for (size_t filled = 1; filled < BLOCK; filled *= 2) /* doubling copies */
				memcpy(b + filled * size, b, (filled * 2 <= BLOCK ? filled : BLOCK - filled) * size);
			f->scalar[i][k] = b;
		}
	return TNSR_OK;
}

static void free_scalars(fused *f)
{
	for (int i = 0; i < f->nsteps; i++)
		for (int k = 0; k < 3; k++)
			free(f->scalar[i][k]);
}

/* Per-thread scratch: operand buffers and the two halves of the running block. */
typedef struct scratch {
	char *buf[8];
} scratch;

static tnsr_status scratch_init(scratch *s)
{
	for (int i = 0; i < 8; i++)
		if (!(s->buf[i] = aligned_alloc(64, BLOCK * 16)))
			return tnsr_error(TNSR_E_NOMEM, "out of memory");
	return TNSR_OK;
}

static void scratch_free(scratch *s)
{
	for (int i = 0; i < 8; i++)
		free(s->buf[i]);
}

/* Whether T is C-contiguous with exactly SHAPE, so that its elements can be read in place. */
static bool same_layout(const tnsr_tensor *t, int ndim, const int64_t *shape)
{
	return t->ndim == ndim && !memcmp(t->shape, shape, sizeof *shape * (size_t)ndim) && tnsr_tensor_is_contiguous(t);
}

/* Carries elements START..START+N-1 (N <= BLOCK) of the running value, given packed
 * in IN (dtype f->in_dtype), through every step; the result (f->out_dtype) is copied to DST. */
static tnsr_status run_block(const fused *f, const char *in, int64_t start, int64_t n, char *dst, scratch *s)
{
	const char *cur = in;
	tnsr_dtype cur_dtype = f->in_dtype;
	int flip = 0;
	for (int i = 0; i < f->nsteps; i++) {
		const tnsr_step *st = &f->steps[i];
		const tnsr_ew_plan *p = &f->plans[i];
		const void *args[3];
		for (int k = 0; k < st->nin; k++) {
			char *conv = s->buf[2 + 2 * k], *raw = s->buf[3 + 2 * k];
			const char *src;
			tnsr_dtype src_dtype;
			if (k == st->running) {
				src = cur;
				src_dtype = cur_dtype;
			} else if (f->scalar[i][k]) {
				args[k] = f->scalar[i][k];
				continue;
			} else {
				const tnsr_tensor *t = st->operands[k];
				src_dtype = t->dtype;
				if (same_layout(t, f->ndim, f->shape)) { /* read in place: no copy */
					src = (const char *)tnsr_tensor_data(t) + (size_t)start * tnsr_dtype_size(t->dtype);
				} else {
					gather_broadcast(t, f->ndim, f->shape, start, n, raw);
					src = raw;
				}
			}
			if (src_dtype != p->input[k]) {
				tnsr_convert(p->input[k], conv, src_dtype, src, (size_t)n);
				src = conv;
			}
			args[k] = src;
		}
		bool last = i == f->nsteps - 1 && f->direct && p->kernel_out == p->result;
		char *next = last ? dst : s->buf[flip];
		tnsr_status rc = p->fn(next, args, (size_t)n, &st->args);
		if (rc)
			return tnsr_error_prefix(rc, st->op->name);
		if (p->kernel_out != p->result) {
			char *conv = s->buf[2];
			tnsr_convert(p->result, conv, p->kernel_out, next, (size_t)n);
			memcpy(next, conv, (size_t)n * tnsr_dtype_size(p->result));
		}
		cur = next;
		cur_dtype = p->result;
		flip ^= 1;
	}
	if (f->nsteps == 0 && cur_dtype != f->out_dtype)
		tnsr_convert(f->out_dtype, dst, cur_dtype, cur, (size_t)n);
	else if (cur != dst)
		memcpy(dst, cur, (size_t)n * tnsr_dtype_size(f->out_dtype));
	return TNSR_OK;
}

/* Gives back the pages of a mapped, contiguous source that lie wholly in [FROM, TO) bytes
 * of its data: they were read once and are not needed again (bounded resident size). */
static void release_pages(const tnsr_tensor *t, size_t from, size_t to)
{
	if (!tnsr_storage_is_mapped(t->storage))
		return;
	static long page;
	if (!page)
		page = sysconf(_SC_PAGESIZE);
	uintptr_t lo = (uintptr_t)tnsr_tensor_data(t) + from, hi = (uintptr_t)tnsr_tensor_data(t) + to;
	lo = (lo + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
	hi &= ~((uintptr_t)page - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

/* Where a fused run's results go. */
typedef struct sink_to {
	tnsr_writer *writer;     /* stream them out, or */
	tnsr_reduce_state *reduce; /* feed them to a reduction, or */
	char *memory;            /* store them in a contiguous tensor */
} sink_to;

static tnsr_status run_fused(const fused *f, value *src, const sink_to *to)
{
	int64_t total = 1;
	for (int d = 0; d < f->ndim; d++)
		total *= f->shape[d];
	size_t in_size = tnsr_dtype_size(f->in_dtype), out_size = tnsr_dtype_size(f->out_dtype);
	bool from_reader = !src->tensor;
	const tnsr_tensor *t = src->tensor;
	bool contiguous_source = t && tnsr_tensor_is_contiguous(t);
	char *inbuf = from_reader ? aligned_alloc(64, (size_t)CHUNK * in_size) : NULL;
	char *outbuf = to->memory ? NULL : aligned_alloc(64, (size_t)CHUNK * out_size);
	int nthreads = 1;
#ifdef _OPENMP
	nthreads = omp_get_max_threads();
#endif
	scratch *scr = calloc((size_t)nthreads, sizeof *scr);
	tnsr_status status = TNSR_OK;
	if ((from_reader && !inbuf) || (!to->memory && !outbuf) || !scr)
		status = tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (int i = 0; i < nthreads && !status; i++)
		status = scratch_init(&scr[i]);
	/* A bare reduction of memory already in its dtype and order is fed where it lies. */
	bool feed_in_place = f->nsteps == 0 && to->reduce && contiguous_source;
	for (int64_t start = 0; start < total && !status; start += CHUNK) {
		int64_t n = total - start < CHUNK ? total - start : CHUNK;
		if (feed_in_place) {
			status = tnsr_reduce_feed(to->reduce, (const char *)tnsr_tensor_data(t) + (size_t)start * in_size,
						  start, n);
			release_pages(t, (size_t)start * in_size, (size_t)(start + n) * in_size);
			continue;
		}
		if (from_reader) {
			size_t got;
			if ((status = tnsr_reader_read_data(src->reader, inbuf, (size_t)n * in_size, &got)))
				break;
		}
		char *out = to->memory ? to->memory + (size_t)start * out_size : outbuf;
		int64_t nblocks = (n + BLOCK - 1) / BLOCK;
#pragma omp parallel for schedule(static) if (n >= PARALLEL_MIN)
		for (int64_t b = 0; b < nblocks; b++) {
			int tid = 0;
#ifdef _OPENMP
			tid = omp_get_thread_num();
#endif
			int64_t off = b * BLOCK, m = n - off < BLOCK ? n - off : BLOCK;
			const char *in;
			if (from_reader) {
				in = inbuf + (size_t)off * in_size;
			} else if (contiguous_source) {
				in = (const char *)tnsr_tensor_data(t) + (size_t)(start + off) * in_size;
			} else {
				gather_broadcast(t, t->ndim, t->shape, start + off, m, scr[tid].buf[7]);
				in = scr[tid].buf[7];
			}
			tnsr_status rc = run_block(f, in, start + off, m, out + (size_t)off * out_size, &scr[tid]);
			if (rc) {
#pragma omp critical
				if (!status)
					status = rc;
			}
		}
		if (status)
			break;
		if (contiguous_source && !to->memory)
			release_pages(t, (size_t)start * in_size, (size_t)(start + n) * in_size);
		/* Operands read in place are read once, in order, too. */
		for (int i = 0; i < f->nsteps; i++)
			for (int k = 0; k < f->steps[i].nin; k++) {
				const tnsr_tensor *o = f->steps[i].operands[k];
				size_t size = o ? tnsr_dtype_size(o->dtype) : 0;
				if (k != f->steps[i].running && same_layout(o, f->ndim, f->shape))
					release_pages(o, (size_t)start * size, (size_t)(start + n) * size);
			}
		if (to->writer)
			status = tnsr_writer_data(to->writer, outbuf, (size_t)n * out_size);
		else if (to->reduce)
			status = tnsr_reduce_feed(to->reduce, outbuf, start, n);
	}
	for (int i = 0; i < nthreads && scr; i++)
		scratch_free(&scr[i]);
	free(scr);
	free(inbuf);
	free(outbuf);
	return status;
}

/* ---------------------------------------------------------------- the chain */

/* Runs STEP on whole tensors, the running value materialized. */
static tnsr_status run_whole(const tnsr_step *step, value *v)
{
	tnsr_status st = materialize(v);
	if (st)
		return st;
	tnsr_tensor **ops = malloc(sizeof *ops * (size_t)(step->nin ? step->nin : 1)), *result;
	if (!ops)
		return tnsr_error(TNSR_E_NOMEM, "out of memory");
	for (int k = 0; k < step->nin; k++)
		ops[k] = k == step->running ? v->tensor : step->operands[k];
	st = tnsr_op_apply(step->op, ops, step->nin, &step->args, &result);
	free(ops);
	if (st)
		return st;
	tnsr_tensor_free(v->tensor);
	v->tensor = result;
	return TNSR_OK;
}

/* An in-place result must keep the target's dtype and shape. */
static tnsr_status check_into(const tnsr_tensor *into, tnsr_dtype dtype, int ndim, const int64_t *shape)
{
	char a[256], b[256];
	if (dtype == into->dtype && ndim == into->ndim && !memcmp(shape, into->shape, sizeof *shape * (size_t)ndim))
		return TNSR_OK;
	return tnsr_error(TNSR_E_VALUE, "--inplace: the result, %s %s, does not fit in place of the input, %s %s",
			  tnsr_dtype_name(dtype), tnsr_shape_format(ndim, shape, a, sizeof a), tnsr_dtype_name(into->dtype),
			  tnsr_shape_format(into->ndim, into->shape, b, sizeof b));
}

/* Delivers a finished tensor to OUT. */
static tnsr_status deliver(value *v, const tnsr_chain_output *out)
{
	tnsr_status st = materialize(v);
	if (st)
		return st;
	if (out->result) {
		*out->result = v->tensor;
		v->tensor = NULL;
		return TNSR_OK;
	}
	if (out->into)
		return (st = check_into(out->into, v->tensor->dtype, v->tensor->ndim, v->tensor->shape))
			       ? st : tnsr_tensor_copy_into(out->into, v->tensor);
	return tnsr_write(out->sink, out->format, v->tensor);
}

/* A fused run from steps[i] (NFUSE elementwise steps, then a reduction if REDUCE). */
static tnsr_status run_segment(const tnsr_step *steps, int i, int nfuse, bool reduce, value *v, bool last,
			       const tnsr_chain_output *out)
{
	fused f = {.steps = steps + i, .nsteps = nfuse, .ndim = value_ndim(v), .shape = value_shape(v),
		   .in_dtype = value_dtype(v)};
	tnsr_dtype dtype = f.in_dtype;
	for (int k = 0; k < nfuse; k++) {
		fusable(&steps[i + k], f.ndim, f.shape, dtype, &f.plans[k]);
		dtype = f.plans[k].result;
	}
	f.out_dtype = dtype;
	f.direct = !out->into;
	tnsr_status st = prepare_scalars(&f);
	int64_t shape[TNSR_MAX_DIMS];
	int ndim = f.ndim;
	memcpy(shape, f.shape, sizeof *shape * (size_t)ndim);
	f.shape = shape;
	sink_to to = {0};
	tnsr_tensor *result = NULL;
	if (st) {
		free_scalars(&f);
		return st;
	}
	if (reduce) {
		const tnsr_step *r = &steps[i + nfuse];
		st = tnsr_reduce_begin(r->op, &r->args, dtype, ndim, shape, &to.reduce);
		if (st)
			return tnsr_error_prefix(st, r->op->name);
	} else if (last && out->sink) {
		st = tnsr_writer_begin(out->sink, out->format, dtype, ndim, shape, &to.writer);
	} else if (last && out->into) {
		if (!(st = check_into(out->into, dtype, ndim, shape)))
			to.memory = tnsr_tensor_data(out->into);
	} else {
		st = tnsr_tensor_empty(dtype, ndim, shape, &result);
		if (!st)
			to.memory = tnsr_tensor_data(result);
	}
	if (!st)
		st = run_fused(&f, v, &to);
	if (to.writer) {
		if (st)
			tnsr_writer_abort(to.writer);
		else
			st = tnsr_writer_end(to.writer);
	}
	if (to.reduce) {
		if (st)
			tnsr_reduce_free(to.reduce);
		else if ((st = tnsr_reduce_end(to.reduce, &result)))
			tnsr_error_prefix(st, steps[i + nfuse].op->name);
	}
	free_scalars(&f);
	if (!v->tensor) /* the reader's member has been consumed */
		v->reader = NULL;
	tnsr_tensor_free(v->tensor);
	v->tensor = result;
	return st;
}

tnsr_status tnsr_chain_run(const tnsr_step *steps, int n, tnsr_reader *input, tnsr_tensor *input_tensor,
			   const tnsr_chain_output *out)
{
	value v = {0};
	tnsr_status st = TNSR_OK;
	if (input) {
		v.reader = input;
		/* A mapped member is viewed in place (pages released as they are used); a stream,
		 * a byte-swapped or a Fortran-order member is read in storage order. */
		tnsr_member_info *info = &v.info;
		*info = *tnsr_reader_current(input);
		if (info->mappable || (info->fortran_order && info->ndim > 1))
			st = materialize(&v);
	} else {
		v.tensor = tnsr_tensor_view(input_tensor);
	}
	bool delivered = false;
	for (int i = 0; i < n && !st;) {
		tnsr_dtype dtype = value_dtype(&v);
		int nfuse = 0;
		tnsr_ew_plan plan;
		while (i + nfuse < n && nfuse < 64 &&
		       fusable(&steps[i + nfuse], value_ndim(&v), value_shape(&v), dtype, &plan)) {
			dtype = plan.result;
			nfuse++;
		}
		bool reduce = i + nfuse < n && steps[i + nfuse].op->reduce && steps[i + nfuse].nin == 1;
		if (nfuse == 0 && !reduce) {
			st = run_whole(&steps[i], &v);
			i++;
			continue;
		}
		bool last = i + nfuse + reduce == n;
		st = run_segment(steps, i, nfuse, reduce, &v, last && !reduce, out);
		i += nfuse + reduce;
		delivered = last && !reduce && !out->result && v.tensor == NULL;
	}
	if (!st && !delivered) {
		if (v.reader && !v.tensor && !out->result && !out->into && out->sink) {
			/* No step at all: pass the input through, chunk by chunk. */
			st = run_segment(steps, n, 0, false, &v, true, out);
		} else {
			st = deliver(&v, out);
		}
	}
	tnsr_tensor_free(v.tensor);
	return st;
}
