"""Jinja environments for text from rule packs: sandboxed, strict about undefined names."""

from __future__ import annotations

import functools
import os
import re
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
from jinja2.loaders import split_template_path

from kamadvisor.bounds import SNIPPET_LIMITS, BoundedEnvironment, RenderLimits, render_bounded
from kamadvisor.cachedir import current_cache_dir
from kamadvisor.errors import InputError
from kamadvisor.sourcefile import read_bounded

MAX_TEMPLATE_BYTES = 1024 * 1024
BYTECODE_GENERATION = "bounded-1"


def _number(value: Any, decimals: int = 0) -> str:
    """12345.6 -> '12,346'; used for money and counts in memos."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,.{decimals}f}"


def _money(value: Any, currency: Any = None) -> str:
    """An amount as a reader wants it, with its currency: 4850000 -> 'EUR 4.85 million',
    6067860000 -> 'EUR 6.07 billion',
    432750 -> 'EUR 433,000', -18200 -> 'EUR -18,200'. Without a currency, the bare amount."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    size = abs(value)
    if size >= 1_000_000_000:
        text = f"{value / 1_000_000_000:,.2f}".rstrip("0").rstrip(".") + " billion"
    elif size >= 1_000_000:
        text = f"{value / 1_000_000:,.2f}".rstrip("0").rstrip(".") + " million"
    elif size >= 100_000:
        text = f"{round(value, -3):,.0f}"
    else:
        text = f"{value:,.0f}"
    return f"{currency} {text}" if isinstance(currency, str) and currency else text


def _markdown(value: Any) -> str:
    """Text from a questionnaire made literal in Markdown: the characters that would start a
    table cell, emphasis, a link, code or HTML are escaped, and line breaks become spaces; a
    leading '#', '-' or '+', or a number and a dot, would start a heading or a list: escaped too."""
    text = " ".join(str(value).split())
    text = "".join(f"\\{char}" if char in _MARKDOWN_SPECIAL else char for char in text)
    if text[:1] in ("#", "-", "+"):
        return "\\" + text
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)


_MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|~")


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
    """A FileSystemLoader that reads only regular files inside its directories (symbolic links
    resolving elsewhere are refused, as are FIFOs and devices), at most MAX_TEMPLATE_BYTES each."""

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        pieces = split_template_path(template)
        for searchpath in self.searchpath:
            candidate = Path(searchpath, *pieces)
            if not (candidate.exists() or candidate.is_symlink()):
                continue
            try:
                raw = read_bounded(candidate, MAX_TEMPLATE_BYTES, root=Path(searchpath))
            except InputError as error:
                raise TemplateFileError(error.problems[0].format()) from None
            try:
                source = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise TemplateFileError(f"{candidate}: not UTF-8 text") from None
            filename = os.path.normpath(candidate)
            return source, filename, _uptodate(filename)
        raise TemplateNotFound(template)


class TemplateFileError(TemplateError):
    """A template file that cannot be used (outside the pack, not a regular file, too large)."""


def _modified(filename: str) -> float | None:
    try:
        return Path(filename).stat().st_mtime
    except OSError:
        return None


def _uptodate(filename: str) -> Callable[[], bool]:
    modified = _modified(filename)
    return lambda: _modified(filename) == modified


def _bytecode_cache(base: Path) -> FileSystemBytecodeCache | None:
    """Compiled templates kept in the user's cache directory: compiling the memo templates is a
    sixth of a memo's run time. Jinja checks each template's source before reusing its code."""
    # Compiled code depends on the environment's transformations (bounded loops and joins), not
    # only on the source: each generation of them has its own directory.
    directory = base / f"templates-{BYTECODE_GENERATION}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(directory)) if os.access(directory, os.W_OK) else None


def sandboxed_environment(
    template_dirs: list[Path] | None = None, autoescape: bool = False, cache: Path | None = None
) -> BoundedEnvironment:
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
    environment = BoundedEnvironment(
        loader=loader,
        bytecode_cache=_bytecode_cache(cache or current_cache_dir())
        if loader is not None
        else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["number"] = _number
    environment.filters["fact"] = _fact
    environment.filters["words"] = _label
    environment.filters["money"] = _money
    environment.filters["md"] = _markdown
    environment.guard_filters()
    return environment


def template_environment(template_dirs: tuple[Path, ...], autoescape: bool) -> BoundedEnvironment:
    """One environment per set of template folders and escaping, kept for the process: its
    templates are loaded once, not once per memo (Jinja checks each against its file)."""
    return _template_environment(template_dirs, autoescape, current_cache_dir())


@functools.lru_cache(maxsize=16)
def _template_environment(
    template_dirs: tuple[Path, ...], autoescape: bool, cache: Path
) -> BoundedEnvironment:
    return sandboxed_environment(list(template_dirs), autoescape=autoescape, cache=cache)


ADVICE_ENVIRONMENT = sandboxed_environment()
_COMPILED: dict[str, Template] = {}
# Snippets without a Jinja delimiter render the same whatever the context: each is rendered once
# under each limits it meets (a render that fails is not kept, and fails again next time).
_PLAIN: dict[tuple[str, RenderLimits], str] = {}


def render_snippet(
    text: str, context: Mapping[str, Any], limits: RenderLimits = SNIPPET_LIMITS
) -> str:
    """Render an advice snippet within `limits`; raises jinja2.TemplateError (located at the
    snippet's line) for the caller to place in its rule file."""
    plain = "{" not in text
    if plain and (text, limits) in _PLAIN:
        return _PLAIN[text, limits]
    template = _COMPILED.get(text)
    if template is None:
        template = _COMPILED[text] = ADVICE_ENVIRONMENT.from_string(text)
        # Each render copies the template's globals into its context: from a plain dict rather
        # than the chain of mappings Jinja gives a template (the environment's are fixed).
        template.globals = dict(template.globals)
    rendered = " ".join(render_bounded(template, context, limits).split())
    if plain:
        _PLAIN[text, limits] = rendered
    return rendered


__all__ = [
    "SNIPPET_LIMITS",
    "RenderLimits",
    "TemplateError",
    "render_bounded",
    "render_snippet",
    "sandboxed_environment",
]
