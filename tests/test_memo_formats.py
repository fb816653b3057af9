"""Memos in every format: structure, escaping, the JSON schema, determinism, house templates, and
the HTML printed by a real browser (headless Chromium) and read back with poppler."""

from __future__ import annotations

import io
import itertools
import json
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from clients import HEADLESS_CHROMIUM, pdf_text
from docx import Document
from helpers import invoke
from jsonschema import Draft202012Validator

from kamadvisor.cli import cli
from kamadvisor.diagnosis import DIAGNOSIS_SCHEMA_VERSION
from kamadvisor.render import DIAGNOSIS_SCHEMA_ID, diagnosis_schema

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
EXAMPLE_IDS = [example.stem for example in EXAMPLES]
NORTHWIND = str(ROOT / "examples" / "northwind-foods.yaml")
FORMATS = ("md", "html", "json", "docx")
TEXT_FORMATS = ("md", "html", "json")
SCRIPT_NAME = "<script>alert(1)</script> & \"Sons\" 'Ltd'"


def memo(*args: str) -> str:
    code, out, err = invoke("memo", *args)
    assert code == 0, err
    return out


def questionnaire(tmp_path: Path, name: str, dated: bool = True) -> str:
    path = tmp_path / "account.yaml"
    assessment = "  assessment_date: 2026-05-04\n" if dated else ""
    path.write_text(f"account:\n  name: {json.dumps(name)}\n{assessment}", encoding="utf-8")
    return str(path)


# --- every format, every example -------------------------------------------------------------


@pytest.mark.parametrize("memo_format", FORMATS)
@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_same_input_gives_byte_identical_output(
    example: Path, memo_format: str, tmp_path: Path
) -> None:
    first, second = tmp_path / f"first.{memo_format}", tmp_path / f"second.{memo_format}"
    for target in (first, second):
        code, _, err = invoke("memo", str(example), "-f", memo_format, "-o", str(target))
        assert code == 0, err
    assert first.read_bytes() == second.read_bytes()
    # Standard output carries the same bytes as the file.
    result = CliRunner().invoke(cli, ["memo", str(example), "-f", memo_format])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == first.read_bytes()


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_markdown_memo_has_every_section(example: Path) -> None:
    text = memo(str(example))
    assert text == memo(str(example), "-f", "md"), "Markdown is the default format"
    for heading in (
        "## Summary",
        "## The next 90 days",
        "### Reviews",
        "the point to reach by day 90",
        "## Appendix: how this was diagnosed",
        "### Placements",
        "### Sources",
    ):
        assert heading in text, heading
    assert text.endswith("\n")
    # Rule ids and field paths stay in the appendix.
    body = text.split("## Appendix", 1)[0]
    assert not re.search(r"\b[A-Z]+(-[A-Z0-9]+){1,}\b", body), "a rule id in the body"
    assert "`" not in body


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_html_memo_has_every_section_and_the_pictures(example: Path) -> None:
    html = memo(str(example), "-f", "html")
    data = json.loads(memo(str(example), "-f", "json"))
    assert html.startswith("<!DOCTYPE html>")
    for heading in (
        ">Summary</h2>",
        ">Where the account stands</h2>",
        ">The next 90 days</h2>",
        ">Reviews</h3>",
        ">Appendix: how this was diagnosed</h2>",
        ">Sources</h3>",
    ):
        assert heading in html, heading
    # The matrix: the diagnosed category's quadrant is the one marked.
    category = data["placements"]["category"]["value"]
    svg = html.split('<svg class="matrix"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in html.split('<svg class="matrix"', 1)[1][:200]
    assert "<title" in svg
    marked = re.findall(r'<rect class="quadrant placed"[^>]*/>\s*<text[^>]*>([^<]+)</text>', svg)
    assert marked == ([data["placements"]["category"]["label"]] if category else [])
    # Headings never skip a level; table headers carry their scope.
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
    assert "<th>" not in html


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_html_is_self_contained(example: Path) -> None:
    html = memo(str(example), "-f", "html").lower()
    for loader in (
        "<script",
        "<link",
        "<img",
        "<iframe",
        "<object",
        "<embed",
        "src=",
        "href=",
        "url(",
        "@import",
        "@font-face",
    ):
        assert loader not in html, loader
    assert "content-security-policy" in html
    assert "@page" in html
    assert "break-inside: avoid" in html
    assert "<svg" in html


def test_matrix_cut_offs_come_from_the_pack_parameters(tmp_path: Path) -> None:
    pack = tmp_path / "cutoffs"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: cutoffs\nversion: '1'\nbuilds_on: [kamadvisor-base]\n"
        "settings:\n  category_cutoff_attractiveness: 7.5\n  category_cutoff_strength: 3.5\n",
        encoding="utf-8",
    )
    default = memo(NORTHWIND, "-f", "html").split('<svg class="matrix"', 1)[1]
    moved = memo(NORTHWIND, "-f", "html", "--rules", str(pack)).split('<svg class="matrix"', 1)[1]
    cut = r'<line class="cut" x1="([\d.]+)" y1="[\d.]+" x2="[\d.]+" y2="([\d.]+)"'
    default_lines = re.findall(cut, default.split("</svg>", 1)[0])
    moved_lines = re.findall(cut, moved.split("</svg>", 1)[0])
    assert default_lines != moved_lines
    # Northwind scores 7.0 / 6.65: below the raised attractiveness cut-off, above the lowered
    # strength one, so the diagnosis (not the template) makes it a status account.
    assert re.search(r'class="quadrant placed"[^>]*/>\s*<text[^>]*>Status<', moved)


# --- escaping ------------------------------------------------------------------------------------


def test_markdown_keeps_an_account_name_literal(tmp_path: Path) -> None:
    text = memo(questionnaire(tmp_path, SCRIPT_NAME))
    escaped = "\\<script\\>alert(1)\\</script\\> & \"Sons\" 'Ltd'"
    assert f"# {escaped}: key account review\n" in text
    assert "&lt;" not in text
    assert "&amp;" not in text


def test_markdown_escapes_what_would_change_the_markup(tmp_path: Path) -> None:
    """A name with a table bar, emphasis, a tag and a leading hash stays one literal string."""
    text = memo(questionnaire(tmp_path, "# Acme | *Bold* <b>_x_</b> [link](y)"))
    expected = "\\# Acme \\| \\*Bold\\* \\<b\\>\\_x\\_\\</b\\> \\[link\\](y)"
    assert f"# {expected}: key account review" in text


def test_html_escapes_an_account_name_everywhere(tmp_path: Path) -> None:
    html = memo(questionnaire(tmp_path, SCRIPT_NAME), "-f", "html")
    assert "<script" not in html
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Sons&#34; &#39;Ltd&#39;"
    assert f"<title>Key account review: {escaped}</title>" in html
    assert f"<h1>{escaped}</h1>" in html


def test_json_carries_an_account_name_as_data(tmp_path: Path) -> None:
    data = json.loads(memo(questionnaire(tmp_path, SCRIPT_NAME), "-f", "json"))
    assert data["account"]["name"] == SCRIPT_NAME


# --- JSON and its schema -------------------------------------------------------------------------


def test_schema_command_prints_the_versioned_schema() -> None:
    code, out, _ = invoke("schema", "diagnosis")
    assert code == 0
    assert out.endswith("}\n")
    schema = json.loads(out)
    assert schema == diagnosis_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == DIAGNOSIS_SCHEMA_ID
    assert schema["version"] == DIAGNOSIS_SCHEMA_VERSION
    assert DIAGNOSIS_SCHEMA_VERSION in schema["$id"]
    assert schema["properties"]["schema_version"]["const"] == DIAGNOSIS_SCHEMA_VERSION
    assert out == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_json_memo_is_valid_against_the_schema(example: Path) -> None:
    text = memo(str(example), "-f", "json")
    data = json.loads(text)
    Draft202012Validator(diagnosis_schema()).validate(data)
    assert data["schema_version"] == DIAGNOSIS_SCHEMA_VERSION
    # Deterministic layout: sorted keys, two-space indent, a trailing newline.
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    for finding in data["findings"]:
        assert {"rule_id", "severity", "theme", "evidence", "source", "actions"} <= set(finding)
    assert {"facts", "findings", "actions", "unanswered", "placements"} <= set(data)


def test_schema_rejects_what_the_model_would_not_write() -> None:
    data = json.loads(memo(NORTHWIND, "-f", "json"))
    validator = Draft202012Validator(diagnosis_schema())
    assert validator.is_valid(data)
    assert not validator.is_valid({**data, "schema_version": "0.1"})
    assert not validator.is_valid({**data, "surprise": 1})
    broken = json.loads(json.dumps(data))
    del broken["findings"][0]["severity"]
    assert not validator.is_valid(broken)


def test_json_of_a_blank_questionnaire_is_valid(tmp_path: Path) -> None:
    data = json.loads(memo(questionnaire(tmp_path, "Blank Ltd", dated=False), "-f", "json"))
    Draft202012Validator(diagnosis_schema()).validate(data)
    assert data["assessed_on"] is None
    assert data["unanswered"]


# --- dates never come from the clock -------------------------------------------------------------


@pytest.mark.parametrize("memo_format", TEXT_FORMATS)
def test_memo_date_is_the_assessment_date_or_the_option(memo_format: str, tmp_path: Path) -> None:
    undated = questionnaire(tmp_path, "Undated Ltd", dated=False)
    today = date.today()
    plain = memo(undated, "-f", memo_format)
    assert today.isoformat() not in plain
    assert f"{today.day} {today.strftime('%B')} {today.year}" not in plain
    given = memo(undated, "-f", memo_format, "--date", "2026-03-04")
    expected = {"md": "Assessment date: 2026-03-04", "html": "4 March 2026", "json": "2026-03-04"}
    assert expected[memo_format] in given
    assert memo(undated, "-f", memo_format, "--date", "2026-03-04") == given


# --- house templates, actions and the next phase -------------------------------------------------

HOUSE_RULES = """\
rules:
  - id: TEST-NEXT-CONSULTATIVE
    title: Consultative selling is the next phase worth aiming for
    theme: next_phase
    severity: info
    when: {concluded: phase, eq: transactional_selling}
    advice: >
      Aim for consultative selling: it costs a needs assessment and demands listening skills.
    source: {paper: Test paper, quote: "the next phase"}
  - id: TEST-PLAN-ACTIONS
    title: A test finding with a three-step plan
    theme: test
    severity: critical
    when: {concluded: phase, eq: transactional_selling}
    advice: Plan the work for {{ account.name }}.
    actions:
      - {what: Late step, owner: sales director, due_day: 80}
      - {what: First step, owner: key account manager, due_day: 10}
      - {what: Middle step, owner: head of key accounts, due_day: 45}
    source: {paper: Test paper, quote: "plan it"}
"""


def house_pack(tmp_path: Path, templates: dict[str, str] | None = None, rules: bool = False) -> str:
    pack = tmp_path / "house"
    (pack / "templates").mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: test-house\nversion: 2.0.0\nbuilds_on: [kamadvisor-base]\n"
        "themes:\n  next_phase: {title: Next phase, order: 90}\n  test: {title: Test theme, order: 5}\n",
        encoding="utf-8",
    )
    if rules:
        (pack / "house.yaml").write_text(HOUSE_RULES, encoding="utf-8")
    for name, text in (templates or {}).items():
        (pack / "templates" / name).write_text(text, encoding="utf-8")
    return str(pack)


def test_house_pack_overrides_the_html_template_by_name(tmp_path: Path) -> None:
    pack = house_pack(
        tmp_path,
        {
            "memo.html.j2": '{% extends "base/memo.html.j2" %}\n'
            "{% block title %}<h1>Test House review: {{ account.name }}</h1>{% endblock %}\n"
            "{% block footer %}<p>Test House. Confidential.</p>{% endblock %}\n"
        },
    )
    html = memo(questionnaire(tmp_path, SCRIPT_NAME), "-f", "html", "--rules", pack)
    assert "<h1>Test House review: &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<p>Test House. Confidential.</p>" in html
    assert ">Summary</h2>" in html
    assert "Prepared with kamadvisor" not in html
    # The Markdown memo is untouched by an HTML override.
    assert memo(NORTHWIND, "--rules", pack).startswith("# Northwind Foods GmbH: key account review")


def test_house_template_errors_are_located(tmp_path: Path) -> None:
    pack = house_pack(tmp_path, {"memo.html.j2": "{{ no_such_name }}\n"})
    code, _, err = invoke("memo", NORTHWIND, "-f", "html", "--rules", pack)
    assert code == 2
    assert "memo.html.j2" in err
    assert "no_such_name" in err


@pytest.mark.parametrize("memo_format", ["md", "html"])
def test_actions_are_planned_by_day_with_reviews(memo_format: str, tmp_path: Path) -> None:
    text = memo(NORTHWIND, "-f", memo_format, "--rules", house_pack(tmp_path, rules=True))
    plan = text.split("The next 90 days", 1)[1]
    # Decisions for leadership come first, then the team's work, each by day.
    team = plan.index("Work for the account team")
    assert plan.index("Middle step") < team < plan.index("First step")
    assert plan.index("Late step") < team
    reviews = plan.split("Reviews", 1)[1]
    assert all(f"{day}" in reviews for day in (30, 60, 90))
    for owner in ("Sales director", "Key account manager", "Head of key accounts"):
        assert owner.lower() in plan.lower()


def test_json_carries_actions_and_sources(tmp_path: Path) -> None:
    data = json.loads(memo(NORTHWIND, "-f", "json", "--rules", house_pack(tmp_path, rules=True)))
    Draft202012Validator(diagnosis_schema()).validate(data)
    days = [
        (a["due_day"], a["what"]) for a in data["actions"] if a["rule_id"] == "TEST-PLAN-ACTIONS"
    ]
    assert days == [(10, "First step"), (45, "Middle step"), (80, "Late step")]
    finding = next(f for f in data["findings"] if f["rule_id"] == "TEST-PLAN-ACTIONS")
    assert finding["source"]["paper"] == "Test paper"
    assert finding["severity"] == "critical"
    assert finding["theme"] == "test"


def test_every_finding_has_its_source_in_the_memo() -> None:
    data = json.loads(memo(NORTHWIND, "-f", "json"))
    for memo_format in ("md", "html"):
        text = memo(NORTHWIND, "-f", memo_format)
        sources = text.split("Appendix: how this was diagnosed", 1)[1]
        for finding in data["findings"]:
            assert finding["rule_id"] in sources
            if finding["source"]:
                assert finding["source"]["paper"] in sources


# --- a real browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
POPPLER = shutil.which("pdftotext") and shutil.which("pdfinfo")
REQUIRE_BROWSER = os.environ.get("KAMADVISOR_REQUIRE_BROWSER") == "1"
browser_test = pytest.mark.skipif(
    not (CHROMIUM and POPPLER) and not REQUIRE_BROWSER,
    reason="needs chromium and poppler-utils (apt-get install chromium poppler-utils); "
    "set KAMADVISOR_REQUIRE_BROWSER=1 to make their absence a failure",
)


def print_to_pdf(html: str, tmp_path: Path, page_size: str | None = None) -> tuple[str, int, str]:
    """Print `html` with headless Chromium; return the PDF's text, page count and page size."""
    if not (CHROMIUM and POPPLER):
        pytest.fail("KAMADVISOR_REQUIRE_BROWSER=1, but chromium or pdftotext/pdfinfo is missing")
    if page_size:
        html = html.replace("<style>", f"<style>@page {{ size: {page_size}; }}", 1)
    tmp_path.mkdir(parents=True, exist_ok=True)
    source, pdf = tmp_path / "memo.html", tmp_path / "memo.pdf"
    source.write_text(html, encoding="utf-8")
    subprocess.run(
        [
            CHROMIUM,
            *HEADLESS_CHROMIUM,
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--print-to-pdf={pdf}",
            source.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    assert pdf.is_file()
    assert pdf.stat().st_size > 0
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    pages, size = (_info_field(info, field) for field in ("Pages", "Page size"))
    text = pdf_text(pdf, "-layout")
    return text, int(pages), size


def _info_field(info: str, field: str) -> str:
    match = re.search(rf"^{field}:\s+(.*)$", info, re.M)
    assert match is not None, info
    return match.group(1).strip()


def assert_printed_memo(text: str, pages: int, account_name: str) -> None:
    flat = " ".join(text.split())
    assert account_name in flat
    for section in (
        "Summary",
        "Where the account stands",
        "The next 90 days",
        "Appendix: how this was diagnosed",
        "Sources",
        "Our business strength",
        "Account attractiveness",
    ):
        assert section in flat, section
    # Sane: the summary and the diagnosis need more than a page; nothing explodes page by page.
    assert 2 <= pages <= 25, pages
    assert f"Page 1 of {pages}" in flat
    assert f"Page {pages} of {pages}" in flat


@browser_test
@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_html_memo_prints_in_chromium_on_letter(example: Path, tmp_path: Path) -> None:
    html = memo(str(example), "-f", "html")
    name = json.loads(memo(str(example), "-f", "json"))["account"]["name"]
    text, pages, size = print_to_pdf(html, tmp_path)
    assert "letter" in size
    assert_printed_memo(text, pages, name)


@browser_test
def test_html_memo_prints_in_chromium_on_a4(tmp_path: Path) -> None:
    text, pages, size = print_to_pdf(memo(NORTHWIND, "-f", "html"), tmp_path, "A4")
    assert "A4" in size
    assert_printed_memo(text, pages, "Northwind Foods GmbH")


@browser_test
def test_printed_memo_shows_a_script_name_as_text(tmp_path: Path) -> None:
    html = memo(questionnaire(tmp_path, SCRIPT_NAME), "-f", "html")
    text, pages, _ = print_to_pdf(html, tmp_path)
    assert_printed_memo(text, pages, SCRIPT_NAME)


# --- every placement, its confidence and its straddle, in every format ---------------------------

STRADDLING = """\
account: {name: Straddle Ltd, assessment_date: 2026-05-04}
relationship:
  focus: customer_needs
  customer_view: one_of_many
  needs_assessment: true
  joint_projects: 2
  joint_project_initiator: customer
scores: {attractiveness: 7.5, business_strength: 4.0}
"""
LABELS = {
    "phase": "Consultative selling",
    "category": "Star",
}


def _placements_shown(path: str, tmp_path: Path) -> list[tuple[str, str, str, list[str]]]:
    data = json.loads(memo(path, "-f", "json"))
    return [
        (name, p["label"], p["confidence"], p["straddles"])
        for name, p in data["placements"].items()
        if p["value"]
    ]


TITLES = {
    "phase": "KAM phase",
    "category": "Portfolio category",
    "stage": "Relational stage",
    "stance": "Strategic stance",
}
NOUNS = {"phase": "phase", "category": "account", "stage": "relationship"}


@pytest.mark.parametrize("memo_format", ["md", "html"])
@pytest.mark.parametrize("example", EXAMPLES, ids=EXAMPLE_IDS)
def test_every_memo_states_each_placement_with_its_confidence(
    example: Path, memo_format: str, tmp_path: Path
) -> None:
    text = " ".join(memo(str(example), "-f", memo_format).split())
    summary, appendix = text.split("Appendix: how this was diagnosed", 1)
    placements = _placements_shown(str(example), tmp_path)
    assert {"phase", "category", "stage"} <= {name for name, *_ in placements}
    bold = ("**", "**") if memo_format == "md" else ("<strong>", "</strong>")
    for name, label, confidence, _ in placements:
        assert confidence in ("high", "medium", "low")
        # The appendix states every placement with its confidence (after its straddle).
        stated = rf"{re.escape(bold[0] + TITLES[name] + ': ' + label + bold[1])}(, between [^(]*)? \({confidence} confidence"
        assert re.search(stated, appendix), (name, label)
        if name in NOUNS:
            # The summary's sentence too.
            said = rf"{re.escape(bold[0] + label.lower() + bold[1])} {NOUNS[name]}(, between [^(]*)? \({confidence} confidence"
            assert re.search(said, summary), (name, label)


def test_a_straddle_and_given_values_are_stated_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "straddle.yaml"
    path.write_text(STRADDLING, encoding="utf-8")
    data = json.loads(memo(str(path), "-f", "json"))
    phase, category = data["placements"]["phase"], data["placements"]["category"]
    assert (phase["value"], phase["straddles"], phase["confidence"]) == (
        "consultative_selling",
        ["consultative_selling", "preferred_supplier"],
        "low",
    )
    assert (category["value"], category["given"]) == ("star", True)
    assert category["given_facts"] == ["scores.attractiveness", "scores.business_strength"]
    for memo_format in ("md", "html", "docx"):
        if memo_format == "docx":
            result = CliRunner().invoke(cli, ["memo", str(path), "-f", "docx"])
            document = Document(io.BytesIO(result.stdout_bytes))
            text = " ".join(" ".join(p.text for p in document.paragraphs).split())
        else:
            text = " ".join(memo(str(path), "-f", memo_format).split())
        assert "phase, between consultative selling and preferred supplier (low confidence)" in text
        assert "account (medium confidence, on given values)" in text
        if memo_format != "docx":
            assert "straddles consultative selling and preferred supplier" in text
            assert "rests on values given directly" in text
    _, out, _ = invoke("assess", str(path))
    flat = " ".join(out.split())
    assert "between Consultative selling and preferred supplier" in flat
    assert "medium (given" in flat


@browser_test
def test_printed_memo_states_the_straddle_and_confidence(tmp_path: Path) -> None:
    path = tmp_path / "straddle.yaml"
    path.write_text(STRADDLING, encoding="utf-8")
    text, _, _ = print_to_pdf(memo(str(path), "-f", "html"), tmp_path)
    flat = " ".join(text.split())
    assert "between consultative selling and preferred supplier (low confidence)" in flat
    assert "medium confidence, on given values" in flat


CSP = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"


class _Beacon:
    """A local HTTP server counting the requests a printed page makes."""

    def __init__(self) -> None:
        import http.server
        import threading

        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.hits = hits
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _with_beacons(html: str, url: str) -> str:
    """Content that would load from the network if the page's policy allowed it."""
    beacons = (
        f'<img src="{url}/img"><link rel="stylesheet" href="{url}/css">'
        f'<iframe src="{url}/frame"></iframe><object data="{url}/object"></object>'
    )
    return html.replace("<body>", "<body>" + beacons, 1)


@browser_test
@pytest.mark.parametrize("kind", ["memo", "report"])
def test_every_html_output_forbids_loading_anything_in_chromium(kind: str, tmp_path: Path) -> None:
    target = tmp_path / f"{kind}.html"
    if kind == "memo":
        code, _, err = invoke("memo", str(EXAMPLES[0]), "-f", "html", "-o", str(target))
    else:
        accounts = ROOT / "examples" / "portfolio" / "accounts.csv"
        code, _, err = invoke("portfolio", str(accounts), "-f", "html", "-o", str(target))
        assert code == 1, err  # the example portfolio holds one bad row, reported and skipped
        code = 0
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert html.count(CSP) == 1
    beacon = _Beacon()
    try:
        print_to_pdf(_with_beacons(html, beacon.url), tmp_path / "with-policy")
        blocked = list(beacon.hits)
        # The same page without its policy does load them: the browser and the beacons work.
        print_to_pdf(_with_beacons(html.replace(CSP, ""), beacon.url), tmp_path / "without")
        loaded = list(beacon.hits)
    finally:
        beacon.close()
    assert blocked == []
    assert loaded, "without the policy the beacons should have been requested"
