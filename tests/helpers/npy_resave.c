/* npy_resave.c: loads FILE with libtnsr and saves it to OUT, for the NumPy interop tests.
 *
 *     npy_resave FILE OUT [MODE]
 *
 * MODE "c" (the default) writes a C-order copy; "keep" writes the loaded tensor as it
 * is (a Fortran-order file stays a Fortran-order view); "T" writes the view with all
 * dims reversed; a slice such as "[::-1, 1:]" writes that view of the tensor.  Errors
 * go to stderr as one line "npy_resave: MESSAGE", with exit status 1 (2 for usage). */
#include <stdlib.h>
#include <string.h>

#include "tnsr.h"

static int fail(tnsr_status st)
{
	fprintf(stderr, "npy_resave: %s\n", tnsr_error_message());
	return st == TNSR_E_USAGE ? 2 : 1;
}

/* The view of T that MODE names (see above). */
static tnsr_status apply_mode(const tnsr_tensor *t, const char *mode, tnsr_tensor **out)
{
	if (strcmp(mode, "c") == 0)
		return tnsr_tensor_contiguous(t, out);
	if (strcmp(mode, "keep") == 0) {
		*out = tnsr_tensor_view(t);
		return *out ? TNSR_OK : TNSR_E_NOMEM;
	}
	if (strcmp(mode, "T") == 0) {
		int dims[TNSR_MAX_DIMS];
		for (int i = 0; i < t->ndim; i++)
			dims[i] = t->ndim - 1 - i;
		return tnsr_tensor_permute(t, dims, out);
	}
	tnsr_slice_item items[TNSR_MAX_DIMS];
	int n;
	tnsr_status st = tnsr_slice_parse(mode, items, TNSR_MAX_DIMS, &n);
	return st ? st : tnsr_tensor_slice(t, items, n, out);
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: npy_resave FILE OUT [c|keep|T|SLICE]\n");
		return 2;
	}
	tnsr_tensor *t, *v;
	tnsr_status st = tnsr_load(argv[1], &t);
	if (st)
		return fail(st);
	st = apply_mode(t, argc == 4 ? argv[3] : "c", &v);
	tnsr_tensor_free(t);
	if (st)
		return fail(st);
	st = tnsr_save(argv[2], "npy", v);
	tnsr_tensor_free(v);
	return st ? fail(st) : 0;
}
