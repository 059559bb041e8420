/* repr_view: prints, with tnsr_repr, a view no file format can hold, so that
 * tests/cli/tshow.bats can check the printer on negative strides and bf16:
 *   repr_view FILE STYLE SLICE CAST
 * loads FILE (.npy), takes the NumPy-style SLICE ("[::-1, 2:]", "-" for none), casts to
 * CAST ("bf16", "-" for none) and prints it in STYLE (torch or numpy) with a newline. */
#include <stdio.h>
#include <string.h>

#include "tnsr.h"

static int fail(void)
{
	fprintf(stderr, "repr_view: %s\n", tnsr_error_message());
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: repr_view FILE STYLE SLICE CAST\n");
		return 2;
	}
	tnsr_tensor *t, *v;
	if (tnsr_load(argv[1], &t))
		return fail();
	if (strcmp(argv[3], "-") != 0) {
		tnsr_slice_item items[TNSR_MAX_DIMS];
		int n;
		if (tnsr_slice_parse(argv[3], items, TNSR_MAX_DIMS, &n) || tnsr_tensor_slice(t, items, n, &v))
			return fail();
		tnsr_tensor_free(t);
		t = v;
	}
	if (strcmp(argv[4], "-") != 0) {
		tnsr_dtype d;
		if (tnsr_dtype_parse(argv[4], &d) || tnsr_tensor_cast(t, d, &v))
			return fail();
		tnsr_tensor_free(t);
		t = v;
	}
	tnsr_print_options opt = tnsr_print_defaults(strcmp(argv[2], "numpy") ? TNSR_STYLE_TORCH : TNSR_STYLE_NUMPY);
	if (tnsr_repr(stdout, t, &opt))
		return fail();
	putchar('\n');
	tnsr_tensor_free(t);
	return fclose(stdout) ? 1 : 0;
}
