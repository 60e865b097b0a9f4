"""Refresh a vendored browser library from npm: ``python -m infrastructure.vendor leaflet 1.9.4
templates/portal/vendor/leaflet``. Fetches the tarball with ``npm pack``, checks it against the
registry's integrity, copies the browser build (``dist/*.js``/``*.css`` without source maps,
``dist/images``) and the licence, and writes vendor.json with every file's SHA-256."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

KEEP_SUFFIXES = {".css", ".png", ".svg"}


def vendor(package: str, version: str, target: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("npm is required to refresh vendored libraries")
    with tempfile.TemporaryDirectory() as work:
        # A developer's own command with a package name they chose.
        packed = subprocess.run(  # noqa: S603
            [npm, "pack", f"{package}@{version}", "--json"],
            cwd=work,
            capture_output=True,
            text=True,
            check=True,
        )
        info = json.loads(packed.stdout)[0]
        tarball = Path(work) / info["filename"]
        algorithm, expected = info["integrity"].split("-", 1)
        digest = base64.b64encode(hashlib.new(algorithm, tarball.read_bytes()).digest()).decode()
        if digest != expected:
            raise SystemExit(f"{tarball.name}: integrity mismatch")
        with tarfile.open(tarball) as archive:
            archive.extractall(work, filter="data")
        source = Path(work) / "package"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for path in (source / "dist").rglob("*"):
            wanted = path.suffix in KEEP_SUFFIXES or path.name == f"{package}.js"
            if path.is_file() and wanted:
                (target / path.relative_to(source / "dist")).parent.mkdir(exist_ok=True)
                shutil.copy2(path, target / path.relative_to(source / "dist"))
        shutil.copy2(source / "LICENSE", target / "LICENSE")
        files = {
            str(p.relative_to(target)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(target.rglob("*"))
            if p.is_file()
        }
        record = {
            "package": package,
            "version": version,
            "from": f"https://registry.npmjs.org/{package}/-/{package}-{version}.tgz",
            "integrity": info["integrity"],
            "license": json.loads((source / "package.json").read_text())["license"],
            "files": files,
        }
        (target / "vendor.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    vendor(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
