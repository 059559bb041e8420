#!/usr/bin/python3
"""bench/tgrad.py: tgrad against PyTorch on the gradient of a linear regression loss,
mean((X @ W.T + b - Y)**2) with respect to W and b (what a training step computes).

1. Whole process, X 64x784, W 10x784: `tgrad EXPR X=X.npy ... --wrt W,b -o g.npz` against
   `python3 -c` with PyTorch doing the same (import, load the .npy files, forward,
   backward(), save the gradients as .npz).  Target: tgrad 50 times faster.
2. The compute at a size where it dominates, X 4096x4096: forward + backward alone, timed
   inside one process after a warm-up on both sides (import and loading excluded): tnsr by
   bench/tgrad_compute.c (compiled into BUILD/bench/ on first use), PyTorch in one Python
   process.  Target: tnsr within 1.5 times PyTorch's time.  Also shown: tgrad's whole
   process (map, forward, backward, write) and PyTorch's.

Medians of BENCH_REPS rounds (default 10 for case 1, 5 for case 2), each round running
every variant once after one untimed warm-up, whose outputs are compared (the gradients
must agree to 1e-4 relative to the largest).  The inputs come from tcreate --seed into a
temporary directory (page cache warm).  Nothing here asserts a time.

Environment: BENCH_SCALE=small (case 2 at 512x512: checks the script in seconds),
BENCH_REPS=N, BENCH_DIR=DIR (temporary data, about 70 MiB), TNSR_BIN=DIR (the tools),
PY (the Python with NumPy and PyTorch, default /usr/bin/python3), BUILD.
"""
import errno
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
BIN = os.environ.get("TNSR_BIN", os.path.join(BUILD, "bin"))
PY = os.environ.get("PY", "/usr/bin/python3")
SMALL = os.environ.get("BENCH_SCALE", "full") == "small"
REPS_WHOLE = int(os.environ.get("BENCH_REPS", 3 if SMALL else 10))
REPS_COMPUTE = int(os.environ.get("BENCH_REPS", 3 if SMALL else 5))
BIG = 512 if SMALL else 4096
EXPR = "mean((X @ W.T + b - Y)**2)"

# PyTorch, as a user would write the same step: load, forward, backward, save.
TORCH_SCRIPT = """
import sys, numpy as np, torch
d, out = sys.argv[1], sys.argv[2]
X = torch.from_numpy(np.load(d + "/X.npy")); Y = torch.from_numpy(np.load(d + "/Y.npy"))
W = torch.from_numpy(np.load(d + "/W.npy")).requires_grad_()
b = torch.from_numpy(np.load(d + "/b.npy")).requires_grad_()
loss = ((X @ W.T + b - Y) ** 2).mean()
loss.backward()
np.savez(out, out=loss.detach().numpy(), **{"W.grad": W.grad.numpy(), "b.grad": b.grad.numpy()})
"""

# The forward and backward alone, REPS times after a warm-up: one time per line.
TORCH_COMPUTE = """
import sys, time, numpy as np, torch
d, reps = sys.argv[1], int(sys.argv[2])
X = torch.from_numpy(np.load(d + "/X.npy")); Y = torch.from_numpy(np.load(d + "/Y.npy"))
W = torch.from_numpy(np.load(d + "/W.npy")).requires_grad_()
b = torch.from_numpy(np.load(d + "/b.npy")).requires_grad_()
for i in range(reps + 1):
    W.grad = b.grad = None
    t = time.perf_counter()
    loss = ((X @ W.T + b - Y) ** 2).mean()
    loss.backward()
    dt = time.perf_counter() - t
    if i:
        print(dt)
"""


def tool(name):
    return os.path.join(BIN, name)


def compute_program():
    """BUILD/bench/tgrad_compute, compiled from bench/tgrad_compute.c against BUILD/libtnsr.a."""
    exe = os.path.join(BUILD, "bench", "tgrad_compute")
    src = os.path.join(ROOT, "bench", "tgrad_compute.c")
    lib = os.path.join(BUILD, "libtnsr.a")
    if not os.path.exists(exe) or os.path.getmtime(exe) < max(os.path.getmtime(src), os.path.getmtime(lib)):
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        subprocess.run(["gcc", "-O2", "-std=c11", "-D_GNU_SOURCE", "-I", os.path.join(ROOT, "libtnsr", "include"),
                        src, lib, "-lopenblas", "-lz", "-lm", "-fopenmp", "-pthread", "-o", exe], check=True)
    return exe


def timed(argv):
    """Wall seconds of one run of ARGV; exits on failure.  A program missing or busy for a
    moment (a tree being rebuilt relinks its tools) is retried for a few seconds."""
    for attempt in range(10):
        try:
            t = time.perf_counter()
            r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            dt = time.perf_counter() - t
            break
        except OSError as e:
            if e.errno not in (errno.ENOENT, errno.ETXTBSY, errno.EACCES) or attempt == 9:
                raise
            time.sleep(2)
    if r.returncode != 0:
        sys.exit(f"bench/tgrad.py: {' '.join(argv[:3])}...: exit {r.returncode}: {r.stderr.decode().strip()}")
    return dt


def make_data(d, n, k):
    """X (n, k), W (10, k), b (10,), Y (n, 10): seeded normal f32."""
    for name, shape, seed in [("X", f"{n}x{k}", 1), ("W", f"10x{k}", 2), ("b", "10", 3), ("Y", f"{n}x10", 4)]:
        subprocess.run([tool("tcreate"), "--randn", shape, "--seed", str(seed), "-o", f"{d}/{name}.npy"], check=True)


def tgrad_argv(d, out):
    return [tool("tgrad"), EXPR] + [f"{n}={d}/{n}.npy" for n in "XWbY"] + ["--wrt", "W,b", "-o", out]


def check(ours, theirs):
    """The gradients agree (relative to the largest magnitude of each)."""
    import numpy as np
    a, b = np.load(ours), np.load(theirs)
    worst = 0.0
    for k in ["out", "W.grad", "b.grad"]:
        scale = max(float(np.max(np.abs(b[k]))), 1e-30)
        worst = max(worst, float(np.max(np.abs(a[k].astype(np.float64) - b[k]))) / scale)
    print(f"check: tgrad's out, W.grad and b.grad match PyTorch's to {worst:.1e} of the largest value"
          + ("" if worst <= 1e-4 else "  MISMATCH"))


def row(name, times, unit="s"):
    med = statistics.median(times)
    print(f"  {name:<54} median {med * 1e3:9.1f} ms   min {min(times) * 1e3:9.1f}   max {max(times) * 1e3:9.1f}")
    return med


def main():
    base = os.environ.get("BENCH_DIR")
    d = tempfile.mkdtemp(prefix="tnsr-bench-tgrad.", dir=base)
    try:
        import torch
        env = ", ".join(f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS") if k in os.environ)
        print(f"tgrad bench: {EXPR} w.r.t. W and b; nproc {os.cpu_count()}, load average "
              f"{os.getloadavg()[0]:.1f}; torch {torch.__version__} with {torch.get_num_threads()} threads; "
              f"thread settings: {env or 'the defaults'}")

        # 1. whole processes, small
        small = f"{d}/small"
        os.makedirs(small)
        make_data(small, 64, 784)
        ours, theirs = f"{d}/g.npz", f"{d}/gt.npz"
        timed(tgrad_argv(small, ours))
        timed([PY, "-c", TORCH_SCRIPT, small, theirs])
        check(ours, theirs)
        t_ours, t_torch = [], []
        for _ in range(REPS_WHOLE):
            t_ours.append(timed(tgrad_argv(small, ours)))
            t_torch.append(timed([PY, "-c", TORCH_SCRIPT, small, theirs]))
        print(f"1. whole process, X 64x784, W 10x784 ({REPS_WHOLE} rounds)")
        a = row("tgrad", t_ours)
        b = row("python3 -c (PyTorch: import, load, backward, save)", t_torch)
        ratio1 = b / a
        print(f"  PyTorch/tgrad {ratio1:.1f}x   target >= 50x: {'met' if ratio1 >= 50 else 'NOT MET'}")

        # 2. compute-dominated size
        big = f"{d}/big"
        os.makedirs(big)
        make_data(big, BIG, BIG)
        timed(tgrad_argv(big, ours))
        timed([PY, "-c", TORCH_SCRIPT, big, theirs])
        check(ours, theirs)
        t_ours, t_whole = [], []
        for _ in range(REPS_COMPUTE):
            t_ours.append(timed(tgrad_argv(big, ours)))
            t_whole.append(timed([PY, "-c", TORCH_SCRIPT, big, theirs]))
        r = subprocess.run([PY, "-c", TORCH_COMPUTE, big, str(REPS_COMPUTE)], capture_output=True, check=True)
        t_compute = [float(x) for x in r.stdout.split()]
        r = subprocess.run([compute_program(), str(REPS_COMPUTE), EXPR, "W,b"] + [f"{n}={big}/{n}.npy" for n in "XWbY"],
                           capture_output=True, check=True)
        t_tnsr = [float(x) for x in r.stdout.split()]
        print(f"2. compute, X {BIG}x{BIG}, W 10x{BIG} ({REPS_COMPUTE} rounds)")
        a = row("tnsr forward + backward alone (in-process)", t_tnsr)
        c = row("PyTorch forward + backward alone (in-process)", t_compute)
        row("tgrad (whole process: map, forward, backward, write)", t_ours)
        row("python3 -c (PyTorch, whole process)", t_whole)
        ratio2 = a / c
        print(f"  tnsr/PyTorch compute {ratio2:.2f}x   target <= 1.5x: {'met' if ratio2 <= 1.5 else 'NOT MET'}"
              + ("   (small scale: the targets do not apply)" if SMALL else ""))
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
