"""The memo formats: one registry (name, file suffix, renderer to bytes) that the CLI's choices,
the portfolio's `--memos` and the writers all read; and the comparison's formats, registered the
same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # the registry is read at start-up; the renderers load only when used
    from kamadvisor.compare import Comparison
    from kamadvisor.diagnosis import Diagnosis
    from kamadvisor.rulebook import Rulebook


Subject = TypeVar("Subject")


@dataclass(frozen=True)
class OutputFormat(Generic[Subject]):
    """A format a subject (a diagnosis, a comparison) can be written in: its name on the command
    line, the file suffix, what it is, and the renderer to bytes."""

    name: str
    suffix: str
    description: str
    render: Callable[[Subject, Rulebook], bytes]
    binary: bool = False


MemoFormat = OutputFormat["Diagnosis"]
ComparisonFormat = OutputFormat["Comparison"]


def _text(name: str) -> Callable[[Diagnosis, Rulebook], bytes]:
    def render(diagnosis: Diagnosis, rulebook: Rulebook) -> bytes:
        from kamadvisor.render import render_memo

        return render_memo(diagnosis, rulebook, name).encode("utf-8")  # type: ignore[arg-type]

    return render


def _docx(diagnosis: Diagnosis, rulebook: Rulebook) -> bytes:
    from kamadvisor.docx_memo import render_docx

    return render_docx(diagnosis, rulebook)


FORMATS: dict[str, MemoFormat] = {
    fmt.name: fmt
    for fmt in (
        MemoFormat("md", "md", "Markdown", _text("md")),
        MemoFormat("html", "html", "self-contained printable HTML", _text("html")),
        MemoFormat(
            "json",
            "json",
            "the diagnosis as JSON (see `kamadvisor schema diagnosis`)",
            _text("json"),
        ),
        MemoFormat("docx", "docx", "Word, editable in Word and LibreOffice", _docx, binary=True),
    )
}


def memo_format(name: str) -> MemoFormat:
    return FORMATS[name]


def _comparison_text(name: str) -> Callable[[Comparison, Rulebook], bytes]:
    def render(comparison: Comparison, rulebook: Rulebook) -> bytes:
        from kamadvisor.compare_render import render_comparison

        return render_comparison(comparison, rulebook, name).encode("utf-8")  # type: ignore[arg-type]

    return render


def _comparison_docx(comparison: Comparison, rulebook: Rulebook) -> bytes:
    from kamadvisor.compare_docx import render_comparison_docx

    return render_comparison_docx(comparison, rulebook)


COMPARISON_FORMATS: dict[str, ComparisonFormat] = {
    fmt.name: fmt
    for fmt in (
        ComparisonFormat("md", "md", "Markdown", _comparison_text("md")),
        ComparisonFormat("html", "html", "self-contained printable HTML", _comparison_text("html")),
        ComparisonFormat(
            "json",
            "json",
            "the comparison as JSON (see `kamadvisor schema comparison`)",
            _comparison_text("json"),
        ),
        ComparisonFormat(
            "docx", "docx", "Word, editable in Word and LibreOffice", _comparison_docx, binary=True
        ),
    )
}
