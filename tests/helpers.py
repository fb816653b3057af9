"""What many tests share: the command line run in this process, a pack written from texts, and
the questionnaire's score factors."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from kamadvisor.cli import cli

ATTRACTIVENESS_FACTORS = (
    "spend_potential",
    "growth_potential",
    "profit_potential",
    "strategic_fit",
    "openness_to_partnership",
)
BUSINESS_STRENGTH_FACTORS = (
    "product_quality",
    "ease_of_doing_business",
    "quality_of_people",
    "price",
    "service",
    "relationship",
    "innovation",
)


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """kamadvisor ARGS: its exit code, standard output and standard error."""
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def write_pack(pack: Path, files: dict[str, str]) -> Path:
    """A pack directory of these files (relative paths), each text dedented."""
    pack.mkdir(parents=True, exist_ok=True)
    for relative, text in files.items():
        target = pack / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return pack


def assert_declaration_refused(pack: Path, line: int, message: str, code: str) -> None:
    """A bad declaration in the pack's questionnaire.yaml: `rules check` reports it at LINE with
    its code (exit 1), and every command that loads the pack stops on it in the same words
    (exit 2)."""
    exit_code, out, _ = invoke("rules", "check", str(pack))
    assert exit_code == 1
    assert f"{pack / 'questionnaire.yaml'}:{line}:" in out
    assert message in out
    assert f"[{code}]" in out
    exit_code, _, err = invoke("questionnaire", "new", "--rules", str(pack))
    assert exit_code == 2
    assert message in err
