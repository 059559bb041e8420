#!/usr/bin/env python3
"""gen_safetensors_fixtures.py: the safetensors corpus, tests/fixtures/safetensors/.
Written with struct and json alone, from the published layout (8-byte little-endian
header length, a JSON header, the data section) and the reference implementation's
writing rules (tensors sorted by dtype, largest alignment first, then by name; compact
JSON with "__metadata__" first; spaces up to a multiple of 8), so that no safetensors
package is needed.  Valid files hold every dtype and the corner cases; invalid files each
break one rule of the format's validation, and README.md lists them with a fragment of
the message libtnsr gives.  tests/cli/safetensors.bats reads them with a Python reader of
its own and compares.  The files are committed; regenerate with:

    /usr/bin/python3 tests/oracle/gen_safetensors_fixtures.py
"""
import json
import os
import struct

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "safetensors")

# The reference implementation's Dtype enum order (it sorts by it, largest first).
ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64",
         "U64"]
NUMPY = {"BOOL": "?", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "F16": "<f2", "I32": "<i4", "U32": "<u4",
         "F32": "<f4", "F64": "<f8", "I64": "<i8", "U64": "<u8"}


def values(dtype, shape, seed):
    """Deterministic bytes for a tensor: small integers, halves and quarters, some
    negative, a NaN and infinities among the floats."""
    n = int(np.prod(shape, dtype=np.int64))
    base = (np.arange(n, dtype=np.int64) * 7 + seed * 13) % 41 - 20
    if dtype == "BOOL":
        return (base % 3 == 0).astype("?").tobytes()
    if dtype == "BF16":
        f = (base * 0.25).astype("<f4")
        if n > 2:
            f[1], f[2] = np.inf, np.nan
        return (f.view("<u4") >> 16).astype("<u2").tobytes()
    dt = np.dtype(NUMPY[dtype])
    if dt.kind == "f":
        a = (base * 0.25).astype(dt)
        if n > 2:
            a[1], a[2] = -np.inf, np.nan
    else:
        a = ((base + 20) * (1 + seed) if dt.kind == "u" else base * 3).astype(dt)
        if n > 1:  # the extreme values of the type
            a[-1] = np.iinfo(dt).max if dt.kind == "u" else np.iinfo(dt).min
    return a.tobytes()


def serialize(tensors, metadata=None, pad=True, sort=True):
    """The reference layout.  TENSORS: name -> (dtype, shape, bytes)."""
    names = sorted(tensors, key=lambda k: (-ORDER.index(tensors[k][0]), k.encode())) if sort else list(tensors)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    offset = 0
    for k in names:
        dtype, shape, data = tensors[k]
        header[k] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    if pad:
        text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(tensors[k][2] for k in names)


def raw(header_text, data=b"", length=None):
    """A file from header text as given (str or bytes) and a data section."""
    h = header_text.encode() if isinstance(header_text, str) else header_text
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def entry(dtype, shape, begin, end):
    return '{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}' % (dtype, json.dumps(list(shape)), begin, end)


def valid_cases():
    every = {}
    for i, d in enumerate(ORDER):
        if d in ("F8_E5M2", "F8_E4M3"):
            continue
        shape = (3, 4) if i % 2 else (5,)
        every["t_" + d.lower()] = (d, shape, values(d, shape, i))
    corner = {
        "scalar": ("F64", (), values("F64", (), 1)),
        "empty": ("F32", (0, 3), b""),
        "empty_i8": ("I8", (2, 0), b""),
        "one": ("I32", (1, 1, 1), values("I32", (1, 1, 1), 2)),
    }
    names = {
        'quote"and\\backslash': ("F32", (2,), values("F32", (2,), 3)),
        "caf\u00e9": ("I16", (2,), values("I16", (2,), 4)),
        "emoji_\U0001F600": ("U8", (3,), values("U8", (3,), 5)),
        "tab\there": ("F64", (1,), values("F64", (1,), 6)),
        "model.layers.0.attn.q_proj.weight": ("BF16", (2, 2), values("BF16", (2, 2), 7)),
    }
    reference = bytes([64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100, 116, 121, 112,
                       101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58, 91, 49, 44, 50, 44, 51,
                       93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52,
                       93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160,
                       64])
    a, b = values("F32", (2, 2), 8), values("I64", (3,), 9)
    unsorted = raw('{"b":%s,"__metadata__":{"note":"keys in no order"},"a":%s}   ' % (
        entry("I64", (3,), 16, 40), entry("F32", (2, 2), 0, 16)), a + b)
    spaced = raw('  \n{ "a" : {"shape": [2, 2], "dtype": "F32", "data_offsets": [0, 16]} }\t ', a)
    return [
        ("all_dtypes.safetensors", serialize(every, {"format": "pt", "source": "gen_safetensors_fixtures.py"}),
         "every dtype tnsr shares with safetensors, in the reference layout, with __metadata__"),
        ("corner.safetensors", serialize(corner), "a 0-d tensor, zero-size tensors, a (1, 1, 1) tensor"),
        ("names.safetensors", serialize(names, {"k\u00e9y": "v\"al\nue"}),
         "names and metadata that need JSON escapes, non-ASCII names, a 4-byte UTF-8 name"),
        ("unaligned.safetensors", serialize({"a": ("F64", (3,), values("F64", (3,), 10)),
                                             "b": ("U8", (3,), values("U8", (3,), 11))}, pad=False, sort=False),
         "no padding and U8 first: F64 data at an odd offset, read by copying"),
        ("reference.safetensors", reference, "the bytes of the reference implementation's own serialization test"),
        ("unsorted.safetensors", unsorted, "keys in no particular order, __metadata__ between tensors"),
        ("whitespace.safetensors", spaced, "white space before, inside and after the JSON object"),
        ("no_tensors.safetensors", serialize({}), "an empty header: {} and padding"),
    ]


def invalid_cases():
    """(file, bytes, what is wrong, fragment of the message)."""
    a16 = values("F32", (2, 2), 1)
    e = entry
    return [
        ("short.safetensors", b"\x08\x00\x00\x00\x00", "5 bytes: the length field is cut", "unknown format"),
        ("header_too_large.safetensors", raw('{"a":' + e("F32", (2, 2), 0, 16) + "}", a16, length=100000001),
         "a header length of 100,000,001, over the reference's limit", "is over the limit of 100000000 bytes"),
        ("header_past_eof.safetensors", raw('{"a":' + e("F32", (2, 2), 0, 16) + "}", a16, length=5000),
         "a header length past the end of the file", "truncated: the header length is 5000 but only"),
        ("overlap.safetensors", raw('{"a":%s,"b":%s}' % (e("F32", (2, 2), 0, 16), e("F32", (2, 2), 8, 24)), a16 + a16[:8]),
         "b starts inside a", "overlap those of tensor 'a'"),
        ("gap.safetensors", raw('{"a":%s,"b":%s}' % (e("F32", (2, 2), 0, 16), e("F32", (2,), 24, 32)), a16 + bytes(16)),
         "8 bytes between a and b belong to no tensor", "leave a gap: bytes [16, 24)"),
        ("out_of_range.safetensors", raw('{"a":' + e("F32", (2, 2), 0, 16) + "}", a16[:12]),
         "data_offsets past the end of the file", "run past the end of the data section (12 bytes)"),
        ("trailing.safetensors", raw('{"a":' + e("F32", (2, 2), 0, 16) + "}", a16 + b"PK\x03\x04junk"),
         "8 bytes after the last tensor's data (a polyglot)", "8 bytes after the last tensor's data"),
        ("bad_dtype.safetensors", raw('{"a":' + e("F8_E4M3", (4,), 0, 4) + "}", bytes(4)),
         "an FP8 dtype tnsr does not have", "dtype 'F8_E4M3' is not supported"),
        ("complex.safetensors", raw('{"a":' + e("C64", (2,), 0, 16) + "}", bytes(16)),
         "C64 (newer safetensors; tnsr writes complex only to .tnsr)", "dtype 'C64' is not supported"),
        ("unknown_dtype.safetensors", raw('{"a":' + e("F32X", (4,), 0, 16) + "}", bytes(16)),
         "a dtype that does not exist", "dtype 'F32X' is not supported"),
        ("duplicate_key.safetensors", raw('{"a":%s,"a":%s}' % (e("F32", (2,), 0, 8), e("F32", (2,), 8, 16)), a16),
         "the name a twice (Python's json keeps the last)", "duplicate key 'a'"),
        ("duplicate_field.safetensors", raw('{"a":{"dtype":"F32","dtype":"I32","shape":[4],"data_offsets":[0,16]}}', a16),
         "dtype twice in one entry", "duplicate key 'dtype'"),
        ("duplicate_metadata.safetensors", raw('{"__metadata__":{"k":"1"},"__metadata__":{"k":"2"}}'),
         "__metadata__ twice", "duplicate key '__metadata__'"),
        ("shape_mismatch.safetensors", raw('{"a":' + e("F32", (2, 3), 0, 16) + "}", a16),
         "shape (2, 3) of F32 in 16 bytes", "shape (2, 3) of F32 needs 24 bytes, but data_offsets [0, 16) hold 16"),
        ("shape_overflow.safetensors", raw('{"a":' + e("F64", (4294967296, 4294967296), 0, 16) + "}", a16),
         "a shape of 2**64 elements", "its shape holds more bytes than a file can"),
        ("reversed_offsets.safetensors", raw('{"a":' + e("F32", (0,), 16, 0) + "}", a16),
         "data_offsets [16, 0)", "end before they begin"),
        ("non_utf8.safetensors", raw(b'{"caf\xe9":' + e("F32", (2, 2), 0, 16).encode() + b"}", a16),
         "a Latin-1 byte in a name", "header: not valid UTF-8 (byte 5: 0xe9)"),
        ("truncated_data.safetensors", serialize({"a": ("F32", (2, 2), a16), "b": ("F64", (4,), bytes(32))})[:-5],
         "the last 5 bytes of the data are cut", "truncated: tensor 'a': data_offsets [32, 48) run past"),
        ("truncated_header.safetensors", raw('{"a":' + e("F32", (2, 2), 0, 16) + "}")[:30],
         "the header itself is cut", "truncated: the header length is 58 but only 22 bytes follow"),
        ("negative_offset.safetensors", raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}}', a16),
         "a negative offset", "negative number"),
        ("float_dim.safetensors", raw('{"a":{"dtype":"F32","shape":[4.0],"data_offsets":[0,16]}}', a16),
         "a dimension written 4.0", "not a fraction or an exponent"),
        ("leading_zero.safetensors", raw('{"a":{"dtype":"F32","shape":[04],"data_offsets":[0,16]}}', a16),
         "a dimension written 04", "number with a leading zero"),
        ("huge_number.safetensors", raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,18446744073709551616]}}', a16),
         "an offset of 2**64", "integer too large"),
        ("missing_offsets.safetensors", raw('{"a":{"dtype":"F32","shape":[4]}}', a16),
         "no data_offsets", "tensor 'a': no data_offsets"),
        ("unknown_field.safetensors", raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16],"strides":[1]}}', a16),
         "a key the format does not have", "unknown key 'strides'"),
        ("three_offsets.safetensors", raw('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8,16]}}', a16),
         "data_offsets with three values", "more than 2 values in data_offsets"),
        ("too_many_dims.safetensors", raw('{"a":{"dtype":"F32","shape":[%s],"data_offsets":[0,4]}}' % ",".join(["1"] * 33),
                                          bytes(4)),
         "33 dimensions", "more than 32 values in shape"),
        ("metadata_not_string.safetensors", raw('{"__metadata__":{"epoch":3},"a":' + e("F32", (2, 2), 0, 16) + "}", a16),
         "a number in __metadata__", "__metadata__ values must be strings"),
        ("metadata_nested.safetensors", raw('{"__metadata__":{"a":{"b":"c"}}}'),
         "an object in __metadata__", "__metadata__ values must be strings"),
        ("lone_surrogate.safetensors", raw('{"\\ud800x":' + e("F32", (2, 2), 0, 16) + "}", a16),
         "a name with a lone high surrogate escape", "lone high surrogate"),
        ("nul_name.safetensors", raw('{"a\\u0000b":' + e("F32", (2, 2), 0, 16) + "}", a16),
         "a name with an escaped NUL", "a tensor name holds a NUL character"),
        ("control_char.safetensors", raw('{"a\nb":' + e("F32", (2, 2), 0, 16) + "}", a16),
         "a raw newline inside a name", "control character in a string"),
        ("trailing_text.safetensors", raw('{"a":' + e("F32", (2, 2), 0, 16) + "} x", a16),
         "text after the object", "bytes after the JSON object"),
        ("not_an_object.safetensors", raw('{"a":[1,2]}'), "a tensor entry that is an array",
         "expected an object {\"dtype\", \"shape\", \"data_offsets\"} for a tensor"),
        ("unterminated.safetensors", raw('{"a":{"dtype":"F32'), "a string left open", "unterminated string"),
        ("bad_escape.safetensors", raw('{"a\\x":' + e("F32", (2, 2), 0, 16) + "}", a16), "the escape \\x",
         "invalid escape in a string"),
    ]


# Refused in other words when read through a pipe, whose length is not known in advance
# (the rest are refused with the same message, and marked [pipe] in the README).
NOT_ON_A_PIPE = {"out_of_range.safetensors", "truncated_data.safetensors", "trailing.safetensors"}


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".safetensors"):
            os.remove(os.path.join(OUT, old))
    valid, invalid = valid_cases(), invalid_cases()
    for name, data, *_ in valid + invalid:
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
    lines = ["# safetensors corpus", "",
             "Written by `tests/oracle/gen_safetensors_fixtures.py` from the published layout (do not",
             "edit by hand); checked by `tests/cli/safetensors.bats`.", "",
             "## Valid", "",
             "Every tensor of each reads through libtnsr (from the file and through a pipe) equal to",
             "what the test's own Python reader (struct and json) finds.", ""]
    lines += ["* `%s`: %s" % (name, what) for name, _, what in valid]
    lines += ["", "## Invalid", "",
              "Each is refused by `tinfo` and by `tconvert FILE out.npz` with exit status 1, one line on",
              "stderr naming the file, and no output file; those marked [pipe] also, with the same",
              "message, when read through a pipe.  Each line: the file, what is wrong with it, and a",
              "fragment of the message libtnsr gives.", ""]
    lines += ["- `%s` -- %s%s -- `%s`" % (name, what, "" if name in NOT_ON_A_PIPE else " [pipe]", fragment)
              for name, _, what, fragment in invalid]
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
