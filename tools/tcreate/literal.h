/* literal.h: Python number and nested-list literals as tcreate reads them
 * ('[[1,2],[3,4.]]', '2.5', 'True', '1+2j'), with torch.tensor's dtype inference and
 * PyTorch's rules for converting one value to a dtype. */
#ifndef TCREATE_LITERAL_H
#define TCREATE_LITERAL_H

#include "tnsr.h"

/* The kind of a value, in promotion order: a list's kind is the largest of its items'. */
typedef enum lit_kind { LIT_BOOL, LIT_INT, LIT_FLOAT, LIT_COMPLEX } lit_kind;

typedef struct lit_value {
	lit_kind kind;
	int64_t i;     /* LIT_BOOL (0 or 1) and LIT_INT */
	double re, im; /* LIT_FLOAT (re) and LIT_COMPLEX */
} lit_value;

/* A parsed literal: COUNT values in C order for a tensor of SHAPE. */
typedef struct literal {
	int ndim;
	int64_t shape[TNSR_MAX_DIMS];
	size_t count;
	lit_value *values;
	lit_kind kind; /* the widest kind present; LIT_FLOAT when there is none ('[]') */
} literal;

/* Parses TEXT (a number or a nested list) into OUT.  TNSR_E_USAGE with one line
 * "literal 'TEXT': WHY (expected ...)" for a syntax error, a ragged list or an integer
 * outside int64.  OUT is left empty on failure; free it with literal_free either way. */
tnsr_status literal_parse(const char *text, literal *out);
void literal_free(literal *l);
/* Parses one number ("34", "-2.5e3", "nan", "True", "1+2j") into OUT; TNSR_E_USAGE with
 * "WHAT: 'TEXT' ..." otherwise. */
tnsr_status literal_parse_number(const char *what, const char *text, lit_value *out);

/* torch.tensor's default dtype for values of KIND: bool, i64, f32, c64. */
tnsr_dtype literal_default_dtype(lit_kind kind);

/* How a value becomes an element, as PyTorch does it for torch.full (a Scalar, converted
 * with an overflow check) or for the items of torch.tensor (store_scalar: floating dtypes
 * unchecked, integer dtypes checked, complex items refused by real dtypes). */
typedef enum lit_mode { LIT_AS_FULL, LIT_AS_TENSOR } lit_mode;

/* Writes V as one element of DTYPE at DST.  TNSR_E_USAGE when PyTorch refuses the
 * conversion ("value 300 is out of range for u8 (expected ...)"). */
tnsr_status literal_store(tnsr_dtype dtype, void *dst, const lit_value *v, lit_mode mode);
/* A new tensor of DTYPE holding L's values (LIT_AS_TENSOR).  TEXT names the literal in
 * messages. */
tnsr_status literal_to_tensor(const literal *l, const char *text, tnsr_dtype dtype, tnsr_tensor **out);

/* V as Python prints it ("3", "2.5", "True", "(1+2j)"), for messages.  Returns BUF. */
char *literal_format(const lit_value *v, char *buf, size_t size);

#endif
