#!/usr/bin/python3
"""bench/formats.py: times the tools' file-format paths against cp, memcpy and NumPy on
this machine, in one run: .npy <-> .tnsr conversion bandwidth, compressed .npz write and
read, and opening one member of a container of 1,000 and 10,000 members.

Every row is the wall time of whole processes (median of BENCH_REPS rounds, each running
every variant of a case once, after one untimed warm-up); the memcpy row is timed inside
its C program.  Not part of `make test`: nothing here asserts a time.

Environment: BENCH_SCALE=small shrinks every case to a few MiB (a quick check of the
script), BENCH_REPS=N rounds (default 3), BENCH_DIR=DIR puts the data under DIR instead of
/tmp, TNSR_BIN=DIR the tools to time, PY the Python with NumPy (default /usr/bin/python3),
BUILD the build directory (its bench/ref_memcpy is the memcpy reference when built).
"""
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
REPS = max(1, int(os.environ.get("BENCH_REPS", "3")))
MIB = 1 << 20

# Element counts per scale: big f32 file, compressible f32 file, floats per small member.
if SMALL:
    BIG_N, NPZ_N, MEMBER_N = 1 << 20, 1 << 20, 64
else:
    BIG_N, NPZ_N, MEMBER_N = 1 << 28, 1 << 26, 1024
MANY = (1000, 10000)
PICK = "a500"

SUMMARY = []


def tool(name):
    return os.path.join(BIN, name)


def run(argv, stdout=subprocess.DEVNULL):
    """Runs argv to completion; returns its wall seconds, or raises with its stderr."""
    t0 = time.perf_counter()
    p = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(argv), p.returncode,
                                                  p.stderr.decode(errors="replace").strip()))
    return t


class Variant:
    """One row: argv run as a process (wall time), or fn() returning seconds measured
    in-process.  `pre` runs untimed before every run (removing the previous output)."""

    def __init__(self, label, argv=None, fn=None, pre=None, nbytes=None):
        self.label, self.argv, self.fn, self.pre, self.nbytes = label, argv, fn, pre, nbytes
        self.times, self.error = [], None

    def once(self):
        if self.pre:
            self.pre()
        return self.fn() if self.fn else run(self.argv)

    def median(self):
        return statistics.median(self.times) if self.times else None


def measure(variants):
    """One warm-up each, then REPS rounds of every variant in turn, so that a busy
    stretch of the machine hits all rows alike."""
    for v in variants:
        try:
            v.once()
        except Exception as e:  # a failing row is reported, not fatal
            v.error = str(e)
    for _ in range(REPS):
        for v in variants:
            if v.error:
                continue
            try:
                v.times.append(v.once())
            except Exception as e:
                v.error = str(e)


def fmt_t(t):
    if t is None:
        return "-"
    return "%.1f ms" % (t * 1e3) if t < 1 else "%.3f s" % t


def table(title, variants, base):
    """Prints the rows with median/min/max, GB/s where a row moves bytes, and each row's
    median time over `base`'s (above 1: the row is slower than base)."""
    print("\n== %s" % title)
    print("  %-46s %10s %10s %10s %9s %9s" % ("", "median", "min", "max", "GB/s", "vs base"))
    b = base.median()
    for v in variants:
        m = v.median()
        if v.error:
            print("  %-46s FAILED: %s" % (v.label, v.error[:200]))
            continue
        rate = "%.2f" % (v.nbytes / m / 1e9) if v.nbytes and m else "-"
        ratio = "%.2f" % (m / b) if b and m else "-"
        print("  %-46s %10s %10s %10s %9s %9s" % (v.label, fmt_t(m), fmt_t(min(v.times)),
                                                  fmt_t(max(v.times)), rate, ratio))
    print("  (vs base: the row's median time over that of '%s'; above 1 = slower than it)"
          % base.label)


def ratio(a, b):
    ma, mb = a.median(), b.median()
    return ma / mb if ma and mb else float("nan")


def rm(*paths):
    def f():
        for p in paths:
            if os.path.exists(p):
                os.unlink(p)
    return f


def py(code, *args):
    return [PY, "-c", code, *args]


def check(desc, ok):
    print("  check: %s: %s" % (desc, "ok" if ok else "MISMATCH"))


def same_arrays(a, b):
    code = ("import numpy as np,sys; a=np.load(sys.argv[1],mmap_mode='r'); "
            "b=np.load(sys.argv[2],mmap_mode='r'); "
            "sys.exit(0 if a.dtype==b.dtype and a.shape==b.shape and np.array_equal(a,b) else 1)")
    return subprocess.run(py(code, a, b)).returncode == 0


# ---------------------------------------------------------------------------------------
# Cases


def memcpy_variant(nbytes):
    """ref_memcpy's one-thread copy of the same byte count, one repetition per round."""
    ref = os.path.join(BUILD, "bench", "ref_memcpy")
    if not os.access(ref, os.X_OK):
        print("  (no %s: memcpy reference skipped; `make bench` builds it)" % ref)
        return None
    mib = max(1, nbytes // MIB)

    def fn():
        out = subprocess.run([ref, "-m", "copy", "-r", "1", "-t", "1", str(mib)],
                             capture_output=True, text=True, check=True).stdout
        return next(float(l.split()[1]) for l in out.splitlines() if l.startswith("copy1_s"))
    return Variant("memcpy, 1 thread (in-proc)", fn=fn, nbytes=mib * MIB)


def case_convert(d):
    x, t, y, c = (os.path.join(d, n) for n in ("x.npy", "x.tnsr", "y.npy", "c.npy"))
    subprocess.run(py("import numpy as np,sys; np.save(sys.argv[1], "
                      "np.random.default_rng(1).standard_normal(%d, dtype=np.float32))" % BIG_N,
                      x), check=True)
    n = os.path.getsize(x)
    to_t = Variant("tconvert x.npy x.tnsr", [tool("tconvert"), "-q", x, t], pre=rm(t), nbytes=n)
    to_n = Variant("tconvert x.tnsr y.npy", [tool("tconvert"), "-q", t, y], pre=rm(y), nbytes=n)
    cp = Variant("cp x.npy c.npy", ["cp", x, c], pre=rm(c), nbytes=n)
    rows = [to_t, to_n, cp]
    mc = memcpy_variant(n)
    if mc:
        rows.append(mc)
    measure(rows)
    table(".npy <-> .tnsr, %s f32 (%d MiB)" % (BIG_N, n // MIB), rows, cp)
    check("y.npy == x.npy", same_arrays(x, y))
    for v in (to_t, to_n):
        SUMMARY.append("%-34s %6.2f GB/s = %.2fx cp%s" % (
            v.label, n / v.median() / 1e9 if v.median() else 0, ratio(cp, v),
            ", %.2fx memcpy" % ratio(mc, v) if mc and mc.median() else ""))
    for p in (x, t, y, c):
        rm(p)()


def case_npz(d):
    x, tz, nz, z = (os.path.join(d, n) for n in ("r.npy", "t.npz", "n.npz", "z.npy"))
    subprocess.run(py("import numpy as np,sys; np.save(sys.argv[1], np.round("
                      "np.random.default_rng(2).standard_normal(%d, dtype=np.float32), 2))"
                      % NPZ_N, x), check=True)
    n = os.path.getsize(x)
    w_t = Variant("tconvert --compress r.npy t.npz", [tool("tconvert"), "-q", "--compress", x, tz],
                  pre=rm(tz), nbytes=n)
    w_n = Variant("np.savez_compressed(np.load(r.npy))",
                  py("import numpy as np,sys; np.savez_compressed(sys.argv[2], np.load(sys.argv[1]))",
                     x, nz), pre=rm(nz), nbytes=n)
    measure([w_t, w_n])
    table(".npz compressed write, %d MiB f32 rounded to 2 decimals" % (n // MIB), [w_t, w_n], w_t)
    st, sn = os.path.getsize(tz), os.path.getsize(nz)
    print("  sizes: tconvert %.1f MiB, NumPy %.1f MiB (%.3fx NumPy's)" % (st / MIB, sn / MIB, st / sn))
    check("np.load(t.npz)['arr_0'] == r.npy",
          subprocess.run(py("import numpy as np,sys; sys.exit(0 if np.array_equal("
                            "np.load(sys.argv[1])['arr_0'], np.load(sys.argv[2])) else 1)", tz, x)
                         ).returncode == 0)
    # Both readers read NumPy's file, so they inflate the same bytes.
    r_t = Variant("tconvert n.npz z.npy", [tool("tconvert"), "-q", nz, z], pre=rm(z), nbytes=n)
    r_s = Variant("np.save(z.npy, np.load(n.npz)['arr_0'])",
                  py("import numpy as np,sys; np.save(sys.argv[2], np.load(sys.argv[1])['arr_0'])",
                     nz, z + ".py.npy"), pre=rm(z + ".py.npy"), nbytes=n)
    r_n = Variant("np.load(n.npz)['arr_0'] (no write)",
                  py("import numpy as np,sys; np.load(sys.argv[1])['arr_0']", nz), nbytes=n)
    measure([r_t, r_s, r_n])
    table(".npz compressed read (NumPy's file)", [r_t, r_s, r_n], r_t)
    check("z.npy == r.npy", same_arrays(x, z))
    SUMMARY.append("%-34s %6.2fx faster than np.savez_compressed, size %.3fx" % (
        "npz compressed write", ratio(w_n, w_t), st / sn))
    SUMMARY.append("%-34s %6.2fx faster than np.load+np.save (%.2fx np.load alone)" % (
        "npz compressed read", ratio(r_s, r_t), ratio(r_n, r_t)))
    for p in (x, tz, nz, z, z + ".py.npy"):
        rm(p)()


def case_many(d):
    for count in MANY:
        sub = os.path.join(d, "many%d" % count)
        os.mkdir(sub)
        npz, tn, sf, one = (os.path.join(sub, n) for n in
                            ("many.npz", "many.tnsr", "many.safetensors", "one.npy"))
        subprocess.run(py("import numpy as np,sys; r=np.random.default_rng(3); "
                          "m={'a%%d'%%i: r.standard_normal(%d, dtype=np.float32) for i in range(%d)}; "
                          "np.savez(sys.argv[1], **m); np.save(sys.argv[2], m['%s'])"
                          % (MEMBER_N, count, PICK), npz, one), check=True)
        for out in (tn, sf):
            subprocess.run([tool("tconvert"), "-q", npz, out], check=True)
        rows = [Variant("tshow one.npy (no container)", [tool("tshow"), one])]
        for f in (tn, sf, npz):
            rows.append(Variant("tshow %s:%s" % (os.path.basename(f), PICK),
                                [tool("tshow"), "%s:%s" % (f, PICK)]))
        pyrow = Variant("python: np.load(many.npz)['%s']" % PICK,
                        py("import numpy as np,sys; np.load(sys.argv[1])['%s']" % PICK, npz))
        rows.append(pyrow)
        measure(rows)
        table("one member of %d (%d B each; files %s)" % (
            count, MEMBER_N * 4, ", ".join("%s %.1f MiB" % (os.path.splitext(p)[1],
                                                             os.path.getsize(p) / MIB)
                                           for p in (tn, sf, npz))), rows, rows[0])
        outs = set()
        for f in (tn, sf, npz, one):
            arg = f if f == one else "%s:%s" % (f, PICK)
            outs.add(subprocess.run([tool("tshow"), arg], capture_output=True).stdout)
        check("tshow prints the same %s from every layout" % PICK, len(outs) == 1)
        SUMMARY.append("member of %-5d .tnsr %s .safetensors %s .npz %s python %s" % (
            count, *(fmt_t(v.median()) for v in rows[1:])))
        shutil.rmtree(sub)


def main():
    for name in ("tconvert", "tshow"):
        if not os.access(tool(name), os.X_OK):
            sys.exit("formats.py: %s: not found (run make, or set TNSR_BIN)" % tool(name))
    print("bench/formats.py: scale %s, %d rounds, nproc %d, load average %s" % (
        "small" if SMALL else "full", REPS, os.cpu_count(),
        " ".join(open("/proc/loadavg").read().split()[:3])))
    print("GB = 10^9 bytes, MiB = 2^20 bytes; rates count the file's bytes once "
          "(read once and written once, as cp and memcpy)")
    d = tempfile.mkdtemp(prefix="tnsr-bench-formats-", dir=os.environ.get("BENCH_DIR"))
    try:
        case_convert(d)
        case_npz(d)
        case_many(d)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("\n== summary (load average %s)" % " ".join(open("/proc/loadavg").read().split()[:3]))
    for line in SUMMARY:
        print("  " + line)


if __name__ == "__main__":
    main()
