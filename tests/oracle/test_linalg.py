"""matmul, linear, allclose and equal through `tops`, against PyTorch (NumPy where PyTorch
lacks the dtype), as TAP.

matmul runs in every form (1-D dot, 1-D promotion on either side, 2-D, batched, broadcast
batch dims, zero-size dims) for several dtypes, with operands in C order, Fortran order,
as a transposed view and as a reversed (negative-stride) view.  Values must agree with
PyTorch within rtol 1e-5 (f32) / 1e-12 (f64), exactly for integers (wraparound included),
and the result dtype must be torch.promote_types of the operands."""
import numpy as np
import torch
import torch.nn.functional as F

from tap import done, report, run, same, save, tool_result

rng = np.random.default_rng(11)
TOL = {"float32": (1e-5, 1e-5), "float64": (1e-12, 1e-12), "complex64": (1e-5, 1e-5),
       "complex128": (1e-12, 1e-12), "float16": (2e-3, 2e-3)}


def make(shape, dtype):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = (max(info.min, -1000), min(info.max, 1000)) if dt.itemsize > 1 else (info.min, info.max)
        return rng.integers(lo, hi, shape, endpoint=True).astype(dt)
    if dt.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dt)
    if dt.kind == "b":
        return rng.integers(0, 2, shape).astype(bool)
    return rng.standard_normal(shape).astype(dt)


def ref_matmul(a, b):
    """PyTorch's product in the promoted dtype; f16 (which torch refuses on the CPU) as the
    f32 product rounded once, unsigned dtypes torch lacks by NumPy (same-dtype pairs)."""
    if a.dtype.kind == "u" and a.dtype != np.uint8:
        return np.matmul(a, b)
    ta, tb = torch.from_numpy(a.copy(order="C")), torch.from_numpy(b.copy(order="C"))
    r = torch.promote_types(ta.dtype, tb.dtype)
    if r == torch.float16:
        return torch.matmul(ta.float(), tb.float()).half().numpy()
    if r.is_complex:  # torch 1.13's complex dot of strided vectors is wrong; NumPy is not
        return np.matmul(a.astype(np.result_type(a, b)), b.astype(np.result_type(a, b)))
    return torch.matmul(ta.to(r), tb.to(r)).numpy()


def check(what, got, expect, err=""):
    expect = np.asarray(expect)
    rtol, atol = TOL.get(expect.dtype.name, (0, 0))
    ok, detail = same(got, expect, rtol=rtol, atol=atol)
    report(ok, what, detail or err)


FORMS = [((5,), (5,)), ((5,), (5, 3)), ((4, 5), (5,)), ((4, 5), (5, 3)), ((2, 4, 5), (5, 3)),
         ((4, 5), (2, 5, 3)), ((2, 1, 3, 4), (5, 4, 2)), ((3, 4, 5), (3, 5, 2)), ((7,), (2, 7, 3)),
         ((2, 3, 7), (7,)), ((1, 5), (5, 1)), ((6, 1), (1, 4)), ((3, 1, 4, 5), (1, 2, 5, 1)),
         ((0, 5), (5, 3)), ((4, 0), (0, 3)), ((4, 5), (5, 0)), ((2, 0, 3, 4), (4, 5)), ((0,), (0,))]

# Every form in f32 and f64 in every layout of the left operand; the other dtypes in C
# order and one other layout each.
for dtype in ["float32", "float64", "complex64", "int64", "int32", "float16", "int8", "uint8", "uint32"]:
    for sa, sb in FORMS:
        a, b = make(sa, dtype), make(sb, dtype)
        pa, pb = save("a", a), save("b", b)
        name = f"matmul {dtype} {sa} @ {sb}"
        got, err = tool_result("tops", "matmul", pa, pb)
        check(name, got, ref_matmul(a, b), err)
        if len(sa) < 2 or 0 in sa:
            continue
        layouts = ["fortran", "transposed", "reversed"] if dtype in ("float32", "float64") else \
            [["fortran", "transposed", "reversed"][len(sa) % 3]]
        for layout in layouts:
            if layout == "fortran":
                got, err = tool_result("tops", "matmul", save("af", np.asfortranarray(a)), pb)
                expect = ref_matmul(a, b)
            elif layout == "transposed":  # a view whose last two dims are column-major
                at = np.ascontiguousarray(np.swapaxes(a, -1, -2))
                got, err = tool_result("tops", "transpose", save("at", at), "then", "matmul", pb)
                expect = ref_matmul(a, b)
            else:
                got, err = tool_result("tops", "slice", pa, "[..., ::-1, ::-1]", "then", "matmul",
                                       save("b2", b[..., ::-1, :] if len(sb) > 1 else b[::-1]))
                expect = ref_matmul(a[..., ::-1, ::-1], b[..., ::-1, :] if len(sb) > 1 else b[::-1])
            check(f"{name}, left operand {layout}", got, expect, err)

# The right operand with negative strides and in Fortran order.
a, b = make((4, 6), "float32"), make((6, 5), "float32")
got, err = tool_result("tops", "matmul", save("a", a), save("bf", np.asfortranarray(b)))
check("matmul f32 with a Fortran-order right operand", got, ref_matmul(a, b), err)
# (B[::-1].T @ A.T).T == A @ B[::-1]: the reversed operand reaches the right side of BLAS.
got, err = tool_result("tops", "slice", save("b", b), "[::-1]", "then", "transpose", "then", "matmul",
                       save("at", np.ascontiguousarray(a.T)), "then", "transpose")
check("matmul f32 with a reversed operand, through transposes", got, ref_matmul(a, b[::-1]), err)
# Batch dims broadcast from an expanded (stride 0) operand.
a, b = make((1, 3, 4), "float64"), make((5, 4, 2), "float64")
got, err = tool_result("tops", "expand", save("a", a), "5x3x4", "then", "matmul", save("b", b))
check("matmul f64 with an expanded (stride-0) batch", got, ref_matmul(np.broadcast_to(a, (5, 3, 4)), b), err)

# Mixed dtypes: the result dtype is torch.promote_types (torch itself refuses mixed matmul).
for da, db in [("float32", "float64"), ("int32", "float32"), ("int64", "int8"), ("uint8", "int8"),
               ("int16", "float16"), ("float32", "complex64"), ("bool", "float32"), ("bool", "int32")]:
    a, b = make((3, 4), da), make((4, 2), db)
    got, err = tool_result("tops", "matmul", save("a", a), save("b", b))
    check(f"matmul {da} @ {db} promotes", got, ref_matmul(a, b), err)

# Integer products wrap around as PyTorch's do.
a = np.full((2, 64), 100, np.int8)
got, err = tool_result("tops", "matmul", save("a", a), save("b", a.T.copy()))
check("matmul i8 wraps around", got, ref_matmul(a, a.T.copy()), err)
a = np.full((2, 3), 2**40, np.int64)
got, err = tool_result("tops", "matmul", save("a", a), save("b", a.T.copy()))
check("matmul i64 wraps around", got, ref_matmul(a, a.T.copy()), err)

# A product big enough for BLAS's threads and the integer kernel's tiles and threads.
for dtype in ["float32", "int32"]:
    a, b = make((300, 700), dtype), make((700, 600), dtype)
    got, err = tool_result("tops", "matmul", save("a", a), save("b", b))
    check(f"matmul {dtype} (300, 700) @ (700, 600)", got, ref_matmul(a, b), err)
a, b = make((2, 1000, 64), "int16"), make((64, 300), "int16")
got, err = tool_result("tops", "matmul", save("a", a), save("b", b))
check("matmul i16 (2, 1000, 64) @ (64, 300)", got, ref_matmul(a, b), err)


def expect_error(what, args, message):
    r = run("tops", *args)
    err = r.stderr.decode()
    report(r.returncode == 1 and err == f"tops: {message}\n", what,
           f"status {r.returncode}, stderr {err!r}, expected {message!r}")


expect_error("matmul: inner dims that differ",
             ["matmul", save("w", make((64, 784), "float32")), save("x", make((10, 784), "float32"))],
             "matmul: shapes (64, 784) and (10, 784) not aligned: 784 (dim 1) != 10 (dim 0)")
expect_error("matmul: vectors of different lengths",
             ["matmul", save("a", make((3,), "float32")), save("b", make((4,), "float32"))],
             "matmul: shapes (3,) and (4,) not aligned: 3 (dim 0) != 4 (dim 0)")
expect_error("matmul: batch dims that do not broadcast",
             ["matmul", save("a", make((2, 3, 4), "float32")), save("b", make((3, 5, 4, 2), "float32"))],
             "matmul: shapes (2, 3, 4) and (3, 5, 4, 2) cannot broadcast batch dims: 2 (dim 0) != 5 (dim 1)")
expect_error("matmul: a 0-d operand",
             ["matmul", save("a", np.float32(2)), save("b", make((3, 4), "float32"))],
             "matmul: shapes () and (3, 4): both operands need at least 1 dim")
expect_error("matmul: bool, as PyTorch",
             ["matmul", save("a", make((2, 3), "bool")), save("b", make((3, 2), "bool"))],
             "matmul: not defined for bool (as in PyTorch; cast to an integer or float dtype)")

# linear: X @ W.T + bias, against torch.nn.functional.linear.
for dtype in ["float32", "float64", "int64"]:
    for sx, sw, sbias in [((4, 3), (2, 3), (2,)), ((4, 3), (2, 3), None), ((3,), (2, 3), (2,)),
                          ((5, 4, 3), (2, 3), (2,)), ((4, 3), (3,), None), ((4, 3), (2, 3), (4, 1)),
                          ((4, 3), (2, 3), ()), ((0, 3), (2, 3), (2,)), ((4, 0), (2, 0), (2,))]:
        x, w = make(sx, dtype), make(sw, dtype)
        args = ["linear", save("x", x), save("w", w)]
        tb = None
        if sbias is not None:
            bias = make(sbias, dtype)
            args += ["--bias", save("bias", bias)]
            tb = torch.from_numpy(np.asarray(bias))
        if len(sw) == 1:  # torch.nn.functional.linear takes a 1-D weight only without bias
            expect = torch.from_numpy(x) @ torch.from_numpy(w)
        else:
            expect = F.linear(torch.from_numpy(x), torch.from_numpy(w), tb)
        got, err = tool_result("tops", *args)
        check(f"linear {dtype} x{sx} w{sw} bias {sbias}", got, expect.numpy(), err)
x, w, bias = make((6, 5), "float32"), make((4, 5), "float32"), make((4,), "float32")
got, err = tool_result("tops", "linear", save("xf", np.asfortranarray(x)), save("w", w), "--bias", save("bias", bias))
check("linear f32 with a Fortran-order input", got, F.linear(*map(torch.from_numpy, (x, w, bias))).numpy(), err)
x16, w16 = make((6, 5), "float16"), make((4, 5), "float16")
got, err = tool_result("tops", "linear", save("x", x16), save("w", w16), "--bias", save("bias", bias.astype(np.float16)))
check("linear f16: the f32 result rounded once", got,
      F.linear(*(torch.from_numpy(v).float() for v in (x16, w16, bias.astype(np.float16)))).half().numpy(), err)
expect_error("linear: weight of another width",
             ["linear", save("x", make((3, 784), "float32")), save("w", make((10, 783), "float32"))],
             "linear: input (3, 784) and weight (10, 783) not aligned: 784 (dim 1) != 783 (dim 1)")
expect_error("linear: bias of another size",
             ["linear", save("x", make((4, 3), "float32")), save("w", make((2, 3), "float32")), "--bias",
              save("bias", make((3,), "float32"))],
             "linear: bias of shape (3,) cannot broadcast to the output's shape (4, 2): 3 != 2 at dim -1")
expect_error("linear: a 3-d weight",
             ["linear", save("x", make((4, 3), "float32")), save("w", make((1, 2, 3), "float32"))],
             "linear: weight of shape (1, 2, 3) (expected (out_features, in_features) or (in_features,))")


# allclose and equal: exit status 0 when they hold, 1 when not; the differences on stdout.
def check_tool(what, args, status, abs_diff, rel_diff):
    r = run("tops", *args)
    out = r.stdout.decode()
    ok = r.returncode == status and r.stderr == b""
    try:
        words = out.replace(",", "").split()
        got = (float(words[3]), float(words[7]))
        ok = ok and np.allclose(got, (abs_diff, rel_diff), rtol=1e-5, equal_nan=True)
    except (IndexError, ValueError):
        ok = False
    report(ok, what, f"status {r.returncode} (expected {status}), stdout {out!r}, stderr {r.stderr.decode()!r}, "
           f"expected diffs {abs_diff:.6g} {rel_diff:.6g}")


def diffs(a, b, equal_nan=False):
    """Max |a - b| and |a - b| / |b| in f64, 0 for equal pairs (and NaN pairs with equal_nan)."""
    a, b = np.broadcast_arrays(np.asarray(a, np.complex128), np.asarray(b, np.complex128))
    eq = (a == b) | (equal_nan & np.isnan(a) & np.isnan(b))
    with np.errstate(all="ignore"):
        d = np.where(eq, 0, np.abs(a - b))
        rel = np.where(eq, 0, d / np.abs(b))
    return (d.max() if d.size else 0.0), (rel.max() if rel.size else 0.0)


x = make((50, 40), "float32")
cases = [
    ("identical f32", x, x, [], True),
    ("within the default rtol", x, x * np.float32(1 + 3e-6), [], True),
    ("beyond the default rtol", x, x * np.float32(1 + 1e-4), [], False),
    ("within --rtol 1e-3", x, x * np.float32(1 + 1e-4), ["--rtol", "1e-3"], True),
    ("within --atol 0.1", x, x + np.float32(0.05), ["--atol", "0.1"], True),
    ("broadcast (3, 1) and (1, 4)", np.zeros((3, 1), np.float32), np.zeros((1, 4), np.float32), [], True),
    ("broadcast (2, 2) and (2, 1, 1)", np.ones((2, 2)), np.ones((2, 1, 1)), [], True),
    ("f32 and f64, promoted", x, x.astype(np.float64), [], True),
    ("i64 and f32, compared in f32", np.array([16777217]), np.array([16777216], np.float32), [], True),
    ("integers that differ", np.array([1, 2]), np.array([1, 3]), [], False),
    ("integers within --rtol 0.5", np.array([1, 2]), np.array([1, 3]), ["--rtol", "0.5"], True),
    ("inf equals inf", np.array([np.inf, -np.inf, 1]), np.array([np.inf, -np.inf, 1]), [], True),
    ("inf and -inf", np.array([np.inf]), np.array([-np.inf]), [], False),
    ("inf and a large number", np.array([np.inf]), np.array([1e308]), ["--rtol", "1"], False),
    ("NaN is not close to NaN", np.array([np.nan, 1]), np.array([np.nan, 1]), [], False),
    ("NaN with --equal-nan", np.array([np.nan, 1]), np.array([np.nan, 1]), ["--equal-nan"], True),
    ("NaN against a number, --equal-nan", np.array([np.nan]), np.array([1.0]), ["--equal-nan"], False),
    ("complex", np.array([1 + 1j, 2]), np.array([1 + 1j, 2 + 1e-9j]), [], True),
    ("complex beyond rtol", np.array([1 + 1j]), np.array([1 + 1.1j]), [], False),
    ("bool", np.array([True, False]), np.array([True, False]), [], True),
    ("zero-size", np.zeros((0, 3)), np.zeros((0, 3)), [], True),
    ("0-d", np.float32(1), np.float32(1.5), ["--atol", "1"], True),
]
def tolerances(opts):
    kw = dict(rtol=1e-5, atol=1e-8, equal_nan=False)
    i = 0
    while i < len(opts):
        if opts[i] == "--equal-nan":
            kw["equal_nan"] = True
            i += 1
        else:
            kw[opts[i][2:]] = float(opts[i + 1])
            i += 2
    return kw


for what, a, b, opts, holds in cases:
    ta, tb = torch.from_numpy(np.asarray(a)), torch.from_numpy(np.asarray(b))
    r = torch.promote_types(ta.dtype, tb.dtype)
    report(torch.allclose(ta.to(r), tb.to(r), **tolerances(opts)) == holds,
           f"allclose {what}: torch agrees the case {'holds' if holds else 'fails'}")
    d = diffs(ta.to(r).numpy(), tb.to(r).numpy(), "--equal-nan" in opts)  # in the promoted dtype
    check_tool(f"allclose {what}", ["allclose", save("a", np.asarray(a)), save("b", np.asarray(b))] + opts,
               0 if holds else 1, *d)

# torch.equal: same shape and values, NaN never equal, dtypes promoted.
for what, a, b, holds in [
        ("identical", x, x, True), ("one value differs", x, np.where(x == x[0, 0], x + 1, x), False),
        ("different shapes", np.zeros(3), np.zeros(1), False), ("broadcastable is not equal", np.zeros((2, 3)),
                                                                np.zeros(3), False),
        ("f32 and i64", np.zeros(3, np.float32), np.zeros(3, np.int64), True),
        ("bool and i64", np.array([True]), np.array([1]), True),
        ("NaN", np.array([np.nan]), np.array([np.nan]), False), ("inf", np.array([np.inf]), np.array([np.inf]), True),
        ("Fortran order against C order", np.asfortranarray(x), x, True)]:
    ta, tb = (torch.from_numpy(np.ascontiguousarray(v)) for v in (a, b))
    report(torch.equal(ta, tb) == holds, f"equal {what}: torch agrees")
    same_shape = np.shape(a) == np.shape(b)
    d = diffs(a, b) if same_shape else (np.nan, np.nan)
    check_tool(f"equal {what}", ["equal", save("a", a), save("b", b)], 0 if holds else 1, *d)

# tops slice '[::-1]' then allclose: a reversed view compares element by element.
check_tool("allclose of a reversed view", ["slice", save("a", x), "[::-1]", "then", "allclose", save("b", x[::-1])],
           0, 0, 0)
r = run("tops", "allclose", save("a", x), save("b", x), "--rtol", "-1")
report(r.returncode == 1 and b"rtol -1 is negative" in r.stderr, "allclose: a negative rtol is refused", r.stderr)
done()
