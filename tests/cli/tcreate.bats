#!/usr/bin/env bats
# tcreate (CLI.md, "tcreate"): every generator against PyTorch (values, dtype, shape, and
# refusals), seeded randomness against an independent model of the generator,
# reproducibility, statistics, errors, atomic -o and streaming in bounded memory.

load helpers
bats_require_minimum_version 1.5.0

ORACLE="$BATS_TEST_DIRNAME/../oracle"

# npy_eval FILE EXPR: prints EXPR evaluated with a = np.load(FILE) (and np); "x, y" prints
# as the tuple "(x, y)".
npy_eval() {
	py -c "import numpy as np, sys; a = np.load(sys.argv[1]); print(($2))" "$1"
}

@test "deterministic generators equal torch: values, dtype, shape; refusals as torch (oracle)" {
	run py -W ignore "$ORACLE/tcreate_values.py"
	echo "$output" | tail -n 20
	assert_status 0
}

@test "--arange and --linspace equal torch.arange and torch.linspace bit for bit (oracle)" {
	run py "$ORACLE/tcreate_ranges.py" 60
	echo "$output" | tail -n 20
	assert_status 0
}

@test "--rand, --randn, --randint with --seed equal an independent Philox4x32-10 model" {
	run py "$ORACLE/tcreate_philox.py"
	echo "$output" | tail -n 20
	assert_status 0
}

@test "default dtypes follow PyTorch for every generator" {
	local n=0 files=()
	while read -r want args; do
		tcreate $args -o "t$n.npy"
		files+=("t$n.npy")
		printf '%s %s\n' "$want" "$args" >>want
		n=$((n + 1))
	done <<-'EOF'
		float32 --zeros 2
		float32 --ones 2
		int64 --full 2 --value 34
		float32 --full 2 --value 3.5
		bool --full 2 --value True
		complex64 --full 2 --value 1+2j
		float32 --rand 2
		float32 --randn 2
		int64 --randint 2 --range 0,5
		int64 --arange 5
		float32 --arange 0.5
		float32 --arange 0,5,0.5
		float32 --linspace 0,10,5
		float32 --eye 3
		float32 []
		int64 [1,2]
		bool [True,False]
		complex64 [1,2j]
		float64 --rand 2 --dtype f64
		uint8 --randint 2 --range 0,256 --dtype u8
		complex128 --randn 2 --dtype complex128
	EOF
	py -c 'import numpy as np, sys
for f, line in zip(sys.argv[2:], open(sys.argv[1])):
    print(np.load(f).dtype, line.split(" ", 1)[1], end="")' want "${files[@]}" >got
	diff want got
}

@test "shapes: 64x784, 64,784, () and scalar; --eye N and NxM" {
	tcreate --zeros 64x784 -o a.npy
	[ "$(npy_eval a.npy 'a.shape')" = "(64, 784)" ]
	tcreate --rand 64,784 -o a.npy
	[ "$(npy_eval a.npy 'a.shape')" = "(64, 784)" ]
	tcreate --randn '()' -o a.npy
	[ "$(npy_eval a.npy 'a.shape')" = "()" ]
	tcreate --full scalar --value 5 -o a.npy
	[ "$(npy_eval a.npy 'a.shape, a.dtype, int(a)')" = "((), dtype('int64'), 5)" ]
	tcreate --eye 3x5 -o a.npy
	[ "$(npy_eval a.npy 'a.shape, int(a.sum())')" = "((3, 5), 3)" ]
	tcreate --zeros 0x3 -o a.npy
	[ "$(npy_eval a.npy 'a.shape')" = "(0, 3)" ]
}

@test "negative numbers are values: --range -3,3, --value -1, --mean -2, --arange -5,5, a literal -3" {
	tcreate --rand 1000 --range -3,-1 --seed 1 -o a.npy
	[ "$(npy_eval a.npy 'bool(a.min() >= -3 and a.max() < -1)')" = "True" ]
	tcreate --full 2 --value -1 -o a.npy
	[ "$(npy_eval a.npy 'a.tolist()')" = "[-1, -1]" ]
	tcreate --randn 100000 --mean -2 --std 0.5 --seed 2 -o a.npy
	[ "$(npy_eval a.npy 'bool(abs(a.mean() + 2) < 0.01)')" = "True" ]
	tcreate --arange -5,5,3 -o a.npy
	[ "$(npy_eval a.npy 'a.tolist()')" = "[-5, -2, 1, 4]" ]
	tcreate -3 -o a.npy
	[ "$(npy_eval a.npy 'a.dtype, int(a)')" = "(dtype('int64'), -3)" ]
	tcreate -o a.npy -- -2.5
	[ "$(npy_eval a.npy 'float(a)')" = "-2.5" ]
}

@test "the same seed gives the same bytes; other seeds and no seed give other bytes" {
	for gen in "--rand 1000" "--randn 10x10 --dtype f64" "--randint 500 --range -7,7" "--rand 64 --dtype c64"; do
		tcreate $gen --seed 42 -o a.npy
		tcreate --seed 42 $gen >b.npy # the order of options does not matter; stdout equals -o
		cmp a.npy b.npy
		tcreate $gen --seed 43 -o c.npy
		! cmp -s a.npy c.npy
		tcreate $gen -o d.npy
		tcreate $gen -o e.npy
		! cmp -s d.npy e.npy
	done
	# a seed beyond 2^63 and a negative one (wraps, as torch.manual_seed takes it)
	tcreate --rand 8 --seed 18446744073709551615 -o a.npy
	tcreate --rand 8 --seed -1 -o b.npy
	cmp a.npy b.npy
}

@test "a fixed seed gives fixed values (regression: the same on every machine)" {
	run tcreate --randint 12 --range 0,100 --seed 1 -o a.npy
	assert_status 0
	[ "$(npy_eval a.npy 'a.tolist()')" = "[89, 67, 24, 75, 24, 16, 44, 48, 85, 21, 27, 61]" ]
	tcreate --rand 3 --seed 1 -o a.npy
	[ "$(npy_eval a.npy 'a.tolist()')" = "[0.8902591466903687, 0.6719982624053955, 0.2474014163017273]" ]
}

@test "statistics of 10^6 draws: rand, randn, randint (generous bounds)" {
	tcreate --rand 1000000 --seed 7 -o u.npy
	run npy_eval u.npy 'abs(a.mean() - 0.5) < 0.003, abs(a.std() - (1/12) ** 0.5) < 0.003, a.min() >= 0, a.max() < 1'
	assert_output "(True, True, True, True)"
	tcreate --rand 1000000 --range -3,3 --seed 8 -o u.npy
	run npy_eval u.npy 'abs(a.mean()) < 0.02, a.min() >= -3, a.max() < 3, a.min() < -2.99, a.max() > 2.99'
	assert_output "(True, True, True, True, True)"
	tcreate --randn 1000000 --seed 9 -o n.npy
	run npy_eval n.npy 'abs(a.mean()) < 0.01, abs(a.std() - 1) < 0.01, abs((a > 1.96).mean() - 0.025) < 0.002'
	assert_output "(True, True, True)"
	tcreate --randn 1000000 --seed 9 --mean 10 --std 3 -o n.npy
	run npy_eval n.npy 'abs(a.mean() - 10) < 0.03, abs(a.std() - 3) < 0.03'
	assert_output "(True, True)"
	tcreate --randint 1000000 --range -3,4 --seed 10 -o k.npy
	run npy_eval k.npy 'sorted(set(a.tolist())), bool(np.all(np.abs(np.bincount(a + 3) - 1e6 / 7) < 2000))'
	assert_output "([-3, -2, -1, 0, 1, 2, 3], True)"
}

@test "randint: every value of a small range appears, in any integer, floating or bool dtype" {
	for d in i8 u8 i16 i32 i64 f16 f32 f64; do
		tcreate --randint 2000 --range 0,10 --dtype $d --seed 3 -o k.npy
		run npy_eval k.npy 'sorted(set(a.tolist())) == list(range(10))'
		[ "$output" = True ] || { echo "dtype $d: $output"; false; }
	done
	tcreate --randint 100 --range 2 --dtype bool --seed 3 -o k.npy
	run npy_eval k.npy 'a.dtype, sorted(set(a.tolist()))'
	assert_output "(dtype('bool'), [False, True])"
	tcreate --randint 1000 --range -9223372036854775808,9223372036854775807 --seed 3 -o k.npy
	run npy_eval k.npy 'bool(a.min() < -4e18 and a.max() > 4e18)'
	assert_output "True"
}

@test "complex rand and randn: parts uniform on [0,1); randn parts of variance 1/2 each" {
	tcreate --rand 200000 --dtype c64 --seed 4 -o c.npy
	run npy_eval c.npy 'a.dtype, a.real.min() >= 0, a.real.max() < 1, a.imag.min() >= 0, a.imag.max() < 1, abs(a.imag.mean() - 0.5) < 0.01'
	assert_output "(dtype('complex64'), True, True, True, True, True)"
	tcreate --randn 200000 --dtype c128 --seed 5 -o c.npy
	run npy_eval c.npy 'abs(a.real.var() - 0.5) < 0.01, abs(a.imag.var() - 0.5) < 0.01, abs((abs(a) ** 2).mean() - 1) < 0.02'
	assert_output "(True, True, True)"
}

@test "f16 rand stays below HI after rounding" {
	tcreate --rand 300000 --dtype f16 --seed 6 -o h.npy
	run npy_eval h.npy 'float(a.max()), float(a.min()) >= 0'
	assert_output "(0.99951171875, True)"
}

@test "usage errors: status 2, one line naming the value, no output file" {
	while IFS='|' read -r args fragment; do
		run --separate-stderr eval "tcreate -o out.npy $args"
		[ "$status" -eq 2 ] || { echo "tcreate $args: status $status, stderr: $stderr"; false; }
		[ "${#stderr_lines[@]}" -eq 1 ] || { echo "tcreate $args: $stderr"; false; }
		[[ "$stderr" == "tcreate: "*"$fragment"* ]] || { echo "tcreate $args: '$stderr' lacks '$fragment'"; false; }
		[ ! -e out.npy ] && [ -z "$(ls -A)" ] || { echo "tcreate $args left: $(ls -A)"; false; }
	done <<-'EOF'
		|no generator
		--zeros 3 --ones 3|only one generator
		--rand 3 '[1]'|only one generator
		--rand|needs a value
		--bogus 3|unknown option '--bogus'
		--zeros 3xa|shape '3xa'
		--zeros -1|size -1 is negative
		--rand 3 --dtype f4|did you mean f32?
		--rand 3 --dtype float128|float128
		--full 3|--full needs --value
		--full 3 --value abc|'abc' is not a number
		--full 3 --value 300 --dtype u8|value 300 is out of range for u8
		--full 3 --value 1e300|value 1e+300 is out of range for f32
		--full 3 --value nan --dtype i32|value nan cannot be converted to i32
		--full 3 --value 1+2j --dtype f32|nonzero imaginary part
		--rand 3 --value 2|--value does not apply to --rand
		--zeros 3 --range 0,1|--range does not apply to --zeros
		--rand 3 --mean 1|--mean does not apply to --rand
		--rand 3 --range 2,1|from > to
		--rand 3 --range 0,1e39|to 1e+39 is out of bounds for f32
		--rand 3 --range 0,inf|out of bounds
		--rand 3 --range 1|has 1 value
		--rand 3 --dtype i32|dtype i32 is not floating
		--randn 3 --std -1|std -1 is negative
		--randn 3 --dtype u8|dtype u8 is not floating
		--randint 3|--randint needs --range
		--randint 3 --range 5,3|from 5 >= to 3
		--randint 3 --range 3,3|from 3 >= to 3
		--randint 3 --range 0,1.5|integers
		--randint 3 --range 0,300 --dtype u8|to - 1 = 299 is out of bounds for u8
		--randint 3 --range -1,1 --dtype u8|from -1 is out of bounds for u8
		--randint 3 --range 0,3 --dtype bool|out of bounds for bool
		--randint 3 --range 0,16777218 --dtype f32|out of bounds for f32
		--randint 3 --range 0,3 --dtype c64|dtype c64 is complex
		--seed x --rand 3|--seed: 'x' is not an integer
		--seed 18446744073709551616 --rand 3|--seed
		--arange 0,10,0|step must be nonzero
		--arange 0,2.5,0.5 --dtype i64|step must be nonzero
		--arange 10,0|upper bound and larger bound inconsistent with step sign
		--arange 0,10,-1|upper bound and larger bound inconsistent with step sign
		--arange -5|upper bound and larger bound inconsistent with step sign
		--arange 0.,inf|unsupported range
		--arange 1,2,3,4|more than 3 values
		--arange 1+2j|complex
		--arange 3 --dtype bool|dtype bool is not supported
		--linspace 0,1|has 2 values
		--linspace 0,1,-1|number of steps must be non-negative
		--linspace 0,1,2.5|N must be an integer
		--linspace 0,1,3 --dtype bool|dtype bool is not supported
		--eye 2x3x4|is not N or NxM
		--eye -2|size -2 is negative
		'[[1,2],[3]]'|literal '[[1,2],[3]]': ragged nested list: length 1 at [1] != 2
		'[[1,2],3]'|a number at [1] where a list of length 2 is expected
		'[1,[2,3]]'|a list at [1] where a number is expected
		'[[[1],[2]],[[3],[4,5]]]'|length 2 at [1][1] != 1
		'[[],[1]]'|length 1 at [1] != 0
		'[1,,2]'|unexpected ',' at offset 3
		'[1,2'|unexpected end of text
		'[1 2]'|unexpected '2' at offset 3
		'1-2'|a complex number is written like 1+2j
		'[foo]'|unknown name 'foo'
		'[1.2.3]'|malformed number '1.2.3'
		'[99999999999999999999]'|integer '99999999999999999999' at offset 1 is out of range
		'[300]' --dtype u8|value 300 is out of range for u8
		'[1+0j]' --dtype i32|is complex and cannot be converted to i32
		'[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'|nested deeper than 32 levels
	EOF
}

@test "-o is atomic: a failure leaves the old file untouched and no temporary" {
	tcreate --full 3 --value 7 -o keep.npy
	cp keep.npy orig.npy
	run tcreate --rand 3 --range 2,1 -o keep.npy
	assert_status 2
	cmp keep.npy orig.npy
	[ "$(ls -A | sort | tr '\n' ' ')" = "keep.npy orig.npy " ]
	run tcreate --zeros 3 -o no/such/dir/x.npy
	assert_status 1
	assert_one_line_error tcreate
	tcreate --ones 3 -o keep.npy
	[ "$(npy_eval keep.npy 'a.tolist()')" = "[1.0, 1.0, 1.0]" ]
	tcreate --ones 2 -o noext
	[ "$(npy_eval noext 'a.tolist()')" = "[1.0, 1.0]" ]
}

@test "output formats: --format npy, TNSR_FORMAT, an unknown extension, bf16 refused by .npy" {
	tcreate --arange 3 --format npy >a.npy
	[ "$(npy_eval a.npy 'a.tolist()')" = "[0, 1, 2]" ]
	TNSR_FORMAT=npy tcreate --rand 3 --seed 1 >b.npy
	[ "$(npy_eval b.npy 'a.dtype')" = float32 ]
	run tcreate --zeros 3 -o x.unknownext
	assert_status 2
	assert_one_line_error tcreate
	[ ! -e x.unknownext ]
	run tcreate --rand 3 --dtype bf16 -o x.npy
	assert_status 1
	assert_one_line_error tcreate
	[[ "$output" == *bf16* ]]
	[ ! -e x.npy ]
}

@test "large tensors stream: --rand 60M elements through a pipe in under 150 MB of address space" {
	[[ "${BUILD:-}" != *asan* ]] || skip "AddressSanitizer reserves more address space than this limit"
	# 240 MB of f32 data: only a chunk at a time can be in memory under this limit.
	run bash -c 'ulimit -v 150000; tcreate --rand 60000000 --seed 1 | wc -c'
	assert_status 0
	[ "$output" -eq $((60000000 * 4 + 128)) ]
	run bash -c 'ulimit -v 150000; tcreate --full 20000x1000 --value 2.5 --dtype f64 | tail -c 8 | od -An -tf8'
	assert_status 0
	[ "$(echo $output)" = "2.5" ]
}

@test "a reader that goes away stops tcreate quietly" {
	run --separate-stderr bash -c 'tcreate --rand 50000000 | head -c 100 >/dev/null; echo "${PIPESTATUS[0]}"'
	[ "$output" = 0 ] || [ "$output" = 141 ]
	[ -z "$stderr" ]
}

@test "on a terminal the tensor is printed, not written" {
	run script -qec "tcreate --arange 3" /dev/null
	assert_status 0
	[[ "$output" == "tensor([0, 1, 2])"* ]]
	run script -qec "tcreate --full 2 --value 7" /dev/null # a streamed generator
	assert_status 0
	[[ "$output" == "tensor([7, 7])"* ]]
}

@test "--help lists every generator and option the man page documents" {
	run tcreate --help
	assert_status 0
	for word in --zeros --ones --full --value --rand --range --randn --mean --std --randint --arange \
		--linspace --eye LITERAL --dtype --seed -o --format --version Examples; do
		[[ "$output" == *"$word"* ]] || { echo "--help lacks $word"; false; }
		grep -qi -- "$(printf '%s' "$word" | sed 's/-/\\\\-/g')" "$BATS_TEST_DIRNAME/../../man/tcreate.1" ||
			{ echo "man page lacks $word"; false; }
	done
}
