"""Jinja environments for text from rule packs: sandboxed, strict about undefined names."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    Template,
    TemplateError,
    TemplateNotFound,
)
from jinja2.sandbox import SandboxedEnvironment


def _number(value: Any, decimals: int = 0) -> str:
    """12345.6 -> '12,346'; used for money and counts in memos."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,.{decimals}f}"


def _fact(facts: Any, name: str) -> Any:
    """A fact by its dotted name from a flat mapping of facts; None when unanswered."""
    return facts.get(name) if isinstance(facts, Mapping) else None


def _label(value: Any) -> str:
    """An enum value as words: 'dedicated_co_located' -> 'dedicated co located'."""
    if isinstance(value, list):
        return ", ".join(_label(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


class ContainedLoader(FileSystemLoader):
    """A FileSystemLoader that refuses files resolving outside its directories (symbolic links)."""

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        resolved = Path(filename).resolve()
        roots = [Path(directory).resolve() for directory in self.searchpath]
        if not any(resolved.is_relative_to(root) for root in roots):
            raise TemplateNotFound(template)
        return source, filename, uptodate


def _bytecode_cache() -> FileSystemBytecodeCache | None:
    """Compiled templates kept in the user's cache directory: compiling the memo templates is a
    sixth of a memo's run time. Jinja checks each template's source before reusing its code."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    directory = Path(base) / "kamadvisor" / "templates"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(directory)) if os.access(directory, os.W_OK) else None


def sandboxed_environment(
    template_dirs: list[Path] | None = None, autoescape: bool = False
) -> SandboxedEnvironment:
    """Templates are looked up in `template_dirs` in order (a house pack's before the bundled
    ones); the last directory is also reachable as `base/NAME`, so a house template can extend
    the bundled one it overrides."""
    loader: BaseLoader | None = None
    if template_dirs:
        loader = ChoiceLoader(
            [
                ContainedLoader([str(d) for d in template_dirs]),
                PrefixLoader({"base": ContainedLoader([str(template_dirs[-1])])}),
            ]
        )
    environment = SandboxedEnvironment(
        loader=loader,
        bytecode_cache=_bytecode_cache() if loader is not None else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["number"] = _number
    environment.filters["fact"] = _fact
    environment.filters["words"] = _label
    return environment


ADVICE_ENVIRONMENT = sandboxed_environment()
_COMPILED: dict[str, Template] = {}


def render_snippet(text: str, context: Mapping[str, Any]) -> str:
    """Render an advice snippet; raises jinja2.TemplateError for the caller to locate."""
    template = _COMPILED.get(text)
    if template is None:
        template = _COMPILED[text] = ADVICE_ENVIRONMENT.from_string(text)
    return " ".join(template.render(**context).split())


__all__ = ["TemplateError", "render_snippet", "sandboxed_environment"]
