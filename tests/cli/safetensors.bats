#!/usr/bin/env bats
# safetensors through the tools.  The corpus (tests/fixtures/safetensors, written from
# the published layout by tests/oracle/gen_safetensors_fixtures.py) is read here by an
# independent reader written with struct and json (reader.py below); every tensor tconvert
# reads must equal it, from the file and through a pipe.  Every invalid file is refused
# with exit status 1, one line naming the file, and no output.  What tconvert writes must
# be the reference implementation's layout byte for byte (tensor order, compact JSON,
# padding to 8) with the data the inputs hold, bf16 rounded as PyTorch rounds it.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CORPUS="$ROOT/tests/fixtures/safetensors"

# The test's own reader and checks: struct, json and NumPy, nothing of libtnsr.
write_reader() {
	cat >reader.py <<'EOF'
import json, math, struct, subprocess, sys
import numpy as np

DT = {"BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2", "U32": "<u4", "I32": "<i4", "U64": "<u8",
      "I64": "<i8", "F16": "<f2", "F32": "<f4", "F64": "<f8", "BF16": "<u2"}
ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"]
SIZE = {"BOOL": 1, "U8": 1, "I8": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8,
        "I64": 8, "U64": 8}


def read(path):
    """name -> (dtype, array: BF16 widened to float32 exactly), metadata, header length."""
    b = open(path, "rb").read()
    n, = struct.unpack("<Q", b[:8])
    header = json.loads(b[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", None)
    out = {}
    for name, e in header.items():
        s, t = e["data_offsets"]
        assert t - s == math.prod(e["shape"]) * SIZE[e["dtype"]], (name, e)
        a = np.frombuffer(b[8 + n + s:8 + n + t], DT[e["dtype"]])
        if e["dtype"] == "BF16":
            a = (a.astype("<u4") << 16).view("<f4")
        out[name] = (e["dtype"], a.reshape(e["shape"]), s)
    assert sum(math.prod(e[1].shape) * SIZE[e[0]] for e in out.values()) == len(b) - 8 - n
    return out, meta, n


def equal(a, b):
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def check(path, pipe):
    """Every tensor, converted by tconvert to .npy (bf16 as f32), equals what read finds."""
    problems = []
    for name, (dtype, want, _) in read(path)[0].items():
        cmd = ["tconvert"] + (["--dtype", "f32"] if dtype == "BF16" else []) + ["--", ("-" if pipe else path) + ":" + name, "out.npy"]
        r = subprocess.run(cmd, stdin=open(path, "rb") if pipe else None, capture_output=True, text=True)
        if r.returncode:
            problems.append("%s: %s" % (name, r.stderr.strip()))
            continue
        got = np.load("out.npy")
        if got.dtype != want.dtype.newbyteorder("=") or not equal(got, want):
            problems.append("%s: %s %s %r != %s %s %r" % (name, got.dtype, got.shape, got.ravel()[:4], want.dtype,
                                                         want.shape, want.ravel()[:4]))
    return problems


def layout(path):
    """The file is what the reference implementation writes for its tensors and metadata."""
    tensors, meta, n = read(path)
    b = open(path, "rb").read()
    names = sorted(tensors, key=lambda k: (-ORDER.index(tensors[k][0]), k.encode()))
    header, offset = {}, 0
    if meta is not None:
        header["__metadata__"] = meta
    for k in names:
        dtype, a, _ = tensors[k]
        size = a.size * SIZE[dtype]
        header[k] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    problems = [] if b[8:8 + n] == text else ["header %r != %r" % (b[8:8 + n][:300], text[:300])]
    for k in names:
        if (8 + n + tensors[k][2]) % SIZE[tensors[k][0]]:
            problems.append("%s: data not aligned" % k)
    return problems


def same_as_npy(path, directory):
    """Each tensor equals DIRECTORY/NAME.npy."""
    problems = []
    for name, (dtype, got, _) in read(path)[0].items():
        want = np.load("%s/%s.npy" % (directory, name))
        if got.dtype != want.dtype.newbyteorder("<") or not equal(got, want):
            problems.append("%s: %s %r != %s %r" % (name, got.dtype, got.ravel()[:4], want.dtype, want.ravel()[:4]))
    return problems


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    problems = []
    if cmd == "check":
        for f in args:
            problems += ["%s: %s" % (f, p) for p in check(f, False)]
    elif cmd == "check-pipe":
        for f in args:
            problems += ["%s (pipe): %s" % (f, p) for p in check(f, True)]
    elif cmd == "layout":
        for f in args:
            problems += ["%s: %s" % (f, p) for p in layout(f)]
    elif cmd == "same-as-npy":
        problems = same_as_npy(args[0], args[1])
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)
EOF
}

# invalid [pipe]: "NAME<TAB>FRAGMENT" for each invalid file (with pipe: those marked [pipe]).
invalid() {
	local line name fragment
	while IFS= read -r line; do
		[[ $line == '- `'* ]] || continue
		[ -z "${1:-}" ] || [[ $line == *' [pipe] -- '* ]] || continue
		name=${line#- \`}
		name=${name%%\`*}
		fragment=${line##* -- \`}
		fragment=${fragment%\`}
		printf '%s\t%s\n' "$name" "$fragment"
	done <"$CORPUS/README.md"
}

valid() {
	sed -n 's/^\* `\([^`]*\)`.*/\1/p' "$CORPUS/README.md"
}

# refused TOOL FILE FRAGMENT -- ARGS...: runs ARGS; appends to ./problems what is wrong.
refused() {
	local tool=$1 file=$2 fragment=$3 rc=0 lines
	shift 4
	"$@" >stdout 2>stderr || rc=$?
	lines=$(wc -l <stderr)
	{
		[ "$rc" -eq 1 ] || echo "$tool $file: exit status $rc (expected 1): $(cat stderr)"
		[ ! -s stdout ] || echo "$tool $file: wrote to stdout: $(head -c 200 stdout)"
		[ "$lines" -eq 1 ] || echo "$tool $file: $lines lines on stderr (expected 1): $(head -c 300 stderr)"
		[[ "$(cat stderr)" == "$tool: "* ]] || echo "$tool $file: stderr does not start with '$tool: '"
		[ -z "$fragment" ] || grep -qF -- "$fragment" stderr || echo "$tool $file: expected '$fragment' in: $(cat stderr)"
	} >>problems
}

no_problems() {
	[ ! -s problems ] || { cat problems; false; }
}

@test "the corpus and its README list the same files" {
	diff <({ valid; invalid | cut -f1; } | sort) <(cd "$CORPUS" && ls *.safetensors | sort)
	[ "$(invalid | wc -l)" -ge 30 ]
}

@test "every tensor of the valid files reads equal to the test's own reader" {
	write_reader
	local f files=()
	for f in $(valid); do files+=("$CORPUS/$f"); done
	py reader.py check "${files[@]}"
	# The reference implementation's own bytes are a layout the writer must give too.
	py reader.py layout "$CORPUS/reference.safetensors" "$CORPUS/all_dtypes.safetensors" "$CORPUS/names.safetensors"
}

@test "and through a pipe, in one pass over the data" {
	write_reader
	local f files=()
	for f in $(valid); do files+=("$CORPUS/$f"); done
	py reader.py check-pipe "${files[@]}"
}

@test "tinfo lists the tensors in data order; aligned data is mapped, unaligned data copied" {
	run tinfo --json "$CORPUS/all_dtypes.safetensors"
	assert_status 0
	printf '%s\n' "$output" >info.jsonl
	py -c '
import json
M = [json.loads(l) for l in open("info.jsonl")]
assert [m["name"] for m in M][:3] == ["t_u64", "t_i64", "t_f64"] and M[-1]["name"] == "t_bool", M
assert all(m["format"] == "safetensors" and m["mappable"] for m in M), M
assert M[0]["byteorder"] == "<" and M[-1]["byteorder"] == "|", M'
	run tinfo "$CORPUS/unaligned.safetensors"
	assert_status 0
	[[ ${lines[0]} == *":a: safetensors f64 (3,) C-order, 24 bytes at offset "*", copied: data offset "*" is not a multiple of 8"* ]]
	# An empty container is valid (as np.savez() with no arrays): tinfo lists nothing.
	run tinfo "$CORPUS/no_tensors.safetensors"
	assert_status 0
	[[ $output == *"no_tensors.safetensors: safetensors with no tensors" ]]
	run tinfo --json "$CORPUS/no_tensors.safetensors"
	assert_status 0
	[ -z "$output" ]
	run tconvert "$CORPUS/no_tensors.safetensors" out.npy
	assert_status 1
}

@test "every invalid file is refused by tinfo and tconvert, and nothing is written" {
	local name fragment
	touch problems
	while IFS=$'\t' read -r name fragment; do
		refused tinfo "$name" "$fragment" -- tinfo "$CORPUS/$name"
		grep -qF "$name" stderr || echo "tinfo $name: the message does not name the file" >>problems
		refused tconvert "$name" "$fragment" -- tconvert "$CORPUS/$name" out.npz
		[ ! -e out.npz ] || { echo "tconvert $name: left out.npz behind" >>problems && rm -f out.npz; }
	done < <(invalid)
	[ "$(ls -A | grep -cv '^std\|^problems$')" -eq 0 ] || echo "files left behind: $(ls -A)" >>problems
	no_problems
}

@test "those marked [pipe] are refused with the same message through a pipe" {
	local name fragment
	touch problems
	while IFS=$'\t' read -r name fragment; do
		refused tinfo "$name" "$fragment" -- sh -c 'cat "$1" | tinfo -' sh "$CORPUS/$name"
	done < <(invalid pipe)
	# Data shorter or longer than the header says: a pipe finds out at its end.
	refused tconvert trailing.safetensors "bytes after the last tensor's data" -- \
		sh -c 'cat "$1" | tconvert - out.npz' sh "$CORPUS/trailing.safetensors"
	refused tconvert truncated_data.safetensors "truncated" -- \
		sh -c 'cat "$1" | tconvert - out.npz' sh "$CORPUS/truncated_data.safetensors"
	[ ! -e out.npz ] || echo "out.npz left behind" >>problems
	no_problems
}

@test "tconvert writes the reference layout: every dtype, views, bf16 rounded as PyTorch rounds" {
	write_reader
	py - <<'EOF'
import os, numpy as np, torch
os.mkdir("in")
rng = np.random.default_rng(5)
for code in ["?", "u1", "i1", "u2", "i2", "f2", "u4", "i4", "f4", "u8", "i8", "f8"]:
    a = (rng.standard_normal((4, 5)) * 100).astype(code)
    np.save("in/x_%s.npy" % np.dtype(code).name, a)
np.save("in/scalar.npy", np.array(2.5))
np.save("in/empty.npy", np.zeros((0, 4), np.float32))
np.save("in/transposed.npy", np.arange(12, dtype=np.int32).reshape(3, 4).T)
np.save("in/big_endian.npy", np.arange(6, dtype=">f8"))
f = rng.standard_normal(1000).astype(np.float32)
np.save("bf_src.npy", f)
np.save("bf_torch.npy", torch.from_numpy(f).to(torch.bfloat16).view(torch.int16).numpy())
EOF
	local args=() f
	for f in in/*.npy; do
		f=${f#in/}
		args+=("${f%.npy}=in/$f")
	done
	tconvert -o out.safetensors "${args[@]}"
	py reader.py layout out.safetensors
	py reader.py same-as-npy out.safetensors in
	tconvert --dtype bf16 bf_src.npy bf.safetensors
	py -c '
import json, struct, numpy as np
b = open("bf.safetensors", "rb").read()
n, = struct.unpack("<Q", b[:8])
h = json.loads(b[8:8 + n])
assert list(h) == ["arr_0"] and h["arr_0"]["dtype"] == "BF16", h
assert np.array_equal(np.frombuffer(b[8 + n:], "<i2"), np.load("bf_torch.npy"))'
}

@test "a container's tensors keep their names; a written file reads back equal" {
	write_reader
	tconvert "$CORPUS/all_dtypes.safetensors" copy.safetensors
	py reader.py layout copy.safetensors
	py -c '
import sys
sys.path.insert(0, ".")
import reader, numpy as np
a, b = reader.read(sys.argv[1])[0], reader.read("copy.safetensors")[0]
assert sorted(a) == sorted(b)
assert all(a[k][0] == b[k][0] and reader.equal(a[k][1], b[k][1]) for k in a)' "$CORPUS/all_dtypes.safetensors"
	tconvert --to safetensors "$CORPUS/reference.safetensors" - >piped.safetensors
	py reader.py layout piped.safetensors
	cat piped.safetensors | tconvert -- -:attn.0 back.npy
	py -c 'import numpy as np; assert np.array_equal(np.load("back.npy"), np.arange(6, dtype=np.float32).reshape(1, 2, 3))'
}

@test "complex tensors cannot go to .safetensors: exit 1 pointing to .tnsr, no file" {
	py -c 'import numpy as np; np.save("c.npy", np.array([1 + 2j], np.complex64))'
	run tconvert c.npy out.safetensors
	assert_status 1
	assert_one_line_error tconvert
	[[ $output == *"c64 cannot be stored in .safetensors"*"use .tnsr"* ]]
	[ ! -e out.safetensors ]
}
