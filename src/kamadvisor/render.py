"""Render a diagnosis through the pack's Jinja templates (sandboxed, strict about undefined names)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from kamadvisor.diagnosis import Diagnosis
from kamadvisor.errors import InputError, Problem
from kamadvisor.rulebook import SEVERITY_ORDER, Rulebook, resource_dir
from kamadvisor.sandbox import TemplateError, sandboxed_environment

MemoFormat = Literal["md"]
TEMPLATE_NAMES: dict[str, str] = {"md": "memo.md.j2"}


def template_dirs(rulebook: Rulebook) -> list[Path]:
    """A pack's own templates first, then the bundled ones: a pack overrides by file name."""
    return [*rulebook.template_dirs, resource_dir("templates")]


def memo_context(diagnosis: Diagnosis, rulebook: Rulebook) -> dict[str, Any]:
    """The documented context every memo template receives."""
    themes = sorted(rulebook.manifest.themes.items(), key=lambda item: (item[1].order, item[0]))
    return {
        "diagnosis": diagnosis.model_dump(mode="json"),
        "themes": [{"id": name, "title": theme.title} for name, theme in themes],
        "severities": list(SEVERITY_ORDER),
    }


def render_memo(diagnosis: Diagnosis, rulebook: Rulebook, memo_format: MemoFormat = "md") -> str:
    name = TEMPLATE_NAMES[memo_format]
    environment = sandboxed_environment(template_dirs(rulebook), autoescape=False)
    try:
        template = environment.get_template(name)
        return template.render(**memo_context(diagnosis, rulebook))
    except TemplateError as error:
        where = getattr(error, "filename", None) or name
        line = getattr(error, "lineno", None)
        raise InputError(
            [Problem(str(where), line, None, "", f"template error: {error}")]
        ) from None
