"""Read the outcome curves off the figure the paper's notebook drew (theirs, for the page).

Input: notebooks/FICO-figures.ipynb of github.com/lydiatliu/delayedimpact @94dde74, cell 19's
PNG output (the paper's FICO outcome-curve figure), saved as a file. Output:
src/socialcredit/reproductions/data/liu2018/outcome_curves_digitized.csv, one point per pixel
column of each top panel (the dark curve's mean row), in data units.

Axes, found from the spines of that PNG (976 x 941 pixels): x = 0..1 at pixel columns 67..473
(Black) and 554..960 (White); y = 50..-70 (the notebook's set_ylim) at pixel rows 25..420.

    python scripts/digitize_liu2018.py cell19.png > .../outcome_curves_digitized.csv
"""

from __future__ import annotations

import struct
import sys
import zlib

PANELS = {"black": (67, 473), "white": (554, 960)}
TOP, BOTTOM, Y_TOP, Y_BOTTOM = 25, 420, 50.0, -70.0


def read_png(path: str) -> list[list[tuple[int, int, int]]]:
    """RGB rows of an 8-bit RGB or RGBA PNG, with the standard filters undone (stdlib only)."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, _, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    raw, bpp = zlib.decompress(idat), {2: 3, 6: 4}[colour]
    stride, rows, prev, i = width * bpp, [], bytearray(width * bpp), 0
    for _ in range(height):
        kind_, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], (prev[x - bpp] if x >= bpp else 0)
            if kind_ == 1:
                line[x] = (line[x] + a) & 255
            elif kind_ == 2:
                line[x] = (line[x] + b) & 255
            elif kind_ == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif kind_ == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append([tuple(line[x * bpp : x * bpp + 3]) for x in range(width)])
        prev = line
    return rows


def main(path: str) -> None:
    rows = read_png(path)
    print("group,selection_rate,delta_mu")
    for group, (left, right) in PANELS.items():
        for x in range(left + 2, right + 1):  # past the spine
            dark = [y for y in range(TOP + 2, BOTTOM - 1) if sum(rows[y][x]) < 200]
            if dark:
                y = sum(dark) / len(dark)
                value = Y_TOP + (y - TOP) * (Y_BOTTOM - Y_TOP) / (BOTTOM - TOP)
                print(f"{group},{(x - left) / (right - left):.4f},{value:.2f}")


if __name__ == "__main__":
    main(sys.argv[1])
