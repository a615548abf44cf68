"""Pixels of a PNG in pure Python (zlib and the five PNG filters): enough to read a browser's screenshot.

Handles what Chromium writes: 8-bit RGB or RGBA, not interlaced. Anything else is refused by name.
"""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel at bit depth 8 (RGB, RGBA)
UNSUPPORTED = "{path}: expected an 8-bit RGB or RGBA PNG, not interlaced; got bit depth {depth}, colour type {kind}, interlace {interlace}"
NOT_PNG = "{path} is not a PNG (its first bytes are {head!r})"

RGB = tuple[int, int, int]


@dataclass
class Image:
    width: int
    height: int
    pixels: list[RGB]  # row by row, alpha dropped

    def counts(self) -> Counter[RGB]:
        return Counter(self.pixels)

    def first_row_with(self, colour: RGB, *, at_least: int) -> int | None:
        """The first y where at least that many pixels are exactly `colour` (e.g. a table's header)."""
        for y in range(self.height):
            if self.pixels[y * self.width : (y + 1) * self.width].count(colour) >= at_least:
                return y
        return None

    def below(self, y: int) -> Image:
        return Image(self.width, self.height - y, self.pixels[y * self.width :])

    def near(self, colour: RGB, tolerance: int = 6) -> int:
        """How many pixels are within `tolerance` of `colour` on every channel."""
        return sum(
            count for pixel, count in self.counts().items() if all(abs(a - b) <= tolerance for a, b in zip(pixel, colour))
        )


def _paeth(left: int, up: int, corner: int) -> int:
    estimate = left + up - corner
    to_left, to_up, to_corner = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
    if to_left <= to_up and to_left <= to_corner:
        return left
    return up if to_up <= to_corner else corner


def _unfilter(data: bytes, width: int, height: int, step: int) -> list[bytearray]:
    stride = width * step
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = data[start], bytearray(data[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = line[x - step] if x >= step else 0
            up = previous[x]
            corner = previous[x - step] if x >= step else 0
            if kind == 1:
                line[x] = (line[x] + left) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + up) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[x] = (line[x] + _paeth(left, up, corner)) & 0xFF
            elif kind != 0:
                raise ValueError(f"row {y}: unknown PNG filter type {kind} (expected 0-4)")
        rows.append(line)
        previous = line
    return rows


def read_png(path: Path) -> Image:
    blob = path.read_bytes()
    if not blob.startswith(SIGNATURE):
        raise ValueError(NOT_PNG.format(path=path, head=blob[:8]))
    position, header, compressed = len(SIGNATURE), b"", bytearray()
    while position < len(blob):
        (length,) = struct.unpack(">I", blob[position : position + 4])
        kind, body = blob[position + 4 : position + 8], blob[position + 8 : position + 8 + length]
        position += 12 + length  # length, type, data, CRC
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    if depth != 8 or colour_type not in CHANNELS or interlace:
        raise ValueError(UNSUPPORTED.format(path=path, depth=depth, kind=colour_type, interlace=interlace))
    step = CHANNELS[colour_type]
    rows = _unfilter(zlib.decompress(bytes(compressed)), width, height, step)
    pixels = [(line[x], line[x + 1], line[x + 2]) for line in rows for x in range(0, width * step, step)]
    return Image(width, height, pixels)
