#!/usr/bin/env python3
"""gen_tnsr_corpus.py: writes the .tnsr conformance corpus, tests/fixtures/tnsr/, from the
specification (formats/tnsr.md) with plain struct code: a second, independent
implementation of the layout.  It writes

  - valid files, and valid.txt: one line per tensor they hold,
    "FILE INDEX NAME DTYPE SHAPE HEXDATA" (name and data in hex), which
    tests/unit/test_tnsr.c compares with what the C reader loads;
  - invalid files, each breaking one rule (its checksums recomputed unless the
    checksum is what is broken), listed in README.md with a fragment of the
    message every tool must print.

Run from anywhere; the files are committed and small:

    /usr/bin/python3 tests/oracle/gen_tnsr_corpus.py
"""
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "tnsr")

MAGIC = b"\x89TNS\r\n\x1a\n"
END_MAGIC = b"TNSREND\n"
PREAMBLE = 128
ENTRY = 32

# code: (name, bytes per element, struct format of one element or None)
DTYPES = {
    0: ("bool", 1, "?"), 1: ("i8", 1, "b"), 2: ("i16", 2, "h"), 3: ("i32", 4, "i"), 4: ("i64", 8, "q"),
    5: ("u8", 1, "B"), 6: ("u16", 2, "H"), 7: ("u32", 4, "I"), 8: ("u64", 8, "Q"), 9: ("f16", 2, "e"),
    10: ("bf16", 2, None), 11: ("f32", 4, "f"), 12: ("f64", 8, "d"), 13: ("c64", 8, "ff"), 14: ("c128", 16, "dd"),
}
CODE = {v[0]: k for k, v in DTYPES.items()}


# ---------------------------------------------------------------- CRC-32C (RFC 3720)

def _crc_table():
    table = []
    for b in range(256):
        c = b
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = (crc >> 8) ^ CRC_TABLE[(crc ^ b) & 0xFF]
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def align(x, a):
    return (x + a - 1) // a * a


# ---------------------------------------------------------------- values

def values(dtype, n, seed):
    """N elements of DTYPE as little-endian bytes: a small deterministic pattern."""
    name, size, fmt = DTYPES[dtype]
    out = b""
    for i in range(n):
        k = (i * 7 + seed * 3) % 11 - 5          # -5..5
        if name == "bool":
            out += struct.pack("<?", k > 0)
        elif name.startswith("u"):
            out += struct.pack("<" + fmt, (k + 5) * (i + 1))
        elif name.startswith("i"):
            out += struct.pack("<" + fmt, k * (i + 1))
        elif name == "bf16":
            out += struct.pack("<f", k * 0.5)[2:]  # the top half of an exact f32
        elif name.startswith("c"):
            out += struct.pack("<" + fmt, k * 0.25, -k * 0.5)
        else:
            out += struct.pack("<" + fmt, k * 0.25 + i)
    return out


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def tensor(name, dtype, shape, seed=0, data=None, encode=False, frames=None):
    """A tensor description: NAME (str or bytes), dtype name or code, shape tuple.
    ENCODE stores it shuffle+deflate-encoded (section 12); FRAMES edits its frames."""
    code = CODE[dtype] if isinstance(dtype, str) else dtype
    if data is None:
        data = values(code, numel(shape), seed) if code in DTYPES else b""
    t = {"name": name.encode() if isinstance(name, str) else name, "dtype": code, "shape": tuple(shape),
         "data": data, "encoding": 0, "stored": data}
    if encode:
        fs = encode_frames(data, DTYPES[code][1])
        if frames:
            frames(fs)
        t["encoding"] = 1
        t["stored"] = b"".join(struct.pack("<II", f.get("len", len(f["z"])), f.get("crc", crc32c(f["z"]))) + f["z"]
                               for f in fs) + (fs[-1].get("spare", b"") if fs else b"")
    return t


# ---------------------------------------------------------------- shuffle+deflate (section 12)

CHUNK = 1 << 20


def shuffle(chunk, size):
    return b"".join(chunk[j::size] for j in range(size))


def unshuffle(chunk, size):
    k = len(chunk) // size
    out = bytearray(len(chunk))
    for j in range(size):
        out[j::size] = chunk[j * k:(j + 1) * k]
    return bytes(out)


def deflate(raw, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


def encode_frames(data, size):
    """The frames of DATA: dicts with the deflated bytes 'z' (edit 'len'/'crc' to break them)."""
    return [{"z": deflate(shuffle(data[at:at + CHUNK], size))} for at in range(0, len(data), CHUNK)]


def decode_frames(stored, nbytes, size):
    out, pos = b"", 0
    while len(out) < nbytes:
        n, crc = struct.unpack_from("<II", stored, pos)
        z = stored[pos + 8:pos + 8 + n]
        assert crc32c(z) == crc
        d = zlib.decompressobj(-15)
        raw = d.decompress(z)
        assert d.eof and not d.unused_data and len(raw) == min(CHUNK, nbytes - len(out))
        out += unshuffle(raw, size)
        pos += 8 + n
    assert pos == len(stored)
    return out


# ---------------------------------------------------------------- metadata records

def meta_record(key, type_code, is_array, count, value, pad=b"\0", key_bytes=None, value_length=None):
    kb = key_bytes if key_bytes is not None else key.encode()
    head = struct.pack("<HBBIQ", len(kb), type_code, is_array, count,
                       len(value) if value_length is None else value_length)
    rec = head + kb
    rec += pad * (align(len(rec), 8) - len(rec))
    rec += value
    rec += pad * (align(len(rec), 8) - len(rec))
    return rec


def meta(key, v):
    """A record for a Python value: bool, int, float, str, or a list of one of them."""
    is_array = isinstance(v, list)
    items = v if is_array else [v]
    kind = type(items[0]) if items else bool
    if kind is bool:
        t, value = 1, bytes(int(x) for x in items)
    elif kind is int:
        t, value = 2, b"".join(struct.pack("<q", x) for x in items)
    elif kind is float:
        t, value = 3, b"".join(struct.pack("<d", x) for x in items)
    else:
        t, value = 4, b"".join(struct.pack("<I", len(x.encode())) + x.encode() for x in items)
    return meta_record(key, t, int(is_array), len(items), value)


# ---------------------------------------------------------------- files

def build(tensors, records=(), align_log2=6, **over):
    """The bytes of a .tnsr file.  OVER replaces computed fields to break one rule:
    preamble fields by name (major, minor, flags_required, ..., reserved), 'entries'
    (a function editing the list of entry dicts), 'names_pad'/'dims_gap' (bytes
    between sections), 'fix_crc' False (keep the header checksum of the unbroken
    header), 'pre_data' (padding before the data), 'slot_pad' (padding byte value),
    'trailer' (a function editing the trailer fields), 'entry_tail' (bytes appended to
    each entry, entry_size grows)."""
    A = 1 << align_log2
    encoded = any(t["encoding"] for t in tensors) or over.get("encoded", False)
    tail = over.get("entry_tail", b"")
    entry_size = ENTRY + (8 if encoded else 0) + len(tail)
    n = len(tensors)
    entries, names, dims, offset = [], b"", [], 0
    for t in tensors:
        size = DTYPES[t["dtype"]][1] if t["dtype"] in DTYPES else 1
        nbytes = numel(t["shape"]) * size
        if nbytes >= 1 << 64:  # a shape that overflows: what is stored does not matter
            nbytes = len(t["data"])
        e = {"offset": offset, "nbytes": nbytes, "name_offset": len(names),
             "name_length": len(t["name"]), "dtype": t["dtype"], "rank": len(t["shape"]),
             "dims_index": len(dims), "flags": t["encoding"], "stored": len(t["stored"])}
        entries.append(e)
        names += t["name"]
        dims += list(t["shape"])
        offset = align(offset + e["stored"] + 4, A)
    data_length = offset
    if "entries" in over:
        over["entries"](entries)
    meta_bytes = b"".join(records)
    table_offset = PREAMBLE
    names_offset = table_offset + n * entry_size
    dims_offset = align(names_offset + len(names), 8)
    dims_bytes = b"".join(struct.pack("<Q", d) for d in dims) + over.get("dims_extra", b"")
    meta_offset = dims_offset + len(dims_bytes)
    header_length = meta_offset + len(meta_bytes) + 4
    data_offset = align(header_length, max(4096, A))
    trailer_len = 32 + 4 * (n + n % 2)
    f = {"magic": MAGIC, "major": 1, "minor": 1 if encoded else 0, "flags_required": 1 if encoded else 0,
         "flags_optional": 0,
         "align_log2": align_log2, "checksum": 1, "entry_size": entry_size, "tensor_count": n,
         "metadata_count": len(records), "header_length": header_length, "data_offset": data_offset,
         "data_length": data_length, "file_length": data_offset + data_length + trailer_len,
         "table_offset": table_offset, "names_offset": names_offset, "names_length": len(names),
         "dims_offset": dims_offset, "dims_length": len(dims_bytes), "metadata_offset": meta_offset,
         "metadata_length": len(meta_bytes), "reserved": 0}
    f.update({k: v for k, v in over.items() if k in f})
    if "file_length" not in over:
        f["file_length"] = f["data_offset"] + f["data_length"] + trailer_len
    pre = f["magic"] + struct.pack("<HHIIBBHIIQQQQQQQQQQQQ", f["major"], f["minor"], f["flags_required"],
                                   f["flags_optional"], f["align_log2"], f["checksum"], f["entry_size"],
                                   f["tensor_count"], f["metadata_count"], f["header_length"], f["data_offset"],
                                   f["data_length"], f["file_length"], f["table_offset"], f["names_offset"],
                                   f["names_length"], f["dims_offset"], f["dims_length"], f["metadata_offset"],
                                   f["metadata_length"], f["reserved"])
    assert len(pre) == PREAMBLE
    header = bytearray(pre)
    for e in entries:
        header += struct.pack("<QQIHBBII", e["offset"], e["nbytes"], e["name_offset"], e["name_length"],
                              e["dtype"], e["rank"], e["dims_index"], e["flags"])
        header += (struct.pack("<Q", e["stored"]) if encoded else b"") + tail
    header += names
    header += over.get("names_pad", b"\0") * (dims_offset - len(header)) if len(header) < dims_offset else b""
    header += dims_bytes + meta_bytes
    if "dims_gap" in over:
        header[dims_offset - 1] = over["dims_gap"]
    crc = crc32c(bytes(header))
    if "header_edit" in over:
        over["header_edit"](header)
    if over.get("fix_crc", True):
        crc = crc32c(bytes(header))
    header += struct.pack("<I", crc)
    out = bytearray(header)
    out += over.get("pre_data", b"\0") * (data_offset - len(out))
    crcs = []
    for t, e in zip(tensors, entries):
        out += b"\0" * (data_offset + e["offset"] - len(out))
        start = len(out)
        out += t["stored"]
        crcs.append(crc32c(t["stored"]))
        out += struct.pack("<I", crcs[-1])
        pad = align(len(out) - data_offset, A) - (len(out) - data_offset)
        out += over.get("slot_pad", b"\0") * pad
        assert len(out) - start >= 4
    # The data section as long as the preamble says (longer or shorter than the slots).
    out = out[:data_offset + f["data_length"]] + b"\0" * (data_offset + f["data_length"] - len(out))
    tr = {"header_crc": crc, "tensor_count": n, "data_length": f["data_length"], "crcs": crcs, "pad": 0,
          "reserved": 0, "end": END_MAGIC, "fix_crc": True}
    if "trailer" in over:
        over["trailer"](tr)
    body = struct.pack("<IIQ", tr["header_crc"], tr["tensor_count"], tr["data_length"])
    body += b"".join(struct.pack("<I", c) for c in tr["crcs"])
    if len(tr["crcs"]) % 2:
        body += struct.pack("<I", tr["pad"])
    tcrc = crc32c(body) if tr["fix_crc"] else crc32c(body) ^ 1
    out += body + struct.pack("<II", tcrc, tr["reserved"]) + tr["end"]
    return bytes(out)


def data_offset_of(blob):
    return struct.unpack_from("<Q", blob, 40)[0]


# ---------------------------------------------------------------- the corpus

def encoded_tensors(frames=None):
    periodic = b"".join(struct.pack("<f", (i % 16) * 0.5) for i in range(600000))  # 2.4 MB: 3 frames
    return [tensor("big", "f32", (600, 1000), data=periodic, encode=True, frames=frames),
            tensor("raw", "i16", (5,), 1), tensor("none", "f64", (0, 4), encode=True),
            tensor("z", "c128", (7,), 2, encode=True)]


def valid_files():
    one = [tensor("arr_0", "f32", (2, 3), data=b"".join(struct.pack("<f", x) for x in range(6)))]
    every = [tensor("t_" + DTYPES[c][0], c, (3,), seed=c) for c in sorted(DTYPES)]
    rank32 = [tensor("ones32", "i16", (1,) * 32, seed=1), tensor("mixed32", "u8", (1,) * 29 + (2, 1, 3), seed=2)]
    names = [tensor("café", "f64", (2,), 1), tensor("温度", "i32", (2, 2), 2), tensor("𝛼β", "c64", (1,), 3),
             tensor("a/b.c:d e", "bf16", (4,), 4)]
    records = [meta("creator", "gen_tnsr_corpus.py"), meta("seed", -42), meta("scale", 0.125), meta("flag", True),
               meta("shape", [3, 4, -5]), meta("weights", [0.5, -1.5]), meta("mask", [True, False, True]),
               meta("tags", ["a", "βγ", ""]), meta("empty", []), meta("ключ", "значение")]
    newer = dict(minor=7, entry_tail=b"\x01" * 8, flags_optional=0x5, reserved=0x1234, names_pad=b"\x07")
    return [
        ("one_f32.tnsr", "one f32 tensor (2, 3) named arr_0 holding 0..5", build(one)),
        ("all_dtypes.tnsr", "one tensor (3,) of each of the 15 dtypes, named t_<dtype>", build(every)),
        ("scalar.tnsr", "a 0-d f64 tensor", build([tensor("s", "f64", (), data=struct.pack("<d", 3.5))])),
        ("empty_tensors.tnsr", "shapes (0,) and (3, 0, 2), then a non-empty one after them",
         build([tensor("e1", "f32", (0,)), tensor("e2", "c128", (3, 0, 2)), tensor("x", "i64", (2,), 5)])),
        ("rank32.tnsr", "two rank-32 tensors", build(rank32)),
        ("utf8_names.tnsr", "names with 2-, 3- and 4-byte UTF-8, '/', ':' and a space", build(names)),
        ("long_name.tnsr", "a 1024-byte name", build([tensor("n" * 1024, "u8", (5,), 6)])),
        ("align_64k.tnsr", "alignment 65536 (align_log2 16): data at 64 KiB multiples",
         build([tensor("a", "f32", (3,), 1), tensor("b", "f32", (5,), 2)], align_log2=16)),
        ("metadata.tnsr", "metadata of every type, arrays, an empty array and UTF-8 keys", build(one, records)),
        ("newer_minor.tnsr", "version 1.7: 40-byte entries with non-zero tails, a non-zero gap, reserved bytes "
         "and optional flags, all skipped", build(one, **newer)),
        ("optional_flag.tnsr", "1.0 with an unknown optional flag (ignored)", build(one, flags_optional=0x80000000)),
        ("concatenated.tnsr", "one_f32 then utf8_names back to back (a stream of two files)",
         build(one) + build(names)),
        ("encoded.tnsr", "version 1.1: shuffle+deflate-encoded tensors (one of 3 frames, an empty one, a c128) "
         "beside a raw one", build(encoded_tensors())),
        ("many.tnsr", "100 small tensors of mixed dtypes",
         build([tensor("m%03d" % i, i % 15, (i % 4, 2), i) for i in range(100)])),
    ]


def invalid_files():
    one = [tensor("x", "f32", (2, 3), 1)]
    two = [tensor("a", "f32", (3,), 1), tensor("b", "i64", (2,), 2)]
    good = build(two)
    d0 = data_offset_of(good)

    def entry(i, **kw):
        return lambda es: es[i].update(kw)

    def flip(blob, at, bit=1):
        b = bytearray(blob)
        b[at] ^= bit
        return bytes(b)

    opened = [  # refused when opened, mapped or streamed
        ("truncated_magic.tnsr", "5 bytes of the magic", MAGIC[:5],
         "truncated: the input ends after 5 bytes, inside the magic"),
        ("truncated_preamble.tnsr", "100 bytes: the preamble is cut", good[:100],
         "truncated: the input ends after 100 bytes, inside the 128-byte preamble"),
        ("version_2_0.tnsr", "major version 2", build(one, major=2), "unsupported .tnsr version 2.0 (expected 1.x)"),
        ("version_0_9.tnsr", "major version 0", build(one, major=0, minor=9), "unsupported .tnsr version 0.9"),
        ("required_flag.tnsr", "an unknown required feature flag (bit 1)", build(one, flags_required=2),
         "unknown required feature flags 0x00000002"),
        ("align_log2_5.tnsr", "alignment 32", build(one, align_log2=5), "align_log2 5 out of range"),
        ("align_log2_17.tnsr", "alignment 128 KiB (cut after 4 KiB: the check comes first)",
         build(one, align_log2=17)[:4096], "align_log2 17 out of range"),
        ("checksum_kind.tnsr", "checksum algorithm 2", build(one, checksum=2), "checksum algorithm 2 unknown"),
        ("entry_size_24.tnsr", "entries of 24 bytes", build(one, entry_size=24), "entry_size 24"),
        ("entry_size_36.tnsr", "entries of 36 bytes (not a multiple of 8)", build(one, entry_size=36),
         "entry_size 36"),
        ("tensor_count_huge.tnsr", "2^24 + 1 tensors", build(one, tensor_count=(1 << 24) + 1),
         "tensor_count 16777217 over the limit"),
        ("table_past_header.tnsr", "1000 entries claimed in a 200-byte header", build(one, tensor_count=1000),
         "need 32000 bytes, more than header_length"),
        ("metadata_count_huge.tnsr", "65537 metadata records", build(one, metadata_count=65537),
         "metadata_count 65537 over the limit"),
        ("header_length_huge.tnsr", "header_length 2^40", build(one, header_length=1 << 40),
         "header_length 1099511627776 out of range"),
        ("header_length_small.tnsr", "header_length 100", build(one, header_length=100),
         "header_length 100 out of range"),
        ("metadata_length_huge.tnsr", "metadata_length just over 16 MiB", build(one, metadata_length=(16 << 20) + 8),
         "metadata_length 16777224 over the limit"),
        ("names_in_table.tnsr", "the name pool starts inside the table", build(one, names_offset=140),
         "the name pool starts at byte 140, inside the tensor table"),
        ("dims_unaligned.tnsr", "dims_offset not a multiple of 8", build(one, dims_offset=164),
         "not 8-byte aligned"),
        ("metadata_past_header.tnsr", "the metadata runs into the header checksum", build(one, metadata_length=8),
         "does not fit before the header checksum"),
        ("data_offset_8192.tnsr", "data_offset 8192 instead of 4096", build(one, data_offset=8192),
         "data_offset 8192 (expected 4096"),
        ("data_length_unaligned.tnsr", "data_length not a multiple of the alignment", build(one, data_length=100),
         "data_length 100 is not a multiple of the alignment 64"),
        ("file_length_wrong.tnsr", "file_length one too large", build(one, file_length=4096 + 64 + 40 + 1),
         "file_length 4201 (expected"),
        ("header_crc.tnsr", "a name changed after the header checksum was computed",
         build(one, header_edit=lambda h: h.__setitem__(160, ord("y")), fix_crc=False),
         "header: checksum mismatch"),
        ("reserved_preamble.tnsr", "preamble bytes 120..127 not zero", build(one, reserved=1),
         "reserved byte 120 (preamble) is 0x01"),
        ("gap_after_names.tnsr", "a non-zero byte between the name pool and the dims pool",
         build(one, dims_gap=9), "reserved byte 167 (after the name pool) is 0x09"),
        ("entry_tail.tnsr", "version 1.0 with 40-byte entries whose tails are not zero",
         build(one, entry_tail=b"\x02" + b"\0" * 7), "(table entry tail) is 0x02"),
        ("entry_flags.tnsr", "an entry's flags not zero", build(one, entries=entry(0, flags=1)),
         "flags 0x00000001 (expected 0)"),
        ("name_offset.tnsr", "the second name does not follow the first", build(two, entries=entry(1, name_offset=0)),
         "tensor 1: name at 0, 1 bytes (expected at 1"),
        ("name_empty.tnsr", "a name of 0 bytes", build([tensor("", "f32", (1,))]), "name at 0, 0 bytes"),
        ("name_1025.tnsr", "a name of 1025 bytes", build([tensor("n" * 1025, "u8", (1,))]), "name at 0, 1025 bytes"),
        ("name_not_utf8.tnsr", "a name with byte 0xff", build([tensor(b"a\xffb", "f32", (1,))]),
         "name 'a\\xffb' is not valid UTF-8"),
        ("name_overlong.tnsr", "a name with the overlong encoding c0 80", build([tensor(b"a\xc0\x80", "f32", (1,))]),
         "is not valid UTF-8"),
        ("name_surrogate.tnsr", "a name with an encoded surrogate (ed a0 80)", build([tensor(b"\xed\xa0\x80", "f32", (1,))]),
         "is not valid UTF-8"),
        ("name_nul.tnsr", "a name with a NUL byte", build([tensor(b"a\0b", "f32", (1,))]), "without NUL"),
        ("name_cut_utf8.tnsr", "a name ending inside a 3-byte character", build([tensor("x温".encode()[:3], "f32", (1,))]),
         "is not valid UTF-8"),
        ("duplicate_names.tnsr", "two tensors named 'w'", build([tensor("w", "f32", (1,)), tensor("w", "f32", (2,))]),
         "tensors 0 and 1 have the same name 'w'"),
        ("dtype_15.tnsr", "dtype code 15 (unassigned)", build([tensor("x", 15, (2,), data=b"\0\0")]),
         "dtype code 15 unknown"),
        ("dtype_fp8.tnsr", "dtype code 35, reserved for float8_e4m3fn", build([tensor("x", 35, (2,), data=b"\0\0")]),
         "dtype code 35 (float8_e4m3fn) is not supported"),
        ("dtype_255.tnsr", "dtype code 255", build([tensor("x", 255, (2,), data=b"\0\0")]), "dtype code 255 unknown"),
        ("rank_33.tnsr", "33 dimensions", build([tensor("x", "u8", (1,) * 33)]), "rank 33 (expected 0..32)"),
        ("dims_index.tnsr", "the second tensor's dims do not follow the first's",
         build(two, entries=entry(1, dims_index=0)), "dims at index 0, 1 of them (expected at index 1"),
        ("dim_over_int64.tnsr", "a dimension of 2^63", build([tensor("x", "u8", (0, 1 << 63), data=b"")]),
         "dimension 1 is 9223372036854775808"),
        ("shape_overflow.tnsr", "shape (2^62, 8) of f32 overflows", build([tensor("x", "f32", (1 << 62, 8), data=b"")]),
         "overflows"),
        ("nbytes_wrong.tnsr", "nbytes 20 for 6 f32", build(one, entries=entry(0, nbytes=20)),
         "nbytes 20 (expected 24 for shape (2, 3) of f32)"),
        ("offset_gap.tnsr", "the first tensor at 64 instead of 0", build(one, entries=entry(0, offset=64)),
         "offset 64 (expected 0"),
        ("offset_overlap.tnsr", "the second tensor at offset 0, over the first", build(two, entries=entry(1, offset=0)),
         "offset 0 (expected 64"),
        ("slot_past_data.tnsr", "the last slot ends after data_length", build(one, data_length=0),
         "do not fit in data_length 0"),
        ("names_length.tnsr", "names_length one more than the names", build(one, names_length=2),
         "names_length 2 (expected 1"),
        ("dims_length.tnsr", "8 spare bytes at the end of the dims pool", build(one, dims_extra=b"\0" * 8),
         "dims_length 24 (expected 16"),
        ("data_length_long.tnsr", "data_length one alignment unit longer than the slots",
         build(one, data_length=128), "data_length 128 (expected 64"),
        ("padding_before_data.tnsr", "the padding between header and data not zero", build(one, pre_data=b"\x01"),
         "the padding before the data: byte 188 is 0x01"),
        ("encoded_entry_32.tnsr", "the encoded flag with 32-byte entries", build(one, flags_required=1, minor=1),
         "entry_size 32 with encoded tensors"),
        ("encoding_2.tnsr", "encoding 2 (unknown)", build([tensor("x", "f32", (2,), encode=True)],
                                                          entries=entry(0, flags=2)),
         "encoding 2 is not supported"),
        ("encoding_high_flags.tnsr", "an encoded tensor's flags with bit 8 set",
         build([tensor("x", "f32", (2,), encode=True)], entries=entry(0, flags=0x101)), "flags 0x00000101"),
        ("encoded_raw_stored.tnsr", "a raw tensor in an encoded file whose stored_length is not its size",
         build([tensor("x", "f32", (2,)), tensor("y", "f32", (2,), encode=True)], entries=entry(0, stored=12)),
         "stored_length 12 for 8 raw bytes"),
        ("encoded_stored_short.tnsr", "an encoded tensor of one frame with stored_length 4",
         build([tensor("x", "f32", (2,), encode=True)], entries=entry(0, stored=4)), "stored_length 4 for 8 encoded"),
        ("meta_type.tnsr", "a metadata record of type 5", build(one, [meta_record("k", 5, 0, 1, b"\0" * 8)]),
         "type 5 unknown"),
        ("meta_is_array.tnsr", "is_array 2", build(one, [meta_record("k", 2, 2, 1, b"\0" * 8)]), "is_array 2"),
        ("meta_scalar_count.tnsr", "a scalar with count 2", build(one, [meta_record("k", 2, 0, 2, b"\0" * 16)]),
         "is_array 0 with count 2"),
        ("meta_key_empty.tnsr", "an empty key", build(one, [meta_record("", 1, 0, 1, b"\1")]), "key_length 0"),
        ("meta_key_utf8.tnsr", "a key that is not UTF-8", build(one, [meta_record("", 1, 0, 1, b"\1", key_bytes=b"k\xfe")]),
         "is not valid UTF-8"),
        ("meta_value_length.tnsr", "an i64 with value_length 4",
         build(one, [meta_record("k", 2, 0, 1, b"\0" * 8, value_length=4)]), "value_length 4 (expected 8"),
        ("meta_value_past.tnsr", "a value longer than the section",
         build(one, [meta_record("k", 2, 0, 1, b"\0" * 8, value_length=4096)]), "does not fit in the 32-byte section"),
        ("meta_bool_2.tnsr", "a bool stored as 2", build(one, [meta_record("k", 1, 0, 1, b"\2")]),
         "bool 0 is 2 (expected 0 or 1)"),
        ("meta_string_utf8.tnsr", "a string that is not UTF-8",
         build(one, [meta_record("k", 4, 0, 1, struct.pack("<I", 2) + b"\xc3(")]), "string 0 is not valid UTF-8"),
        ("meta_string_past.tnsr", "a string longer than its value",
         build(one, [meta_record("k", 4, 0, 1, struct.pack("<I", 9) + b"abc")]), "runs past value_length"),
        ("meta_duplicate.tnsr", "the key 'k' twice", build(one, [meta("k", 1), meta("k", 2)]),
         "key 'k' appears twice"),
        ("meta_not_filled.tnsr", "8 spare bytes after the last record",
         build(one, [meta("k", 1) + b"\0" * 8]), "(expected them to fill it)"),
        ("meta_padding.tnsr", "non-zero padding after a key", build(one, [meta_record("k", 1, 0, 1, b"\1", pad=b"\x05")]),
         "padding byte"),
    ]
    trailer = [  # a mapped reader refuses these when it opens the file, a stream at the end of its data
        ("truncated_data.tnsr", "a half-written file: cut inside the data", good[:d0 + 10], "truncated: "),
        ("truncated_trailer.tnsr", "a half-written file: cut inside the trailer", good[:-3], "truncated: "),
        ("trailer_end_magic.tnsr", "the end marker is damaged",
         build(one, trailer=lambda t: t.update(end=b"TNSREND\r")), "no end marker"),
        ("trailer_crc.tnsr", "the trailer checksum is wrong", build(one, trailer=lambda t: t.update(fix_crc=False)),
         "trailer: checksum mismatch"),
        ("trailer_other_file.tnsr", "the trailer's copy of the header checksum is another file's",
         build(one, trailer=lambda t: t.update(header_crc=t["header_crc"] ^ 0x10)), "belongs to another file"),
        ("trailer_reserved.tnsr", "the trailer's reserved word not zero", build(one, trailer=lambda t: t.update(reserved=7)),
         "padding or reserved bytes are not zero"),
        ("trailing_garbage.tnsr", "a file followed by 5 bytes that start no other file", build(one) + b"junk\n",
         "trailing bytes at byte"),
        ("trailing_zeros.tnsr", "a file followed by 8 zero bytes", build(one) + b"\0" * 8, "trailing bytes at byte"),
    ]
    later = [  # the first file of the stream is fine: readers list it, then refuse the second
        ("second_truncated.tnsr", "a stream of two files whose second is cut", build(one) + build(two)[:3000],
         "file 2: truncated"),
        ("second_version.tnsr", "a stream of two files whose second has major version 3",
         build(one) + build(two, major=3), "file 2: unsupported .tnsr version 3.0"),
    ]
    d0_one = data_offset_of(build(one))
    checksums = [  # the header is fine: refused by --verify, and when the data streams past
        ("data_flipped.tnsr", "one bit of tensor 'b' flipped after its checksum was computed", flip(good, d0 + 64 + 3, 0x10),
         "tensor 1 'b': checksum mismatch"),
        ("footer_wrong.tnsr", "tensor 'x''s footer does not match its data (the trailer lists the right value)",
         flip(build(one), d0_one + 24, 0x01), "tensor 0 'x': checksum mismatch"),
        ("trailer_list_wrong.tnsr", "the trailer lists a wrong checksum for 'b' (its footer is right)",
         build(two, trailer=lambda t: t["crcs"].__setitem__(1, t["crcs"][1] ^ 0x100)), "tensor 1 'b': checksum"),
        ("slot_padding.tnsr", "non-zero padding after the tensors' footers", build(two, slot_pad=b"\x01"),
         "padding"),
        # Encoded tensors whose footers match their (damaged) frames: found when decoded.
        ("frame_crc.tnsr", "frame 2 of 'big' has a wrong checksum",
         build(encoded_tensors(lambda fs: fs[1].update(crc=crc32c(fs[1]["z"]) ^ 1))),
         "tensor 0 'big': frame at stored byte"),
        ("frame_short.tnsr", "a frame that decodes to 4 bytes fewer than its chunk",
         build([tensor("x", "f32", (3,), encode=True,
                       frames=lambda fs: fs[0].update(z=deflate(shuffle(struct.pack("<ff", 1, 2), 4))))]),
         "frame decodes to 8 bytes (expected 12)"),
        ("frame_long.tnsr", "a frame that decodes to 4 bytes more than its chunk",
         build([tensor("x", "f32", (3,), encode=True,
                       frames=lambda fs: fs[0].update(z=deflate(shuffle(struct.pack("<ffff", 1, 2, 3, 4), 4))))]),
         "frame decodes to more than 12 bytes"),
        ("frame_garbage.tnsr", "a frame whose bytes are not a deflate stream",
         build([tensor("x", "f32", (3,), encode=True, frames=lambda fs: fs[0].update(z=b"\xff" * 9))]),
         "deflate stream corrupt"),
        ("frame_trailing.tnsr", "a frame with 2 bytes after its deflate stream",
         build([tensor("x", "f32", (3,), encode=True, frames=lambda fs: fs[0].update(z=fs[0]["z"] + b"ab"))]),
         "bytes after its deflate stream"),
        ("frame_over_bound.tnsr", "a frame length past stored_length",
         build([tensor("x", "f32", (3,), encode=True, frames=lambda fs: fs[0].update(len=len(fs[0]["z"]) + 5))]),
         "inside stored_length"),
        ("frames_spare.tnsr", "8 stored bytes after the last frame",
         build([tensor("x", "f32", (3,), encode=True, frames=lambda fs: fs[0].update(spare=b"\0" * 8))]),
         "its frames end after"),
    ]
    return opened, trailer, later, checksums


def hexname(b):
    return b.hex() if b else "-"


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".tnsr") or f == "valid.txt":
            os.remove(os.path.join(OUT, f))
    valid = valid_files()
    opened, trailer, later, checksums = invalid_files()
    lines = []
    for name, _, blob in valid:
        with open(os.path.join(OUT, name), "wb") as fh:
            fh.write(blob)
    # valid.txt: what each valid file holds, tensor by tensor (a stream lists both files).
    for name, _, blob in valid:
        for idx, t in enumerate(parse_for_manifest(blob)):
            data = t["data"].hex() or "-" if len(t["data"]) <= 4096 else "crc32c:%08x" % crc32c(t["data"])
            lines.append("%s %d %s %s %s %s" % (name, idx, hexname(t["name"]), DTYPES[t["dtype"]][0],
                                                "x".join(str(d) for d in t["shape"]) if t["shape"] else "()", data))
    with open(os.path.join(OUT, "valid.txt"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    for group in (opened, trailer, later, checksums):
        for name, _, blob, _ in group:
            with open(os.path.join(OUT, name), "wb") as fh:
                fh.write(blob)
    write_readme(valid, opened, trailer, later, checksums)


def parse_for_manifest(blob):
    """Reads back the tensors of BLOB (valid files only) with the spec's rules: a check
    that the generator and the manifest agree."""
    out, pos = [], 0
    while pos < len(blob):
        assert blob[pos:pos + 8] == MAGIC
        (flags_required,) = struct.unpack_from("<I", blob, pos + 12)
        (entry_size, count) = struct.unpack_from("<HI", blob, pos + 22)
        (data_offset, _, file_length, table, names, _, dims) = struct.unpack_from("<QQQQQQQ", blob, pos + 40)
        for i in range(count):
            at = pos + table + i * entry_size
            off, nbytes, noff, nlen, code, rank, di, flags = struct.unpack_from("<QQIHBBII", blob, at)
            stored = struct.unpack_from("<Q", blob, at + 32)[0] if flags_required & 1 else nbytes
            shape = struct.unpack_from("<%dQ" % rank, blob, pos + dims + 8 * di)
            start = pos + data_offset + off
            data = blob[start:start + stored]
            assert struct.unpack_from("<I", blob, start + stored)[0] == crc32c(data)
            if flags & 0xFF:
                data = decode_frames(data, nbytes, DTYPES[code][1])
            out.append({"name": blob[pos + names + noff:pos + names + noff + nlen], "dtype": code, "shape": shape,
                        "data": data})
        pos += file_length
    return out


def write_readme(valid, opened, trailer, later, checksums):
    def section(items):
        return "\n".join("- `%s` -- %s -- `%s`" % (n, what, frag) for n, what, _, frag in items)

    text = """# The .tnsr conformance corpus

Made by `tests/oracle/gen_tnsr_corpus.py` from the specification (`formats/tnsr.md`) with
plain Python `struct` code, independently of the C codec; do not edit by hand. Each
invalid file breaks one rule (its checksums recomputed unless the checksum is what is
broken). Used by `tests/unit/test_tnsr.c` (the library) and `tests/cli/tnsr.bats` (the
tools).

## Valid

Every tool reads these; `valid.txt` lists each tensor they hold (file, index, name in
hex, dtype, shape, data in hex or, for large tensors, its CRC-32C), and the unit test
compares what it loads with it (and the key/value pairs of `metadata.tnsr` with the
generator's).

%s

## Refused when opened

Refused by every reader with exit status 1, one line on stderr naming the file and
containing the fragment, and nothing on stdout: mapped (`tinfo FILE`, `tshow FILE`,
`tinfo < FILE`) or streamed (`cat FILE | tinfo`).

%s

## Refused at the end

A mapped reader checks the trailer and what follows the file when it opens it
(refused as above); a pipe reader meets them after the data, so `cat FILE | tinfo`
may list members before failing.

%s

## Refused in a later file

Streams of two files whose first is valid: every reader lists the first file's
members, then refuses the second ("file 2").

%s

## Refused by checksums

The header is valid, so `tinfo FILE` succeeds (it reads headers only); `tinfo --verify
FILE` fails at the damaged tensor (having listed those before it), and a pipe reader
fails when the damaged data has streamed past. `tshow FILE` shows raw tensors as views
of the mapping, unchecked, but decodes encoded ones (the `frame_*` files), checking them.

%s
""" % ("\n".join("- `%s` -- %s" % (n, what) for n, what, _ in valid), section(opened), section(trailer),
       section(later), section(checksums))
    with open(os.path.join(OUT, "README.md"), "w") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
