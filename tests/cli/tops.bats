#!/usr/bin/env bats
# tops as a command line: where operands come from, then-chains, number literals,
# streaming in bounded memory, --inplace, checks' exit statuses, errors and help.
# The ops' values are checked against PyTorch in tests/oracle/test_*.py.

load helpers
bats_require_minimum_version 1.5.0

# expect_npy FILE PYEXPR: FILE holds the array PYEXPR computes (np is NumPy, torch is torch).
expect_npy() {
	py - "$1" "$2" <<'PY'
import sys, numpy as np, torch
got = np.load(sys.argv[1])
want = np.asarray(eval(sys.argv[2]))
assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
assert np.allclose(got, want, rtol=1e-6, atol=0, equal_nan=True), (got, want)
PY
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	"$PY" -c 'import numpy as np; np.save("x.npy", np.arange(12, dtype=np.float32).reshape(3, 4) - 5); np.save("b.npy", np.array([1, 2, 3, 4], np.float32))'
}

@test "one operand fewer: the input comes from standard input, first" {
	run bash -c "tops sub 1 < $BATS_FILE_TMPDIR/x.npy > out.npy"
	assert_status 0
	expect_npy out.npy "np.arange(12, dtype=np.float32).reshape(3, 4) - 6"
}

@test "all operands given: standard input is not read; tops sub 10 x is 10 - x" {
	run bash -c "echo garbage | tops sub 10 $BATS_FILE_TMPDIR/x.npy > out.npy"
	assert_status 0
	expect_npy out.npy "10 - (np.arange(12, dtype=np.float32).reshape(3, 4) - 5)"
}

@test "then chains ops in one process; later ops take the previous result first" {
	run bash -c "tops matmul $BATS_FILE_TMPDIR/x.npy $BATS_FILE_TMPDIR/b.npy then add 1 then relu then sum > out.npy"
	assert_status 0
	expect_npy out.npy "np.maximum((np.arange(12, dtype=np.float32).reshape(3, 4) - 5) @ np.array([1, 2, 3, 4], np.float32) + 1, 0).sum()"
}

@test "'-' places the input, also after then" {
	run bash -c "tops sub 100 - < $BATS_FILE_TMPDIR/b.npy then sub 1 - > out.npy"
	assert_status 0
	expect_npy out.npy "1 - (100 - np.array([1, 2, 3, 4], np.float32))"
}

@test "number operands are wrapped scalars: i64 tensor + 2.5 is f32, + True stays i64" {
	tcreate --arange 3 -o i.npy
	run tops add i.npy 2.5 -o f.npy
	assert_status 0
	expect_npy f.npy "np.array([2.5, 3.5, 4.5], np.float32)"
	run tops add i.npy True -o t.npy
	expect_npy t.npy "np.array([1, 2, 3])"
	run tops mul -1 i.npy -o n.npy
	expect_npy n.npy "np.array([0, -1, -2])"
}

@test "a pipe of 512 MiB streams through mul and sum in bounded memory" {
	run bash -c '/usr/bin/time -f %M -o mul.rss tops mul 2 < <(tcreate --ones 134217728) | /usr/bin/time -f %M -o sum.rss tops sum > s.npy'
	assert_status 0
	expect_npy s.npy "np.float32(2 * 134217728)"
	[ "$(cat mul.rss)" -lt 65536 ]
	[ "$(cat sum.rss)" -lt 65536 ]
}

@test "a mapped file streams too: an elementwise chain over 512 MiB stays small" {
	tcreate --ones 134217728 -o big.npy
	run /usr/bin/time -f %M -o rss tops mul 3 big.npy then add 1 then sum -o s.npy
	assert_status 0
	expect_npy s.npy "np.float32(4 * 134217728)"
	[ "$(cat rss)" -lt 65536 ]
	rm -f big.npy
}

@test "--inplace writes through a shared mapping that NumPy sees" {
	py -c 'import numpy as np; np.save("w.npy", np.arange(6, dtype=np.float64))'
	run tops add 10 w.npy --inplace
	assert_status 0
	expect_npy w.npy "np.arange(6, dtype=np.float64) + 10"
	run tops mul 2 --inplace < w.npy
	assert_status 0
	expect_npy w.npy "(np.arange(6, dtype=np.float64) + 10) * 2"
}

@test "--inplace refuses a result that changes dtype or a pipe, and leaves the file" {
	py -c 'import numpy as np; np.save("w.npy", np.arange(6))'
	cp w.npy before.npy
	run --separate-stderr tops sqrt w.npy --inplace
	assert_status 1
	[[ "$stderr" == "tops: --inplace: the result, f32 (6,), does not fit in place of the input, i64 (6,)" ]]
	cmp w.npy before.npy
	run --separate-stderr bash -c 'cat w.npy | tops neg --inplace'
	assert_status 1
	[[ "$stderr" == "tops: stdin: cannot write in place: input is a stream (expected a file)" ]]
	run --separate-stderr tops matmul w.npy w.npy --inplace
	assert_status 2
}

@test "allclose and equal: differences on stdout, exit 0 or 1" {
	py -c 'import numpy as np; np.save("a.npy", np.array([1.0, 2.0])); np.save("c.npy", np.array([1.0, 2.001]))'
	run tops allclose a.npy a.npy
	assert_status 0
	assert_output "max abs diff 0, max rel diff 0"
	run tops allclose a.npy c.npy
	assert_status 1
	assert_output "max abs diff 0.001, max rel diff 0.00049975"
	run tops allclose a.npy c.npy --rtol 1e-3
	assert_status 0
	run tops equal a.npy c.npy
	assert_status 1
}

@test "errors: one line, status 1 for data, 2 for usage" {
	run --separate-stderr tops add "$BATS_FILE_TMPDIR/x.npy" 1 2
	assert_status 2
	[[ "$stderr" == "tops: add: takes 2 operands (usage: tops add A B), got 3" ]]
	run --separate-stderr tops frobnicate
	assert_status 2
	[ "$stderr" = "tops: unknown op 'frobnicate' (see 'tops help')" ]
	run --separate-stderr tops relux
	[ "$stderr" = "tops: unknown op 'relux' (did you mean relu?) (see 'tops help')" ]
	run --separate-stderr tops sum --min 3 "$BATS_FILE_TMPDIR/x.npy"
	assert_status 2
	[[ "$stderr" == "tops: unknown option '--min'"* ]]
	run --separate-stderr tops softmax "$BATS_FILE_TMPDIR/x.npy"
	assert_status 2
	[ "$stderr" = "tops: softmax: missing --dim (usage: tops softmax A --dim D)" ]
	run --separate-stderr tops reshape "$BATS_FILE_TMPDIR/x.npy" 5x-1
	assert_status 1
	[[ "$stderr" == "tops: reshape: shape (5, -1) is invalid for input of size 12" ]]
	run --separate-stderr tops add "$BATS_FILE_TMPDIR/x.npy" "$BATS_FILE_TMPDIR/b.npy" then
	assert_status 2
	run --separate-stderr tops add 1 missing.npy
	assert_status 1
	[ "$stderr" = "tops: missing.npy: cannot open: No such file or directory" ]
	run --separate-stderr tops add 1 - -
	assert_status 2
}

@test "failures leave no output file" {
	run tops add "$BATS_FILE_TMPDIR/x.npy" "$BATS_FILE_TMPDIR/x.npy" then reshape 7 -o out.npy
	assert_status 1
	[ ! -e out.npy ]
	[ -z "$(ls -A)" ]
}

@test "--device: cuda fails with a reason, auto runs on the CPU" {
	run --separate-stderr tops neg "$BATS_FILE_TMPDIR/b.npy" --device cuda -o o.npy
	assert_status 1
	[[ "$stderr" == "tops: --device cuda: no usable GPU"* ]]
	run tops neg "$BATS_FILE_TMPDIR/b.npy" --device auto -o o.npy
	assert_status 0
	TNSR_DEVICE=cuda run tops neg "$BATS_FILE_TMPDIR/b.npy" -o o.npy
	assert_status 1
}

@test "help is drawn from the op table: every op has a page" {
	run tops help
	assert_status 0
	general=$output
	for op in neg relu add where matmul linear sum argmax softmax reshape slice take cat cast allclose; do
		[[ "$general" == *" $op"* ]] || { echo "missing $op"; false; }
		run tops help "$op"
		assert_status 0
		[[ "${lines[0]}" == "usage: tops $op "* ]]
		run tops "$op" --help
		assert_status 0
	done
	run tops help view
	[[ "${lines[0]}" == "usage: tops reshape A S" ]]
}

@test "-o picks the format from the extension for every kind of result" {
	run tops transpose "$BATS_FILE_TMPDIR/x.npy" -o t.tnsr
	assert_status 0
	run tinfo t.tnsr
	[[ "$output" == "t.tnsr:arr_0: tnsr f32 (4, 3) C-order, "* ]]
	run tops sum "$BATS_FILE_TMPDIR/x.npy" -o s.npz
	assert_status 0
	py -c 'import numpy as np; np.save("s.npy", np.load("s.npz")["arr_0"])'
	expect_npy s.npy "np.float32(6)"
}
