"""The QR code of a card: the public URL that verifies its signed claim, in crisp square modules."""

from __future__ import annotations

from typing import Final

import qrcode  # type: ignore[import-untyped]  # qrcode ships no type information
from PIL import Image

QUIET: Final = 4  # modules of white around a QR code, as the standard asks


def qr_image(url: str, side: int) -> tuple[Image.Image, int]:
    """The QR code of `url` (error correction M) with its quiet zone, and that zone's width.

    Modules are whole pixels (crisp) and the modules, without the zone, fit in `side` pixels.
    """
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=QUIET
    )
    code.add_data(url)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    count = len(matrix)
    # Version 3 (29 modules) sets the largest module, so the quiet zone stays within the margins.
    scale = max(1, side // max(count - 2 * QUIET, 29))
    pixels = bytes(0 if dark else 255 for row in matrix for dark in row)
    modules = Image.frombytes("L", (count, count), pixels)
    code_image = modules.resize((count * scale, count * scale), Image.Resampling.NEAREST)
    return code_image.convert("RGB"), QUIET * scale
