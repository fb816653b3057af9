"""`rules check`: every problem of a pack layered over the base, at once."""

from __future__ import annotations

from pathlib import Path

from jinja2 import TemplateError, TemplateNotFound, nodes

from kamadvisor.compiler import compile_rulebook
from kamadvisor.errors import InputError, Problem, problem_order
from kamadvisor.packs import inside
from kamadvisor.rulebook import build_rulebook, pack_directories, resource_dir
from kamadvisor.sandbox import sandboxed_environment


def check_pack(pack_dir: Path) -> list[Problem]:
    """Problems of `pack_dir` layered over the base pack (the base alone when it is the base)."""
    rulebook, problems = build_rulebook(pack_directories([pack_dir]), check_snippets=True)
    if rulebook is not None and not any(p.severity == "error" for p in problems):
        try:
            compile_rulebook(rulebook)
        except InputError as error:
            problems.extend(error.problems)
    problems.extend(_template_problems(pack_dir))
    return sorted(set(problems), key=problem_order)


def _template_problems(pack_dir: Path) -> list[Problem]:
    directory = pack_dir / "templates"
    if not directory.is_dir():
        return []
    if not inside(pack_dir, directory):
        return [
            Problem(
                str(directory),
                message="resolves outside the rule pack; refused",
                code="outside-pack",
            )
        ]
    problems: list[Problem] = []
    environment = sandboxed_environment([directory, resource_dir("templates")])
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
        try:
            compiled = environment.parse(template.read_text(encoding="utf-8"))
            for node in compiled.find_all(
                (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
            ):
                target = getattr(node, "template", None)
                if isinstance(target, nodes.Const) and isinstance(target.value, str):
                    environment.get_template(target.value)
                else:
                    problems.append(
                        Problem(
                            str(template),
                            node.lineno,
                            None,
                            "",
                            "includes a template named by an expression; name it literally",
                            code="template",
                        )
                    )
            for attribute in compiled.find_all(nodes.Getattr):
                if attribute.attr.startswith("_"):
                    problems.append(
                        Problem(
                            str(template),
                            attribute.lineno,
                            None,
                            "",
                            f"reads private attribute '{attribute.attr}': refused by the sandbox",
                            code="unsafe-template",
                        )
                    )
        except TemplateNotFound as error:
            problems.append(
                Problem(
                    str(template),
                    None,
                    None,
                    "",
                    f"includes '{error.name}', which is not a template of this pack or the base",
                    code="template",
                )
            )
        except (TemplateError, UnicodeDecodeError) as error:
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
