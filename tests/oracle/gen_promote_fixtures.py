#!/usr/bin/env python3
"""Writes the reference data of tests/unit/test_promote.c into tests/fixtures/promote/:
what PyTorch's torch.promote_types and torch.result_type give.

Run with a Python that has torch:  /usr/bin/python3 tests/oracle/gen_promote_fixtures.py

Files:
  promote_types.txt: "A B RESULT" per line, for every pair of the twelve dtypes PyTorch
      has (tnsr's canonical names).
  result_type.txt: "CLASS_A A CLASS_B B RESULT" per line, for every pair of operands,
      where CLASS is how the operand takes part in promotion:
        dim      a tensor with dims (torch.ones(2, dtype=A)),
        zero     a 0-d tensor (torch.ones((), dtype=A)),
        wrapped  a Python number, which PyTorch wraps in a 0-d tensor of bool (True),
                 i64 (1), f64 (1.0) or c128 (1j): the only wrapped dtypes it makes.
  RESULT c32 is PyTorch's complex32 (f16 with a complex number), which tnsr lacks.
"""
import os

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fixtures", "promote")

DTYPES = {
    "bool": torch.bool, "i8": torch.int8, "i16": torch.int16, "i32": torch.int32, "i64": torch.int64,
    "u8": torch.uint8, "f16": torch.float16, "bf16": torch.bfloat16, "f32": torch.float32,
    "f64": torch.float64, "c64": torch.complex64, "c128": torch.complex128,
}
NAME = {v: k for k, v in DTYPES.items()}
NAME[torch.complex32] = "c32"  # tnsr has no complex32; test_promote.c expects c64 there
LITERALS = {"bool": True, "i64": 1, "f64": 1.0, "c128": 1j}


def operands():
    for name, dtype in DTYPES.items():
        yield "dim", name, torch.ones(2, dtype=dtype)
        yield "zero", name, torch.ones((), dtype=dtype)
    for name, value in LITERALS.items():
        yield "wrapped", name, value


def main():
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "promote_types.txt"), "w") as f:
        for a, ta in DTYPES.items():
            for b, tb in DTYPES.items():
                f.write(f"{a} {b} {NAME[torch.promote_types(ta, tb)]}\n")
    with open(os.path.join(OUT, "result_type.txt"), "w") as f:
        for ca, a, va in operands():
            for cb, b, vb in operands():
                f.write(f"{ca} {a} {cb} {b} {NAME[torch.result_type(va, vb)]}\n")


if __name__ == "__main__":
    main()
