"""Thumbnails of photos (Pillow): made once when a photo is recorded, stored beside it, shown on
the status page and in the console through short-lived links.

Sized for Lambda: a JPEG is decoded at a fraction of its size (``draft``), so a 12-megapixel
photo needs a few MB of memory, not 36; a picture of more than ``MAX_PIXELS`` is refused
(a decompression bomb). The thumbnail is a new JPEG: nothing of the original's metadata
(its EXIF location included) is carried over. Pillow is imported on first use: most API calls
never need it.
"""

from __future__ import annotations

from io import BytesIO

LONG_SIDE = 480
QUALITY = 80
MAX_PIXELS = 60_000_000
IMAGE_TYPES = frozenset({"image/jpeg", "image/png"})
THUMBNAIL_TYPE = "image/jpeg"


class PillowThumbnails:
    def thumbnail(self, content: bytes, content_type: str) -> bytes | None:
        """A JPEG at most LONG_SIDE pixels on its long side; None when this is no picture
        Pillow can read (the file is still kept: only its thumbnail is missing)."""
        if content_type not in IMAGE_TYPES:
            return None
        from PIL import Image, ImageOps

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            with Image.open(BytesIO(content)) as picture:
                picture.draft("RGB", (LONG_SIDE * 2, LONG_SIDE * 2))
                upright = ImageOps.exif_transpose(picture) or picture
                upright.thumbnail((LONG_SIDE, LONG_SIDE))
                out = BytesIO()
                upright.convert("RGB").save(out, "JPEG", quality=QUALITY, optimize=True)
                return out.getvalue()
        except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
            return None
