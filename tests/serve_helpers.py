"""Run `kamadvisor serve` for real, on a loopback port, for the server and browser tests."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


@dataclass
class RunningServer:
    url: str
    folder: Path
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        try:
            connection.request(
                method, path, body=body, headers={"Host": self.host, **(headers or {})}
            )
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def post_form(
        self, path: str, fields: list[tuple[str, str]], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        body = urlencode(fields).encode()
        return self.request(
            "POST",
            path,
            body,
            {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})},
        )

    def csrf_token(self) -> str:
        _, _, page = self.request("GET", "/")
        match = re.search(r'name="csrf" value="([^"]+)"', page)
        assert match, "every form carries the server's token"
        return match.group(1)


def copy_examples(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    for example in EXAMPLES.glob("*.yaml"):
        shutil.copy(example, target / example.name)
    return target


@contextmanager
def running_server(folder: Path, *options: str) -> Iterator[RunningServer]:
    process = subprocess.Popen(
        [sys.executable, "-m", "kamadvisor", "serve", str(folder), "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _wait_for_url(process)
        # Keep reading what the server says so that a full pipe never blocks it.
        running = RunningServer(url, folder, process)
        running.reader = threading.Thread(target=_drain, args=(running,), daemon=True)
        running.reader.start()
        yield running
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


def _wait_for_url(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        seen.append(line)
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if match:
            return match.group(1)
    process.kill()
    raise AssertionError(f"kamadvisor serve did not start: {''.join(seen)}")


def _drain(running: RunningServer) -> None:
    stream = running.process.stderr
    if stream is None:
        return
    try:
        for line in stream:
            running.log.append(line)
    except ValueError:  # closed when the server stops
        return
