"""The portfolio report a head of key accounts reads: page one at a glance, in a real browser's
print at A4 and Letter; a matrix readable at any size (density above the pack's limit, no label
outside the picture); a 2,000-account report of a sane length; the same bytes every time."""

from __future__ import annotations

import csv
import itertools
import json
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from test_memo_formats import CHROMIUM, browser_test, print_to_pdf

from kamadvisor.api import Advisor
from kamadvisor.portfolio import PortfolioReport, PortfolioRun, portfolio_report, run_portfolio
from kamadvisor.portfolio_movement import load_previous_report, portfolio_movement
from kamadvisor.programme import load_programme
from kamadvisor.report import MATRIX_AT_RISK, MATRIX_LARGEST, render_report

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "examples" / "portfolio"
PROGRAMME = PORTFOLIO / "programme.yaml"
CUT = 5.5  # the base pack's category cut-offs on both axes


_EXAMPLE: list[PortfolioReport] = []


def example_report(advisor: Advisor) -> PortfolioReport:
    """The bundled example portfolio through the real engine (one row of it is skipped)."""
    if not _EXAMPLE:
        run = PortfolioRun(PORTFOLIO / "accounts.csv", programme=load_programme(str(PROGRAMME)))
        _EXAMPLE.append(run_portfolio(run, advisor.rulebook))
    return _EXAMPLE[0]


def scaled_report(advisor: Advisor, count: int, seed: int = 7) -> PortfolioReport:
    """`count` accounts made from the example's real diagnoses: each a copy of one of them with
    its own name and id, its scores moved at random within its own quadrant (so the category the
    engine gave it still holds) and its revenue and profit scaled; the portfolio rules then run
    on them through the engine."""
    base = example_report(advisor)
    rng = random.Random(seed)
    accounts = []
    for index in range(count):
        model = base.accounts[index % len(base.accounts)]
        facts = dict(model.facts)
        for name in ("scores.attractiveness", "scores.business_strength"):
            if isinstance(facts.get(name), int | float):
                low, high = (CUT, 10.0) if facts[name] >= CUT else (1.0, CUT - 0.01)
                facts[name] = round(rng.uniform(low, high), 2)
        scale = rng.uniform(0.2, 3.0)
        for name in ("economics.annual_revenue", "economics.account_profit"):
            if isinstance(facts.get(name), int | float):
                facts[name] = round(facts[name] * scale, -2)
        number = f"{index + 1:04d}"
        accounts.append(
            model.model_copy(
                update={"name": f"{model.name} {number}", "id": f"A{number}", "facts": facts}
            )
        )
    programme = load_programme(str(PROGRAMME))
    return portfolio_report(accounts, [], 0, programme, advisor.rulebook, None)


def svg_of(html: str) -> str:
    body = html.split('<svg class="matrix', 1)[1].split("</svg>", 1)[0]
    return f'<svg class="matrix{body}</svg>'


# --- page one, in a real browser ----------------------------------------------------------------


def example_rows() -> list[dict[str, str]]:
    """The example's rows as written, without the one the report skips (its team model is not
    one the questionnaire allows)."""
    with (PORTFOLIO / "accounts.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [row for row in rows if row["relationship.team_model"] != "solo_hero"]


def millions(amount: float) -> str:
    return f"{amount / 1e6:.2f}".rstrip("0").rstrip(".") + " million"


@browser_test
@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_page_one_holds_the_portfolio_at_a_glance(
    advisor: Advisor, tmp_path: Path, page_size: str
) -> None:
    report = example_report(advisor)
    html = render_report(report, advisor.rulebook, "html")
    text, pages, size = print_to_pdf(html, tmp_path, page_size)
    assert page_size.lower() in size.lower()
    page_one = " ".join(text.split("\f")[0].split())
    rows = example_rows()
    assert len(rows) == len(report.accounts) == 12
    # The money, totalled from the input file itself, with its currency.
    assert {row["economics.currency"] for row in rows} == {"EUR"}
    revenue = sum(float(row["economics.annual_revenue"]) for row in rows)
    assert f"EUR {millions(revenue)}" in page_one
    assert "The portfolio at a glance" in page_one
    # Accounts by category, counted from the engine's placements.
    for category in ("Strategic", "Status", "Star", "Streamline"):
        count = sum(1 for a in report.accounts if a.placements["category"].label == category)
        assert re.search(rf"\b{category}\b[\s\d]*\b{count}\b", page_one), category
    # The three decisions: the first decision of each of the three top findings.
    assert "Decisions for leadership" in page_one
    roles = advisor.rulebook.manifest.roles
    for finding in report.findings[:3]:
        first = min((a for a in finding.actions if roles[a.owner].decides), key=lambda a: a.due_day)
        assert " ".join(first.what.split()[:8]) in page_one
    # The matrix, every account's label on it, and the page footer of our own.
    assert "Our business strength" in page_one
    for number, account in enumerate(report.accounts, start=1):
        assert f"{number}. {account.name[:20]}" in page_one, account.name
    assert f"Page 1 of {pages}" in page_one
    assert "file:" not in text
    assert pages <= 8


@browser_test
@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_nothing_is_cut_at_either_page_width(
    advisor: Advisor, tmp_path: Path, page_size: str
) -> None:
    html = render_report(scaled_report(advisor, 40), advisor.rulebook, "html")
    pdf = tmp_path / "report.pdf"
    text, _, _ = print_to_pdf(html, tmp_path, page_size)
    shutil.copy(tmp_path / "memo.pdf", pdf)
    words = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    width = float(re.search(r'<page width="([\d.]+)"', words).group(1))  # type: ignore[union-attr]
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', words)]
    left_edges = [float(x) for x in re.findall(r'xMin="([\d.]+)"', words)]
    # Every word lies inside the page's margins (14 mm = 39.7 pt each side).
    assert max(right_edges) <= width - 30
    assert min(left_edges) >= 30
    flat = " ".join(text.split())
    # The table's last column is printed, and every account's row.
    assert "most severe findings" in flat.lower()
    for number in range(1, 41):
        assert f"{number:04d}" in flat, number


# --- the matrix -----------------------------------------------------------------------------------


def test_the_matrix_draws_every_account_up_to_the_limit(advisor: Advisor) -> None:
    report = scaled_report(advisor, 40)
    svg = svg_of(render_report(report, advisor.rulebook, "html"))
    assert 'class="matrix"' in svg
    assert svg.count('class="point-label"') == 40
    assert 'class="cell"' not in svg


def test_above_the_limit_the_matrix_shows_density_and_labels_a_few(advisor: Advisor) -> None:
    report = scaled_report(advisor, 41)
    svg = svg_of(render_report(report, advisor.rulebook, "html"))
    assert 'class="matrix density"' in svg
    counts = [
        int(n.replace(",", "")) for n in re.findall(r'<text class="count[^"]*"[^>]*>([\d,]+)<', svg)
    ]
    assert sum(counts) == 41, "every scored account is counted in one cell"
    labels = re.findall(r'<text class="point-label"[^>]*>(\d+)\. ', svg)
    assert 0 < len(labels) <= MATRIX_LARGEST + MATRIX_AT_RISK
    # The largest account by revenue is labelled, and so is the one with most high findings.
    revenue = [a.facts.get("economics.annual_revenue", 0) for a in report.accounts]
    assert str(revenue.index(max(revenue)) + 1) in labels
    high = [sum(f.severity in ("critical", "high") for f in a.findings) for a in report.accounts]
    assert str(high.index(max(high)) + 1) in labels
    # Each quadrant's name gives its count, taken from the engine's placements.
    for category in ("Strategic", "Status", "Star", "Streamline"):
        count = sum(1 for a in report.accounts if a.placements["category"].label == category)
        assert f">{category}: {count}<" in svg


def test_a_large_portfolio_keeps_a_picture_of_one_size(advisor: Advisor) -> None:
    svg = svg_of(render_report(scaled_report(advisor, 2_000), advisor.rulebook, "html"))
    width, height = (float(v) for v in re.search(r'viewBox="\S+ 0 (\S+) (\S+)"', svg).groups())  # type: ignore[union-attr]
    assert width < 1_000
    assert height < 600
    assert len(svg) < 20_000
    counts = [
        int(n.replace(",", "")) for n in re.findall(r'<text class="count[^"]*"[^>]*>([\d,]+)<', svg)
    ]
    assert sum(counts) == 2_000


BBOX_SCRIPT = """<script>
const svg = document.querySelector("svg.matrix");
const [x, y, w, h] = svg.getAttribute("viewBox").split(" ").map(Number);
const outside = [];
for (const text of svg.querySelectorAll("text")) {
  const box = text.getBBox();
  if (box.x < x || box.y < y || box.x + box.width > x + w || box.y + box.height > y + h) {
    outside.push(text.textContent + " " + JSON.stringify([box.x, box.y, box.width, box.height]));
  }
}
document.body.setAttribute("data-outside", JSON.stringify(outside));
document.body.setAttribute("data-texts", String(svg.querySelectorAll("text").length));
</script>"""


def labels_outside(html: str, tmp_path: Path) -> tuple[list[str], int]:
    """Every text of the report's matrix measured by Chromium in the report's own fonts and
    styles: the ones reaching outside the picture's view box."""
    if not CHROMIUM:
        pytest.fail("KAMADVISOR_REQUIRE_BROWSER=1, but chromium is missing")
    page = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    page = page.replace("</body>", BBOX_SCRIPT + "</body>")
    source = tmp_path / "measure.html"
    source.write_text(page, encoding="utf-8")
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            source.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    ).stdout
    outside = re.search(r'data-outside="([^"]*)"', dom)
    texts = re.search(r'data-texts="(\d+)"', dom)
    assert outside, dom[:500]
    assert texts, dom[:500]
    return json.loads(outside.group(1).replace("&quot;", '"')), int(texts.group(1))


@browser_test
@pytest.mark.parametrize("count", [12, 40, 2_000])
def test_no_matrix_label_reaches_outside_the_picture(
    advisor: Advisor, tmp_path: Path, count: int
) -> None:
    report = example_report(advisor) if count == 12 else scaled_report(advisor, count)
    if count == 40:  # the longest names the matrix shows, on both sides of the picture
        report = report.model_copy(
            update={
                "accounts": [
                    a.model_copy(update={"name": "WWWWWWWWWW Mmmmmmm Holding " + a.name})
                    for a in report.accounts
                ]
            }
        )
    outside, texts = labels_outside(render_report(report, advisor.rulebook, "html"), tmp_path)
    assert texts > 8
    assert outside == []


@browser_test
def test_a_2000_account_report_prints_to_a_sane_length(advisor: Advisor, tmp_path: Path) -> None:
    """Measured: 639 A4 pages before page one and the density matrix (a 13,000-unit-tall
    matrix and every name in the portfolio findings); about 80 now, nearly all of them the
    table of accounts, about 30 accounts a page."""
    html = render_report(scaled_report(advisor, 2_000), advisor.rulebook, "html")
    text, pages, _ = print_to_pdf(html, tmp_path, "A4")
    assert pages <= 110, pages
    page_one = text.split("\f")[0]
    assert "The portfolio at a glance" in page_one
    assert "Our business strength" in page_one
    assert "2,000" in page_one


# --- the same bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize("report_format", ["html", "md", "json"])
def test_the_report_renders_the_same_bytes_every_time(advisor: Advisor, report_format: str) -> None:
    report = scaled_report(advisor, 300)
    first = render_report(report, advisor.rulebook, report_format)  # type: ignore[arg-type]
    rebuilt = PortfolioReport.model_validate(
        json.loads(render_report(report, advisor.rulebook, "json"))
    )
    assert render_report(rebuilt, advisor.rulebook, report_format) == first  # type: ignore[arg-type]


# --- currency on every amount ---------------------------------------------------------------------


def test_portfolio_advice_states_the_currency_of_a_loss(advisor: Advisor) -> None:
    """The largest account turned loss-making: the unprofitable-revenue finding fires and names
    the loss with the account's currency."""
    base = example_report(advisor)
    largest = max(base.accounts, key=lambda a: a.facts["economics.annual_revenue"])
    accounts = [
        a.model_copy(update={"facts": {**a.facts, "economics.account_profit": -51_230}})
        if a is largest
        else a
        for a in base.accounts
    ]
    report = portfolio_report(
        accounts, [], 0, load_programme(str(PROGRAMME)), advisor.rulebook, None
    )
    (finding,) = [f for f in report.findings if "loss" in f.advice]
    assert f"{largest.name} (loss EUR 51,230)" in finding.advice
    for report_format in ("html", "md"):
        text = render_report(report, advisor.rulebook, report_format)  # type: ignore[arg-type]
        assert "(loss EUR 51,230)" in text


def test_a_long_list_in_portfolio_advice_names_ten_and_counts_the_rest(advisor: Advisor) -> None:
    report = scaled_report(advisor, 300)
    streamline = [a.name for a in report.accounts if a.placements["category"].value == "streamline"]
    assert len(streamline) > 10
    (finding,) = [f for f in report.findings if f.rule_id == "PORTFOLIO-RELEASE-MARGIN-STREAMLINE"]
    assert ", ".join(streamline[:10]) + f" and {len(streamline) - 10} more." in finding.advice
    assert streamline[10] not in finding.advice


# --- accessible structure -------------------------------------------------------------------------


def test_headings_in_order_and_every_table_header_scoped(advisor: Advisor) -> None:
    report = example_report(advisor)
    previous = load_previous_report(str(PORTFOLIO / "report-2026-q3.json"))
    for movement in (None, portfolio_movement(report, previous)):
        html = render_report(report, advisor.rulebook, "html", movement=movement)
        levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
        assert levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        headers = re.findall(r"<th\b[^>]*>", html)
        assert headers
        assert all("scope=" in header for header in headers), headers
