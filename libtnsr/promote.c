/* promote.c: PyTorch's type promotion (torch.promote_types, torch.result_type with its
 * three priority classes and wrapped number literals), the 0-d wrapped-scalar tensors
 * the tools make from number literals, and NumPy's shape broadcasting. */
#include <string.h>

#include "tnsr.h"

/* c10's promoteTypes table for the twelve dtypes PyTorch 1.13 has, extended to u16, u32
 * and u64, which it lacks:
 *   - among integers as NumPy does: the smallest integer holding both ranges (u16 + i8
 *     -> i32, u32 + i32 -> i64), and f64 for u64 with a signed integer, which no integer
 *     holds (NumPy's rule);
 *   - with floats and complex as PyTorch does for every integer: the floating dtype
 *     wins whatever its width (u64 + f16 -> f16, where NumPy would give f64).
 * Rows and columns follow the enum. */
#define b TNSR_BOOL
#define i8 TNSR_I8
#define i16 TNSR_I16
#define i32 TNSR_I32
#define i64 TNSR_I64
#define u8 TNSR_U8
#define u16 TNSR_U16
#define u32 TNSR_U32
#define u64 TNSR_U64
#define f16 TNSR_F16
#define bf16 TNSR_BF16
#define f32 TNSR_F32
#define f64 TNSR_F64
#define c64 TNSR_C64
#define c128 TNSR_C128
static const unsigned char promote_table[TNSR_DTYPE_COUNT][TNSR_DTYPE_COUNT] = {
	/*          b     i8    i16   i32   i64   u8    u16   u32   u64   f16   bf16  f32   f64   c64   c128 */
	/* b    */ {b,    i8,   i16,  i32,  i64,  u8,   u16,  u32,  u64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* i8   */ {i8,   i8,   i16,  i32,  i64,  i16,  i32,  i64,  f64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* i16  */ {i16,  i16,  i16,  i32,  i64,  i16,  i32,  i64,  f64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* i32  */ {i32,  i32,  i32,  i32,  i64,  i32,  i32,  i64,  f64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* i64  */ {i64,  i64,  i64,  i64,  i64,  i64,  i64,  i64,  f64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* u8   */ {u8,   i16,  i16,  i32,  i64,  u8,   u16,  u32,  u64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* u16  */ {u16,  i32,  i32,  i32,  i64,  u16,  u16,  u32,  u64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* u32  */ {u32,  i64,  i64,  i64,  i64,  u32,  u32,  u32,  u64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* u64  */ {u64,  f64,  f64,  f64,  f64,  u64,  u64,  u64,  u64,  f16,  bf16, f32,  f64,  c64,  c128},
	/* f16  */ {f16,  f16,  f16,  f16,  f16,  f16,  f16,  f16,  f16,  f16,  f32,  f32,  f64,  c64,  c128},
	/* bf16 */ {bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, bf16, f32,  bf16, f32,  f64,  c64,  c128},
	/* f32  */ {f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f32,  f64,  c64,  c128},
	/* f64  */ {f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  f64,  c128, c128},
	/* c64  */ {c64,  c64,  c64,  c64,  c64,  c64,  c64,  c64,  c64,  c64,  c64,  c64,  c128, c64,  c128},
	/* c128 */ {c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128, c128},
};
#undef b
#undef i8
#undef i16
#undef i32
#undef i64
#undef u8
#undef u16
#undef u32
#undef u64
#undef f16
#undef bf16
#undef f32
#undef f64
#undef c64
#undef c128

tnsr_dtype tnsr_promote_types(tnsr_dtype a, tnsr_dtype b) { return (tnsr_dtype)promote_table[a][b]; }

/* ---------------------------------------------------------------- result_type */

/* c10's ResultTypeState: the promoted dtype of each priority class, UNDEFINED while the
 * class has no member.  Mirrors at::native::update_result_type_state, combine_categories
 * and result_type (aten/src/ATen/native/TypeProperties.cpp). */
enum { UNDEFINED = -1 };

static bool is_float(int d) { return d != UNDEFINED && tnsr_dtype_is_floating((tnsr_dtype)d); }
static bool is_complex(int d) { return d != UNDEFINED && tnsr_dtype_is_complex((tnsr_dtype)d); }

static int promote_skip_undefined(int a, int b)
{
	if (a == UNDEFINED)
		return b;
	if (b == UNDEFINED)
		return a;
	return tnsr_promote_types((tnsr_dtype)a, (tnsr_dtype)b);
}

/* The complex dtype whose parts are the floating dtype D: what c10's toComplexType
 * gives, except f16, whose complex32 tnsr lacks: c64 holds it exactly. */
static int to_complex(int d) { return d == TNSR_F64 ? TNSR_C128 : TNSR_C64; }

/* HIGHER is the class of higher priority; LOWER counts only when of a higher kind.  A
 * complex LOWER keeps the width of a floating HIGHER (f64[3] + 1j -> c128, f32[3] +
 * c128 0-d -> c64), as PyTorch 1.13 does. */
static int combine_categories(int higher, int lower)
{
	if (is_complex(higher))
		return higher;
	if (is_complex(lower))
		return is_float(higher) ? to_complex(higher) : lower;
	if (is_float(higher))
		return higher;
	if (higher == TNSR_BOOL || is_float(lower))
		return promote_skip_undefined(higher, lower);
	return higher != UNDEFINED ? higher : lower;
}

tnsr_dtype tnsr_result_type(int n, const tnsr_tensor *const *operands)
{
	int dim = UNDEFINED, zero = UNDEFINED, wrapped = UNDEFINED;
	for (int k = 0; k < n; k++) {
		const tnsr_tensor *t = operands[k];
		int d = t->dtype;
		/* A wrapped number has no width of its own: a float literal is the default
		 * dtype (f32), a complex one the default complex dtype (c64). */
		if (t->wrapped && is_complex(d))
			d = TNSR_C64;
		else if (t->wrapped && is_float(d))
			d = TNSR_F32;
		if (t->ndim > 0)
			dim = promote_skip_undefined(dim, d);
		else if (t->wrapped)
			wrapped = promote_skip_undefined(wrapped, d);
		else
			zero = promote_skip_undefined(zero, d);
	}
	int r = combine_categories(dim, combine_categories(zero, wrapped));
	return r == UNDEFINED ? TNSR_F32 : (tnsr_dtype)r;
}

/* ---------------------------------------------------------------- wrapped scalars */

tnsr_status tnsr_tensor_scalar(tnsr_dtype dtype, double re, double im, tnsr_tensor **out)
{
	if (!tnsr_dtype_get(dtype))
		return tnsr_error(TNSR_E_DTYPE, "scalar: dtype %d out of range", (int)dtype);
	tnsr_status st = tnsr_tensor_empty(dtype, 0, NULL, out);
	if (st)
		return st;
	/* Through c128, so that tnsr_convert's rules (rounding, truncation, "!= 0" for
	 * bool, the imaginary part dropped for a real dtype) apply to the literal too. */
	double value[2] = {re, im};
	tnsr_convert(dtype, tnsr_tensor_data(*out), TNSR_C128, value, 1);
	(*out)->wrapped = true;
	return TNSR_OK;
}

tnsr_status tnsr_tensor_scalar_i64(int64_t value, tnsr_tensor **out)
{
	tnsr_status st = tnsr_tensor_empty(TNSR_I64, 0, NULL, out);
	if (st)
		return st;
	memcpy(tnsr_tensor_data(*out), &value, sizeof value);
	(*out)->wrapped = true;
	return TNSR_OK;
}

/* ---------------------------------------------------------------- broadcasting */

tnsr_status tnsr_broadcast_shapes(int ndim_a, const int64_t *shape_a, int ndim_b, const int64_t *shape_b,
				  int *ndim, int64_t *shape)
{
	int n = ndim_a > ndim_b ? ndim_a : ndim_b;
	int64_t result[TNSR_MAX_DIMS];
	if (n > TNSR_MAX_DIMS)
		return tnsr_error(TNSR_E_SHAPE, "shapes with %d dims: at most %d are supported", n, TNSR_MAX_DIMS);
	/* Aligned at the last dim; a missing dim or a size of 1 stretches to the other. */
	for (int k = 1; k <= n; k++) {
		int64_t a = k <= ndim_a ? shape_a[ndim_a - k] : 1;
		int64_t b = k <= ndim_b ? shape_b[ndim_b - k] : 1;
		if (a != b && a != 1 && b != 1) {
			char sa[TNSR_MAX_DIMS * 24], sb[TNSR_MAX_DIMS * 24];
			return tnsr_error(TNSR_E_SHAPE, "shapes %s and %s cannot broadcast: %lld != %lld at dim -%d",
					  tnsr_shape_format(ndim_a, shape_a, sa, sizeof sa),
					  tnsr_shape_format(ndim_b, shape_b, sb, sizeof sb), (long long)a, (long long)b,
					  k);
		}
		result[n - k] = a == 1 ? b : a;
	}
	memcpy(shape, result, sizeof *shape * (size_t)n);
	*ndim = n;
	return TNSR_OK;
}
