"""Thumbnails: small, upright, without the photo's metadata; anything else gets none."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image

from chalicelib.adapters.pillow_thumbnails import LONG_SIDE, PillowThumbnails


def photo(size: tuple[int, int], *, orientation: int | None = None, fmt: str = "JPEG") -> bytes:
    picture = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (55.0, 46.0, 32.0), 3: "E", 4: (37.0, 37.0, 30.0)}  # GPS
    if orientation:
        exif[0x0112] = orientation
    out = BytesIO()
    picture.save(out, fmt, exif=exif) if fmt == "JPEG" else picture.save(out, fmt)
    return out.getvalue()


def opened(content: bytes) -> Image.Image:
    return Image.open(BytesIO(content))


def test_a_camera_photo_becomes_a_small_jpeg_without_its_location():
    small = PillowThumbnails().thumbnail(photo((4000, 3000)), "image/jpeg")
    assert small is not None
    picture = opened(small)
    assert picture.format == "JPEG"
    assert picture.size == (LONG_SIDE, 360)
    assert dict(picture.getexif()) == {}
    assert len(small) < 60_000


def test_a_photo_taken_sideways_is_turned_upright():
    small = PillowThumbnails().thumbnail(photo((4000, 3000), orientation=6), "image/jpeg")
    assert small is not None
    assert opened(small).size == (360, LONG_SIDE)


def test_a_png_gets_a_jpeg_thumbnail():
    small = PillowThumbnails().thumbnail(photo((800, 600), fmt="PNG"), "image/png")
    assert small is not None
    assert opened(small).format == "JPEG"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"%PDF-1.7 not a picture", "application/pdf"),
        (b"\xff\xd8\xff\xe0 broken jpeg", "image/jpeg"),
        (b"", "image/png"),
    ],
)
def test_anything_else_gets_none(content, content_type):
    assert PillowThumbnails().thumbnail(content, content_type) is None


def test_a_decompression_bomb_gets_none():
    bomb = BytesIO()
    Image.new("1", (12_000, 12_000)).save(bomb, "PNG")  # 144 Mpx in a few KB
    assert PillowThumbnails().thumbnail(bomb.getvalue(), "image/png") is None
