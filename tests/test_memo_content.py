"""What the memo argues: the verdict and the account's economics up front, root causes each with an
action, decisions apart from the team's work, owners named and never overloaded, reviews on the
pack's cadence, no contradictory findings, one matrix for memo and report, and a Word memo that
opens and converts in LibreOffice."""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from clients import SOFFICE, libreoffice_convert, pdf_text
from docx import Document
from docx.text.paragraph import Paragraph
from pydantic import BaseModel

from kamadvisor.api import Advisor, diagnose_file, open_advisor
from kamadvisor.casetest import CaseRunner, conflicting_findings, load_cases
from kamadvisor.cli import cli
from kamadvisor.diagnosis import Diagnosis
from kamadvisor.memo import _short_question, asked_as
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.render import memo_context
from kamadvisor.rulebook import Rulebook, base_pack_dir, load_rulebook
from kamadvisor.typeinfo import is_list, model_of

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
IDS = [example.stem for example in EXAMPLES]
NORTHWIND = ROOT / "examples" / "northwind-foods.yaml"
KESTREL = ROOT / "examples" / "kestrel-components.yaml"


def run(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.stderr
    return result


def context_of(example: Path, advisor: Advisor) -> dict[str, Any]:
    diagnosis = diagnose_file(str(example), advisor)
    return memo_context(diagnosis, advisor.rulebook, "md")


def summary_of(text: str) -> str:
    return text.split("## Root causes", 1)[0].split("## The next 90 days", 1)[0]


# --- the verdict and the economics ---------------------------------------------------------------


def test_northwind_summary_reaches_a_verdict_with_its_own_numbers() -> None:
    summary = summary_of(run("memo", str(NORTHWIND)).stdout)
    assert "**strategic** account" in summary
    assert "**transactional selling** phase" in summary
    assert "**basic** relationship" in summary
    # 4,850,000 revenue, 6.2 % of ours, 21.5 % margin less 610,000 cost to serve = 432,750.
    assert "EUR 4.85 million" in summary
    assert "6.2 % of ours" in summary
    assert "EUR 433,000" in summary
    assert "growing 3.1 % a year" in summary
    assert "**Our recommendation: Develop.**" in summary
    assert "Decisions for leadership" in summary


def test_kestrel_loss_carries_its_currency_and_the_stance_steps_back() -> None:
    text = run("memo", str(KESTREL)).stdout
    summary = summary_of(text)
    assert "**Our recommendation: Step back.**" in summary
    assert "EUR -18,200" in summary
    # No amount anywhere in the body without its currency.
    body = text.split("## Appendix", 1)[0]
    amounts = re.findall(r"(?:[A-Z]{3} )?-?\d{1,3}(?:,\d{3})+(?![\d,])", body)
    assert amounts
    bare = [amount for amount in amounts if not re.match(r"[A-Z]{3} ", amount)]
    assert bare == []


def test_an_unanswered_economics_section_adds_no_placeholder(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("account: {name: Quiet Ltd}\n", encoding="utf-8")
    summary = summary_of(run("memo", str(path)).stdout)
    assert "The numbers" not in summary
    assert "None" not in summary
    assert "not determined" not in summary
    assert "Our recommendation" not in summary, "no category, no stance"


@pytest.mark.parametrize("memo_format", ["md", "html"])
def test_straddle_and_confidence_appear_only_when_the_diagnosis_has_them(
    memo_format: str, advisor: Advisor, tmp_path: Path
) -> None:
    """Written against the shape the diagnosis gives placements (`straddles`, `confidence`)."""
    from kamadvisor.render import render_memo

    diagnosis = diagnose_file(str(NORTHWIND), advisor)
    plain = render_memo(diagnosis, advisor.rulebook, memo_format)  # type: ignore[arg-type]
    assert "between" not in plain.split("Root causes", 1)[0]
    data = diagnosis.model_dump(mode="json")
    data["placements"]["phase"]["straddles"] = ["transactional_selling", "consultative_selling"]
    data["placements"]["phase"]["confidence"] = "medium"
    context = memo_context(diagnosis, advisor.rulebook, memo_format)
    context["diagnosis"] = data
    from kamadvisor.bounds import render_bounded, template_limits
    from kamadvisor.render import template_dirs
    from kamadvisor.sandbox import sandboxed_environment

    environment = sandboxed_environment(
        template_dirs(advisor.rulebook), autoescape=memo_format == "html"
    )
    limits = template_limits(advisor.rulebook.parameter_values)
    text = render_bounded(environment.get_template(f"memo.{memo_format}.j2"), context, limits)
    assert ", between transactional selling and consultative selling (medium confidence)" in text


def body_text(example: Path, memo_format: str, *args: str) -> str:
    """What a client reads before the appendix, as plain text, in `memo_format`."""
    if memo_format == "docx":
        document = Document(io.BytesIO(docx_bytes(example, *args)))
        lines: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Paragraph):
                if item.text.startswith("Appendix: how this was diagnosed"):
                    break
                lines.append(item.text)
            else:
                lines += [" | ".join(cell.text for cell in row.cells) for row in item.rows]
        return "\n".join(lines)
    text = run("memo", str(example), "-f", memo_format, *args).stdout
    if memo_format == "md":
        return text.split("## Appendix", 1)[0].replace("**", "")
    body = text.split('<section class="appendix">', 1)[0].split("<body>", 1)[1]
    body = re.sub(r"<svg.*?</svg>", " ", body, flags=re.S)
    return html_unescape(re.sub(r"<[^>]+>", " ", body))


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("memo_format", ["md", "html", "docx"])
def test_every_format_states_the_verdict_and_the_economics_with_currency(
    memo_format: str,
) -> None:
    northwind = flat(body_text(NORTHWIND, memo_format))
    summary = northwind.split("Root causes", 1)[0]
    for figure in ("EUR 4.85 million", "6.2 %", "EUR 433,000", "3.1 %"):
        assert figure in summary, figure
    assert "our recommendation: develop." in summary.lower()
    assert "Decisions for leadership" in summary
    kestrel = flat(body_text(KESTREL, memo_format))
    assert "our recommendation: step back." in kestrel.lower()
    assert "EUR -18,200" in kestrel
    # No amount in the body without its currency.
    amounts = re.findall(r"(?:[A-Z]{3} )?-?\d{1,3}(?:,\d{3})+(?![\d,])", kestrel + northwind)
    assert amounts
    assert [amount for amount in amounts if not re.match(r"[A-Z]{3} ", amount)] == []


@pytest.mark.parametrize("memo_format", ["md", "html", "docx"])
def test_programme_findings_stay_out_of_the_body_in_every_format(
    memo_format: str, advisor: Advisor
) -> None:
    programme = context_of(NORTHWIND, advisor)["memo"]["programme_findings"]
    assert "LEAD-HEAD-OF-KAM-NO-BOARD-VOICE" in {f["rule_id"] for f in programme}
    body = flat(body_text(NORTHWIND, memo_format)).lower()
    for finding in programme:
        assert flat(finding["title"]).lower() not in body
        assert flat(finding["advice"]).lower()[:60] not in body


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_headings_never_skip_a_level_and_table_headers_have_a_scope(example: Path) -> None:
    markdown = run("memo", str(example)).stdout
    levels = [len(hashes) for hashes in re.findall(r"^(#+) ", markdown, re.M)]
    document = Document(io.BytesIO(docx_bytes(example)))
    styles = [p.style.name for p in document.paragraphs]
    word = [
        0 if name == "Title" else int(name.split()[-1])
        for name in styles
        if name.startswith(("Heading", "Title"))
    ]
    html = run("memo", str(example), "-f", "html").stdout
    for found in (levels, word):
        assert found[0] == min(found)
        assert all(b - a <= 1 for a, b in itertools.pairwise(found)), found
    headers = re.findall(r"<th\b[^>]*>", html)
    assert headers
    assert all(re.search(r'scope="(?:col|row)"', header) for header in headers)


# --- causes, decisions, the plan -----------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_every_cause_has_an_action_and_no_owner_is_overloaded(
    example: Path, advisor: Advisor
) -> None:
    memo = context_of(example, advisor)["memo"]
    cap = advisor.rulebook.parameter_values["max_actions_per_owner"]
    assert len(memo["causes"]) <= 7
    for cause in memo["causes"]:
        assert cause["actions"], cause["title"]
        # What each review checks, and the point to reach by day 90 (Mercuri).
        assert cause["measure"], cause["title"]
        assert cause["target"], cause["title"]
    reviews = memo["plan"]["reviews"]
    assert [r["day"] for r in reviews] == [30, 60, 90]
    assert [r["final"] for r in reviews] == [False, False, True]
    for review in reviews[:-1]:
        assert [m["measure"] for m in review["measures"]] == [
            c["measure"] for c in memo["causes"] if c["number"] in review["causes"]
        ]
    load: dict[str, int] = {}
    for row in memo["plan"]["rows"]:
        load[row["owner"]] = load.get(row["owner"], 0) + 1
        assert 1 <= row["due_day"] <= 90
    assert all(count <= cap for count in load.values()), load
    # Decisions come before the work of their cause.
    for cause in memo["causes"]:
        decided = [row["due_day"] for row in cause["actions"] if row["decision"]]
        work = [row["due_day"] for row in cause["actions"] if not row["decision"]]
        if decided and work:
            assert max(decided) < min(work), cause["title"]


def test_decisions_belong_to_leadership_and_work_to_the_team(advisor: Advisor) -> None:
    memo = context_of(NORTHWIND, advisor)["memo"]
    roles = advisor.rulebook.manifest.roles
    assert memo["decisions"]
    assert all(roles[row["owner"]].decides for row in memo["decisions"])
    assert all(not roles[row["owner"]].decides for row in memo["team_actions"])


def test_a_cause_without_any_action_gets_the_packs_first_step(tmp_path: Path) -> None:
    """Atlas's only planning finding has an action; a pack that strips it still plans the cause."""
    pack = tmp_path / "bare"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: bare\nversion: '1'\nbuilds_on: [kamadvisor-base]\n", encoding="utf-8"
    )
    (pack / "rules.yaml").write_text(
        "rules:\n  - id: BARE-PLAN\n    title: A planning gap with no action\n"
        "    theme: planning\n    severity: critical\n"
        "    when: {fact: planning.plan_exists, eq: true}\n"
        "    advice: The plan has a gap.\n"
        "    source: {paper: Mercuri, quote: plan}\n",
        encoding="utf-8",
    )
    rulebook = load_rulebook(house_packs=[pack])
    with open_advisor(rulebook=rulebook) as advisor:
        memo = context_of(ROOT / "examples" / "atlas-logistics.yaml", advisor)["memo"]
    planning = next(c for c in memo["causes"] if c["id"] == "planning")
    assert planning["actions"]


def test_owners_are_named_from_the_questionnaire(tmp_path: Path, advisor: Advisor) -> None:
    text = NORTHWIND.read_text(encoding="utf-8").replace(
        "  title: key_account_manager\n", "  name: Jonas Weber\n  title: key_account_manager\n"
    )
    path = tmp_path / "named.yaml"
    path.write_text(text, encoding="utf-8")
    memo = context_of(path, advisor)["memo"]
    rows = [row for row in memo["plan"]["rows"] if row["owner"] == "key account manager"]
    assert rows
    assert all(row["owner_name"] == "Jonas Weber" for row in rows)
    assert "Jonas Weber (key account manager)" in run("memo", str(path)).stdout


def test_reviews_follow_the_packs_cadence(tmp_path: Path, advisor: Advisor) -> None:
    pack = tmp_path / "fortnight"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: fortnight\nversion: '1'\nbuilds_on: [kamadvisor-base]\n"
        "settings: {review_cadence_days: 14}\n",
        encoding="utf-8",
    )
    default = context_of(NORTHWIND, advisor)["memo"]["plan"]["reviews"]
    assert [r["day"] for r in default] == [30, 60, 90]
    with open_advisor(rulebook=load_rulebook(house_packs=[pack])) as fortnightly:
        reviews = context_of(NORTHWIND, fortnightly)["memo"]["plan"]["reviews"]
    assert [r["day"] for r in reviews] == [14, 28, 42, 56, 70, 84, 90]
    expected = [14, 28, 42, 56, 70, 84, 90]
    html = run("memo", str(NORTHWIND), "-f", "html", "--rules", str(pack)).stdout
    reviews_table = html.split(">Reviews</h3>", 1)[1].split("</table>", 1)[0]
    assert [int(d) for d in re.findall(r'<td class="day">(\d+)</td>', reviews_table)] == expected
    markdown = run("memo", str(NORTHWIND), "--rules", str(pack)).stdout
    reviews_table = markdown.split("### Reviews", 1)[1].split("\n\n", 2)[1]
    assert [int(d) for d in re.findall(r"^\| (\d+) \|", reviews_table, re.M)] == expected
    # Each row's check is a sentence: it starts with a capital or a count (14 days in, nothing
    # is decided yet, and the row is 'Progress on ...').
    checks = re.findall(r"^\| \d+ \| (.)", reviews_table, re.M)
    assert checks
    assert all(c.isupper() or c.isdigit() for c in checks), checks
    document = Document(io.BytesIO(docx_bytes(NORTHWIND, "--rules", str(pack))))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Day")
    assert [int(row.cells[0].text) for row in table.rows[1:]] == expected
    # Each review but the last checks something named; the last, the point to reach.
    assert all(
        row.cells[1].text[:1].isupper() or row.cells[1].text[:1].isdigit() for row in table.rows[1:]
    )
    assert "point to reach" in table.rows[-1].cells[1].text


def test_programme_findings_stay_out_of_the_account_memo(advisor: Advisor) -> None:
    diagnosis = diagnose_file(str(NORTHWIND), advisor)
    assert "LEAD-HEAD-OF-KAM-NO-BOARD-VOICE" in {f.rule_id for f in diagnosis.findings}
    text = run("memo", str(NORTHWIND)).stdout
    body, appendix = text.split("## Appendix", 1)
    assert "head of key accounts has no voice" not in body.lower()
    assert "LEAD-HEAD-OF-KAM-NO-BOARD-VOICE" in appendix


def test_questions_that_cannot_apply_are_not_asked(tmp_path: Path, advisor: Advisor) -> None:
    """With no plan, the plan's details cannot change anything; the plan's existence can."""
    path = tmp_path / "noplan.yaml"
    path.write_text(
        "account: {name: No Plan Ltd, nominated_key_account: true}\nplanning: {plan_exists: false}\n",
        encoding="utf-8",
    )
    questions = {q["path"] for q in context_of(path, advisor)["memo"]["open_questions"]}
    assert "planning.co_authored_with_customer" not in questions
    assert "planning.last_reviewed" not in questions
    path.write_text("account: {name: Open Plan Ltd}\n", encoding="utf-8")
    questions = {q["path"] for q in context_of(path, advisor)["memo"]["open_questions"]}
    assert "planning.plan_exists" in questions
    assert "planning.co_authored_with_customer" in questions


def test_a_judgement_given_in_place_of_evidence_is_asked_only_while_no_evidence_decides(
    tmp_path: Path, advisor: Advisor
) -> None:
    """The assessor's judged stage counts only when no answer gives the stage evidence: once
    the answers place the stage, asking for the judgement could not change it (it is neither an
    open question nor a missing answer of the stage); with no evidence, it is both."""
    path = tmp_path / "evidence.yaml"
    path.write_text(
        "account: {name: Priced Ltd}\n"
        "relationship: {buying_behaviour: price_driven, sensitive_data_shared: false}\n",
        encoding="utf-8",
    )
    context = context_of(path, advisor)
    questions = {q["path"] for q in context["memo"]["open_questions"]}
    stage = context["diagnosis"]["placements"]["stage"]
    assert stage["value"] == "basic"
    assert "relationship.judged_stage" not in questions
    assert "relationship.judged_stage" not in stage["missing_answers"]
    # The near miss: nothing places the stage, so the judgement could.
    path.write_text("account: {name: Unknown Stage Ltd}\n", encoding="utf-8")
    context = context_of(path, advisor)
    questions = {q["path"] for q in context["memo"]["open_questions"]}
    assert context["diagnosis"]["placements"]["stage"]["value"] is None
    assert "relationship.judged_stage" in questions
    assert (
        "relationship.judged_stage"
        in context["diagnosis"]["placements"]["stage"]["missing_answers"]
    )


# Answers that are never open questions: the account's name is required, its id and the previous
# plan's own words identify things, and a previous action's rule id is a cross-reference.
NEVER_ASKED = {
    "account.name",
    "account.id",
    "previous_plan.actions.what",
    "previous_plan.actions.answers",
}
YES_NO = {"Is", "Are", "Do", "Does", "Did", "Have", "Has", "Can", "Was", "Were"}


def test_every_question_the_memo_can_ask_reads_as_a_question() -> None:
    """An open question is put to the client: each base question is asked in words ending in
    '?' (its declared `ask`, or a description that is itself a question), never a fragment
    such as 'The relational stage.' or a broken one such as 'How we see the customer?'."""
    fragments = []
    for path, description in _questions(Questionnaire):
        if path in NEVER_ASKED or asked_as(Questionnaire, path) is not None:
            continue
        words = _short_question(description)
        # Without an `ask`, only a description that is a yes/no question asks well.
        if words.split(" ", 1)[0] not in YES_NO or not words.endswith("?"):
            fragments.append(f"{path}: {words}")
    assert fragments == []


def _questions(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str]]:
    for name, field in model.model_fields.items():
        inner = model_of(field.annotation)
        if inner is not None:
            yield from _questions(inner, f"{prefix}{name}.")
        if inner is None or is_list(field.annotation):
            yield f"{prefix}{name}", field.description or ""


def test_an_answer_a_rule_reads_through_a_derived_fact_is_asked(
    tmp_path: Path, advisor: Advisor
) -> None:
    """Growth rules read our revenue as a share of the potential (a derived fact): with the
    potential unanswered, the memo asks for it; once answered, it is no open question."""
    path = tmp_path / "potential.yaml"
    path.write_text(
        "account: {name: Potential Ltd}\n"
        "economics: {currency: EUR, annual_revenue: 1000000, gross_margin_pct: 20}\n",
        encoding="utf-8",
    )
    questions = {q["path"] for q in context_of(path, advisor)["memo"]["open_questions"]}
    assert "economics.potential_revenue" in questions
    path.write_text(
        "account: {name: Potential Ltd}\n"
        "economics: {currency: EUR, annual_revenue: 1000000, gross_margin_pct: 20, "
        "potential_revenue: 3000000}\n",
        encoding="utf-8",
    )
    questions = {q["path"] for q in context_of(path, advisor)["memo"]["open_questions"]}
    assert "economics.potential_revenue" not in questions


def test_a_question_left_open_for_every_contact_is_asked_once(
    tmp_path: Path, advisor: Advisor
) -> None:
    path = tmp_path / "contacts.yaml"
    path.write_text(
        "account: {name: Three Contacts Ltd}\n"
        "contacts: [{name: Buyer, level: purchasing}, {name: Planner}, {name: Director}]\n",
        encoding="utf-8",
    )
    shorts = [q["short"] for q in context_of(path, advisor)["memo"]["open_questions"]]
    asked = "At which level of the customer's organisation does each contact work?"
    assert shorts.count(asked) == 1
    assert len(shorts) == len(set(shorts))


# --- no contradictions ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_no_example_fires_a_declared_conflicting_pair(example: Path, advisor: Advisor) -> None:
    diagnosis = diagnose_file(str(example), advisor)
    assert conflicting_findings(diagnosis, advisor.rulebook) == []


def test_the_base_pack_declares_conflicts_and_no_case_fires_one(base_rulebook: Rulebook) -> None:
    declared = [rule for rule in base_rulebook.rules if rule.spec.conflicts_with]
    assert len(declared) >= 4
    runner = CaseRunner(base_rulebook)
    try:
        results = [runner.run(case) for case in load_cases(base_pack_dir(), base_rulebook)]
    finally:
        runner.close()
    assert [r.explain() for r in results if r.conflicts] == []


def test_a_conflicting_pair_is_caught(advisor: Advisor) -> None:
    """The check is not vacuous: declare two findings Northwind fires as contradictory."""
    diagnosis: Diagnosis = diagnose_file(str(NORTHWIND), advisor)
    rulebook = advisor.rulebook
    rules = [
        rule.model_copy(
            update={
                "spec": rule.spec.model_copy(update={"conflicts_with": ["CONTACT-SINGLE-THREAD"]})
            }
        )
        if rule.id == "CONTACT-PURCHASING-ONLY"
        else rule
        for rule in rulebook.rules
    ]
    altered = rulebook.model_copy(update={"rules": rules})
    assert conflicting_findings(diagnosis, altered) == [
        ("CONTACT-PURCHASING-ONLY", "CONTACT-SINGLE-THREAD")
    ]


# --- one matrix ----------------------------------------------------------------------------------


def _quadrant_labels(svg: str) -> dict[str, tuple[float, float]]:
    return {
        label: (float(x), float(y))
        for x, y, label in re.findall(
            r'<text class="quadrant-name" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]+)</text>', svg
        )
    }


def test_memo_and_report_draw_the_matrix_the_same_way(tmp_path: Path) -> None:
    memo_svg = run("memo", str(NORTHWIND), "-f", "html").stdout.split('<svg class="matrix"', 1)[1]
    folder = tmp_path / "accounts"
    folder.mkdir()
    shutil.copy(NORTHWIND, folder / "northwind.yaml")
    report = tmp_path / "report.html"
    run("portfolio", str(folder), "-f", "html", "-o", str(report), "--jobs", "1")
    report_svg = report.read_text(encoding="utf-8").split('<svg class="matrix"', 1)[1]
    memo_quadrants = _quadrant_labels(memo_svg.split("</svg>", 1)[0])
    report_quadrants = _quadrant_labels(report_svg.split("</svg>", 1)[0])
    assert memo_quadrants == report_quadrants
    # Cranfield's orientation: strategic top left, star top right, streamline bottom right.
    strategic, star = memo_quadrants["Strategic"], memo_quadrants["Star"]
    streamline = memo_quadrants["Streamline"]
    assert strategic[0] < star[0]
    assert strategic[1] < streamline[1]
    # The point sits in the same place in both.
    point = r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)"'
    assert re.findall(point, memo_svg)[:1] == re.findall(point, report_svg)[:1]


def test_templates_do_not_rederive_the_category() -> None:
    for name in ("memo.html.j2", "memo.md.j2", "report.html.j2"):
        text = (ROOT / "templates" / name).read_text(encoding="utf-8")
        assert "category_cutoff" not in text, name


# --- Word ----------------------------------------------------------------------------------------

REQUIRE = "1" in (
    os.environ.get("KAMADVISOR_REQUIRE_LIBREOFFICE"),
    os.environ.get("KAMADVISOR_REQUIRE_BROWSER"),
)


def docx_bytes(example: Path, *args: str) -> bytes:
    result = run("memo", str(example), "-f", "docx", *args)
    return bytes(result.stdout_bytes)


def test_docx_has_real_heading_styles_and_plan_tables() -> None:
    document = Document(io.BytesIO(docx_bytes(NORTHWIND)))
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert ("Heading 1", "Summary") in headings
    assert ("Heading 1", "The next 90 days") in headings
    assert ("Heading 1", "Appendix: how this was diagnosed") in headings
    tables = [[cell.text for cell in table.rows[0].cells] for table in document.tables]
    assert ["By day", "Decision", "Owner", "Cause"] in tables
    assert ["By day", "Action", "Owner", "Cause"] in tables
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Our recommendation: develop." in text


def test_docx_zip_is_stable() -> None:
    first, second = docx_bytes(NORTHWIND), docx_bytes(NORTHWIND)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "2026-10-15T00:00:00Z" in core


SVG_BLIP = "{http://schemas.microsoft.com/office/drawing/2016/SVG/main}svgBlip"
DRAWING = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
RELATIONSHIP = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PLACED = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


def test_docx_embeds_the_html_memos_svg_with_a_raster_copy_and_alternative_text() -> None:
    html = run("memo", str(NORTHWIND), "-f", "html").stdout
    document = Document(io.BytesIO(docx_bytes(NORTHWIND)))
    part = document.part
    inlines = list(part.element.body.iter(f"{PLACED}inline"))
    assert len(inlines) == 2, "the matrix and the strength bars"
    for index, inline in enumerate(inlines):
        blip = inline.find(f".//{DRAWING}blip")
        raster = part.related_parts[blip.get(f"{RELATIONSHIP}embed")]
        assert raster.content_type == "image/png"
        assert raster.blob.startswith(b"\x89PNG")
        svg_blip = blip.find(f".//{SVG_BLIP}")
        assert svg_blip is not None
        vector = part.related_parts[svg_blip.get(f"{RELATIONSHIP}embed")]
        assert vector.content_type == "image/svg+xml"
        svg = vector.blob.decode("utf-8")
        # The same drawing as the HTML memo's, its style carried inside it.
        drawn = re.findall(r"<(?:rect|circle|line|text)\b[^>]*>", svg)
        inline_svg = html.split("<svg", index + 1)[index + 1].split("</svg>", 1)[0]
        assert drawn == re.findall(r"<(?:rect|circle|line|text)\b[^>]*>", inline_svg)
        assert "<style>" in svg
        title = re.search(r"<title[^>]*>([^<]+)</title>", svg)
        assert title is not None
        properties = inline.find(f"{PLACED}docPr")
        assert properties.get("title") == html_unescape(title.group(1))
        assert "Northwind Foods GmbH" in properties.get("title")
        assert properties.get("descr")


def test_the_raster_copy_draws_the_pictures_words() -> None:
    """resvg drops text silently when no font matches: the copy with the labels must differ from
    the copy without them (the raster is what LibreOffice 7.4 and older Word show)."""
    import resvg_py

    document = Document(io.BytesIO(docx_bytes(NORTHWIND)))
    for shape in document.inline_shapes:
        blip = shape._inline.find(f".//{DRAWING}blip")
        svg_blip = blip.find(f".//{SVG_BLIP}")
        svg = document.part.related_parts[svg_blip.get(f"{RELATIONSHIP}embed")].blob.decode()
        raster = document.part.related_parts[blip.get(f"{RELATIONSHIP}embed")].blob
        wordless = re.sub(r"<text\b.*?</text>", "", svg, flags=re.S)
        assert wordless != svg
        assert raster != resvg_py.svg_to_bytes(svg_string=wordless, zoom=3, background="#ffffff")
        assert raster == resvg_py.svg_to_bytes(svg_string=svg, zoom=3, background="#ffffff")


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_docx_takes_its_styles_from_a_house_reference(tmp_path: Path) -> None:
    reference = Document()
    reference.styles["Heading 1"].font.name = "Courier New"
    reference.add_paragraph("text of the reference, not of the memo")
    pack = tmp_path / "styled"
    (pack / "templates").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: styled\nversion: '1'\nbuilds_on: [kamadvisor-base]\n", encoding="utf-8"
    )
    reference.save(str(pack / "templates" / "memo.docx"))
    document = Document(io.BytesIO(docx_bytes(NORTHWIND, "--rules", str(pack))))
    assert document.styles["Heading 1"].font.name == "Courier New"
    assert "text of the reference" not in "\n".join(p.text for p in document.paragraphs)


@pytest.mark.skipif(
    SOFFICE is None and not REQUIRE,
    reason="needs LibreOffice (apt-get install libreoffice-writer-nogui); "
    "KAMADVISOR_REQUIRE_BROWSER=1 makes its absence a failure",
)
@pytest.mark.parametrize("example", EXAMPLES, ids=IDS)
def test_docx_opens_and_converts_in_libreoffice(example: Path, tmp_path: Path) -> None:
    if SOFFICE is None:
        pytest.fail("KAMADVISOR_REQUIRE_BROWSER=1, but LibreOffice (soffice) is missing")
    source = tmp_path / "memo.docx"
    source.write_bytes(docx_bytes(example))
    pdf = libreoffice_convert(SOFFICE, source, "pdf", tmp_path)
    assert pdf == tmp_path / "memo.pdf"
    assert pdf.is_file()
    assert pdf.stat().st_size > 0
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    name = Document(io.BytesIO(source.read_bytes())).paragraphs[0].text
    assert name in flat
    for section in ("Summary", "The next 90 days", "Appendix: how this was diagnosed", "Sources"):
        assert section in flat, section
    # The pictures are drawn: the matrix on every memo, the bars where strength was scored.
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    expected = len(list(Document(io.BytesIO(source.read_bytes())).inline_shapes))
    assert expected >= 1
    assert [line.split()[2] for line in listed].count("image") == expected


# --- assess on an 80-column terminal -------------------------------------------------------------


def test_assess_fits_80_columns_and_wraps_rather_than_truncates(advisor: Advisor) -> None:
    out = run("assess", str(NORTHWIND)).stdout
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "\u2026" not in out
    diagnosis = diagnose_file(str(NORTHWIND), advisor)
    flat = " ".join(out.split())
    # The summary comes first, then the findings one a row, each title and rule id whole.
    assert flat.index("Transactional") < flat.index("Findings (")
    for finding in diagnosis.findings:
        if finding.severity != "info":
            assert f"{finding.title} {finding.rule_id}" in flat


def test_portfolio_writes_word_memos_from_the_registry(tmp_path: Path) -> None:
    folder = tmp_path / "accounts"
    folder.mkdir()
    for example in EXAMPLES[:2]:
        shutil.copy(example, folder / example.name)
    memos, report = tmp_path / "memos", tmp_path / "report.html"
    memos.mkdir()
    run(
        "portfolio", str(folder), "-f", "html", "-o", str(report),
        "--memos", str(memos), "--memo-format", "docx", "--jobs", "1",
    )  # fmt: skip
    written = sorted(memos.glob("*.docx"))
    assert len(written) == 2
    for path in written:
        assert Document(str(path)).paragraphs[0].text
        assert path.name in report.read_text(encoding="utf-8")


def test_a_reference_document_without_the_memos_styles_is_a_clear_error(tmp_path: Path) -> None:
    pack = tmp_path / "plain"
    (pack / "templates").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: plain\nversion: '1'\nbuilds_on: [kamadvisor-base]\n", encoding="utf-8"
    )
    reference = Document()
    # Remove the style a house template might not define.
    element = reference.styles["List Bullet"].element
    element.getparent().remove(element)
    reference.save(str(pack / "templates" / "memo.docx"))
    result = CliRunner().invoke(cli, ["memo", str(NORTHWIND), "-f", "docx", "--rules", str(pack)])
    assert result.exit_code == 2
    assert "memo.docx" in result.stderr
    assert "List Bullet" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
