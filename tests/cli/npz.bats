#!/usr/bin/env bats
# .npz through the tools, against NumPy 1.24: every archive of the corpus
# (tests/fixtures/npz, made by tests/oracle/gen_npz_corpus.py) converts equal to what
# np.load returns, from the file and through a pipe; every invalid one is refused with
# exit status 1, one line naming the file and no output; everything tconvert writes
# (every dtype, stored and deflated, C and Fortran order, views, to a file and a pipe)
# loads in NumPy and passes zipfile's CRC check; ZIP64 both ways with sparse files.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CORPUS="$ROOT/tests/fixtures/npz"
GEN="$ROOT/tests/oracle/gen_npz_corpus.py"

# invalid: "NAME<TAB>FRAGMENT" for each invalid file the README lists (PIPE: those marked [pipe]).
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

# valid: the valid files the README lists.
valid() {
	sed -n 's/^\* `\([^`]*\)`.*/\1/p' "$CORPUS/README.md"
}

# refused TOOL FILE FRAGMENT -- ARGS...: runs ARGS; appends to ./problems what is wrong.
# tinfo may have listed the members before the one it refuses: its stdout is not checked.
refused() {
	local tool=$1 file=$2 fragment=$3 rc=0 lines
	shift 4
	"$@" >stdout 2>stderr || rc=$?
	lines=$(wc -l <stderr)
	{
		[ "$rc" -eq 1 ] || echo "$tool $file: exit status $rc (expected 1): $(cat stderr)"
		[ "$tool" = tinfo ] || [ ! -s stdout ] || echo "$tool $file: wrote to stdout"
		[ "$lines" -eq 1 ] || echo "$tool $file: $lines lines on stderr (expected 1): $(head -c 300 stderr)"
		[[ "$(cat stderr)" == "$tool: "* ]] || echo "$tool $file: stderr does not start with '$tool: '"
		[ -z "$fragment" ] || grep -qF -- "$fragment" stderr || echo "$tool $file: expected '$fragment' in: $(cat stderr)"
	} >>problems
}

no_problems() {
	[ ! -s problems ] || { cat problems; false; }
}

# json_check FILE PYTHON: runs PYTHON with M, the list of tinfo --json objects of FILE.
json_check() {
	tinfo --json "$1" >info.jsonl
	py -c "import json; M = [json.loads(l) for l in open('info.jsonl')]; $2"
}

@test "the corpus and its README list the same files" {
	diff <({ valid; invalid | cut -f1; } | sort) <(cd "$CORPUS" && ls *.npz | sort)
	[ "$(invalid | wc -l)" -ge 20 ]
	[ "$(invalid pipe | wc -l)" -ge 10 ]
}

@test "every archive NumPy writes converts equal to np.load, from the file" {
	local f pairs=()
	for f in $(valid); do
		[ "$f" != empty.npz ] || continue # no member: nothing to convert
		tconvert "$CORPUS/$f" "out_$f" || echo "$f: tconvert failed"
		pairs+=("$CORPUS/$f" "out_$f")
	done
	py "$GEN" compare "${pairs[@]}"
}

@test "and through a pipe (local headers and data descriptors, read once)" {
	local f pairs=()
	for f in $(valid); do
		# A pipe cannot see that a later x hides an earlier one: both would be written.
		[ "$f" != empty.npz ] && [ "$f" != duplicate.npz ] || continue
		cat "$CORPUS/$f" | tconvert - "out_$f" || echo "$f: tconvert failed"
		pairs+=("$CORPUS/$f" "out_$f")
	done
	py "$GEN" compare "${pairs[@]}"
}

@test "a member by name, as NumPy's files names it; a duplicate name gives the last" {
	tconvert "$CORPUS/savez.npz:big_endian" be.npy
	tconvert "$CORPUS/duplicate.npz:x" x.npy
	cat "$CORPUS/stream_compressed.npz" | tconvert -- -:a_complex64 c.npy
	tconvert "$CORPUS/mixed.npz:y" y.npy
	py - "$CORPUS" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
for out, (f, k) in {"be.npy": ("savez.npz", "big_endian"), "x.npy": ("duplicate.npz", "x"),
                    "c.npy": ("stream_compressed.npz", "a_complex64"), "y.npy": ("mixed.npz", "y")}.items():
    a, b = np.load(out), np.load(d + "/" + f)[k]
    assert a.dtype == b.dtype.newbyteorder("<") and np.array_equal(a, b), (out, a, b)
    assert a.dtype.byteorder in "=|<", a.dtype
EOF
	run tconvert "$CORPUS/savez.npz:nope" out.npy
	assert_status 1
	assert_one_line_error tconvert
	[[ $output == *"no member 'nope' (members: a_bool, a_int8, "* ]]
}

@test "tinfo: names, zero-copy for aligned stored data, why deflated data is copied" {
	json_check "$CORPUS/savez_compressed.npz" '
assert M[0]["name"] == "a_bool" and M[0]["format"] == "npz" and M[0]["offset"] is None, M[0]
assert all(not m["mappable"] and m["why_not_mappable"] == "deflate-compressed member" for m in M)'
	# NumPy leaves member data unaligned; tconvert aligns it (and makes it little-endian).
	json_check "$CORPUS/savez.npz" 'assert sum(m["mappable"] for m in M) < 10, [m["name"] for m in M if m["mappable"]]'
	tconvert "$CORPUS/savez.npz" ours.npz
	json_check ours.npz 'assert all(m["mappable"] and m["offset"] % 64 == 0 for m in M) and len(M) == 22, M'
	run tinfo --verify "$CORPUS/stream.npz"
	assert_status 0
	[ "$(grep -c 'checksums match' <<<"$output")" -eq 20 ]
}

@test "every invalid archive is refused by tinfo --verify and tconvert, and nothing is written" {
	local name fragment
	touch problems
	while IFS=$'\t' read -r name fragment; do
		refused tinfo "$name" "$fragment" -- tinfo --verify "$CORPUS/$name"
		refused tconvert "$name" "$fragment" -- tconvert "$CORPUS/$name" out.npz
		grep -qF "$name" stderr || echo "tconvert $name: the message does not name the file" >>problems
		[ ! -e out.npz ] || { echo "tconvert $name: left out.npz behind" >>problems && rm -f out.npz; }
	done < <(invalid)
	[ "$(ls -A | grep -cv '^std\|^problems$')" -eq 0 ] || echo "files left behind: $(ls -A)" >>problems
	no_problems
}

@test "those marked [pipe] are refused through a pipe too" {
	local name fragment
	touch problems
	while IFS=$'\t' read -r name fragment; do
		refused tinfo "$name" "$fragment" -- sh -c 'cat "$1" | tinfo --verify -' sh "$CORPUS/$name"
	done < <(invalid pipe)
	no_problems
}

@test "what tconvert writes loads in NumPy: every dtype, stored and deflated, C and F order, views" {
	py "$GEN" arrays in
	local args=() f level
	for f in in/*.npy; do
		f=${f#in/}
		args+=("${f%.npy}=in/$f")
	done
	local outs=() pairs=()
	for level in "" --compress=1 --compress --compress=9; do
		tconvert $level -o "out$level.npz" "${args[@]}"
		outs+=("out$level.npz")
		pairs+=(in "out$level.npz")
		if command -v unzip >/dev/null; then unzip -tq "out$level.npz" >/dev/null; fi
	done
	tconvert --order F -o outF.npz "${args[@]}"
	py "$GEN" compare "${pairs[@]}" in outF.npz
	py "$GEN" inspect "${outs[@]}" outF.npz
	py -c '
import numpy as np
z = np.load("outF.npz")
assert all(z[k].flags.f_contiguous for k in z.files if z[k].ndim > 1), z.files'
}

@test "an archive written to a pipe loads in NumPy and reads back through a pipe" {
	py "$GEN" arrays in
	tconvert --to npz in/a_float64.npy | py -c '
import io, sys, numpy as np
z = np.load(io.BytesIO(sys.stdin.buffer.read()))
assert z.files == ["arr_0"] and np.array_equal(z["arr_0"], np.load("in/a_float64.npy")), z.files'
	tconvert --compress --to npz -o - a=in/a_int16.npy b=in/transposed.npy >piped.npz
	py "$GEN" inspect piped.npz
	cat piped.npz | tconvert - back.npz
	py "$GEN" compare piped.npz back.npz
	tcreate --arange 1000 --format npz | tconvert -- -:arr_0 r.npy
	py -c 'import numpy as np; assert np.array_equal(np.load("r.npy"), np.arange(1000))'
}

@test "bf16 cannot go to .npz: exit 1 with the hint, no file" {
	tcreate --dtype bf16 '[1.5, 2]' -o b.tnsr
	run tconvert b.tnsr out.npz
	assert_status 1
	assert_one_line_error tconvert
	[[ $output == *"bf16 cannot be stored in .npz"*".safetensors"* ]]
	[ ! -e out.npz ]
}

@test "--compress gives np.savez_compressed's size (zlib level 6) within 1%" {
	py -c '
import numpy as np
rng = np.random.default_rng(0)
np.save("r.npy", rng.standard_normal(300000).astype(np.float32))
np.save("s.npy", (np.arange(300000) % 1000).astype(np.float32))
np.savez_compressed("r_np.npz", x=np.load("r.npy"))
np.savez_compressed("s_np.npz", x=np.load("s.npy"))'
	tconvert --compress -o r.npz x=r.npy
	tconvert --compress -o s.npz x=s.npy
	py -c '
import os
for a, b in (("r.npz", "r_np.npz"), ("s.npz", "s_np.npz")):
    x, y = os.path.getsize(a), os.path.getsize(b)
    assert abs(x - y) <= 0.01 * y, (a, x, y)'
}

@test "ZIP64 read: a sparse archive with a member of 4 GiB + 8 bytes and one past 4 GiB" {
	local free
	free=$(df -Pk . | awk 'NR == 2 {print $4}')
	[ "$free" -gt 1048576 ] || skip "needs 1 GiB free for a sparse 4 GiB file, $((free / 1024)) MiB free here"
	py "$GEN" big big.npz
	[ "$(du -k big.npz | cut -f1)" -lt 1048576 ] || skip "the file system does not keep files sparse"
	json_check big.npz '
big, small = M
assert big["name"] == "big" and big["shape"] == [4294967304] and big["mappable"] and big["offset"] % 64 == 0, big
assert small["name"] == "small" and small["offset"] > 1 << 32, small'
	tconvert big.npz:small small.npy
	py -c 'import numpy as np; assert np.array_equal(np.load("small.npy"), np.arange(10, dtype=np.float32))'
	py -c '
import zipfile
z = zipfile.ZipFile("big.npz")
assert [i.file_size for i in z.infolist()][0] == 4294967304 + 128
assert z.read("small.npy")[:6] == b"\x93NUMPY"'
}

@test "ZIP64 write: a 4 GiB + 8 byte member and one after it, to a pipe; zipfile and NumPy read them" {
	local free
	free=$(df -Pk . | awk 'NR == 2 {print $4}')
	[ "$free" -gt 1048576 ] || skip "needs 1 GiB free for sparse 4 GiB files, $((free / 1024)) MiB free here"
	py -c '
import numpy as np
f = open("big.npy", "wb")
np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": ((1 << 32) + 8,)})
f.seek((1 << 32) + 7, 1)
f.write(b"\x07")
np.save("small.npy", np.arange(10, dtype=np.float32))'
	[ "$(du -k big.npy | cut -f1)" -lt 1048576 ] || skip "the file system does not keep files sparse"
	# The archive goes through a pipe into a sparse copy: runs of zeros are skipped, not written.
	tconvert -q --to npz -o - big=big.npy small=small.npy | py -c '
import sys
out, zero, n = open("big.npz", "wb"), bytes(1 << 22), 0
while True:
    b = sys.stdin.buffer.read(1 << 22)
    if not b:
        break
    if b == zero or b.count(0) == len(b):
        out.seek(len(b), 1)
    else:
        out.write(b)
    n += len(b)
out.truncate(n)'
	rm big.npy
	json_check big.npz 'assert M[0]["nbytes"] == 4294967304 and M[0]["mappable"] and M[1]["offset"] > 1 << 32, M'
	py -c '
import zipfile, struct, numpy as np
z = zipfile.ZipFile("big.npz")
big, small = z.infolist()
assert big.file_size == big.compress_size == 4294967304 + 128, big
assert small.header_offset > 1 << 32, small.header_offset
raw = open("big.npz", "rb")
raw.seek(-98, 2)
tail = raw.read()
assert tail[:4] == b"PK\x06\x06" and tail[56:60] == b"PK\x06\x07", tail[:4]
assert np.array_equal(np.load("big.npz")["small"], np.arange(10, dtype=np.float32))
with open("big.npz", "rb") as f:  # the last data byte, where the local header puts it
    f.seek(big.header_offset + 26)
    n, x = struct.unpack("<HH", f.read(4))
    f.seek(big.header_offset + 30 + n + x + 128 + (1 << 32) + 7)
    assert f.read(1) == b"\x07"'
}
