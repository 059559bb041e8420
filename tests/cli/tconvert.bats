#!/usr/bin/env bats
# tconvert (CLI.md, "tconvert"): round trips between every pair of formats for every
# dtype both hold, containers and members, --split safety, dtype and layout changes,
# streaming in bounded memory, the progress bar, and errors.

load helpers
bats_require_minimum_version 1.5.0

# The formats and the dtypes each holds.  A new format joins every round trip with
# one row here (and a case in read_args if reading it needs arguments).
ALL="bool i8 i16 i32 i64 u8 u16 u32 u64 f16 bf16 f32 f64 c64 c128"
FORMATS="
npy         bool i8 i16 i32 i64 u8 u16 u32 u64 f16 f32 f64 c64 c128
npz         bool i8 i16 i32 i64 u8 u16 u32 u64 f16 f32 f64 c64 c128
tnsr        $ALL
safetensors bool i8 i16 i32 i64 u8 u16 u32 u64 f16 bf16 f32 f64
raw         $ALL
csv         $ALL
tsv         $ALL
txt         $ALL
png         u8 u16
pgm         u8 u16
"

# read_args FORMAT DTYPE: what tconvert needs to read a file of FORMAT holding DTYPE.
read_args() {
	case $1 in
	raw) echo "--dtype $2 --shape 3x4" ;;
	csv | tsv | txt) echo "--dtype $2" ;;
	esac
}

# formats_of DTYPE: the formats that hold it.
formats_of() {
	printf '%s\n' "$FORMATS" | awk -v d="$1" 'NF { for (i = 2; i <= NF; i++) if ($i == d) print $1 }'
}

# Writes x_D.npy (3 x 4, the awkward values of each dtype) for every dtype; bf16, which
# NumPy lacks, as bf16-exact f32 values in x_bf16.npy.
make_inputs() {
	py - <<'PY'
import numpy as np
def floats(t):
    fi = np.finfo(t)
    v = [np.nan, np.inf, -np.inf, -0.0, fi.tiny, fi.max, -fi.min, 0.1, 1 / 3, fi.smallest_subnormal, 1e-5, -2.5]
    return np.array(v, dtype=t)
out = {"bool": np.array([True, False] * 6)}
for t in ("i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"):
    dt = np.dtype(t[0] + str(int(t[1:]) // 8))
    ii = np.iinfo(dt)
    out[t] = np.array([ii.min, ii.max, 0, 1, ii.max - 1, ii.min + 1, 7, 100, 2, 3, 42, ii.max // 3], dtype=dt)
for t, n in (("f16", np.float16), ("f32", np.float32), ("f64", np.float64)):
    out[t] = floats(n)
b = floats(np.float32).view(np.uint32) & np.uint32(0xFFFF0000)
b[0] = 0x7FC00000  # a quiet NaN that stays one in bf16
out["bf16"] = b.view(np.float32)
for t, n, r in (("c64", np.complex64, np.float32), ("c128", np.complex128, np.float64)):
    out[t] = floats(r) + 1j * floats(r)[::-1]
for t, v in out.items():
    np.save(f"x_{t}.npy", v.reshape(3, 4))
PY
}

# compare_backs: each member A_B of back_D.npz (x_D.npy through formats A then B)
# equals x_D.npy bit for bit (NaN anywhere as NaN).
compare_backs() {
	py - <<'PY'
import glob, sys
import numpy as np
def same(a, b):
    if a.dtype.kind == "c":
        return same(a.real.copy(), b.real.copy()) and same(a.imag.copy(), b.imag.copy())
    if a.dtype.kind != "f":
        return np.array_equal(a, b)
    u = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
    return bool(np.all((a.view(u) == b.view(u)) | (np.isnan(a) & np.isnan(b))))
bad, n = 0, 0
for f in sorted(glob.glob("back_*.npz")):
    d = f[5:-4]
    want = np.load(f"x_{d}.npy")
    for pair, got in np.load(f).items():
        n += 1
        if got.dtype != want.dtype or got.shape != want.shape or not same(want, got):
            bad += 1
            print(f"{d} {pair}: got {got.dtype} {got.shape} {got.ravel()[:4]}, expected {want.dtype} {want.ravel()[:4]}")
print(f"{n} compared, {bad} differ")
sys.exit(bad > 0 or n < 900)
PY
}

@test "round trips between every pair of formats, for every dtype both hold" {
	make_inputs
	local d a b src
	for d in $ALL; do
		src=x_$d.npy
		if [ "$d" = bf16 ]; then
			tconvert --dtype bf16 x_bf16.npy x_bf16.tnsr
			src=x_bf16.tnsr
		fi
		pairs=()
		for a in $(formats_of "$d"); do
			tconvert "$src" "x_$d.$a" || { echo "npy -> $a ($d) failed"; false; }
		done
		for a in $(formats_of "$d"); do
			for b in $(formats_of "$d"); do
				tconvert $(read_args "$a" "$d") "x_$d.$a" "x_$d.$a.$b" || { echo "$a -> $b ($d) failed"; false; }
				pairs+=("${a}_$b=x_$d.$a.$b")
			done
		done
		# Every result read back at once: --dtype and --shape read text and raw, and
		# are no-ops for the others.
		if [ "$d" = bf16 ]; then
			tconvert --dtype bf16 --shape 3x4 -o back_bf16.tnsr "${pairs[@]}"
			tconvert --dtype f32 back_bf16.tnsr back_bf16.npz
		else
			tconvert --dtype "$d" --shape 3x4 -o "back_$d.npz" "${pairs[@]}"
		fi
	done
	run compare_backs
	echo "$output"
	assert_status 0
}

@test "text interop: np.savetxt -> tconvert -> np.load, and tconvert -> np.loadtxt" {
	make_inputs
	for d in bool i8 i16 i32 i64 u8 u16 u32 u64 f16 f32 f64 c64 c128; do
		for f in csv tsv txt; do
			tconvert "x_$d.npy" "x_$d.$f"
		done
	done
	run py - <<'PY'
import io, warnings
import numpy as np
warnings.simplefilter("ignore")  # loadtxt warns about integral floats read as ints
delims = {"csv": ",", "tsv": "\t", "txt": None}
for d in "bool i8 i16 i32 i64 u8 u16 u32 u64 f16 f32 f64 c64 c128".split():
    x = np.load(f"x_{d}.npy")
    for f, delim in delims.items():
        got = np.loadtxt(f"x_{d}.{f}", dtype=x.dtype, delimiter=delim)
        assert got.shape == x.shape and np.array_equal(got, x, equal_nan=x.dtype.kind in "fc"), (d, f, got, x)
        # np.savetxt with its default %.18e (floats) and an integer format (ints)
        fmt = "%d" if x.dtype.kind in "iub" else "%.18e"
        if x.dtype.kind != "c":
            np.savetxt(f"np_{d}.{f}", x, fmt=fmt, delimiter=delim or " ")
        else:
            np.savetxt(f"np_{d}.{f}", x, delimiter=delim or " ")
print("ok")
PY
	assert_output ok
	for d in bool i8 i16 i32 i64 u8 u16 u32 u64 f16 f32 f64 c64 c128; do
		for f in csv tsv txt; do
			tconvert --dtype "$d" "np_$d.$f" "np_$d.$f.npy"
		done
	done
	tconvert np_f64.csv np_default.npy   # no --dtype: f64, as np.loadtxt
	run py - <<'PY'
import numpy as np
delims = {"csv": ",", "tsv": "\t", "txt": None}
for d in "bool i8 i16 i32 i64 u8 u16 u32 u64 f16 f32 f64 c64 c128".split():
    for f, delim in delims.items():
        x = np.load(f"x_{d}.npy")
        want = np.loadtxt(f"np_{d}.{f}", dtype=x.dtype, delimiter=delim)
        got = np.load(f"np_{d}.{f}.npy")
        assert got.dtype == want.dtype and got.shape == want.shape, (d, f, got.dtype, got.shape)
        assert np.array_equal(got, want, equal_nan=x.dtype.kind in "fc"), (d, f, got, want)
got = np.load("np_default.npy")
assert got.dtype == np.float64 and np.array_equal(got, np.loadtxt("np_f64.csv", delimiter=","), equal_nan=True)
print("ok")
PY
	assert_output ok
}

@test "one tensor to .npz is arr_0; stored unless --compress; levels; np.load reads it" {
	py -c 'import numpy as np; np.save("x.npy", np.arange(1000.).reshape(10, 100))'
	tconvert x.npy stored.npz
	tconvert --compress x.npy deflated.npz
	tconvert --compress=1 x.npy fast.npz
	tconvert --compress=0 x.npy zero.npz
	run py - <<'PY'
import zipfile
import numpy as np
x = np.load("x.npy")
for f, kind in (("stored", zipfile.ZIP_STORED), ("deflated", zipfile.ZIP_DEFLATED), ("fast", zipfile.ZIP_DEFLATED),
                ("zero", zipfile.ZIP_STORED)):
    z = np.load(f + ".npz")
    assert z.files == ["arr_0"], z.files
    assert np.array_equal(z["arr_0"], x)
    assert [i.compress_type for i in zipfile.ZipFile(f + ".npz").infolist()] == [kind], f
print("ok")
PY
	assert_output ok
	run tconvert --compress=10 x.npy y.npz
	assert_status 2
	assert_one_line_error tconvert
}

@test "a container to a one-tensor format needs a member, else exit 1 naming them" {
	py -c 'import numpy as np; np.savez("d.npz", x_train=np.arange(6).reshape(2, 3), y=np.ones(2)); np.savez("one.npz", w=np.arange(3))'
	run --separate-stderr tconvert d.npz out.npy
	assert_status 1
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "tconvert: d.npz: holds 2 tensors (x_train, y): name one, as d.npz:x_train"* ]]
	[ ! -e out.npy ]
	tconvert d.npz:x_train out.npy
	tconvert one.npz one.npy
	run py -c 'import numpy as np; print(np.load("out.npy").tolist(), np.load("one.npy").tolist())'
	assert_output "[[0, 1, 2], [3, 4, 5]] [0, 1, 2]"
	# a pipe cannot be read twice: the second member is found after the first
	run --separate-stderr bash -c 'cat d.npz | tconvert - out2.npy'
	assert_status 1
	[ ! -e out2.npy ]
}

@test "containers keep member names; -o gathers NAME=INPUT operands; duplicates refused" {
	py -c 'import numpy as np; np.save("x.npy", np.arange(3)); np.save("y.npy", np.ones((2, 2), np.float32)); np.savez("d.npz", a=np.zeros(2), b=np.arange(4))'
	tconvert -o all.npz x=x.npy y=y.npy
	tconvert -o all.tnsr x=x.npy y=y.npy
	tconvert all.tnsr back.npz
	tconvert d.npz d.tnsr
	tconvert -o mixed.npz d.npz x.npy z=y.npy
	run py - <<'PY'
import numpy as np
a, b, d, m = (np.load(f) for f in ("all.npz", "back.npz", "d.npz", "mixed.npz"))
assert a.files == ["x", "y"] and b.files == ["x", "y"], (a.files, b.files)
assert np.array_equal(a["x"], np.arange(3)) and a["y"].dtype == np.float32
assert np.array_equal(b["y"], np.ones((2, 2), np.float32))
assert m.files == ["a", "b", "arr_0", "z"], m.files
print("ok")
PY
	assert_output ok
	run tinfo d.tnsr
	[[ "$output" == *"d.tnsr:a: tnsr f64 (2,)"* ]]
	run tconvert -o dup.npz x=x.npy x=y.npy
	assert_status 1
	assert_one_line_error tconvert
	[[ "$output" == *"two tensors are named 'x'"* ]]
	[ ! -e dup.npz ]
	run tconvert x.npy y.npy z.npy
	assert_status 2
	run tconvert -o two.npy x.npy y.npy
	assert_status 2
	assert_one_line_error tconvert
}

@test "--split writes DIR/NAME.npy per member, subdirectories included" {
	py -c 'import numpy as np; np.savez("d.npz", **{"w": np.arange(3), "layer1/b": np.ones(2)})'
	tconvert --split d.npz parts
	[ -f parts/w.npy ] && [ -f parts/layer1/b.npy ]
	run py -c 'import numpy as np; print(np.load("parts/w.npy").tolist(), np.load("parts/layer1/b.npy").tolist())'
	assert_output "[0, 1, 2] [1.0, 1.0]"
	tconvert --split --to csv d.npz text
	[ "$(cat text/w.csv)" = "$(printf '0\n1\n2')" ]
	run tconvert --split d.npz
	assert_status 2
}

@test "--split refuses member names that would leave DIR, and writes nothing" {
	for name in ../evil /abs/x 'a/../../b' 'a//b' . 'x\y' "$(printf 'new\nline')"; do
		rm -rf out
		NAME=$name py -c 'import os, numpy as np; np.savez("bad.npz", ok=np.arange(2), **{os.environ["NAME"]: np.ones(1)})'
		run --separate-stderr tconvert --split bad.npz out
		# the npz reader may refuse such a name itself; either way: status 1, one line, nothing written
		assert_status 1
		[ "${#stderr_lines[@]}" -eq 1 ]
		[ ! -e out ]
		[ ! -e evil.npy ] && [ ! -e ../evil.npy ] && [ ! -e /abs/x.npy ] && [ ! -e b.npy ]
	done
	py -c 'import numpy as np; np.save("x.npy", np.arange(2))'
	run tconvert --split x.npy out
	assert_status 1
	[[ "$output" == *"--split needs a container"* ]]
	[ ! -e out ]
}

@test "--dtype casts as NumPy's astype; big-endian and Fortran order become little-endian C" {
	py - <<'PY'
import numpy as np
np.save("be.npy", np.arange(12, dtype=">f8").reshape(3, 4) / 3)
np.save("f.npy", np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)))
np.save("x.npy", np.array([1.7, -2.5, 300.2, np.nan]))
PY
	tconvert be.npy le.npy
	tconvert f.npy c.npy
	tconvert --order F f.npy f2.npy
	tconvert --order F be.npy bef.npy
	tconvert --dtype i16 x.npy i.npy
	tconvert --dtype f16 be.npy h.npy
	run py - <<'PY'
import numpy as np
le, c, f2, bef = (np.load(f) for f in ("le.npy", "c.npy", "f2.npy", "bef.npy"))
assert le.dtype.str == "<f8" and np.array_equal(le, np.load("be.npy"))
assert c.flags.c_contiguous and not c.flags.f_contiguous and np.array_equal(c, np.load("f.npy"))
assert f2.flags.f_contiguous and not f2.flags.c_contiguous and np.array_equal(f2, np.load("f.npy"))
assert bef.flags.f_contiguous and bef.dtype.str == "<f8" and np.array_equal(bef, np.load("be.npy"))
with np.errstate(invalid="ignore"):
    assert np.array_equal(np.load("i.npy"), np.load("x.npy").astype(np.int16))
assert np.array_equal(np.load("h.npy"), np.load("be.npy").astype(np.float16))
print("ok")
PY
	assert_output ok
	run tconvert --order F x.npy x.csv
	assert_status 2
	assert_one_line_error tconvert
}

@test "raw: bytes as tofile writes them, both orders; the size must match" {
	py -c 'import numpy as np; a = np.arange(24, dtype=np.int16).reshape(2, 3, 4); np.save("a.npy", a); a.tofile("c.bin"); open("f.bin", "wb").write(a.tobytes(order="F"))'
	tconvert a.npy a.raw
	cmp a.raw c.bin
	tconvert --order F a.npy af.raw
	cmp af.raw f.bin
	tconvert --from raw --dtype i16 --shape 2x3x4 c.bin c.npy
	tconvert --from raw --dtype i16 --shape 2x3x4 --order F f.bin f.npy
	cat c.bin | tconvert --from raw --dtype '<i2' --shape 2,3,4 - p.npy
	for f in c f p; do
		run py -c "import numpy as np; print(np.array_equal(np.load('$f.npy'), np.load('a.npy')), np.load('$f.npy').dtype)"
		assert_output "True int16"
	done
	run tconvert c.bin x.npy
	assert_status 1
	[[ "$output" == *"unknown format"*"--from"* ]]
	run tconvert a.raw x.npy
	assert_status 2
	[[ "$output" == "tconvert: a.raw: raw input needs --dtype and --shape"* ]]
	run tconvert --dtype i16 --shape 5x5 a.raw x.npy
	assert_status 1
	assert_output "tconvert: a.raw: 48 bytes do not hold (5, 5) of i16 (needs 50 bytes; check --shape and --dtype)"
	[ ! -e x.npy ]
}

@test "input format: magic bytes win over an extension; --from names text and raw" {
	py -c 'import numpy as np; np.save(open("really_npy.csv", "wb"), np.arange(3))'
	run bash -c 'tconvert really_npy.csv --to txt'
	assert_output "$(printf '0\n1\n2')"
	printf '1,2\n3,4\n' | tconvert --from csv --dtype i64 - m.npy
	run py -c 'import numpy as np; m = np.load("m.npy"); print(m.dtype, m.tolist())'
	assert_output "int64 [[1, 2], [3, 4]]"
	printf '1 2\n' > data.dat
	run tconvert data.dat x.npy
	assert_status 1
	run tconvert --from txt data.dat x.npy
	assert_status 0
	run tconvert --from png really_npy.csv x.npy
	assert_status 1
	[[ "$output" == *"--from png, but its magic bytes say npy"* ]]
	run tconvert --from bogus data.dat x.npy
	assert_status 2
}

@test "bf16 to .npy: exit 1 with the hint; --dtype f32 converts" {
	tcreate --ones 3 --dtype bf16 -o b.tnsr
	run --separate-stderr tconvert b.tnsr b.npy
	assert_status 1
	[[ "$stderr" == *"bf16 cannot be stored in .npy"*"--dtype f32"* ]]
	[ ! -e b.npy ]
	tconvert --dtype f32 b.tnsr b.npy
	run py -c 'import numpy as np; print(np.load("b.npy").tolist())'
	assert_output "[1.0, 1.0, 1.0]"
}

@test "--shape reshapes any input; text is squeezed as np.loadtxt's ndmin=0" {
	printf '1,2,3\n' > row.csv
	printf '5\n' > one.csv
	tconvert row.csv row.npy
	tconvert --shape 1x3 row.csv row2.npy
	tconvert --shape 3,-1 row.csv col.npy
	tconvert one.csv one.npy
	run py -c 'import numpy as np; print([np.load(f + ".npy").shape for f in ("row", "row2", "col", "one")])'
	assert_output "[(3,), (1, 3), (3, 1), ()]"
	run tconvert --shape 2x2 row.csv x.npy
	assert_status 1
	assert_one_line_error tconvert
}

@test "streaming: a large npy converts through a pipe in bounded memory" {
	tcreate --zeros 50000000 --dtype f32 -o big.npy   # 200 MB
	run bash -c '/usr/bin/time -f %M -o rss tconvert --dtype f16 - < <(cat big.npy) > half.npy'
	assert_status 0
	rss=$(tail -n 1 rss)
	echo "max RSS ${rss} KiB"
	[ "$rss" -lt 65536 ]
	run tinfo half.npy
	[[ "$output" == *"f16 (50000000,)"* ]]
	run bash -c '/usr/bin/time -f %M -o rss2 tconvert big.npy big.tnsr'
	assert_status 0
	[ "$(tail -n 1 rss2)" -lt 65536 ]
	run tconvert --to npy big.tnsr - > /dev/null
	assert_status 0
}

# Runs "$@" with standard error on a pseudo-terminal and standard output to out.bin;
# prints what the terminal showed.
stderr_on_tty() {
	py - "$@" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    out = os.open("out.bin", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.execvp(sys.argv[1], sys.argv[1:])
data = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(data.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

@test "progress bar: on a terminal for a large conversion, never in a pipe, not with -q" {
	tcreate --zeros 20000000 --dtype f32 -o big.npy   # 80 MB: over the 64 MiB threshold
	run --separate-stderr tconvert big.npy out.tnsr
	assert_status 0
	[ -z "$stderr" ]
	run stderr_on_tty tconvert big.npy -
	assert_status 0
	[[ "$output" == *"tconvert: ["*"] 100% 80.0/80.0 MB"* ]]
	[[ "$output" == *$'\r'* ]]
	run stderr_on_tty tconvert -q big.npy -
	assert_status 0
	[ -z "$output" ]
	py -c 'import numpy as np; np.save("small.npy", np.zeros(10))'
	run stderr_on_tty tconvert small.npy -
	[ -z "$output" ]
}

@test "errors are one line with status 1 and leave no file; usage errors exit 2" {
	py -c 'import numpy as np; np.save("x.npy", np.arange(3.)); np.save("img.npy", np.zeros((2, 2), np.float32))'
	run tconvert missing.npy out.npy
	assert_status 1
	assert_one_line_error tconvert
	run tconvert img.npy img.png
	assert_status 1
	[[ "$output" == *"png holds u8 images"*"--dtype u8"* ]]
	[ ! -e img.png ]
	tconvert --dtype u8 img.npy img.png
	run tconvert x.npy out.bogus
	assert_status 2
	assert_one_line_error tconvert
	run tconvert --to bogus x.npy
	assert_status 2
	run tconvert --order X x.npy out.npy
	assert_status 2
	run tconvert --dtype f4 x.npy out.npy
	assert_status 2
	[[ "$output" == *"did you mean f32"* ]]
	run tconvert --compress x.npy out.npy
	assert_status 2
	[ -z "$(ls -A | grep -v -e '^x.npy$' -e '^img')" ]
}

@test "a terminal gets text formats as text and binary formats printed" {
	py -c 'import numpy as np; np.save("x.npy", np.array([[1.5, 2], [3, 4]]))'
	run py -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp("tconvert", ["tconvert", sys.argv[1], "--to", sys.argv[2]])
out = b""
while True:
    try:
        c = os.read(fd, 4096)
    except OSError:
        break
    if not c:
        break
    out += c
os.waitpid(pid, 0)
sys.stdout.write(out.decode().replace("\r\n", "\n"))' x.npy csv
	assert_output "$(printf '1.5,2.0\n3.0,4.0')"
}

@test "a reader that goes away stops tconvert quietly, whatever the output format" {
	tcreate --randn 500x1000 --seed 1 -o r.npy
	tconvert --dtype u8 r.npy r8.npy
	for f in csv tsv txt raw npy tnsr; do
		run --separate-stderr bash -c "set -o pipefail; tconvert r.npy --to $f | head -c 100 > /dev/null"
		[ -z "$stderr" ] || { echo "$f: $stderr"; false; }
		[ "$status" -eq 0 ] || [ "$status" -eq 141 ]
	done
	for f in png pgm; do
		run --separate-stderr bash -c "set -o pipefail; cat r8.npy | tconvert - --to $f | head -c 10 > /dev/null"
		[ -z "$stderr" ]
		[ "$status" -eq 0 ] || [ "$status" -eq 141 ]
	done
}

@test "a named pipe is read once: <(...) inputs convert like files" {
	py -c 'import numpy as np; np.save("x.npy", np.arange(6).reshape(2, 3)); np.savez("d.npz", a=np.ones(2), b=np.zeros(3))'
	bash -c 'tconvert <(cat x.npy) x.csv'
	bash -c 'tconvert <(cat x.npy) x.tnsr'
	bash -c 'tconvert <(cat d.npz) d.tnsr'
	bash -c 'tconvert --from csv <(cat x.csv) back.npy'
	run py -c 'import numpy as np; print(np.load("back.npy").tolist())'
	assert_output "[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]"
	run tinfo d.tnsr
	[[ "$output" == *"d.tnsr:a:"*"d.tnsr:b:"* ]]
	run bash -c 'tconvert <(cat d.npz) one.npy'
	assert_status 1
	assert_one_line_error tconvert
	[ ! -e one.npy ]
}
