#!/usr/bin/env bats
# tops eval as a command line: every VALUE form of a binding, seeds, where the result
# goes, streaming, and the errors (the caret under a syntax error, suggestions, exit
# statuses).  Values of many expressions against PyTorch: tests/oracle/test_eval.py.

load helpers
bats_require_minimum_version 1.5.0

# expect_npy FILE PYEXPR: FILE holds the array PYEXPR computes (np is NumPy, torch is torch,
# imported only when PYEXPR uses it: it takes seconds).
expect_npy() {
	py - "$1" "$2" <<'PY'
import sys, numpy as np
if "torch" in sys.argv[2]:
    import torch
got = np.load(sys.argv[1])
want = np.asarray(eval(sys.argv[2]))
assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, got.shape, want.dtype, want.shape)
assert np.allclose(got, want, rtol=1e-6, atol=0, equal_nan=True), (got, want)
PY
}

# The seed tops eval gives NAME's generator under --seed SEED (see tops eval --help).
derived_seed() {
	py - "$1" "$2" <<'PY'
import sys
M = 2**64 - 1
h = 14695981039346656037
for c in sys.argv[2].encode():
    h = ((h ^ c) * 1099511628211) & M
z = (int(sys.argv[1]) ^ h)
z = (z + 0x9e3779b97f4a7c15) & M
z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
print(z ^ (z >> 31))
PY
}

setup_file() {
	cd "$BATS_FILE_TMPDIR"
	"$PY" -c '
import numpy as np
np.save("a.npy", np.array([1, 2], np.float32))
np.save("b.npy", np.array([3, 4], np.float32))
np.save("x.npy", np.arange(12, dtype=np.float32).reshape(3, 4) - 5)
np.savez("data.npz", W=np.arange(8, dtype=np.float32).reshape(2, 4), bias=np.array([0.5, -1], np.float64))
'
}

@test "files and container members: (b + a*2).mean() and x @ W.T + bias" {
	run tops eval '(b + a*2).mean()' a="$BATS_FILE_TMPDIR/a.npy" b="$BATS_FILE_TMPDIR/b.npy" -o m.npy
	assert_status 0
	expect_npy m.npy "np.float32(6.5)"
	run tops eval 'x @ W.T + bias' x="$BATS_FILE_TMPDIR/x.npy" W="$BATS_FILE_TMPDIR/data.npz:W" \
		bias="$BATS_FILE_TMPDIR/data.npz:bias" -o y.npy
	assert_status 0
	expect_npy y.npy "(np.arange(12, dtype=np.float32).reshape(3, 4) - 5) @ np.arange(8, dtype=np.float32).reshape(2, 4).T + np.array([0.5, -1])"
}

@test "'-' binds standard input, and the result goes to standard output as .npy" {
	run bash -c "tops eval 'x * 10' x=- < $BATS_FILE_TMPDIR/a.npy > out.npy"
	assert_status 0
	expect_npy out.npy "np.array([10, 20], np.float32)"
	run bash -c "cat $BATS_FILE_TMPDIR/a.npy | tops eval 'y - x' x=- y=$BATS_FILE_TMPDIR/b.npy > out.npy"
	assert_status 0
	expect_npy out.npy "np.array([2, 2], np.float32)"
}

@test "a number is a 0-d f32 tensor (torch.tensor(2.)); a literal in the expression is a wrapped scalar" {
	run tops eval 'x' x=2 -o x.npy
	expect_npy x.npy "np.float32(2)"
	run tops eval 'x * i' x=2 i=arange:3 -o xi.npy # a 0-d float tensor promotes an integer one
	expect_npy xi.npy "np.array([0, 2, 4], np.float32)"
	run tops eval 'i * 2' i=arange:3 -o i2.npy # a wrapped int keeps i64
	expect_npy i2.npy "np.array([0, 2, 4])"
	run tops eval 'i * 2.5' i=arange:3 -o f.npy # a wrapped float gives the default float
	expect_npy f.npy "np.array([0, 2.5, 5], np.float32)"
	run tops eval 'x * -1.5' x=-4 -o n.npy
	expect_npy n.npy "np.float32(6)"
	run tops eval 'logical_not(t)' t=True -o t.npy
	expect_npy t.npy "np.bool_(False)"
}

@test "generators: randn, rand, zeros, ones, arange, randint, with a dtype" {
	run tops eval 'stack((randn_ == randn_, rand_ < 1, rand_ >= 0))' randn_=randn:2x3 rand_=rand:2x3 -o ok.npy
	assert_status 0
	expect_npy ok.npy "np.ones((3, 2, 3), bool)"
	run tops eval 'z' z=zeros:2x2:i64 -o z.npy
	expect_npy z.npy "np.zeros((2, 2), np.int64)"
	run tops eval 'o' o=ones:3:f64 -o o.npy
	expect_npy o.npy "np.ones(3)"
	run tops eval 'i' i=arange:5 -o i.npy
	expect_npy i.npy "np.arange(5)"
	run tops eval 'i' i=arange:1,2,0.25 -o f.npy
	expect_npy f.npy "np.array([1, 1.25, 1.5, 1.75], np.float32)"
	run tops eval 'i' i=arange:-3,3,2:f64 -o d.npy
	expect_npy d.npy "np.array([-3., -1., 1.])"
	run tops eval 'r' r=randint:1000:3,6 --seed 4 -o r.npy
	py -c 'import numpy as np; r = np.load("r.npy"); assert r.dtype == np.int64 and r.shape == (1000,) and set(r) == {3, 4, 5}'
	run tops eval 's' s=randn:scalar -o s.npy
	py -c 'import numpy as np; s = np.load("s.npy"); assert s.dtype == np.float32 and s.shape == ()'
}

@test "--seed: each name its own stream, whatever the order; tcreate with the derived seed agrees" {
	tops eval 'stack((x, y))' x=randn:4 y=randn:4 --seed 11 -o xy.npy
	tops eval 'stack((x, y))' y=randn:4 x=randn:4 --seed 11 -o yx.npy
	cmp xy.npy yx.npy
	py -c 'import numpy as np; xy = np.load("xy.npy"); assert not np.array_equal(xy[0], xy[1])'
	tops eval 'W' W=randn:3x4 --seed 7 -o W.npy
	tcreate --randn 3x4 --seed "$(derived_seed 7 W)" -o ref.npy
	cmp W.npy ref.npy
	tops eval 'u' u=rand:5 --seed -1 -o u.npy
	tcreate --rand 5 --seed "$(derived_seed 18446744073709551615 u)" -o uref.npy
	cmp u.npy uref.npy
	# Without --seed every run differs.
	tops eval 'x' x=randn:8 -o r1.npy
	tops eval 'x' x=randn:8 -o r2.npy
	! cmp -s r1.npy r2.npy
}

@test "a file of the very name wins over a generator or a number" {
	py -c 'import numpy as np; np.save(open("rand:3", "wb"), np.array([7, 8], np.int16)); np.save(open("2", "wb"), np.array([1.5]))'
	run tops eval 'x' x=rand:3 -o r.npy
	assert_status 0
	expect_npy r.npy "np.array([7, 8], np.int16)"
	run tops eval 'y' y=2 -o two.npy
	expect_npy two.npy "np.array([1.5])"
}

@test "on a terminal the result is printed as PyTorch prints it" {
	run script -qec "tops eval '(b + a*2).mean()' a=$BATS_FILE_TMPDIR/a.npy b=$BATS_FILE_TMPDIR/b.npy" /dev/null
	assert_status 0
	[[ "$output" == "tensor(6.5000)"* ]]
	run script -qec "tops eval 'allclose(a, a * 1.000001)' a=$BATS_FILE_TMPDIR/a.npy" /dev/null
	[[ "$output" == "tensor(True)"* ]]
	run script -qec "tops eval 'sum(x * 2)' x=$BATS_FILE_TMPDIR/a.npy" /dev/null # a streamed chain
	[[ "$output" == "tensor(6.)"* ]]
}

@test "an expression may start with '-', or come after --" {
	run tops eval '-x**2' x=3 -o a.npy
	assert_status 0
	expect_npy a.npy "np.float32(-9)"
	run tops eval -o b.npy -- '-x' x=3
	assert_status 0
	expect_npy b.npy "np.float32(-3)"
}

@test "a chain through a pipe of 256 MiB streams in bounded memory" {
	run bash -c "tcreate --ones 67108864 | /usr/bin/time -f %M -o rss tops eval 'sum(relu(x * 3 + 1))' x=- -o s.npy"
	assert_status 0
	expect_npy s.npy "np.float32(4 * 67108864)"
	[ "$(cat rss)" -lt 65536 ]
}

@test "losses resolve by name from the op table: mse and cross_entropy" {
	run tops eval 'mse(a, b)' a="$BATS_FILE_TMPDIR/a.npy" b="$BATS_FILE_TMPDIR/b.npy" -o m.npy
	assert_status 0
	expect_npy m.npy "np.float32(4)"
	run tops eval 'F.cross_entropy(z, t)' z="$BATS_FILE_TMPDIR/x.npy" t=arange:3 -o c.npy
	assert_status 0
	expect_npy c.npy "torch.nn.functional.cross_entropy(torch.arange(12.).reshape(3, 4) - 5, torch.arange(3)).numpy()"
}

# ---------------------------------------------------------------- errors

@test "a syntax error: the message, the expression and a caret under the column; status 2" {
	run tops eval 'x +' x=1
	assert_status 2
	assert_output "tops: eval: syntax error: expected an operand after '+'
    x +
       ^"
	run tops eval 'sum(x, dim=1' x=1
	assert_status 2
	assert_output "tops: eval: syntax error: expected ')' to close '(' at column 4
    sum(x, dim=1
                ^"
	run tops eval 'a[1:, ::2' a=1
	assert_status 2
	[ "${lines[1]}" = "    a[1:, ::2" ]
	[ "${lines[2]}" = "             ^" ]
}

@test "an unknown op suggests the nearest, with the caret; status 2" {
	run tops eval 'x.sqr() + sine(x)' x=1
	assert_status 2
	assert_output "tops: eval: unknown op 'sqr' (did you mean sqrt?)
    x.sqr() + sine(x)
      ^"
	run tops eval 'softmax(z)' z=1
	assert_status 2
	[[ "${lines[0]}" == "tops: eval: softmax: missing dim"* ]]
}

@test "a binding the expression lacks suggests the nearest input; status 2" {
	run tops eval 'weight * x' x=1 wieght=2
	assert_status 2
	assert_one_line_error tops
	assert_output "tops: eval: wieght: the expression has no input of that name (did you mean weight?)"
}

@test "a name left unbound is a usage error; status 2" {
	run tops eval 'w * x + b' x=1 w=2
	assert_status 2
	assert_output "tops: eval: b: no value bound to this name (expected b=VALUE)"
}

@test "a failing operation is a data error: one line, status 1" {
	run tops eval 'a + x' a="$BATS_FILE_TMPDIR/a.npy" x="$BATS_FILE_TMPDIR/x.npy"
	assert_status 1
	assert_one_line_error tops
	[[ "$output" == "tops: eval: add: shapes"*"cannot broadcast"* ]]
	run tops eval 'x @ x' x="$BATS_FILE_TMPDIR/x.npy" -o out.npy
	assert_status 1
	assert_one_line_error tops
	[ ! -e out.npy ]
	run tops eval 'x' x=missing.npy
	assert_status 1
	assert_output "tops: eval: x: missing.npy: cannot open: No such file or directory"
}

@test "bindings that cannot be understood: status 2, one line" {
	for args in "x+1 3" "x+1 x=1 x=2" "x+y x=- y=-" "x x=randn:3x" "x x=rand:3:i32" "x x=arange:1,a" \
		"x x=randint:3" "x --seed abc x=1" "x x=1 --bogus" "x 2x=1" "x x="; do
		# shellcheck disable=SC2086
		run tops eval $args
		assert_status 2
		assert_one_line_error tops
	done
	run tops eval
	assert_status 2
	assert_output "tops: eval: missing expression (usage: tops eval EXPR [NAME=VALUE...]; see tops eval --help)"
}

@test "--device cuda fails with status 1 in this build" {
	run tops eval 'x' x=1 --device cuda
	assert_status 1
	assert_one_line_error tops
}

@test "help: tops eval --help, tops help eval, and a line in tops --help" {
	run tops eval --help
	assert_status 0
	[[ "${lines[0]}" == "usage: tops eval EXPR [NAME=VALUE...]"* ]]
	[[ "$output" == *"randn:S"* && "$output" == *"--seed N"* ]]
	run tops help eval
	assert_status 0
	[[ "${lines[0]}" == "usage: tops eval"* ]]
	run tops --help
	[[ "$output" == *"tops eval EXPR"* ]]
}
