#!/usr/bin/env python3
"""Is a rendered chart blank?  Decodes an 8-bit RGB/RGBA PNG with zlib
alone and checks it has many colours, enough non-white pixels, and a
pixel near each colour given (the lines of the chart).

    pngcheck.py FILE.png [#rrggbb ...]
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG")
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
    w, h, depth, ctype, _, _, interlace = head
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f"{path}: unsupported PNG (depth {depth}, colour type {ctype})")
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def main():
    path, want = sys.argv[1], sys.argv[2:]
    w, h, bpp, rows = decode(path)
    colours, inked = set(), 0
    for row in rows:
        for x in range(w):
            px = tuple(row[x * bpp:x * bpp + 3])
            colours.add(px)
            if px != (255, 255, 255):
                inked += 1
    print(f"{path}: {w}x{h}, {len(colours)} colours, {inked} non-white pixels")
    bad = False
    if len(colours) < 16 or inked < w * h // 200:
        print("blank or nearly blank")
        bad = True
    for hexc in want:
        t = tuple(int(hexc[i:i + 2], 16) for i in (1, 3, 5))
        if not any(all(abs(c[i] - t[i]) <= 12 for i in range(3)) for c in colours):
            print(f"no pixel near {hexc}")
            bad = True
    sys.exit(1 if bad else 0)


main()
