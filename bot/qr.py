"""QR code PNGs of invite links, without an imaging library.

``qrcode`` computes the module matrix; writing a 1-bit greyscale PNG from it
takes a dozen lines of ``zlib`` and ``struct``, so neither Pillow nor pypng is
deployed with the webhook. ``qrcode`` itself is imported on first use only:
the invite screen is rare, the webhook's cold start is not.
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCALE_PX = 8
"""Pixels per QR module: ~330 px for a link, sharp enough to scan from a screen."""
BORDER_MODULES = 4
"""The quiet zone the QR standard asks for."""


def qr_matrix(text: str) -> list[list[bool]]:
    """Dark (True) and light modules of ``text``'s QR code, quiet zone included."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER_MODULES)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def png_bytes(matrix: list[list[bool]], scale: int = SCALE_PX) -> bytes:
    """A 1-bit greyscale PNG of ``matrix`` (dark modules black), each module scale×scale."""
    size = len(matrix) * scale
    rows = bytearray()
    for row in matrix:
        bits = "".join(("0" if dark else "1") * scale for dark in row)
        bits += "0" * (-len(bits) % 8)
        line = b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")  # filter type 0
        rows += line * scale
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )


def qr_png(text: str) -> bytes:
    """A scannable PNG of ``text``."""
    return png_bytes(qr_matrix(text))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
