#!/usr/bin/env python3
"""gen_npz_corpus.py: the .npz corpus, tests/fixtures/npz/, and the NumPy side of
tests/cli/npz.bats.  Valid archives are written by NumPy 1.24 (np.savez,
np.savez_compressed, to a file and to an unseekable stream) and by a small ZIP writer
below for what NumPy never writes but other tools do (descriptors without signature,
ZIP64 records on small files, CP437 names, duplicates, directories, comments).  Invalid
archives each break one thing; README.md there lists them with a fragment of the message
libtnsr gives.  The files are committed; regenerate with:

    /usr/bin/python3 tests/oracle/gen_npz_corpus.py

Other commands, used by the tests:

    gen_npz_corpus.py arrays DIR          one .npy per dtype NumPy has, and views
    gen_npz_corpus.py compare A B [A B]...  A's and B's arrays equal (names, dtype up to
                                          byte order, shape, values); A and B are .npz
                                          files or directories of .npy; exit 1 otherwise
    gen_npz_corpus.py inspect FILE...     check a ZIP libtnsr wrote: zipfile reads it,
                                          CRCs match, stored data 64-byte aligned
    gen_npz_corpus.py big FILE            a sparse archive with a 4 GiB + 8 byte member
                                          (ZIP64 sizes) and a member past 4 GiB
"""
import bz2
import io
import os
import struct
import sys
import zipfile
import warnings
import zlib

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "npz")


# ---------------------------------------------------------------- arrays


def npy_bytes(a):
    f = io.BytesIO()
    np.lib.format.write_array(f, a, allow_pickle=False)
    return f.getvalue()


def sample_arrays():
    """One small array per dtype NumPy and libtnsr share, and the layouts that matter."""
    out = {}
    for code in ["?", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"]:
        dt = np.dtype(code)
        base = np.arange(-6, 6).reshape(3, 4)
        if dt.kind == "b":
            a = base % 3 == 0
        elif dt.kind == "u":
            a = (base + 6) * 7
        elif dt.kind == "c":
            a = base * 0.5 + 1j * base[::-1]
        elif dt.kind == "f":
            a = base * 0.25
        else:
            a = base * 3
        out["a_" + dt.name] = a.astype(dt)
    out["scalar"] = np.array(3.5)
    out["empty"] = np.zeros((0, 3), np.float32)
    out["fortran"] = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    out["big_endian"] = np.arange(5, dtype=">f8") / 3
    out["big_endian_i4"] = np.arange(5, dtype=">i4") - 2
    out["nan_inf"] = np.array([np.nan, np.inf, -np.inf, -0.0], np.float32)
    return out


class Unseekable(io.RawIOBase):
    """A write-only stream that cannot seek: what np.savez sees on a pipe."""

    def __init__(self):
        self.buf = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.buf += b
        return len(b)


def savez_stream(compressed, **arrays):
    s = Unseekable()
    (np.savez_compressed if compressed else np.savez)(s, **arrays)
    return bytes(s.buf)


# ---------------------------------------------------------------- a small ZIP writer


def deflate(data, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def build_zip(members, comment=b"", zip64_end=False, disks=None):
    """MEMBERS: dicts with name (bytes), data (the decoded bytes) and optional method,
    flags, stored (the stored bytes), crc, usize, csize (what the headers say),
    descriptor ('sig64', 'sig32', 'nosig32', 'nosig64'), zip64 (ZIP64 extras in both
    headers), local_name, local_sig, offset_delta, central_sizes and central_extra (the
    central directory's 32-bit sizes and extra field)."""
    out = bytearray()
    central = bytearray()
    for m in members:
        method = m.get("method", 0)
        data = m["data"]
        stored = m.get("stored", deflate(data) if method == 8 else data)
        crc = m.get("crc", zlib.crc32(data))
        usize = m.get("usize", len(data))
        csize = m.get("csize", len(stored))
        flags = m.get("flags", 0)
        desc = m.get("descriptor")
        if desc:
            flags |= 8
        zip64 = m.get("zip64", False)
        name = m["name"]
        local_name = m.get("local_name", name)
        offset = len(out)
        lextra = struct.pack("<HHQQ", 1, 16, 0 if desc else usize, 0 if desc else csize) if zip64 else b""
        l32 = 0xFFFFFFFF if zip64 else 0
        out += struct.pack("<4sHHHHHIIIHH", m.get("local_sig", b"PK\x03\x04"), 45 if zip64 else 20, flags, method, 0,
                           0x21, 0 if desc else crc, l32 if zip64 else (0 if desc else csize),
                           l32 if zip64 else (0 if desc else usize), len(local_name), len(lextra))
        out += local_name + lextra + stored
        if desc:
            wide = desc.endswith("64")
            out += (b"PK\x07\x08" if desc.startswith("sig") else b"") + struct.pack(
                "<IQQ" if wide else "<III", crc, csize, usize)
        cextra = m.get("central_extra", struct.pack("<HHQQQ", 1, 24, usize, csize, offset) if zip64 else b"")
        c32 = 0xFFFFFFFF if zip64 else m.get("central_sizes")
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x314, 45 if zip64 else 20, flags, method, 0, 0x21, crc,
                               c32 or csize, c32 or usize, len(name), len(cextra), 0, 0, 0, 0o600 << 16,
                               0xFFFFFFFF if zip64 else offset + m.get("offset_delta", 0))
        central += name + cextra
    cd_offset = len(out)
    out += central
    n = len(members)
    disk, cd_disk = disks or (0, 0)
    if zip64_end:
        record = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x32D, 45, disk, cd_disk, n, n, len(central), cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, len(comment))
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, disk, cd_disk, n, n, len(central), cd_offset, len(comment))
    return bytes(out + comment)


def member(name, a, **kw):
    return dict(name=name.encode() if isinstance(name, str) else name, data=npy_bytes(a), **kw)


X = np.arange(10, dtype=np.float32)
Y = np.arange(6, dtype=np.int16).reshape(2, 3)


def zipfile_archive(entries, compression=zipfile.ZIP_STORED):
    warnings.simplefilter("ignore", UserWarning)  # duplicate names are the point
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w", compression) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name), data)  # dated 1980: the corpus is reproducible
    return f.getvalue()


def replace_once(data, old, new):
    assert data.count(old) >= 1, old
    return data.replace(old, new, 1)


def flip(data, at):
    b = bytearray(data)
    b[at] ^= 0xFF
    return bytes(b)


def valid_cases():
    arrays = sample_arrays()
    f = io.BytesIO()
    np.savez(f, *[arrays["a_float32"], arrays["a_int8"]], **arrays)
    savez = f.getvalue()
    f = io.BytesIO()
    np.savez_compressed(f, **arrays)
    compressed = f.getvalue()
    f = io.BytesIO()
    np.savez(f)
    empty = f.getvalue()
    f = io.BytesIO()
    np.savez(f, **{"données": X, "数": Y})
    utf8 = f.getvalue()
    dup = zipfile_archive([("x.npy", npy_bytes(X)), ("y.npy", npy_bytes(Y)), ("x.npy", npy_bytes(X * 2))])
    f = io.BytesIO()
    with zipfile.ZipFile(f, "w") as z:
        z.writestr(zipfile.ZipInfo("x.npy"), npy_bytes(X))
        z.comment = b"an archive comment, which a reader must skip to find the end record"
    commented = f.getvalue()
    return [
        ("savez.npz", savez, "np.savez of every shared dtype, 0-d, empty, Fortran order, big-endian, NaN/Inf, "
                             "positional arr_0 and arr_1"),
        ("savez_compressed.npz", compressed, "np.savez_compressed of the same"),
        ("stream.npz", savez_stream(False, **arrays), "np.savez to an unseekable stream: flag bit 3, sizes in "
                                                       "ZIP64 data descriptors"),
        ("stream_compressed.npz", savez_stream(True, **arrays), "np.savez_compressed to an unseekable stream"),
        ("empty.npz", empty, "np.savez() of nothing: the 22-byte end record alone"),
        ("utf8_names.npz", utf8, "non-ASCII member names (flag bit 11)"),
        ("cp437_name.npz", build_zip([member(b"caf\x82.npy", X)]), "a name in CP437 (no flag bit 11): 'café'"),
        ("duplicate.npz", dup, "x.npy twice (zipfile warns): NumPy returns the last one, x * 2"),
        ("directory.npz", build_zip([dict(name=b"sub/", data=b""), member("sub/x.npy", X)]),
         "a directory entry and a member inside it"),
        ("comment.npz", commented, "an archive comment after the end record"),
        ("descriptor_nosig.npz", build_zip([member("x.npy", X, descriptor="nosig32"),
                                            member("y.npy", Y, method=8, descriptor="nosig32")]),
         "data descriptors without their signature, 32-bit sizes"),
        ("descriptor_sig32.npz", build_zip([member("x.npy", X, descriptor="sig32"),
                                            member("y.npy", Y, method=8, descriptor="sig32")]),
         "data descriptors with signature and 32-bit sizes"),
        ("zip64_small.npz", build_zip([member("x.npy", X, zip64=True), member("y.npy", Y, method=8, zip64=True)],
                                      zip64_end=True),
         "small members with ZIP64 extras in both headers and a ZIP64 end record"),
    ]


def invalid_cases():
    """(file, bytes, what is wrong, fragment of the message)."""
    good = build_zip([member("x.npy", X)])
    data_at = good.index(b"\x93NUMPY")
    npy_x = npy_bytes(X)
    bomb = deflate(npy_x + bytes(1 << 20))
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    bad_block = c.compress(npy_x[:128]) + c.flush(zlib.Z_FULL_FLUSH) + b"\x07" + bytes(8)
    return [
        ("truncated_end.npz", good[:-10], "the last 10 bytes (inside the end record) are cut",
         "no end of central directory record"),
        ("local_header_only.npz", good[:data_at + 20], "a local header and part of the data, nothing after",
         "no end of central directory record"),
        ("bad_crc_stored.npz", flip(good, data_at + len(npy_x) - 1), "a stored member's last data byte flipped",
         "CRC-32 mismatch"),
        ("bad_crc_deflated.npz", build_zip([member("x.npy", X, method=8, crc=zlib.crc32(npy_x) ^ 1)]),
         "a deflated member whose recorded CRC-32 is off by one bit", "CRC-32 mismatch"),
        ("corrupt_deflate.npz", build_zip([dict(name=b"x.npy", data=npy_x, method=8, stored=bad_block)]),
         "a deflate stream whose second block has the invalid type 3", "deflate stream corrupt after 128 decoded "
                                                                       "bytes (invalid block type)"),
        ("zip_bomb.npz", build_zip([dict(name=b"x.npy", data=npy_x, method=8, stored=bomb)]),
         "a deflate stream that decodes to 1 MiB more than its .npy header and the archive say",
         "refused as a zip bomb"),
        ("deflate_short.npz", build_zip([dict(name=b"x.npy", data=npy_x, method=8, stored=deflate(npy_x[:-8]))]),
         "a deflate stream that ends 8 bytes before the data its .npy header promises",
         "it ends after 160 of the 168 bytes"),
        ("deflate_cut.npz", build_zip([dict(name=b"x.npy", data=npy_x, method=8, stored=deflate(npy_x)[:-6])]),
         "a deflate stream cut short: its end block is missing", "without an end"),
        ("size_mismatch.npz", build_zip([member("x.npy", X, usize=100)]),
         "the archive says 100 bytes; the .npy header and data make 168",
         "the archive says it holds 100 bytes, but its .npy header and data make 168"),
        ("encrypted.npz", build_zip([member("x.npy", X, flags=1)]), "flag bit 0: encrypted",
         "encrypted (flag bit 0): not supported"),
        ("bzip2.npz", build_zip([dict(name=b"x.npy", data=npy_x, method=12, stored=bz2.compress(npy_x))]),
         "compression method 12", "compression method 12 (bzip2) is not supported"),
        ("not_npy.npz", zipfile_archive([("notes.txt", b"hello, world\n")]), "a text member and nothing else",
         "member 'notes.txt': not a .npy array (it starts with b'hello, w')"),
        ("mixed.npz", zipfile_archive([("x.npy", npy_bytes(X)), ("notes.txt", b"hello"), ("y.npy", npy_bytes(Y))]),
         "x.npy, a text member, y.npy: x and y are listed, then the text member is refused",
         "member 'notes.txt': not a .npy array"),
        ("bad_npy_header.npz", build_zip([dict(name=b"x.npy", data=npy_x.replace(b"'<f4'", b"'<f3'"))]),
         "a member whose .npy header names a 3-byte float", "member 'x.npy': header: descr '<f3'"),
        ("object_member.npz", build_zip([dict(name=b"x.npy", data=npy_x.replace(b"'<f4'", b"'|O' "))]),
         "an object array (pickled data)", "member 'x.npy': header: descr '|O': object arrays"),
        ("npy_truncated.npz", build_zip([dict(name=b"x.npy", data=npy_x[:-4])]),
         "a member 4 bytes shorter than its .npy header promises", "but its .npy header and data make 168"),
        ("name_mismatch.npz", build_zip([member("x.npy", X, local_name=b"z.npy")]),
         "the local header names another member", "its local header names it 'z.npy'"),
        ("bad_local_sig.npz", build_zip([member("x.npy", X), member("y.npy", Y, local_sig=b"PK\x03\x05")]),
         "the second local header's signature is damaged", "member 'y.npy': no local header (PK\\3\\4) at offset"),
        ("offset_past_eof.npz", build_zip([member("x.npy", X, offset_delta=1 << 20)]),
         "the central directory puts the local header 1 MiB past the end", "is past the end of the file"),
        ("csize_past_eof.npz", build_zip([member("x.npy", X, csize=1 << 20, usize=1 << 20)]),
         "the central directory says 1 MiB stored bytes", "truncated: 1048576 stored bytes at offset"),
        ("multidisk.npz", build_zip([member("x.npy", X)], disks=(1, 1)), "the end record says disk 1",
         "multi-disk archives are not supported"),
        ("cd_past_end.npz", replace_once(good, struct.pack("<I", good.index(b"PK\x01\x02")),
                                         struct.pack("<I", len(good) * 2)),
         "the end record puts the central directory past itself", "lies beyond its end record"),
        ("too_many_entries.npz", good[:-22] + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 999, 999,
                                                          len(good) - 22 - good.index(b"PK\x01\x02"),
                                                          good.index(b"PK\x01\x02"), 0),
         "the end record promises 999 entries in a directory of one", "promises 999 entries"),
        ("zip64_extra_short.npz", build_zip([member("x.npy", X, central_sizes=0xFFFFFFFF,
                                                    central_extra=struct.pack("<HHQ", 1, 8, len(npy_x)))]),
         "32-bit sizes of 0xffffffff, and a ZIP64 extra field that holds only one of the two",
         "ZIP64 extra field of 8 bytes is too short for its 64-bit compressed size"),
    ]


# Refused with the same message when read through a pipe (the rest break only the
# central directory, which a pipe never reaches, or say so in other words).
PIPE_TOO = {"bad_crc_stored.npz", "bad_crc_deflated.npz", "corrupt_deflate.npz", "zip_bomb.npz", "deflate_short.npz",
            "deflate_cut.npz", "size_mismatch.npz", "encrypted.npz", "bzip2.npz", "not_npy.npz", "mixed.npz",
            "bad_npy_header.npz", "object_member.npz", "npy_truncated.npz"}


def write_corpus():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".npz"):
            os.remove(os.path.join(OUT, old))
    valid, invalid = valid_cases(), invalid_cases()
    for name, data, *_ in valid + invalid:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    lines = ["# .npz corpus", "",
             "Written by `tests/oracle/gen_npz_corpus.py` (do not edit by hand); checked by",
             "`tests/cli/npz.bats`.", "",
             "## Valid", "",
             "Every member of each loads through libtnsr (from the file and through a pipe) equal to",
             "what `np.load` returns: names, dtype (up to byte order), shape and values.", ""]
    lines += ["* `%s`: %s" % (name, what) for name, _, what in valid]
    lines += ["", "## Invalid", "",
              "Each is refused by `tinfo --verify` and by `tconvert FILE out.npz` with exit status 1,",
              "one line on stderr naming the file, and no output file; those marked [pipe] also when",
              "read through a pipe.  Each line: the file, what is wrong with it, and a fragment of",
              "the message libtnsr gives.", ""]
    lines += ["- `%s` -- %s%s -- `%s`" % (name, what, " [pipe]" if name in PIPE_TOO else "", fragment)
              for name, _, what, fragment in invalid]
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


# ---------------------------------------------------------------- test commands


def write_arrays(d):
    """One .npy per array of sample_arrays(), and strided views of them."""
    os.makedirs(d, exist_ok=True)
    arrays = sample_arrays()
    arrays["transposed"] = np.arange(24, dtype=np.float64).reshape(4, 6).T
    arrays["sliced"] = np.arange(60, dtype=np.int32).reshape(6, 10)[::2, 1::3]
    for name, a in arrays.items():
        np.save(os.path.join(d, name + ".npy"), a)


def arrays_of(path):
    """The arrays of an .npz (members NumPy returns as bytes left out; of duplicates, the
    one NumPy returns), or of a directory of .npy files."""
    if os.path.isdir(path):
        return {f[:-4]: np.load(os.path.join(path, f)) for f in os.listdir(path) if f.endswith(".npy")}
    z = np.load(path)
    return {k: z[k] for k in set(z.files) if isinstance(z[k], np.ndarray)}


def compare(*paths):
    """Each pair A B of PATHS: A's and B's arrays (an .npz, or a directory of .npy) are
    equal: names, dtype up to byte order, shape and values (NaN equal to NaN)."""
    problems = []
    for a_path, b_path in zip(paths[::2], paths[1::2]):
        problems += ["%s: %s" % (b_path, p) for p in compare_pair(a_path, b_path)]
    for p in problems:
        print(p)
    return 1 if problems else 0


def compare_pair(a_path, b_path):
    if not os.path.exists(b_path):
        return ["missing"]
    a, b = arrays_of(a_path), arrays_of(b_path)
    problems = []
    if sorted(a) != sorted(b):
        problems.append("members %s != %s" % (sorted(a), sorted(b)))
    for k in sorted(set(a) & set(b)):
        x, y = a[k], b[k]
        if x.dtype.newbyteorder("<") != y.dtype.newbyteorder("<") or x.shape != y.shape:
            problems.append("%s: %s %s != %s %s" % (k, x.dtype, x.shape, y.dtype, y.shape))
        elif not np.array_equal(x, y, equal_nan=x.dtype.kind in "fc"):
            problems.append("%s: values differ: %r != %r" % (k, x.ravel()[:6], y.ravel()[:6]))
    return problems


def inspect(path):
    """What libtnsr writes: zipfile and NumPy read it, the CRCs match, local headers agree
    with the central directory and stored .npy data is 64-byte aligned in the file."""
    problems = []
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad:
            problems.append("CRC mismatch in %s" % bad)
        raw = open(path, "rb").read()
        for info in z.infolist():
            o = info.header_offset
            sig, _, flags, method, _, _, _, _, _, nlen, xlen = struct.unpack("<4sHHHHHIIIHH", raw[o:o + 30])
            if sig != b"PK\x03\x04" or raw[o + 30:o + 30 + nlen].decode("utf-8") != info.filename:
                problems.append("%s: local header does not match" % info.filename)
            start = o + 30 + nlen + xlen
            if method == 0:
                hlen = struct.unpack("<H", raw[start + 8:start + 10])[0] + 10 if raw[start + 6] == 1 else \
                    struct.unpack("<I", raw[start + 8:start + 12])[0] + 12
                if (start + hlen) % 64:
                    problems.append("%s: stored data at offset %d is not 64-byte aligned" % (info.filename,
                                                                                             start + hlen))
            if method not in (0, 8):
                problems.append("%s: method %d" % (info.filename, method))
    np.load(path)  # NumPy opens it
    for p in problems:
        print("%s: %s" % (path, p))
    return 1 if problems else 0


def crc32_zeros(crc, n):
    """zlib.crc32 of N zero bytes after CRC, in O(log n) (zlib's crc32_combine method)."""
    def times(mat, vec):
        s = 0
        i = 0
        while vec:
            if vec & 1:
                s ^= mat[i]
            vec >>= 1
            i += 1
        return s

    def square(mat):
        return [times(mat, mat[i]) for i in range(32)]

    odd = [0xEDB88320] + [1 << i for i in range(31)]
    even = square(odd)  # 2 zero bits
    odd = square(even)  # 4 zero bits
    crc ^= 0xFFFFFFFF
    while n:
        even = square(odd)
        if n & 1:
            crc = times(even, crc)
        n >>= 1
        if not n:
            break
        odd = square(even)
        if n & 1:
            crc = times(odd, crc)
        n >>= 1
    return crc ^ 0xFFFFFFFF


def big(path):
    """A sparse archive: 'big' is u8 zeros of shape (2**32 + 8,) stored with ZIP64 sizes
    and aligned data; 'small' (X) follows it, its local header past 4 GiB."""
    n = (1 << 32) + 8
    # np.save's own header for that shape
    f = io.BytesIO()
    np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": (n,)})
    header = f.getvalue()
    usize = len(header) + n
    crc = crc32_zeros(zlib.crc32(header), n)
    name = b"big.npy"
    # 30 + 7 + 20 (ZIP64) + pad extra: the .npy data lands on a 64-byte boundary
    pad = (-(30 + len(name) + 20 + 4 + len(header))) % 64 + 4
    pad_extra = struct.pack("<HH", 0xCAFE, pad - 4) + bytes(pad - 4)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name),
                            20 + pad))
        f.write(name + struct.pack("<HHQQ", 1, 16, usize, usize) + pad_extra + header)
        f.seek(n, 1)  # sparse zeros
        small_at = f.tell()
        small = npy_bytes(X)
        f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, zlib.crc32(small), len(small), len(small),
                            len(b"small.npy"), 0) + b"small.npy" + small)
        cd_at = f.tell()
        cd = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x32D, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF,
                         len(name), 20, 0, 0, 0, 0o600 << 16, 0) + name + struct.pack("<HHQQ", 1, 16, usize, usize)
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x32D, 45, 0, 0, 0, 0x21, zlib.crc32(small), len(small),
                          len(small), len(b"small.npy"), 12, 0, 0, 0, 0o600 << 16, 0xFFFFFFFF) + b"small.npy" + \
            struct.pack("<HHQ", 1, 8, small_at)
        f.write(cd)
        record = f.tell()
        f.write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 0x32D, 45, 0, 0, 2, 2, len(cd), cd_at))
        f.write(struct.pack("<IIQI", 0x07064B50, 0, record, 1))
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(cd), 0xFFFFFFFF, 0))
    return 0


def main():
    args = sys.argv[1:]
    if not args:
        write_corpus()
        return 0
    if args[0] == "arrays":
        write_arrays(args[1])
        return 0
    if args[0] == "compare":
        return compare(*args[1:])
    if args[0] == "inspect":
        return max(inspect(f) for f in args[1:])
    if args[0] == "big":
        return big(args[1])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
