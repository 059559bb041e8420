# Shared by the bats suites: a scratch directory per test and small assertions that
# print what differed.

setup() {
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/tnsr.XXXXXX")
	cd "$TMP" || return 1
}

teardown() {
	cd / && rm -rf "$TMP"
}

# Runs Python with NumPy and PyTorch (the oracle).
py() { "$PY" "$@"; }

# assert_status N: the last `run` exited N.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected status $1, got $status; output:" >&2
		echo "$output" >&2
		return 1
	fi
}

# assert_output TEXT: the last `run` printed exactly TEXT.
assert_output() {
	if [ "$output" != "$1" ]; then
		printf 'expected:\n%s\ngot:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

# assert_one_line_error TOOL: the last `run` printed exactly one line, "TOOL: ...".
assert_one_line_error() {
	local n
	n=$(printf '%s\n' "$output" | wc -l)
	if [ "$n" -ne 1 ] || [[ "$output" != "$1: "* ]]; then
		printf 'expected one line "%s: ...", got:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

# Runs "$@" with standard output on a pseudo-terminal; prints what the terminal showed.
on_tty() {
	py - "$@" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode().replace("\r\n", "\n"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}
