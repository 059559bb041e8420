#!/usr/bin/env python3
"""gen_npy_interop.py: the NumPy side of the .npy interop tests (tests/cli/npy_interop.bats).

    gen_npy_interop.py write DIR    writes DIR/in/*.npy and DIR/cases.tsv
    gen_npy_interop.py check DIR [CASES]
                                    checks DIR/out/* against NumPy, exits 1 on any mismatch
    gen_npy_interop.py headers DIR  writes DIR/hdr/*.npy: zero-size arrays with huge dims

`write` saves, with NumPy, every dtype NumPy shares with libtnsr in many shapes (0-d,
zero-size, 1-D to 6-D), C and Fortran order, big-endian, versions 1.0, 2.0 and 3.0, and
hand-made headers as older NumPy releases and other writers produce them (16-byte
padding, no padding, Python 2 'L' suffixes, double quotes, other key orders, pprint
style, unaligned data).  cases.tsv lists "NAME<TAB>MODE" pairs: the test runs
`npy_resave DIR/in/NAME DIR/out/NAME.K MODE` for the K-th pair (K from 0) of
cases.tsv, or of the subset of it that `check` is given as CASES.

`check` loads each input in NumPy, applies MODE (c: a C-order copy, keep: as is, T: all
dims reversed, or a slice) and requires the file libtnsr wrote to load with equal
values, the little-endian dtype and the same shape, and to be byte for byte what
np.save writes for that array.
"""
import io
import os
import sys
import warnings

import numpy as np
from numpy.lib import format as npformat

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


def values(dtype, shape, rng):
    """Random values of DTYPE including the awkward ones (NaN, inf, -0.0, extremes)."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        x = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        x = rng.integers(info.min, info.max, n, dtype=dt, endpoint=True)
        x[:2] = [info.min, info.max][:min(n, 2)]
    else:
        x = (rng.standard_normal(n) * 100).astype(dt)
        if dt.kind == "c":
            x = x + 1j * (rng.standard_normal(n) * 100).astype(dt)
        special = np.array([np.nan, np.inf, -np.inf, -0.0], dtype=dt)
        x[:min(n, 4)] = special[:min(n, 4)]
    return x.reshape(shape)


def craft(path, text, data, version=1, pad_to=None, newline=True):
    """Writes a .npy file with the header dict TEXT as given, padded with spaces so that the
    data starts at a multiple of PAD_TO (None: no padding), and DATA after it."""
    prefix = 8 + (2 if version == 1 else 4)
    body = text.encode("latin1" if version < 3 else "utf8")
    total = prefix + len(body) + (1 if newline else 0)
    pad = (-total) % pad_to if pad_to else 0
    body += b" " * pad + (b"\n" if newline else b"")
    length = len(body).to_bytes(2 if version == 1 else 4, "little")
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY" + bytes([version, 0]) + length + body + data)


def modes(shape):
    if len(shape) >= 2 and all(shape) and shape[0] > 1:
        return ["c", "keep", "T", "[::-1, 1::2]", "[..., ::-1]"]
    if len(shape) == 1 and shape[0] > 1:
        return ["c", "keep", "[::-2]"]
    return ["c", "keep"]


def write(top):
    rng = np.random.default_rng(7)
    d = os.path.join(top, "in")
    os.makedirs(d, exist_ok=True)
    cases = []

    def save(name, x, version=None):
        path = os.path.join(d, name + ".npy")
        if version:
            with open(path, "wb") as f, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                npformat.write_array(f, x, version=version)
        else:
            np.save(path, x)
        cases.extend((name + ".npy", m) for m in modes(x.shape))

    for dt in DTYPES:
        big = np.dtype(dt).newbyteorder(">")
        save(dt + "_0d", values(dt, (), rng))
        save(dt + "_empty", values(dt, (0,), rng))
        save(dt + "_3x0x2", values(dt, (3, 0, 2), rng))
        save(dt + "_1d", values(dt, (7,), rng))
        save(dt + "_2d", values(dt, (3, 4), rng))
        save(dt + "_3d_F", np.asfortranarray(values(dt, (2, 3, 4), rng)))
        save(dt + "_2d_be", values(dt, (3, 4), rng).astype(big))
        save(dt + "_3d_F_be", np.asfortranarray(values(dt, (2, 3, 4), rng).astype(big)))
        save(dt + "_v2", values(dt, (4, 3), rng), version=(2, 0))
        save(dt + "_v3", values(dt, (2, 5), rng), version=(3, 0))
    for dt in ["float32", "int64"]:
        for shape in [(2, 3, 2, 2), (2, 1, 3, 2, 2), (2, 2, 1, 2, 3, 2)]:
            x = values(dt, shape, rng)
            save("%s_%dd" % (dt, len(shape)), x)
            save("%s_%dd_F" % (dt, len(shape)), np.asfortranarray(x))
    save("f64_1x5_F_is_C", np.asfortranarray(values("float64", (1, 5), rng)))

    # Headers as other writers and older NumPy releases made them.
    x = values("float64", (2, 3), rng)
    raw = x.tobytes()
    hand = {
        "old16": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 1, 16, True),
        "nopad": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", 1, None, False),
        "nopad_newline": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)}", 1, None, True),
        "py2_long": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 3L), }", 1, 16, True),
        "double_quotes": ('{"descr": "<f8", "fortran_order": False, "shape": (2, 3)}', 1, 64, True),
        "key_order": ("{'shape': (2, 3), 'descr': '<f8', 'fortran_order': False}", 1, 64, True),
        "pprint": ("{'descr': '<f8',\n 'fortran_order': False,\n 'shape': (2, 3)}", 1, 16, True),
        "tabs_cr": ("{'descr':\t'<f8',\r\n'fortran_order':\tFalse,'shape':\t(2,3)}", 1, 64, True),
        "trailing_commas": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3,),}", 1, 64, True),
        "v2_old_align": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 2, 16, True),
        "v3_utf8": ("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), } # \u00e9\u6570", 3, 64, True),
        "native_eq": ("{'descr': '=f8', 'fortran_order': False, 'shape': (2, 3), }", 1, 64, True),
        "native_none": ("{'descr': 'f8', 'fortran_order': False, 'shape': (2, 3), }", 1, 64, True),
    }
    for name, (text, version, pad_to, newline) in hand.items():
        craft(os.path.join(d, name + ".npy"), text, raw, version, pad_to, newline)
        cases.extend((name + ".npy", m) for m in modes((2, 3)))
    # Unaligned data of every width: the header leaves the data at an odd offset.
    for dt in ["int16", "float32", "complex128"]:
        y = values(dt, (5,), rng)
        text = "{'descr': '%s', 'fortran_order': False, 'shape': (5,)}" % np.dtype(dt).str
        craft(os.path.join(d, "unaligned_%s.npy" % dt), text + " " * (1 - len(text) % 2), y.tobytes(), 1, None, True)
        cases.extend(("unaligned_%s.npy" % dt, m) for m in modes((5,)))
    big = x.astype(">f8")
    craft(os.path.join(d, "be_fortran_hand.npy"), "{'descr': '>f8', 'fortran_order': True, 'shape': (2, 3), }",
          big.tobytes(order="F"), 1, 64, True)
    cases.extend(("be_fortran_hand.npy", m) for m in modes((2, 3)))
    craft(os.path.join(d, "trailing_bytes.npy"), "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
          raw + b"junk after the data", 1, 64, True)
    cases.extend(("trailing_bytes.npy", m) for m in modes((2, 3)))

    with open(os.path.join(top, "cases.tsv"), "w") as f:
        for name, mode in cases:
            f.write("%s\t%s\n" % (name, mode))


def view(a, mode):
    if mode == "c":
        return a.copy(order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
    if mode == "keep":
        return a
    if mode == "T":
        return a.T
    return eval("a" + mode, {"a": a})  # a slice written as NumPy reads it


def saved_bytes(x):
    """What np.save writes for X, little-endian (np.save itself keeps big-endian as is)."""
    le = x.dtype.newbyteorder("<")
    if x.dtype == le:
        f = io.BytesIO()
        np.save(f, x)
        return f.getvalue()
    fortran = x.flags.f_contiguous and not x.flags.c_contiguous
    f = io.BytesIO()
    npformat._write_array_header(f, {"descr": le.str, "fortran_order": fortran, "shape": x.shape})
    return f.getvalue() + x.astype(le).tobytes(order="F" if fortran else "C")


def check(top, cases_file):
    failures = 0
    with open(cases_file) as f:
        cases = [line.rstrip("\n").split("\t") for line in f]
    for k, (name, mode) in enumerate(cases):
        a = np.load(os.path.join(top, "in", name))
        out = os.path.join(top, "out", "%s.%d" % (name, k))
        x = view(a, mode)
        try:
            b = np.load(out)
            with open(out, "rb") as f:
                got = f.read()
        except Exception as e:  # a file NumPy cannot read is a failure like any other
            print("# %s %s: NumPy cannot load the output: %s" % (name, mode, e))
            failures += 1
            continue
        problems = []
        if b.dtype.str != x.dtype.newbyteorder("<").str:
            problems.append("dtype %s, expected %s" % (b.dtype.str, x.dtype.newbyteorder("<").str))
        if b.shape != x.shape:
            problems.append("shape %s, expected %s" % (b.shape, x.shape))
        elif b.tobytes() != x.astype(b.dtype).tobytes():
            problems.append("values differ: %s vs %s" % (b.ravel()[:6].tolist(), x.ravel()[:6].tolist()))
        want = saved_bytes(x)
        if got != want:
            i = next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))
            problems.append("bytes differ from np.save at offset %d of %d/%d: %r vs %r"
                            % (i, len(got), len(want), got[max(0, i - 20):i + 20], want[max(0, i - 20):i + 20]))
        if problems:
            failures += 1
            print("# %s %s: %s" % (name, mode, "; ".join(problems)))
    print("# %d cases, %d failed" % (len(cases), failures))
    return 1 if failures else 0


def headers(top):
    """Zero-size arrays whose first dim has 1 to 19 digits.  np.save's growth padding keeps
    the header size constant as shape[0] grows; runs of 1s and one last dim of 1 to 3
    digits put the dict at 115..120 characters, across the 128/192 total boundary.
    (NumPy allows a zero-size array only while the product of its other dims times the
    itemsize fits in 63 bits.)"""
    d = os.path.join(top, "hdr")
    os.makedirs(d, exist_ok=True)
    shapes = []
    for digits in range(1, 20):
        for n in (10**(digits - 1), min(10**digits - 1, 2**63 - 1)):
            for ones in (11, 12):
                for last in (1, 10, 100):
                    if n * last < 2**63:
                        shapes.append((n, 0) + (1,) * ones + (last,))
    shapes += [(0,) * 32, (2**63 - 1, 0), (0, 2**63 - 1), (5, 0, 3), (0,)]
    sizes = set()
    for i, shape in enumerate(shapes):
        path = os.path.join(d, "h%03d.npy" % i)
        np.save(path, np.empty(shape, np.uint8))
        sizes.add(os.path.getsize(path))
    assert {128, 192} <= sizes, sizes  # the boundary is crossed


if __name__ == "__main__":
    cmd, top = sys.argv[1], sys.argv[2]
    if cmd == "write":
        write(top)
    elif cmd == "check":
        sys.exit(check(top, sys.argv[3] if len(sys.argv) > 3 else os.path.join(top, "cases.tsv")))
    elif cmd == "headers":
        headers(top)
    else:
        sys.exit("usage: gen_npy_interop.py write|check|headers DIR")
