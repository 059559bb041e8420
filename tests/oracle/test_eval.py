#!/usr/bin/env python3
"""tops eval against PyTorch 1.13, as TAP: each expression is evaluated by `tops eval`
and by PyTorch (the same text run as Python over torch tensors, with the op names bound
to their torch functions), and the values, dtypes and shapes must agree.

Cases cover every group of ops, broadcasting, wrapped scalars (x * 2 keeps f32, an i64
tensor * 2.5 gives f32), 0-d tensors against tensors with dims, .T and .mT, indexing
(negative steps, which torch lacks, are checked against NumPy), mixed dtypes, keyword
and positional arguments, method chains and Python's precedence.  Documented departures:
mean of an integer tensor gives f32 (PyTorch refuses), and allclose/equal give a 0-d
bool tensor where PyTorch gives a Python bool.
"""
import os
import re
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tap import done, path, report, same, tool_result  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
rng = np.random.default_rng(20240612)

# ---------------------------------------------------------------- the bound inputs

INPUTS = {
    "x": rng.standard_normal((3, 4)).astype(np.float32),
    "y": rng.standard_normal((3, 4)).astype(np.float32),
    "v": rng.standard_normal(4).astype(np.float32),
    "p": (rng.random((3, 4)) + 0.1).astype(np.float32),
    "d": rng.standard_normal((3, 4)),
    "i": rng.integers(-5, 6, (3, 4)),
    "b": rng.random((3, 4)) < 0.5,
    "u": rng.integers(0, 200, (3, 4)).astype(np.uint8),
    "k": rng.integers(-100, 100, (3, 4)).astype(np.int8),
    "h": rng.standard_normal((3, 4)).astype(np.float16),
    "A": rng.standard_normal((2, 3, 4)).astype(np.float32),
    "W": rng.standard_normal((5, 4)).astype(np.float32),
    "bias": rng.standard_normal(5).astype(np.float32),
    "z": rng.standard_normal((5, 3)).astype(np.float32),
    "t": rng.integers(0, 3, 5),
    "idx": np.array([3, 0, 0]),
    "s0": np.array(2.5),
}
FILES = {}
for name, array in INPUTS.items():
    FILES[name] = path(name + ".npy")
    np.save(FILES[name], array)

DTYPES = {"f64": torch.float64, "f32": torch.float32, "f16": torch.float16, "i64": torch.int64}


def torch_env():
    """The names an expression uses, bound as PyTorch would read them."""
    env = {name: torch.from_numpy(np.array(a)) for name, a in INPUTS.items()}
    for name in ("sin exp log sigmoid relu sqrt floor round isnan logical_not tanh rsqrt expm1 maximum minimum "
                 "atan2 fmod remainder pow where clamp logical_and logical_or logical_xor sum mean prod argmax argmin std var "
                 "all any logsumexp softmax log_softmax reshape flatten transpose permute cat stack matmul").split():
        env[name] = getattr(torch, name)
    env.update(max=torch.amax, min=torch.amin, norm=torch.linalg.vector_norm, softplus=F.softplus, F=F, torch=torch,
               mse=F.mse_loss, cross_entropy=F.cross_entropy, linear=F.linear, expand=lambda a, s: a.expand(s),
               cast=lambda a, d: a.to(DTYPES[d]), take=lambda a, index, dim=0: torch.index_select(a, dim, index),
               allclose=lambda a, b_, **kw: torch.tensor(torch.allclose(a, b_, **kw)),
               equal=lambda a, b_: torch.tensor(torch.equal(a, b_)), **DTYPES)
    return env


# (expression, reference or None for the expression itself in PyTorch, tolerance)
# A reference starting with "np:" is evaluated over the NumPy arrays instead.
TIGHT, LOOSE = (0, 0), (2e-6, 1e-7)
CASES = [
    # arithmetic, precedence, wrapped scalars and promotion
    ("-x**2", None, TIGHT),
    ("p ** 2 ** 0.5", None, LOOSE),
    ("2 ** -p", None, LOOSE),
    ("x * 2", None, TIGHT),
    ("x * 2 - y / 4 + 1", None, TIGHT),
    ("i * 2", None, TIGHT),
    ("i / 2", None, TIGHT),
    ("i * 2.5", None, TIGHT),
    ("i + True", None, TIGHT),
    ("x + v", None, TIGHT),
    ("x - y - v", None, TIGHT),
    ("x % 3", None, LOOSE),
    ("i % -3", None, TIGHT),
    ("(x > 0) == (y < 0)", None, TIGHT),
    ("i != 2", None, TIGHT),
    ("s0 * x", None, TIGHT),
    ("s0 * i", None, TIGHT),
    ("d + x", None, TIGHT),
    ("u + k", None, TIGHT),
    ("h * 2 + x", None, TIGHT),
    ("b + b", None, TIGHT),
    ("x * math.pi", "x * 3.141592653589793", TIGHT),
    # elementwise unary
    ("sin(x)", None, LOOSE),
    ("x.exp()", None, LOOSE),
    ("log(p)", None, LOOSE),
    ("sigmoid(x) + relu(y)", None, LOOSE),
    ("softplus(x)", None, LOOSE),
    ("x.abs().sqrt()", None, LOOSE),
    ("floor(x) + round(x * 3)", None, TIGHT),
    ("isnan(log(x))", None, TIGHT),
    ("logical_not(b)", None, TIGHT),
    ("tanh(x).neg()", None, LOOSE),
    ("rsqrt(p) + expm1(x)", None, LOOSE),
    ("x.square() + p.reciprocal()", None, LOOSE),
    # elementwise binary and ternary
    ("maximum(x, y) - minimum(x, 0.)", "maximum(x, y) - minimum(x, torch.tensor(0.))", TIGHT),
    ("atan2(x, y)", None, LOOSE),
    ("fmod(x, 2) + remainder(x, -2)", None, LOOSE),
    ("pow(p, y)", None, LOOSE),
    ("where(b, x, y)", None, TIGHT),
    ("where(x > 0, x, 0.)", None, TIGHT),
    ("clamp(x, min=-0.5, max=0.5)", None, TIGHT),
    ("x.clamp(0) + y.clip(max=-0.1)", "x.clamp(0) + y.clamp(max=-0.1)", TIGHT),
    ("logical_and(b, x > 0)", None, TIGHT),
    ("logical_xor(b, b.T.T)", None, TIGHT),
    # linear algebra
    ("x @ W.T + bias", None, LOOSE),
    ("A @ v", None, LOOSE),
    ("v @ v", None, LOOSE),
    ("A @ A.mT", None, LOOSE),
    ("matmul(v, x.T)", None, LOOSE),
    ("linear(x, W, bias)", None, LOOSE),
    ("F.linear(x, W)", None, LOOSE),
    # reductions
    ("sum(x, dim=1)", None, LOOSE),
    ("x.mean()", None, LOOSE),
    ("x.sum((0, 1), keepdim=True)", None, LOOSE),
    ("prod(p, 0)", None, LOOSE),
    ("max(x, dim=1) - x.amin(0).sum()", None, LOOSE),
    ("argmax(x, dim=1) + x.argmin()", None, TIGHT),
    ("std(x, dim=0)", None, LOOSE),
    ("x.var(0, correction=0)", "x.var(dim=0, correction=0)", LOOSE),
    ("x.var(unbiased=False)", None, LOOSE),
    ("norm(x)", None, LOOSE),
    ("x.norm(p=1, dim=1)", None, LOOSE),
    ("logical_or(all(b), any(b, dim=0))", None, TIGHT),
    ("logsumexp(x, 1)", None, LOOSE),
    ("mean(i)", "torch.mean(i.float())", LOOSE),
    ("torch.sum(d, -1, True)", None, LOOSE),
    # neural-net helpers and losses
    ("softmax(z, dim=1)", None, LOOSE),
    ("z.log_softmax(-1)", None, LOOSE),
    ("softmax(x @ W.T, dim=-1).amax(dim=1)", None, LOOSE),
    ("mse(x, y)", None, LOOSE),
    ("cross_entropy(z, t)", None, LOOSE),
    ("((x - y) ** 2).mean()", None, LOOSE),
    ("(x @ W.T + bias).relu().sum(dim=1)", None, LOOSE),
    # shape
    ("x.reshape(2, -1)", None, TIGHT),
    ("reshape(x, (4, 3)) + 1", None, TIGHT),
    ("x.view(-1)", None, TIGHT),
    ("flatten(A, start_dim=1)", None, TIGHT),
    ("A.flatten(0, 1)", None, TIGHT),
    ("x[None].squeeze() + x.unsqueeze(1).sum(1)", None, TIGHT),
    ("A.transpose(0, 2)", None, TIGHT),
    ("A.permute(2, 0, 1) * 2", None, TIGHT),
    ("A.T", None, TIGHT),
    ("x.mT - x.T", None, TIGHT),
    ("v.expand(3, -1) + x", None, TIGHT),
    ("expand(v[None], (2, 4))", None, TIGHT),
    ("x.T.contiguous()", None, TIGHT),
    ("x.reshape(2, -1).sum(dim=0)", None, LOOSE),
    # indexing
    ("x[1:, ::2]", None, TIGHT),
    ("A[..., 0]", None, TIGHT),
    ("x[None]", None, TIGHT),
    ("x[::-1]", "np:x[::-1]", TIGHT),
    ("A[:, ::-2, 1:-1] * 2", "np:A[:, ::-2, 1:-1] * np.float32(2)", TIGHT),
    ("x[-1] + x[:, None, 2].sum()", None, LOOSE),  # sums accumulate in f64
    ("A[0][1:]", None, TIGHT),
    ("take(x, idx, dim=1)", None, TIGHT),
    # joining
    ("cat((x, y), dim=0)", None, TIGHT),
    ("cat([x, y], 1)", None, TIGHT),
    ("stack((x, y, x), dim=2)", None, TIGHT),
    ("cat((x, d))", None, TIGHT),
    # dtype
    ("x.to(f64) + 1", None, TIGHT),
    ("cast(x, 'f16')", None, TIGHT),
    ("x.double() / 3", None, TIGHT),
    ("i.float() / 3", None, TIGHT),
    ("(x * 100).long()", None, TIGHT),
    ("b.int() + b.long()", None, TIGHT),
    # checks
    ("allclose(x, x + 1e-9)", None, TIGHT),
    ("equal(x, y)", None, TIGHT),
]


def names_in(expr):
    """The inputs EXPR names (not attributes, not keywords such as p=1)."""
    return [n for n in INPUTS if re.search(r"(?<![\w.])" + re.escape(n) + r"\b(?!\s*=[^=])", expr)]


def reference(expr, ref):
    if ref and ref.startswith("np:"):
        env = {name: np.array(a) for name, a in INPUTS.items()}
        env["np"] = np
        return np.asarray(eval(ref[3:], env))
    env = torch_env()
    r = eval(ref or expr, env)
    return r.numpy() if isinstance(r, torch.Tensor) else np.asarray(r)


def main():
    assert len(CASES) >= 40
    for expr, ref, (rtol, atol) in CASES:
        bindings = [f"{n}={FILES[n]}" for n in names_in(expr)]
        got, err = tool_result("tops", "eval", expr, *bindings)
        try:
            want = reference(expr, ref)
        except Exception as e:  # a broken reference is a failing test, not a crash
            report(False, f"eval {expr}", f"reference failed: {e!r}")
            continue
        ok, detail = same(got, want, rtol=rtol, atol=atol)
        report(ok, f"eval {expr}", detail + ("\n" + err if err else ""))

    # A pipe: the chain evaluator streams what graph evaluation computes.
    expr = "sum(relu(x * 2 - 1), dim=1)"
    with open(FILES["x"], "rb") as f:
        got, err = tool_result("tops", "eval", expr, "x=-", stdin=f.read())
    ok, detail = same(got, reference(expr, None), *LOOSE)
    report(ok, "eval through a pipe: " + expr, detail + err)
    done()


main()
