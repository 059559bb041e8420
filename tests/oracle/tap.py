"""Shared by the oracle suites (tests/oracle/test_*.py): TAP output, running the tools,
and comparing their results with NumPy/PyTorch.  Import with `from tap import ...`."""
import os
import subprocess
import sys
import tempfile

import numpy as np

BIN = os.environ.get("TNSR_BIN", os.path.join(os.path.dirname(__file__), "..", "..", "build", "bin"))
TMP = tempfile.mkdtemp(prefix="tnsr-oracle.")
_count = 0
_failed = 0


def report(ok, what, detail=""):
    """One TAP test point; DETAIL (what differed) is printed under a failure."""
    global _count, _failed
    _count += 1
    print(("ok" if ok else "not ok") + f" {_count} - {what}", flush=True)
    if not ok:
        _failed += 1
        for line in str(detail).splitlines()[:40]:
            print("#   " + line)
    return ok


def done():
    """Prints the plan and exits 1 when anything failed."""
    print(f"1..{_count}")
    sys.exit(1 if _failed else 0)


def path(name):
    return os.path.join(TMP, name)


def save(name, array):
    """Saves ARRAY as TMP/NAME.npy and returns the path."""
    p = path(name + ".npy")
    np.save(p, array)
    return p


def run(tool, *args, stdin=None):
    """Runs a tool; returns the CompletedProcess (stdout as bytes)."""
    return subprocess.run([os.path.join(BIN, tool)] + [str(a) for a in args], input=stdin,
                          capture_output=True)


def tool_result(tool, *args, stdin=None):
    """Runs TOOL with -o; returns (array or None, stderr text)."""
    out = path("result.npy")
    if os.path.exists(out):
        os.unlink(out)
    r = run(tool, *args, "-o", out, stdin=stdin)
    if r.returncode != 0:
        return None, r.stderr.decode()
    return np.load(out), r.stderr.decode()


def same(got, expect, rtol=0, atol=0):
    """(ok, detail): dtype, shape and values agree (NaNs in the same places)."""
    expect = np.asarray(expect)
    if got is None:
        return False, "no result"
    if got.dtype != expect.dtype or got.shape != expect.shape:
        return False, f"got {got.dtype} {got.shape}, expected {expect.dtype} {expect.shape}"
    if rtol == 0 and atol == 0:
        ok = np.array_equal(got, expect, equal_nan=got.dtype.kind in "fc")
    else:
        ok = np.allclose(got, expect, rtol=rtol, atol=atol, equal_nan=True)
    if ok:
        return True, ""
    with np.errstate(all="ignore"):
        bad = np.argwhere(~np.isclose(got, expect, rtol=rtol, atol=atol, equal_nan=True))
    idx = tuple(bad[0]) if len(bad) else ()
    return False, f"{len(bad)} values differ; first at {idx}: got {got[idx]!r}, expected {expect[idx]!r}"
