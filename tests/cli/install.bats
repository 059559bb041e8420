#!/usr/bin/env bats
# make install: library, header, pkg-config file, tools and man pages, usable by a
# C program built against the installed copy only.

load helpers

@test "make install PREFIX=... gives a usable library, tools and man pages" {
	[[ "$BUILD" != *asan* ]] || skip "a sanitized library needs the sanitizer runtime to link"
	run make -s -C "$TNSR_ROOT" install PREFIX="$TMP/prefix" BUILD="$BUILD"
	assert_status 0
	for t in tcreate tinfo tshow tops; do
		[ -x "$TMP/prefix/bin/$t" ]
		[ -f "$TMP/prefix/share/man/man1/$t.1" ]
	done
	[ -f "$TMP/prefix/include/tnsr.h" ]
	cat > ex.c <<'C'
#include <stdio.h>
#include <tnsr.h>
int main(int argc, char **argv) {
	tnsr_tensor *x, *row;
	if (tnsr_load(argv[1], &x)) { fprintf(stderr, "%s\n", tnsr_error_message()); return 1; }
	if (tnsr_tensor_slice(x, (tnsr_slice_item[]){TNSR_SLICE_INDEX(1)}, 1, &row)) return 1;
	tnsr_repr(stdout, row, NULL);
	putchar('\n');
	return tnsr_save("row.npy", NULL, row) != TNSR_OK;
}
C
	export PKG_CONFIG_PATH="$TMP/prefix/lib/pkgconfig"
	run gcc ex.c $(pkg-config --cflags --libs --static libtnsr) -o ex
	assert_status 0
	"$TMP/prefix/bin/tcreate" --arange 6 | "$TMP/prefix/bin/tops" reshape 2x3 -o x.npy
	LD_LIBRARY_PATH="$TMP/prefix/lib" run ./ex x.npy
	assert_status 0
	assert_output "tensor([3, 4, 5])"
	py -c 'import numpy as np; assert np.load("row.npy").tolist() == [3, 4, 5]'
}
