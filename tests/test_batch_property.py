"""No row lost: for generated tables with bad rows injected among good ones, every row ends as
diagnosed or skipped, and the good rows' results are those of the same rows read alone."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kamadvisor.portfolio import PortfolioReport, PortfolioRun, run_portfolio
from kamadvisor.rulebook import Rulebook, load_rulebook

HEADER = [
    "account.id",
    "account.name",
    "economics.annual_revenue",
    "economics.gross_margin_pct",
    "economics.cost_to_serve",
    "relationship.team_model",
    "relationship.joint_projects",
    "attractiveness.spend_potential",
    "business_strength.product_quality",
    "account.assessment_date",
]
TEAM_MODELS = ["individual", "ad_hoc_support", "permanent_multidisciplinary"]
RULEBOOK: Rulebook = load_rulebook()

good_rows = st.builds(
    lambda name, revenue, margin, cost, team, projects, spend, quality, day: [
        name,
        str(revenue),
        f"{margin:.1f}",
        str(cost),
        team,
        str(projects),
        str(spend),
        str(quality),
        f"2026-10-{day:02d}",
    ],
    st.text("abcdefghij KLMN", min_size=1, max_size=12).filter(str.strip),
    st.integers(0, 10_000_000),
    st.floats(-50, 60, allow_nan=False),
    st.integers(0, 500_000),
    st.sampled_from(TEAM_MODELS),
    st.integers(0, 20),
    st.integers(1, 10),
    st.integers(1, 10),
    st.integers(1, 28),
)

# Each way a row goes wrong: (what it does to a good row's cells, whether a workbook can hold it).
BAD_KINDS = {
    "unknown choice": (lambda cells: _with(cells, 4, "solo_hero"), True),
    "not a number": (lambda cells: _with(cells, 1, "lots"), True),
    "out of range": (lambda cells: _with(cells, 6, "11"), True),
    "yes for a score": (lambda cells: _with(cells, 6, "yes"), True),
    "not finite": (lambda cells: _with(cells, 1, "nan"), True),
    "ambiguous date": (lambda cells: _with(cells, 8, "03/04/2026"), True),
    "no name": (lambda cells: _with(cells, 0, ""), True),
    "short row": (lambda cells: cells[:4], False),
    "line break": (lambda cells: _with(cells, 0, "two\nlines"), False),
}


def _with(cells: list[str], index: int, value: str) -> list[str]:
    changed = list(cells)
    changed[index] = value
    return changed


def _write(path: Path, rows: list[list[str]]) -> None:
    if path.suffix == ".csv":
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([HEADER, *rows])
        path.write_text(text.getvalue(), encoding="utf-8")
        return
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "accounts"
    for row in [HEADER, *rows]:
        sheet.append([cell or None for cell in row])
    workbook.save(path)


def _run(path: Path) -> PortfolioReport:
    return run_portfolio(PortfolioRun(path=path, jobs=1), RULEBOOK)


def _results(report: PortfolioReport) -> dict[str | None, dict[str, Any]]:
    return {a.id: a.model_dump(exclude={"source"}) for a in report.accounts}


@st.composite
def tables(draw: st.DrawFn, suffix: str) -> tuple[list[list[str]], list[list[str]]]:
    """(all rows in order, the good rows alone); every row has its own id."""
    good = draw(st.lists(good_rows, min_size=1, max_size=5))
    kinds = [kind for kind, (_, fits) in BAD_KINDS.items() if fits or suffix == ".csv"]
    bad = draw(st.lists(st.tuples(st.sampled_from(kinds), good_rows), max_size=4))
    rows = [[f"G{n}", *cells] for n, cells in enumerate(good)]
    good_alone = list(rows)
    for n, (kind, cells) in enumerate(bad):
        spoiled = BAD_KINDS[kind][0]([f"B{n}", *cells][1:])
        position = draw(st.integers(0, len(rows)))
        rows.insert(position, [f"B{n}", *spoiled])
    return rows, good_alone


def _check(suffix: str, table: tuple[list[list[str]], list[list[str]]]) -> None:
    rows, good_alone = table
    with tempfile.TemporaryDirectory() as folder:
        mixed, alone = Path(folder) / f"mixed{suffix}", Path(folder) / f"alone{suffix}"
        _write(mixed, rows)
        _write(alone, good_alone)
        report, reference = _run(mixed), _run(alone)
    assert len(report.accounts) + report.skipped_accounts == len(rows)
    assert report.skipped_accounts == len(rows) - len(good_alone)
    assert {problem.place.split(":")[0] for problem in report.skipped} <= {str(mixed)}
    assert reference.skipped_accounts == 0
    assert _results(report) == _results(reference)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(".csv"))
def test_csv_rows_are_diagnosed_or_skipped_and_good_rows_unaffected(
    table: tuple[list[list[str]], list[list[str]]],
) -> None:
    _check(".csv", table)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(".xlsx"))
def test_workbook_rows_are_diagnosed_or_skipped_and_good_rows_unaffected(
    table: tuple[list[list[str]], list[list[str]]],
) -> None:
    _check(".xlsx", table)
