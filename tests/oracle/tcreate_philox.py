"""tcreate_philox.py: an independent model of tcreate's random generators, in NumPy, and
a check that tcreate --rand/--randn/--randint --seed S give exactly its values.

The model: element I of a tensor drawn with seed S takes the four 32-bit words of
Philox4x32-10 (Salmon et al., SC'11; Random123) with counter (I mod 2^32, I div 2^32, 0, 0)
and key (S mod 2^32, S div 2^32).  Uniform f32 uses word 0 (24 bits), f64 words 0-1
(53 bits), complex parts words 0 and 1 (c64) or 0-1 and 2-3 (c128); the value is
LO + (HI-LO)*u in double, rounded, and kept below HI.  Normal: Box-Muller from u1 (53 bits
of words 0-1, in (0, 1]) and u2 (words 2-3).  Randint: Lemire's method on 64-bit draws
(words 0-1, then 2-3, then the words of counter (I, ., R, 0) for R = 1, 2, ...).

usage: tcreate_philox.py    (tcreate is found on PATH)
Sizes cross tcreate's 1 MiB streaming chunks.  Exits 1 on any mismatch."""
import io
import subprocess
import sys

import numpy as np

MASK = np.uint64(0xFFFFFFFF)
M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)


def philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 on arrays of 32-bit values held in uint64."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) for c in (c0, c1, c2, c3))
    k0, k1 = np.uint64(k0), np.uint64(k1)
    for r in range(10):
        if r:
            k0, k1 = (k0 + W0) & MASK, (k1 + W1) & MASK
        p0, p1 = c0 * M0, c2 * M1
        c0, c1, c2, c3 = ((p1 >> np.uint64(32)) ^ c1 ^ k0), p1 & MASK, ((p0 >> np.uint64(32)) ^ c3 ^ k1), p0 & MASK
    return c0, c1, c2, c3


def words(seed, n, first=0, round_=0):
    idx = np.arange(first, first + n, dtype=np.uint64)
    return philox(idx & MASK, idx >> np.uint64(32), np.full(n, round_, np.uint64), np.zeros(n, np.uint64),
                  seed & 0xFFFFFFFF, seed >> 32)


def unit24(w):
    return (w >> np.uint64(8)).astype(np.float64) * 2.0**-24


def unit53(a, b):
    return (((a << np.uint64(32)) | b) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def below(x, hi, dtype):
    """X (already of DTYPE) with values >= HI replaced by the largest DTYPE value below HI."""
    cap = np.nextafter(dtype(hi), dtype(-np.inf))
    if cap >= hi:  # hi itself was rounded up
        cap = np.nextafter(cap, dtype(-np.inf))
    return np.where(x >= hi, cap, x).astype(dtype)


def model_uniform(seed, n, dtype, lo=0.0, hi=1.0):
    w = words(seed, n)
    if dtype == np.float32:
        return below((lo + (hi - lo) * unit24(w[0])).astype(np.float32), hi, np.float32)
    if dtype == np.float64:
        return below(lo + (hi - lo) * unit53(w[0], w[1]), hi, np.float64)
    if dtype == np.complex64:
        re = below((lo + (hi - lo) * unit24(w[0])).astype(np.float32), hi, np.float32)
        im = below((lo + (hi - lo) * unit24(w[1])).astype(np.float32), hi, np.float32)
        return re + 1j * im.astype(np.complex64)
    re = below(lo + (hi - lo) * unit53(w[0], w[1]), hi, np.float64)
    im = below(lo + (hi - lo) * unit53(w[2], w[3]), hi, np.float64)
    return re + 1j * im


def model_normal(seed, n, mean=0.0, std=1.0):
    w = words(seed, n)
    u1 = ((((w[0] << np.uint64(32)) | w[1]) >> np.uint64(11)) + np.uint64(1)).astype(np.float64) * 2.0**-53
    u2 = unit53(w[2], w[3])
    r = np.sqrt(-2.0 * np.log(u1))
    return mean + std * r * np.cos(2.0 * np.pi * u2), mean + std * np.sqrt(0.5) * r * np.sin(2.0 * np.pi * u2)


def model_randint(seed, n, lo, hi):
    rng = hi - lo
    threshold = (2**64 - rng) % rng
    w = [list(map(int, x)) for x in words(seed, n)]
    out = []
    for i in range(n):
        ws, k = (w[0][i], w[1][i], w[2][i], w[3][i]), 0
        while True:
            if k and k % 2 == 0:
                ws = tuple(int(x[0]) for x in words(seed, 1, first=i, round_=k // 2))
            j = (k % 2) * 2
            m = ((ws[j] << 32) | ws[j + 1]) * rng
            if m % 2**64 >= threshold:
                out.append(lo + (m >> 64))
                break
            k += 1
    return np.array(out, dtype=np.int64)


failures = 0


def tcreate(*args):
    out = subprocess.run(["tcreate", *args], capture_output=True, check=True)
    return np.load(io.BytesIO(out.stdout))


def expect(what, ok, detail=""):
    global failures
    if not ok:
        failures += 1
        print(f"{what}: differs from the model {detail}")


def main():
    # Random123's known answers, so that the model itself is right.
    kat = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
           ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
           ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for ctr, key, want in kat:
        got = tuple(int(x) for x in philox(*([c] for c in ctr), *key))
        expect(f"philox model {ctr}", got == want, f"{got}")

    n = 300000  # > 262144 f32 elements: the stream crosses a chunk boundary
    seed = 20240601
    got = tcreate("--rand", str(n), "--seed", str(seed))
    expect("--rand f32", np.array_equal(got, model_uniform(seed, n, np.float32)))
    got = tcreate("--rand", "1000", "--seed", "18446744073709551615", "--range", "-3,5.5", "--dtype", "f64")
    expect("--rand f64 --range", np.array_equal(got, model_uniform(2**64 - 1, 1000, np.float64, -3, 5.5)))
    got = tcreate("--rand", "70000", "--seed", "-1", "--dtype", "c64")  # -1 wraps to 2^64-1
    expect("--rand c64", np.array_equal(got, model_uniform(2**64 - 1, 70000, np.complex64)))
    got = tcreate("--rand", "5000", "--seed", "3", "--dtype", "c128", "--range", "2,3")
    expect("--rand c128", np.array_equal(got, model_uniform(3, 5000, np.complex128, 2, 3)))

    z0, z1 = model_normal(5, 200000, -2.0, 0.5)
    got = tcreate("--randn", "200000", "--seed", "5", "--mean", "-2", "--std", "0.5", "--dtype", "f64")
    expect("--randn f64", np.allclose(got, z0, rtol=1e-13, atol=1e-13), f"max diff {np.abs(got - z0).max()}")
    z0, z1 = model_normal(5, 300000, -2.0, 0.5)
    got = tcreate("--randn", "300000", "--seed", "5", "--mean", "-2", "--std", "0.5")
    diff = np.abs(got.view(np.int32).astype(np.int64) - z0.astype(np.float32).view(np.int32))
    expect("--randn f32", diff.max() <= 1, f"max ulp diff {diff.max()}")
    z0, z1 = model_normal(9, 1000)
    got = tcreate("--randn", "1000", "--seed", "9", "--dtype", "c128")
    want = np.sqrt(0.5) * z0 + 1j * z1
    expect("--randn c128", np.allclose(got, want, rtol=1e-13, atol=1e-13), f"max diff {np.abs(got - want).max()}")

    for lo, hi in ((0, 10), (-3, 3), (-2**63, 2**63 - 1), (-2**63, 1), (5, 6), (0, 2**62 + 12345)):
        got = tcreate("--randint", "2000", "--seed", "11", "--range", f"{lo},{hi}")
        expect(f"--randint {lo},{hi}", np.array_equal(got, model_randint(11, 2000, lo, hi)))
    print(f"{failures} mismatches")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
