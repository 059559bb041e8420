#!/usr/bin/env bats
# The malformed .npy corpus (tests/fixtures/malformed, made by tests/oracle/gen_malformed.py):
# every file is refused by every reader with exit status 1, exactly one line on stderr
# that starts with the tool's name and names the file, and nothing on stdout; no output
# file is left behind.  README.md there lists each file with a fragment of its message.

load helpers

ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CORPUS="$ROOT/tests/fixtures/malformed"
RESAVE="${TNSR_TEST_BIN:-$ROOT/${BUILD:-build}/tests}/npy_resave"

# corpus: prints "NAME<TAB>FRAGMENT" for each file the README lists.
corpus() {
	local line name fragment
	while IFS= read -r line; do
		[[ $line == '- `'* ]] || continue
		name=${line#- \`}
		name=${name%%\`*}
		fragment=${line##* -- \`}
		fragment=${fragment%\`}
		printf '%s\t%s\n' "$name" "$fragment"
	done <"$CORPUS/README.md"
}

# refused TOOL FILE FRAGMENT -- ARGS...: runs ARGS; appends to ./problems what is wrong
# (nothing when the run was refused as the contract says).
refused() {
	local tool=$1 file=$2 fragment=$3 rc=0 lines
	shift 4
	"$@" >stdout 2>stderr || rc=$?
	lines=$(wc -l <stderr)
	{
		[ "$rc" -eq 1 ] || echo "$tool $file: exit status $rc (expected 1)"
		[ ! -s stdout ] || echo "$tool $file: wrote to stdout: $(head -c 200 stdout)"
		[ "$lines" -eq 1 ] || echo "$tool $file: $lines lines on stderr (expected 1): $(head -c 300 stderr)"
		[[ "$(cat stderr)" == "$tool: "* ]] || echo "$tool $file: stderr does not start with '$tool: ': $(cat stderr)"
		grep -qF -- "$file" stderr || echo "$tool $file: the message does not name the file: $(cat stderr)"
		[ -z "$fragment" ] || grep -qF -- "$fragment" stderr || echo "$tool $file: expected '$fragment' in: $(cat stderr)"
	} >>problems
}

# no_problems: fails, showing them, when ./problems is not empty.
no_problems() {
	[ ! -s problems ] || { cat problems; false; }
}

@test "the corpus and its README list the same files" {
	diff <(corpus | cut -f1 | sort) <(cd "$CORPUS" && ls *.npy | sort)
	[ "$(corpus | wc -l)" -gt 40 ]
}

@test "npy_resave refuses every corpus file with the README's message and writes nothing" {
	local name fragment
	touch problems
	while IFS=$'\t' read -r name fragment; do
		refused npy_resave "$name" "$fragment" -- "$RESAVE" "$CORPUS/$name" out.npy
		[ ! -e out.npy ] || { echo "npy_resave $name: left out.npy behind" >>problems && rm -f out.npy; }
	done < <(corpus)
	[ "$(ls -A | grep -cv '^std\|^problems$')" -eq 0 ] || echo "files left behind: $(ls -A)" >>problems
	no_problems
}

@test "tinfo refuses every corpus file: status 1, one line naming the file, empty stdout" {
	local name fragment
	while IFS=$'\t' read -r name fragment; do
		refused tinfo "$name" "" -- tinfo "$CORPUS/$name"
	done < <(corpus)
	no_problems
}

@test "tshow refuses every corpus file: status 1, one line naming the file, empty stdout" {
	local name fragment
	while IFS=$'\t' read -r name fragment; do
		refused tshow "$name" "" -- tshow "$CORPUS/$name"
	done < <(corpus)
	no_problems
}

@test "a corpus file through a pipe is refused the same way" {
	local name
	for name in truncated_data.npy no_data.npy header_past_eof.npy shape_negative.npy object.npy version_1_1.npy; do
		refused npy_resave stdin "" -- sh -c 'cat "$1" | "$2" - out.npy' _ "$CORPUS/$name" "$RESAVE"
		[ ! -e out.npy ] || echo "npy_resave $name via a pipe: left out.npy behind" >>problems
	done
	no_problems
}
