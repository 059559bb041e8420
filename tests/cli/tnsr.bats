#!/usr/bin/env bats
# The native .tnsr format through the tools: the conformance corpus (tests/fixtures/tnsr,
# made by tests/oracle/gen_tnsr_corpus.py) through tinfo and tshow, mapped and piped;
# tops writing .tnsr to a file and streaming it through pipes; concatenated files;
# truncated pipes and files; checksum damage found by tinfo --verify and by pipe
# readers; and what the tools write checked byte for byte by the independent Python
# implementation of the layout.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CORPUS="$ROOT/tests/fixtures/tnsr"
ORACLE="$ROOT/tests/oracle"

# section HEADING: "NAME<TAB>FRAGMENT" for each file the README lists under HEADING.
section() {
	awk -v h="$1" '
		/^## / { on = ($0 == h) }
		on && /^- `/ {
			n = $0; sub(/^- `/, "", n); sub(/`.*/, "", n)
			f = $0; sub(/.* -- `/, "", f); sub(/`$/, "", f)
			if ($0 !~ / -- .* -- `/) f = ""
			print n "\t" f
		}' "$CORPUS/README.md"
}

# refused TOOL NAME FRAGMENT STDOUT -- CMD...: runs CMD (a shell string); appends to
# ./problems what departs from "exit 1, one line 'TOOL: ...' naming the input, containing
# FRAGMENT", and stdout empty unless STDOUT is "any".  Shell builtins only: it runs
# hundreds of times.
refused() {
	local tool=$1 name=$2 fragment=$3 want_stdout=$4 rc=0 err out
	shift 5
	eval "$*" >stdout 2>stderr || rc=$?
	err=$(<stderr)
	out=$(<stdout)
	{
		[ "$rc" -eq 1 ] || echo "$name ($*): exit status $rc (expected 1)"
		[ "$want_stdout" = any ] || [ -z "$out" ] || echo "$name ($*): wrote to stdout: ${out:0:200}"
		[[ -n $err && $err != *$'\n'* ]] || echo "$name ($*): not one line on stderr: ${err:0:300}"
		[[ $err == "$tool: "* ]] || echo "$name ($*): stderr does not start with '$tool: ': $err"
		[[ $err == *"$fragment"* ]] || echo "$name ($*): expected '$fragment' in: $err"
		[[ $err == *"$name: "* || $err == *"stdin: "* ]] || echo "$name ($*): the message names neither the file nor stdin"
	} >>problems
}

no_problems() {
	[ ! -s problems ] || { cat problems; false; }
}

@test "the corpus README lists every file of the corpus" {
	diff <( { section "## Valid"; section "## Refused when opened"; section "## Refused at the end"
	          section "## Refused in a later file"; section "## Refused by checksums"; } | cut -f1 | sort) \
	     <(cd "$CORPUS" && ls *.tnsr | sort)
	[ "$(section "## Refused when opened" | wc -l)" -gt 50 ]
}

@test "valid corpus files: tinfo, tinfo --verify and tshow succeed, mapped and piped" {
	local name
	touch problems
	while IFS=$'\t' read -r name _; do
		for cmd in "tinfo $CORPUS/$name" "tinfo --verify $CORPUS/$name" "tinfo --verify < $CORPUS/$name" \
		           "cat $CORPUS/$name | tinfo --verify" "tshow $CORPUS/$name" "cat $CORPUS/$name | tshow"; do
			bash -c "$cmd" >/dev/null 2>stderr || echo "$cmd: $(cat stderr)" >>problems
		done
	done < <(section "## Valid")
	no_problems
}

@test "corpus files refused when opened: exit 1, one line, nothing on stdout, mapped and piped" {
	local name fragment f n=0
	touch problems
	while IFS=$'\t' read -r name fragment; do
		f="$CORPUS/$name"
		refused tinfo "$name" "$fragment" none -- "tinfo '$f'"
		refused tshow "$name" "$fragment" none -- "cat '$f' | tshow"
		# The other ways in on every fourth file (the unit test reads every file both ways).
		(( n++ % 4 )) && continue
		refused tinfo "$name" "$fragment" none -- "tinfo --json '$f'"
		refused tshow "$name" "$fragment" none -- "tshow '$f'"
		refused tinfo "$name" "$fragment" none -- "tinfo < '$f'"
		refused tinfo "$name" "$fragment" none -- "cat '$f' | tinfo"
	done < <(section "## Refused when opened")
	no_problems
}

@test "messages name the file" {
	run tinfo "$CORPUS/version_2_0.tnsr"
	assert_status 1
	assert_output "tinfo: $CORPUS/version_2_0.tnsr: unsupported .tnsr version 2.0 (expected 1.x)"
	run bash -c "cat '$CORPUS/dtype_fp8.tnsr' | tshow"
	assert_status 1
	assert_output "tshow: stdin: tensor 0 'x': dtype code 35 (float8_e4m3fn) is not supported by this version"
}

@test "corpus files refused at the end: at open when mapped, after the data when piped" {
	local name fragment f
	touch problems
	while IFS=$'\t' read -r name fragment; do
		f="$CORPUS/$name"
		refused tinfo "$name" "$fragment" none -- "tinfo '$f'"
		refused tshow "$name" "$fragment" none -- "tshow '$f'"
		refused tinfo "$name" "$fragment" none -- "tinfo < '$f'"
		refused tinfo "$name" "$fragment" any -- "cat '$f' | tinfo"
		refused tshow "$name" "$fragment" any -- "cat '$f' | tshow"
	done < <(section "## Refused at the end")
	no_problems
}

@test "streams whose second file is bad: the first file is listed, the second refused" {
	local name fragment f
	touch problems
	while IFS=$'\t' read -r name fragment; do
		f="$CORPUS/$name"
		refused tinfo "$name" "$fragment" any -- "tinfo '$f'"
		refused tinfo "$name" "$fragment" any -- "cat '$f' | tinfo"
		refused tshow "$name" "$fragment" any -- "tshow '$f'"
		refused tshow "$name" "$fragment" any -- "cat '$f' | tshow"
		[ "$(tinfo "$f" 2>/dev/null | wc -l)" -eq 1 ] || echo "$name: the first file's member is not listed" >>problems
	done < <(section "## Refused in a later file")
	no_problems
}

@test "corpus files with damaged data: mapped views work, tinfo --verify and pipe readers refuse" {
	local name fragment f
	touch problems
	while IFS=$'\t' read -r name fragment; do
		f="$CORPUS/$name"
		tinfo "$f" >/dev/null 2>&1 || echo "tinfo $name: failed without --verify (opening must stay O(header))" >>problems
		refused tinfo "$name" "$fragment" any -- "tinfo --verify '$f'"
		refused tinfo "$name" "$fragment" any -- "tinfo --verify < '$f'"
		refused tinfo "$name" "$fragment" any -- "cat '$f' | tinfo --verify"
		refused tinfo "$name" "$fragment" any -- "cat '$f' | tinfo"
		refused tshow "$name" "$fragment" any -- "cat '$f' | tshow"
	done < <(section "## Refused by checksums")
	no_problems
}

@test "tops writes .tnsr to a file and to a pipe; both read back as NumPy computes" {
	py -c "import numpy as np; np.save('x.npy', np.arange(-6, 6, dtype=np.float32).reshape(3, 4) / 4)"
	tops neg x.npy -o y.tnsr
	run tinfo y.tnsr
	assert_status 0
	assert_output "y.tnsr:arr_0: tnsr f32 (3, 4) C-order, 48 bytes at offset 4096, zero-copy"
	tops neg x.npy --format tnsr | tops neg --format tnsr | tops neg > z.npy
	TNSR_FORMAT=tnsr tops neg x.npy | tops neg y.tnsr > w.npy
	py -c "
import numpy as np
x = np.load('x.npy')
assert np.array_equal(np.load('z.npy'), -x)
assert np.array_equal(np.load('w.npy'), x)
"
	run bash -c "tops neg x.npy --format tnsr | tinfo"
	assert_status 0
	assert_output "stdin:arr_0: tnsr f32 (3, 4) C-order, 48 bytes, copied: input is a stream (a pipe), read once"
}

@test "what the tools write is byte for byte the layout the independent Python writer makes" {
	py -c "import numpy as np; np.save('x.npy', np.arange(24, dtype=np.int16).reshape(2, 3, 4))"
	tops transpose x.npy 0 2 --format tnsr > t.tnsr
	tops neg x.npy --format tnsr > s.tnsr
	tcreate --randn 5x7 --seed 3 --dtype f64 -o r.tnsr
	py - <<EOF
import sys, numpy as np
sys.path.insert(0, "$ORACLE")
import gen_tnsr_corpus as g
for path, want in [("t.tnsr", np.load("x.npy").transpose(2, 1, 0)), ("s.tnsr", -np.load("x.npy")), ("r.tnsr", None)]:
    blob = open(path, "rb").read()
    ts = g.parse_for_manifest(blob)  # checks every footer
    assert g.build([g.tensor(t["name"], t["dtype"], t["shape"], data=t["data"]) for t in ts]) == blob, path
    if want is not None:
        assert ts[0]["shape"] == want.shape and ts[0]["data"] == np.ascontiguousarray(want).tobytes(), path
EOF
}

@test "cat a.tnsr b.tnsr | tinfo --json lists the members of both; trailing bytes are refused" {
	tcreate --zeros 2x2 -o a.tnsr
	tcreate --arange 5 -o b.tnsr
	run bash -c "cat a.tnsr b.tnsr | tinfo --json"
	assert_status 0
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *'"name": "arr_0", "format": "tnsr", "dtype": "f32"'*'"shape": [2, 2]'* ]]
	[[ "${lines[1]}" == *'"format": "tnsr", "dtype": "i64"'*'"shape": [5]'* ]]
	cat a.tnsr b.tnsr a.tnsr > abc.tnsr
	run tinfo --verify abc.tnsr
	assert_status 0
	[ "${#lines[@]}" -eq 6 ]
	run bash -c "cat abc.tnsr | tshow"
	assert_status 0
	[ "$(grep -c tensor <<<"$output")" -eq 3 ]
	printf 'x' >> abc.tnsr
	run bash -c "cat abc.tnsr | tinfo >/dev/null"
	assert_status 1
	assert_one_line_error tinfo
	[[ "$output" == *"trailing bytes at byte"* ]]
	run tinfo abc.tnsr
	assert_status 1
	[[ "$output" == *"file 3: trailing bytes"* ]]
}

@test "a truncated pipe and a half-written file are detected; no SIGBUS" {
	tcreate --rand 100000 --seed 1 -o big.tnsr
	size=$(stat -c %s big.tnsr)
	for cut in 50 200 5000 200000 $((size - 1)); do
		run bash -c "head -c $cut big.tnsr | tops neg > out.npy"
		assert_status 1
		assert_one_line_error tops
		[[ "$output" == *"truncated"* ]]
		head -c $cut big.tnsr > cut.tnsr
		run tshow cut.tnsr
		assert_status 1
		assert_one_line_error tshow
		[[ "$output" == *"truncated"* ]]
	done
}

@test "corrupted data: tinfo --verify on the mapped file and a pipe reader refuse it" {
	tcreate --rand 1000x100 --seed 2 -o d.tnsr
	py -c "
b = bytearray(open('d.tnsr', 'rb').read()); b[4096 + 123457] ^= 4; open('d.tnsr', 'wb').write(b)"
	run tinfo d.tnsr
	assert_status 0
	run tinfo --verify d.tnsr
	assert_status 1
	assert_one_line_error tinfo
	[[ "$output" == "tinfo: d.tnsr: tensor 0 'arr_0': checksum mismatch: "*"(the data is corrupted)" ]]
	run bash -c "cat d.tnsr | tops neg > out.npy"
	assert_status 1
	assert_one_line_error tops
	[[ "$output" == *"stdin: tensor 0 'arr_0': checksum mismatch"* ]]
	run bash -c "tops neg < d.tnsr > out.npy"
	assert_status 0
}

@test "a large tensor streams through pipes as .tnsr in bounded memory" {
	export TNSR_FORMAT=tnsr
	run bash -c "tcreate --rand 4000000 --seed 5 | tops mul 2 | tops add 1 | tinfo --verify"
	assert_status 0
	[[ "$output" == *"tnsr f32 (4000000,) C-order, 16000000 bytes"* ]]
	tcreate --rand 4000000 --seed 5 | tops mul 2 | command time -f %M -o rss tops sum > s.tnsr
	unset TNSR_FORMAT
	tcreate --rand 4000000 --seed 5 | tops mul 2 | tops sum > s.npy
	py -c "
import sys; sys.path.insert(0, '$ORACLE')
import numpy as np, gen_tnsr_corpus as g
t = g.parse_for_manifest(open('s.tnsr', 'rb').read())[0]
assert np.frombuffer(t['data'], np.float32)[0] == np.load('s.npy')
"
	[ "$(cat rss)" -lt 60000 ]
}

@test "tconvert --compress to .tnsr: shuffle+deflate beats np.savez_compressed on floats, same bytes as Python's" {
	py -c "
import numpy as np
rng = np.random.default_rng(0)
np.save('f.npy', rng.standard_normal((300, 1000)).astype(np.float32))
np.save('w.npy', np.cumsum(rng.standard_normal(200000)))
np.savez_compressed('ref.npz', f=np.load('f.npy'), w=np.load('w.npy'))
"
	tconvert --compress=6 -o c.tnsr f=f.npy w=w.npy
	run tinfo c.tnsr
	assert_status 0
	[[ "${lines[0]}" == "c.tnsr:f: tnsr f32 (300, 1000) C-order, 1200000 bytes at offset 4096, copied: shuffle+deflate-encoded ("* ]]
	[ "$(stat -c %s c.tnsr)" -lt "$(stat -c %s ref.npz)" ]
	tinfo --verify c.tnsr >/dev/null
	cat c.tnsr | tinfo --verify >/dev/null
	tops neg c.tnsr:w | tops neg > w2.npy
	tconvert c.tnsr:f f2.npy
	py - <<EOF
import sys, numpy as np
sys.path.insert(0, "$ORACLE")
import gen_tnsr_corpus as g
assert np.array_equal(np.load("w2.npy"), np.load("w.npy")) and np.array_equal(np.load("f2.npy"), np.load("f.npy"))
blob = open("c.tnsr", "rb").read()
ts = g.parse_for_manifest(blob)
assert ts[0]["data"] == np.load("f.npy").tobytes()
# The same file again from the specification, deflate level 6 by Python's zlib.
assert g.build([g.tensor(t["name"], t["dtype"], t["shape"], data=t["data"], encode=True) for t in ts]) == blob
EOF
}
