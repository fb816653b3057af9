"""Fuzz the questionnaire and rule-pack loaders with hypothesis over raw bytes, for a bounded time.

Inputs are random bytes and byte-level mutations of real files (the examples, the base pack and
the corpus of bad inputs). Any outcome but a parsed result or a located InputError is a crash.
Run: python fuzz/fuzz_loaders.py --seconds 40   (exit 1 on a crash, which is printed)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamadvisor.errors import InputError
from kamadvisor.questionnaire import load_questionnaire
from kamadvisor.rulebook import build_rulebook, pack_directories

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted(
    [*ROOT.glob("examples/*.yaml"), *ROOT.glob("rules/*.yaml"), *ROOT.glob("tests/corpus/*/*.yaml")]
)
SEED_BYTES = [path.read_bytes()[:20_000] for path in SEEDS]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEED_BYTES)))
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "splice"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(
                st.sampled_from(
                    [
                        b":",
                        b"- ",
                        b"{",
                        b"[",
                        b"&a ",
                        b"*a",
                        b"!!",
                        b"\t",
                        b"\n  ",
                        b"\x00",
                        b"'",
                        b"\xff",
                    ]
                )
            )
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        else:
            other = draw(st.sampled_from(SEED_BYTES))
            start = draw(st.integers(0, max(len(other) - 1, 0)))
            data[at:at] = other[start : start + 300]
    return bytes(data)


INPUTS = st.one_of(st.binary(max_size=4000), mutated())
crashes: list[str] = []
examples_run = [0]


def check_questionnaire(raw: bytes, scratch: Path) -> None:
    target = scratch / "fuzzed.yaml"
    target.write_bytes(raw)
    try:
        load_questionnaire(str(target))
    except InputError as error:
        problems = error.problems
        if not problems or any(p.file != str(target) for p in problems):
            raise AssertionError(f"unlocated problems: {problems}") from None


def check_pack(raw: bytes, scratch: Path) -> None:
    pack = scratch / "pack"
    pack.mkdir(exist_ok=True)
    (pack / "pack.yaml").write_text("name: fuzzed\nversion: 0.1.0\n", encoding="utf-8")
    (pack / "rules.yaml").write_bytes(raw)
    _rulebook, problems = build_rulebook(pack_directories([pack]))
    assert all(p.file for p in problems)


def run_round(seconds_left: float) -> None:
    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(raw=INPUTS, target=st.sampled_from(["questionnaire", "pack"]))
    def fuzz(raw: bytes, target: str) -> None:
        examples_run[0] += 1
        with tempfile.TemporaryDirectory() as scratch:
            try:
                (check_questionnaire if target == "questionnaire" else check_pack)(
                    raw, Path(scratch)
                )
            except Exception:
                crashes.append(f"{target} input {raw[:200]!r}...\n{traceback.format_exc()}")
                raise

    fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=40.0)
    options = parser.parse_args()
    start = time.monotonic()
    rounds = 0
    while time.monotonic() - start < options.seconds:
        try:
            run_round(options.seconds - (time.monotonic() - start))
        except Exception:
            break
        rounds += 1
    elapsed = time.monotonic() - start
    print(
        f"fuzz: {examples_run[0]} inputs in {elapsed:.0f} s ({rounds} rounds), {len(crashes)} crash(es)"
    )
    if crashes:
        print(crashes[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
