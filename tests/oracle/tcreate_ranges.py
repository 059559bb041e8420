"""tcreate_ranges.py: checks tcreate --arange and --linspace against torch.arange and
torch.linspace bit for bit, over fixed cases and random ones drawn with a fixed seed.

usage: tcreate_ranges.py [N_RANDOM]    (tcreate is found on PATH)
Prints one line per mismatch and exits 1 if there was any."""
import math
import random
import subprocess
import sys

import numpy as np
import torch

torch.set_num_threads(1)  # one kernel piece: the layout tcreate reproduces

DTYPES = {
    "bool": torch.bool,
    "f32": torch.float32, "f64": torch.float64, "f16": torch.float16, "bf16": torch.bfloat16,
    "i64": torch.int64, "i32": torch.int32, "i16": torch.int16, "i8": torch.int8, "u8": torch.uint8,
    "c64": torch.complex64, "c128": torch.complex128,
}


def tcreate(args):
    """(stdout, None) on success, (None, (status, stderr)) on failure."""
    out = subprocess.run(["tcreate"] + args, capture_output=True)
    if out.returncode != 0:
        return None, (out.returncode, out.stderr.decode())
    return out.stdout, None


def as_bytes(t):
    """The raw little-endian bytes of a torch tensor (bf16 as its 16-bit pattern)."""
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def npy_payload(data):
    """(dtype str, shape, raw bytes) of an .npy image, read by hand so bf16 would pass too."""
    import io
    a = np.load(io.BytesIO(data))
    return str(a.dtype), a.shape, a.tobytes()


failures = 0


def check(args, make):
    """Runs tcreate ARGS and compares with MAKE() (torch); when torch refuses, so must tcreate."""
    global failures
    data, err = tcreate(args)
    try:
        expected = make()
    except RuntimeError as e:
        if data is not None or err[0] != 2 or err[1].count("\n") != 1:
            failures += 1
            print(f"tcreate {' '.join(args)}: {err!r}, expected status 2 and one line as torch fails ({e})")
        return
    if data is None:
        failures += 1
        print(f"tcreate {' '.join(args)}: failed: {err}")
        return
    if expected.dtype == torch.bfloat16:
        return  # .npy cannot hold bf16; the f16 path covers the same kernel shape
    dtype, shape, raw = npy_payload(data)
    want = as_bytes(expected)
    if tuple(shape) != tuple(expected.shape) or dtype != str(expected.numpy().dtype) or raw != want:
        failures += 1
        got = np.frombuffer(raw, dtype=expected.numpy().dtype) if len(raw) == len(want) else raw
        bad = np.nonzero(got != expected.numpy())[0][:8] if len(raw) == len(want) else "size differs"
        print(f"tcreate {' '.join(args)}: differs from torch ({dtype} {shape} vs {expected.dtype} "
              f"{tuple(expected.shape)}); first differing indices {bad}")


def num(x):
    return repr(x) if isinstance(x, float) else str(x)


def arange_case(start, stop, step, dname=None):
    args = ["--arange", f"{num(start)},{num(stop)},{num(step)}"]
    kw = {}
    if dname:
        args += ["--dtype", dname]
        kw["dtype"] = DTYPES[dname]
    check(args, lambda: torch.arange(start, stop, step, **kw))


def linspace_case(start, stop, n, dname=None):
    args = ["--linspace", f"{num(start)},{num(stop)},{n}"]
    kw = {}
    if dname:
        args += ["--dtype", dname]
        kw["dtype"] = DTYPES[dname]
    check(args, lambda: torch.linspace(start, stop, n, **kw))


def main():
    n_random = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    # Fixed cases: vector blocks, scalar tails, both halves of linspace.
    for dname in (None, "f64", "f16", "i64", "i32", "u8"):
        arange_case(0, 10, 1, dname)
        arange_case(1, 100, 3, dname)
    for dname in (None, "f64", "f16"):
        arange_case(0.0, 1.0, 0.1, dname)
        arange_case(-3.7, 100.0, 0.77, dname)
        arange_case(5.0, -5.0, -0.37, dname)
        arange_case(0.0, 100.0, 1.0 / 3.0, dname)
    # What torch refuses: a zero step, a step of the wrong sign, infinite bounds, bool or
    # complex dtypes, a negative number of steps.
    for a in ((0, 10, 0), (0, 10, -1), (10, 0, 1), (0.0, math.inf, 1.0), (0, 2.5, 0.5)):
        for dname in (None, "i64", "f32", "bool", "c64"):
            arange_case(*a, dname)
    for dname in ("bool", "i32"):
        linspace_case(0, 1, 5, dname)
    linspace_case(0, 1, -1)
    linspace_case(0, 1e39, 3)
    # Long ones: many vector blocks, beyond torch's 32768-element grain.
    arange_case(0.0, 40000.0, 0.37)
    arange_case(-1.5, 30000.0, 1.25, "f64")
    linspace_case(-1.0, 1.0, 100000)
    linspace_case(0.0, 3.0, 50001, "f64")
    for dname in (None, "f64", "f16", "i64", "i32", "i16", "i8", "u8", "c64", "c128"):
        for n in (0, 1, 2, 3, 5, 16, 17, 33, 100):
            linspace_case(0, 10, n, dname)
        linspace_case(-3.5, 7.25, 77, dname)
        linspace_case(100, -100, 1001, dname)
    rnd = random.Random(12345)
    for _ in range(n_random):
        start = rnd.uniform(-50, 50)
        step = rnd.choice([1, -1]) * rnd.uniform(0.001, 2)
        stop = start + step * rnd.uniform(0, 400)
        arange_case(start, stop, step, rnd.choice([None, "f64", "f16"]))
        a, b = rnd.uniform(-100, 100), rnd.uniform(-1000, 1000)
        linspace_case(a, b, rnd.randint(0, 700), rnd.choice([None, "f64", "f16", "i64", "i32", "c64"]))
    print(f"{failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
