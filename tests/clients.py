"""The real clients the outputs are checked in: LibreOffice converts documents and workbooks,
headless Chromium prints and measures pages, Poppler reads PDFs back as text."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# Headless Chromium that reaches out to nothing: no sandbox (containers), GPU or first-run work.
HEADLESS_CHROMIUM = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def libreoffice_convert(
    soffice: str, source: Path, target_format: str, out: Path, timeout: int = 240
) -> Path:
    """`source` converted by LibreOffice into `out` (its profile kept in `out` too)."""
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(out / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            target_format,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return out / f"{source.stem}.{target_format.split(':')[0]}"


def pdf_text(pdf: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
