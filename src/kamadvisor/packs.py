"""Reading one rule pack directory: its manifest and rule files, located, nothing outside it.

A pack is a directory holding `pack.yaml` (the manifest), rule files `*.yaml` (each `rules: [...]`),
and optionally `questionnaire.yaml` (questions it adds), `templates/` and `tests/`. Pack files come from third parties: a file that resolves
outside the pack (a symbolic link pointing elsewhere) is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kamadvisor.errors import InputError, Problem
from kamadvisor.sourcefile import SourceDocument, load_document, render_path

MANIFEST = "pack.yaml"
# The questions a pack adds to the questionnaire (see questions.py).
QUESTIONS = "questionnaire.yaml"
PathKey = tuple[str | int, ...]


@dataclass
class RawRule:
    """A rule as read, before validation, with the document that locates its keys."""

    data: Any
    document: SourceDocument
    base: PathKey

    @property
    def line(self) -> int:
        return (self.document.locate(self.base) or (1, 1))[0]


@dataclass
class PackSource:
    directory: Path
    manifest: SourceDocument | None
    rules: list[RawRule] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    template_dir: Path | None = None
    questions: SourceDocument | None = None


def located(
    document: SourceDocument,
    path: PathKey,
    message: str,
    code: str,
    severity: str = "error",
) -> Problem:
    line, column = document.locate(path) or (None, None)
    return Problem(
        document.name,
        line,
        column,
        render_path(path),
        message,
        "warning" if severity == "warning" else "error",
        code,
    )


def inside(directory: Path, path: Path) -> bool:
    """Does `path` resolve inside `directory` (symbolic links followed)?"""
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def read_pack(directory: Path) -> PackSource:
    """Read a pack directory; every problem is collected, nothing is raised."""
    if not directory.is_dir():
        return PackSource(
            directory,
            None,
            problems=[
                Problem(str(directory), message="rule pack directory not found", code="pack")
            ],
        )
    source = PackSource(directory, None)
    templates = directory / "templates"
    if templates.is_dir():
        if inside(directory, templates):
            source.template_dir = templates
        else:
            source.problems.append(
                Problem(
                    str(templates),
                    message="resolves outside the rule pack; refused",
                    code="outside-pack",
                )
            )
    manifest_path = directory / MANIFEST
    if not (manifest_path.exists() or manifest_path.is_symlink()):
        source.problems.append(
            Problem(
                str(manifest_path), message="a rule pack needs a pack.yaml manifest", code="pack"
            )
        )
    else:
        source.manifest = _load(manifest_path, directory, source.problems)
    for rule_file in sorted(directory.glob("*.yaml")):
        if rule_file.name == MANIFEST:
            continue
        document = _load(rule_file, directory, source.problems)
        if document is None:
            continue
        if rule_file.name == QUESTIONS:
            source.questions = document
            continue
        data = document.data
        if (
            not isinstance(data, dict)
            or set(data) != {"rules"}
            or not isinstance(data["rules"], list)
        ):
            source.problems.append(
                Problem(
                    document.name,
                    1,
                    1,
                    message="a rule file holds one key, 'rules', with a list of rules",
                    code="pack",
                )
            )
            continue
        for index, raw in enumerate(data["rules"]):
            source.rules.append(RawRule(raw, document, ("rules", index)))
    return source


def _load(path: Path, directory: Path, problems: list[Problem]) -> SourceDocument | None:
    try:
        return load_document(str(path), root=directory)
    except InputError as error:
        problems.extend(
            Problem(
                p.file,
                p.line,
                p.column,
                p.path,
                p.message,
                "error",
                "outside-pack" if "outside the rule pack" in p.message else "yaml",
            )
            for p in error.problems
        )
        return None
