#!/usr/bin/env python3
"""Writes the reference data of tests/unit/test_convert.c and test_dtype.c into
tests/fixtures/convert/: what NumPy (astype) and PyTorch (bfloat16) give, checked
against exact rational rounding (fractions.Fraction).

Run with a Python that has numpy and torch:  /usr/bin/python3 tests/oracle/gen_convert_fixtures.py

Files (little-endian):
  f16_to_f32.bin, f32_to_f16.bin, f64_to_f16.bin, f32_to_bf16.bin, f64_to_bf16.bin:
      uint32 n, then n source elements, then n expected elements.
  pairs.bin: records of uint8 src dtype, uint8 dst dtype (tnsr.h enum values),
      uint32 n, n source elements, n expected elements; one record per (src, dst) pair.
  dtype_names.txt: "SPELLING CANONICAL" per line, the NumPy and PyTorch spellings.

Where the oracles are not the reference, and why:
  * NaN results: tnsr gives a quiet NaN of the input's sign keeping the leading payload
    bits (IEEE 754 convertFormat, F16C hardware).  NumPy does the same for quiet NaNs
    (asserted below) but keeps signalling NaNs signalling; torch returns a canonical NaN
    (0x7fc0, or 0xffff from its vectorized f32 path).  So NaN results are computed.
  * f64 -> bf16 and integer -> bf16: torch rounds through f32 (double rounding, e.g.
    1 + 2^-8 + 2^-40 gives 1.0); the reference is exact rounding.  The disagreements are
    printed.  f32 -> bf16 from torch is asserted equal to exact rounding.
  * float -> u32: NumPy's SIMD loop gives other results for out-of-range values than its
    scalar loop (position dependent); elements are converted one at a time, which is the
    scalar loop (a plain C cast on x86-64).
"""
import os
import random
import struct
import sys
import warnings
from fractions import Fraction

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "convert")

# tnsr.h's enum, in order.
DTYPES = ["bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64",
          "f16", "bf16", "f32", "f64", "c64", "c128"]
NP = {"bool": np.bool_, "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
      "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
      "f16": np.float16, "f32": np.float32, "f64": np.float64,
      "c64": np.complex64, "c128": np.complex128}
TORCH = {"bool": torch.bool, "i8": torch.int8, "i16": torch.int16, "i32": torch.int32,
         "i64": torch.int64, "u8": torch.uint8, "f16": torch.float16, "bf16": torch.bfloat16,
         "f32": torch.float32, "f64": torch.float64, "c64": torch.complex64,
         "c128": torch.complex128}
INT_RANGE = {k: (int(np.iinfo(NP[k]).min), int(np.iinfo(NP[k]).max))
             for k in ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"]}

F16 = (11, -14, 15, 5)    # precision (with the implicit bit), emin, emax, exponent bits
BF16 = (8, -126, 127, 8)


# ---------------------------------------------------------------- exact rounding

F32 = (24, -126, 127, 8)
F64 = (53, -1022, 1023, 11)


def round_exact(neg, a, fmt):
    """Bits of the finite non-negative rational A (sign NEG) rounded to nearest-even."""
    p, emin, emax, ebits = fmt
    mbits, bias = p - 1, (1 << (ebits - 1)) - 1
    sign = (1 << (ebits + mbits)) if neg else 0
    if a == 0:
        return sign
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    e = max(e, emin)
    n = a / Fraction(2) ** (e - mbits)
    m = n.numerator // n.denominator
    rem = n - m
    if rem > Fraction(1, 2) or (rem == Fraction(1, 2) and m % 2 == 1):
        m += 1
    if m == 1 << p:
        m >>= 1
        e += 1
    if e > emax:
        return sign | (((1 << ebits) - 1) << mbits)
    if m < 1 << mbits:
        return sign | m                        # subnormal
    return sign | ((e + bias) << mbits) | (m - (1 << mbits))


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def f32_bits(x):
    return int(np.float32(x).view(np.uint32))


def exact_from_f64_bits(u, fmt):
    """Reference for a double given by its bits: exact rounding, or the NaN rule."""
    x = struct.unpack("<d", struct.pack("<Q", u))[0]
    sign = (u >> 48) & 0x8000
    if x != x:
        return sign | (0x7e00 | ((u >> 42) & 0x3ff) if fmt is F16 else 0x7fc0 | ((u >> 45) & 0x7f))
    if x in (float("inf"), float("-inf")):
        return sign | (0x7c00 if fmt is F16 else 0x7f80)
    return round_exact(bool(sign), abs(Fraction(x)), fmt)


def f32_to_f64_bits(u):
    return f64_bits(float(np.uint32(u).view(np.float32)))


def nan_from_f32_bits(u, fmt):
    sign = (u >> 16) & 0x8000
    return sign | (0x7e00 | ((u >> 13) & 0x3ff) if fmt is F16 else 0x7fc0 | ((u >> 16) & 0x7f))


def is_nan32(u):
    return (u & 0x7fffffff) > 0x7f800000


def is_nan64(u):
    return (u & 0x7fffffffffffffff) > 0x7ff0000000000000


# ---------------------------------------------------------------- inputs

def f16_value(h):
    return float(np.uint16(h).view(np.float16))


def bf16_value(h):
    return float(np.uint32(h << 16).view(np.float32))


def grid_inputs(fmt, rng):
    """Doubles around representable values of FMT: the values, the midpoints to the next
    one, one source ulp either side of a midpoint, and a little further (where a
    rounding through f32 would land on the midpoint)."""
    if fmt is F16:
        value, top, mbits = f16_value, 0x7bff, 10
    else:
        value, top, mbits = bf16_value, 0x7f7f, 7
    picks = set(range(0, 1 << mbits, 3))                      # subnormals
    for e in range(1, (top >> mbits) + 1):
        for m in (0, 1, (1 << (mbits - 1)) - 1, (1 << mbits) - 1):
            picks.add((e << mbits) | m)
    picks.update(rng.randrange(0, top + 1) for _ in range(400))
    out = []
    for h in sorted(picks):
        lo, hi = value(h), value(h + 1) if h < top else None
        out.append(lo)
        if hi is None:
            hi = lo + (lo - value(h - 1))                        # where inf begins
        mid = (lo + hi) / 2
        out += [mid, np.nextafter(mid, np.inf), np.nextafter(mid, -np.inf),
                mid * (1 + 2.0 ** -30), mid * (1 - 2.0 ** -30)]
    return out


SPECIAL = [0.0, -0.0, float("inf"), float("-inf"), 1.0, -1.0, 65504.0, 65519.0, 65520.0,
           np.nextafter(65520.0, 0), np.nextafter(65520.0, np.inf), 65536.0, 1e10, 3.4028234663852886e38,
           3.3961775292304957e38, 3.3961775292304960e38, 1e300, -1e300, 2.0 ** -24, 2.0 ** -25,
           np.nextafter(2.0 ** -25, 1), np.nextafter(2.0 ** -25, 0), 3 * 2.0 ** -25, 2.0 ** -14,
           np.nextafter(2.0 ** -14, 0), 2.0 ** -126, 2.0 ** -133, 2.0 ** -134, 3 * 2.0 ** -134,
           np.nextafter(2.0 ** -134, 1), 2.0 ** -149, 1e-45, 5e-324, 1e-310, 2.2250738585072014e-308]
NAN64 = [0x7ff8000000000000, 0xfff8000000000000, 0x7ff0000000000001, 0x7ff4000000000000,
         0xfff4000000000001, 0x7ff8040000000000, 0x7ffc000000000000, 0x7fffffffffffffff,
         0x7ff0200000000000, 0xfff0000020000000]
NAN32 = [0x7fc00000, 0xffc00000, 0x7f800001, 0x7fa00000, 0xff800001, 0x7fc00001, 0x7f802000,
         0x7fffffff, 0x7fe00000, 0x7f810000, 0xff810000]


def f64_inputs(fmt, rng):
    """Bits of the doubles to round to FMT."""
    vals = grid_inputs(fmt, rng)
    vals += SPECIAL + [-v for v in SPECIAL]
    bits = [f64_bits(float(v)) for v in vals] + NAN64
    bits += [rng.getrandbits(64) for _ in range(1500)]
    for _ in range(1500):                                     # near the format's range
        e = rng.randint(-140, 130) if fmt is BF16 else rng.randint(-28, 17)
        bits.append(f64_bits(rng.choice((1, -1)) * rng.random() * 2.0 ** e))
    neg = [b ^ (1 << 63) for b in bits[: len(bits) // 2]]
    return sorted(set(bits + neg))


def f32_inputs(fmt, rng):
    vals = grid_inputs(fmt, rng) + SPECIAL + [-v for v in SPECIAL]
    with np.errstate(all="ignore"):
        bits = [int(b) for b in np.array(vals, np.float64).astype(np.float32).view(np.uint32)]
    grid32 = []                                               # one f32 ulp around f32 midpoints
    for b in bits:
        if not is_nan32(b) and (b & 0x7fffffff) < 0x7f800000:
            grid32 += [(b + 1) & 0xffffffff, (b - 1) & 0xffffffff]
    bits += grid32 + NAN32 + [rng.getrandbits(32) for _ in range(2000)]
    neg = [b ^ (1 << 31) for b in bits[: len(bits) // 2]]
    return sorted(set(bits + neg))


# ---------------------------------------------------------------- files

def write(name, src, dst):
    assert len(src) == len(dst)
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(struct.pack("<I", len(src)))
        f.write(np.ascontiguousarray(src).tobytes())
        f.write(np.ascontiguousarray(dst).tobytes())
    print(f"{name}: {len(src)} values")


def f16_to_f32():
    h = np.arange(65536, dtype=np.uint16)
    got = h.view(np.float16).astype(np.float32).view(np.uint32).copy()
    for i in range(65536):
        em = i & 0x7fff
        if em > 0x7c00:                                        # NaN: quiet, payload kept
            want = ((i & 0x8000) << 16) | 0x7fc00000 | ((em & 0x3ff) << 13)
            assert got[i] == want or em & 0x200 == 0, hex(i)   # NumPy agrees on quiet NaNs
            got[i] = want
    write("f16_to_f32.bin", h, got)


def to_f16_from_f32(rng):
    bits = f32_inputs(F16, rng)
    src = np.array(bits, np.uint32)
    with np.errstate(all="ignore"):
        got = src.view(np.float32).astype(np.float16).view(np.uint16)
    ref = []
    for u, g in zip(bits, got):
        if is_nan32(u):
            want = nan_from_f32_bits(u, F16)
            assert u & 0x400000 == 0 or int(g) == want, hex(u)
            ref.append(want)
        else:
            assert int(g) == exact_from_f64_bits(f32_to_f64_bits(u), F16), hex(u)
            ref.append(int(g))
    write("f32_to_f16.bin", src, np.array(ref, np.uint16))


def to_f16_from_f64(rng):
    bits = f64_inputs(F16, rng)
    src = np.array(bits, np.uint64)
    with np.errstate(all="ignore"):
        got = src.view(np.float64).astype(np.float16).view(np.uint16)
    ref = []
    for u, g in zip(bits, got):
        want = exact_from_f64_bits(u, F16)
        assert (is_nan64(u) and u & (1 << 51) == 0) or int(g) == want, hex(u)
        ref.append(want)
    write("f64_to_f16.bin", src, np.array(ref, np.uint16))


def torch_bf16_bits(t):
    return t.to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)


def to_bf16_from_f32(rng):
    bits = f32_inputs(BF16, rng)
    src = np.array(bits, np.uint32)
    got = torch_bf16_bits(torch.from_numpy(src.view(np.float32).copy()))
    ref = []
    for u, g in zip(bits, got):
        if is_nan32(u):
            ref.append(nan_from_f32_bits(u, BF16))
        else:
            assert int(g) == exact_from_f64_bits(f32_to_f64_bits(u), BF16), hex(u)
            ref.append(int(g))
    write("f32_to_bf16.bin", src, np.array(ref, np.uint16))


def to_bf16_from_f64(rng):
    bits = f64_inputs(BF16, rng)
    src = np.array(bits, np.uint64)
    got = torch_bf16_bits(torch.from_numpy(src.view(np.float64).copy()))
    ref = [exact_from_f64_bits(u, BF16) for u in bits]
    off = sum(1 for u, g, r in zip(bits, got, ref) if not is_nan64(u) and int(g) != r)
    print(f"  torch f64 -> bf16 is not correctly rounded for {off} of {len(bits)} inputs")
    write("f64_to_bf16.bin", src, np.array(ref, np.uint16))


# ---------------------------------------------------------------- all pairs

INTS = [0, 1, -1, 2, 7, -7, 100, 127, -128, 128, -129, 200, 255, 256, 257, 259, 1000, 2049, 2051,
        4097, 32767, -32768, 32768, 65504, 65519, 65520, 65535, 65536, 16777217, 16777219,
        2 ** 31 - 1, -2 ** 31, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 + 1, 2 ** 53 + 3,
        12345678901, -987654321, 2 ** 62 + 2 ** 54 + 1, -(2 ** 62 + 2 ** 54 + 1),
        2 ** 62 + 2 ** 38 + 1, -(2 ** 62 + 2 ** 38 + 1), 2 ** 63 - 1, -2 ** 63, 2 ** 63,
        2 ** 63 + 2 ** 55, 2 ** 63 + 2 ** 55 + 1, 2 ** 63 + 2 ** 39 + 1, 2 ** 64 - 1]
FLOATS = [0.0, -0.0, 1.0, -1.0, 0.5, 1.5, -1.5, 2.5, -2.5, 0.1, 1 / 3, 3.14159, 127.9, -128.9,
          128.0, 255.5, 256.5, 300.7, -300.7, 2049.0, 65504.0, 65519.0, 65520.0, 70000.0,
          -70000.0, 1e5, 2.0 ** 31, -2.0 ** 31, 2147483520.0, -2147483649.0, 3e9, -3e9,
          3000000001.0, 4294967296.0, 4294967301.0, 1e10 + 3, 2.0 ** 63, -2.0 ** 63, 2.0 ** 64,
          1.8e19, 1e20, -1e20, 1e30, 1e300, float("inf"), float("-inf"), float("nan"),
          -float("nan"), 1e-5, 6e-8, 2.0 ** -25, 3e-8, 1e-40, 1e-310, 1 + 2.0 ** -8,
          1 + 2.0 ** -8 + 2.0 ** -20, 1 + 2.0 ** -11, 1 + 2.0 ** -11 + 2.0 ** -30, 3.4e38, 3.5e38]
COMPLEX_PARTS = [(0, 0), (1, 0), (0, 1), (-0.0, 0), (1.5, -2.5), (-1.5, 2.5), (300.7, 1),
                 (-300.7, -1), (float("nan"), 0), (0, float("nan")), (float("inf"), 1),
                 (1, float("-inf")), (65520, 1), (1e20, 3), (3e9, 0), (-3e9, 0), (2.0 ** 31, 0),
                 (1 + 2.0 ** -11 + 2.0 ** -30, 1 + 2.0 ** -8 + 2.0 ** -20), (1e-40, 1e-310),
                 (2.0 ** 63, 0), (-1, -1)]


def source_values(name, rng):
    """Source elements of dtype NAME as a NumPy array (bf16: its bits as uint16)."""
    if name == "bool":
        return np.array([False, True, True, False, True], np.bool_)
    if name in INT_RANGE:
        lo, hi = INT_RANGE[name]
        vals = [v for v in INTS if lo <= v <= hi] + [rng.randint(lo, hi) for _ in range(6)]
        return np.array(vals, NP[name])
    if name == "bf16":
        return np.array([exact_from_f64_bits(f64_bits(v), BF16) for v in FLOATS], np.uint16)
    with np.errstate(all="ignore"):
        if name in ("c64", "c128"):
            vals = [complex(a, b) for a, b in COMPLEX_PARTS] + [complex(v, 0.25) for v in FLOATS]
            return np.array(vals, np.complex128).astype(NP[name])
        return np.array(FLOATS, np.float64).astype(NP[name])


def exact_value(x):
    """(negative, |value| as a Fraction) of a finite NumPy scalar, or None for NaN/inf."""
    if isinstance(x, (np.complexfloating, complex)):
        x = x.real
    if isinstance(x, (np.floating, float)):
        f = float(x)
        if f != f or f in (float("inf"), float("-inf")):
            return None
        return (np.signbit(f), abs(Fraction(f)))
    v = int(x)
    return (v < 0, Fraction(abs(v)))


def ref_bf16(x):
    """bf16 bits of one NumPy scalar (real part of a complex), correctly rounded."""
    ev = exact_value(x)
    if ev is not None:
        return round_exact(ev[0], ev[1], BF16)
    return exact_from_f64_bits(f64_bits(float(x.real if np.iscomplexobj(x) else x)), BF16)


def pair_reference(src_name, src, dst_name):
    """Expected bytes of converting SRC (dtype SRC_NAME) to DST_NAME."""
    if src_name == dst_name:
        return src.tobytes()
    values = src
    if src_name == "bf16":                                    # through its exact f32
        values = (src.astype(np.uint32) << 16).view(np.float32)
    if dst_name == "bf16":
        return np.array([ref_bf16(x) for x in values], np.uint16).tobytes()
    out = []
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for x in values:                                      # one at a time: NumPy's scalar loop
            out.append(np.array([x], values.dtype).astype(NP[dst_name]))
    res = np.concatenate(out)
    if dst_name in ("f16", "f32", "f64", "c64", "c128"):
        check_rounding(values, res, dst_name)
    return res.tobytes()


def check_rounding(values, res, dst_name):
    """Oracle check: NumPy's float results are the exact value correctly rounded (for
    64-bit integers -> f32 too: no rounding through f64)."""
    fmt, ubits = {"f16": (F16, np.uint16), "f32": (F32, np.uint32), "f64": (F64, np.uint64),
                  "c64": (F32, np.uint32), "c128": (F64, np.uint64)}[dst_name]
    real = res.real if res.dtype.kind == "c" else res
    got = np.ascontiguousarray(real).view(ubits)
    for x, g in zip(values, got):
        ev = exact_value(x)
        if ev is not None:
            assert int(g) == round_exact(ev[0], ev[1], fmt), (x, dst_name)


def pairs(rng):
    records = []
    torch_off = 0
    for s in DTYPES:
        src = source_values(s, rng)
        for d in DTYPES:
            expect = pair_reference(s, src, d)
            records.append(struct.pack("<BBI", DTYPES.index(s), DTYPES.index(d), len(src)) + src.tobytes() + expect)
            # How torch compares where it has both dtypes (bf16 results only).
            if d == "bf16" and s in TORCH and s not in ("bool", "bf16"):
                t = torch.from_numpy(src.real.copy() if s in ("c64", "c128") else src.copy())
                got = torch_bf16_bits(t)
                ref = np.frombuffer(expect, np.uint16)
                nan = (ref & 0x7fff) > 0x7f80
                torch_off += int(np.sum((got != ref) & ~nan))
    path = os.path.join(OUT, "pairs.bin")
    with open(path, "wb") as f:
        for r in records:
            f.write(r)
    print(f"pairs.bin: {len(records)} pairs; torch's bf16 differs from exact rounding in {torch_off} values")


# ---------------------------------------------------------------- dtype names

def dtype_names():
    lines = []
    for k, t in NP.items():
        dt = np.dtype(t)
        spellings = {dt.name, dt.str, dt.newbyteorder(">").str, "=" + dt.str[1:], "|" + dt.str[1:],
                     "<" + dt.str[1:]}
        for s in sorted(spellings):
            got = np.dtype(s)                                 # NumPy reads it as that dtype
            assert (got.kind, got.itemsize) == (dt.kind, dt.itemsize), s
            lines.append(f"{s} {k}")
    tcanon = {v: k for k, v in TORCH.items()}
    for attr in ["bool", "int8", "int16", "int32", "int64", "uint8", "float16", "bfloat16",
                 "float32", "float64", "complex64", "complex128", "half", "float", "double",
                 "short", "int", "long", "cfloat", "cdouble"]:
        k = tcanon[getattr(torch, attr)]
        lines.append(f"torch.{attr} {k}")
        lines.append(f"{attr} {k}")
    lines = sorted(set(lines))
    with open(os.path.join(OUT, "dtype_names.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"dtype_names.txt: {len(lines)} spellings")


def main():
    assert sys.byteorder == "little"
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20240611)
    f16_to_f32()
    to_f16_from_f32(rng)
    to_f16_from_f64(rng)
    to_bf16_from_f32(rng)
    to_bf16_from_f64(rng)
    pairs(rng)
    dtype_names()


if __name__ == "__main__":
    main()
