#!/usr/bin/env bats
# tinfo: headers only, JSON Lines, streamed stats, per-file errors, bounded memory.

load helpers
bats_require_minimum_version 1.5.0

@test "tinfo describes a NumPy file in one line" {
	py -c 'import numpy as np; np.save("x.npy", np.zeros((64, 784), np.float32))'
	run tinfo x.npy
	assert_status 0
	assert_output "x.npy: npy f32 (64, 784) C-order, 200704 bytes at offset 128, zero-copy"
}

@test "tinfo --json keys and values agree with NumPy for many dtypes and layouts" {
	py - <<'PY'
import numpy as np
np.save("a.npy", np.arange(6, dtype=">i2").reshape(2, 3))
np.save("b.npy", np.asfortranarray(np.ones((3, 4), np.float64)))
np.save("c.npy", np.array(True))
np.save("d.npy", np.zeros((0, 5), np.complex64))
np.save("e.npy", np.zeros((2, 1, 3, 1, 2, 1), np.uint64))
PY
	run tinfo --json a.npy b.npy c.npy d.npy e.npy
	assert_status 0
	printf '%s\n' "$output" > out.jsonl
	py - <<'PY'
import json, numpy as np
expect = {
    "a.npy": ("i16", ">", [2, 3], "C", 12, False),
    "b.npy": ("f64", "<", [3, 4], "F", 96, True),
    "c.npy": ("bool", "|", [], "C", 1, True),
    "d.npy": ("c64", "<", [0, 5], "C", 0, True),
    "e.npy": ("u64", "<", [2, 1, 3, 1, 2, 1], "C", 96, True),
}
lines = open("out.jsonl").read().splitlines()
assert len(lines) == 5, lines
for line in lines:
    o = json.loads(line)
    assert set(o) == {"file", "name", "format", "dtype", "byteorder", "shape", "order", "nbytes",
                      "offset", "mappable", "why_not_mappable"}, o
    dt, bo, shape, order, nbytes, mappable = expect[o["file"]]
    got = (o["dtype"], o["byteorder"], o["shape"], o["order"], o["nbytes"], o["mappable"])
    assert got == expect[o["file"]], (o["file"], got)
    assert o["name"] is None and o["format"] == "npy" and o["offset"] == 128, o
    assert (o["why_not_mappable"] is None) == mappable, o
    a = np.load(o["file"], mmap_mode="r")
    assert a.offset == o["offset"] and list(a.shape) == o["shape"], o
PY
}

@test "tinfo --stats agrees with NumPy over finite values, and counts NaN and Inf" {
	py - <<'PY'
import numpy as np
x = np.random.default_rng(1).standard_normal(300001).astype(np.float32) * 3 + 1
x[5] = np.nan; x[7] = np.inf; x[9] = -np.inf; x[11] = np.nan
np.save("s.npy", x)
f = x[np.isfinite(x)].astype(np.float64)
open("expect", "w").write(repr((float(f.min()), float(f.max()), float(f.mean()), float(f.std(ddof=1)))))
PY
	run tinfo --json --stats s.npy
	assert_status 0
	printf '%s\n' "$output" > out.json
	py - <<'PY'
import json, math
o = json.loads(open("out.json").read())
mn, mx, mean, std = eval(open("expect").read())
assert o["nan"] == 2 and o["inf"] == 2, o
assert o["min"] == mn and o["max"] == mx, (o, mn, mx)
assert math.isclose(o["mean"], mean, rel_tol=1e-12) and math.isclose(o["std"], std, rel_tol=1e-12), (o, mean, std)
PY
}

@test "tinfo --stats is exact for 64-bit integers" {
	py -c 'import numpy as np; np.save("i.npy", np.array([2**63 - 1, -2**63, 5], np.int64)); np.save("u.npy", np.array([2**64 - 1, 3], np.uint64))'
	run tinfo --stats i.npy u.npy
	assert_status 0
	[[ "${lines[1]}" == *" min -9223372036854775808 max 9223372036854775807 "* ]]
	[[ "${lines[3]}" == *" min 3 max 18446744073709551615 "* ]]
}

@test "tinfo reads a pipe: no offset, not mappable, several records" {
	py -c 'import numpy as np, sys; [np.save(sys.stdout.buffer, np.full((2, i + 1), i, np.int32)) for i in range(3)]' > three.bin
	run bash -c 'cat three.bin | tinfo --json'
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" == *'"shape": [2, 3]'*'"offset": null, "mappable": false, "why_not_mappable": "input is a stream (a pipe), read once"}' ]]
	run bash -c 'tinfo < three.bin'
	assert_status 0
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[1]}" == "stdin: npy i32 (2, 2) C-order, 16 bytes at offset "*", zero-copy" ]]
}

@test "tinfo says why a big-endian file is not zero-copy" {
	py -c 'import numpy as np; np.save("be.npy", np.arange(4, dtype=">f8"))'
	run tinfo be.npy
	assert_status 0
	assert_output "be.npy: npy f64 big-endian (4,) C-order, 32 bytes at offset 128, copied: big-endian data is byte-swapped into memory"
}

@test "tinfo carries on after a bad file and exits 1" {
	py -c 'import numpy as np; np.save("ok.npy", np.zeros(3))'
	echo "not a tensor" > bad.txt
	run --separate-stderr tinfo bad.txt ok.npy missing.npy
	assert_status 1
	[ "$output" = "ok.npy: npy f64 (3,) C-order, 24 bytes at offset 128, zero-copy" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "tinfo: bad.txt: unknown format: starts with bytes 6e 6f 74 20 61 20 74 65"* ]]
	[[ "${stderr_lines[1]}" == "tinfo: missing.npy: cannot open: No such file or directory" ]]
}

@test "tinfo refuses a file shorter than its header promises, in O(1)" {
	py -c 'import numpy as np; np.save("t.npy", np.zeros(1000, np.float32))'
	truncate -s 2000 t.npy
	run --separate-stderr tinfo t.npy
	assert_status 1
	[[ "$stderr" == "tinfo: t.npy: truncated: "*"4000 bytes"* ]]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ -z "$output" ]
}

@test "tinfo on a 10 GB file answers at once with a small resident size" {
	py -c 'import numpy as np; np.lib.format.open_memmap("big.npy", mode="w+", dtype=np.float32, shape=(2_500_000_000,)).flush()'
	[ "$(stat -c %s big.npy)" -gt 10000000000 ]
	run /usr/bin/time -f "%e s %M KiB" tinfo big.npy
	rm -f big.npy
	assert_status 0
	[[ "${lines[0]}" == "big.npy: npy f32 (2500000000,) C-order, 10000000000 bytes at offset 128, zero-copy" ]]
	read -r secs _ kib _ <<<"${lines[1]}"
	echo "# tinfo on 10 GB: $secs s, max RSS $kib KiB" >&3
	# A few MiB: only the header page is touched.  AddressSanitizer's own shadow
	# memory is larger than that, so a sanitized build gets a looser bound.
	[[ "$BUILD" == *asan* ]] && [ "$kib" -lt 65536 ] && return
	[ "$kib" -lt 8192 ]
}

@test "tinfo --stats streams: bounded resident size over 512 MiB" {
	py -c 'import numpy as np; m = np.lib.format.open_memmap("big.npy", mode="w+", dtype=np.float32, shape=(128 * 2**20,)); m[-1] = 7; m.flush()'
	run /usr/bin/time -f "%M" tinfo --stats big.npy
	rm -f big.npy
	assert_status 0
	[[ "${lines[1]}" == *" max 7 "* ]]
	[ "${lines[2]}" -lt 65536 ]
}

@test "tinfo --verify reports that .npy has no checksums" {
	py -c 'import numpy as np; np.save("v.npy", np.zeros(2))'
	run tinfo --verify v.npy
	assert_status 0
	[ "${lines[1]}" = "   no checksums stored (npy has none); sizes verified" ]
	run tinfo --verify --json v.npy
	[[ "$output" == *', "checksum": "none"}' ]]
}

@test "tinfo usage errors exit 2 with one line; --help and --version exit 0" {
	run tinfo --bogus
	assert_status 2
	assert_one_line_error tinfo
	run tinfo --help
	assert_status 0
	[[ "$output" == usage:* ]]
	[[ "$output" == *Examples:* ]]
	run tinfo --version
	assert_status 0
	[[ "$output" == "tinfo (tnsr) "* ]]
}

@test "tinfo shows a file's metadata (safetensors __metadata__)" {
	py - <<'PY'
import json, struct
hdr = {"__metadata__": {"format": "pt", "source": "a b"}, "w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
h = json.dumps(hdr, separators=(",", ":")).encode()
h += b" " * (-len(h) % 8)
open("m.safetensors", "wb").write(struct.pack("<Q", len(h)) + h + struct.pack("<2f", 1, 2))
PY
	run tinfo m.safetensors
	assert_status 0
	[ "${lines[1]}" = "   metadata: format=pt source=a b" ]
	run tinfo --json m.safetensors
	[[ "$output" == *', "metadata": {"format": "pt", "source": "a b"}}' ]]
}

@test "tinfo CONTAINER:MEMBER describes that member; a missing one names the members" {
	py -c 'import numpy as np; np.savez("two.npz", x=np.arange(3), y=np.eye(2))'
	run tinfo two.npz:y.npy
	assert_status 0
	[[ "$output" == "two.npz:y: npz f64 (2, 2) C-order, 32 bytes at offset "* ]]
	[ "${#lines[@]}" -eq 1 ]
	run --separate-stderr tinfo two.npz:zz
	assert_status 1
	[ "$stderr" = "tinfo: two.npz: no member 'zz' (members: x, y)" ]
}
