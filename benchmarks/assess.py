"""Benchmark: wall time of `kamadvisor memo` on a bundled example, from process start to memo.

Prints the median over several runs, how much of it is importing, and the ratio to the target of
0.5 s per account. Run: .venv/bin/python benchmarks/assess.py [--runs N] [--example PATH]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.5


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_of(command: list[str], runs: int) -> float:
    wall(command)  # warm the file cache and bytecode
    return statistics.median(wall(command) for _ in range(runs))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--example", default=str(ROOT / "examples" / "northwind-foods.yaml"))
    options = parser.parse_args()

    executable = shutil.which("kamadvisor", path=str(Path(sys.executable).parent)) or "kamadvisor"
    with tempfile.TemporaryDirectory() as scratch:
        memo = str(Path(scratch) / "memo.md")
        total = median_of([executable, "memo", options.example, "-o", memo], options.runs)
    bare = median_of([sys.executable, "-c", "pass"], options.runs)
    imports = median_of(
        [
            sys.executable,
            "-c",
            "import kamadvisor.cli, kamadvisor.api, kamadvisor.render, kamadvisor.engine",
        ],
        options.runs,
    )
    print(f"runs: {options.runs} (median), example: {Path(options.example).name}")
    print(f"kamadvisor memo, process start to memo: {total:.3f} s")
    print(f"  python start-up alone:                {bare:.3f} s")
    print(
        f"  start-up plus imports:                {imports:.3f} s ({imports / total:.0%} of the total)"
    )
    print(f"  the work itself (rest):               {total - imports:.3f} s")
    print(f"target {TARGET_SECONDS:.1f} s; ratio to target: {total / TARGET_SECONDS:.2f}")
    return 0 if total <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
