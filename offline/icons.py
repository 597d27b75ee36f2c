"""The app's icons as PNG, drawn here (the same mark as static/offline/icon.svg): a square of the site's colour
with a white cross. Browsers that install a web app only from PNG icons get these; nothing binary is committed."""

import struct
import zlib
from functools import lru_cache

ACCENT = (0xB3, 0x26, 0x1E)
WHITE = (0xFF, 0xFF, 0xFF)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _row(y: int, size: int) -> bytes:
    """One scanline (filter byte 0, then RGB): the cross's bars are a fifth of the side wide, three fifths long."""
    bar, arm = size // 5, size * 3 // 10
    centre = size // 2
    in_vertical_band = abs(y - centre) < arm
    in_horizontal_band = abs(y - centre) < bar // 2
    pixels = bytearray()
    for x in range(size):
        white = (in_horizontal_band and abs(x - centre) < arm) or (in_vertical_band and abs(x - centre) < bar // 2)
        pixels.extend(WHITE if white else ACCENT)
    return b"\x00" + bytes(pixels)


@lru_cache(maxsize=4)
def icon_png(size: int) -> bytes:
    """The icon as a PNG of `size` × `size` pixels."""
    raw = b"".join(_row(y, size) for y in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8 bits, truecolour, no interlace
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9))
            + _chunk(b"IEND", b""))
