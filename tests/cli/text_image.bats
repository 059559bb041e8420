#!/usr/bin/env bats
# The text, raw and image formats against independent references: NumPy's repr and
# loadtxt for text, a PNG encoder/decoder written in plain Python (tests/oracle/pngref.py,
# cross-checked with PIL when it is installed) for images, and the invalid corpora of
# tests/fixtures/text and tests/fixtures/image.

load helpers
bats_require_minimum_version 1.5.0

PNGREF="$BATS_TEST_DIRNAME/../oracle/pngref.py"
FIXTURES="$BATS_TEST_DIRNAME/../fixtures"

# check_corpus DIR: every row of DIR/README.md's table gives status 1, one line on
# stderr holding the fragment, and no output file.
check_corpus() {
	local dir=$1 n=0 file args fragment
	while IFS='|' read -r _ file args fragment _; do
		file=$(echo $file)
		args=$(echo $args)
		fragment=$(echo "$fragment" | sed 's/^ *//; s/ *$//')
		[ -n "$file" ] || continue
		run --separate-stderr tconvert $args "$dir/$file" out.npy
		if [ "$status" -ne 1 ] || [ "${#stderr_lines[@]}" -ne 1 ] || [[ "$stderr" != "tconvert: "*"$fragment"* ]] ||
			[ -n "$output" ] || [ -e out.npy ] || [ -n "$(ls -A)" ]; then
			echo "$file: status $status, stderr: $stderr (expected: $fragment)"
			return 1
		fi
		n=$((n + 1))
	done < <(sed -n '/^|---/,$p' "$dir/README.md" | tail -n +2)
	[ "$n" -gt 10 ]
}

@test "invalid text and raw inputs: status 1, one line naming the place, no output" {
	check_corpus "$FIXTURES/text"
}

@test "invalid PNG and PGM files: status 1, one line, no output (bombs included)" {
	check_corpus "$FIXTURES/image"
}

@test "the invalid images also fail through a pipe" {
	for f in bad_idat_crc.png bomb.png truncated_idat.png bad_filter.png plain_over.pgm truncated.pgm; do
		run --separate-stderr bash -c "cat '$FIXTURES/image/$f' | tconvert - out.npy"
		assert_status 1
		[ "${#stderr_lines[@]}" -eq 1 ]
		[ ! -e out.npy ]
	done
}

@test "PNG reading: every colour type, bit depth, filter type, Adam7 and chunk layout" {
	py "$PNGREF" cases cases
	n=0
	for f in cases/*.png; do
		tconvert "$f" "${f%.png}.got.npy" || { echo "$f failed"; false; }
		n=$((n + 1))
	done
	[ "$n" -gt 40 ]
	run py - <<'PY'
import glob
import numpy as np
bad = 0
for f in sorted(glob.glob("cases/*.got.npy")):
    want, got = np.load(f.replace(".got", "")), np.load(f)
    if got.dtype != want.dtype or got.shape != want.shape or not np.array_equal(got, want):
        print(f"{f}: got {got.dtype} {got.shape}, expected {want.dtype} {want.shape}")
        bad += 1
print("differ", bad)
PY
	assert_output "differ 0"
	# The reference encoder agrees with PIL where PIL keeps the values (skipped without PIL).
	run py "$PNGREF" pilcheck cases
	assert_status 0
	[[ "$output" == "ok "* || "$output" == skip ]]
}

@test "PNG writing: u8 and u16, grey, grey+alpha, RGB, RGBA, decoded independently" {
	py - <<'PY'
import numpy as np
r = np.random.default_rng(5)
for shape in [(7, 9), (7, 9, 2), (7, 9, 3), (7, 9, 4), (1, 1), (300, 2, 3), (2, 500, 4)]:
    for dt in ("u1", "<u2"):
        a = r.integers(0, 256 if dt == "u1" else 65536, size=shape).astype(dt)
        a.ravel()[: a.size // 3] = 0  # flat runs choose other filters than noise
        np.save("w_%s_%s.npy" % ("x".join(map(str, shape)), dt[-2:]), a)
# a view that is not contiguous
np.save("t.npy", np.asfortranarray(r.integers(0, 256, size=(5, 6, 3)).astype(np.uint8)))
PY
	for f in w_*.npy t.npy; do
		tconvert "$f" "${f%.npy}.png"
		py "$PNGREF" decode "${f%.npy}.png" "${f%.npy}.dec.npy"
	done
	run py - <<'PY'
import glob
import numpy as np
bad = [f for f in glob.glob("*.dec.npy") if not (lambda a, b: a.dtype == b.dtype and np.array_equal(a, b))(
    np.load(f.replace(".dec", "")), np.load(f))]
print(len(glob.glob("*.dec.npy")), bad)
PY
	assert_output "15 []"
	run py -c 'import zlib; d = open("w_300x2x3_u1.png", "rb").read(); print(d[:8] == b"\x89PNG\r\n\x1a\n", d[-12:] == b"\0\0\0\0IEND\xaeB`\x82")'
	assert_output "True True"
}

@test "PNG writing refuses what PNG cannot hold, with a hint" {
	py -c 'import numpy as np; np.save("f.npy", np.zeros((2, 2), np.float32)); np.save("c1.npy", np.zeros((2, 2, 1), np.uint8)); np.save("c5.npy", np.zeros((2, 2, 5), np.uint8)); np.save("e.npy", np.zeros((0, 3), np.uint8)); np.save("v.npy", np.zeros(4, np.uint8))'
	run tconvert f.npy f.png
	assert_status 1
	assert_output "tconvert: f.png: png holds u8 images (or u16, 16-bit), not f32 (--dtype u8 casts)"
	for f in c1 c5 e v; do
		run tconvert "$f.npy" "$f.png"
		assert_status 1
		assert_one_line_error tconvert
		[ ! -e "$f.png" ]
	done
	run tconvert c5.npy c5.pgm
	assert_status 1
	[[ "$output" == *"pgm: shape (2, 2, 5) is not a grey image"* ]]
}

@test "PGM: P5 both ways (u8 mapped zero-copy, u16 big-endian), P2 read; PIL agrees" {
	py -c 'import numpy as np; r = np.random.default_rng(2); np.save("g.npy", r.integers(0, 256, (5, 7)).astype(np.uint8)); np.save("g16.npy", r.integers(0, 65536, (5, 7)).astype(np.uint16))'
	tconvert g.npy g.pgm
	tconvert g16.npy g16.pgm
	[ "$(head -c 11 g.pgm)" = "$(printf 'P5\n7 5\n255\n')" ]
	tconvert g.pgm g.back.npy
	tconvert g16.pgm g16.back.npy
	printf 'P2\n# a comment\n3 2\n# another\n15\n0 1 2\n 13 14\n15\n' > p2.pgm
	tconvert p2.pgm p2.npy
	run py - <<'PY'
import numpy as np
assert np.array_equal(np.load("g.back.npy"), np.load("g.npy"))
b = np.load("g16.back.npy")
assert b.dtype == np.uint16 and np.array_equal(b, np.load("g16.npy"))
raw = open("g16.pgm", "rb").read()
assert raw.startswith(b"P5\n7 5\n65535\n") and np.array_equal(np.frombuffer(raw[13:], ">u2").reshape(5, 7), b)
assert np.load("p2.npy").tolist() == [[0, 1, 2], [13, 14, 15]]
try:
    from PIL import Image
    assert np.array_equal(np.asarray(Image.open("g.pgm")), np.load("g.npy"))
except ImportError:
    pass
print("ok")
PY
	assert_output ok
	run tinfo g.pgm
	assert_output "g.pgm: pgm u8 (5, 7) C-order, 35 bytes at offset 11, zero-copy"
	run tinfo g16.pgm
	[[ "$output" == "g16.pgm: pgm u16 big-endian (5, 7) C-order, 70 bytes at offset 13, copied: big-endian"* ]]
}

@test "tinfo, tshow and tops read PNG like any input (probed by its magic bytes)" {
	py -c 'import numpy as np; np.save("rgb.npy", np.arange(24, dtype=np.uint8).reshape(2, 4, 3))'
	tconvert rgb.npy rgb.png
	run tinfo rgb.png
	assert_output "rgb.png: png u8 (2, 4, 3) C-order, 24 bytes, copied: PNG pixel data is deflate-compressed"
	run bash -c 'cat rgb.png | tops sum | tshow'
	assert_output "tensor(276)"
	# PNG stores CRCs: tinfo --verify decodes the image to check them and the Adler-32
	run tinfo --verify rgb.png
	assert_status 0
	[[ "$output" == *"checksums match"* ]]
	run tinfo --verify "$FIXTURES/image/bad_idat_crc.png"
	assert_status 1
	[[ "$output" == *"chunk 'IDAT': CRC mismatch"* ]]
}

@test "text: floats are written as NumPy's repr (fewest digits), ints and bools exactly" {
	py - <<'PY'
import numpy as np
r = np.random.default_rng(11)
v = np.concatenate([2.0 ** np.arange(-1074, 1024, 7), r.standard_normal(3000) * 10.0 ** r.integers(-30, 30, 3000),
                    [0.1, 0.2, 1 / 3, 1e16, 1e15, 1e-4, 1e-5, 5e-324, 1.7976931348623157e308, 0.0, -0.0]])
np.save("v64.npy", v)
f = v.astype(np.float32)
np.save("v32.npy", f[np.isfinite(f)])
h = np.arange(0, 65536, 7, dtype=np.uint16).view(np.float16)
np.save("v16.npy", h[np.isfinite(h)])
PY
	for t in 64 32 16; do tconvert "v$t.npy" "v$t.txt"; done
	run py - <<'PY'
import numpy as np
for n, kind in (("v64", float), ("v32", np.float32), ("v16", np.float16)):
    v = np.load(n + ".npy")
    lines = open(n + ".txt").read().split("\n")[:-1]
    want = [repr(kind(x)) for x in v]
    bad = [(a, b) for a, b in zip(lines, want) if a != b]
    assert len(lines) == len(v) and not bad, (n, bad[:5])
print("ok")
PY
	assert_output ok
	py -c 'import numpy as np; np.save("i.npy", np.array([[-128, 127], [0, -1]], np.int8)); np.save("u.npy", np.array([18446744073709551615, 0], np.uint64)); np.save("b.npy", np.array([True, False])); np.save("c.npy", np.array([1 - 2.5j, np.nan + np.inf * 1j], np.complex64))'
	run tconvert i.npy --to csv
	assert_output "$(printf -- '-128,127\n0,-1')"
	run tconvert u.npy --to csv
	assert_output "$(printf '18446744073709551615\n0')"
	run tconvert b.npy --to csv
	assert_output "$(printf '1\n0')"
	run tconvert c.npy --to csv
	assert_output "$(printf '(1.0-2.5j)\n(nan+infj)')"
}

@test "text reading: comments, blank lines, CRLF, a BOM, spaces around values, complex forms" {
	printf '\xef\xbb\xbf# header\r\n\r\n 1 , 2.5 \r\n# middle\n3,4 # trailing\r\n' > a.csv
	printf '1\t2\n\n3\t4' > b.tsv
	printf '  1   2\t\t3\n4 5 6  \n' > c.txt
	printf '1+2j\n(3-4j)\n5\n-6j\n' > d.csv
	tconvert a.csv a.npy
	tconvert b.tsv b.npy
	tconvert --dtype i32 c.txt c.npy
	tconvert --dtype c128 d.csv d.npy
	: > empty.csv
	tconvert empty.csv empty.npy
	printf '# only comments\n' > comments.csv
	tconvert comments.csv comments.npy
	run py - <<'PY'
import numpy as np
for f, sep, dt in (("a.csv", ",", float), ("b.tsv", "\t", float), ("c.txt", None, np.int32), ("d.csv", ",", complex)):
    want = np.loadtxt(open(f, encoding="utf-8-sig"), delimiter=sep, dtype=dt)
    got = np.load(f.split(".")[0] + ".npy")
    assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want), (f, got, want)
for f in ("empty", "comments"):
    e = np.load(f + ".npy")
    assert e.shape == (0,) and e.dtype == np.float64, (f, e.shape)
print("ok")
PY
	assert_output ok
}

@test "text writing: 1-D one value per line, (R, 0) as R empty lines, 0-d and 3-d refused" {
	py -c 'import numpy as np; np.save("v.npy", np.arange(3)); np.save("e.npy", np.zeros((2, 0))); np.save("s.npy", np.float64(3)); np.save("t.npy", np.zeros((2, 2, 2)))'
	run tconvert v.npy --to txt
	assert_output "$(printf '0\n1\n2')"
	tconvert e.npy e.csv
	py -c 'import io, numpy as np; b = io.BytesIO(); np.savetxt(b, np.zeros((2, 0))); assert open("e.csv", "rb").read() == b.getvalue()'
	run tconvert s.npy s.csv
	assert_status 1
	[[ "$output" == *"csv holds 1-D or 2-D tensors (as np.savetxt), not shape ()"* ]]
	run tconvert t.npy t.tsv
	assert_status 1
	assert_one_line_error tconvert
	[ ! -e s.csv ] && [ ! -e t.tsv ]
}
