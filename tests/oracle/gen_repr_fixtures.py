#!/usr/bin/env python3
"""Writes tests/fixtures/repr/: inputs for `tshow` and the text PyTorch and NumPy print.

Every expected output comes from the real libraries:
  torch style: repr(torch.from_numpy(a)) under torch.set_printoptions(...)
  numpy style: repr(a) under np.printoptions(...)
followed by the newline tshow adds.

Layout (all committed; rerun this script to regenerate):
  inputs/NAME.npy        one tensor per name (several cases may share it)
  cases.tsv              ID  GROUP  INPUT  ARGS    -- `tshow ARGS INPUT` must print expected/ID.txt
  views.tsv              ID  GROUP  INPUT  STYLE  SLICE  CAST
                         -- views the .npy format cannot hold (negative strides, bf16):
                            the repr_view test helper loads INPUT, takes the NumPy slice
                            SLICE and casts to CAST ("-" for none), then prints
  expected/ID.txt        the exact text
  known_differences.txt  ID  REASON  -- cases tshow is known to print differently

Run with the Debian interpreter, which has numpy and torch:
  /usr/bin/python3 tests/oracle/gen_repr_fixtures.py
"""
import math
import os
import shlex
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "repr")

nan, inf = float("nan"), float("inf")


def rng(seed):
    return np.random.default_rng(seed)


def scaled(seed, n, lo, hi, dtype):
    """N values of both signs with magnitudes spread over 10**lo .. 10**hi."""
    r = rng(seed)
    return (r.choice([-1.0, 1.0], n) * 10.0 ** r.uniform(lo, hi, n)).astype(dtype)


# ---------------------------------------------------------------- tensors

# name -> numpy array.  Kept small: summaries only need a little over 1000 elements.
T = {}

# float32: the default torch dtype
T["f32_basic"] = np.array([1.5, 2.0, -3.25], np.float32)
T["f32_tenths"] = np.array([0.1, 0.2, 0.3], np.float32)
T["f32_intvals"] = np.array([1, 2, 3, -40], np.float32)
T["f32_zeros"] = np.zeros(4, np.float32)
T["f32_negzero"] = np.array([-0.0, 0.0, 1.0], np.float32)
T["f32_negzero_frac"] = np.array([-0.0, 0.5, 1.25], np.float32)
T["f32_small"] = np.array([1e-5, 1.0, 2.0], np.float32)
T["f32_big"] = np.array([1e10, 1.0], np.float32)
T["f32_1e8"] = np.array([1e8, 1.0, 2.0], np.float32)
T["f32_just_below_1e8"] = np.array([99999992.0, 1.5e7], np.float32)
T["f32_1e4_ratio"] = np.array([1e-4, 2e-4], np.float32)
T["f32_ratio_1000"] = np.array([1000.0, 1.0], np.float32)
T["f32_ratio_1001"] = np.array([1001.0, 1.0], np.float32)
T["f32_ratio_frac"] = np.array([1000.5, 1.0], np.float32)
T["f32_nan_inf"] = np.array([nan, 1.5, -inf], np.float32)
T["f32_nan_inf_int"] = np.array([nan, 1.0, -inf, inf], np.float32)
T["f32_only_nan"] = np.array([nan, nan], np.float32)
T["f32_only_inf"] = np.array([inf, -inf], np.float32)
T["f32_nan_zero"] = np.array([0.0, nan], np.float32)
T["f32_denormal"] = np.array([1e-45, 1.0], np.float32)
T["f32_max"] = np.array([3.4028235e38, -1.0], np.float32)
T["f32_mixed_widths"] = np.array([1.0, 1000.5, -0.001, 12.25], np.float32)
T["f32_rounding"] = np.array([0.00005, 0.99995, 1.00005, 2.5e-5 + 1], np.float32)
T["f32_sci_nan"] = np.array([1e-7, nan, -inf, 3e5], np.float32)
T["f32_randn_5"] = rng(1).standard_normal(5).astype(np.float32)
T["f32_randn_3x4"] = rng(2).standard_normal((3, 4)).astype(np.float32)
T["f32_randn_2x3x4"] = rng(3).standard_normal((2, 3, 4)).astype(np.float32)
T["f32_randn_2x2x2x2"] = rng(4).standard_normal((2, 2, 2, 2)).astype(np.float32)
T["f32_rand_1x1x3"] = rng(5).random((1, 1, 3)).astype(np.float32)
T["f32_randn_30"] = rng(6).standard_normal(30).astype(np.float32)
T["f32_rand1000_20"] = (rng(7).random(20) * 1000).astype(np.float32)
T["f32_tiny_sci"] = (rng(8).standard_normal((3, 3)) * 1e-3).astype(np.float32)
T["f32_huge_sci"] = (rng(9).standard_normal((2, 5)) * 1e9).astype(np.float32)
T["f32_wide_ratio"] = np.array([1e-3, 1.0, 5e2, -7e3], np.float32)
T["f32_int_sci"] = np.array([1.0, 1e5, -3e7], np.float32)
T["f32_int_1e9"] = np.array([1e9, 2.0], np.float32)
T["f32_dragon_pos"] = scaled(10, 200, -3, 6, np.float32)
T["f32_dragon_sci"] = scaled(11, 200, -30, 30, np.float32)
T["f32_dragon_unit"] = rng(12).random(200).astype(np.float32)
T["f32_powers2"] = (2.0 ** np.arange(-20, 28, 1)).astype(np.float32)
T["f32_powers10"] = (10.0 ** np.arange(-8, 9)).astype(np.float32)
T["f32_col"] = rng(13).standard_normal((6, 1)).astype(np.float32)
T["f32_long_row"] = rng(14).standard_normal((2, 17)).astype(np.float32)
T["f32_fortran"] = np.asfortranarray(rng(15).standard_normal((3, 5)).astype(np.float32))
T["f32_fortran3"] = np.asfortranarray(rng(16).standard_normal((2, 3, 4)).astype(np.float32))

# 0-d
T["f32_0d"] = np.array(3.5, np.float32)
T["f32_0d_int"] = np.array(3.0, np.float32)
T["f32_0d_zero"] = np.array(0.0, np.float32)
T["f32_0d_negzero"] = np.array(-0.0, np.float32)
T["f32_0d_nan"] = np.array(nan, np.float32)
T["f32_0d_ninf"] = np.array(-inf, np.float32)
T["f32_0d_big"] = np.array(1e10, np.float32)
T["f32_0d_small"] = np.array(1.25e-10, np.float32)
T["f32_0d_pi"] = np.array(math.pi, np.float32)
T["f64_0d"] = np.array(2.0 / 3.0)
T["i64_0d"] = np.array(-42)
T["i32_0d"] = np.array(7, np.int32)
T["u8_0d"] = np.array(200, np.uint8)
T["bool_0d"] = np.array(True)
T["bool_0d_false"] = np.array(False)
T["c64_0d"] = np.array(1 - 2j, np.complex64)
T["c128_0d"] = np.array(0.5 + 1e10j)
T["f16_0d"] = np.array(0.1, np.float16)

# float64
T["f64_basic"] = np.array([0.1, 0.2, 0.3])
T["f64_third"] = np.array([1 / 3, 2 / 3, -1 / 7])
T["f64_pi_scales"] = np.array([math.pi * 10.0 ** k for k in range(-3, 5)])
T["f64_extremes"] = np.array([1e300, 1e-300, -5e-324])
T["f64_denormal"] = np.array([5e-324])
T["f64_big_int"] = np.array([2.0 ** 53, 1.0])
T["f64_e16"] = np.array([2.5, 1e16])
T["f64_intvals"] = np.array([10.0, -20.0, 300.0])
T["f64_randn_4x4"] = rng(20).standard_normal((4, 4))
T["f64_dragon_pos"] = scaled(21, 200, -3, 6, np.float64)
T["f64_dragon_sci"] = scaled(22, 200, -300, 300, np.float64)
T["f64_dragon_unit"] = rng(23).random(200)
T["f64_halfway"] = np.array([0.125, 0.375, 2.5e-5, 1.0000000005, 0.1234567850])
T["f64_nan_inf"] = np.array([[nan, 1.0], [-inf, 2.5]])

# float16
T["f16_tenths"] = np.array([0.1, 0.2, 0.3], np.float16)
T["f16_max"] = np.array([65504, -65504], np.float16)
T["f16_denormal"] = np.array([6e-8, 1.0], np.float16)
T["f16_randn_4x5"] = rng(30).standard_normal((4, 5)).astype(np.float16)
T["f16_ratio"] = np.array([1000.5, 1.0], np.float16)
T["f16_1e4"] = np.array([1e-4, 2e-4], np.float16)
T["f16_ratio_overflow"] = np.array([60000, 0.5], np.float16)
T["f16_dragon"] = scaled(31, 200, -6, 4, np.float16)
T["f16_nan_inf"] = np.array([nan, inf, 0.5], np.float16)

# integers
T["i64_arange"] = np.arange(12).reshape(3, 4)
T["i64_neg"] = np.array([[-1, 20], [300, -4000]])
T["i64_extremes"] = np.array([2 ** 63 - 1, -(2 ** 63), 0])
T["i64_arange100"] = np.arange(100)
T["i64_arange2000"] = np.arange(2000).reshape(40, 50)
T["i32_basic"] = np.array([1, -2, 3], np.int32)
T["i32_extremes"] = np.array([2 ** 31 - 1, -(2 ** 31)], np.int32)
T["i16_basic"] = np.array([[-32768, 32767], [0, 5]], np.int16)
T["i8_basic"] = np.array([-128, 127, 0, 5], np.int8)
T["u8_basic"] = np.array([0, 255, 17], np.uint8)
T["u8_image"] = rng(40).integers(0, 256, (4, 6, 3), dtype=np.uint8)
T["u16_basic"] = np.array([0, 65535, 7], np.uint16)
T["u32_basic"] = np.array([0, 2 ** 32 - 1], np.uint32)
T["u64_basic"] = np.array([0, 2 ** 64 - 1, 12], np.uint64)
T["i64_randint_1100"] = rng(41).integers(-50, 50, 1100)

# bool
T["bool_basic"] = np.array([True, False])
T["bool_all_false"] = np.array([False, False, False])
T["bool_3x3"] = rng(50).random((3, 3)) > 0.5
T["bool_50x30"] = rng(51).random((50, 30)) > 0.5
T["bool_40"] = rng(52).random(40) > 0.5

# complex
T["c64_basic"] = np.array([1 + 2j, -1.5 - 0.25j], np.complex64)
T["c128_basic"] = np.array([1 + 2j, -1.5 - 0.25j])
T["c64_nan_inf"] = np.array([complex(nan, 1), complex(1, inf), complex(-inf, -nan)], np.complex64)
T["c64_negzero_imag"] = np.array([complex(1, -0.0), complex(2, 0.0)], np.complex64)
T["c128_sci"] = np.array([1e10 + 1j, 2 - 3e-6j])
T["c64_matrix"] = (rng(60).standard_normal((3, 3)) + 1j * rng(61).standard_normal((3, 3))).astype(np.complex64)
T["c64_intvals"] = np.array([1 + 1j, 2 - 3j, -4 + 0j], np.complex64)
T["c128_long"] = rng(62).standard_normal(12) + 1j * rng(63).standard_normal(12)
T["c64_summarized"] = (rng(64).standard_normal(1100) + 1j * rng(65).standard_normal(1100)).astype(np.complex64)

# empty
T["f32_empty"] = np.zeros(0, np.float32)
T["f32_empty_0x3"] = np.zeros((0, 3), np.float32)
T["f32_empty_3x0"] = np.zeros((3, 0), np.float32)
T["f32_empty_2x0x4"] = np.zeros((2, 0, 4), np.float32)
T["f64_empty"] = np.zeros(0)
T["i64_empty"] = np.zeros(0, np.int64)
T["i32_empty_0x2"] = np.zeros((0, 2), np.int32)
T["bool_empty_0x2"] = np.zeros((0, 2), bool)
T["c64_empty"] = np.zeros(0, np.complex64)
T["u8_empty"] = np.zeros((1, 0), np.uint8)

# summarized
T["f32_1001"] = rng(70).standard_normal(1001).astype(np.float32)
T["f64_2000"] = rng(71).standard_normal(2000)
T["f32_40x50"] = rng(72).standard_normal((40, 50)).astype(np.float32)
T["f32_10x10x11"] = rng(73).standard_normal((10, 10, 11)).astype(np.float32)
T["f32_4x4x4x4x4"] = rng(74).standard_normal((4, 4, 4, 4, 4)).astype(np.float32)
T["f32_7x7x7x7"] = rng(75).random((7, 7, 7, 7)).astype(np.float32)
T["f32_1x1001"] = rng(76).standard_normal((1, 1001)).astype(np.float32)
T["f32_1001x1"] = rng(77).standard_normal((1001, 1)).astype(np.float32)
T["f32_sum_sci"] = (rng(78).standard_normal((30, 40)) * 1e-6).astype(np.float32)
T["f32_sum_hidden_nan"] = np.concatenate([np.ones(3), [nan] * 1000, [2.5, 3, 4]]).astype(np.float32)
T["f32_sum_fortran"] = np.asfortranarray(rng(79).standard_normal((40, 50)).astype(np.float32))
T["f16_1100"] = rng(80).standard_normal(1100).astype(np.float16)
T["i8_1100"] = rng(81).integers(-128, 128, (1100,), dtype=np.int8)

# suffix placement: f64 vectors whose last line nearly fills the width
for n in range(5, 13):
    T["f64_suffix_%d" % n] = rng(90 + n).standard_normal(n) * 10
for n in (9, 10, 11):
    T["f32_np_suffix_%d" % n] = (rng(110 + n).standard_normal(n) * 100).astype(np.float32)


# ---------------------------------------------------------------- cases

def flags(opts):
    """tshow arguments for an option dict."""
    args = []
    for k in ("precision", "threshold", "edgeitems", "linewidth"):
        if k in opts:
            args += ["--" + k, str(opts[k])]
    if opts.get("full"):
        args.append("--full")
    return args


def torch_repr(a, opts):
    torch.set_printoptions(profile="default")
    kw = {k: opts[k] for k in ("precision", "threshold", "edgeitems", "linewidth") if k in opts}
    if opts.get("full"):
        kw["threshold"] = inf
    torch.set_printoptions(**kw)
    try:
        return repr(a if isinstance(a, torch.Tensor) else torch.from_numpy(a))
    finally:
        torch.set_printoptions(profile="default")


def numpy_repr(a, opts):
    kw = {k: opts[k] for k in ("precision", "threshold", "edgeitems", "linewidth") if k in opts}
    if opts.get("full"):
        kw["threshold"] = sys.maxsize
    with np.printoptions(**kw):
        return repr(a)


NO_TORCH = {np.dtype(np.uint16), np.dtype(np.uint32), np.dtype(np.uint64)}

# (tensor name, option dict) beyond the defaults every tensor gets in both styles
VARIANTS = [
    ("f32_randn_3x4", {"precision": 2}),
    ("f32_randn_3x4", {"precision": 0}),
    ("f32_randn_3x4", {"precision": 10}),
    ("f32_intvals", {"precision": 0}),
    ("f32_tiny_sci", {"precision": 2}),
    ("f32_tiny_sci", {"precision": 0}),
    ("f64_third", {"precision": 15}),
    ("f64_third", {"precision": 1}),
    ("f64_dragon_pos", {"precision": 3}),
    ("f64_dragon_sci", {"precision": 3}),
    ("f32_dragon_unit", {"precision": 5}),
    ("f16_dragon", {"precision": 2}),
    ("c64_matrix", {"precision": 2}),
    ("f32_randn_30", {"threshold": 10}),
    ("f32_randn_30", {"threshold": 10, "edgeitems": 1}),
    ("f32_randn_30", {"threshold": 10, "edgeitems": 5}),
    ("f32_randn_30", {"linewidth": 40}),
    ("f32_randn_30", {"linewidth": 120}),
    ("f32_randn_30", {"linewidth": 20}),
    ("f32_randn_30", {"linewidth": 1}),
    ("f32_randn_2x3x4", {"threshold": 5, "edgeitems": 1}),
    ("f32_randn_2x3x4", {"linewidth": 30}),
    ("i64_arange100", {"linewidth": 50}),
    ("i64_arange100", {"threshold": 20}),
    ("i64_arange100", {"threshold": 20, "edgeitems": 2}),
    ("i64_arange2000", {"edgeitems": 2}),
    ("i64_arange2000", {"edgeitems": 1, "linewidth": 30}),
    ("f32_1001", {"full": True}),
    ("f32_1001", {"threshold": 2000}),
    ("f32_1001", {"edgeitems": 10}),
    ("f32_40x50", {"threshold": 100000}),
    ("f32_40x50", {"edgeitems": 4, "linewidth": 100}),
    ("f32_10x10x11", {"edgeitems": 2}),
    ("f32_4x4x4x4x4", {"edgeitems": 1}),
    ("c128_long", {"linewidth": 60}),
    ("c64_summarized", {"edgeitems": 2, "precision": 3}),
    ("bool_50x30", {"linewidth": 40}),
    ("bool_40", {"threshold": 8}),
    ("f64_suffix_8", {"linewidth": 60}),
    ("f64_suffix_10", {"linewidth": 100}),
    ("f32_empty_0x3", {"linewidth": 10}),
    ("u8_image", {"threshold": 10, "edgeitems": 1}),
    ("f32_sum_hidden_nan", {"edgeitems": 2}),
    ("f32_0d_pi", {"precision": 8}),
    ("c128_sci", {"precision": 2, "linewidth": 30}),
]


def group_of(name, opts):
    if opts:
        return "options"
    a = T[name]
    if a.size == 0 or a.ndim == 0:
        return "empty-0d"
    if a.size > 1000:
        return "summarized"
    return {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}[a.dtype.kind]


def slug(opts):
    parts = []
    for k, v in opts.items():
        parts.append(k if v is True else "%s%s" % (k, v))
    return "-".join(parts)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(os.path.join(OUT, "inputs"))
    os.makedirs(os.path.join(OUT, "expected"))

    for name, a in T.items():
        np.save(os.path.join(OUT, "inputs", name + ".npy"), a)

    rows = []

    def add(case_id, group, input_rel, args, text):
        rows.append((case_id, group, input_rel, " ".join(shlex.quote(x) for x in args)))
        with open(os.path.join(OUT, "expected", case_id + ".txt"), "w") as f:
            f.write(text + "\n")

    todo = [(n, {}) for n in T] + VARIANTS
    for name, opts in todo:
        a = T[name]
        suffix = ("-" + slug(opts)) if opts else ""
        for style in ("torch", "numpy"):
            if style == "torch" and a.dtype in NO_TORCH:
                continue
            text = torch_repr(a, opts) if style == "torch" else numpy_repr(a, opts)
            args = (["--style", "numpy"] if style == "numpy" else []) + flags(opts)
            add("%s-%s%s" % (style, name, suffix), style + "-" + group_of(name, opts),
                "inputs/%s.npy" % name, args, text)

    with open(os.path.join(OUT, "cases.tsv"), "w") as f:
        f.write("# id\tgroup\tinput\targs (see gen_repr_fixtures.py)\n")
        for r in rows:
            f.write("\t".join(r) + "\n")

    # Views the .npy format cannot hold: negative and broadcast strides, bf16.
    views = []

    def add_view(case_id, input_name, style, spec, cast, text):
        views.append((case_id, "views", "inputs/%s.npy" % input_name, style, spec, cast))
        with open(os.path.join(OUT, "expected", case_id + ".txt"), "w") as f:
            f.write(text + "\n")

    for name, spec in [("f32_randn_3x4", "[::-1]"), ("f32_randn_3x4", "[:, ::-2]"),
                       ("f32_randn_2x3x4", "[::-1, 1:, ::-3]"), ("i64_arange2000", "[::-1, ::-1]"),
                       ("f32_40x50", "[::-1, 5:]"), ("c64_matrix", "[::-1, ::-1]"),
                       ("f32_fortran", "[::-1]"), ("f32_sum_fortran", "[:, ::-1]"),
                       ("i64_arange100", "[::-7]"), ("f32_10x10x11", "[::-1, :, ::-1]")]:
        v = T[name][eval("np.s_" + spec)]
        for style in ("torch", "numpy"):
            text = torch_repr(np.ascontiguousarray(v), {}) if style == "torch" else numpy_repr(v, {})
            add_view("view-%s-%s-%s" % (style, name, slug_spec(spec)), name, style, spec, "-", text)

    # bf16: NumPy has none, so the inputs hold values bf16 represents exactly (as f32);
    # the helper casts them (exactly) to bf16.  Expected text: repr of the bf16 tensor.
    bf16_inputs = {
        "bf16src_randn_3x4": torch.from_numpy(rng(100).standard_normal((3, 4)).astype(np.float32)),
        "bf16src_basic": torch.tensor([1.5, 2.0, -3.25, 0.1]),
        "bf16src_big": torch.tensor([3e38, 1.0, -1e-30]),
        "bf16src_int": torch.tensor([1.0, 256.0, 257.0, -3.0]),
        "bf16src_nan": torch.tensor([nan, inf, 0.5]),
        "bf16src_1100": torch.from_numpy(rng(101).standard_normal(1100).astype(np.float32)),
        "bf16src_0d": torch.tensor(0.3),
    }
    for name, t in bf16_inputs.items():
        b = t.to(torch.bfloat16)
        T[name] = b.float().numpy()
        np.save(os.path.join(OUT, "inputs", name + ".npy"), T[name])
        add_view("view-torch-%s" % name.replace("bf16src", "bf16"), name, "torch", "-", "bf16", torch_repr(b, {}))

    with open(os.path.join(OUT, "views.tsv"), "w") as f:
        f.write("# id\tgroup\tinput\tstyle\tslice\tcast (see gen_repr_fixtures.py)\n")
        for r in views:
            f.write("\t".join(r) + "\n")

    # Cases tshow is known to print differently, with why; the test reports them as TODO.
    with open(os.path.join(OUT, "known_differences.txt"), "w") as f:
        f.write("# id\treason  (cases tshow prints differently from the library; reported as TODO)\n")
        for case_id, why in KNOWN.items():
            f.write("%s\t%s\n" % (case_id, why))

    print("%d cases, %d views, %d inputs" % (len(rows), len(views), len(T)))


# id -> why tshow's text differs from the library's (none known).
KNOWN = {}


def slug_spec(spec):
    out = spec.strip("[]").replace(" ", "").replace("::", "s").replace(":", "c").replace(",", "_")
    return out.replace("-", "m")


if __name__ == "__main__":
    main()
