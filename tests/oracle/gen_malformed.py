#!/usr/bin/env python3
"""gen_malformed.py: writes the corpus of malformed .npy files, tests/fixtures/malformed/,
and its README.md (one line per file: what is wrong and a fragment of the expected
error message).  Every file must be refused with exit status 1 and one line on stderr
by every tool (tests/cli/malformed.bats).  Run from anywhere; the files are committed:

    /usr/bin/python3 tests/oracle/gen_malformed.py

Each file is a few bytes except header_over_limit.npy (10 KB: a header just over
NumPy's max_header_size of 10000 characters).
"""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "malformed")
MAGIC = b"\x93NUMPY"


def npy(text, data=b"", version=1, pad=True, length=None):
    """A .npy file with header dict TEXT (str or bytes), padded like np.save when PAD."""
    body = text if isinstance(text, bytes) else text.encode("latin1" if version < 3 else "utf8")
    prefix = 8 + (2 if version == 1 else 4)
    if pad:
        body += b" " * ((-(prefix + len(body) + 1)) % 64) + b"\n"
    n = len(body) if length is None else length
    return MAGIC + bytes([version, 0]) + struct.pack("<H" if version == 1 else "<I", n) + body + data


def hdr(descr="'<f8'", fortran="False", shape="(3,)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)


F8x3 = bytes(24)

# (file, bytes, what is wrong, fragment of the expected message)
CASES = [
    ("empty.npy", b"", "an empty file", "empty input"),
    ("bad_magic.npy", b"\x92NUMPY\x01\x00" + npy(hdr(), F8x3)[8:], "first byte 0x92 instead of 0x93",
     "unknown format"),
    ("lowercase_magic.npy", b"\x93numpy\x01\x00" + npy(hdr(), F8x3)[8:], "magic in lower case", "unknown format"),
    ("truncated_magic.npy", b"\x93NUMP", "5 bytes: the magic string is cut",
     "truncated: the input ends after 5 bytes, inside the magic string"),
    ("magic_no_minor.npy", b"\x93NUMPY\x01", "7 bytes: the minor version is missing",
     "truncated: the input ends after 7 bytes, inside the magic string"),
    ("version_1_1.npy", b"\x93NUMPY\x01\x01" + npy(hdr(), F8x3)[8:], "version 1.1",
     "unsupported .npy version 1.1 (expected 1.0, 2.0 or 3.0)"),
    ("version_0_0.npy", b"\x93NUMPY\x00\x00" + npy(hdr(), F8x3)[8:], "version 0.0", "unsupported .npy version 0.0"),
    ("version_4_0.npy", b"\x93NUMPY\x04\x00" + npy(hdr(), F8x3)[8:], "version 4.0", "unsupported .npy version 4.0"),
    ("version_255_255.npy", b"\x93NUMPY\xff\xff", "version 255.255 and nothing else",
     "unsupported .npy version 255.255"),
    ("truncated_length.npy", b"\x93NUMPY\x01\x00\x76", "v1.0 with 1 of the 2 length bytes",
     "truncated: the input ends inside the header length (9 of 10 bytes)"),
    ("truncated_length_v2.npy", b"\x93NUMPY\x02\x00\x76\x00\x00", "v2.0 with 3 of the 4 length bytes",
     "truncated: the input ends inside the header length (11 of 12 bytes)"),
    ("header_past_eof.npy", npy(hdr())[:30], "HEADER_LEN 118, but the file ends 20 bytes into the header",
     "truncated: the header length is 118 but only 20 bytes follow"),
    ("huge_header_length.npy", b"\x93NUMPY\x02\x00\xf0\xff\xff\xff{}",
     "v2.0 HEADER_LEN 4294967280 in a 14-byte file (must be refused before allocating)",
     "truncated: the header length is 4294967280 but only 2 bytes follow"),
    ("header_over_limit.npy", npy(hdr() + " " * (10001 - len(hdr())), F8x3, pad=False),
     "a 10001-character header, over NumPy's max_header_size",
     "header: length 10001 is over the limit of 10000 characters"),
    ("empty_header.npy", npy("", pad=False), "HEADER_LEN 0", "header: empty"),
    ("spaces_header.npy", npy(""), "a header of spaces and a newline", "header: empty"),
    ("not_a_dict.npy", npy("['descr', '<f8', 'fortran_order', False]", F8x3), "a list, not a dict",
     "header: a list, not a dict"),
    ("cut_dict.npy", npy("{'descr': '<f8', 'fortran_order': False", F8x3), "the dict stops in the middle",
     "header: expected ',' or '}' after the value of 'fortran_order'"),
    ("unterminated_string.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'oops}\n", F8x3),
     "a string left open at the end of a line", "header: unterminated string"),
    ("trailing_garbage.npy", npy(hdr() + " x", F8x3), "text after the dict",
     "header: expected the end of the header after the dict"),
    ("missing_key.npy", npy("{'descr': '<f8', 'shape': (3,), }", F8x3), "no fortran_order",
     "header: missing key 'fortran_order'"),
    ("extra_key.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'version': 2}", F8x3),
     "a fourth key", "header: unexpected key 'version'"),
    ("duplicate_key.npy", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'shape': (2,)}", F8x3),
     "shape twice (NumPy keeps the last one; libtnsr refuses the ambiguity)", "header: duplicate key 'shape'"),
    ("string_key.npy", npy("{'descr': '<f8', 'fortran_order': False, 3: (3,)}", F8x3), "an integer key",
     "header: key 3 is an integer"),
    ("object.npy", npy(hdr("'|O'"), b"\x80\x03N."), "object dtype (pickled data)",
     "header: descr '|O': object arrays (pickled Python objects) are not supported"),
    ("object_o8.npy", npy(hdr("'|O8'"), b"\x80\x02N."), "Python 2 object dtype",
     "header: descr '|O8': object arrays"),
    ("structured.npy", npy(hdr("[('x', '<i4'), ('y', '<f8')]"), bytes(36)), "a structured dtype",
     "header: descr is a list of fields: structured dtypes are not supported"),
    ("bytes_S.npy", npy(hdr("'|S5'"), bytes(15)), "byte strings", "header: descr '|S5': byte strings are not supported"),
    ("unicode_U.npy", npy(hdr("'<U3'"), bytes(36)), "unicode strings",
     "header: descr '<U3': unicode strings are not supported"),
    ("void_V.npy", npy(hdr("'|V8'"), F8x3), "raw void records", "header: descr '|V8': void"),
    ("datetime.npy", npy(hdr("'<M8[ns]'"), F8x3), "datetime64", "header: descr '<M8[ns]': datetime64 is not supported"),
    ("timedelta.npy", npy(hdr("'<m8[s]'"), F8x3), "timedelta64",
     "header: descr '<m8[s]': timedelta64 is not supported"),
    ("longdouble.npy", npy(hdr("'<f16'"), bytes(48)), "x87 long double", "header: descr '<f16': long double"),
    ("clongdouble.npy", npy(hdr("'<c32'"), bytes(96)), "complex long double", "header: descr '<c32': long double"),
    ("unknown_descr.npy", npy(hdr("'x'"), F8x3), "a typestring that means nothing", "header: descr 'x': unknown type"),
    ("float3.npy", npy(hdr("'<f3'"), bytes(9)), "a 3-byte float", "header: descr '<f3': no float type of 3 bytes"),
    ("int16_bytes.npy", npy(hdr("'<i16'"), bytes(48)), "a 16-byte integer",
     "header: descr '<i16': no signed integer type of 16 bytes"),
    ("bytes_descr.npy", npy(hdr("b'<f8'"), F8x3), "descr as bytes, not str", "header: descr b'<f8' is bytes"),
    ("fortran_order_int.npy", npy(hdr(fortran="0"), F8x3), "fortran_order 0", "header: fortran_order 0: expected True or False"),
    ("fortran_order_str.npy", npy(hdr(fortran="'False'"), F8x3), "fortran_order as a string",
     "header: fortran_order 'False': expected True or False"),
    ("shape_list.npy", npy(hdr(shape="[3]"), F8x3), "shape as a list", "header: shape [3]: a list, not a tuple"),
    ("shape_int.npy", npy(hdr(shape="(3)"), F8x3), "shape (3), an int: the comma is missing",
     "header: shape (3): an integer, not a tuple"),
    ("shape_float.npy", npy(hdr(shape="(3.0,)"), F8x3), "a float dimension",
     "header: shape (3.0,): dimension 3.0 is a number, not an integer"),
    ("shape_bool.npy", npy(hdr(shape="(True, 3)"), F8x3), "a bool dimension",
     "header: shape (True, 3): dimension True is a bool, not an integer"),
    ("shape_nested.npy", npy(hdr(shape="((3,),)"), F8x3), "a tuple inside the shape",
     "header: shape ((3,),): dimension (3,) is a tuple, not an integer"),
    ("shape_negative.npy", npy(hdr(shape="(3, -1)"), F8x3), "a negative dimension",
     "header: shape (3, -1): dimension -1 is negative (expected >= 0)"),
    ("shape_huge_dim.npy", npy(hdr(shape="(99999999999999999999,)"), F8x3), "a dimension over 2**63",
     "header: shape (99999999999999999999,): dimension 99999999999999999999 is too large"),
    ("shape_overflow.npy", npy(hdr(shape="(4294967296, 4294967296)"), F8x3), "2**64 elements: the byte size overflows",
     "header: shape (4294967296, 4294967296): too large for f64"),
    ("too_many_dims.npy", npy(hdr(shape="(" + "1, " * 33 + ")"), bytes(8)), "33 dimensions",
     "33 dimensions (expected at most 32)"),
    ("nul_padding.npy", npy(hdr().encode() + b"\0" * 50 + b"\n", F8x3, pad=False), "NUL bytes as padding",
     "header: NUL byte at offset"),
    ("v3_bad_utf8.npy", npy(hdr().encode() + b" # \xe9" + b" " * 52 + b"\n", F8x3, version=3, pad=False),
     "a v3.0 header that is not UTF-8", "header: invalid UTF-8 at offset"),
    ("v3_long_suffix.npy", npy(hdr(shape="(3L,)"), F8x3, version=3), "a Python 2 'L' suffix in a v3.0 header",
     "header: 3L: the Python 2 'L' suffix is not allowed in a version 3.0 header"),
    ("truncated_data.npy", npy(hdr(), bytes(23)), "(3,) f8 needs 24 data bytes, the file has 23",
     "truncated: shape (3,) of f64 needs 24 bytes of data but only 23 bytes follow the header"),
    ("no_data.npy", npy(hdr(shape="(2, 2)")), "a whole header and no data",
     "truncated: shape (2, 2) of f64 needs 32 bytes of data but only 0 bytes follow the header"),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old.endswith(".npy"):
            os.remove(os.path.join(OUT, old))
    lines = ["# Malformed .npy files",
             "",
             "Written by `tests/oracle/gen_malformed.py` (do not edit by hand). Every file must be",
             "refused with exit status 1, one line on stderr naming the file, nothing on stdout",
             "(`tests/cli/malformed.bats`). Each line: the file, what is wrong with it, and a",
             "fragment of the message libtnsr gives (`empty input` and `unknown format` come from",
             "the reader's format probe; the rest from the .npy codec).",
             "",
             "Duplicate keys: NumPy keeps the last value; libtnsr refuses the header instead.",
             "NumPy also loads the valid files of dtypes libtnsr does not have (S, U, V, M, m, long",
             "double, structured) and, through a bug of its own, `shape_negative.npy`.",
             ""]
    for name, data, what, fragment in CASES:
        assert "`" not in fragment and " -- " not in what
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        lines.append("- `%s` -- %s -- `%s`" % (name, what, fragment))
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
