"""Real photos and scans for evidence tests: each decodes with the decoder Cunwu checks it with."""

from __future__ import annotations

import io


def jpeg(seed: int = 0, size: tuple[int, int] = (64, 48)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (seed % 256, 120, 200)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def png(seed: int = 0, size: tuple[int, int] = (32, 32)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (30, seed % 256, 90)).save(buffer, "PNG")
    return buffer.getvalue()


def pdf(text: str = "scan") -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def noisy_png(width: int, height: int) -> bytes:
    """A PNG that does not compress: about width × height × 3 bytes."""
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()
