"""A comparison as a Word document (python-docx), editable in Word and LibreOffice.

The same content as the Markdown and HTML comparisons, from the same context: headings in Word's
own heading styles (a house restyles them with the memo's reference document), the movement, the
figures, the actions and the answers as tables, the account's move on the matrix as a table with
its earlier and later positions. The bytes are deterministic, as the memo's: the document's dates
are the later assessment's and every zip entry carries one fixed time stamp.
"""

from __future__ import annotations

import io
from typing import Any

from docx.document import Document as DocumentObject
from docx.shared import Pt

from kamadvisor.compare import Comparison
from kamadvisor.compare_render import comparison_context
from kamadvisor.docx_memo import add_table, new_document, shade, stamp_properties
from kamadvisor.docx_review import (
    STATUSES,
    answer_text,
    cause_text,
    figure_text,
    moved_text,
    nuance_text,
    title_of,
)
from kamadvisor.output import deterministic_zip
from kamadvisor.rulebook import Rulebook

SCORE_FACTS = ("scores.attractiveness", "scores.business_strength")
# Where each category sits in the two-by-two table: (row, column) below the header row.
QUADRANT_CELLS = {"strategic": (1, 1), "star": (1, 2), "status": (2, 1), "streamline": (2, 2)}


def render_comparison_docx(comparison: Comparison, rulebook: Rulebook) -> bytes:
    context = comparison_context(comparison, rulebook)
    document = new_document(rulebook)
    _fix_properties(document, context["comparison"])
    _write(document, context)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())


def _fix_properties(document: DocumentObject, data: dict[str, Any]) -> None:
    stamp_properties(
        document,
        author=data["account"].get("assessor") or "",
        title=f"Since the last review: {data['account']['name']}",
        day=data["after"]["assessed_on"],
    )


# --- the document ------------------------------------------------------------------------------


def _write(document: DocumentObject, context: dict[str, Any]) -> None:
    data = context["comparison"]
    account = data["account"]
    document.add_heading(f"Since the last review: {account['name']}", level=0)
    before, after = data["before"]["assessed_on"], data["after"]["assessed_on"]
    meta = [f"Assessments of {before} and {after} ({data['days_between']} days apart)"]
    if account.get("id"):
        meta.append(f"account id {account['id']}")
    document.add_paragraph(" \u00b7 ".join(meta))
    pack = data["after"]["pack"]
    document.add_paragraph(
        f"Method: {pack['name']} {pack['version']}, applied to both assessments, so every "
        "change below comes from the answers."
    )
    _movement(document, context)
    _figures(document, data)
    _findings(document, data)
    _actions(document, data)
    _answers(document, data)


def _movement(document: DocumentObject, context: dict[str, Any]) -> None:
    data, scales = context["comparison"], context["scales"]
    before, after = data["before"], data["after"]
    document.add_heading("What moved", level=1)
    rows = [
        [
            title_of(m["name"]),
            (m["before_label"] or "not determined")
            + nuance_text(m["name"], m["straddles_before"], m["confidence_before"], scales),
            (m["after_label"] or "not determined")
            + nuance_text(m["name"], m["straddles_after"], m["confidence_after"], scales),
            moved_text(m),
        ]
        for m in data["placements"]
    ]
    for label, key in (
        ("Attractiveness score", "attractiveness"),
        ("Business strength score", "business_strength"),
    ):
        rows.append([label, figure_text(before[key]), figure_text(after[key]), ""])
    add_table(document, ["", before["assessed_on"], after["assessed_on"], ""], rows)
    _matrix(document, context)
    for move in data["placements"]:
        if move["direction"] in ("same", "unplaced_both"):
            continue
        document.add_heading(
            f"{title_of(move['name'])}: {moved_text(move)}, from "
            f"{move['before_label'] or 'not determined'} to "
            f"{move['after_label'] or 'not determined'}",
            level=2,
        )
        if move["causes"]:
            document.add_paragraph("The answers that moved it:")
            for cause in move["causes"]:
                document.add_paragraph(cause_text(cause), style="List Bullet")
        else:
            document.add_paragraph("No changed answer is traced to this move.")


def _matrix(document: DocumentObject, context: dict[str, Any]) -> None:
    """The account's move on the portfolio matrix as an editable two-by-two table: the earlier
    position (open circle) and the later one (filled) in the quadrants of the categories the two
    diagnoses placed it in, never re-derived from the scores."""
    data, positions = context["comparison"], context["positions"]
    labels = {item["value"]: item["label"] for item in context["scales"].get("category", [])}
    category = next((m for m in data["placements"] if m["name"] == "category"), None)
    if category is None:
        return
    marks: dict[str, list[str]] = {
        name: [labels.get(name, name.title())] for name in QUADRANT_CELLS
    }
    for side, symbol in (("before", "\u25cb"), ("after", "\u25cf")):
        placed = category[side]
        if placed in marks:
            score = ""
            if positions:
                spot = positions[side]
                score = (
                    f" ({figure_text(spot['attractiveness'])} /"
                    f" {figure_text(spot['business_strength'])})"
                )
            marks[placed].append(f"{symbol} {data[side]['assessed_on']}{score}")
    document.add_paragraph(
        "The account's move on the portfolio matrix: account attractiveness (rows, high at the "
        "top) against our business strength as the customer rates us (columns, high on the "
        "left); \u25cb the earlier assessment, \u25cf the later one."
    )
    matrix = add_table(
        document,
        ["", "Strength high", "Strength low"],
        [
            ["Attractiveness high", "\n".join(marks["strategic"]), "\n".join(marks["star"])],
            ["Attractiveness low", "\n".join(marks["status"]), "\n".join(marks["streamline"])],
        ],
    )
    if category["after"] in QUADRANT_CELLS:
        row, column = QUADRANT_CELLS[category["after"]]
        shade(matrix.rows[row].cells[column], "DDE7F2")
    for table_row in matrix.rows:
        for cell in table_row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)


def _figures(document: DocumentObject, data: dict[str, Any]) -> None:
    shown = [f for f in data["figures"] if f["fact"] not in SCORE_FACTS]
    if not shown:
        return
    document.add_heading("Figures that changed", level=1)
    rows = []
    for item in shown:
        change = ""
        if item["change"] is not None:
            change = ("+" if item["change"] > 0 else "") + figure_text(item["change"])
        rows.append(
            [item["description"], figure_text(item["before"]), figure_text(item["after"]), change]
        )
    add_table(document, ["Figure", "Before", "After", "Change"], rows)


def _findings(document: DocumentObject, data: dict[str, Any]) -> None:
    document.add_heading("Findings", level=1)
    findings = data["findings"]
    counts = [
        sum(len(g["findings"]) for g in findings[kind])
        for kind in ("resolved", "new", "persisting")
    ]
    document.add_paragraph(f"{counts[0]} resolved, {counts[1]} new, {counts[2]} still open.")
    for heading, kind, traced in (
        ("Resolved", "resolved", True),
        ("New", "new", True),
        ("Still open", "persisting", False),
    ):
        document.add_heading(heading, level=2)
        if not findings[kind]:
            document.add_paragraph("None.")
        for group in findings[kind]:
            document.add_paragraph().add_run(group["title"]).bold = True
            for item in group["findings"]:
                _finding(document, item, kind, traced)


def _finding(document: DocumentObject, item: dict[str, Any], kind: str, traced: bool) -> None:
    paragraph = document.add_paragraph(style="List Bullet")
    paragraph.add_run(item["title"]).bold = True
    severity = item["severity"]
    if item["severity_before"] and item["severity_before"] != severity:
        severity += f", was {item['severity_before']}"
    text = f" ({severity}) [{item['rule_id']}]"
    if item["part_of"]:
        text += (
            f", {'now part of' if kind == 'resolved' else 'until now part of'} [{item['part_of']}]"
        )
    if traced and item["causes"]:
        text += ", because " + "; ".join(cause_text(cause) for cause in item["causes"])
    paragraph.add_run(text)


def _actions(document: DocumentObject, data: dict[str, Any]) -> None:
    document.add_heading("The previous plan's actions", level=1)
    actions = data["actions"]
    if actions["recorded"]:
        k = actions["counts"]
        text = (
            f"{k['recorded']} action{'s' if k['recorded'] != 1 else ''} of the plan begun "
            f"{actions['began']} recorded: {k['done']} done, {k['in_progress']} in progress, "
            f"{k['not_started']} not started, {k['dropped']} dropped"
        )
        if k["status_unknown"]:
            text += f", {k['status_unknown']} without a status (not counted as done or as open)"
        text += (
            f". {k['overdue']} {'is' if k['overdue'] == 1 else 'are'} overdue. "
            f"{k['findings_resolved']} of them answered a finding that is now resolved."
        )
        document.add_paragraph(text)
        rows = []
        for item in actions["actions"]:
            status = STATUSES[item["status"]] if item["status"] else "not given"
            if item["overdue"]:
                status += ", overdue"
            answered = (
                f"{item['finding_title'] or ''} [{item['answers']}]".strip()
                if item["answers"]
                else ""
            )
            rows.append(
                [
                    item["due_on"] or "not given",
                    item["what"],
                    item["owner"] or "",
                    status,
                    answered,
                    item["finding_outcome"] or "",
                ]
            )
        add_table(document, ["Due", "Action", "Owner", "Status", "Answered", "Finding now"], rows)
    else:
        document.add_paragraph(
            "This assessment does not record how the previous plan's actions went: list them "
            "under previous_plan in the questionnaire, each with its status, to follow them up "
            "here."
        )
    if actions["not_followed_up"]:
        document.add_paragraph(
            f"Actions of the previous plan (begun {actions['began']}) with no status recorded here:"
        )
        for item in actions["not_followed_up"]:
            document.add_paragraph(
                f"Day {item['due_day']}: {item['what']} ({item['owner']}) [{item['rule_id']}]",
                style="List Bullet",
            )


def _answers(document: DocumentObject, data: dict[str, Any]) -> None:
    document.add_heading("Answers that changed", level=1)
    changes = data["answers_changed"]
    if not changes:
        document.add_paragraph("No answer changed.")
        return
    add_table(
        document,
        ["Answer", "Before", "After"],
        [
            [
                change["path"],
                answer_text(change["before"], change["path"]),
                answer_text(change["after"], change["path"]),
            ]
            for change in changes
        ],
    )
