#!/usr/bin/env bats
# tshow: every fixture of tests/fixtures/repr (written by tests/oracle/gen_repr_fixtures.py
# from repr() of PyTorch and NumPy) must print exactly; then inputs, options and errors.

load helpers

FIX="$BATS_TEST_DIRNAME/../fixtures/repr"

# Cases listed in known_differences.txt are reported by the TODO test, not failed here.
is_known() { grep -q "^$1	" "$FIX/known_differences.txt"; }

# run_case ID ARGS INPUT: runs tshow and compares with expected/ID.txt byte for byte;
# prints a diff and returns 1 when they differ.
run_case() {
	local id=$1 args=$2 input=$3
	eval "set -- $args"
	if ! tshow "$@" "$FIX/$input" >out.txt 2>err.txt || ! cmp -s out.txt "$FIX/expected/$id.txt"; then
		echo "# $id: tshow $args $input"
		diff -u "$FIX/expected/$id.txt" out.txt | head -n 30
		cat err.txt
		return 1
	fi
}

# check_group GROUP: every case of GROUP in cases.tsv; fails listing each mismatch.
check_group() {
	local id group input args n=0 bad=0
	while IFS=$'\t' read -r id group input args; do
		[[ $id == \#* || $group != "$1" ]] && continue
		is_known "$id" && continue
		n=$((n + 1))
		run_case "$id" "$args" "$input" || bad=$((bad + 1))
	done <"$FIX/cases.tsv"
	echo "# $bad of $n cases differ"
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

@test "torch style: float fixtures" { check_group torch-float; }
@test "torch style: integer fixtures" { check_group torch-int; }
@test "torch style: bool fixtures" { check_group torch-bool; }
@test "torch style: complex fixtures" { check_group torch-complex; }
@test "torch style: empty and 0-d fixtures" { check_group torch-empty-0d; }
@test "torch style: summarized fixtures" { check_group torch-summarized; }
@test "torch style: --precision --threshold --edgeitems --linewidth --full" { check_group torch-options; }
@test "numpy style: float fixtures" { check_group numpy-float; }
@test "numpy style: integer fixtures" { check_group numpy-int; }
@test "numpy style: bool fixtures" { check_group numpy-bool; }
@test "numpy style: complex fixtures" { check_group numpy-complex; }
@test "numpy style: empty and 0-d fixtures" { check_group numpy-empty-0d; }
@test "numpy style: summarized fixtures" { check_group numpy-summarized; }
@test "numpy style: --precision --threshold --edgeitems --linewidth --full" { check_group numpy-options; }

@test "views no file holds (negative strides, bf16) print as the libraries do" {
	local helper=${TNSR_TEST_BIN:-${TNSR_BIN:-$PWD}/../tests}/repr_view
	[ -x "$helper" ] || helper=$(dirname "$(command -v tshow)")/../tests/repr_view
	local id group input style spec cast n=0 bad=0
	while IFS=$'\t' read -r id group input style spec cast; do
		[[ $id == \#* ]] && continue
		is_known "$id" && continue
		n=$((n + 1))
		if ! "$helper" "$FIX/$input" "$style" "$spec" "$cast" >out.txt 2>err.txt ||
			! cmp -s out.txt "$FIX/expected/$id.txt"; then
			echo "# $id: repr_view $input $style '$spec' $cast"
			diff -u "$FIX/expected/$id.txt" out.txt | head -n 30
			cat err.txt
			bad=$((bad + 1))
		fi
	done <"$FIX/views.tsv"
	echo "# $bad of $n views differ"
	[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
}

@test "known differences are still different (TODO)" {
	local id why args input group n=0 fixed=""
	while IFS=$'\t' read -r id why; do
		[[ $id == \#* || -z $id ]] && continue
		n=$((n + 1))
		IFS=$'\t' read -r _ group input args < <(grep "^$id	" "$FIX/cases.tsv")
		run_case "$id" "$args" "$input" >/dev/null && fixed="$fixed $id"
	done <"$FIX/known_differences.txt"
	# A case that now matches must leave the list, so that it is tested again.
	[ -z "$fixed" ] || { echo "now matching, remove from known_differences:$fixed"; return 1; }
	[ "$n" -eq 0 ] || skip "TODO: $n known differences (tests/fixtures/repr/known_differences.txt)"
}

# ---------------------------------------------------------------- inputs

@test "standard input: redirected file, pipe and '-'" {
	local in="$FIX/inputs/f32_randn_3x4.npy" want="$FIX/expected/torch-f32_randn_3x4.txt"
	tshow <"$in" >a.txt
	cmp a.txt "$want"
	cat "$in" | tshow >b.txt
	cmp b.txt "$want"
	cat "$in" | tshow --style numpy - >c.txt
	cmp c.txt "$FIX/expected/numpy-f32_randn_3x4.txt"
}

@test "several files: each after a '==> FILE <==' line, separated by a blank line" {
	cp "$FIX/inputs/f32_basic.npy" a.npy
	cp "$FIX/inputs/bool_basic.npy" b.npy
	run tshow a.npy b.npy
	assert_status 0
	assert_output "$(printf '==> a.npy <==\n%s\n\n==> b.npy <==\n%s' \
		"$(cat "$FIX/expected/torch-f32_basic.txt")" "$(cat "$FIX/expected/torch-bool_basic.txt")")"
	run bash -c "tshow a.npy - <b.npy"
	assert_output "$(printf '==> a.npy <==\n%s\n\n==> standard input <==\n%s' \
		"$(cat "$FIX/expected/torch-f32_basic.txt")" "$(cat "$FIX/expected/torch-bool_basic.txt")")"
}

@test "one file prints no header, exactly repr and a newline" {
	cp "$FIX/inputs/i64_0d.npy" x.npy
	tshow x.npy >out.txt
	printf 'tensor(-42)\n' | cmp - out.txt
}

@test "concatenated .npy records in one stream print one repr each" {
	cat "$FIX/inputs/f32_basic.npy" "$FIX/inputs/i8_basic.npy" | tshow --style numpy >out.txt
	cat "$FIX/expected/numpy-f32_basic.txt" "$FIX/expected/numpy-i8_basic.txt" | cmp - out.txt
}

@test "a summary of a 10^9-element mapped file reads only the shown elements" {
	# A sparse 1 GB file: the summary needs 36 elements, and the formatter is fitted to
	# those, so nothing is copied.  The expected text is torch's repr of the same mapping.
	py -c '
import numpy as np
a = np.lib.format.open_memmap("big.npy", mode="w+", dtype=np.uint8, shape=(1000, 1000000))
a[0, :3] = [1, 22, 3]; a[-1, -1] = 255; a[-2, 1] = 7
a.flush()
import torch, warnings
warnings.simplefilter("ignore")
a = np.load("big.npy", mmap_mode="r")
print(repr(torch.from_numpy(np.asarray(a))))
print(repr(np.asarray(a)))' >want.txt
	# Address space for the 1 GB mapping but not for a copy of it (sanitizers need more).
	(
		[[ ${BUILD:-} == *asan* ]] || ulimit -v 1600000
		tshow big.npy && tshow --style numpy big.npy
	) >out.txt
	diff -u want.txt out.txt
}

@test "Fortran-order input prints in logical order" {
	run_case torch-f32_fortran "" inputs/f32_fortran.npy
	run_case numpy-f32_sum_fortran "--style numpy" inputs/f32_sum_fortran.npy
}

@test "a reader that goes away stops tshow quietly" {
	local f
	for f in f32_1001 i64_0d; do
		run bash -c "tshow --full '$FIX/inputs/$f.npy' '$FIX/inputs/f64_2000.npy' 2>err.txt | head -c 10 >/dev/null
			echo \${PIPESTATUS[0]}"
		[ "$output" = 0 ] || [ "$output" = 141 ]
		[ ! -s err.txt ] || { cat err.txt; return 1; }
		run bash -c "tshow '$FIX/inputs/$f.npy' 2>err.txt | true; echo \${PIPESTATUS[0]}"
		[ "$output" = 0 ] || [ "$output" = 141 ]
		[ ! -s err.txt ] || { cat err.txt; return 1; }
	done
}

# ---------------------------------------------------------------- errors

@test "a missing file: one error line naming it, the other files still print, exit 1" {
	cp "$FIX/inputs/f32_basic.npy" a.npy
	tshow a.npy nope.npy a.npy >out.txt 2>err.txt && return 1
	[ "$(wc -l <err.txt)" -eq 1 ]
	grep -q '^tshow: .*nope\.npy' err.txt
	[ "$(grep -c '^tensor(\[ 1.5000,  2.0000, -3.2500\])$' out.txt)" -eq 2 ]
}

@test "a malformed file: one error line, exit 1" {
	printf 'this is not a tensor\n' >bad.npy
	run tshow bad.npy
	assert_status 1
	assert_one_line_error tshow
	[[ $output == *bad.npy* ]]
}

@test "a truncated file: one error line, exit 1" {
	head -c 200 "$FIX/inputs/f32_40x50.npy" >cut.npy
	run tshow cut.npy
	assert_status 1
	assert_one_line_error tshow
	[[ $output == *cut.npy* ]]
}

@test "bad options exit 2 with one line" {
	local f="$FIX/inputs/f32_basic.npy"
	for args in "--style matlab" "--precision -1" "--precision 101" "--precision x" "--threshold -5" \
		"--edgeitems 0" "--linewidth 0" "--bogus" "--precision" "--full=yes"; do
		eval "run tshow $args $f"
		assert_status 2 || { echo "for: tshow $args"; return 1; }
		assert_one_line_error tshow || { echo "for: tshow $args"; return 1; }
	done
}

@test "option errors name the option and the range" {
	run tshow --edgeitems 0 "$FIX/inputs/f32_basic.npy"
	assert_output "tshow: --edgeitems: 0 out of range (expected >= 1)"
	run tshow --precision 500 "$FIX/inputs/f32_basic.npy"
	assert_output "tshow: --precision: 500 out of range (expected 0..100)"
}

@test "options take --name=value and the last one wins" {
	tshow --precision=10 --precision 2 "$FIX/inputs/f32_randn_3x4.npy" >out.txt
	cmp out.txt "$FIX/expected/torch-f32_randn_3x4-precision2.txt"
}

@test "--help shows usage and examples; --version the version" {
	run tshow --help
	assert_status 0
	[[ ${lines[0]} == "usage: tshow "* ]]
	[[ $output == *Examples:* ]]
	run tshow -h
	assert_status 0
	run tshow --version
	assert_status 0
	[[ $output == "tshow (tnsr) "* ]]
}

@test "the man page mirrors the options of --help" {
	local man="$BATS_TEST_DIRNAME/../../man/tshow.1" opt
	[ -f "$man" ]
	for opt in style precision threshold edgeitems linewidth full help version; do
		grep -q -- "--$opt" <(tshow --help) || { echo "--$opt missing from --help"; return 1; }
		grep -q -- "\\\\-\\\\-$opt" "$man" || { echo "--$opt missing from the man page"; return 1; }
	done
}
