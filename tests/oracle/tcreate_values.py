"""tcreate_values.py: checks tcreate's deterministic generators (--zeros, --ones, --full,
--eye, literals) against PyTorch: same dtype, shape and bytes for every case, and an exit
status of 2 with one line on stderr wherever PyTorch raises.  Cases are the cross product
of values and dtypes.  The random generators are checked for dtype, shape and refusals
(their values come from a different generator than PyTorch's).

usage: tcreate_values.py    (tcreate is found on PATH)
Prints one line per mismatch and exits 1 if there was any."""
import io
import math
import subprocess
import sys

import numpy as np
import torch

DTYPES = {
    "bool": torch.bool, "i8": torch.int8, "i16": torch.int16, "i32": torch.int32, "i64": torch.int64,
    "u8": torch.uint8, "f16": torch.float16, "f32": torch.float32, "f64": torch.float64,
    "c64": torch.complex64, "c128": torch.complex128,
}
NAMES = {"nan": math.nan, "inf": math.inf, "True": True, "False": False}

failures = 0
count = 0


def fail(args, why):
    global failures
    failures += 1
    print(f"tcreate {' '.join(args)}: {why}")


def check(args, make, compare_bytes=True):
    """Runs tcreate ARGS and compares it with MAKE(), a torch tensor (or an exception)."""
    global count
    count += 1
    out = subprocess.run(["tcreate"] + args, capture_output=True)
    try:
        expected = make()
    except Exception as e:  # torch refuses: tcreate must refuse, as a usage error
        if out.returncode != 2:
            fail(args, f"status {out.returncode}, expected 2 as torch raises {type(e).__name__}: {e}")
        elif out.stderr.decode().count("\n") != 1:
            fail(args, f"expected one line on stderr, got {out.stderr!r}")
        return
    if out.returncode != 0:
        fail(args, f"failed ({out.stderr.decode().strip()}) where torch gives {expected!r}")
        return
    got = np.load(io.BytesIO(out.stdout))
    want = expected.numpy()
    if got.dtype != want.dtype or got.shape != want.shape:
        fail(args, f"{got.dtype}{got.shape}, expected {want.dtype}{want.shape}")
    elif compare_bytes and got.tobytes() != want.tobytes():
        fail(args, f"values {got.ravel()[:6]!r}, expected {want.ravel()[:6]!r}")


def dtype_kw(d):
    return {"dtype": DTYPES[d]} if d else {}


def dtype_args(d):
    return ["--dtype", d] if d else []


def main():
    all_dtypes = [None] + list(DTYPES)
    for d in all_dtypes:
        for shape, torch_shape in (("2x3", (2, 3)), ("()", ()), ("0x5", (0, 5)), ("4", (4,))):
            check(["--zeros", shape] + dtype_args(d), lambda: torch.zeros(torch_shape, **dtype_kw(d)))
            check(["--ones", shape] + dtype_args(d), lambda: torch.ones(torch_shape, **dtype_kw(d)))
        for spec, nm in (("3", (3, 3)), ("3x5", (3, 5)), ("4x2", (4, 2)), ("0", (0, 0)), ("2x0", (2, 0))):
            check(["--eye", spec] + dtype_args(d), lambda: torch.eye(*nm, **dtype_kw(d)))

    values = ["34", "3.5", "True", "False", "1+2j", "2j", "3+0j", "-1", "2.7", "-2.7", "300", "-0.5",
              "-1.0", "1e10", "nan", "inf", "-inf", "70000", "70000.", "65504", "65519", "1e300",
              "0", "-0.0", "255", "-255", "-256", "127.9", "-128.5", "2147483647", "2147483648",
              "9223372036854775807", "-9223372036854775808", "3.4028235e38", "0.1"]
    for v in values:
        py = eval(v, {}, NAMES)
        for d in all_dtypes:
            check(["--full", "2", "--value", v] + dtype_args(d), lambda: torch.full((2,), py, **dtype_kw(d)))

    literals = ["[[1,2],[3,4.]]", "4.", "[True, False]", "[]", "[[], []]", "[[[]]]", "[-1, 2]",
                "[1e-3, -2.5E+2, .5, 5.]", "[nan, inf, -inf]", "[1+2j, 2j, -2j, 3, -1-1j]", "[True, 1]",
                "[True, 1.5]", "[True, 1j]", "True", "-3", "2j", "[[[1]], [[2]]]", "[1, 2,]",
                " [ 1 , 2 ] ", "-9223372036854775808", "9223372036854775807", "[0.1, 0.2, 0.3]",
                "[1e300]", "[1e-46]", "[-0.0]", "[300]", "[-1]", "[-256]", "[1.5, -0.5]", "[2.5]",
                "[65519.0]", "[70000]", "[2147483648]", "[[1, 2], [3, 4], [5, 6]]",
                "[[1.5, 2], [True, 4]]", "[1 + 2j]", "[16777217]", "[16777217.0]", "[1e39]",
                "[9007199254740993]", "[0.1+0.2j]"]
    for lit in literals:
        py = eval(lit.strip(), {}, NAMES)
        for d in all_dtypes:
            check([lit] + dtype_args(d), lambda: torch.tensor(py, **dtype_kw(d)))
    for d in all_dtypes:
        for rng, lo, hi in ((None, 0, 1), ("-3,3", -3, 3), ("2,1", 2, 1), ("2,2", 2, 2), ("0,1e39", 0, 1e39),
                            ("-3e38,3e38", -3e38, 3e38), ("0,1e5", 0, 1e5), ("0,inf", 0, math.inf)):
            extra = ["--range", rng] if rng else []
            check(["--rand", "3x2"] + extra + dtype_args(d),
                  lambda: torch.empty(3, 2, **dtype_kw(d)).uniform_(lo, hi), compare_bytes=False)
        for mean, std in (("0", "1"), ("-2", "0.5"), ("0", "0"), ("0", "-1"), ("1", "nan"), ("nan", "1")):
            check(["--randn", "4", "--mean", mean, "--std", std] + dtype_args(d),
                  lambda: torch.empty(4, **dtype_kw(d)).normal_(float(mean), float(std)), compare_bytes=False)
        for lo, hi in ((0, 3), (-5, 2), (5, 3), (3, 3), (0, 2), (0, 256), (-128, 128), (0, 300), (-129, 0),
                       (-2**11, 2**11 + 1), (-2**24, 2**24 + 1)):
            check(["--randint", "5", "--range", f"{lo},{hi}"] + dtype_args(d),
                  lambda: torch.randint(lo, hi, (5,), **dtype_kw(d)), compare_bytes=False)
        check(["--randint", "2x2", "--range", "7"] + dtype_args(d), lambda: torch.randint(7, (2, 2), **dtype_kw(d)),
              compare_bytes=False)
    print(f"{count} cases, {failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
