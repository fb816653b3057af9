"""The `kamadvisor` command's entry point: a Ctrl-C while the program is still loading exits 130
with one line too (the CLI's own handling starts only once it is imported)."""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from kamadvisor.cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    run()
