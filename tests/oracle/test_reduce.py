"""Reductions and softmax of `tops` against PyTorch 1.13, as TAP.

Every reduction (sum mean prod max min argmax argmin std var norm all any logsumexp) runs
over several dtypes and dim lists (none, one, several, negative, with and without
--keepdim), on 0-d, zero-size, Fortran-order and reversed inputs; softmax and
log_softmax along each dim.  Values and the result dtype must match torch.  Where torch
1.13 has no CPU kernel for a dtype (prod, logsumexp, softmax of f16; argmax of bool) the
reference is the natural extension: the op computed in f32 or f64 and rounded once.
`mean` of an integer tensor gives f32 (CLI.md; torch refuses).  The errors torch raises
must be refused with one line naming the op."""
import os
import sys
from fractions import Fraction

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from tap import done, path, report, run, same, save, tool_result  # noqa: E402

rng = np.random.default_rng(20240611)
TORCH_DTYPE = {"bool": torch.bool, "uint8": torch.uint8, "int32": torch.int32, "int64": torch.int64,
               "float16": torch.float16, "float32": torch.float32, "float64": torch.float64,
               "complex64": torch.complex64, "int8": torch.int8, "int16": torch.int16}
TOL = {"float16": 2e-3, "bfloat16": 2e-2, "float32": 2e-6, "float64": 1e-12, "complex64": 2e-6,
       "complex128": 1e-12}


def sample(dtype, shape, special=False):
    """Values that exercise an op: small integers (ties), both signs, NaN/inf if SPECIAL."""
    n = int(np.prod(shape))
    if dtype == "bool":
        return (rng.random(shape) < 0.7)
    if dtype == "uint8":
        return rng.integers(0, 255, shape, dtype=np.uint8)
    if dtype in ("int8", "int16", "int32", "int64"):
        return rng.integers(-50, 50, shape).astype(dtype)
    a = np.round(rng.standard_normal(n) * 4, 1).reshape(shape)
    if dtype == "complex64":
        a = a + 1j * np.round(rng.standard_normal(n) * 4, 1).reshape(shape)
    a = a.astype(dtype)
    if special and n >= 8:
        flat = a.reshape(-1)
        flat[rng.integers(0, n)] = np.inf
        flat[rng.integers(0, n)] = -np.inf
        flat[rng.integers(0, n)] = np.nan
    return a


def all_dims(x):
    return tuple(range(x.dim()))


def by_single_dims(fn, t, dims, keepdim):
    """fn(t, dim, keepdim=True) over each dim, for ops whose torch form takes one dim."""
    for d in sorted(d % t.dim() for d in dims):
        t = fn(t, d, keepdim=True)
    if not keepdim:
        for d in sorted((d % max(t.dim(), 1) for d in dims), reverse=True):
            t = t.squeeze(d)
    return t


def reference(op, a, dims, keepdim, correction=1, ord=2.0):
    """The torch result of tops OP on A (numpy), as a numpy array."""
    t = torch.from_numpy(a.copy(order="C"))
    name = str(a.dtype)
    full = dims is None
    dl = all_dims(t) if full else tuple(dims)
    if op in ("sum", "mean"):
        if op == "mean" and not (t.is_floating_point() or t.is_complex()):
            t = t.double()  # CLI.md: mean of integers gives f32
            r = (t.sum() / t.numel() if full and not keepdim else torch.mean(t, dim=dl, keepdim=keepdim))
            return r.float().numpy()
        fn = torch.sum if op == "sum" else torch.mean
        if full and not keepdim:
            return fn(t).numpy()
        return fn(t, dim=dl, keepdim=keepdim).numpy()
    if op == "prod":
        half = t.dtype == torch.float16
        if half:
            t = t.double()
        if t.dim() == 0:
            r = t.prod() if not t.is_floating_point() else t.clone()
            r = torch.prod(t)
        elif full and not keepdim:
            r = torch.prod(t)
        else:
            r = by_single_dims(torch.prod, t, dl, keepdim)
        return (r.half() if half else r).numpy()
    if op in ("max", "min"):
        fn = torch.amax if op == "max" else torch.amin
        if full and not keepdim:
            return fn(t).numpy()
        return fn(t, dim=dl, keepdim=keepdim).numpy()
    if op in ("argmax", "argmin"):
        if t.dtype == torch.bool:
            t = t.to(torch.uint8)
        fn = torch.argmax if op == "argmax" else torch.argmin
        if full:
            return fn(t, keepdim=keepdim).numpy() if keepdim else fn(t).numpy()
        return fn(t, dim=dl[0], keepdim=keepdim).numpy()
    if op in ("std", "var"):
        fn = torch.std if op == "std" else torch.var
        return fn(t, None if full else dl, correction=int(correction), keepdim=keepdim).numpy()
    if op == "norm":
        return torch.linalg.vector_norm(t, ord, dim=None if full else dl, keepdim=keepdim).numpy()
    if op in ("all", "any"):
        if t.is_complex():  # torch 1.13 drops the imaginary part here; tops does not
            t = (t != 0)
        fn = torch.all if op == "all" else torch.any
        if full and not keepdim:
            return fn(t).numpy()
        if t.dim() == 0:
            return fn(t).numpy()
        return by_single_dims(fn, t, dl, keepdim).numpy()
    if op == "logsumexp":
        half = t.dtype == torch.float16
        if half:
            t = t.float()
        elif not t.is_floating_point():
            t = t.double()
            r = torch.logsumexp(t, dim=dl, keepdim=keepdim)
            return r.float().numpy()
        r = torch.logsumexp(t, dim=dl, keepdim=keepdim)
        return (r.half() if half else r).numpy()
    raise ValueError(op)


def check(what, got, want, err, dtype_name):
    tol = TOL.get(dtype_name, 0)
    if got is not None and want.dtype.kind in "fc" and tol:
        ok, detail = same(got, want, rtol=tol, atol=tol)
    else:
        ok, detail = same(got, want)
    report(ok, what, detail if got is not None else err)


def tops_args(op, dims, keepdim, extra):
    args = []
    if dims is not None:
        args += ["--dim", ",".join(str(d) for d in dims)]
    if keepdim:
        args.append("--keepdim")
    return args + extra


# ---------------------------------------------------------------- the matrix

SHAPE = (3, 4, 5)
DIMS = [None, (1,), (-1,), (0, 2), (-3, -1), (2, 0, 1)]
OPS_DTYPES = {
    "sum": ["bool", "uint8", "int32", "int64", "float16", "float32", "float64", "complex64"],
    "mean": ["int32", "float16", "float32", "float64", "complex64"],
    "prod": ["bool", "int32", "int64", "float16", "float32", "float64", "complex64"],
    "max": ["bool", "uint8", "int32", "float16", "float32", "float64"],
    "min": ["int8", "int64", "float32", "float64"],
    "argmax": ["bool", "uint8", "int32", "float16", "float32", "float64"],
    "argmin": ["int64", "float32", "float64"],
    "std": ["float16", "float32", "float64", "complex64"],
    "var": ["float32", "float64", "complex64"],
    "norm": ["float16", "float32", "float64", "complex64"],
    "all": ["bool", "uint8", "int32", "float32", "complex64"],
    "any": ["bool", "uint8", "int64", "float64"],
    "logsumexp": ["bool", "int32", "float16", "float32", "float64"],
}

for op, dtypes in OPS_DTYPES.items():
    for dt in dtypes:
        a = sample(dt, SHAPE)
        if op == "prod" and dt in ("float16",):
            a = (np.sign(a) * (1 + np.abs(a) / 40)).astype(dt)  # stay within f16's range
        f = save(f"{op}_{dt}", a)
        for dims in DIMS:
            if op in ("argmax", "argmin") and dims is not None and len(dims) > 1:
                continue
            for keepdim in (False, True):
                if dt != "float32" and keepdim and dims not in (None, (0, 2)):
                    continue
                want = reference(op, a, dims, keepdim)
                got, err = tool_result("tops", op, f, *tops_args(op, dims, keepdim, []))
                check(f"{op} {dt} {SHAPE} dims {dims}{' keepdim' if keepdim else ''}", got, want, err, dt)

# std/var corrections (PyTorch: divide by max(0, N - correction)) and norm orders
x = sample("float32", (4, 6))
f = save("corr", x)
for op in ("std", "var"):
    for c in (0, 1, 2, 4, 6, 7):
        for dims in (None, (1,), (0,)):
            want = reference(op, x, dims, False, correction=c)
            got, err = tool_result("tops", op, f, "--correction", c, *tops_args(op, dims, False, []))
            check(f"{op} --correction {c} dims {dims}", got, want, err, "float32")
for ordv in ("2", "1", "0", "inf", "-inf", "3", "0.5", "-1", "-2.5"):
    for dims in (None, (1,), (0,)):
        want = reference("norm", x, dims, False, ord=float(ordv))
        got, err = tool_result("tops", "norm", f, "--ord", ordv, *tops_args("norm", dims, False, []))
        check(f"norm --ord {ordv} dims {dims}", got, want, err, "float32")

# 0-d inputs: dims none, 0 and -1
for op in OPS_DTYPES:
    for dt in ("float32", "int64"):
        if dt not in OPS_DTYPES[op] and op not in ("sum", "max", "argmax", "all", "logsumexp"):
            continue
        a = np.array(sample(dt, (1,))[0])
        f = save(f"scalar_{op}_{dt}", a)
        for dims in (None, (0,), (-1,)):
            for keepdim in (False, True):
                want = reference(op, a, dims, keepdim)
                got, err = tool_result("tops", op, f, *tops_args(op, dims, keepdim, []))
                check(f"{op} {dt} 0-d dims {dims}{' keepdim' if keepdim else ''}", got, want, err, dt)

# zero-size inputs: the identities (sum 0, prod 1, mean nan, all True, any False, ...)
for shape, dims in [((0, 3), None), ((0, 3), (0,)), ((0, 3), (1,)), ((2, 0, 3), (1,)), ((2, 0, 3), (0, 2))]:
    a = np.zeros(shape, np.float32)
    f = save("empty", a)
    for op in ("sum", "mean", "prod", "std", "var", "norm", "all", "any", "logsumexp", "max", "argmax"):
        reducing_zero = dims is None or any(shape[d] == 0 for d in dims)
        if op in ("max", "argmax") and reducing_zero:
            continue
        if op == "argmax" and dims is not None and len(dims) > 1:
            continue
        want = reference(op, a, dims, False)
        got, err = tool_result("tops", op, f, *tops_args(op, dims, False, []))
        check(f"{op} of zero-size {shape} dims {dims}", got, want, err, "float32")
    got, err = tool_result("tops", "sum", save("empty_i", a.astype(np.int32)))
    check(f"sum of zero-size int32 {shape} is i64 0", got, np.array(0, np.int64), err, "int64")

# non-contiguous: Fortran-order files, and reversed views
base = sample("float32", (6, 7, 8))
fort = save("fortran", np.asfortranarray(base))
for op in ("sum", "mean", "max", "argmax", "argmin", "var", "norm", "logsumexp", "all", "prod"):
    for dims in (None, (0,), (1,), (2,), (0, 2)):
        if op in ("argmax", "argmin") and dims is not None and len(dims) > 1:
            continue
        want = reference(op, base, dims, False)
        got, err = tool_result("tops", op, fort, *tops_args(op, dims, False, []))
        check(f"{op} of a Fortran-order (6, 7, 8) dims {dims}", got, want, err, "float32")
c_file = save("reversible", base)
for op in ("sum", "argmax", "max", "std"):
    for dims in (None, (0,), (2,)):
        want = reference(op, base[::-1, :, ::-1], dims, False)
        got, err = tool_result("tops", "slice", c_file, "[::-1, :, ::-1]", "then", op,
                               *tops_args(op, dims, False, []))
        check(f"{op} of a reversed view dims {dims}", got, want, err, "float32")

# NaN and infinities: NaN propagates (max, sum), is the extremum (argmax), and logsumexp
# follows torch (+inf wins unless NaN)
for k in range(3):
    a = sample("float32", (5, 40), special=True)
    f = save("special", a)
    for op in ("max", "min", "argmax", "argmin", "sum", "logsumexp", "norm", "any"):
        for dims in (None, (1,), (0,)):
            want = reference(op, a, dims, False)
            got, err = tool_result("tops", op, f, *tops_args(op, dims, False, []))
            check(f"{op} with NaN/inf (case {k}) dims {dims}", got, want, err, "float32")
ninf = save("ninf", np.array([[-np.inf, -np.inf], [np.inf, 1.0], [-np.inf, 2.0]], np.float32))
for dims in ((1,), None):
    got, err = tool_result("tops", "logsumexp", ninf, *tops_args("logsumexp", dims, False, []))
    check(f"logsumexp of -inf/+inf rows dims {dims}", got, reference("logsumexp", np.load(ninf), dims, False),
          err, "float32")

# larger inputs: the threaded and blocked paths.  tops accumulates in f64, torch in f32:
# the reference is torch in f64, rounded to f32 (the dtype is still torch's).
big = rng.standard_normal((700, 1100)).astype(np.float32)
fb = save("big", big)
for op in ("sum", "mean", "max", "argmax", "var", "norm", "logsumexp"):
    for dims in (None, (0,), (1,)):
        want = reference(op, big, dims, False)
        exact = reference(op, big.astype(np.float64), dims, False).astype(want.dtype)
        got, err = tool_result("tops", op, fb, *tops_args(op, dims, False, []))
        check(f"{op} of (700, 1100) dims {dims}", got, exact, err, "float32")

# ---------------------------------------------------------------- softmax

for dt in ("float32", "float64", "float16"):
    a = sample(dt, (3, 4, 5))
    f = save(f"sm_{dt}", a)
    fo = save(f"smf_{dt}", np.asfortranarray(a))
    for fn in ("softmax", "log_softmax"):
        for d in (0, 1, 2, -1, -3):
            t = torch.from_numpy(a)
            half = t.dtype == torch.float16
            r = getattr(torch, fn)(t.float() if half else t, d)
            want = (r.half() if half else r).numpy()
            for src, name in ((f, "C"), (fo, "Fortran")):
                got, err = tool_result("tops", fn, src, "--dim", d)
                check(f"{fn} {dt} {name}-order --dim {d}", got, want, err, dt)
for fn in ("softmax", "log_softmax"):
    for a in (np.array(3.5, np.float32), np.zeros((0, 4), np.float32),
              np.array([[-np.inf, -np.inf, 0], [np.inf, 1, 2], [np.nan, 1, 2], [1000, 999, -1000]], np.float32),
              rng.standard_normal((300, 1000)).astype(np.float32)):
        t = torch.from_numpy(a)
        want = getattr(torch, fn)(t, -1).numpy()
        got, err = tool_result("tops", fn, save("sm_edge", a), "--dim", -1)
        check(f"{fn} of {a.shape} (edge values) --dim -1", got, want, err, "float32")
bf = save("sm_bf", sample("float32", (4, 6)))
for fn in ("softmax", "log_softmax"):
    want = getattr(torch, fn)(torch.from_numpy(np.load(bf)).bfloat16(), 1).float().numpy()
    got, err = tool_result("tops", "cast", bf, "bf16", "then", fn, "--dim", 1, "then", "cast", "f32")
    check(f"{fn} bf16 --dim 1", got, want, err, "bfloat16")
want = torch.sum(torch.from_numpy(np.load(bf)).bfloat16(), 1).float().numpy()
got, err = tool_result("tops", "cast", bf, "bf16", "then", "sum", "--dim", 1, "then", "cast", "f32")
check("sum bf16 --dim 1", got, want, err, "bfloat16")

# ---------------------------------------------------------------- accuracy

n = 10 ** 7
tenth = np.full(n, 0.1, np.float32)
got, err = tool_result("tops", "sum", save("tenth", tenth))
exact = Fraction(float(np.float32(0.1))) * n
rel = abs(Fraction(float(got)) - exact) / exact if got is not None else 1
report(got is not None and rel <= Fraction(1, 10 ** 6), "sum of 10^7 x 0.1f32 within 1e-6 relative of the exact sum",
       f"got {got}, exact {float(exact)}, relative error {float(rel)}; {err}")

# ---------------------------------------------------------------- errors


def check_error(what, args, want, stdin=None):
    r = run("tops", *args, stdin=stdin)
    lines = r.stderr.decode().strip().splitlines()
    ok = r.returncode != 0 and len(lines) == 1 and want in lines[0] and not os.path.exists(path("nothing.npy"))
    report(ok, what, f"status {r.returncode}, stderr {r.stderr.decode()!r}, expected {want!r}")


m = save("m23", np.zeros((2, 3), np.float32))
check_error("a dim out of range", ["sum", m, "--dim", "3"], "tops: sum: dim 3 out of range for a 2-d tensor (expected -2..1)")
check_error("a negative dim out of range", ["mean", m, "--dim", "-3"], "mean: dim -3 out of range for a 2-d tensor")
check_error("a repeated dim", ["sum", m, "--dim", "1,-1"], "sum: dim 1 appears multiple times in the list of dims")
check_error("argmax with two dims", ["argmax", m, "--dim", "0,1"], "argmax")
check_error("std of an integer tensor", ["std", save("i32", np.ones((2, 3), np.int32))],
            "std: not defined for i32 (expected a floating point or complex dtype)")
check_error("var of bool", ["var", save("b", np.ones(3, bool))], "var: not defined for bool")
check_error("norm of an integer tensor", ["norm", save("i64", np.ones(3, np.int64))], "norm: not defined for i64")
check_error("max of complex", ["max", save("c", np.ones(3, np.complex64))], "max: not defined for c64")
check_error("max of an empty tensor", ["max", save("e", np.zeros((0, 3), np.float32))], "max: the tensor of shape (0, 3) is empty")
check_error("argmin over an empty dim", ["argmin", save("e2", np.zeros((0, 3), np.float32)), "--dim", "0"],
            "argmin: dim 0 has size 0")
check_error("the inf-norm of an empty tensor", ["norm", save("e3", np.zeros(0, np.float32)), "--ord", "inf"], "norm:")
check_error("softmax of an integer tensor", ["softmax", save("si", np.ones(3, np.int64)), "--dim", "0"],
            "softmax: not defined for i64")
check_error("softmax dim out of range", ["log_softmax", m, "--dim", "2"], "log_softmax: dim 2 out of range")

done()
