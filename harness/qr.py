"""QR codes read back with zxing-cpp, a decoder independent of segno (which makes them)."""
from __future__ import annotations

import io

import numpy as np
import zxingcpp


def decode_terminal_qr(text: str) -> str:
    """Read a QR code printed with half blocks (two module rows a line: █ both light,
    ' ' both dark, ▀ light over dark, ▄ dark over light) with zxing-cpp, an independent
    decoder."""
    top = {"█": 1, " ": 0, "▀": 1, "▄": 0}
    bottom = {"█": 1, " ": 0, "▀": 0, "▄": 1}
    rows = []
    for line in text.splitlines():
        if not line.strip("\n"):
            continue
        rows.append([top[c] for c in line])
        rows.append([bottom[c] for c in line])
    width = max(map(len, rows))
    matrix = np.array([r + [1] * (width - len(r)) for r in rows], dtype=np.uint8) * 255
    image = np.kron(matrix, np.ones((8, 8), dtype=np.uint8))  # 8 px a module
    found = zxingcpp.read_barcodes(image)
    assert found, "zxing found no QR code in the printed text"
    return found[0].text


def read_png(png: bytes) -> str:
    """The text of the QR code in a screenshot."""
    from PIL import Image
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    found = zxingcpp.read_barcodes(image)
    assert found, "zxing found no QR code in the screenshot"
    return found[0].text
