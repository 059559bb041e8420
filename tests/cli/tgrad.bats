#!/usr/bin/env bats
# tgrad (CLI.md, "tgrad"): the PyTorch-basics examples printed as PyTorch prints them, the
# output container, --wrt/--grad-output/--accumulate, the errors, --check (a wrong rule is
# caught, kinks are not), and --batch's TAP.  PyTorch's values: tests/oracle/test_grad.py.

load helpers
bats_require_minimum_version 1.5.0

ROOT=${TNSR_ROOT:-$BATS_TEST_DIRNAME/../..}


# What PyTorch prints for print("out:", y.detach()) and print("NAME.grad:", NAME.grad)
# after y.backward(), the inputs given as NAME=PYTHON_VALUE.
torch_prints() {
	py - "$@" <<'PY'
import sys, torch
expr, binds = sys.argv[1], sys.argv[2:]
ns = {}
for b in binds:
    name, value = b.split("=", 1)
    ns[name] = torch.tensor(eval(value), dtype=torch.float32, requires_grad=True)
y = eval(expr, ns)
y.backward()
print("out:", y.detach())
for b in binds:
    name = b.split("=", 1)[0]
    print(f"{name}.grad:", ns[name].grad)
PY
}

@test "the four PyTorch-basics examples print exactly as PyTorch prints them" {
	run -0 on_tty tgrad 'w*x + b' x=3 w=4 b=5
	assert_output "$(torch_prints 'w*x + b' x=3. w=4. b=5.)"
	assert_output "out: tensor(17.)
x.grad: tensor(4.)
w.grad: tensor(3.)
b.grad: tensor(1.)"
	run -0 on_tty tgrad '3*x**2' x=4
	assert_output "$(torch_prints '3*x**2' x=4.)"
	run -0 on_tty tgrad '5*x**3 + 2*x' x=2
	assert_output "$(torch_prints '5*x**3 + 2*x' x=2.)"
	assert_output "out: tensor(44.)
x.grad: tensor(62.)"
	py -c 'import numpy as np; np.save("a.npy", np.array([1, 2], np.float32)); np.save("b.npy", np.array([3, 4], np.float32))'
	run -0 on_tty tgrad '(b + a*2).mean()' a=a.npy b=b.npy
	assert_output "$(torch_prints '(b + a*2).mean()' a=[1.,2.] b=[3.,4.])"
	assert_output "out: tensor(6.5000)
a.grad: tensor([1., 1.])
b.grad: tensor([0.5000, 0.5000])"
}

@test "a bound name that is not differentiated prints NAME.grad: None" {
	run -0 on_tty tgrad 'x.sum() * n.sum()' x=ones:2 n=arange:3
	assert_output "out: tensor(6.)
x.grad: tensor([3., 3.])
n.grad: None"
	run -0 on_tty tgrad 'x * y' x=2 y=5 --wrt y
	assert_output "out: tensor(10.)
y.grad: tensor(2.)
x.grad: None"
}

@test "the container: out first, then NAME.grad in --wrt order, with the inputs' dtypes" {
	run -0 tgrad '(x * y + z).sum()' x=ones:2 y=arange:2:f64 z=ones:2:f16 --wrt z,x -o g.npz
	run -0 py -c '
import numpy as np
g = np.load("g.npz")
assert list(g.keys()) == ["out", "z.grad", "x.grad"], list(g.keys())
assert g["out"].dtype == np.float64 and g["out"] == 3
assert g["z.grad"].dtype == np.float16 and list(g["z.grad"]) == [1, 1]
assert g["x.grad"].dtype == np.float32 and list(g["x.grad"]) == [0, 1]'
	# standard output: a .tnsr stream (TNSR_FORMAT / --format switch it)
	tgrad 'x.sum()' x=ones:3 > g.tnsr
	run -0 tinfo g.tnsr
	[[ "${lines[0]}" == *"out: tnsr f32 ()"* ]]
	[[ "${lines[1]}" == *"x.grad: tnsr f32 (3,)"* ]]
	tgrad 'x.sum()' x=ones:3 --format npz > g2.npz
	run -0 py -c 'import numpy as np; assert list(np.load("g2.npz")) == ["out", "x.grad"]'
}

@test "--grad-output seeds a non-scalar result; without it PyTorch's message" {
	run --separate-stderr tgrad 'x * 2' x=ones:3
	assert_status 1
	[ "$stderr" = "tgrad: output of shape (3,): grad can be implicitly created only for scalar outputs (give --grad-output FILE)" ]
	py -c 'import numpy as np; np.save("go.npy", np.array([1, 10, 100], np.float32)); np.save("bad.npy", np.ones(2, np.float32))'
	run -0 on_tty tgrad 'x * 2' x=ones:3 --grad-output go.npy
	assert_output "out: tensor([2., 2., 2.])
x.grad: tensor([  2.,  20., 200.])"
	run tgrad 'x * 2' x=ones:3 --grad-output bad.npy
	assert_status 1
	assert_one_line_error tgrad
	[[ "$output" == *"grad_output: shape (2,) does not match the output's shape (3,)"* ]]
}

@test "--accumulate adds to FILE's NAME.grad members and keeps the rest" {
	run -0 tgrad '(x * 3).sum()' x=ones:2 --accumulate acc.npz
	run -0 tgrad '(x * 3).sum() + y' x=ones:2 y=1 --wrt x --accumulate acc.npz
	py -c 'import numpy as np; d = dict(np.load("acc.npz")); d["note"] = np.arange(2); np.savez("acc.npz", **d)'
	run -0 tgrad '(x * x).sum()' x=ones:2 --accumulate acc.npz
	run -0 py -c '
import numpy as np
g = np.load("acc.npz")
assert list(g.keys()) == ["out", "x.grad", "note"], list(g.keys())
assert list(g["x.grad"]) == [8, 8] and g["out"] == 2 and list(g["note"]) == [0, 1]'
	# a failed run leaves FILE as it was
	cp acc.npz before.npz
	run tgrad '(x * x).sum()' x=ones:3 --accumulate acc.npz
	assert_status 1
	assert_one_line_error tgrad
	[[ "$output" == *"acc.npz: member x.grad has shape (2,), the gradient has (3,)"* ]]
	cmp acc.npz before.npz
}

@test "errors: one line (a caret under a syntax error), naming the op or the input" {
	run tgrad 'x.sum(' x=ones:3
	assert_status 2
	assert_output "tgrad: syntax error: expected ')' to close '(' at column 6
    x.sum(
          ^"
	run tgrad 'argmax(x)' x=randn:3
	assert_status 1
	assert_output "tgrad: argmax: not differentiable (needed for the gradient of x)"
	run tgrad 'floor(x * 2).sum() + x.sum()' x=randn:3
	assert_status 1
	assert_output "tgrad: floor: not differentiable (needed for the gradient of x)"
	run tgrad '(x > 0).sum()' x=randn:3
	assert_status 1
	assert_output "tgrad: gt: not differentiable (needed for the gradient of x)"
	run tgrad 'x.to(i64).sum()' x=randn:3
	assert_status 1
	assert_output "tgrad: cast: gives i64, which has no gradient (needed for the gradient of x)"
	run tgrad 'x.sum()' x=arange:3 --wrt x
	assert_status 1
	assert_output "tgrad: x: can only compute gradients of floating or complex inputs (x is i64)"
	run tgrad 'x.sum()' x=randn:3 --wrt y
	assert_status 2
	assert_output "tgrad: --wrt y: not a bound input (bound: x)"
	run tgrad 'x.sum()' y=randn:3
	assert_status 2
	assert_one_line_error tgrad
	run tgrad 'cross_entropy(z, t)' z=randn:2x3 t=arange:2,4
	assert_status 1
	assert_output "tgrad: cross_entropy: Target 3 is out of bounds (expected a class index in 0..2, or -100 to ignore)"
	run tgrad
	assert_status 2
	assert_one_line_error tgrad
	run tgrad --check 'x.sum()' x=1 -o g.npz
	assert_status 2
	assert_one_line_error tgrad
	run tgrad 'x.sum()' x=ones:3 -o g.npy
	assert_status 1
	assert_output "tgrad: g.npy: the npy format holds one tensor, not 2 (use a container: .npz, .tnsr)"
	[ ! -e g.npy ]
}

@test "--check: one line per input with the errors, the worst element and the seed" {
	run -0 tgrad --check 'sum(softmax(x, dim=1) * y)' x=randn:3x4 y=rand:3x4 --seed 1
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^x:\ ok:\ max\ abs\ err\ [0-9.e-]+,\ max\ rel\ err\ [0-9.e-]+\;\ worst\ at\ \([0-9],\ [0-9]\):\ numeric\ [0-9.e-]+,\ analytic\ [0-9.e-]+\ \(12\ elements\;\ seed\ 1\)$ ]]
	[[ "${lines[1]}" == "y: ok: "* ]]
	# the same seed, the same report
	run -0 tgrad --check 'sum(softmax(x, dim=1) * y)' x=randn:3x4 y=rand:3x4 --seed 1
	[[ "${lines[0]}" == *"seed 1)" ]]
	# without --seed the seed drawn is printed, and reproduces the run
	run -0 tgrad --check 'x.sin().sum()' x=randn:3
	seed=${lines[0]##*seed }
	seed=${seed%)}
	first=$output
	run -0 tgrad --check 'x.sin().sum()' x=randn:3 --seed "$seed"
	[ "$output" = "$first" ]
}

@test "--check: large inputs go along random directions; non-scalar results through v" {
	run -0 tgrad --check 'mean((X @ W.T + b - Y)**2)' X=randn:64x784 W=randn:10x784 b=randn:10 Y=randn:64x10 --seed 3
	[[ "${lines[0]}" == "X: ok: "*"(50176 elements, checked along 2 random directions; seed 3)" ]]
	[[ "${lines[1]}" == "W: ok: "*"(7840 elements, checked along 2 random directions; seed 3)" ]]
	[[ "${lines[2]}" == "b: ok: "*"(10 elements; seed 3)" ]]
	run -0 tgrad --check 'softmax(x, dim=0)' x=randn:5 --seed 2
	[[ "$output" == "x: ok: "* ]]
}

@test "--check: a gradient at a kink is accepted as a subgradient" {
	run -0 tgrad --check 'relu(x).sum() + abs(y).sum() + clamp(z, min=0, max=1).sum() + w.max()' \
		x=zeros:3 y=zeros:2 z=ones:2 w=ones:4
	[[ "${lines[0]}" == "x: ok: "*"3 at a kink, accepted as subgradients"* ]]
	[[ "${lines[2]}" == "z: ok: "*"2 at a kink, accepted as subgradients"* ]]
	[[ "${lines[3]}" == "w: ok: "*"4 at a kink, accepted as subgradients"* ]]
	# the interval of the one-sided slopes holds even with no tolerance at all
	run -0 tgrad --check 'relu(x).sum()' x=zeros:1 --rtol 0 --atol 0
	[[ "$output" == "x: ok: "*"1 at a kink, accepted as subgradient;"* ]]
}

@test "--check catches a backward rule that is 1% wrong (a test build of the library)" {
	# backward.c once more with -DTNSR_INJECT_WRONG_GRAD (sin's rule scaled by 1.01),
	# linked before libtnsr.a so that it replaces the library's copy.
	local san=""
	case $BUILD in *asan*) san="-fsanitize=address,undefined" ;; esac
	cc -std=c11 -D_GNU_SOURCE -O1 -fopenmp $san -I"$ROOT/libtnsr/include" -I"$ROOT/libtnsr" \
		-DTNSR_INJECT_WRONG_GRAD -c "$ROOT/libtnsr/backward.c" -o backward_wrong.o
	cc $san -o tgrad_wrong "$ROOT/$BUILD"/obj/tools/tgrad/*.o "$ROOT/$BUILD"/obj/tools/common/*.o \
		backward_wrong.o "$ROOT/$BUILD/libtnsr.a" -lopenblas -lz -lm -pthread -fopenmp
	run ./tgrad_wrong --check 'sin(x).sum()' x=randn:5 --seed 1
	assert_status 1
	[[ "$output" == "x: MISMATCH: "*"max rel err 1e-2"*"5 mismatched; seed 1)" ]]
	run -0 tgrad --check 'sin(x).sum()' x=randn:5 --seed 1
	run -0 ./tgrad_wrong --check 'cos(x).sum()' x=randn:5 --seed 1
	# at a kink too, when the gradient is outside the one-sided slopes (200 and 201 here)
	run ./tgrad_wrong --check '(relu(x) + 200 * sin(x)).sum()' x=zeros:1
	assert_status 1
	[[ "$output" == "x: MISMATCH: "* ]]
	# inside a larger expression, in a batch
	printf '%s\n' "'mean(tanh(x @ W) + sin(x @ W))' x=randn:3x4 W=randn:4x2" > cases.txt
	run ./tgrad_wrong --check --batch cases.txt --seed 1
	assert_status 1
	[[ "${lines[1]}" == "not ok 1 - mean(tanh(x @ W) + sin(x @ W)) # max rel err "* ]]
}

@test "--batch: TAP, a case per line, quotes as a shell reads them, exit 1 on a failure" {
	cat > cases.txt <<-'EOF'
	# gradient checks
	'sum(x * y, dim=1)' x=rand:3x4 y=rand:3x4 --wrt x

	"x.sin().sum()" x=randn:5   # a comment
	sum\(x\) x=randn:2
	'x.sum(' x=randn:3
	'floor(x).sum()' x=randn:3
	'(x # y).sum()' x=1
	'unterminated x=3
	EOF
	run tgrad --check --batch cases.txt --seed 7
	assert_status 1
	assert_output "1..7
ok 1 - sum(x * y, dim=1)
ok 2 - x.sin().sum()
ok 3 - sum(x)
not ok 4 - x.sum( # error: syntax error: expected ')' to close '(' at column 6
#       x.sum(
#             ^
not ok 5 - floor(x).sum() # error: floor: not differentiable (needed for the gradient of x)
not ok 6 - (x \# y).sum() # error: syntax error: unexpected character '#'
#       (x # y).sum()
#          ^
not ok 7 - 'unterminated x=3 # error: unterminated ' quote
# 4 of 7 failed"
	# all passing: exit 0; standard input as the file
	printf '%s\n' "'x.exp().sum()' x=randn:4" "'(x ** 2).mean()' x=randn:3" | tgrad --check --batch - --seed 1 > tap.txt
	run cat tap.txt
	assert_output "1..2
ok 1 - x.exp().sum()
ok 2 - (x ** 2).mean()"
}
