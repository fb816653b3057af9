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


def _registry(
    subject: str,
    text: Callable[[Subject, Rulebook, str], str],
    docx: Callable[[Subject, Rulebook], bytes],
) -> dict[str, OutputFormat[Subject]]:
    """The four formats of a subject, by name: Markdown, HTML and JSON rendered as text, and
    Word."""

    def encoded(name: str) -> Callable[[Subject, Rulebook], bytes]:
        def render(item: Subject, rulebook: Rulebook) -> bytes:
            return text(item, rulebook, name).encode("utf-8")

        return render

    formats: tuple[OutputFormat[Subject], ...] = (
        OutputFormat("md", "md", "Markdown", encoded("md")),
        OutputFormat("html", "html", "self-contained printable HTML", encoded("html")),
        OutputFormat(
            "json",
            "json",
            f"the {subject} as JSON (see `kamadvisor schema {subject}`)",
            encoded("json"),
        ),
        OutputFormat("docx", "docx", "Word, editable in Word and LibreOffice", docx, binary=True),
    )
    return {fmt.name: fmt for fmt in formats}


def _memo_text(diagnosis: Diagnosis, rulebook: Rulebook, name: str) -> str:
    from kamadvisor.render import render_memo

    return render_memo(diagnosis, rulebook, name)  # type: ignore[arg-type]


def _docx(diagnosis: Diagnosis, rulebook: Rulebook) -> bytes:
    from kamadvisor.docx_memo import render_docx

    return render_docx(diagnosis, rulebook)


def _comparison_text(comparison: Comparison, rulebook: Rulebook, name: str) -> str:
    from kamadvisor.compare_render import render_comparison

    return render_comparison(comparison, rulebook, name)  # type: ignore[arg-type]


def _comparison_docx(comparison: Comparison, rulebook: Rulebook) -> bytes:
    from kamadvisor.compare_docx import render_comparison_docx

    return render_comparison_docx(comparison, rulebook)


FORMATS: dict[str, MemoFormat] = _registry("diagnosis", _memo_text, _docx)
COMPARISON_FORMATS: dict[str, ComparisonFormat] = _registry(
    "comparison", _comparison_text, _comparison_docx
)


def memo_format(name: str) -> MemoFormat:
    return FORMATS[name]
