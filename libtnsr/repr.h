/* repr.h: what the printing files share (repr.c, repr_torch.c, repr_numpy.c,
 * repr_float.c): a writer that tracks the output column, element values read from any
 * dtype, the walk over the elements a summarized repr shows, and NumPy's Dragon4. */
#ifndef TNSR_REPR_H
#define TNSR_REPR_H

#include "tnsr.h"

/* ---------------------------------------------------------------- output */

/* Text goes straight to the FILE; COLUMN counts the characters since the last newline,
 * which both libraries use to decide where lines break and where suffixes go. */
typedef struct repr_out {
	FILE *f;
	int64_t column;
} repr_out;

void repr_put(repr_out *o, const char *s, size_t n);
void repr_puts(repr_out *o, const char *s);
void repr_spaces(repr_out *o, int64_t n);
void repr_newlines(repr_out *o, int n);

/* ---------------------------------------------------------------- values */

/* One element: floating and complex values in RE/IM (exact: every dtype's values fit a
 * double), signed integers and bool in I, unsigned integers in U. */
typedef struct repr_value {
	double re, im;
	int64_t i;
	uint64_t u;
} repr_value;

repr_value repr_read(tnsr_dtype dtype, const char *p);

/* The component a formatter looks at: the value itself, or a complex value's real or
 * imaginary part (each gets its own formatter in both libraries). */
typedef enum repr_part { REPR_WHOLE, REPR_REAL, REPR_IMAG } repr_part;
static inline double repr_part_of(repr_value v, repr_part part) { return part == REPR_IMAG ? v.im : v.re; }

/* ---------------------------------------------------------------- the shown elements */

/* Calls FN on each element repr shows, in order: along each dim every index, or, when
 * SUMMARIZE and the dim is longer than 2*EDGE, the first EDGE and the last EDGE.  This is
 * the "summarized data" both libraries build their formatter from: a bounded pass, never
 * the whole tensor. */
typedef void (*repr_visit_fn)(void *ctx, const char *elem);
void repr_visit(const tnsr_tensor *t, bool summarize, int64_t edge, repr_visit_fn fn, void *ctx);

/* ---------------------------------------------------------------- styles */

tnsr_status tnsr_repr_torch(repr_out *o, const tnsr_tensor *t, const tnsr_print_options *opt);
tnsr_status tnsr_repr_numpy(repr_out *o, const tnsr_tensor *t, const tnsr_print_options *opt);

/* ---------------------------------------------------------------- NumPy's Dragon4 */

/* The options of numpy's dragon4_positional / dragon4_scientific.  Negative numbers mean
 * "none", as NumPy's None. */
typedef struct repr_dragon4_opts {
	bool scientific;
	bool unique;       /* shortest digits that round-trip, else exact digits */
	int precision;     /* positional: digits after the point; scientific: after the first */
	int min_digits;    /* unique mode: print at least this many (rounded) */
	bool trim_zeros;   /* trim='.' (drop trailing zeros, keep the point); else trim='k' */
	bool sign;         /* '+' on non-negative values */
	int pad_left;      /* characters left of the point (with the sign), spaces added */
	int pad_right;     /* positional: characters right of the point, spaces added */
	int exp_digits;    /* scientific: exponent digits at least (default 2) */
} repr_dragon4_opts;

/* Formats finite X, a value of DTYPE (f16, bf16, f32 or f64; X holds it exactly), as
 * NumPy 1.24 does for that type.  Writes at most SIZE-1 characters and a NUL into BUF
 * (SIZE >= 64 + precision + pad_left + pad_right); returns the length. */
int repr_dragon4(char *buf, size_t size, double x, tnsr_dtype dtype, const repr_dragon4_opts *o);

#endif
