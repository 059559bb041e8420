/* tview: applies one libtnsr view or copy operation to a .npy file and saves the result,
 * so that tests/oracle/test_views.py can compare libtnsr's views with NumPy's.
 *   tview IN OUT slice SPEC | reshape SHAPE | transpose D0 D1 | permute D,D,.. |
 *                expand SHAPE | squeeze [D] | unsqueeze D | contiguous | cast DTYPE
 * It also reports on stdout whether the result still shares the input's mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tnsr.h"

static int fail(void)
{
	fprintf(stderr, "tview: %s\n", tnsr_error_message());
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: tview IN OUT OP [ARGS]\n");
		return 2;
	}
	tnsr_tensor *x, *y = NULL;
	if (tnsr_load(argv[1], &x))
		return fail();
	const char *op = argv[3], *arg = argc > 4 ? argv[4] : NULL;
	int64_t shape[TNSR_MAX_DIMS];
	int ndim, dims[TNSR_MAX_DIMS];
	tnsr_status st;
	if (strcmp(op, "slice") == 0) {
		tnsr_slice_item items[TNSR_MAX_DIMS];
		int n;
		st = tnsr_slice_parse(arg, items, TNSR_MAX_DIMS, &n);
		if (!st)
			st = tnsr_tensor_slice(x, items, n, &y);
	} else if (strcmp(op, "reshape") == 0 || strcmp(op, "expand") == 0) {
		st = tnsr_shape_parse(arg, true, &ndim, shape);
		if (!st)
			st = op[0] == 'r' ? tnsr_tensor_reshape(x, ndim, shape, &y) : tnsr_tensor_expand(x, ndim, shape, &y);
	} else if (strcmp(op, "transpose") == 0) {
		st = tnsr_tensor_transpose(x, atoi(argv[4]), atoi(argv[5]), &y);
	} else if (strcmp(op, "permute") == 0) {
		char *save, *tok = strtok_r(argv[4], ",", &save);
		for (int i = 0; tok && i < TNSR_MAX_DIMS; tok = strtok_r(NULL, ",", &save))
			dims[i++] = atoi(tok);
		st = tnsr_tensor_permute(x, dims, &y);
	} else if (strcmp(op, "squeeze") == 0) {
		st = tnsr_tensor_squeeze(x, arg ? atoi(arg) : TNSR_ALL_DIMS, &y);
	} else if (strcmp(op, "unsqueeze") == 0) {
		st = tnsr_tensor_unsqueeze(x, atoi(arg), &y);
	} else if (strcmp(op, "contiguous") == 0) {
		st = tnsr_tensor_contiguous(x, &y);
	} else if (strcmp(op, "cast") == 0) {
		tnsr_dtype d;
		st = tnsr_dtype_parse(arg, &d);
		if (!st)
			st = tnsr_tensor_cast(x, d, &y);
	} else {
		fprintf(stderr, "tview: unknown op %s\n", op);
		return 2;
	}
	if (st || tnsr_save(argv[2], NULL, y)) {
		tnsr_tensor_free(y);
		tnsr_tensor_free(x);
		return fail();
	}
	printf("%s\n", y->storage == x->storage ? "view" : "copy");
	tnsr_tensor_free(y);
	tnsr_tensor_free(x);
	return 0;
}
