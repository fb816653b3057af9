"""The memo formats: one registry (name, file suffix, renderer to bytes) that the CLI's choices,
the portfolio's `--memos` and the writers all read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the registry is read at start-up; the renderers load only when used
    from kamadvisor.diagnosis import Diagnosis
    from kamadvisor.rulebook import Rulebook


@dataclass(frozen=True)
class MemoFormat:
    name: str
    suffix: str
    description: str
    render: Callable[[Diagnosis, Rulebook], bytes]
    binary: bool = False


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
