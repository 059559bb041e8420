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
step tcreate --zeros 10 -o b.npy
step tinfo X.npy W.npy
step tinfo --stats W.npy
step "tcreate '[[1, 2], [3, 4.]]' | tshow"
step "tcreate --linspace 0,1,5 | tshow --style numpy"
# A layer of a network: X @ W + b, ReLU, softmax over classes, in one process.
step "tops matmul X.npy W.npy then add b.npy then relu then softmax --dim 1 -o P.npy"
step "tops sum P.npy --dim 1 | tshow --threshold 8 --edgeitems 2"
step "tops argmax P.npy --dim 1 | tinfo"
# Pipes stream: a billion-element sum would run in bounded memory the same way.
step "tcreate --rand 64x784 --seed 1 | tops matmul W.npy then mean | tshow"
step "tcreate --arange 12 | tops reshape 3x4 then slice '[::-1, 1::2]' | tshow"
# Gradients, as in PyTorch's lesson: y = w*x + b at x=3, w=4, b=5.
step "tgrad 'w*x + b' x=3 w=4 b=5 -o g.npz && tshow g.npz"
step "tgrad --check 'sum(sin(x) * y)' x=randn:3x4 y=rand:3x4 --seed 7"
step "tconvert g.npz g.tnsr && tinfo g.tnsr"
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	step "/usr/bin/python3 -c 'import numpy as np; x = np.load(\"X.npy\", mmap_mode=\"r\"); print(x.dtype, x.shape, float(x.mean()))'"
fi
