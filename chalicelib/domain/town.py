"""The town's own face: its name, logo, colours, contacts, footer links, the consent notice the
form's checkbox refers to, and where its map opens. One file the town edits
(``chalicelib/seed/town.json``); the portal reads it as ``town.json`` and the mails take the
town's name and contacts from it.

Pure. Checked when loaded, so a town cannot ship a colour a reader cannot read (WCAG AA
contrast against white, where the portal draws buttons and links) or a link to ``javascript:``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from chalicelib.domain.directory import LocalizedName

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
# WCAG 2.1 AA for normal text.
MIN_CONTRAST = 4.5
Colour = Annotated[str, StringConstraints(pattern=HEX_COLOUR)]
# A page of the portal ("privacy.html") or a web address; nothing a browser would run.
_SAFE_LINK = re.compile(r"^(https://[^\s]+|[a-z0-9][a-z0-9_\-./]*\.(html|pdf)(#[\w\-]+)?)$")


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TownLink(_Part):
    label: LocalizedName
    url: str

    @field_validator("url")
    @classmethod
    def _safe(cls, url: str) -> str:
        if not _SAFE_LINK.match(url):
            raise ValueError("a link is an https:// address or a page of the portal (name.html)")
        return url


class TownColours(_Part):
    """``primary``: buttons (white text on it) and links (on white); ``focus``: the focus ring."""

    primary: Colour = "#1d4f91"
    focus: Colour = "#f0a500"

    @field_validator("primary")
    @classmethod
    def _readable(cls, colour: str) -> str:
        ratio = contrast(colour, "#ffffff")
        if ratio < MIN_CONTRAST:
            raise ValueError(
                f"{colour} on white has contrast {ratio:.1f}:1; text needs {MIN_CONTRAST}:1 "
                "(choose a darker colour)"
            )
        return colour


class TownContact(_Part):
    phone: str | None = None
    email: str | None = None
    address: LocalizedName | None = None
    hours: LocalizedName | None = None


class ConsentNotice(_Part):
    """What the requester agrees to. ``version`` is what the form sends back; a new text gets a
    new version, and a form opened before the change is asked to read the new one."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=40)]
    text: LocalizedName = Field(description="The full notice, paragraphs separated by blank lines.")


class TileService(_Part):
    """Raster map tiles ({z}/{x}/{y}), e.g. Amazon Location's, filled in at deploy."""

    url: Annotated[str, StringConstraints(pattern=r"^https://\S+\{z\}\S*\{x\}\S*\{y\}\S*$")]
    attribution: str = ""
    max_zoom: int = Field(default=19, ge=1, le=22)


class MapSettings(_Part):
    center: tuple[float, float] = Field(description="Longitude, latitude where the map opens.")
    zoom: int = Field(default=13, ge=1, le=19)
    tiles: TileService | None = None

    @field_validator("center")
    @classmethod
    def _on_earth(cls, center: tuple[float, float]) -> tuple[float, float]:
        longitude, latitude = center
        if not (-180 <= longitude <= 180 and -90 <= latitude <= 90):
            raise ValueError("center is longitude, latitude in degrees")
        return center


class TownProfile(_Part):
    name: LocalizedName
    logo: str | None = Field(
        default=None, description="An image of the portal, e.g. brand/logo.svg"
    )
    colours: TownColours = TownColours()
    contact: TownContact = TownContact()
    links: tuple[TownLink, ...] = ()
    emergency_number: Annotated[str, StringConstraints(pattern=r"^[0-9+ ]{2,16}$")] = "112"
    consent: ConsentNotice
    map: MapSettings

    @field_validator("logo")
    @classmethod
    def _portal_image(cls, logo: str | None) -> str | None:
        if logo is not None and not re.match(r"^[a-z0-9_\-/]+\.(svg|png)$", logo):
            raise ValueError("logo is an image of the portal folder (name.svg or name.png)")
        return logo

    def for_portal(self, *, time_zone: str, tiles: TileService | None = None) -> dict[str, Any]:
        """What ``town.json`` holds: all of it is public; deploy may add the tile service."""
        page = self.model_dump(mode="json")
        page["time_zone"] = time_zone
        if tiles is not None:
            page["map"]["tiles"] = tiles.model_dump(mode="json")
        return page
