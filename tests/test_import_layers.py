"""Imports run one way: each module imports only from its own layer or the layers below it, the
package has no import cycle, and the engine is reached through its one adapter.

The layers are documented in docs/architecture.md; a new module must be placed in one here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kamadvisor"

# Lowest first. A module may import from its own layer and every layer before it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "foundation",
        frozenset(
            {
                "__init__",
                "bounds",
                "cachedir",
                "cellvalues",
                "contract",
                "delimited",
                "errors",
                "matrix",
                "output",
                "pictures",
                "sandbox",
                "sourcefile",
                "spreadsheet",
                "typeinfo",
                "validation",
            }
        ),
    ),
    (
        "inputs",
        frozenset(
            {
                "derivations",
                "facts",
                "programme",
                "questionnaire",
                "questionnaire_base",
                "questionnaire_codegen",
                "questionnaire_model",
                "questions",
                "tabular",
                "webform",
                "workbook",
            }
        ),
    ),
    (
        "rule packs",
        frozenset(
            {
                "compiler",
                "conditions",
                "layering",
                "packchecks",
                "packmodel",
                "packs",
                "placement",
                "portfolio_facts",
                "resources",
                "rulebook",
                "rulebook_index",
                "snippets",
            }
        ),
    ),
    ("engine", frozenset({"engine", "evaluator", "firing"})),
    ("diagnosis", frozenset({"api", "compare", "diagnosis", "explain", "history"})),
    (
        "rendering",
        frozenset(
            {
                "blank",
                "checkreport",
                "compare_docx",
                "compare_render",
                "docx_review",
                "docx_memo",
                "formats",
                "memo",
                "render",
                "terminal",
            }
        ),
    ),
    ("portfolio", frozenset({"portfolio", "portfolio_movement", "report"})),
    ("checks and contracts", frozenset({"casetest", "packcheck", "schema_registry"})),
    (
        "commands",
        frozenset({"__main__", "cli", "commands", "launch", "server", "serving", "workspace"}),
    ),
)
LAYER_OF = {module: index for index, (_, modules) in enumerate(LAYERS) for module in modules}
# The engine adapter, and the callers that drive it.
ENGINE_CALLERS = frozenset({"api", "evaluator", "portfolio"})


def imports_of(path: Path) -> set[str]:
    """The package's modules a module imports: at the top, inside functions, or for types only."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] != "kamadvisor":
                continue
            found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "kamadvisor":
                    found.add(parts[1] if len(parts) > 1 else "__init__")
    found.discard(path.stem)
    return found


def import_graph() -> dict[str, set[str]]:
    graph = {path.stem: imports_of(path) - {"_durable"} for path in sorted(PACKAGE.glob("*.py"))}
    # The commands subpackage is one node: the CLI's commands, each a module of it.
    commands: set[str] = set()
    for path in sorted((PACKAGE / "commands").glob("*.py")):
        commands |= imports_of(path)
    graph["commands"] = commands - {"commands", "_durable"}
    return graph


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(set(import_graph()) - set(LAYER_OF))
    assert unplaced == [], (
        f"place these modules in a layer (and in docs/architecture.md): {unplaced}"
    )


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = [
        f"{module} ({LAYERS[LAYER_OF[module]][0]}) imports {target} ({LAYERS[LAYER_OF[target]][0]})"
        for module, targets in import_graph().items()
        for target in sorted(targets)
        if module in LAYER_OF and target in LAYER_OF and LAYER_OF[target] > LAYER_OF[module]
    ]
    assert upward == []


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    done: set[str] = set()

    def visit(module: str, trail: tuple[str, ...]) -> None:
        if module in trail:
            cycle = " -> ".join((*trail[trail.index(module) :], module))
            pytest.fail(f"import cycle: {cycle}")
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, (*trail, module))
        done.add(module)

    for module in graph:
        visit(module, ())


def test_only_the_adapter_imports_the_engine() -> None:
    graph = import_graph()
    vendored = sorted(path.stem for path in PACKAGE.glob("*.py") if "_durable" in imports_of(path))
    assert vendored == ["engine"]
    assert {module for module, targets in graph.items() if "engine" in targets} <= ENGINE_CALLERS


def test_the_checker_sees_every_kind_of_import(tmp_path: Path) -> None:
    module = tmp_path / "sample.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "import kamadvisor.cli\n"
        "from kamadvisor import __version__\n"
        "if TYPE_CHECKING:\n"
        "    from kamadvisor.portfolio import AccountResult\n"
        "def late():\n"
        "    from kamadvisor.report import render_report\n",
        encoding="utf-8",
    )
    assert imports_of(module) == {"cli", "__init__", "portfolio", "report"}
