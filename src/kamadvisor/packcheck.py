"""`rules check`: every problem of a pack layered over the base, at once."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateError

from kamadvisor.compiler import compile_rulebook
from kamadvisor.errors import InputError, Problem
from kamadvisor.packs import inside
from kamadvisor.rulebook import build_rulebook, pack_directories
from kamadvisor.sandbox import sandboxed_environment


def check_pack(pack_dir: Path) -> list[Problem]:
    """Problems of `pack_dir` layered over the base pack (the base alone when it is the base)."""
    rulebook, problems = build_rulebook(pack_directories([pack_dir]))
    if rulebook is not None and not any(p.severity == "error" for p in problems):
        try:
            compile_rulebook(rulebook)
        except InputError as error:
            problems.extend(error.problems)
    problems.extend(_template_problems(pack_dir))
    return sorted(set(problems), key=lambda p: (p.file, p.line or 0, p.column or 0, p.message))


def _template_problems(pack_dir: Path) -> list[Problem]:
    directory = pack_dir / "templates"
    if not directory.is_dir():
        return []
    problems: list[Problem] = []
    environment = sandboxed_environment([directory])
    for template in sorted(directory.rglob("*")):
        if not template.is_file():
            continue
        if not inside(directory, template):
            problems.append(
                Problem(
                    str(template),
                    message="resolves outside the rule pack; refused",
                    code="outside-pack",
                )
            )
            continue
        name = template.relative_to(directory).as_posix()
        try:
            environment.get_template(name)
        except TemplateError as error:
            line = getattr(error, "lineno", None)
            problems.append(
                Problem(
                    str(template),
                    line,
                    None,
                    "",
                    f"template does not parse: {error}",
                    code="template",
                )
            )
    return problems
