"""The citizen's form, measured in real Chromium: what it weighs (HTML, CSS, JS and the map
library, gzip-compressed as CloudFront sends them), how long until a citizen can use it on a
throttled 3G profile, against the form as it was before the map (git revision ``--before``);
and how many bytes a 6 MB camera photo becomes before it is uploaded.

Both forms are served by one small server here (gzip, like CloudFront) that passes API paths
to a local stack. Prints figures; asserts nothing but what a broken run would make meaningless.

    .venv/bin/python bench/portal.py [--before 6dbdbaa] [--runs 3]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import mimetypes
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from infrastructure import portal_site  # noqa: E402

# WebPageTest's "3G": 1.6 Mbit/s down, 768 kbit/s up, 300 ms round trip.
THREE_G = {"latency": 300, "downloadThroughput": 1_600_000 / 8, "uploadThroughput": 768_000 / 8}
API_PREFIXES = ("/categories", "/places/", "/requests", "/openapi.json")
# The form is usable when its topics are in and (the new one) its map is drawn.
READY = {
    "before": "document.querySelectorAll('#topic option').length > 1",
    "now": "document.querySelectorAll('#topic option').length > 1"
    " && document.querySelector('#map.ready') !== null",
}


def portal_at(revision: str, into: Path) -> Path:
    """The portal's files as they were at a git revision."""
    archive = subprocess.run(
        ["git", "archive", revision, "templates/portal"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "templates" / "portal"


def serve(pages: Path, api: str, made: dict[str, Any]) -> ThreadingHTTPServer:
    """Static pages gzip-compressed (as CloudFront serves them); API paths passed to ``api``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path.startswith(API_PREFIXES):
                with urllib.request.urlopen(api + self.path, timeout=30) as answer:  # noqa: S310
                    self._send(answer.read(), answer.headers.get("Content-Type", ""))
                return
            name = path.lstrip("/") or "index.html"
            if name in made:
                self._send(json.dumps(made[name]).encode(), "application/json")
                return
            file = (pages / name).resolve()
            if pages.resolve() not in file.parents or not file.is_file():
                self.send_error(404)
                return
            self._send(file.read_bytes(), mimetypes.guess_type(file.name)[0] or "text/plain")

        def _send(self, body: bytes, content_type: str) -> None:
            packed = "gzip" in self.headers.get("Accept-Encoding", "")
            payload = gzip.compress(body, 6) if packed else body
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            if packed:
                self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            # The page may close mid-answer (a run ends while a look-up is in flight).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def page_weight(pages: Path, names: list[str]) -> tuple[int, int]:
    """Raw and gzip bytes of the files a page loads."""
    raw = packed = 0
    for name in names:
        body = (pages / name).read_bytes()
        raw += len(body)
        packed += len(gzip.compress(body, 6))
    return raw, packed


def measure(browser: Any, url: str, ready: str) -> tuple[float, list[str]]:
    """Milliseconds from navigation until ``ready`` holds, on the 3G profile (cold cache)."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    loaded: list[str] = []
    page.on("response", lambda r: loaded.append(r.url))
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", {"offline": False, **THREE_G})
    page.goto(url, wait_until="commit")
    page.wait_for_function(ready, timeout=120_000, polling=50)
    elapsed = float(page.evaluate("performance.now()"))
    context.close()
    return elapsed, loaded


def photo_bytes(browser: Any, url: str, photo: Path) -> tuple[int, int, bool]:
    """A camera photo's size, what the form's shrink makes of it, and whether GPS survived."""
    page = browser.new_page()
    page.goto(url)
    page.wait_for_function("window.civicdeskPhotos !== undefined")
    page.set_input_files("#photo", str(photo))
    shrunk = page.evaluate(
        """async () => {
            const file = document.getElementById('photo').files[0];
            const small = await civicdeskPhotos.shrink(file);
            return [small.size, (await civicdeskPhotos.gpsOf(small)) !== null];
        }"""
    )
    page.close()
    return photo.stat().st_size, int(shrunk[0]), bool(shrunk[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--before", default="6dbdbaa", help="git revision of the old form")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import RunningStack, free_port
    from tests.e2e.photos import camera_photo

    with tempfile.TemporaryDirectory() as work:
        stack = RunningStack(data_dir=Path(work) / "data", port=free_port()).start()
        try:
            old = portal_at(args.before, Path(work) / "old")
            forms: dict[str, tuple[Path, dict[str, Any]]] = {
                "before": (old, {}),
                "now": (portal_site.PAGES, portal_site.generated()),
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=["--no-sandbox"]
                )
                print(f"3G profile: {json.dumps(THREE_G)}; {args.runs} cold loads each")
                for label, (pages, made) in forms.items():
                    server = serve(pages, stack.url, made)
                    url = f"http://127.0.0.1:{server.server_port}/"
                    times = []
                    loaded: list[str] = []
                    for _ in range(args.runs):
                        elapsed, loaded = measure(browser, url, READY[label])
                        times.append(elapsed)
                    static = sorted(
                        {u.split(url, 1)[1].split("?")[0] or "index.html" for u in loaded}
                        - {"favicon.ico"}
                    )
                    files = [n for n in static if (pages / n).is_file()]
                    raw, packed = page_weight(pages, files)
                    print(
                        f"{label:>6}: {len(files)} files, {raw / 1024:.0f} KB raw, "
                        f"{packed / 1024:.0f} KB gzip; usable after "
                        f"{statistics.median(times) / 1000:.2f} s on 3G (median of {args.runs})"
                    )
                    server.shutdown()
                server = serve(portal_site.PAGES, stack.url, portal_site.generated())
                photo = Path(work) / "camera.jpg"
                camera_photo(photo)  # about 6 MB, with a GPS position
                before, after, gps = photo_bytes(
                    browser, f"http://127.0.0.1:{server.server_port}/", photo
                )
                print(
                    f"photo: {before / 1e6:.1f} MB from the camera → {after / 1024:.0f} KB sent "
                    f"({before / after:.0f}x smaller); location left in the file: {gps}"
                )
                server.shutdown()
                browser.close()
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
