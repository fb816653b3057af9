"""The memo as a Word document (python-docx), editable in Word and LibreOffice.

The same content as the HTML memo, from the same context: headings in Word's own heading styles
(a house restyles them with a reference document, `templates/memo.docx` in its pack), the plan as
tables, the matrix and the strength bars as the HTML memo's own SVG. Word 2016 and later and
LibreOffice draw the SVG (Office's `asvg:svgBlip` extension); the format also requires a raster
picture beside it, which older readers show: the same SVG rendered by resvg. Each picture carries
its title and description as alternative text. The bytes are deterministic: the document's dates
are the assessment date and every zip entry carries one fixed time stamp.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from docx import Document
from docx.document import Document as DocumentObject
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Length, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from kamadvisor.diagnosis import Diagnosis
from kamadvisor.docx_review import write_since_last_review
from kamadvisor.errors import InputError, Problem
from kamadvisor.output import deterministic_zip
from kamadvisor.pictures import standalone_svg
from kamadvisor.render import memo_context, template_dirs
from kamadvisor.rulebook import Rulebook

REFERENCE_NAME = "memo.docx"
# Styles the memo is written in; a house reference document must define them.
REQUIRED_STYLES = ("Title", "Heading 1", "Heading 2", "List Bullet", "Table Grid")
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
SVG_BLIP_NAMESPACE = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
SVG_BLIP_URI = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
FIGURE_WIDTH = Mm(110)
KEEP_ROWS = 10
RASTER_ZOOM = 3  # the fallback picture at about 200 dpi on the page
TITLES = {
    "phase": "KAM phase",
    "category": "Portfolio category",
    "stage": "Relational stage",
    "stance": "Strategic stance",
}


def render_docx(
    diagnosis: Diagnosis, rulebook: Rulebook, since_last_review: dict[str, Any] | None = None
) -> bytes:
    """The memo in Word; `since_last_review` (the comparison with the previous assessment, as
    `memo --previous` gives it) adds that section after the summary."""
    context = memo_context(diagnosis, rulebook, "docx", since_last_review)
    document = new_document(rulebook)
    _fix_properties(document, context)
    _write(document, context)
    buffer = io.BytesIO()
    document.save(buffer)
    return deterministic_zip(buffer.getvalue())


def _reference(rulebook: Rulebook) -> Path | None:
    """A house pack's reference document: a regular file inside its templates directory."""
    for directory in template_dirs(rulebook)[:-1]:
        candidate = directory / REFERENCE_NAME
        if candidate.is_symlink() or not candidate.exists():
            continue
        if not candidate.is_file() or not candidate.resolve().is_relative_to(directory.resolve()):
            raise InputError(
                [Problem(str(candidate), None, None, "", "expected a regular Word file")]
            )
        return candidate
    return None


def new_document(rulebook: Rulebook) -> DocumentObject:
    reference = _reference(rulebook)
    if reference is None:
        document = Document()
        # python-docx's own template is Letter with wide margins; ours is A4 and denser.
        for section in document.sections:
            section.page_width, section.page_height = Mm(210), Mm(297)
            section.left_margin = section.right_margin = Mm(20)
            section.top_margin = section.bottom_margin = Mm(18)
        document.styles["Normal"].font.size = Pt(10)
        return document
    try:
        document = Document(str(reference))
    except Exception as error:  # python-docx raises several kinds for a file that is not Word
        raise InputError(
            [Problem(str(reference), None, None, "", f"not a Word document: {error}")]
        ) from None
    styles = {style.name for style in document.styles}
    missing = [name for name in REQUIRED_STYLES if name not in styles]
    if missing:
        raise InputError(
            [
                Problem(
                    str(reference),
                    None,
                    None,
                    "",
                    f"the reference document lacks the style(s) {', '.join(missing)}; expected "
                    "a Word document that defines them (use one saved from the memo Word writes)",
                )
            ]
        )
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)
    return document


def _fix_properties(document: DocumentObject, context: dict[str, Any]) -> None:
    stamp_properties(
        document,
        author=context["account"].get("assessor") or "",
        title=f"Key account review: {context['account']['name']}",
        day=context["memo_date"],
    )


def stamp_properties(document: DocumentObject, author: str, title: str, day: str | None) -> None:
    """The document's properties from the assessment, never the clock: the same answers give
    the same bytes. `day` is an ISO date; without one, a fixed day stands in."""
    stamp = datetime(2000, 1, 1, tzinfo=UTC)
    if day:
        year, month, date_of_month = (int(part) for part in day.split("-"))
        stamp = datetime(year, month, date_of_month, tzinfo=UTC)
    properties = document.core_properties
    properties.author = author
    properties.last_modified_by = author
    properties.title = title
    properties.created = stamp
    properties.modified = stamp
    properties.last_printed = stamp
    properties.revision = 1


def _money(value: float, currency: str | None) -> str:
    from kamadvisor.sandbox import _money as money

    return money(value, currency)


def _owner(row: dict[str, Any]) -> str:
    if row["owner_name"]:
        return f"{row['owner_name']} ({row['owner']})"
    return str(row["owner"]).capitalize()


def _between(placement: dict[str, Any], labels: dict[str, str]) -> str:
    text = ""
    if placement.get("straddles"):
        first, second = (labels.get(v, v).lower() for v in placement["straddles"][:2])
        text += f", between {first} and {second}"
    if placement.get("confidence"):
        given = ", on given values" if placement.get("given") else ""
        text += f" ({placement['confidence']} confidence{given})"
    return text


def add_table(
    document: DocumentObject,
    header: list[str],
    rows: list[list[str]],
    widths: tuple[float, ...] = (),
    keep: bool = True,
) -> Table:
    """A table with a bold header row repeated on every page, and a small gap after it; its
    columns `widths` millimetres wide where given (else equal); kept on one page if `keep` and
    short, else only its rows kept whole."""
    table: Table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
    header_properties = table.rows[0]._tr.get_or_add_trPr()
    header_properties.append(OxmlElement("w:tblHeader"))
    for values in rows:
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    _keep_together(table, keep)
    if widths:
        # Word reads each cell's width, LibreOffice the table's grid: set both.
        table.autofit = False
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Mm(width)
            for cell in column.cells:
                cell.width = Mm(width)
    document.add_paragraph().paragraph_format.space_after = Pt(2)
    return table


def shade(cell: Any, fill: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _questions(document: DocumentObject, questions: list[str]) -> None:
    """Short questions in two columns (a table without borders), read down each column."""
    half = (len(questions) + 1) // 2
    columns = [questions[:half], questions[half:]]
    table: Table = document.add_table(rows=half, cols=2)
    for column, items in enumerate(columns):
        for row, text in enumerate(items):
            paragraph = table.rows[row].cells[column].paragraphs[0]
            paragraph.paragraph_format.left_indent = Pt(10)
            paragraph.paragraph_format.first_line_indent = Pt(-10)
            paragraph.add_run(f"\u2022\t{text}")
    _keep_together(table)
    document.add_paragraph().paragraph_format.space_after = Pt(2)


def _keep_together(table: Table, keep: bool = True) -> None:
    """No row split across pages; with `keep`, a table of up to KEEP_ROWS rows kept on one page
    (each row's paragraphs kept with the next row); else at least its header with its first row."""
    rows = table.rows
    for index, row in enumerate(rows):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if index < len(rows) - 1 and ((keep and len(rows) <= KEEP_ROWS) or index == 0):
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    paragraph.paragraph_format.keep_with_next = True


def _numbered(document: DocumentObject, items: list[tuple[str, str]]) -> None:
    """A numbered list that starts at 1 whatever came before (Word's List Number style would
    continue the previous list's numbers)."""
    for number, (lead, text) in enumerate(items, start=1):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Pt(18)
        paragraph.paragraph_format.first_line_indent = Pt(-18)
        paragraph.add_run(f"{number}.\t")
        if lead:
            paragraph.add_run(lead).bold = True
        paragraph.add_run(text)


def _write(document: DocumentObject, context: dict[str, Any]) -> None:
    account, memo, placements = (
        context["account"],
        context["memo"],
        context["diagnosis"]["placements"],
    )
    document.add_heading(account["name"], level=0)
    meta = [context["memo_date"] or "undated"]
    if account.get("assessor"):
        meta.append(f"prepared by {account['assessor']}")
    if account.get("industry"):
        meta.append(account["industry"])
    document.add_paragraph(" · ".join(meta))
    _summary(document, context, placements, memo)
    if context["since_last_review"]:
        write_since_last_review(document, context["since_last_review"], context["scales"])
    _pictures(document, context)
    _causes(document, memo)
    _plan(document, memo)
    if memo["open_questions"]:
        document.add_heading("Questions that could change this advice", level=1)
        _questions(document, [question["short"] for question in memo["open_questions"]])
    _appendix(document, context, placements, memo)


def _summary(
    document: DocumentObject,
    context: dict[str, Any],
    placements: dict[str, Any],
    memo: dict[str, Any],
) -> None:
    document.add_heading("Summary", level=1)
    document.add_paragraph(_summary_sentence(context, placements))
    figures = _key_figures(memo["economics"], memo["currency"])
    if figures:
        add_table(document, [label for label, _ in figures], [[value for _, value in figures]])
    if memo["stance"]:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"Our recommendation: {memo['stance']['label'].lower()}. ").bold = True
        paragraph.add_run(memo["stance"]["reason"])
    if memo["causes"]:
        document.add_heading("What holds the account back", level=2)
        _numbered(
            document,
            [
                (
                    f"{cause['title']}. ",
                    cause["lead"]["title"] + ".",
                )
                for cause in memo["causes"]
            ],
        )
    if memo["decisions"]:
        document.add_heading("Decisions for leadership", level=2)
        _numbered(
            document,
            [
                ("", f"{row['what']} ({_owner(row)}, by day {row['due_day']})")
                for row in memo["decisions"][:3]
            ],
        )


def _summary_sentence(context: dict[str, Any], placements: dict[str, Any]) -> str:
    """The account's category, phase and stage in one sentence."""
    parts = []
    category, phase, stage = (placements.get(n, {}) for n in ("category", "phase", "stage"))
    labels = _labels(context)
    if category.get("value"):
        parts.append(
            f"a {category['label'].lower()} account{_between(category, labels['category'])}"
        )
    else:
        parts.append("an account not yet placed on the portfolio matrix")
    if phase.get("value"):
        parts.append(
            f"managed at the {phase['label'].lower()} phase{_between(phase, labels['phase'])}"
        )
    if stage.get("value"):
        parts.append(
            f"in a {stage['label'].lower()} relationship{_between(stage, labels['stage'])}"
        )
    return f"{context['account']['name']} is " + ", ".join(parts) + "."


def _key_figures(economics: dict[str, Any], currency: Any) -> list[tuple[str, str]]:
    """The summary's figures, those the answers give."""
    figures = []
    if "economics.annual_revenue" in economics:
        figures.append(("Revenue", _money(economics["economics.annual_revenue"], currency)))
    if "economics.share_of_our_revenue_pct" in economics:
        figures.append(
            ("Share of our revenue", f"{economics['economics.share_of_our_revenue_pct']} %")
        )
    if "economics.account_profit" in economics:
        figures.append(
            ("Profit after cost to serve", _money(economics["economics.account_profit"], currency))
        )
    if "economics.revenue_growth_pct" in economics:
        figures.append(("Growth a year", f"{economics['economics.revenue_growth_pct']:+g} %"))
    if "economics.share_of_wallet_pct" in economics:
        figures.append(("Share of wallet", f"{economics['economics.share_of_wallet_pct']} %"))
    return figures


def _labels(context: dict[str, Any]) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {name: {} for name in ("category", "phase", "stage")}
    for name, scale in context["scales"].items():
        labels[name] = {item["value"]: item["label"] for item in scale}
    return labels


def _pictures(document: DocumentObject, context: dict[str, Any]) -> None:
    pictures = context["pictures"]
    document.add_heading("Where the account stands", level=1)
    figures = [
        (
            pictures["matrix"],
            "Attractiveness against our business strength as the customer rates us (1 to 10); "
            "dashed lines at this method's cut-offs.",
        )
    ]
    if pictures["strength"]:
        figures.append(
            (
                pictures["strength"],
                "Our strength factor by factor against the best competitor (1 far worse, 10 far "
                "better); the dashed line is level.",
            )
        )
    _figures(document, figures)
    grid = pictures["contacts"]
    if grid["people"]:
        document.add_heading("Who we know at the customer", level=2)
        rows = []
        for row in grid["rows"]:
            cells = []
            for index, held in enumerate(row["cells"]):
                if row["gap"]:
                    cells.append("nobody" if index == 0 else "")
                    continue
                cells.append(
                    "; ".join(
                        c["name"]
                        + (" (decides)" if c["decision_maker"] else "")
                        + (" (critic)" if c["critic"] else "")
                        for c in held
                    )
                )
            rows.append([row["level"].capitalize(), *cells])
        people = len(grid["people"])
        add_table(
            document,
            ["Customer level", *grid["people"]],
            rows,
            (40, *[130 / people] * people),
        )


def _figures(document: DocumentObject, figures: list[tuple[str, str]]) -> None:
    """The pictures side by side in a table without borders, each with its caption below."""
    widths = [FIGURE_WIDTH] if len(figures) == 1 else [Mm(96), Mm(70)]
    table: Table = document.add_table(rows=1, cols=len(figures))
    table.autofit = False
    for cell, width, (svg, caption) in zip(table.rows[0].cells, widths, figures, strict=True):
        cell.width = width
        _add_svg(cell.paragraphs[0], svg, Emu(width - Mm(3)))
        note = cell.add_paragraph(caption)
        for run in note.runs:
            run.font.size = Pt(8)
    document.add_paragraph().paragraph_format.space_after = Pt(2)


def _add_svg(paragraph: Paragraph, svg: str, width: Length) -> None:
    """The SVG as Word 2016 embeds one: the required raster picture in the blip, the SVG in the
    blip's extension, the SVG's title and description as the picture's alternative text."""
    standalone = standalone_svg(svg)
    shape = paragraph.add_run().add_picture(io.BytesIO(_raster(standalone)), width=width)
    part = paragraph.part
    package = part.package
    assert package is not None
    svg_part = Part(
        package.next_partname("/word/media/image%d.svg"),
        "image/svg+xml",
        standalone.encode("utf-8"),
        package,
    )
    relationship = part.relate_to(svg_part, RELATIONSHIP_TYPE.IMAGE)
    inline = shape._inline
    inline.graphic.graphicData.pic.blipFill.blip.append(
        parse_xml(
            f'<a:extLst {nsdecls("a", "r")}><a:ext uri="{SVG_BLIP_URI}">'
            f'<asvg:svgBlip xmlns:asvg="{SVG_BLIP_NAMESPACE}" r:embed="{relationship}"/>'
            "</a:ext></a:extLst>"
        )
    )
    title, description = _alternative_text(svg)
    inline.docPr.set("title", title)
    inline.docPr.set("descr", description)


def _raster(svg: str) -> bytes:
    import resvg_py

    return resvg_py.svg_to_bytes(svg_string=svg, zoom=RASTER_ZOOM, background="#ffffff")


def _alternative_text(svg: str) -> tuple[str, str]:
    root = ElementTree.fromstring(svg)
    title = root.findtext(f"{{{SVG_NAMESPACE}}}title") or ""
    description = root.findtext(f"{{{SVG_NAMESPACE}}}desc") or ""
    return title, description


def _causes(document: DocumentObject, memo: dict[str, Any]) -> None:
    if not memo["causes"]:
        return
    document.add_heading("Root causes", level=1)
    for cause in memo["causes"]:
        document.add_heading(f"{cause['number']}. {cause['title']}", level=2)
        document.add_paragraph(cause["lead"]["advice"])
        if cause["related"]:
            document.add_paragraph(
                "Also part of this: "
                + "; ".join(t.lower() for t in cause["related"][:3])
                + (
                    f"; and {len(cause['related']) - 3} more (see the appendix)"
                    if len(cause["related"]) > 3
                    else ""
                )
                + "."
            )


def _plan(document: DocumentObject, memo: dict[str, Any]) -> None:
    document.add_heading("The next 90 days", level=1)
    for title, rows, noun in (
        ("Decisions for leadership", memo["decisions"], "Decision"),
        ("Work for the account team", memo["team_actions"], "Action"),
    ):
        if rows:
            document.add_heading(title, level=2)
            add_table(
                document,
                ["By day", noun, "Owner", "Cause"],
                [[str(r["due_day"]), r["what"], _owner(r), str(r["cause"])] for r in rows],
                (17, 99, 36, 18),
                keep=False,
            )
    document.add_heading("Reviews", level=2)
    review_rows = []
    for review in memo["plan"]["reviews"]:
        if review["final"]:
            text = "The point to reach, below; then write the next 90-day plan."
        else:
            decided = len(review["decisions_due"])
            text = f"{decided} decision{'s' if decided != 1 else ''} taken; " if decided else ""
            causes = review["causes"]
            progress = "progress" if decided else "Progress"
            text += (
                f"{progress} on cause{'s' if len(causes) != 1 else ''} "
                + ", ".join(str(n) for n in causes)
                + "."
                if causes
                else f"{progress} on every action."
            )
        review_rows.append([str(review["day"]), text])
    add_table(document, ["Day", "What the review checks"], review_rows, (17, 153))
    if memo["causes"]:
        document.add_heading("How progress is measured, and the point to reach by day 90", level=2)
        add_table(
            document,
            ["Cause", "Checked at each review", "By day 90"],
            [
                [
                    str(cause["number"]),
                    cause["measure"] or "Progress on its actions.",
                    cause["target"] or "Its findings resolved.",
                ]
                for cause in memo["causes"]
            ],
            (18, 76, 76),
        )
    held = memo["plan"]["held_back"]
    if held:
        document.add_paragraph(
            f"{len(held)} further action{'s are' if len(held) != 1 else ' is'} held back for the "
            f"next plan, so that no one carries more than {memo['plan']['cap']} (listed in the "
            "appendix)."
        )


def _appendix(
    document: DocumentObject,
    context: dict[str, Any],
    placements: dict[str, Any],
    memo: dict[str, Any],
) -> None:
    document.add_page_break()  # type: ignore[no-untyped-call]
    document.add_heading("Appendix: how this was diagnosed", level=1)
    pack = context["diagnosis"]["pack"]
    document.add_paragraph(
        f"Method: {pack['name']} {pack['version']}. Each placement and finding names the rule "
        "that made it; the rules quote the papers listed under Sources."
    )
    _appendix_placements(document, context, placements)
    _appendix_findings(document, context, memo)
    _appendix_sources(document, context, memo)


def _appendix_placements(
    document: DocumentObject, context: dict[str, Any], placements: dict[str, Any]
) -> None:
    document.add_heading("Placements", level=2)
    for name, placement in placements.items():
        text = (
            f"{TITLES.get(name, name.replace('_', ' ').capitalize())}: "
            f"{placement['label'] if placement['value'] else 'not determined'}"
            f"{_between(placement, _labels(context).get(name, {}))}"
        )
        if placement["rule_id"]:
            text += f" [{placement['rule_id']}]"
        if placement["evidence"]:
            text += ". For it: " + "; ".join(
                f"{s['title'].lower()} [{s['rule_id']}]" for s in placement["evidence"]
            )
        if placement["contradicting"]:
            text += ". Against it: " + "; ".join(
                f"{s['title'].lower()} [{s['rule_id']}]" for s in placement["contradicting"]
            )
        document.add_paragraph(text + ".", style="List Bullet")


def _appendix_findings(
    document: DocumentObject, context: dict[str, Any], memo: dict[str, Any]
) -> None:
    document.add_heading("Findings and their evidence", level=2)
    numbers = context["source_numbers"]
    for cause in memo["causes"]:
        for finding in cause["findings"]:
            text = f"Cause {cause['number']}, {finding['severity']}: {finding['title']} [{finding['rule_id']}]"
            if finding["rule_id"] in numbers:
                text += f" (source {numbers[finding['rule_id']]})"
            if finding["evidence"]:
                text += ". " + "; ".join(f"{e['fact']} = {e['value']}" for e in finding["evidence"])
            if finding.get("subsumes"):
                text += ". The same cause: " + "; ".join(
                    f"{o['title'].lower()} [{o['rule_id']}]" for o in finding["subsumes"]
                )
            document.add_paragraph(text + ".", style="List Bullet")
    if memo["programme_findings"]:
        document.add_paragraph(
            "Left to the portfolio report, as they concern the programme rather than this "
            "account: "
            + "; ".join(
                f"{f['title'].lower()} [{f['rule_id']}]" for f in memo["programme_findings"]
            )
            + "."
        )
    if memo["plan"]["held_back"]:
        document.add_paragraph(
            "Held back for the next 90-day plan: "
            + "; ".join(f"{r['what']} ({r['owner']})" for r in memo["plan"]["held_back"])
            + "."
        )


def _appendix_sources(
    document: DocumentObject, context: dict[str, Any], memo: dict[str, Any]
) -> None:
    document.add_heading("Sources", level=2)
    for source in context["sources"]:
        text = f"[{source['number']}] {source['paper']}: \u201c{source['quote']}\u201d"
        if source["note"]:
            text += f" Note: {source['note']}"
        document.add_paragraph(text + f" ({', '.join(source['rule_ids'])})")
    if memo["references"]:
        document.add_heading("References", level=2)
        for reference in memo["references"]:
            document.add_paragraph(
                f"{reference['paper']}: {reference['reference']}", style="List Bullet"
            )
