"""Shape ops (reshape, flatten, squeeze, unsqueeze, transpose, permute, expand, contiguous,
slice), take (index_select), cat and stack through `tops`, against PyTorch, as TAP.

Inputs come in C order, in Fortran order and as reversed views (`tops slice '[::-1]' then
OP`); results must match PyTorch's values, shape and dtype (cat and stack promote like
torch.cat), and errors must be one line naming the op and the values at fault.  That shape
ops stay views of a mapped file is checked at the library level (tests/oracle/test_views.py)."""
import numpy as np
import torch

from tap import done, report, run, same, save, tool_result

rng = np.random.default_rng(5)
base = rng.standard_normal((4, 5, 6)).astype(np.float32)
INPUTS = {
    "c": base,
    "f": np.asfortranarray(base),
    "int": np.arange(12, dtype=np.int64).reshape(3, 4),
    "ones": np.arange(6, dtype=np.float64).reshape(1, 6, 1),
    "scalar": np.array(2.5, dtype=np.float32),
    "vector": np.arange(5, dtype=np.int32),
    "empty": np.zeros((0, 3), dtype=np.int16),
}


def torch_of(a):
    return torch.from_numpy(np.array(a, order="C"))


def check(what, got, expect, err):
    ok, detail = same(got, np.asarray(expect))
    report(ok, what, detail or err)


def case(name, args, fn, reverse=False):
    """tops ARGS[0] on input NAME (reversed along dim 0 first when REVERSE) vs FN(torch tensor)."""
    a = INPUTS[name]
    path = save(name, a)
    if reverse:
        got, err = tool_result("tops", "slice", path, "[::-1]", "then", *args)
        a = a[::-1]
    else:
        got, err = tool_result("tops", args[0], path, *args[1:])
    expect = fn(torch_of(a)).numpy()
    check(f"{' '.join(args)} of {name}{' reversed' if reverse else ''}", got, expect, err)


SHAPE_CASES = [
    ("reshape", ["2x-1"], lambda t: t.reshape(2, -1)), ("reshape", ["-1"], lambda t: t.reshape(-1)),
    ("reshape", ["6,20"], lambda t: t.reshape(6, 20)), ("view", ["20x6"], lambda t: t.reshape(20, 6)),
    ("flatten", [], lambda t: t.flatten()), ("flatten", ["--start-dim", "1"], lambda t: t.flatten(1)),
    ("flatten", ["--start-dim", "-2", "--end-dim", "-1"], lambda t: t.flatten(-2, -1)),
    ("flatten", ["--end-dim", "1"], lambda t: t.flatten(0, 1)),
    ("squeeze", [], lambda t: t.squeeze()), ("unsqueeze", ["--dim", "0"], lambda t: t.unsqueeze(0)),
    ("unsqueeze", ["--dim", "-1"], lambda t: t.unsqueeze(-1)), ("unsqueeze", ["--dim", "2"], lambda t: t.unsqueeze(2)),
    ("transpose", [], lambda t: t.transpose(-2, -1)), ("transpose", ["0", "2"], lambda t: t.transpose(0, 2)),
    ("transpose", ["-1", "0"], lambda t: t.transpose(-1, 0)), ("permute", ["2", "0", "1"], lambda t: t.permute(2, 0, 1)),
    ("permute", ["-1", "1", "0"], lambda t: t.permute(2, 1, 0)), ("contiguous", [], lambda t: t.contiguous()),
    ("expand", ["3x4x5x6"], lambda t: t.expand(3, 4, 5, 6)), ("expand", ["3x4x-1x6"], lambda t: t.expand(3, 4, -1, 6)),
    ("slice", ["[1:-1, ::2]"], lambda t: t[1:-1, ::2]), ("slice", ["[..., 0]"], lambda t: t[..., 0]),
    ("slice", ["[None, :, 2]"], lambda t: t[None, :, 2]), ("slice", ["[::-2, 1:4, -1]"], lambda t: t.flip(0)[::2, 1:4, -1]),
]
for op, args, fn in SHAPE_CASES:
    for name in ("c", "f"):
        case(name, [op] + args, fn)
    case("c", [op] + args, fn, reverse=True)

# Small, odd and degenerate shapes.
for name, args, fn in [
        ("ones", ["squeeze"], lambda t: t.squeeze()), ("ones", ["squeeze", "--dim", "0"], lambda t: t.squeeze(0)),
        ("ones", ["squeeze", "--dim", "1"], lambda t: t.squeeze(1)),  # size 6: left alone
        ("ones", ["squeeze", "--dim", "-1"], lambda t: t.squeeze(-1)),
        ("ones", ["expand", "3x6x4"], lambda t: t.expand(3, 6, 4)),
        ("ones", ["expand", "2x1x6x-1"], lambda t: t.expand(2, 1, 6, -1)),
        ("scalar", ["flatten"], lambda t: t.flatten()), ("scalar", ["reshape", "1x1"], lambda t: t.reshape(1, 1)),
        ("scalar", ["unsqueeze", "--dim", "0"], lambda t: t.unsqueeze(0)), ("scalar", ["squeeze"], lambda t: t.squeeze()),
        ("scalar", ["expand", "2x3"], lambda t: t.expand(2, 3)),
        ("scalar", ["transpose"], lambda t: t), ("vector", ["transpose"], lambda t: t),  # as they are: see --help
        ("vector", ["transpose", "0", "-1"], lambda t: t.transpose(0, -1)),
        ("vector", ["flatten"], lambda t: t.flatten()), ("vector", ["unsqueeze", "--dim", "1"], lambda t: t.unsqueeze(1)),
        ("int", ["transpose"], lambda t: t.t()), ("int", ["flatten", "--start-dim", "1"], lambda t: t.flatten(1)),
        ("int", ["reshape", "2x3x2"], lambda t: t.reshape(2, 3, 2)), ("int", ["slice", "[::-1, ::-1]"], lambda t: t.flip(0, 1)),
        ("empty", ["reshape", "3x0"], lambda t: t.reshape(3, 0)), ("empty", ["reshape", "-1x3"], lambda t: t.reshape(-1, 3)),
        ("empty", ["flatten"], lambda t: t.flatten()), ("empty", ["transpose"], lambda t: t.t()),
        ("empty", ["unsqueeze", "--dim", "1"], lambda t: t.unsqueeze(1)), ("empty", ["slice", "[:, 1:]"], lambda t: t[:, 1:])]:
    case(name, args, fn)
# A chain of views, then a reshape that needs a copy (torch.reshape copies there too).
got, err = tool_result("tops", "transpose", save("c", base), "0", "2", "then", "slice", "[::2]", "then", "reshape", "-1")
check("transpose then slice then reshape (a copy)", got, torch_of(base).transpose(0, 2)[::2].reshape(-1).numpy(), err)


def expect_error(what, args, message, status=1):
    r = run("tops", *args)
    err = r.stderr.decode()
    report(r.returncode == status and err == f"tops: {message}\n", what,
           f"status {r.returncode}, stderr {err!r}, expected {message!r}")


c = save("c", base)
expect_error("reshape to a size that does not fit", ["reshape", c, "7x-1"],
             "reshape: shape (7, -1) is invalid for input of size 120")
expect_error("reshape to another size", ["reshape", c, "2x3"],
             "reshape: shape (2, 3) is invalid for input of shape (4, 5, 6) (size 120)")
expect_error("flatten with start after end", ["flatten", c, "--start-dim", "2", "--end-dim", "1"],
             "flatten: start dim 2 comes after end dim 1 (expected start <= end)")
expect_error("flatten with a start dim out of range", ["flatten", c, "--start-dim", "3"],
             "flatten: start dim: dim 3 out of range for a 3-d tensor (expected -3..2)")
expect_error("squeeze of a dim out of range", ["squeeze", c, "--dim", "3"],
             "squeeze: dim 3 out of range for a 3-d tensor (expected -3..2)")
expect_error("unsqueeze past the end", ["unsqueeze", c, "--dim", "4"],
             "unsqueeze: dim 4 out of range for a 4-d tensor (expected -4..3)")
expect_error("transpose of a dim out of range", ["transpose", c, "0", "3"],
             "transpose: dim 3 out of range for a 3-d tensor (expected -3..2)")
expect_error("permute with too few dims", ["permute", c, "2", "0"],
             "permute: 2 dims given for a 3-d tensor of shape (4, 5, 6) (expected 3)")
expect_error("permute with a repeated dim", ["permute", c, "0", "0", "1"],
             "permute: dim 0 repeated (expected each of 0..2 once)")
expect_error("expand of a dim that is not 1", ["expand", c, "4x7x6"],
             "expand: the size 5 of (4, 5, 6) must match 7 at dim 1 of (4, 7, 6) (only size-1 dims expand)")

# take: torch.index_select.
x = rng.standard_normal((5, 4, 3)).astype(np.float32)
idx = np.array([4, 0, 2, 2], dtype=np.int64)
for dim in [0, 1, -1, 2]:
    for itype in ["int64", "int32", "uint8", "int16"]:
        sel = (idx % x.shape[dim]).astype(itype)
        expect = torch.index_select(torch_of(x), dim, torch.from_numpy(sel.astype(np.int64))).numpy()
        for layout, arr in [("C", x), ("Fortran", np.asfortranarray(x))]:
            got, err = tool_result("tops", "take", save("x", arr), save("i", sel), "--dim", dim)
            check(f"take --dim {dim} with {itype} indices, {layout} order", got, expect, err)
got, err = tool_result("tops", "take", save("x", x), save("i", np.array([1, 3])))
check("take without --dim is dim 0", got, x[[1, 3]], err)
got, err = tool_result("tops", "slice", save("x", x), "[::-1, :, ::-2]", "then", "take", save("i", np.array([0, 1, 0])), "--dim", 1)
check("take from a reversed view", got, x[::-1, :, ::-2][:, [0, 1, 0]], err)
got, err = tool_result("tops", "take", save("x", x), save("i", np.array(3)))
check("take with a 0-d index", got, torch.index_select(torch_of(x), 0, torch.tensor(3)).numpy(), err)
got, err = tool_result("tops", "take", save("x", x), save("i", np.zeros(0, np.int64)), "--dim", 1)
check("take with an empty index", got, x[:, []], err)
got, err = tool_result("tops", "take", save("x", np.array([True, False, True])), save("i", np.array([2, 1])))
check("take keeps bool", got, np.array([True, False]), err)
got, err = tool_result("tops", "take", save("x", np.float64(7)), save("i", np.array([0])))
check("take from a 0-d tensor", got, np.float64(7), err)
big = rng.standard_normal((3000, 600)).astype(np.float32)
bidx = rng.integers(0, 3000, 2000)
got, err = tool_result("tops", "take", save("x", big), save("i", bidx))
check("take 2000 rows of (3000, 600) (threads)", got, big[bidx], err)
expect_error("take: an index out of range", ["take", save("x", np.zeros(5)), save("i", np.array([1, 7]))],
             "take: index 7 is out of bounds for dim 0 with size 5")
expect_error("take: a negative index, refused as torch.index_select does",
             ["take", save("x", np.zeros((2, 5))), save("i", np.array([-1])), "--dim", "1"],
             "take: index -1 is out of bounds for dim 1 with size 5")
expect_error("take: float indices", ["take", save("x", np.zeros(5)), save("i", np.array([1.0]))],
             "take: index of dtype f64 (expected an integer dtype)")
expect_error("take: a 2-d index", ["take", save("x", np.zeros(5)), save("i", np.zeros((1, 1), np.int64))],
             "take: index of shape (1, 1) (expected a 0-d or 1-d tensor of indices)")
expect_error("take: a dim out of range", ["take", save("x", np.zeros(5)), save("i", np.array([0])), "--dim", "1"],
             "take: dim 1 out of range for a 1-d tensor (expected -1..0)")


# cat and stack: torch.cat / torch.stack, promotion included.
def join_case(op, arrays, dim, what):
    paths = [save(f"j{i}", a) for i, a in enumerate(arrays)]
    args = [op] + paths + (["--dim", dim] if dim is not None else [])
    got, err = tool_result("tops", *args)
    fn = torch.cat if op == "cat" else torch.stack
    expect = fn([torch_of(a) for a in arrays], dim=dim or 0).numpy()
    check(f"{op} {what}", got, expect, err)


a, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal((4, 3)).astype(np.float32)
join_case("cat", [a, b], None, "(2, 3) and (4, 3)")
join_case("cat", [a, b.T.copy().T, a], 0, "three, one Fortran-order")
join_case("cat", [a.T.copy(), b.T.copy()], 1, "along dim 1")
join_case("cat", [a.T.copy(), b.T.copy()], -1, "along dim -1")
with open(save("a", a), "rb") as f:
    a_bytes = f.read()
got, err = tool_result("tops", "cat", "-", stdin=a_bytes)
check("cat of one tensor (standard input)", got, a, err)
got, err = tool_result("tops", "cat", save("b", b), stdin=a_bytes)
check("cat of standard input and one file", got, np.concatenate([a, b]), err)
join_case("cat", [a, b.astype(np.float64)], 0, "f32 and f64 give f64")
join_case("cat", [np.arange(3, dtype=np.int32), np.arange(2, dtype=np.uint8)], 0, "i32 and u8 give i32")
join_case("cat", [np.arange(3, dtype=np.uint8), np.arange(2, dtype=np.int8)], 0, "u8 and i8 give i16")
join_case("cat", [np.array([True]), np.arange(2, dtype=np.float16)], 0, "bool and f16 give f16")
join_case("cat", [a, np.zeros(0, np.float64)], 0, "skips a 1-d empty tensor but promotes with it")
join_case("cat", [np.zeros(0, np.float32), np.zeros(0, np.float32)], 0, "of empty 1-d tensors")
join_case("cat", [np.zeros((0, 3), np.float32), b], 0, "with a (0, 3) tensor")
join_case("cat", [np.zeros((2, 3, 4), np.int64), np.ones((2, 5, 4), np.int64)], 1, "3-d along dim 1")
got, err = tool_result("tops", "slice", save("a", a), "[::-1, ::-1]", "then", "cat", save("b", b))
check("cat of a reversed view (the running value first)", got, np.concatenate([a[::-1, ::-1], b]), err)
join_case("stack", [a, a * 2], None, "two (2, 3)")
join_case("stack", [a, a * 2, a * 3], 1, "along dim 1")
join_case("stack", [a, a * 2], 2, "along a new last dim")
join_case("stack", [a, a * 2], -1, "along dim -1")
join_case("stack", [a, np.asfortranarray(a * 2)], 0, "with a Fortran-order input")
join_case("stack", [np.float32(1), np.float32(2)], 0, "of 0-d tensors")
join_case("stack", [np.arange(3, dtype=np.int8), np.arange(3, dtype=np.uint8)], 0, "i8 and u8 give i16")
join_case("stack", [np.zeros((0, 2)), np.zeros((0, 2))], 1, "of empty tensors")
expect_error("cat: different numbers of dims", ["cat", save("a", a), save("b", np.zeros((2, 3, 1), np.float32))],
             "cat: input 1 of shape (2, 3, 1) has 3 dims, input 0 of shape (2, 3) has 2 (expected the same number)")
expect_error("cat: sizes that differ outside the cat dim", ["cat", save("a", a), save("b", np.zeros((2, 4), np.float32))],
             "cat: input 1 of shape (2, 4) does not fit input 0 of shape (2, 3): 4 != 3 at dim 1 (sizes must match except in dim 0)")
expect_error("cat: 0-d inputs", ["cat", save("a", np.zeros(2)), save("b", np.float64(1))],
             "cat: input 1 is 0-d (expected at least 1 dim; stack joins 0-d tensors)")
expect_error("cat: a dim out of range", ["cat", save("a", a), save("b", a), "--dim", "2"],
             "cat: dim 2 out of range for a 2-d tensor (expected -2..1)")
expect_error("stack: shapes that differ", ["stack", save("a", a), save("b", np.zeros((2, 4), np.float32))],
             "stack: input 1 has shape (2, 4), input 0 has (2, 3) (expected equal shapes)")
expect_error("stack: a dim out of range", ["stack", save("a", a), save("b", a), "--dim", "3"],
             "stack: dim 3 out of range for a 3-d tensor (expected -3..2)")
done()
