#!/usr/bin/env bash
# The short tour `make demo` runs: make tensors, look at them, read them back in NumPy.
set -euo pipefail
bin=${TNSR_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
export PATH="$bin:$PATH"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n$ %s\n' "$*"; eval "$*"; }

step tcreate --rand 64x784 --seed 1 -o X.npy
step tcreate --randn 784x10 --seed 2 --std 0.05 -o W.npy
step tinfo X.npy W.npy
step tinfo --stats W.npy
step "tcreate --arange 0,12 | tinfo --json"
step "tcreate '[[1, 2], [3, 4.]]' | tshow"
step "tcreate --linspace 0,1,5 | tshow --style numpy"
step tshow W.npy
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	step "/usr/bin/python3 -c 'import numpy as np; x = np.load(\"X.npy\", mmap_mode=\"r\"); print(x.dtype, x.shape, float(x.mean()))'"
fi
