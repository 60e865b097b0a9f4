"""Camera-like photos for the browser tests and the portal bench."""

from __future__ import annotations

from pathlib import Path

# Where the test photos were "taken": Lenina 60 in the demo town.
GPS = {1: "N", 2: (55.0, 46.0, 31.8), 3: "E", 4: (37.0, 37.0, 30.0)}


def camera_photo(path: Path, size: tuple[int, int] = (4000, 3000)) -> Path:
    """A JPEG at camera quality (about 6 MB at 4000x3000) with a GPS position in its EXIF."""
    from PIL import Image

    noise = Image.effect_noise(size, 48).convert("RGB")  # a sensor's grain: hard to compress
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    picture = Image.blend(noise, gradient, 0.6)
    exif = Image.Exif()
    exif[0x8825] = GPS
    picture.save(path, "JPEG", quality=92, exif=exif)
    return path
