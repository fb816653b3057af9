"""What `rules check` prints: lines for people, JSON for scripts, SARIF 2.1.0 for CI code scanning.

The SARIF log names each problem code as a rule of the `kamadvisor` tool, so a CI system groups and
explains the problems by code, as it does a linter's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePath
from typing import Any, Literal
from urllib.parse import quote

from kamadvisor import __version__
from kamadvisor.contract import dump_json
from kamadvisor.errors import Problem

CheckFormat = Literal["text", "json", "sarif"]
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# A problem without a code of its own (a file that cannot be read at all).
GENERAL_CODE = "pack"


def counts(problems: Sequence[Problem]) -> tuple[int, int]:
    errors = sum(1 for problem in problems if problem.severity == "error")
    return errors, len(problems) - errors


def render_check(problems: Sequence[Problem], pack_dir: Path, check_format: CheckFormat) -> str:
    if check_format == "json":
        return _json(problems, pack_dir)
    if check_format == "sarif":
        return sarif(problems)
    errors, warnings = counts(problems)
    lines = [problem.format_check() for problem in problems]
    lines.append(f"{pack_dir}: {errors} error(s), {warnings} warning(s)")
    return "\n".join(lines) + "\n"


def _json(problems: Sequence[Problem], pack_dir: Path) -> str:
    errors, warnings = counts(problems)
    return dump_json(
        {
            "pack": str(pack_dir),
            "errors": errors,
            "warnings": warnings,
            "problems": [
                {
                    "file": problem.file,
                    "line": problem.line,
                    "column": problem.column,
                    "path": problem.path,
                    "severity": problem.severity,
                    "code": problem.code or GENERAL_CODE,
                    "message": problem.message,
                }
                for problem in problems
            ],
        }
    )


def sarif(problems: Sequence[Problem]) -> str:
    """A SARIF 2.1.0 log of one run of the pack check."""
    codes = sorted({problem.code or GENERAL_CODE for problem in problems})
    driver = {
        "name": "kamadvisor",
        "version": __version__,
        "rules": [{"id": code, "name": code, "shortDescription": {"text": code}} for code in codes],
    }
    return dump_json(
        {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": driver},
                    "columnKind": "unicodeCodePoints",
                    "results": [_result(problem, codes) for problem in problems],
                }
            ],
        }
    )


def _result(problem: Problem, codes: list[str]) -> dict[str, Any]:
    code = problem.code or GENERAL_CODE
    location: dict[str, Any] = {"artifactLocation": {"uri": _uri(problem.file)}}
    if problem.line is not None:
        region: dict[str, int] = {"startLine": problem.line}
        if problem.column is not None:
            region["startColumn"] = problem.column
        location["region"] = region
    result: dict[str, Any] = {
        "ruleId": code,
        "ruleIndex": codes.index(code),
        "level": problem.severity,
        "message": {"text": problem.message},
        "locations": [{"physicalLocation": location}],
    }
    if problem.path:
        result["locations"][0]["logicalLocations"] = [{"fullyQualifiedName": problem.path}]
    return result


def _uri(file: str) -> str:
    """The file as a relative URI reference where it lies below the working directory (what code
    scanning matches against the repository), else as a file URI."""
    path = PurePath(file)
    if path.is_absolute():
        try:
            path = Path(file).relative_to(Path.cwd())
        except ValueError:
            return Path(file).as_uri()
    return quote(path.as_posix())
