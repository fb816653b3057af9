"""Small functions and classes a newcomer can read whole: no function in the package over 60
lines, no class over 150 (the vendored engine aside: third-party code, kept as it came)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kamadvisor"
VENDORED = PACKAGE / "_durable"
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 150
# None left: a function or class that must stay longer would be listed here with its size today.
KNOWN_LONGER: dict[str, int] = {}


def sizes(path: Path) -> list[tuple[str, str, int]]:
    """Every function and class of a module: its kind, its name and its lines (decorators
    aside, its docstring and blank lines included)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            kind = "class" if isinstance(node, ast.ClassDef) else "function"
            assert node.end_lineno is not None
            found.append((kind, node.name, node.end_lineno - node.lineno + 1))
    return found


def too_long(package: Path) -> list[str]:
    over = []
    for path in sorted(package.rglob("*.py")):
        if path.is_relative_to(VENDORED):
            continue
        for kind, name, lines in sizes(path):
            limit = MAX_CLASS_LINES if kind == "class" else MAX_FUNCTION_LINES
            place = f"{path.relative_to(package).as_posix()}:{name}"
            if lines > KNOWN_LONGER.get(place, limit):
                over.append(f"{kind} {place}: {lines} lines (at most {limit})")
    return over


def test_no_function_or_class_is_too_long() -> None:
    assert too_long(PACKAGE) == []


def _block(header: str, body_lines: int, indent: str = "") -> str:
    body = "".join(f"{indent}    x{n} = {n}\n" for n in range(body_lines))
    return f"{indent}{header}\n{body}"


def test_the_check_sees_long_functions_methods_and_classes(tmp_path: Path) -> None:
    (tmp_path / "sample.py").write_text(
        _block("def fits() -> None:", 59)  # 60 lines
        + _block("def long() -> None:", 60)
        + _block("class Big:", 150)
        + "class Holder:\n"
        + _block("def method(self) -> None:", 60, indent="    "),
        encoding="utf-8",
    )
    assert too_long(tmp_path) == [
        "function sample.py:long: 61 lines (at most 60)",
        "class sample.py:Big: 151 lines (at most 150)",
        "function sample.py:method: 61 lines (at most 60)",
    ]
