#!/usr/bin/env python3
"""Writes the invalid-file corpora of the text, raw and image formats:
tests/fixtures/text/ and tests/fixtures/image/, each with a README.md whose table lists
every file, the tconvert arguments it is read with, and a fragment of the one-line
error it must give (exit status 1, no output file).  tests/cli/text_image.bats reads
the tables.  Run from anywhere: python3 tests/oracle/gen_text_image_fixtures.py
"""
import os
import struct
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from pngref import SIGNATURE, chunk, encode  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")

TEXT = [
    # file, bytes, tconvert arguments, message fragment
    ("ragged.csv", b"1,2,3\n4,5,6\n7,8\n", "", "line 3 has 2 values, line 1 has 3"),
    ("ragged.tsv", b"1\t2\n\n# gap\n3\n", "", "line 4 has 1 value, line 1 has 2"),
    ("ragged.txt", b"1 2 3\n4  5\t6\n7 8 9 10\n", "", "line 3 has 4 values, line 1 has 3"),
    ("not_a_number.csv", b"1,2\n3,abc\n", "", "line 2, column 2: 'abc' is not a number (expected f64)"),
    ("empty_value.csv", b"1,,2\n", "", "line 1, column 2: empty value (expected f64)"),
    ("trailing_comma.csv", b"1,2,\n", "", "line 1, column 3: empty value"),
    ("hex.csv", b"0x10\n", "", "'0x10' is not a number"),
    ("nan_payload.csv", b"nan(123)\n", "", "'nan(123)' is not a number"),
    ("over_u8.csv", b"1\n300\n", "--dtype u8", "line 2, column 1: '300' is out of range for u8 (0..255)"),
    ("negative_u16.csv", b"-3\n", "--dtype u16", "'-3' is negative (expected u16"),
    ("over_i64.csv", b"9223372036854775808\n", "--dtype i64", "is out of range for i64"),
    ("fraction_i32.csv", b"1.5\n", "--dtype i32", "'1.5' is not an integer (expected i32)"),
    ("bool_word.csv", b"True\n", "--dtype bool", "'True' is not an integer (expected bool)"),
    ("complex_bad.csv", b"(1+2)\n", "--dtype c64", "'(1+2)' is not a number (expected c64)"),
    ("binary.csv", bytes(range(1, 40)) + b"\n", "", "line 1, column 1:"),
    ("short.raw", bytes(96), "--dtype f32 --shape 5x5", "96 bytes do not hold (5, 5) of f32 (needs 100 bytes"),
    ("long.raw", bytes(104), "--dtype f32 --shape 5x5", "more than the 100 bytes that (5, 5) of f32 needs"),
    ("odd.raw", bytes(7), "--dtype i16 --shape 4", "7 bytes do not hold (4,) of i16"),
]


def png(chunks):
    return SIGNATURE + b"".join(chunk(k, d) for k, d in chunks)


def ihdr(w, h, depth=8, color=0, interlace=0, comp=0, filt=0):
    return (b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, comp, filt, interlace))


def idat_rows(rows, level=6):
    return (b"IDAT", zlib.compress(b"".join(rows), level))


def corrupt_crc(data, chunk_type):
    i = data.index(chunk_type) + 4
    (n,) = struct.unpack(">I", data[i - 8:i - 4])
    return data[:i + n] + bytes([data[i + n] ^ 0xFF]) + data[i + n + 1:]


def images():
    good = encode(np.arange(12).reshape(3, 4, 1), 0, 8)
    grey_rows = [b"\x00" + bytes(4)] * 3
    yield "bad_ihdr_crc.png", corrupt_crc(good, b"IHDR"), "chunk 'IHDR': CRC mismatch"
    yield "bad_idat_crc.png", corrupt_crc(good, b"IDAT"), "chunk 'IDAT': CRC mismatch"
    yield "bad_iend_crc.png", corrupt_crc(good, b"IEND"), "chunk 'IEND': CRC mismatch"
    yield "truncated_idat.png", good[:good.index(b"IDAT") + 10], "truncated"
    yield "missing_iend.png", good[:good.index(b"IEND") - 4], "truncated: the input ends inside a chunk header"
    yield "signature_only.png", SIGNATURE, "truncated"
    yield "no_idat.png", png([ihdr(4, 3), (b"IEND", b"")]), "no image data"
    yield "first_not_ihdr.png", png([(b"gAMA", bytes(4)), ihdr(4, 3)]), "the first chunk is 'gAMA'"
    yield "bad_depth.png", png([ihdr(4, 3, depth=4, color=2), idat_rows(grey_rows), (b"IEND", b"")]), \
        "bit depth 4 is not allowed for RGB images"
    yield "bad_color.png", png([ihdr(4, 3, color=5), (b"IEND", b"")]), "colour type 5"
    yield "bad_interlace.png", png([ihdr(4, 3, interlace=2), (b"IEND", b"")]), "interlace method 2"
    yield "bad_compression.png", png([ihdr(4, 3, comp=1), (b"IEND", b"")]), "compression method 1"
    yield "zero_width.png", png([ihdr(0, 3), (b"IEND", b"")]), "width 0"
    yield "too_wide.png", png([ihdr(20000000, 1), (b"IEND", b"")]), "expected 1 to 16777216 pixels a side"
    yield "too_big.png", png([ihdr(100000, 100000, 16, 6), idat_rows([b"\x00"]), (b"IEND", b"")]), \
        "decodes to more than 4 GiB"
    yield "bad_filter.png", png([ihdr(4, 3), idat_rows([b"\x07" + bytes(4)] * 3), (b"IEND", b"")]), \
        "row 0: filter type 7 (expected 0 to 4)"
    yield "short_stream.png", png([ihdr(4, 3), idat_rows(grey_rows[:2]), (b"IEND", b"")]), \
        "image data ends early: 10 of 15 decoded bytes"
    # A decompression bomb: a megabyte of zeros, deflated to about a kilobyte, for a
    # 4 x 3 image: refused after the 15 bytes the header declares.
    yield "bomb.png", png([ihdr(4, 3), (b"IDAT", zlib.compress(bytes(1 << 20), 9)), (b"IEND", b"")]), \
        "zlib stream holds more than the 15 bytes of a 3-row image"
    yield "corrupt_zlib.png", png([ihdr(4, 3), (b"IDAT", b"\x78\x9c\xff\xff\xff\xff\xff"), (b"IEND", b"")]), \
        "zlib stream corrupt"
    noise = bytes(np.random.default_rng(1).integers(0, 256, 31 * 30, dtype=np.uint8))
    noisy = zlib.compress(b"".join(b"\x00" + noise[30 * r:30 * r + 30] for r in range(30)))
    yield "missing_idat_data.png", png([ihdr(30, 30), (b"IDAT", noisy[:len(noisy) // 2]), (b"IEND", b"")]), \
        "image data ends early"
    yield "no_plte.png", png([ihdr(4, 3, color=3), idat_rows(grey_rows), (b"IEND", b"")]), \
        "palette image without a PLTE chunk"
    yield "palette_index.png", png([ihdr(4, 3, color=3), (b"PLTE", bytes(6)), idat_rows([b"\x00\x00\x01\x05\x00"] * 3),
                                    (b"IEND", b"")]), "palette index 5 out of range (the palette has 2 entries)"
    yield "bad_plte.png", png([ihdr(4, 3, color=3), (b"PLTE", bytes(7)), (b"IEND", b"")]), "PLTE: 7 bytes"
    yield "unknown_critical.png", png([ihdr(4, 3), (b"ABCD", b""), idat_rows(grey_rows), (b"IEND", b"")]), \
        "unknown critical chunk 'ABCD'"
    yield "bad_chunk_type.png", png([ihdr(4, 3), (b"ID\x00T", b""), (b"IEND", b"")]), "is not a letter"
    huge_len = SIGNATURE + chunk(*ihdr(4, 3)) + struct.pack(">I", 0x80000000) + b"IDAT" + bytes(8)
    yield "chunk_too_long.png", huge_len, "length 2147483648 is over the limit"
    yield "idat_after_end.png", png([ihdr(4, 3), idat_rows(grey_rows), (b"tEXt", b"a\x00b"), idat_rows(grey_rows),
                                     (b"IEND", b"")]), "chunk 'IDAT' after the image data (expected IEND)"
    yield "truncated.pgm", b"P5\n4 3\n255\n" + bytes(10), "truncated: a 3 x 4 image needs 12 bytes"
    yield "maxval_zero.pgm", b"P5\n4 3\n0\n" + bytes(12), "maxval 0 (expected each >= 1)"
    yield "maxval_big.pgm", b"P5\n4 3\n70000\n" + bytes(12), "maxval is over 65535"
    yield "bad_height.pgm", b"P5\n4 x\n255\n", "height: 'x' is not a digit"
    yield "zero_width.pgm", b"P5\n0 3\n255\n", "width 0"
    yield "plain_short.pgm", b"P2\n2 2\n255\n1 2 3\n", "truncated: the input ends before the sample 4 of 4"
    yield "plain_over.pgm", b"P2\n2 1\n15\n1 16\n", "sample 2 of 2 is over 15"
    yield "plain_junk.pgm", b"P2\n2 1\n255\n1 2x\n", "sample 2 of 2: 'x' after the number"


def write_corpus(directory, rows, title, intro):
    os.makedirs(directory, exist_ok=True)
    lines = [f"# {title}", "", intro, "",
             "Regenerate with `python3 tests/oracle/gen_text_image_fixtures.py`.  Every file must make",
             "`tconvert ARGUMENTS FILE out.npy` exit with status 1, print one line on stderr that",
             "contains the fragment, and leave no output file.", "",
             "| file | arguments | message fragment |", "|---|---|---|"]
    for name, data, args, fragment in rows:
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
        lines.append(f"| {name} | {args} | {fragment} |")
    with open(os.path.join(directory, "README.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    write_corpus(os.path.join(ROOT, "text"), TEXT, "Invalid text and raw inputs",
                 "csv, tsv and txt as np.loadtxt would refuse them, and raw bytes whose size does not "
                 "match --dtype and --shape.")
    write_corpus(os.path.join(ROOT, "image"), [(n, d, "", f) for n, d, f in images()], "Invalid PNG and PGM files",
                 "Broken chunks, CRCs, zlib streams, headers and limits (a decompression bomb included).")


if __name__ == "__main__":
    main()
