"""Views and copies of libtnsr (tests/helpers/tview) against NumPy, as TAP.

Each case builds an array in NumPy (C order, Fortran order, reversed, sliced), saves it,
runs one libtnsr operation through tview, and compares dtype, shape and values with
NumPy's result of the same operation; views must stay views of the mapped file."""
import os
import subprocess
import sys
import tempfile

import numpy as np

TVIEW = os.path.join(os.environ["TNSR_TEST_BIN"], "tview")
rng = np.random.default_rng(7)
base = rng.standard_normal((4, 5, 6)).astype(np.float32)
inputs = {
    "c": base,
    "f": np.asfortranarray(base),
    "small": np.arange(12, dtype=np.int64).reshape(3, 4),
    "ones": np.arange(6, dtype=np.float64).reshape(1, 6, 1),
    "scalar": np.array(2.5, dtype=np.float32),
    "empty": np.zeros((0, 3), dtype=np.int32),
    "be": np.arange(6, dtype=">i4").reshape(2, 3),
}

SLICES = ["[:, 1]", "[1:-1, ::2]", "[..., 0]", "[None]", "[::-1]", "[::-2, 1:4, -1]",
          "[-1, -2, -3]", "[..., None, 1:]", "[3:0:-1, :, ::-3]", "[10:]", "[:-10]",
          "[2]", "[1, ...]", "[None, ..., None]", "[:, :, 5:1:-2]", "[0:0]", "[-100:100]",
          "[::3, None, ::-1]", "[...]", "[]", "[1:2, 2:3, 3:4]"]

cases = []
for s in SLICES:
    for name in ("c", "f"):
        cases.append((name, ["slice", s], lambda a, s=s: eval("a" + (s if s != "[]" else "[()]"))))
cases += [
    ("small", ["slice", "[-1]"], lambda a: a[-1]),
    ("small", ["slice", "[::-1, ::-1]"], lambda a: a[::-1, ::-1]),
    ("scalar", ["slice", "[None]"], lambda a: a[None]),
    ("scalar", ["slice", "[...]"], lambda a: a[...]),
    ("empty", ["slice", "[:, 1:]"], lambda a: a[:, 1:]),
    ("be", ["slice", "[::-1]"], lambda a: a[::-1]),
]
for name, shape in [("c", "20x6"), ("c", "-1"), ("c", "2,-1,3"), ("f", "120"), ("f", "6x20"),
                    ("small", "4x3"), ("scalar", "1x1"), ("empty", "3x0"), ("empty", "-1x3"), ("ones", "6")]:
    dims = tuple(int(d) for d in shape.replace(",", "x").split("x"))
    cases.append((name, ["reshape", shape], lambda a, d=dims: a.reshape(d)))
cases += [
    ("c", ["transpose", "0", "2"], lambda a: a.swapaxes(0, 2)),
    ("c", ["transpose", "-1", "-2"], lambda a: a.swapaxes(-1, -2)),
    ("f", ["permute", "2,0,1"], lambda a: a.transpose(2, 0, 1)),
    ("c", ["permute", "-1,1,0"], lambda a: a.transpose(2, 1, 0)),
    ("ones", ["expand", "3x6x4"], lambda a: np.broadcast_to(a, (3, 6, 4))),
    ("ones", ["expand", "2x1x6x-1"], lambda a: np.broadcast_to(a, (2, 1, 6, 1))),
    ("scalar", ["expand", "2x3"], lambda a: np.broadcast_to(a, (2, 3))),
    ("ones", ["squeeze"], lambda a: a.squeeze()),
    ("ones", ["squeeze", "0"], lambda a: a.squeeze(0)),
    ("ones", ["squeeze", "1"], lambda a: a),  # a dim of size 6 is left alone, as in PyTorch
    ("ones", ["squeeze", "-1"], lambda a: a.squeeze(-1)),
    ("small", ["unsqueeze", "0"], lambda a: a[None]),
    ("small", ["unsqueeze", "-1"], lambda a: a[..., None]),
    ("small", ["unsqueeze", "1"], lambda a: a[:, None]),
    ("f", ["contiguous"], lambda a: np.ascontiguousarray(a)),
    ("be", ["contiguous"], lambda a: a.astype("<i4")),
]
for dt in ["f64", "f16", "i8", "u8", "bool", "c64", "i64"]:
    npdt = {"f64": "f8", "f16": "f2", "i8": "i1", "u8": "u1", "bool": "?", "c64": "c8", "i64": "i8"}[dt]
    cases.append(("small", ["cast", dt], lambda a, t=npdt: a.astype(t)))
    cases.append(("f", ["cast", dt], lambda a, t=npdt: (a * 10).astype(t) if t[0] in "iu?" else a.astype(t)))

# Errors: each must fail with one line, naming the problem.
errors = [
    ("small", ["slice", "[5]"], "out of bounds"),
    ("small", ["slice", "[1, 2, 3]"], "too many indices"),
    ("small", ["slice", "[..., ...]"], "single ellipsis"),
    ("small", ["slice", "[::0]"], "step cannot be zero"),
    ("small", ["slice", "[1:2"], "expected ']'"),
    ("small", ["reshape", "5x-1"], "invalid for input"),
    ("small", ["reshape", "2x2"], "invalid for input"),
    ("small", ["transpose", "0", "2"], "out of range"),
    ("small", ["permute", "0,0"], "repeated"),
    ("small", ["expand", "5x4"], "must match"),
    ("small", ["unsqueeze", "3"], "out of range"),
]

tmp = tempfile.mkdtemp()
for name, a in inputs.items():
    np.save(os.path.join(tmp, name + ".npy"), a)

n = 0
failed = 0


def report(ok, what, detail=""):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - {what}")
    if not ok:
        failed += 1
        for line in str(detail).splitlines():
            print("#   " + line)


for name, args, fn in cases:
    src = os.path.join(tmp, name + ".npy")
    out = os.path.join(tmp, "out.npy")
    if os.path.exists(out):
        os.unlink(out)
    # The "f" case with integer casts scales the input to see truncation.
    if args[0] == "cast" and name == "f" and args[1] in ("i8", "u8", "bool", "i64"):
        scaled = os.path.join(tmp, "f10.npy")
        np.save(scaled, np.asfortranarray(inputs["f"] * 10))
        src = scaled
        fn = (lambda t: (lambda a: a.astype(t)))({"i8": "i1", "u8": "u1", "bool": "?", "i64": "i8"}[args[1]])
        expect = fn(np.load(scaled))
    else:
        expect = fn(inputs[name])
    r = subprocess.run([TVIEW, src, out] + args, capture_output=True, text=True)
    what = f"{args[0]} {' '.join(args[1:])} of {name}"
    if r.returncode != 0:
        report(False, what, r.stderr)
        continue
    got = np.load(out)
    ok = got.dtype == expect.dtype.newbyteorder("=") and got.shape == expect.shape and \
        np.array_equal(got, expect, equal_nan=True)
    # Shape-only operations of a mapped, native-endian file must stay views.
    must_view = args[0] in ("slice", "transpose", "permute", "expand", "squeeze", "unsqueeze") and name != "be"
    if must_view and r.stdout.strip() != "view":
        ok = False
    report(ok, what, f"got {got.dtype} {got.shape} ({r.stdout.strip()})\n{got}\nexpected {expect.dtype} {expect.shape}\n{expect}")

for name, args, fragment in errors:
    r = subprocess.run([TVIEW, os.path.join(tmp, name + ".npy"), os.path.join(tmp, "err.npy")] + args,
                       capture_output=True, text=True)
    lines = r.stderr.strip().splitlines()
    ok = r.returncode == 1 and len(lines) == 1 and fragment in lines[0] and \
        not os.path.exists(os.path.join(tmp, "err.npy"))
    report(ok, f"error: {args[0]} {' '.join(args[1:])} of {name}", r.stderr)

print(f"1..{n}")
sys.exit(1 if failed else 0)
