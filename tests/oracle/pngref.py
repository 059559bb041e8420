#!/usr/bin/env python3
"""pngref.py: an independent PNG encoder and decoder in plain Python (struct + zlib +
NumPy), the reference the image tests compare tconvert against.

  pngref.py cases DIR       write DIR/NAME.png and the expected DIR/NAME.npy for every
                            colour type, bit depth, filter type, Adam7, split and
                            ancillary chunks
  pngref.py decode IN OUT   decode IN.png (any non-palette 8/16-bit image, interlaced or
                            not) into OUT.npy, checking signature, CRCs and IEND
  pngref.py pilcheck DIR    when PIL is installed, check that it decodes DIR's cases
                            as expected (validates this encoder); prints 'skip' if not
"""
import os
import struct
import sys
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def pack_row(samples, depth):
    """One scanline's samples (ints) as bytes at DEPTH bits each."""
    if depth == 16:
        return b"".join(struct.pack(">H", int(s)) for s in samples)
    if depth == 8:
        return bytes(int(s) for s in samples)
    out, acc, bits = bytearray(), 0, 0
    for s in samples:
        acc = acc << depth | int(s)
        bits += depth
        if bits == 8:
            out.append(acc)
            acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)


def filter_row(raw, prev, bpp, ftype):
    out = bytearray([ftype])
    for i, x in enumerate(raw):
        a = raw[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][ftype]
        out.append((x - pred) & 0xFF)
    return bytes(out)


def encode(samples, color, depth, palette=None, trns=None, interlace=False, filters="cycle", split=None,
           ancillary=False, level=6):
    """SAMPLES: (H, W, S) ints as stored in the file (palette: indices)."""
    h, w, s = samples.shape
    bpp = max(1, s * depth // 8)
    passes = [(0, 0, 1, 1)] if not interlace else ADAM7
    stream, row_no = bytearray(), 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prev = bytes(len(pack_row(sub[0].reshape(-1), depth)))
        for r in range(sub.shape[0]):
            raw = pack_row(sub[r].reshape(-1), depth)
            ftype = row_no % 5 if filters == "cycle" else int(filters)
            stream += filter_row(raw, prev, bpp, ftype)
            prev = raw
            row_no += 1
    data = zlib.compress(bytes(stream), level)
    out = SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, int(interlace)))
    if ancillary:
        out += chunk(b"tEXt", b"Comment\x00made by pngref") + chunk(b"gAMA", struct.pack(">I", 45455))
    if palette is not None:
        out += chunk(b"PLTE", bytes(np.asarray(palette, dtype=np.uint8).reshape(-1)))
    if trns is not None:
        out += chunk(b"tRNS", bytes(np.asarray(trns, dtype=np.uint8)))
    step = split or len(data) or 1
    for i in range(0, max(len(data), 1), step):
        out += chunk(b"IDAT", data[i:i + step])
    if ancillary:
        out += chunk(b"tIME", struct.pack(">HBBBBB", 2024, 1, 2, 3, 4, 5))
    return out + chunk(b"IEND", b"")


def cases():
    """Yields (name, png bytes, expected array) for every kind of image."""
    rng = np.random.default_rng(7)
    h, w = 11, 13  # odd sizes: every Adam7 pass, partial bytes at low depths
    for depth in (1, 2, 4, 8, 16):
        v = rng.integers(0, 1 << depth, size=(h, w, 1))
        expect = (v[..., 0] * (255 // ((1 << depth) - 1))).astype(np.uint8) if depth < 8 else \
            v[..., 0].astype(np.uint16 if depth == 16 else np.uint8)
        for il in (False, True):
            yield f"grey{depth}{'_adam7' if il else ''}", encode(v, 0, depth, interlace=il), expect
    for color, name in ((2, "rgb"), (4, "greyalpha"), (6, "rgba")):
        s = SAMPLES[color]
        for depth in (8, 16):
            v = rng.integers(0, 1 << depth, size=(h, w, s))
            expect = v.astype(np.uint16 if depth == 16 else np.uint8)
            for il in (False, True):
                yield f"{name}{depth}{'_adam7' if il else ''}", encode(v, color, depth, interlace=il), expect
    for depth in (1, 2, 4, 8):
        n = min(1 << depth, 200)
        pal = rng.integers(0, 256, size=(n, 3))
        idx = rng.integers(0, n, size=(h, w, 1))
        for trns in (None, rng.integers(0, 256, size=max(1, n // 2))):
            table = np.concatenate([pal, np.full((n, 1), 255)], axis=1)
            if trns is not None:
                table[:len(trns), 3] = trns
            expect = table[idx[..., 0]][..., :4 if trns is not None else 3].astype(np.uint8)
            suffix = "_trns" if trns is not None else ""
            yield f"palette{depth}{suffix}", encode(idx, 3, depth, palette=pal, trns=trns), expect
            yield f"palette{depth}{suffix}_adam7", encode(idx, 3, depth, palette=pal, trns=trns, interlace=True), expect
    v = rng.integers(0, 256, size=(h, w, 3))
    for f in range(5):
        yield f"rgb8_filter{f}", encode(v, 2, 8, filters=str(f)), v.astype(np.uint8)
    yield "rgb8_split_idat", encode(v, 2, 8, split=7), v.astype(np.uint8)
    yield "rgb8_ancillary", encode(v, 2, 8, ancillary=True), v.astype(np.uint8)
    yield "rgb8_stored", encode(v, 2, 8, level=0), v.astype(np.uint8)
    one = np.array([[[200]]])
    yield "grey8_1x1", encode(one, 0, 8), one[..., 0].astype(np.uint8)
    yield "grey8_1x1_adam7", encode(one, 0, 8, interlace=True), one[..., 0].astype(np.uint8)
    wide = rng.integers(0, 256, size=(1, 300, 4))
    yield "rgba8_wide", encode(wide, 6, 8), wide.astype(np.uint8)


def decode(data):
    """A PNG (colour types 0, 2, 4, 6; depth 8 or 16) as a NumPy array."""
    assert data[:8] == SIGNATURE, "bad signature"
    pos, chunks = 8, []
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, f"CRC of {kind}"
        chunks.append((kind, body))
        pos += 12 + n
    assert chunks[0][0] == b"IHDR" and chunks[-1] == (b"IEND", b""), "IHDR first, IEND last"
    w, h, depth, color, comp, filt, il = struct.unpack(">IIBBBBB", chunks[0][1])
    assert comp == 0 and filt == 0 and depth in (8, 16) and color in (0, 2, 4, 6)
    s = SAMPLES[color]
    size = depth // 8
    bpp = s * size
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    out = np.zeros((h, w, s), dtype=np.uint16 if depth == 16 else np.uint8)
    passes = [(0, 0, 1, 1)] if not il else ADAM7
    pos = 0
    for x0, y0, dx, dy in passes:
        pw, ph = len(range(x0, w, dx)), len(range(y0, h, dy))
        if pw == 0 or ph == 0:
            continue
        n = pw * bpp
        prev = bytearray(n)
        for r in range(ph):
            ftype, line = raw[pos], bytearray(raw[pos + 1:pos + 1 + n])
            pos += 1 + n
            for i in range(n):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + [0, a, b, (a + b) // 2, paeth(a, b, c)][ftype]) & 0xFF
            row = np.frombuffer(bytes(line), dtype=">u2" if depth == 16 else np.uint8).reshape(pw, s)
            out[y0 + r * dy, x0::dx] = row
            prev = line
    assert pos == len(raw), f"{len(raw) - pos} bytes of image data left over"
    return out[..., 0] if s == 1 else out


def main():
    cmd = sys.argv[1]
    if cmd == "cases":
        os.makedirs(sys.argv[2], exist_ok=True)
        for name, png, expect in cases():
            with open(os.path.join(sys.argv[2], name + ".png"), "wb") as f:
                f.write(png)
            np.save(os.path.join(sys.argv[2], name + ".npy"), expect)
    elif cmd == "decode":
        with open(sys.argv[2], "rb") as f:
            np.save(sys.argv[3], decode(f.read()))
    elif cmd == "pilcheck":
        try:
            from PIL import Image
        except ImportError:
            print("skip")
            return
        checked = 0
        for name, png, expect in cases():
            if ("16" in name and not name.startswith("grey16")) or name.startswith(("grey1", "grey2", "grey4")) \
                    and not name.startswith("grey16"):
                continue  # PIL narrows 16-bit colour and keeps low-depth grey as is
            path = os.path.join(sys.argv[2], name + ".png")
            im = Image.open(path)
            if im.mode == "P":
                im = im.convert("RGBA" if expect.ndim == 3 and expect.shape[2] == 4 else "RGB")
            got = np.asarray(im)
            assert np.array_equal(got.astype(np.int64), expect.astype(np.int64)), f"PIL disagrees on {name}"
            checked += 1
        print(f"ok {checked}")


if __name__ == "__main__":
    main()
