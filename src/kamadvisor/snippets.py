"""Checks of a pack's Jinja: advice and action snippets, and the pack's template files.

Both come from third parties, so both are refused the same things: reading a private attribute,
and (for snippets) including other templates at all, (for template files) including a template
named by an expression. A snippet may name only the variables and facts advice can see.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import TemplateError, TemplateNotFound, TemplateSyntaxError, meta, nodes

from kamadvisor.bounds import private_reads
from kamadvisor.errors import InputError, Problem
from kamadvisor.facts import FactSpec
from kamadvisor.packs import PathKey, inside, located
from kamadvisor.sandbox import ADVICE_ENVIRONMENT, MAX_TEMPLATE_BYTES, sandboxed_environment
from kamadvisor.sourcefile import SourceDocument, read_bounded
from kamadvisor.validation import did_you_mean

ADVICE_NAMES = {
    "account": frozenset({"account", "facts", "params", "concluded"}),
    "portfolio": frozenset({"facts", "params", "accounts"}),
}
INCLUDE_NODES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)


def private_read_messages(tree: nodes.Template) -> list[tuple[str, int]]:
    """Each read of a private attribute, as a message and its line; the sandbox refuses them."""
    return [
        (f"reads private attribute '{name}': refused by the sandbox", line)
        for name, line in private_reads(tree)
    ]


def check_snippet(
    text: str,
    document: SourceDocument,
    path: PathKey,
    catalogue: Mapping[str, FactSpec],
    scope: str,
) -> list[Problem]:
    """An advice or action snippet must parse and name only what advice can see."""
    try:
        tree = ADVICE_ENVIRONMENT.parse(text)
    except TemplateSyntaxError as error:
        return [
            located(document, path, f"does not parse as Jinja: {error.message}", "advice-syntax")
        ]
    unsafe = sorted(private_read_messages(tree))
    if unsafe:
        return [located(document, path, unsafe[0][0], "unsafe-template")]
    if any(True for _ in tree.find_all(INCLUDE_NODES)):
        message = "advice cannot include, import or extend templates"
        return [located(document, path, message, "unsafe-template")]
    return _name_problems(tree, document, path, catalogue, ADVICE_NAMES[scope])


def _name_problems(
    tree: nodes.Template,
    document: SourceDocument,
    path: PathKey,
    catalogue: Mapping[str, FactSpec],
    names: frozenset[str],
) -> list[Problem]:
    unknown = sorted(meta.find_undeclared_variables(tree) - names)
    problems = [
        located(
            document,
            path,
            f"names unknown variable '{name}'{did_you_mean(name, sorted(names))}; "
            f"advice can use: {', '.join(sorted(names))}",
            "advice-name",
        )
        for name in unknown
    ]
    for fact in _fact_paths(tree):
        if fact not in catalogue and not any(name.startswith(f"{fact}.") for name in catalogue):
            problems.append(
                located(
                    document,
                    path,
                    f"names unknown fact 'facts.{fact}'{did_you_mean(fact, list(catalogue))}",
                    "unknown-fact",
                )
            )
    return problems


def _fact_paths(tree: Any) -> list[str]:
    """Dotted names read under `facts.` in a template, e.g. `scores.attractiveness`."""
    found: list[str] = []
    for node in tree.find_all(nodes.Getattr):
        parts: list[str] = []
        current: Any = node
        while isinstance(current, nodes.Getattr):
            parts.append(current.attr)
            current = current.node
        if isinstance(current, nodes.Name) and current.name == "facts":
            path = ".".join(reversed(parts))
            if not any(other.startswith(f"{path}.") for other in found):
                found = [other for other in found if not path.startswith(f"{other}.")]
                found.append(path)
    return found


def template_problems(pack_dir: Path, base_templates: Path) -> list[Problem]:
    """Every template file of the pack must be inside it, parse, include only templates that
    exist (named literally) and read no private attribute."""
    directory = pack_dir / "templates"
    if not directory.is_dir():
        return []
    if not inside(pack_dir, directory):
        return [_outside(directory)]
    problems: list[Problem] = []
    environment = sandboxed_environment([directory, base_templates])
    for template in sorted(directory.rglob("*")):
        if template.is_dir():
            continue
        if not inside(directory, template):
            problems.append(_outside(template))
            continue
        problems.extend(_template_file_problems(template, directory, environment))
    return problems


def _outside(path: Path) -> Problem:
    return Problem(
        str(path), message="resolves outside the rule pack; refused", code="outside-pack"
    )


def _template_file_problems(template: Path, directory: Path, environment: Any) -> list[Problem]:
    name = str(template)
    try:
        text = read_bounded(template, MAX_TEMPLATE_BYTES, root=directory).decode("utf-8")
        tree = environment.parse(text)
        problems = _include_problems(name, tree, environment)
    except TemplateNotFound as error:
        message = f"includes '{error.name}', which is not a template of this pack or the base"
        return [Problem(name, None, None, "", message, code="template")]
    except InputError as error:
        return [as_check(problem, "template") for problem in error.problems]
    except (TemplateError, UnicodeDecodeError) as error:
        line = getattr(error, "lineno", None)
        return [Problem(name, line, None, "", f"template does not parse: {error}", code="template")]
    problems.extend(
        Problem(name, line, None, "", message, code="unsafe-template")
        for message, line in private_read_messages(tree)
    )
    return problems


def _include_problems(name: str, tree: nodes.Template, environment: Any) -> list[Problem]:
    """Includes name a template literally, and it exists (TemplateNotFound otherwise)."""
    problems: list[Problem] = []
    for node in tree.find_all(INCLUDE_NODES):
        target = getattr(node, "template", None)
        if isinstance(target, nodes.Const) and isinstance(target.value, str):
            environment.get_template(target.value)
        else:
            message = "includes a template named by an expression; name it literally"
            problems.append(Problem(name, node.lineno, None, "", message, code="template"))
    return problems


def as_check(problem: Problem, code: str) -> Problem:
    """A problem met while rendering or reading at check time, as an error of `code` (or of
    `limit`, when a resource bound stopped it)."""
    if "limit exceeded" in problem.message:
        code = "limit"
    return Problem(
        problem.file, problem.line, problem.column, problem.path, problem.message, "error", code
    )
