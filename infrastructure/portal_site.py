"""The portal's files made from the town's own, the same way for the local stack and a deploy:
``i18n/languages.json`` (one entry per ``i18n/<code>.json``: adding a language is adding its
file) and ``town.json`` (the town's face, checked, with its time zone and, deployed, the tile
service)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from chalicelib.adapters.town_config import shipped_town
from chalicelib.domain.town import TileService
from chalicelib.settings import calendar_timezone

PAGES = Path(__file__).resolve().parents[1] / "templates" / "portal"
LANGUAGES = "i18n/languages.json"
TOWN = "town.json"
MADE = frozenset({LANGUAGES, TOWN})  # what generated() makes: asked for by name
FALLBACK_LANGUAGE = "en"
# A request's public page lives at /r/<number>: one page serves every number.
PUBLIC_PAGE = re.compile(r"^/r/[^/]+/?$")
PUBLIC_PAGE_FILE = "request.html"
# Links out carry the portal's origin only, never a status page's path (its number) or key.
REFERRER_POLICY = "strict-origin-when-cross-origin"
# CloudFront's viewer-request function doing the same rewrite (cloudfront-js-2.0).
PUBLIC_PAGE_REWRITE = """function handler(event) {
  var request = event.request;
  if (/^\\/r\\/[^\\/]+\\/?$/.test(request.uri)) { request.uri = '/request.html'; }
  return request;
}"""


def content_security_policy(*, connect: list[str], images: list[str]) -> str:
    """What the portal's pages may load, the same locally and deployed: scripts and styles from
    the portal alone (no inline script anywhere, no third party); API calls to the portal's
    own origin, uploads to the attachments bucket and the sign-in domain (``connect``); images
    from the portal, the photos' short-lived links and any HTTPS tile service (``images``, and
    ``https:``: a town may set its tiles in town.json after deploying); no frames around it,
    no plugins, no other base or form target."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", "https:", *images],
        "connect-src": ["'self'", *connect],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def security_headers(policy: str | None) -> dict[str, str]:
    """The headers the pages are served with (CloudFront's response headers policy says the
    same, plus HSTS, which only means something over HTTPS)."""
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": REFERRER_POLICY,
        "X-Frame-Options": "DENY",
    }
    if policy:
        headers["Content-Security-Policy"] = policy
    return headers


def languages(pages: Path = PAGES) -> list[dict[str, str]]:
    """Every language file, English first (the fallback), each named in its own words."""
    found = []
    for path in sorted((pages / "i18n").glob("*.json")):
        if path.name == Path(LANGUAGES).name:
            continue
        texts = json.loads(path.read_text("utf-8"))
        found.append({"code": path.stem, "name": str(texts["lang.name"])})
    return sorted(found, key=lambda lang: lang["code"] != FALLBACK_LANGUAGE)


def town_page(tiles: TileService | None = None) -> dict[str, Any]:
    return shipped_town().for_portal(time_zone=calendar_timezone(), tiles=tiles)


def generated(pages: Path = PAGES, tiles: TileService | None = None) -> dict[str, Any]:
    """Path in the portal → its JSON content."""
    return {LANGUAGES: languages(pages), TOWN: town_page(tiles)}
