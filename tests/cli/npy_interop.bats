#!/usr/bin/env bats
# .npy interop with NumPy, both ways: every file NumPy writes (all shared dtypes, 0-d,
# zero-size, 1-D..6-D, C and Fortran order, big-endian, v1/v2/v3, older and foreign
# header styles) loads through libtnsr; everything libtnsr writes loads in NumPy and is
# byte for byte what np.save writes for the same array.  The NumPy side is
# tests/oracle/gen_npy_interop.py; tests/helpers/npy_resave is the libtnsr side.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
GEN="$ROOT/tests/oracle/gen_npy_interop.py"
RESAVE="${TNSR_TEST_BIN:-$ROOT/${BUILD:-build}/tests}/npy_resave"

# resave_cases CASES [PIPE]: runs npy_resave over each "NAME<TAB>MODE" line of CASES into
# out/NAME.K; with PIPE the input comes through a pipe instead of a mapped file.
resave_cases() {
	local k=0 name mode failed=0
	mkdir -p out
	while IFS=$'\t' read -r name mode; do
		if [ -n "${2:-}" ]; then
			cat "in/$name" | "$RESAVE" - "out/$name.$k" "$mode" || failed=1
		else
			"$RESAVE" "in/$name" "out/$name.$k" "$mode" || failed=1
		fi
		k=$((k + 1))
	done <"$1"
	return $failed
}

@test "every file NumPy writes loads through libtnsr with equal values, dtype and shape" {
	py "$GEN" write .
	awk -F'\t' '$2 == "c"' cases.tsv >c.tsv
	[ "$(wc -l <c.tsv)" -gt 150 ]
	resave_cases c.tsv
	run py "$GEN" check . c.tsv
	echo "$output"
	assert_status 0
}

@test "the same files read through a pipe load equal" {
	py "$GEN" write .
	awk -F'\t' '$2 == "c"' cases.tsv >c.tsv
	resave_cases c.tsv pipe
	run py "$GEN" check . c.tsv
	echo "$output"
	assert_status 0
}

@test "views libtnsr writes (Fortran order kept, transposed, sliced) match np.save byte for byte" {
	py "$GEN" write .
	awk -F'\t' '$2 != "c"' cases.tsv >views.tsv
	[ "$(wc -l <views.tsv)" -gt 400 ]
	resave_cases views.tsv
	run py "$GEN" check . views.tsv
	echo "$output"
	assert_status 0
}

@test "headers are byte-identical to np.save across the growth-padding boundary" {
	# No bool or numeric array needs a v2.0 header (32 dims of 19 digits fit in v1.0);
	# the 1.0 -> 2.0 switch is checked against NumPy in tests/unit/test_npy.c.
	py "$GEN" headers .
	mkdir hout
	local n=0 f
	for f in hdr/*.npy; do
		"$RESAVE" "$f" "hout/${f#hdr/}" keep
		cmp "$f" "hout/${f#hdr/}"
		n=$((n + 1))
	done
	[ "$n" -gt 100 ]
}

@test "a Fortran-order file written back as is keeps fortran_order True and its bytes" {
	py -c 'import numpy as np; np.save("f.npy", np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))'
	"$RESAVE" f.npy g.npy keep
	cmp f.npy g.npy
	head -c 128 g.npy | grep -q "'fortran_order': True"
	"$RESAVE" f.npy c.npy c
	head -c 128 c.npy | grep -q "'fortran_order': False"
	py -c 'import numpy as np; a = np.load("f.npy"); c = np.load("c.npy"); assert (a == c).all() and c.flags.c_contiguous'
}
