#!/usr/bin/env python3
"""Writes tests/fixtures/grad/: expressions of tgrad's language with their inputs, and
PyTorch's values and gradients for them (cases.json + cases.npz).  Each case covers one
or more backward rules; tests/oracle/test_grad.py runs tgrad on the same inputs and
compares, then runs tgrad --check on every case.

Run with /usr/bin/python3 (numpy 1.24, torch 1.13):  tests/oracle/gen_grad_fixtures.py

A case: id, the expression (tgrad's syntax), optionally the same in PyTorch when the
syntax differs (negative slice steps, x.max(dim)), its inputs (each an array, or a number
literal bound as NAME=NUMBER), the names to differentiate (default: every floating
input), whether a random upstream gradient (--grad-output) seeds the backward pass, and
whether tgrad --check can verify it (not at a discontinuity).
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "grad")
rng = np.random.default_rng(20240611)


def U(lo, hi, *shape, dtype=np.float32):
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def N(*shape, dtype=np.float32):
    return rng.standard_normal(size=shape).astype(dtype)


def A(values, dtype=np.float32):
    return np.array(values, dtype=dtype)


def I(values):
    return np.array(values, dtype=np.int64)


# What the names of tgrad's language mean in PyTorch, where they are not torch.NAME.
NAMESPACE = {
    "torch": torch, "F": F,
    "max": torch.amax, "min": torch.amin,
    "norm": lambda x, ord=2, dim=None, keepdim=False: torch.linalg.vector_norm(x, ord, dim, keepdim),
    "take": lambda x, i, dim=0: torch.index_select(x, dim, i),
    "linear": F.linear, "mse": F.mse_loss, "cross_entropy": F.cross_entropy,
    "softplus": F.softplus, "f64": torch.float64, "f32": torch.float32, "inf": float("inf"),
}
for name in ["sum", "mean", "prod", "std", "var", "logsumexp", "softmax", "log_softmax", "relu", "sigmoid",
             "tanh", "exp", "expm1", "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan",
             "sinh", "cosh", "abs", "sqrt", "rsqrt", "square", "reciprocal", "clamp", "where", "maximum",
             "minimum", "fmod", "remainder", "atan2", "matmul", "cat", "stack", "flatten", "neg", "pow",
             "argmax"]:
    NAMESPACE[name] = getattr(torch, name)

CASES = [
    # The four examples of PyTorch's basics lessons: exact values and gradients.
    dict(id="basics_wx_b", expr="w*x + b", inputs=dict(x="3", w="4", b="5"), exact=True),
    dict(id="basics_3x2", expr="3*x**2", inputs=dict(x="4"), exact=True),
    dict(id="basics_poly", expr="5*x**3 + 2*x", inputs=dict(x="2"), exact=True),
    dict(id="basics_mean", expr="(b + a*2).mean()", inputs=dict(a=A([1, 2]), b=A([3, 4])), exact=True),

    # elementwise unary
    dict(id="neg", expr="(-x * y).sum()", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="neg_fn", expr="neg(x).sum()", inputs=dict(x=N(5))),
    dict(id="abs_kink", expr="abs(x).sum()", inputs=dict(x=A([-1.5, 0, 2, 0, -0.25]))),
    dict(id="sqrt", expr="sqrt(x).sum()", inputs=dict(x=U(0.5, 2, 3, 4))),
    dict(id="rsqrt", expr="rsqrt(x).mean()", inputs=dict(x=U(0.5, 2, 3, 4))),
    dict(id="exp", expr="(exp(x) * y).sum()", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="expm1", expr="expm1(x).sum()", inputs=dict(x=N(6))),
    dict(id="log", expr="log(x).sum()", inputs=dict(x=U(0.5, 3, 3, 4))),
    dict(id="log1p", expr="x.log1p().sum()", inputs=dict(x=U(-0.5, 2, 7))),
    dict(id="log2_log10", expr="(log2(x) + log10(x) * 3).sum()", inputs=dict(x=U(0.5, 3, 2, 3))),
    dict(id="sin_cos", expr="(sin(x) * cos(y)).sum()", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="tan", expr="tan(x).sum()", inputs=dict(x=U(-1, 1, 8))),
    dict(id="asin_acos", expr="(asin(x) + acos(x) * 2).sum()", inputs=dict(x=U(-0.9, 0.9, 8))),
    dict(id="atan", expr="atan(x).sum()", inputs=dict(x=N(8))),
    dict(id="sinh_cosh", expr="(sinh(x) - cosh(x) * x).sum()", inputs=dict(x=N(8))),
    dict(id="tanh", expr="(tanh(x) * y).sum()", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="sigmoid", expr="x.sigmoid().sum()", inputs=dict(x=N(3, 4))),
    dict(id="relu_kink", expr="(relu(x) * y).sum()", inputs=dict(x=A([-1, 0, 0.5, 0, 2]), y=N(5))),
    dict(id="softplus", expr="softplus(x).sum()", inputs=dict(x=A([-3, -0.5, 0, 1, 19.5, 20, 21, 30]))),
    dict(id="square", expr="square(x).sum()", inputs=dict(x=N(3, 4))),
    dict(id="reciprocal", expr="reciprocal(x).sum()", inputs=dict(x=U(0.5, 2, 3, 4))),
    dict(id="clamp_both", expr="(clamp(x, min=-0.5, max=0.5) * y).sum()",
         inputs=dict(x=A([-1, -0.5, -0.2, 0, 0.5, 0.7]), y=N(6))),
    dict(id="clamp_min", expr="x.clamp(min=0).sum()", inputs=dict(x=A([-1, 0, 2, 3]))),
    dict(id="cast_f64", expr="(x.double() * y).sum()", inputs=dict(x=N(4), y=N(4, dtype=np.float64))),

    # elementwise binary, broadcasting
    dict(id="add_bcast", expr="(x + y).sum()", inputs=dict(x=N(3, 4), y=N(4))),
    dict(id="sub_bcast", expr="((x - y) ** 2).sum()", inputs=dict(x=N(2, 1, 4), y=N(3, 1))),
    dict(id="mul_bcast", expr="(x * y).sum()", inputs=dict(x=N(3, 4), y=N(3, 1))),
    dict(id="div", expr="(x / y).sum()", inputs=dict(x=N(3, 4), y=U(0.5, 2, 4))),
    dict(id="pow_tensor", expr="(x ** y).sum()", inputs=dict(x=U(0.5, 2, 3, 4), y=N(3, 4))),
    dict(id="pow_scalar_base", expr="(2 ** x).sum()", inputs=dict(x=N(5))),
    dict(id="pow_float_exp", expr="(x ** 2.5).sum()", inputs=dict(x=U(0.5, 2, 5))),
    # 0**y jumps to inf for y < 0: differences cannot see PyTorch's convention d/dy 0**0 = 0
    dict(id="pow_at_zero", expr="pow(x, y).sum()", inputs=dict(x=A([0, 0, 1.5, 2]), y=A([0, 2, 0, 1.5])),
         check=False),
    dict(id="maximum_ties", expr="(maximum(x, y) * z).sum()",
         inputs=dict(x=A([1, 2, 3, -1]), y=A([1, 1, 4, -1]), z=A([1, 2, 3, 4]))),
    dict(id="minimum_ties", expr="x.minimum(y).sum()", inputs=dict(x=A([1, 2, 3, 0]), y=A([1, 1, 4, 0]))),
    dict(id="fmod", expr="fmod(x, y).sum()", inputs=dict(x=A([5.5, -5.5, 3.2, -1.3]), y=A([2, 2, -1.5, 0.7]))),
    dict(id="remainder", expr="(x % y).sum()", inputs=dict(x=A([5.5, -5.5, 3.2, -1.3]), y=A([2, 2, -1.5, 0.7]))),
    dict(id="atan2", expr="atan2(x, y).sum()", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="where_cmp", expr="where(x > 0, x, y * 2).sum()", inputs=dict(x=N(3, 4), y=N(4))),
    dict(id="where_bool", expr="(where(c, x, 0.) * y).sum()",
         inputs=dict(c=np.array([True, False, True]), x=N(2, 3), y=N(2, 3))),

    # linear algebra
    dict(id="matmul_2d", expr="(x @ y).sum()", inputs=dict(x=N(3, 4), y=N(4, 5))),
    dict(id="matmul_vec_mat", expr="(v @ W).sum()", inputs=dict(v=N(4), W=N(4, 5))),
    dict(id="matmul_mat_vec", expr="(W @ v).mean()", inputs=dict(W=N(5, 4), v=N(4))),
    dict(id="matmul_dot", expr="u @ v", inputs=dict(u=N(6), v=N(6))),
    dict(id="matmul_batched", expr="x @ y", inputs=dict(x=N(2, 1, 3, 4), y=N(5, 4, 2)), go=True),
    dict(id="matmul_method", expr="x.matmul(y.T).sum()", inputs=dict(x=N(3, 4), y=N(2, 4))),
    dict(id="linear", expr="linear(x, W, b)", inputs=dict(x=N(3, 4), W=N(5, 4), b=N(5)), go=True),
    dict(id="linear_batched", expr="F.linear(x, W).sum()", inputs=dict(x=N(2, 3, 4), W=N(5, 4))),
    dict(id="mse_regression", expr="mean((X @ W.T + b - Y)**2)",
         inputs=dict(X=N(8, 6), W=N(3, 6), b=N(3), Y=N(8, 3))),

    # reductions
    dict(id="sum_dim", expr="sum(x, dim=1)", inputs=dict(x=N(3, 4)), go=True),
    dict(id="sum_dims_keepdim", expr="x.sum(dim=(0, 2), keepdim=True)", inputs=dict(x=N(2, 3, 4)), go=True),
    dict(id="mean_dim", expr="mean(x, dim=-1)", inputs=dict(x=N(2, 3, 4)), go=True),
    dict(id="prod_zeros", expr="prod(x, dim=1)",
         inputs=dict(x=A([[1, 2, 3], [0, 2, 3], [0, 0, 3], [2, 0, 0.5]])), go=True),
    dict(id="prod_all", expr="x.prod()", inputs=dict(x=U(0.5, 1.5, 3, 3))),
    dict(id="max_ties", expr="max(x, dim=1)", torch="torch.amax(x, dim=1)",
         inputs=dict(x=A([[1, 3, 3], [2, 1, 0], [5, 5, 5]])), go=True),
    dict(id="min_all_ties", expr="min(x)", inputs=dict(x=A([[1, 0, 3], [0, 2, 4]]))),
    dict(id="max_method", expr="x.max()", inputs=dict(x=N(3, 4))),
    dict(id="std_dim", expr="std(x, dim=1)", inputs=dict(x=N(3, 5)), go=True),
    dict(id="var_correction", expr="var(x, dim=0, correction=0)", inputs=dict(x=N(4, 3)), go=True),
    dict(id="std_all", expr="x.std()", inputs=dict(x=N(3, 4))),
    dict(id="var_unbiased_kw", expr="x.var(1, unbiased=False).sum()", inputs=dict(x=N(3, 4))),
    dict(id="norm_2", expr="norm(x)", inputs=dict(x=N(3, 4))),
    dict(id="norm_1_dim", expr="norm(x, ord=1, dim=1)", inputs=dict(x=N(3, 4)), go=True),
    dict(id="norm_3_dim", expr="norm(x, ord=3, dim=0)", inputs=dict(x=N(3, 4)), go=True),
    dict(id="norm_inf_ties", expr="norm(x, ord=inf, dim=1)", inputs=dict(x=A([[3, -3, 1], [0.5, 2, -1]])), go=True),
    dict(id="norm_neg_inf", expr="x.norm(p=-inf)", torch="torch.linalg.vector_norm(x, -inf)",
         inputs=dict(x=A([[3, -0.5, 1], [0.75, 2, -1]]))),
    dict(id="norm_half_zero", expr="norm(x, ord=0.5, dim=0, keepdim=True)",
         inputs=dict(x=A([[0, 1.5], [2, -0.5], [1, 0.25]])), go=True),
    dict(id="logsumexp_dim", expr="logsumexp(x, dim=1)", inputs=dict(x=N(3, 4) * 3), go=True),

    # neural-net helpers and losses
    dict(id="softmax", expr="(softmax(x, dim=1) * y).sum()", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="softmax_dim0", expr="softmax(x, dim=0)", inputs=dict(x=N(3, 4)), go=True),
    dict(id="log_softmax", expr="(log_softmax(x, dim=-1) * y).sum()", inputs=dict(x=N(2, 3, 4), y=N(2, 3, 4))),
    dict(id="mse", expr="mse(x, y)", inputs=dict(x=N(3, 4), y=N(3, 4))),
    dict(id="mse_bcast", expr="mse(x, y)", torch="F.mse_loss(*torch.broadcast_tensors(x, y))",
         inputs=dict(x=N(3, 4), y=N(4))),
    dict(id="cross_entropy", expr="cross_entropy(z, t)", inputs=dict(z=N(4, 5), t=I([0, 4, 2, 2]))),
    dict(id="cross_entropy_ignore", expr="cross_entropy(z, t)", inputs=dict(z=N(4, 5), t=I([1, -100, 3, 0]))),
    dict(id="cross_entropy_1d", expr="cross_entropy(z, t)", inputs=dict(z=N(5), t=np.array(3, dtype=np.int64))),
    dict(id="cross_entropy_spatial", expr="cross_entropy(z, t)", inputs=dict(z=N(2, 3, 4), t=I([[0, 1, 2, 1], [2, 2, 0, 1]]))),
    dict(id="cross_entropy_probs", expr="cross_entropy(z, p)",
         inputs=dict(z=N(3, 4), p=np.array(torch.softmax(torch.tensor(N(3, 4)), 1)))),
    dict(id="cross_entropy_large", expr="F.cross_entropy(z * 100, t)", inputs=dict(z=N(4, 5), t=I([0, 1, 2, 3]))),
    dict(id="classifier", expr="cross_entropy(linear(relu(linear(x, W1, b1)), W2, b2), t)",
         inputs=dict(x=N(6, 5), W1=N(4, 5), b1=N(4), W2=N(3, 4), b2=N(3), t=I([0, 1, 2, 0, 1, 2]))),

    # shape
    dict(id="reshape", expr="(x.reshape(2, -1) * y).sum()", inputs=dict(x=N(3, 4), y=N(2, 6))),
    dict(id="view", expr="(x.view(4, 3) * y).sum()", inputs=dict(x=N(3, 4), y=N(4, 3))),
    dict(id="transpose_T", expr="(x.T @ y).sum()", inputs=dict(x=N(3, 4), y=N(3, 2))),
    dict(id="mT", expr="(x.mT * y).sum()", inputs=dict(x=N(2, 3, 4), y=N(2, 4, 3))),
    dict(id="flatten", expr="(flatten(x, start_dim=1) * y).sum()", inputs=dict(x=N(2, 3, 4), y=N(2, 12))),
    dict(id="unsqueeze", expr="(x.unsqueeze(1) * y).sum()", inputs=dict(x=N(3, 4), y=N(3, 2, 4))),
    dict(id="squeeze", expr="(x.squeeze() * y).sum()", inputs=dict(x=N(3, 1, 4), y=N(3, 4))),
    dict(id="permute", expr="(x.permute(2, 0, 1) * y).sum()", inputs=dict(x=N(2, 3, 4), y=N(4, 2, 3))),
    dict(id="transpose_dims", expr="(x.transpose(0, 2) * y).sum()", inputs=dict(x=N(2, 3, 4), y=N(4, 3, 2))),
    dict(id="expand", expr="(x.expand(2, 3, 4) * y).sum()", inputs=dict(x=N(3, 1), y=N(2, 3, 4))),
    dict(id="contiguous", expr="(x.T.contiguous() * y).sum()", inputs=dict(x=N(3, 4), y=N(4, 3))),

    # indexing and joining
    dict(id="slice_negative_step", expr="(x[1:, ::-2] * y).sum()", torch="(x[1:].flip(-1)[:, ::2] * y).sum()",
         inputs=dict(x=N(3, 4), y=N(2, 2))),
    dict(id="slice_ellipsis", expr="(x[..., 1] * y).sum()", inputs=dict(x=N(2, 3, 4), y=N(2, 3))),
    dict(id="slice_index_none", expr="(x[None, 1] * y).sum()", inputs=dict(x=N(3, 4), y=N(2, 4))),
    dict(id="take_repeat", expr="take(x, i, dim=1)", inputs=dict(x=N(3, 4), i=I([0, 2, 2, 3, 0])), go=True),
    dict(id="cat", expr="cat((x, y), dim=0)", inputs=dict(x=N(2, 3), y=N(4, 3)), go=True),
    dict(id="cat_dim1", expr="(torch.cat([x, y, x], 1) * z).sum()", inputs=dict(x=N(2, 3), y=N(2, 1), z=N(2, 7))),
    dict(id="stack", expr="(stack((x, y), dim=1) * z).sum()", inputs=dict(x=N(2, 3), y=N(2, 3), z=N(2, 2, 3))),

    # the graph: values used more than once, pruning, dtypes, --wrt
    dict(id="reuse_cube", expr="(x * x * x).sum()", inputs=dict(x=N(5))),
    dict(id="reuse_gram", expr="(x @ x.T).sum()", inputs=dict(x=N(3, 4))),
    dict(id="mlp", expr="sum(relu(x @ W1.T + b1) @ W2.T)",
         inputs=dict(x=N(4, 3), W1=N(5, 3), b1=N(5), W2=N(2, 5))),
    dict(id="pruned_argmax", expr="(x * 2).sum() + argmax(y)", inputs=dict(x=N(4), y=N(4)), wrt=["x"]),
    dict(id="wrt_subset", expr="(x * y + z).sum()", inputs=dict(x=N(3), y=N(3), z=N(3)), wrt=["z", "x"]),
    dict(id="mixed_dtypes", expr="(x * y).sum()", inputs=dict(x=N(4, dtype=np.float64), y=N(4))),
    dict(id="f64_chain", expr="mean(tanh(x @ W) ** 2)", inputs=dict(x=N(3, 4, dtype=np.float64), W=N(4, 2, dtype=np.float64))),
    dict(id="unused_input", expr="x.sum() + 0 * y.sum()", inputs=dict(x=N(3), y=N(2))),
]


def torch_value(spec):
    if isinstance(spec, str):
        return torch.tensor(float(spec))  # NAME=NUMBER binds a 0-d f32 tensor
    return torch.tensor(spec)


def main():
    os.makedirs(OUT, exist_ok=True)
    arrays, listing = {}, []
    for case in CASES:
        cid = case["id"]
        ns = dict(NAMESPACE)
        floating = [n for n, v in case["inputs"].items()
                    if isinstance(v, str) or np.asarray(v).dtype.kind == "f"]
        wrt = case.get("wrt", floating)
        for name, spec in case["inputs"].items():
            t = torch_value(spec)
            if name in wrt:
                t.requires_grad_(True)
            ns[name] = t
            if not isinstance(spec, str):
                arrays[f"{cid}.{name}"] = np.asarray(spec)
        out = eval(case.get("torch", case["expr"]), ns)
        if case.get("go"):
            go = N(*out.shape, dtype=np.float32).astype(out.detach().numpy().dtype)
            arrays[f"{cid}.grad_output"] = go
            out.backward(torch.tensor(go))
        else:
            out.backward()
        arrays[f"{cid}.expect.out"] = out.detach().numpy()
        for name in wrt:
            g = ns[name].grad
            arrays[f"{cid}.expect.{name}.grad"] = (g if g is not None else torch.zeros_like(ns[name])).numpy()
        listing.append(dict(id=cid, expr=case["expr"], inputs=list(case["inputs"]),
                            literals={n: v for n, v in case["inputs"].items() if isinstance(v, str)},
                            wrt=case.get("wrt"), grads=wrt, go=bool(case.get("go")),
                            exact=bool(case.get("exact")), check=case.get("check", True)))
    np.savez(os.path.join(OUT, "cases.npz"), **arrays)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(listing, f, indent=1)
        f.write("\n")
    print(f"{len(listing)} cases written to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
