"""Checking a drawn signature sent by the browser as a PNG data URL.

The tablet page draws on a ``<canvas>`` (``static/ivmt/signature.js``) and puts
``canvas.toDataURL("image/png")`` into a hidden field. Nothing from it is trusted: the data URL
prefix, the base64, the size (at most :data:`MAX_BYTES`), the PNG signature bytes, that Pillow
can decode it, the dimensions, and that some ink was drawn (a blank pad is not a signature).
The PNG is then re-encoded by Pillow, so what is stored is an image Pillow wrote, never the
browser's bytes (no trailing payload, no ancillary chunks).
"""

from __future__ import annotations

import base64
import binascii
import io

from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_BYTES = 300_000
MIN_SIZE = (200, 80)
MAX_SIZE = (2000, 1000)
# A stroke across a few percent of the pad; a stray tap is not a signature.
MIN_INK_PIXELS = 150


def signature_png(data_url: str) -> bytes:
    """The re-encoded PNG of a drawn signature; raises ValidationError with a clear message."""
    if not data_url:
        raise ValidationError("Sign in the box with a finger or a stylus.")
    if not data_url.startswith(PREFIX):
        raise ValidationError("The signature must be drawn in the box (a PNG image).")
    encoded = data_url[len(PREFIX) :]
    if len(encoded) > MAX_BYTES * 4 // 3 + 4:
        raise ValidationError("The signature image is too large.")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            "The signature could not be read: clear the box and sign again."
        ) from None
    if len(raw) > MAX_BYTES:
        raise ValidationError("The signature image is too large.")
    if not raw.startswith(PNG_MAGIC):
        raise ValidationError("The signature must be drawn in the box (a PNG image).")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG":
                raise ValidationError("The signature must be drawn in the box (a PNG image).")
            width, height = image.size
            if not (MIN_SIZE[0] <= width <= MAX_SIZE[0] and MIN_SIZE[1] <= height <= MAX_SIZE[1]):
                raise ValidationError(
                    f"The signature box must be between {MIN_SIZE[0]}×{MIN_SIZE[1]} and "
                    f"{MAX_SIZE[0]}×{MAX_SIZE[1]} pixels."
                )
            rgba = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(
            "The signature could not be read: clear the box and sign again."
        ) from None
    if _ink(rgba) < MIN_INK_PIXELS:
        raise ValidationError("The signature box is empty: sign in the box.")
    # Flatten onto white, so the PDF and the page show dark ink on paper.
    paper = Image.new("RGB", rgba.size, "white")
    paper.paste(rgba, mask=rgba.getchannel("A"))
    out = io.BytesIO()
    paper.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _ink(image: Image.Image) -> int:
    """Pixels that are visibly drawn: opaque enough and darker than paper."""
    alpha = image.getchannel("A")
    grey = image.convert("L")
    alpha_data = alpha.tobytes()
    grey_data = grey.tobytes()
    return sum(1 for a, g in zip(alpha_data, grey_data, strict=True) if a > 128 and g < 160)


def png_data_url(png: bytes) -> str:
    """A data URL to show a stored signature on a page (CSP allows ``img-src data:``)."""
    return PREFIX + base64.b64encode(png).decode("ascii")
