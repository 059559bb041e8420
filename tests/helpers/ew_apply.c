/* ew_apply: runs elementwise ops through tnsr_op_apply on whole tensors (the driver of
 * libtnsr/cpu/elementwise.c, any strides), one job per line of standard input, so that
 * tests/oracle/test_elementwise.py can check thousands of cases in one process.
 *   OP OUT OPERAND... [--min V] [--max V] [--dtype D]
 * An OPERAND is a .npy path, optionally followed by views applied in turn: @[SLICE]
 * (NumPy basic indexing), @T (all dims reversed), @eSHAPE (expand), @cDTYPE (a cast,
 * the way to get bf16 operands); or a number literal (a wrapped scalar: 2 is i64, 2.5
 * f64, True/False bool, c:RE,IM c128).  For each job one line goes to standard output:
 * "ok DTYPE" (the result's; a bf16 result is saved as f32, exactly), or
 * "err STATUS MESSAGE". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tnsr.h"

static tnsr_status view_of(tnsr_tensor *t, const char *spec, tnsr_tensor **out)
{
	if (spec[0] == '[') {
		tnsr_slice_item items[2 * TNSR_MAX_DIMS];
		int n;
		tnsr_status st = tnsr_slice_parse(spec, items, 2 * TNSR_MAX_DIMS, &n);
		return st ? st : tnsr_tensor_slice(t, items, n, out);
	}
	if (spec[0] == 'T') {
		int dims[TNSR_MAX_DIMS];
		for (int d = 0; d < t->ndim; d++)
			dims[d] = t->ndim - 1 - d;
		return tnsr_tensor_permute(t, dims, out);
	}
	if (spec[0] == 'c') {
		tnsr_dtype d;
		tnsr_status st = tnsr_dtype_parse(spec + 1, &d);
		return st ? st : tnsr_tensor_cast(t, d, out);
	}
	if (spec[0] == 'e') {
		int ndim;
		int64_t shape[TNSR_MAX_DIMS];
		tnsr_status st = tnsr_shape_parse(spec + 1, true, &ndim, shape);
		return st ? st : tnsr_tensor_expand(t, ndim, shape, out);
	}
	return tnsr_error(TNSR_E_USAGE, "unknown view %s", spec);
}

static tnsr_status operand(char *text, tnsr_tensor **out)
{
	char *end;
	if (strcmp(text, "True") == 0 || strcmp(text, "False") == 0)
		return tnsr_tensor_scalar(TNSR_BOOL, text[0] == 'T', 0, out);
	if (strncmp(text, "c:", 2) == 0) {
		double re = strtod(text + 2, &end);
		return tnsr_tensor_scalar(TNSR_C128, re, strtod(end + 1, NULL), out);
	}
	long long i = strtoll(text, &end, 10);
	if (end != text && *end == 0)
		return tnsr_tensor_scalar_i64(i, out);
	double v = strtod(text, &end);
	if (end != text && *end == 0)
		return tnsr_tensor_scalar(TNSR_F64, v, 0, out);
	char *save, *part = strtok_r(text, "@", &save);
	tnsr_tensor *t;
	tnsr_status st = tnsr_load(part, &t);
	while (!st && (part = strtok_r(NULL, "@", &save))) {
		tnsr_tensor *view;
		st = view_of(t, part, &view);
		tnsr_tensor_free(t);
		t = st ? NULL : view;
	}
	*out = t;
	return st;
}

static tnsr_status job(char *line, tnsr_dtype *dtype)
{
	char *words[16], *save;
	int nw = 0;
	for (char *w = strtok_r(line, " \t\n", &save); w && nw < 16; w = strtok_r(NULL, " \t\n", &save))
		words[nw++] = w;
	if (nw < 3)
		return tnsr_error(TNSR_E_USAGE, "a job is OP OUT OPERAND...");
	const tnsr_op *op = tnsr_op_find(words[0]);
	if (!op)
		return tnsr_error(TNSR_E_USAGE, "unknown op %s", words[0]);
	tnsr_op_args args = tnsr_op_args_default();
	tnsr_tensor *in[8] = {NULL}, *result = NULL;
	int n = 0;
	tnsr_status st = TNSR_OK;
	for (int k = 2; k < nw && !st; k++) {
		if (strcmp(words[k], "--min") == 0 && k + 1 < nw) {
			args.has_min = true;
			args.min = strtod(words[++k], NULL);
		} else if (strcmp(words[k], "--max") == 0 && k + 1 < nw) {
			args.has_max = true;
			args.max = strtod(words[++k], NULL);
		} else if (strcmp(words[k], "--dtype") == 0 && k + 1 < nw) {
			st = tnsr_dtype_parse(words[++k], &args.dtype);
		} else if (n < 8) {
			st = operand(words[k], &in[n++]);
		}
	}
	if (!st)
		st = tnsr_op_apply(op, in, n, &args, &result);
	if (!st && (*dtype = result->dtype) == TNSR_BF16) {
		tnsr_tensor *f;
		if (!(st = tnsr_tensor_cast(result, TNSR_F32, &f))) {
			tnsr_tensor_free(result);
			result = f;
		}
	}
	if (!st)
		st = tnsr_save(words[1], NULL, result);
	for (int k = 0; k < n; k++)
		tnsr_tensor_free(in[k]);
	tnsr_tensor_free(result);
	return st;
}

int main(void)
{
	char line[4096];
	while (fgets(line, sizeof line, stdin)) {
		tnsr_dtype dtype = TNSR_BOOL;
		tnsr_status st = job(line, &dtype);
		if (st)
			printf("err %d %s\n", (int)st, tnsr_error_message());
		else
			printf("ok %s\n", tnsr_dtype_name(dtype));
		fflush(stdout);
	}
	return 0;
}
