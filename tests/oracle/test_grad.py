#!/usr/bin/env python3
"""tgrad against PyTorch: every case of tests/fixtures/grad (written by
gen_grad_fixtures.py from torch 1.13's autograd) is run through tgrad with the same inputs;
the result and each NAME.grad must have PyTorch's dtype and shape and its values (exactly
for the basics examples, within a few f32 ulps of accumulated rounding otherwise).  Then
every case is checked again by tgrad --check --batch (central differences in f64)."""
import json
import os
import re
import shlex

import numpy as np

from tap import TMP, done, path, report, run

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "grad")
NPZ = os.path.join(FIXTURES, "cases.npz")
expected = np.load(NPZ)
with open(os.path.join(FIXTURES, "cases.json")) as f:
    cases = json.load(f)

# f32 results go through different summation orders than PyTorch's (sums accumulate in
# f64 here), so they agree to rounding, not to the bit; f64 ones to far more.
TOL = {np.dtype(np.float32): (2e-5, 2e-6), np.dtype(np.float64): (1e-12, 1e-14)}


def arguments(case):
    """tgrad's arguments for CASE: the expression, its bindings and options."""
    cid = case["id"]
    args = [case["expr"]]
    for name in case["inputs"]:
        literal = case["literals"].get(name)
        args.append(f"{name}={literal}" if literal else f"{name}={NPZ}:{cid}.{name}")
    if case["wrt"]:
        args += ["--wrt", ",".join(case["wrt"])]
    if case["go"]:
        args += ["--grad-output", f"{NPZ}:{cid}.grad_output"]
    return args


def compare(got, want, exact):
    """(ok, detail) for one member."""
    if got.dtype != want.dtype or got.shape != want.shape:
        return False, f"got {got.dtype} {got.shape}, expected {want.dtype} {want.shape}"
    if exact:
        ok = np.array_equal(got, want, equal_nan=True)
    else:
        rtol, atol = TOL.get(want.dtype, (1e-5, 1e-6))
        scale = max(1.0, float(np.nanmax(np.abs(want)))) if want.size else 1.0
        ok = np.allclose(got, want, rtol=rtol, atol=atol * scale, equal_nan=True)
    if ok:
        return True, ""
    with np.errstate(all="ignore"):
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
    i = np.unravel_index(np.nanargmax(err), err.shape) if err.size else ()
    return False, f"max abs diff {np.nanmax(err):.3g} at {tuple(int(k) for k in i)}: got {got[i]!r}, expected {want[i]!r}"


for case in cases:
    cid = case["id"]
    out = path("grads.npz")
    if os.path.exists(out):
        os.unlink(out)
    r = run("tgrad", *arguments(case), "-o", out)
    if r.returncode != 0:
        report(False, f"{cid}: {case['expr']}", r.stderr.decode())
        continue
    got = np.load(out)
    members = ["out"] + [f"{n}.grad" for n in case["grads"]]
    problems = []
    if list(got.keys()) != members:
        problems.append(f"members {list(got.keys())}, expected {members}")
    for m in members:
        if m in got:
            ok, detail = compare(got[m], expected[f"{cid}.expect.{m}"], case["exact"])
            if not ok:
                problems.append(f"{m}: {detail}")
    report(not problems, f"{cid}: {case['expr']}: value and gradients as PyTorch's", "\n".join(problems))

# Every case again through --check, as one batch (TAP in, one point out per case);
# not those at a discontinuity, where differences cannot see PyTorch's convention.
checked = [case for case in cases if case["check"]]
batch = path("cases.txt")
with open(batch, "w") as f:
    f.write("# the fixture cases of tests/fixtures/grad\n")
    for case in checked:
        f.write(" ".join(shlex.quote(a) for a in arguments(case)) + "\n")
r = run("tgrad", "--check", "--batch", batch, "--seed", "1")
lines = r.stdout.decode().splitlines()
report(lines[:1] == [f"1..{len(checked)}"], "--check --batch: a TAP plan first", "\n".join(lines[:3]))
points = {}
for line in lines:
    m = re.match(r"(ok|not ok) (\d+) - (.*)", line)
    if m:
        points[int(m.group(2))] = (m.group(1) == "ok", line)
detail_of = {}
current = None
for line in lines:
    m = re.match(r"(?:ok|not ok) (\d+) ", line)
    if m:
        current = int(m.group(1))
    elif line.startswith("#") and current:
        detail_of.setdefault(current, []).append(line)
for k, case in enumerate(checked, 1):
    ok, line = points.get(k, (False, "missing"))
    report(ok, f"{case['id']}: tgrad --check agrees with central differences",
           line + "\n" + "\n".join(detail_of.get(k, [])) + "\n" + r.stderr.decode())
report(r.returncode == 0, "--check --batch exits 0 when every case passes", f"exit {r.returncode}")
done()
