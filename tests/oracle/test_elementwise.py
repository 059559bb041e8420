#!/usr/bin/env python3
"""Elementwise ops against PyTorch 1.13, as TAP: values and result dtypes.

Two ways in:
  * tests/helpers/ew_apply runs thousands of jobs in one process through tnsr_op_apply
    (libtnsr/cpu/elementwise.c's driver over any strides: broadcasting, 0-d and zero-size
    operands, Fortran order, reversed and expanded views, conversions, threads);
  * `tops` runs a smaller set as a user would (stdin, number literals, `then` chains,
    bf16 through cast, error messages and exit statuses).

The reference is PyTorch, with these documented departures:
  * f16 ops PyTorch 1.13 lacks on the CPU (sqrt, exp, relu, clamp, atan2 ...) are
    computed as it computes bf16: in f32, rounded once (the reference upcasts to f32,
    rounds literals to f16 as PyTorch would, and rounds the result to f16);
  * the math functions (sqrt ... sigmoid, reciprocal) refuse a bool input, where PyTorch
    computes sqrt(True) = 1.0;
  * where() takes a condition of any dtype (nonzero is true; PyTorch wants bool);
  * u16/u32/u64, which PyTorch lacks, are checked against NumPy.
Tolerances: none for arithmetic, comparisons, rounding and integer ops; for the
transcendental functions rtol 1e-6 (f32), 1e-12 (f64), one ulp for f16/bf16 (and for
bf16 rsqrt, where PyTorch's kernel is an ulp off now and then).  tnsr evaluates c64
functions and division in double precision, more accurately than PyTorch's c64 kernels
(asin(0.001+0j) has an imaginary part of 4e-8 there), so the c64 reference is PyTorch's
c128 result rounded to c64 (rtol 1e-5); complex inputs are finite and nonzero, since
PyTorch's complex formulas give NaN at infinities (atan(inf)) where C99's functions do not.
"""
import itertools
import os
import subprocess
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import BIN, TMP, done, path, report, run, same  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
APPLY = os.path.join(os.environ.get("TNSR_TEST_BIN", os.path.join(BIN, "..", "tests")), "ew_apply")

TORCH = {"bool": torch.bool, "u8": torch.uint8, "i8": torch.int8, "i16": torch.int16, "i32": torch.int32,
         "i64": torch.int64, "f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32,
         "f64": torch.float64, "c64": torch.complex64, "c128": torch.complex128}
NAME = {v: k for k, v in TORCH.items()}
NUMPY = {"bool": np.bool_, "u8": np.uint8, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
         "u16": np.uint16, "u32": np.uint32, "u64": np.uint64, "f16": np.float16, "f32": np.float32,
         "f64": np.float64, "c64": np.complex64, "c128": np.complex128}
DTYPES = list(TORCH)
rng = np.random.default_rng(20240611)

UNARY = ("neg abs sign sqrt rsqrt exp expm1 log log1p log2 log10 sin cos tan asin acos atan sinh cosh tanh "
         "sigmoid relu softplus floor ceil round trunc square reciprocal isnan isinf isfinite logical_not").split()
BINARY = ("add sub mul div pow maximum minimum fmod remainder atan2 eq ne lt le gt ge logical_and logical_or "
          "logical_xor").split()
MATH = set("sqrt rsqrt exp expm1 log log1p log2 log10 sin cos tan asin acos atan sinh cosh tanh sigmoid "
           "reciprocal".split())
TRANSCENDENTAL = set("exp expm1 log log1p log2 log10 sin cos tan asin acos atan sinh cosh tanh sigmoid softplus "
                     "atan2 pow".split())


PRECISE_COMPLEX = TRANSCENDENTAL | {"sqrt", "rsqrt", "reciprocal", "div", "abs"}


def torch_fn(op):
    if op == "softplus":
        return torch.nn.functional.softplus
    return getattr(torch, op)


# ---------------------------------------------------------------- operands

def values(dtype, shape, nonzero=False, small=False):
    """Values of DTYPE (as the dtype NumPy stores it in; bf16 as f32) with specials."""
    n = int(np.prod(shape))
    if dtype == "bool":
        v = rng.random(n) < 0.5
        return v.reshape(shape)
    if dtype in ("f16", "bf16", "f32", "f64", "c64", "c128"):
        special = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1.0, -1.0, 3.0, 0.999, -0.75, 25.0, -25.0, 1e-3,
                   float("nan"), float("inf"), float("-inf"), 7.25, -3.7]
        v = np.concatenate([special, rng.normal(0, 3, max(n, 1))])[:n] if not small else rng.normal(0, 2, n)
        if nonzero:
            v = np.where(v == 0, 1.25, v)
        if dtype in ("c64", "c128"):
            # Finite and nonzero: PyTorch's complex kernels are formulas that go wrong at
            # infinities and poles (atan(inf) is NaN there); check_complex_specials covers them.
            v = np.where(np.isfinite(v) & (v != 0), v, 0.75)
            v = v + 1j * np.concatenate([rng.normal(0, 2, n - n // 4), np.zeros(n // 4)])[rng.permutation(n)]
            return v.astype(NUMPY[dtype]).reshape(shape)
        if dtype == "bf16":
            return torch.tensor(v, dtype=torch.float32).bfloat16().float().numpy().reshape(shape)
        with np.errstate(all="ignore"):
            return v.astype(NUMPY[dtype]).reshape(shape)
    info = np.iinfo(NUMPY[dtype])
    if small:
        lo = -3 if info.min < 0 else 0
        v = rng.integers(lo, 6, n)
    else:
        special = [info.min, info.max, 0, 1, 2, 3, 7, 100 % (info.max + 1), info.max - 1]
        if info.min < 0:
            special += [-1, -2, -3, -7, info.min + 1]
        v = np.concatenate([special, rng.integers(max(info.min, -1000), min(info.max, 1000), max(n, 1))])[:n]
        v = v[rng.permutation(n)]
    if nonzero:
        v = np.where((v == 0) | (v == -1), 5, v)
    return v.astype(NUMPY[dtype]).reshape(shape)


_files = 0


class Arr:
    """A tensor operand: a .npy file (C or Fortran order) with optional views.  VIEWS is a
    list of (spec for ew_apply, function on the NumPy array)."""

    def __init__(self, dtype, array, views=(), fortran=False):
        global _files
        _files += 1
        self.dtype, self.views = dtype, list(views)
        self.array = np.asfortranarray(array) if fortran else np.ascontiguousarray(array)
        self.file = path(f"in{_files}.npy")
        np.save(self.file, self.array)

    def spec(self):
        s = self.file + ("@cbf16" if self.dtype == "bf16" else "")
        return s + "".join("@" + v for v, _ in self.views)

    def numpy(self):
        a = self.array
        for _, f in self.views:
            a = f(a)
        return a

    def torch(self):
        a = self.numpy()
        t = torch.from_numpy(np.ascontiguousarray(a).copy()) if a.ndim else torch.tensor(a[()])
        return t.to(TORCH[self.dtype])

    def __repr__(self):
        return f"{self.dtype}{list(self.numpy().shape)}" + "".join(v for v, _ in self.views)


class Lit:
    """A number literal: a wrapped scalar."""

    def __init__(self, value):
        self.value = value

    def spec(self):
        v = self.value
        return f"c:{v.real!r},{v.imag!r}" if isinstance(v, complex) else repr(v)

    def torch(self):
        return self.value

    def __repr__(self):
        return repr(self.value)


# ---------------------------------------------------------------- the reference

def upcast_half(args, kw):
    """PyTorch's f16 CPU gap: f16 tensors to f32, float literals rounded through f16."""
    def f(a):
        if isinstance(a, torch.Tensor) and a.dtype == torch.float16:
            return a.float()
        if isinstance(a, float):
            return float(torch.tensor(a).half())
        return a
    return [f(a) for a in args], {k: f(v) for k, v in kw.items()}


def reference(op, operands, kw):
    """(tensor, None) or (None, message) as PyTorch computes OP, with tnsr's departures."""
    args = [o.torch() for o in operands]
    if op in MATH and isinstance(args[0], torch.Tensor) and args[0].dtype == torch.bool:
        return None, f"{op}: not defined for bool"
    if op == "where":
        c = args[0]
        args[0] = c.bool() if isinstance(c, torch.Tensor) else bool(c)
    kw = dict(kw)
    to = TORCH[kw.pop("dtype", "f32")]
    fn = (lambda x: x.to(to)) if op == "cast" else torch_fn(op)
    try:
        r = fn(*args, **kw)
    except RuntimeError as e:
        if "'Half'" not in str(e):
            return None, str(e)
        if op == "clamp" and any(abs(v) > 65504 and np.isfinite(v) for v in kw.values()):
            return None, "value cannot be converted to type Half without overflow"
        args, kw = upcast_half(args, kw)
        r = fn(*args, **kw)
        return (r.half() if r.is_floating_point() else r), None
    c64 = [isinstance(a, torch.Tensor) and a.dtype == torch.complex64 for a in args]
    if op in PRECISE_COMPLEX and any(c64) and r.dtype in (torch.complex64, torch.float32):
        # tnsr evaluates c64 functions in double precision: so does the reference.
        r = fn(*[a.to(torch.complex128) if c else a for a, c in zip(args, c64)], **kw).to(r.dtype)
    return r, None


def tolerance(op, dtype):
    """(rtol, atol) for a result of DTYPE (tnsr name)."""
    complex_ = dtype in ("c64", "c128") or op == "abs"
    # rsqrt: PyTorch's bf16 kernel is off by an ulp now and then.
    if op in TRANSCENDENTAL or (op == "rsqrt" and dtype in ("f16", "bf16")) or (
            complex_ and op in ("mul", "div", "reciprocal", "square", "abs", "sqrt", "rsqrt")):
        return {"f16": (1e-3, 6e-8), "bf16": (8e-3, 1e-38), "f32": (1e-6, 1e-38), "f64": (1e-12, 1e-300),
                "c64": (1e-5, 1e-30), "c128": (1e-12, 1e-300)}.get(dtype, (0, 0))
    return 0, 0


# ---------------------------------------------------------------- jobs

jobs = []  # (label, op, operands, kw)


def job(op, operands, label="", **kw):
    jobs.append((f"{op} {' '.join(map(repr, operands))} {label}".strip(), op, operands, kw))


def run_jobs():
    lines = []
    for i, (_, op, operands, kw) in enumerate(jobs):
        opts = []
        for k in ("min", "max"):
            if k in kw:
                opts += [f"--{k}", repr(kw[k])]
        if "dtype" in kw:
            opts += ["--dtype", kw["dtype"]]
        lines.append(" ".join([op, path(f"out{i}.npy")] + [o.spec() for o in operands] + opts))
    r = subprocess.run([APPLY], input="\n".join(lines) + "\n", capture_output=True, text=True)
    answers = r.stdout.splitlines()
    if r.returncode != 0 or len(answers) != len(jobs):
        return [f"ew_apply answered {len(answers)} of {len(jobs)} jobs, exit {r.returncode}: {r.stderr[-2000:]}"]
    failures = []
    for i, ((label, op, operands, kw), answer) in enumerate(zip(jobs, answers)):
        expect, error = reference(op, operands, kw)
        if error is not None:
            if not answer.startswith("err "):
                failures.append(f"{label}: tnsr gave {answer}, torch raised {error}")
            elif "not defined for" in answer and not answer.split(" ", 2)[2].startswith(op + ": "):
                failures.append(f"{label}: message {answer!r}")
            continue
        if not answer.startswith("ok "):
            failures.append(f"{label}: tnsr {answer}, torch gave {NAME[expect.dtype]}")
            continue
        got_dtype = answer.split()[1]
        if got_dtype != NAME[expect.dtype]:
            failures.append(f"{label}: dtype {got_dtype}, torch {NAME[expect.dtype]}")
            continue
        want = expect.float().numpy() if expect.dtype == torch.bfloat16 else expect.numpy()
        rtol, atol = tolerance(op, got_dtype)
        ok, detail = same(np.load(path(f"out{i}.npy")), want, rtol, atol)
        if not ok:
            failures.append(f"{label}: {detail}")
    return failures


def section(title, build):
    """Builds a set of jobs, runs them in one ew_apply process and reports them as one test."""
    global jobs
    jobs = []
    build()
    failures = run_jobs()
    report(not failures, f"{title}: {len(jobs)} cases agree with torch",
           f"{len(failures)} differ:\n" + "\n".join(failures[:30]))


def rev(a):
    return a[::-1]


def unary_jobs():
    for dtype in DTYPES:
        x = Arr(dtype, values(dtype, (4, 6)))
        for op in UNARY:
            job(op, [x])
    # Layouts: Fortran order, reversed and transposed views, 0-d, zero-size, big.
    for dtype in ("f32", "i32", "f16", "bf16", "c64", "bool", "u8"):
        xf = Arr(dtype, values(dtype, (3, 5)), fortran=True)
        xr = Arr(dtype, values(dtype, (4, 3)), views=[("[::-1,::-2]", lambda a: a[::-1, ::-2])])
        xt = Arr(dtype, values(dtype, (2, 3, 4)), views=[("T", lambda a: a.T)])
        x0 = Arr(dtype, values(dtype, ()))
        xz = Arr(dtype, values(dtype, (0, 3)))
        for op in ("neg", "exp", "sigmoid", "floor", "isnan", "square", "logical_not", "abs"):
            for x in (xf, xr, xt, x0, xz):
                job(op, [x])


def binary_jobs():
    for dtype in DTYPES:
        a, b = Arr(dtype, values(dtype, (3, 4))), Arr(dtype, values(dtype, (3, 4)))
        nz = Arr(dtype, values(dtype, (3, 4), nonzero=True))
        for op in BINARY:
            job(op, [a, nz if op in ("fmod", "remainder") else b])
        if dtype not in ("bool",):
            job("pow", [Arr(dtype, values(dtype, (3, 4), small=True)), Arr(dtype, values(dtype, (3, 4), small=True))])


def pattern_jobs():
    """Broadcasting patterns and layouts over a few dtypes and ops."""
    for dtype in ("f32", "i32", "f16", "bf16", "bool", "c64", "i64", "u8", "f64"):
        def A(shape, **kw):
            return Arr(dtype, values(dtype, shape, nonzero=True), **kw)
        pairs = [
            (A((3, 4)), A((4,))),
            (A((2, 1, 3)), A((4, 1))),
            (A(()), A((3,))),
            (A((3,)), A(())),
            (A(()), A(())),
            (A((0, 4)), A((4,))),
            (A((3, 4), fortran=True), A((3, 4))),
            (A((5, 4), views=[("[::-1]", rev)]), A((4,), views=[("[::-1]", rev)])),
            (A((4,), views=[("e3x4", lambda a: np.broadcast_to(a, (3, 4)))]), A((4, 3), views=[("T", lambda a: a.T)])),
            (A((1,), views=[("e5", lambda a: np.broadcast_to(a, (5,)))]),
             A((1,), views=[("e5", lambda a: np.broadcast_to(a, (5,)))])),
        ]
        for op in ("add", "mul", "lt", "maximum", "remainder", "logical_xor", "div", "eq"):
            for a, b in pairs:
                job(op, [a, b])
        for a, b in pairs[:3]:
            job("where", [Arr("bool", values("bool", a.numpy().shape)), a, b])


def big_jobs():
    """Enough elements for the threaded path, with and without conversions."""
    a = Arr("f32", values("f32", (300, 1000)))
    b = Arr("f32", values("f32", (1000,)))
    i = Arr("i32", values("i32", (300, 1000)))
    r = Arr("f64", values("f64", (1 << 18) + 77), views=[("[::-1]", rev)])
    job("add", [a, b])
    job("add", [i, b])
    job("mul", [i, Lit(2.5)])
    job("lt", [a, i])
    job("exp", [r])
    job("sub", [r, Lit(1)])
    job("cast", [a], dtype="f16")
    job("where", [Arr("u8", values("u8", (300, 1000))), i, Lit(-1.5)])


def promotion_jobs():
    """Every pair of dtypes, tensors with dims, 0-d tensors and number literals."""
    ops = {d: Arr(d, values(d, (2, 3), nonzero=True)) for d in DTYPES}
    zero = {d: Arr(d, values(d, (), nonzero=True)) for d in DTYPES}
    lits = [Lit(True), Lit(3), Lit(-2), Lit(2.5), Lit(complex(1, -2))]
    for da, db in itertools.product(DTYPES, DTYPES):
        if "f16" in (da, db) and ("c64" in (da, db) or "c128" in (da, db)):
            continue  # PyTorch computes in complex32, which tnsr lacks (it uses c64)
        for op in ("add", "div", "lt"):
            job(op, [ops[da], ops[db]])
        job("mul", [ops[da], zero[db]])
        job("maximum", [zero[da], ops[db]])
        job("where", [ops["bool"], ops[da], ops[db]])
    for d in DTYPES:
        for lit in lits:
            if d == "f16" and isinstance(lit.value, complex):
                continue
            for op in ("add", "sub", "mul", "div", "pow", "eq", "remainder"):
                job(op, [ops[d], lit])
            job("sub", [lit, ops[d]])
            job("pow", [lit, Arr(d, values(d, (2, 3), small=True))])
        for cond in ("u8", "f32", "c64", "i64"):
            job("where", [ops[cond], ops[d], Lit(-1)])
            job("where", [zero[cond], Lit(2.5), ops[d]])


def complex_special_jobs():
    """Infinite, NaN and zero parts through the complex ops that are exact.  (Not add and
    sub: PyTorch computes a + 1*b, and 1*(inf+0j) has a NaN part; tnsr adds the parts.
    Not a cast to bool: PyTorch looks at the real part only, tnsr_convert at both, as
    NumPy does.)"""
    parts = [0.0, -0.0, 1.5, float("inf"), float("-inf"), float("nan")]
    for d in ("c64", "c128"):
        z = np.array([complex(re, im) for re in parts for im in parts], dtype=NUMPY[d]).reshape(6, 6)
        a, b = Arr(d, z), Arr(d, z.T)
        for op in ("isnan", "isinf", "isfinite", "logical_not", "neg"):
            job(op, [a])
        for op in ("eq", "ne", "logical_and", "logical_or", "logical_xor"):
            job(op, [a, b])
        job("where", [Arr("bool", values("bool", (6, 6))), a, b])
        for to in ("f32", "f64", "c64", "c128"):
            job("cast", [a], dtype=to)


def clamp_cast_jobs():
    for d in DTYPES:
        x = Arr(d, values(d, (4, 5)))
        for kw in ({"min": -1}, {"max": 2}, {"min": -1, "max": 2}, {"min": 0.5}, {"min": -1.5, "max": 2.25},
                   {"min": 3, "max": -3}, {"min": 1000}, {"max": float("nan")}, {"min": 1e300},
                   {"min": -255}, {"max": -256}, {"max": 3.4e38}, {"min": 65504}, {"max": 65520}):
            job("clamp", [x], **kw)
        for to in DTYPES:
            job("cast", [x], dtype=to)


def integer_jobs():
    """Integer corner cases: wrapping, division by zero, the minimum divided by -1."""
    for d in ("i8", "i16", "i32", "i64", "u8"):
        info = np.iinfo(NUMPY[d])
        x = Arr(d, np.array([info.min, info.max, -1 if info.min else 0, 5], dtype=NUMPY[d]))
        job("add", [x, Lit(1)])
        job("sub", [x, Lit(1)])
        job("mul", [x, Lit(3)])
        job("neg", [x])
        job("abs", [x])
        job("square", [x])
        job("pow", [x, Lit(3)])
        job("pow", [x, Lit(-2)])
        job("remainder", [x, Lit(0)])
        job("fmod", [x, Arr(d, np.array([3, 0, 2, 1], dtype=NUMPY[d]))])
        job("div", [x, Arr(d, np.array([0, 0, 1, 0], dtype=NUMPY[d]))])


def check_minus_one():
    """x % -1 is 0 even for the minimum (PyTorch crashes there; C leaves it undefined)."""
    lines, outs = [], []
    for k, d in enumerate(("i8", "i16", "i32", "i64")):
        x = np.array([np.iinfo(NUMPY[d]).min, -7, 7], dtype=NUMPY[d])
        np.save(path(f"m{k}.npy"), x)
        for op in ("fmod", "remainder"):
            out = path(f"m{k}{op}.npy")
            lines.append(f"{op} {out} {path(f'm{k}.npy')} -1")
            outs.append((d, op, out))
    r = subprocess.run([APPLY], input="\n".join(lines) + "\n", capture_output=True, text=True)
    bad = [f"{d} {op}: {np.load(out) if os.path.exists(out) else r.stdout}" for d, op, out in outs
           if not os.path.exists(out) or np.load(out).tolist() != [0, 0, 0]]
    report(not bad, "fmod and remainder by -1 give 0, the minimum included", "\n".join(bad))


def check_unsigned():
    """u16, u32, u64 (absent from PyTorch 1.13) against NumPy's integer semantics."""
    lines, cases = [], []
    for k, d in enumerate(("u16", "u32", "u64")):
        info = np.iinfo(NUMPY[d])
        a = np.array([0, 1, 7, 100, info.max, info.max - 1, 12345 % int(info.max), 2], dtype=NUMPY[d])
        b = np.array([3, 5, 2, 9, 2, info.max, 1, 7], dtype=NUMPY[d])
        np.save(path(f"ua{k}.npy"), a)
        np.save(path(f"ub{k}.npy"), b)
        with np.errstate(all="ignore"):
            expect = {"add": a + b, "sub": a - b, "mul": a * b, "maximum": np.maximum(a, b),
                      "minimum": np.minimum(a, b), "lt": a < b, "eq": a == b, "fmod": np.fmod(a, b),
                      "remainder": np.remainder(a, b), "pow": np.power(a, b % 5)}
        for op, e in expect.items():
            other = path(f"ub{k}.npy")
            if op == "pow":
                np.save(path(f"up{k}.npy"), b % 5)
                other = path(f"up{k}.npy")
            cases.append((f"{d} {op}", e, 0))
            lines.append(f"{op} {path(f'uo{len(cases)}.npy')} {path(f'ua{k}.npy')} {other}")
        with np.errstate(all="ignore"):
            unary = {"neg": (-a).astype(a.dtype), "abs": a, "sign": np.sign(a), "square": a * a, "floor": a,
                     "relu": a, "logical_not": a == 0, "isnan": np.isnan(a.astype(np.float64)),
                     "sqrt": np.sqrt(a.astype(np.float32))}
        for op, e in unary.items():
            cases.append((f"{d} {op}", e, 1e-6 if op == "sqrt" else 0))
            lines.append(f"{op} {path(f'uo{len(cases)}.npy')} {path(f'ua{k}.npy')}")
        for other, e in (("i8", a.astype(np.int64) + 1), ("u8", a + np.uint8(1))):
            if d == "u64" and other == "i8":
                e = a.astype(np.float64) + 1  # NumPy: u64 with a signed integer is f64
            elif d == "u32" and other == "i8":
                e = e.astype(np.int64)
            elif d == "u16" and other == "i8":
                e = e.astype(np.int32)
            np.save(path(f"uc{k}{other}.npy"), np.ones(8, dtype=NUMPY[other]))
            cases.append((f"{d} + {other}", e, 0))
            lines.append(f"add {path(f'uo{len(cases)}.npy')} {path(f'ua{k}.npy')} {path(f'uc{k}{other}.npy')}")
    r = subprocess.run([APPLY], input="\n".join(lines) + "\n", capture_output=True, text=True)
    answers, bad = r.stdout.splitlines(), []
    for i, (label, e, rtol) in enumerate(cases):
        if i >= len(answers) or not answers[i].startswith("ok"):
            bad.append(f"{label}: {answers[i] if i < len(answers) else 'no answer'}")
            continue
        ok, detail = same(np.load(path(f"uo{i + 1}.npy")), e, rtol, 0)
        if not ok:
            bad.append(f"{label}: {detail}")
    report(not bad, f"u16/u32/u64: {len(cases)} cases agree with NumPy", "\n".join(bad))


def check_errors():
    """Messages and statuses of what cannot be computed."""
    a, c = path("e_a.npy"), path("e_c.npy")
    np.save(a, np.zeros((3, 4), np.float32))
    np.save(c, np.zeros(5, np.float32))
    np.save(path("e_b.npy"), np.array([True, False]))
    np.save(path("e_cb.npy"), np.ones((3, 4), bool))
    np.save(path("e_i.npy"), np.array([4, 5], np.int64))
    np.save(path("e_z.npy"), np.array([0, 5], np.int64))
    np.save(path("e_x.npy"), np.zeros(3, np.complex64))
    cases = [
        (f"add o {a} {c}", "err 6 add: shapes (3, 4) and (5,) cannot broadcast: 4 != 5 at dim -1"),
        (f"where o {path('e_cb.npy')} {a} {c}",
         "err 6 where: shapes (3, 4) and (5,) cannot broadcast: 4 != 5 at dim -1"),
        (f"sqrt o {path('e_b.npy')}", "err 7 sqrt: not defined for bool"),
        (f"sub o {path('e_b.npy')} 1", "err 7 sub: not defined for bool"),
        (f"neg o {path('e_b.npy')}", "err 7 neg: not defined for bool"),
        (f"lt o {path('e_x.npy')} 1", "err 7 lt: not defined for c64"),
        (f"floor o {path('e_x.npy')}", "err 7 floor: not defined for c64"),
        (f"softplus o {path('e_i.npy')}", "err 7 softplus: not defined for i64"),
        (f"remainder o {path('e_i.npy')} {path('e_z.npy')}", "err 8 remainder: integer division by zero"),
        (f"fmod o {path('e_i.npy')} 0", "err 8 fmod: integer division by zero"),
        (f"pow o {path('e_i.npy')} -2",
         "err 8 pow: integers to negative integer powers are not allowed (exponent -2)"),
        (f"clamp o {path('e_i.npy')}", "err 2 clamp: at least one of --min and --max is required"),
        (f"clamp o {path('e_x.npy')} --min 0.5", "err 7 clamp: not defined for c64"),
    ]
    np.save(path("e_i8.npy"), np.array([1], np.int8))
    cases.append((f"clamp o {path('e_i8.npy')} --min 1000",
                  "err 8 clamp: --min 1000 cannot be converted to i8 without overflow"))
    r = subprocess.run([APPLY], input="\n".join(c for c, _ in cases) + "\n", capture_output=True, text=True,
                       cwd=TMP)
    got = r.stdout.splitlines()
    bad = [f"{c}\n  got      {g!r}\n  expected {e!r}" for (c, e), g in zip(cases, got + [""] * len(cases)) if g != e]
    report(not bad, "error messages and statuses", "\n".join(bad))


# ---------------------------------------------------------------- tops

def tops_case(what, args, expect, stdin=None, rtol=0, atol=0):
    out = path("tops_out.npy")
    if os.path.exists(out):
        os.unlink(out)
    inp = open(stdin, "rb") if stdin else subprocess.DEVNULL
    r = subprocess.run([os.path.join(BIN, "tops")] + [str(a) for a in args] + ["-o", out], stdin=inp,
                       capture_output=True)
    if stdin:
        inp.close()
    if r.returncode != 0:
        return report(False, f"tops {what}", r.stderr.decode())
    ok, detail = same(np.load(out), expect, rtol, atol)
    return report(ok, f"tops {what}", detail)


def tops_error(what, args, status, message):
    r = run("tops", *args)
    ok = r.returncode == status and r.stderr.decode() == message + "\n"
    report(ok, f"tops {what}: exit {status}, one-line message",
           f"exit {r.returncode}, stderr {r.stderr.decode()!r}\nexpected {message!r}")


def check_tops():
    T = lambda a, d: torch.from_numpy(np.ascontiguousarray(a)).to(TORCH[d])  # noqa: E731
    x = values("f32", (3, 4))
    np.save(path("t_x.npy"), x)
    b = values("f32", (4,))
    np.save(path("t_b.npy"), b)
    i = np.arange(-5, 7, dtype=np.int64).reshape(3, 4)
    np.save(path("t_i.npy"), i)
    h = values("f16", (3, 4))
    np.save(path("t_h.npy"), h)
    np.save(path("t_i32.npy"), i.astype(np.int32))
    np.save(path("t_d0.npy"), np.array(0.1, np.float64))
    np.save(path("t_f3.npy"), np.array([1.5, 2.5, 3.5], np.float32))
    np.save(path("t_xf.npy"), np.asfortranarray(x))
    c = values("bool", (3, 4))
    np.save(path("t_c.npy"), c)

    tops_case("add a.npy b.npy", ["add", path("t_x.npy"), path("t_b.npy")], (T(x, "f32") + T(b, "f32")).numpy())
    tops_case("mul 2 < i64 (stdin)", ["mul", 2], (T(i, "i64") * 2).numpy(), stdin=path("t_i.npy"))
    tops_case("sub 10 x.npy is 10 - x", ["sub", 10, path("t_x.npy")], (10 - T(x, "f32")).numpy())
    tops_case("add 2.5 on i64 gives f32", ["add", 2.5], (T(i, "i64") + 2.5).numpy(), stdin=path("t_i.npy"))
    tops_case("add 2.5 on f16 gives f16", ["add", 2.5], (T(h, "f16") + 2.5).numpy(), stdin=path("t_h.npy"))
    tops_case("i32 + f64 0-d file gives f64", ["add", path("t_i32.npy"), path("t_d0.npy")],
              (T(i, "i32") + torch.tensor(0.1, dtype=torch.float64)).numpy())
    tops_case("f32[3] + f64 0-d file gives f32", ["add", path("t_f3.npy"), path("t_d0.npy")],
              (torch.tensor([1.5, 2.5, 3.5]) + torch.tensor(0.1, dtype=torch.float64)).numpy())
    tops_case("clamp --min -1 --max 1", ["clamp", path("t_x.npy"), "--min", -1, "--max", 1],
              torch.clamp(T(x, "f32"), min=-1, max=1).numpy())
    tops_case("where c a b", ["where", path("t_c.npy"), path("t_x.npy"), path("t_b.npy")],
              torch.where(T(c, "bool"), T(x, "f32"), T(b, "f32")).numpy())
    tops_case("cast x.npy f16", ["cast", path("t_x.npy"), "f16"], T(x, "f32").half().numpy())
    tops_case("Fortran-order input, exp", ["exp", path("t_xf.npy")], torch.exp(T(x, "f32")).numpy(), rtol=1e-6)
    tops_case("Fortran-order + C-order", ["add", path("t_xf.npy"), path("t_x.npy")], (T(x, "f32") * 2).numpy())
    tops_case("slice [::-1] then sigmoid", ["slice", path("t_x.npy"), "[::-1, ::-1]", "then", "sigmoid"],
              torch.sigmoid(T(x[::-1, ::-1], "f32")).numpy(), rtol=1e-6)
    xb = T(x, "f32").bfloat16()
    tops_case("bf16 via cast: sqrt", ["cast", path("t_x.npy"), "bf16", "then", "sqrt", "then", "cast", "f32"],
              torch.sqrt(xb).float().numpy())
    tops_case("bf16 via cast: mul 3", ["cast", path("t_x.npy"), "bf16", "then", "mul", 3, "then", "cast", "f32"],
              (xb * 3).float().numpy())
    tops_case("bf16 via cast: tanh", ["cast", path("t_x.npy"), "bf16", "then", "tanh", "then", "cast", "f32"],
              torch.tanh(xb).float().numpy(), rtol=8e-3)
    tops_case("a chain: mul 2 then add b then relu", ["mul", path("t_x.npy"), 2, "then", "add", path("t_b.npy"),
                                                      "then", "relu"],
              torch.relu(T(x, "f32") * 2 + T(b, "f32")).numpy())
    tops_case("b + x broadcasts the first operand", ["add", path("t_b.npy"), path("t_x.npy")],
              (T(b, "f32") + T(x, "f32")).numpy())

    np.save(path("t_c5.npy"), np.zeros(5, np.float32))
    np.save(path("t_bool.npy"), np.array([True, False]))
    tops_error("add with shapes that cannot broadcast", ["add", path("t_x.npy"), path("t_c5.npy")], 1,
               "tops: add: shapes (3, 4) and (5,) cannot broadcast: 4 != 5 at dim -1")
    tops_error("sqrt of a bool", ["sqrt", path("t_bool.npy")], 1, "tops: sqrt: not defined for bool")
    tops_error("floor of a bool", ["floor", path("t_bool.npy")], 1, "tops: floor: not defined for bool")
    tops_error("integer remainder by zero", ["remainder", path("t_i.npy"), 0], 1,
               "tops: remainder: integer division by zero")
    tops_error("integer to a negative power", ["pow", path("t_i.npy"), -2], 1,
               "tops: pow: integers to negative integer powers are not allowed (exponent -2)")


def check_tops_sweep():
    """Every op through tops (its streaming evaluator calls the kernels' contiguous form)
    over several dtypes."""
    failures, count = [], 0
    out = path("sweep.npy")
    for dtype in ("bool", "u8", "i32", "i64", "f16", "f32", "f64", "c64"):
        a = Arr(dtype, values(dtype, (3, 4)))
        b = Arr(dtype, values(dtype, (3, 4), nonzero=True))
        for op in UNARY + BINARY:
            operands = [a] if op in UNARY else [a, b]
            count += 1
            expect, error = reference(op, operands, {})
            if os.path.exists(out):
                os.unlink(out)
            r = run("tops", op, *[o.file for o in operands], "-o", out)
            err = r.stderr.decode()
            label = f"tops {op} {' '.join(map(repr, operands))}"
            if error is not None:
                if r.returncode != 1 or not err.startswith(f"tops: {op}: "):
                    failures.append(f"{label}: exit {r.returncode} {err!r}, torch raised {error}")
                continue
            if r.returncode != 0:
                failures.append(f"{label}: {err.strip()}")
                continue
            got = np.load(out)
            ok, detail = same(got, expect.numpy(), *tolerance(op, NAME[expect.dtype]))
            if not ok:
                failures.append(f"{label}: {detail}")
    report(not failures, f"tops: {count} op x dtype cases agree with torch",
           f"{len(failures)} differ:\n" + "\n".join(failures[:30]))


def main():
    if not report(os.access(APPLY, os.X_OK), "ew_apply helper built", APPLY):
        done()
    section("unary ops x 12 dtypes, layouts", unary_jobs)
    section("binary ops x 12 dtypes", binary_jobs)
    section("broadcasting patterns and views", pattern_jobs)
    section("large tensors (threads, chunked conversion)", big_jobs)
    section("promotion: dtype pairs, 0-d tensors, number literals", promotion_jobs)
    section("complex infinities, NaNs and zeros", complex_special_jobs)
    section("clamp and cast", clamp_cast_jobs)
    section("integer corner cases", integer_jobs)
    check_minus_one()
    check_unsigned()
    check_errors()
    check_tops()
    check_tops_sweep()
    done()


if __name__ == "__main__":
    main()
