"""Draws the app icons (a white horseshoe — podkowa — on forest green) as PNG files.

Run once after changing the artwork: ``python -m podkowa.web.make_icons``. The PNGs are
committed; this script needs nothing beyond the standard library, so that regenerating the
icons never adds a dependency.
"""

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent / "static" / "web" / "icons"
GREEN = (31, 95, 63)
WHITE = (255, 255, 255)
SUPERSAMPLE = 3


def _in_horseshoe(x: float, y: float) -> bool:
    """The horseshoe in unit coordinates (-1..1): an arch over two straight legs, with nails."""
    cy = -0.08  # centre of the arch
    arch = y <= cy and 0.46 <= math.hypot(x, y - cy) <= 0.8
    legs = cy < y <= 0.72 and 0.46 <= abs(x) <= 0.8
    if not (arch or legs):
        return False
    holes = [
        (0.63 * math.sin(math.radians(a)), cy - 0.63 * math.cos(math.radians(a)))
        for a in (-80, -40, 0, 40, 80)
    ]
    holes += [(sx * 0.63, hy) for sx in (-1, 1) for hy in (0.2, 0.48)]
    return all(math.hypot(x - hx, y - hy) >= 0.055 for hx, hy in holes)


def _in_rounded_square(x: float, y: float, radius: float) -> bool:
    dx, dy = max(abs(x) - (1 - radius), 0), max(abs(y) - (1 - radius), 0)
    return math.hypot(dx, dy) <= radius


def draw(size: int, *, scale: float, corner: float | None) -> bytes:
    """RGBA rows; `scale` shrinks the horseshoe (maskable safe zone), `corner` rounds the tile."""
    rows = []
    n = SUPERSAMPLE
    for py in range(size):
        row = bytearray([0])  # PNG filter type "none"
        for px in range(size):
            fg = bg = 0
            for sy in range(n):
                for sx in range(n):
                    x = ((px + (sx + 0.5) / n) / size) * 2 - 1
                    y = ((py + (sy + 0.5) / n) / size) * 2 - 1
                    if corner is not None and not _in_rounded_square(x, y, corner):
                        continue
                    if _in_horseshoe(x / scale, y / scale):
                        fg += 1
                    else:
                        bg += 1
            covered = fg + bg
            if covered == 0:
                row += bytes((0, 0, 0, 0))
                continue
            colour = [round((WHITE[i] * fg + GREEN[i] * bg) / covered) for i in range(3)]
            row += bytes((*colour, round(255 * covered / (n * n))))
        rows.append(bytes(row))
    return _png(size, b"".join(rows))


def _png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    targets = {
        "icon-192.png": (192, 0.9, 0.22),
        "icon-512.png": (512, 0.9, 0.22),
        # Maskable: full-bleed tile, artwork inside the central 80 % safe zone.
        "maskable-512.png": (512, 0.62, None),
        # iOS rounds the corners itself and shows transparency as black.
        "apple-touch-icon.png": (180, 0.75, None),
        "favicon-32.png": (32, 0.95, 0.22),
    }
    for name, (size, scale, corner) in targets.items():
        (OUT / name).write_bytes(draw(size, scale=scale, corner=corner))
        print(name)


if __name__ == "__main__":
    main()
