#!/usr/bin/env bats
# What every tool promises (CLI.md, "Common to every tool"): help, version, man page,
# one-line usage errors with status 2, text instead of binary on a terminal, a quiet
# stop when the reader of a pipe goes away, atomic -o.

load helpers
bats_require_minimum_version 1.5.0

TOOLS="tcreate tinfo tshow tops tconvert tgrad"


@test "every tool has --help with examples, --version and a man page" {
	for t in $TOOLS; do
		run "$t" --help
		assert_status 0
		[[ "$output" == usage:\ $t* ]] || { echo "$t --help: $output"; false; }
		[[ "$output" == *Example* ]] || { echo "$t --help has no examples"; false; }
		run "$t" --version
		assert_status 0
		[ "$output" = "$t (tnsr) 0.1.0" ]
		run -0 man --warnings -l "$TNSR_ROOT/man/$t.1"
		[[ "$output" == *NAME* ]]
	done
}

@test "every tool: an unknown option is one line on stderr and status 2" {
	for t in $TOOLS; do
		run --separate-stderr "$t" --no-such-option
		assert_status 2
		[ -z "$output" ]
		[ "${#stderr_lines[@]}" -eq 1 ]
		[[ "$stderr" == "$t: unknown option '--no-such-option'"* ]]
	done
}

@test "a tool writing to a terminal prints the tensor instead of binary" {
	run on_tty tcreate '[[1, 2], [3, 4.5]]'
	assert_status 0
	assert_output "tensor([[1.0000, 2.0000],
        [3.0000, 4.5000]])"
	run on_tty tcreate --arange 3
	assert_output "tensor([0, 1, 2])"
}

@test "a reader that goes away stops the writer quietly" {
	run --separate-stderr bash -c 'set -o pipefail; tcreate --rand 4000000 --seed 1 | head -c 100 >/dev/null'
	[ -z "$stderr" ]
	[ "$status" -eq 0 ] || [ "$status" -eq 141 ]
	run --separate-stderr bash -c 'tcreate --ones 300000 | tshow --full | head -n 2'
	assert_status 0
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "-o writes atomically: a failed run leaves the old file and no temporary" {
	py -c 'import numpy as np; np.save("keep.npy", np.arange(3))'
	cp keep.npy before.npy
	run tcreate --full 2x2 --value 300 --dtype i8 -o keep.npy
	[ "$status" -ne 0 ]
	cmp keep.npy before.npy
	[ "$(ls -A | sort | tr '\n' ' ')" = "before.npy keep.npy " ]
}

@test "an interrupted write leaves no temporary behind" {
	tcreate --rand 400000000 --seed 1 -o big.npy &
	pid=$!
	sleep 0.3
	kill -TERM "$pid" || true
	wait "$pid" || true
	[ ! -e big.npy ]
	[ -z "$(ls -A)" ]
}
