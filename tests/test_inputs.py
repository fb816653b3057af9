"""Inputs as people really fill them: Excel percent cells, other locales, .ods, LibreOffice
re-saves, and no value misread or row lost. Each test drives the real CLI or reader and compares
with the same answers typed into questionnaires, never with the reader's own earlier output."""

from __future__ import annotations

import json
import os
import re
import time
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from clients import SOFFICE, libreoffice_convert
from helpers import invoke, write_pack

ROOT = Path(__file__).resolve().parents[1]
REQUIRE_LIBREOFFICE = os.environ.get("KAMADVISOR_REQUIRE_LIBREOFFICE") == "1"
libreoffice_test = pytest.mark.skipif(
    SOFFICE is None and not REQUIRE_LIBREOFFICE,
    reason="needs LibreOffice (apt-get install libreoffice-calc-nogui); set "
    "KAMADVISOR_REQUIRE_LIBREOFFICE=1 to make its absence a failure",
)

# Three accounts as a consultant would type them into questionnaires.
ACCOUNTS: list[dict[str, dict[str, Any]]] = [
    {
        "account": {
            "name": "Müller Kältetechnik",
            "id": "MUE",
            "assessment_date": date(2026, 10, 15),
        },
        "economics": {
            "annual_revenue": 9_200_000,
            "gross_margin_pct": 22,
            "cost_to_serve": 2_663_440,
            "share_of_wallet_pct": 35.5,
        },
        "attractiveness": {
            "spend_potential": 9,
            "growth_potential": 8,
            "profit_potential": 7,
            "strategic_fit": 9,
            "openness_to_partnership": 8,
        },
        "business_strength": {
            "product_quality": 8,
            "ease_of_doing_business": 7,
            "quality_of_people": 8,
            "price": 5,
            "service": 8,
            "relationship": 7,
            "innovation": 6,
        },
        "relationship": {"joint_projects": 3, "customer_view": "preferred"},
        "planning": {"plan_exists": True, "last_reviewed": date(2026, 6, 30)},
    },
    {
        "account": {"name": "Schön Backwaren", "id": "SCH", "assessment_date": date(2026, 10, 15)},
        "economics": {"annual_revenue": 1_000, "gross_margin_pct": 12.5, "cost_to_serve": 500},
        "relationship": {"joint_projects": 0},
        "planning": {"plan_exists": True, "last_reviewed": date(2026, 1, 15)},
    },
    {
        "account": {"name": "Atlas; Sons & Co", "id": "ATL", "assessment_date": date(2026, 9, 30)},
        "economics": {"annual_revenue": 480_000.5, "gross_margin_pct": -4, "cost_to_serve": 41_000},
        "kam": {"targets": ["monthly_volume", "revenue"]},
    },
]
COLUMNS = [
    f"{section}.{field}"
    for section in (
        "account",
        "economics",
        "attractiveness",
        "business_strength",
        "relationship",
        "planning",
        "kam",
    )
    for field in sorted({f for a in ACCOUNTS for f in a.get(section, {})})
]


def report_of(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = invoke("portfolio", *args, "-f", "json", "--jobs", "1")
    assert out, err
    return code, json.loads(out), err


def comparable(report: dict[str, Any]) -> list[dict[str, Any]]:
    """What a diagnosis concluded for each account, without where the answers came from."""
    return [{k: v for k, v in a.items() if k != "source"} for a in report["accounts"]]


@pytest.fixture
def typed(tmp_path: Path) -> list[dict[str, Any]]:
    """The diagnosis of the accounts typed as questionnaires."""
    folder = tmp_path / "typed"
    folder.mkdir()
    for number, answers in enumerate(ACCOUNTS):
        (folder / f"{number}.yaml").write_text(yaml.safe_dump(answers), encoding="utf-8")
    code, report, err = report_of(str(folder))
    assert code == 0, err
    assert len(report["accounts"]) == len(ACCOUNTS)
    return comparable(report)


def value(answers: dict[str, dict[str, Any]], column: str) -> Any:
    section, field = column.split(".")
    return answers.get(section, {}).get(field)


def write_workbook(path: Path) -> None:
    """The accounts as a spreadsheet user enters them: margins and shares as percent cells, one
    amount and one score typed as text, dates as date cells, a list in one cell."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "accounts"
    sheet.append(COLUMNS)
    for row, answers in enumerate(ACCOUNTS, start=2):
        for column, name in enumerate(COLUMNS, start=1):
            given = value(answers, name)
            if given is None:
                continue
            cell = sheet.cell(row=row, column=column)
            if name.endswith("_pct"):
                cell.value = given / 100
                cell.number_format = "0.0%"
            elif isinstance(given, list):
                cell.value = ", ".join(given)
            elif isinstance(given, bool):
                cell.value = given
            else:
                cell.value = given
    revenue = COLUMNS.index("economics.annual_revenue") + 1
    sheet.cell(row=2, column=revenue).value = "9200000"  # a number stored as text
    sheet.cell(row=2, column=revenue).number_format = "@"
    fit = COLUMNS.index("attractiveness.strategic_fit") + 1
    sheet.cell(row=2, column=fit).value = "9"
    workbook.save(path)


def test_a_percent_cell_is_read_as_the_percentage_it_shows(tmp_path: Path, typed: list) -> None:
    # Before: 22% (stored 0.22) was read as 0.22 % and the account "lost" money.
    source = tmp_path / "accounts.xlsx"
    write_workbook(source)
    code, report, err = report_of(str(source))
    assert code == 0, err
    assert comparable(report) == typed
    assert report["accounts"][0]["facts"]["economics.account_profit"] == pytest.approx(-639_440)


def soffice_convert(source: Path, target_format: str, out: Path) -> Path:
    if SOFFICE is None:
        pytest.fail("KAMADVISOR_REQUIRE_LIBREOFFICE=1, but soffice is missing")
    out.mkdir()
    converted = libreoffice_convert(SOFFICE, source, target_format, out, timeout=180)
    assert converted.is_file()
    return converted


@libreoffice_test
@pytest.mark.parametrize("target_format", ["xlsx", "ods"])
def test_a_workbook_resaved_by_libreoffice_gives_the_typed_diagnosis(
    target_format: str, tmp_path: Path, typed: list
) -> None:
    source = tmp_path / "accounts.xlsx"
    write_workbook(source)
    resaved = soffice_convert(source, target_format, tmp_path / "out")
    if target_format == "ods":
        content = zipfile.ZipFile(resaved).read("content.xml").decode("utf-8")
        assert 'office:value-type="percentage"' in content, "the ods must carry percent cells"
    code, report, err = report_of(str(resaved))
    assert code == 0, err
    assert comparable(report) == typed


@libreoffice_test
def test_an_xls_percent_it_cannot_tell_apart_is_refused_not_guessed(
    tmp_path: Path, typed: list
) -> None:
    source = tmp_path / "accounts.xlsx"
    write_workbook(source)
    xls = soffice_convert(source, "xls", tmp_path / "out")
    code, report, err = report_of(str(xls))
    assert code == 1
    assert "may be a percent cell (22%) or 0.22 percent" in err
    assert report["accounts"] == [], "every account has a percent cell stored as a fraction"
    assert report["skipped_accounts"] == len(ACCOUNTS)


def test_the_template_is_the_same_bytes_whenever_it_is_written(tmp_path: Path) -> None:
    """openpyxl stamps the time of saving in the workbook's properties and its zip entries;
    the template carries a fixed one, so the same rulebook gives the same file."""
    first, second = tmp_path / "first.xlsx", tmp_path / "second.xlsx"
    assert invoke("questionnaire", "template", "-o", str(first))[0] == 0
    time.sleep(2.1)  # past the zip format's two-second resolution
    assert invoke("questionnaire", "template", "-o", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    core = zipfile.ZipFile(first).read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


@libreoffice_test
def test_libreoffice_opens_the_template_and_its_percent_columns(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert invoke("questionnaire", "template", "-o", str(template))[0] == 0
    resaved = soffice_convert(template, "ods", tmp_path / "out")
    content = zipfile.ZipFile(resaved).read("content.xml").decode("utf-8")
    assert "economics.gross_margin_pct" in content
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["accounts"]
    header = [cell.value for cell in sheet[1]]
    letter = openpyxl.utils.get_column_letter(header.index("economics.gross_margin_pct") + 1)
    assert sheet.column_dimensions[letter].number_format.endswith("%")
    rules = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    score = openpyxl.utils.get_column_letter(header.index("attractiveness.spend_potential") + 1)
    assert (rules[f"{score}2"].type, rules[f"{score}2"].formula1, rules[f"{score}2"].formula2) == (
        "whole",
        "1",
        "10",
    )
    assert (rules[f"{letter}2"].formula1, rules[f"{letter}2"].formula2) == ("-1", "1")
    assert "Percent columns" in str(workbook["help"]["A1"].value)


def german_csv(path: Path) -> None:
    """As a German Excel saves it: ';', decimal commas, thousands dots, day-first dates,
    Windows-1252 and CRLF."""
    lines = [";".join(COLUMNS)]
    for answers in ACCOUNTS:
        cells = []
        for name in COLUMNS:
            given = value(answers, name)
            if given is None:
                cells.append("")
            elif isinstance(given, date):
                cells.append(given.strftime("%d.%m.%Y"))
            elif isinstance(given, bool):
                cells.append("ja" if given else "nein")
            elif isinstance(given, list):
                cells.append(", ".join(given))
            elif isinstance(given, float | int) and name.endswith(("revenue", "serve")):
                cells.append(f"{given:,.2f}".replace(",", "_").replace(".", ",").replace("_", "."))
            elif isinstance(given, float):
                cells.append(str(given).replace(".", ","))
            else:
                cells.append(str(given))
        lines.append(";".join(f'"{c}"' if ";" in c else c for c in cells))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def test_a_german_excel_csv_reads_as_typed(tmp_path: Path, typed: list) -> None:
    # Before: every row was skipped ("not a date", "not a number") and 1.000 read as 1.0.
    source = tmp_path / "konten.csv"
    german_csv(source)
    text = source.read_bytes().decode("cp1252")
    assert "15.10.2026" in text
    assert "9.200.000,00" in text
    assert "1.000,00" in text
    code, report, err = report_of(str(source))
    assert code == 1, "'ja' is not an answer kamadvisor knows; that cell's row is skipped"
    assert "planning.plan_exists" in err
    code, report, err = report_of(str(_with_yes_no(source)))
    assert code == 0, err
    assert comparable(report) == typed


def _with_yes_no(source: Path) -> Path:
    fixed = source.with_name("konten-yes.csv")
    fixed.write_bytes(source.read_bytes().replace(b";ja", b";yes").replace(b";nein", b";no"))
    return fixed


def test_a_thousands_dot_in_a_semicolon_csv_is_a_thousand(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes(b"account.name;economics.annual_revenue\r\nSmall;1.000\r\n")
    code, report, err = report_of(str(source))
    assert code == 0, err
    assert report["accounts"][0]["facts"]["economics.annual_revenue"] == 1000


def test_a_stated_dialect_overrides_the_sniffing(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes("account.name|economics.annual_revenue\nÉclair|1.000\n".encode("cp1252"))
    code, report, err = report_of(
        str(source), "--delimiter", "|", "--decimal", ".", "--encoding", "cp1252"
    )
    assert code == 0, err
    assert report["accounts"][0]["name"] == "Éclair"
    assert report["accounts"][0]["facts"]["economics.annual_revenue"] == 1


@pytest.mark.parametrize(
    ("given", "expected"),
    [("03/04/2026", None), ("15/10/2026", "2026-10-15"), ("15.10.2026", "2026-10-15")],
)
def test_dates_are_read_day_first_or_refused_never_guessed(
    given: str, expected: str | None, tmp_path: Path
) -> None:
    source = tmp_path / "a.csv"
    source.write_text(f"account.name,account.assessment_date\nA,{given}\n", encoding="utf-8")
    code, report, err = report_of(str(source))
    if expected is None:
        assert code == 1
        assert "is ambiguous" in err
        assert "YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY" in err
    else:
        assert code == 0, err
        assert report["accounts"][0]["assessed_on"] == expected


def test_a_semicolon_csv_with_decimal_points_dates_day_first(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("account.name;account.assessment_date\nA;03/04/2026\n", encoding="utf-8")
    code, report, err = report_of(str(source))
    assert code == 0, err
    assert report["accounts"][0]["assessed_on"] == "2026-04-03"


@pytest.mark.parametrize("word", ["yes", "true", "on"])
@pytest.mark.parametrize(
    "field",
    [
        "relationship.joint_projects",
        "attractiveness.spend_potential",
        "economics.share_of_wallet_pct",
    ],
)
def test_a_yaml_boolean_is_never_a_number(word: str, field: str, tmp_path: Path) -> None:
    section, name = field.split(".")
    source = tmp_path / "q.yaml"
    source.write_text(f"account: {{name: A}}\n{section}:\n  {name}: {word}\n", encoding="utf-8")
    code, _, err = invoke("assess", str(source))
    assert code == 2
    assert f"q.yaml:3:3: {field}: is a yes/no answer" in err


def test_an_unbalanced_quote_is_reported_not_swallowing_rows(tmp_path: Path) -> None:
    # Before: the rows after the quote became one account's name, exit 0.
    source = tmp_path / "a.csv"
    source.write_text(
        'account.name,account.id\n"Alpha Ltd,A1\nBeta,B1\nGamma,G1\n', encoding="utf-8"
    )
    code, _, err = invoke("portfolio", str(source))
    assert code == 2
    assert f"{source}:2:" in err
    assert "unbalanced" in err


def test_a_stale_workbook_dimension_loses_nothing(tmp_path: Path) -> None:
    # Before: openpyxl trusted the stored <dimension> and read only what it claimed.
    fresh, stale = tmp_path / "fresh.xlsx", tmp_path / "stale.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "accounts"
    sheet.append(["account.name", "account.id", "economics.annual_revenue"])
    for number in range(1, 6):
        sheet.append([f"Account {number}", f"A{number}", 1000 * number])
    workbook.save(fresh)
    with zipfile.ZipFile(fresh) as source, zipfile.ZipFile(stale, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', data)
                assert b'ref="A1:B2"' in data
            target.writestr(item, data)
    code, report, err = report_of(str(stale))
    assert code == 0, err
    assert [a["facts"]["economics.annual_revenue"] for a in report["accounts"]] == [
        1000 * n for n in range(1, 6)
    ]


def test_one_account_failing_to_render_is_skipped_not_the_batch(tmp_path: Path) -> None:
    # Before: one ZeroDivisionError in one account's advice stopped the batch with exit 3.
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: divides\nversion: 1.0.0\nthemes:\n  house: {title: House, order: 95}\n",
        encoding="utf-8",
    )
    (pack / "house.yaml").write_text(
        "rules:\n  - id: HOUSE-PER-PROJECT\n    title: Revenue per project\n    theme: house\n"
        "    severity: low\n    when: {fact: relationship.joint_projects, gte: 0}\n"
        "    advice: '{{ facts.economics.annual_revenue // facts.relationship.joint_projects }}'\n"
        "    source: {paper: Cranfield, quote: q, note: a test rule}\n",
        encoding="utf-8",
    )
    source = tmp_path / "a.csv"
    source.write_text(
        "account.name,economics.annual_revenue,relationship.joint_projects\n"
        "Good,1000,2\nZero,1000,0\nAlso good,500,5\n",
        encoding="utf-8",
    )
    code, report, err = report_of(str(source), "--rules", str(pack))
    assert code == 1
    assert [a["name"] for a in report["accounts"]] == ["Good", "Also good"]
    assert report["skipped_accounts"] == 1
    assert f"{source} row 3: could not be diagnosed: " in err
    assert "division by zero" in err
    assert "Traceback" not in err


def test_a_comma_csv_whose_names_hold_semicolons_is_read(tmp_path: Path) -> None:
    # Before: counting ';' against ',' took ';' as the delimiter and refused the header.
    source = tmp_path / "a.csv"
    source.write_text(
        "account.name,kam.targets\n"
        '"Alpha; Beta; Gamma; Delta Holdings","revenue; profit; long_term_growth"\n'
        '"Epsilon; Sons",profit\n',
        encoding="utf-8",
    )
    code, report, err = report_of(str(source))
    assert code == 0, err
    assert [a["name"] for a in report["accounts"]] == [
        "Alpha; Beta; Gamma; Delta Holdings",
        "Epsilon; Sons",
    ]


def test_nan_weights_are_refused_and_json_is_always_finite(tmp_path: Path) -> None:
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: nan\nversion: 1.0.0\nbuilds_on: [kamadvisor-base]\nsettings:\n"
        "  attractiveness_weights: {spend_potential: .nan, growth_potential: 25,"
        " profit_potential: 25, strategic_fit: 25, openness_to_partnership: 25}\n",
        encoding="utf-8",
    )
    example = str(ROOT / "examples" / "northwind-foods.yaml")
    code, out, err = invoke("memo", example, "--rules", str(pack), "-f", "json")
    assert code == 2
    assert "spend_potential, nan, is not a finite number" in err
    assert "NaN" not in out


def test_nan_and_infinity_are_refused_in_a_table(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text(
        "account.name,economics.annual_revenue\nA,nan\nB,inf\nC,12\n", encoding="utf-8"
    )
    code, report, err = report_of(str(source))
    assert code == 1
    assert [a["name"] for a in report["accounts"]] == ["C"]
    assert err.count("is not a finite number") == 2


def test_an_ods_workbook_is_read(tmp_path: Path, typed: list) -> None:
    if SOFFICE is None:
        if REQUIRE_LIBREOFFICE:
            pytest.fail("KAMADVISOR_REQUIRE_LIBREOFFICE=1, but soffice is missing")
        pytest.skip("needs LibreOffice to write an .ods")
    source = tmp_path / "accounts.xlsx"
    write_workbook(source)
    ods = soffice_convert(source, "ods", tmp_path / "out")
    code, report, err = report_of(str(ods))
    assert code == 0, err
    assert report["accounts"][0]["facts"]["economics.account_profit"] == pytest.approx(-639_440)


def test_programme_errors_are_plain(tmp_path: Path) -> None:
    programme = tmp_path / "programme.yaml"
    programme.write_text(
        "name: P\nkam_headcount: two\nnominated_key_accounts: 3.5\nkam_sourcing: hired\n",
        encoding="utf-8",
    )
    code, _, err = invoke(
        "portfolio",
        str(ROOT / "examples" / "portfolio" / "accounts.csv"),
        "--programme",
        str(programme),
    )
    assert code == 2
    assert "programme.yaml:2:1: kam_headcount: 'two' is not a whole number" in err
    assert "programme.yaml:3:1: nominated_key_accounts: 3.5 is not a whole number" in err
    assert (
        "'hired' is not allowed (did you mean 'hired_in'?); expected one of: grown_internally, mixed, hired_in"
        in err
    )
    assert "Input should" not in err


def cases_pack(tmp_path: Path, cases: str) -> Path:
    """A pack over the base with these test cases."""
    return write_pack(
        tmp_path / "pack",
        {
            "pack.yaml": "name: cases\nversion: 1.0.0\nbuilds_on: [kamadvisor-base]\n",
            "tests/cases.yaml": cases,
        },
    )


def test_pack_case_errors_name_the_field_and_suggest(tmp_path: Path) -> None:
    pack = cases_pack(
        tmp_path,
        "cases:\n  - id: bad-headcount\n    portfolio:\n      programme: {kam_headcount: two}\n"
        "      accounts: [{account: {name: A}}]\n    fires: [PORTFOLIO-TOO-MANY-KEY-ACCOUNTS]\n"
        "  - id: bad-key\n    questionnaire: {}\n    fire: [PORTFOLIO-TOO-MANY-KEY-ACCOUNTS]\n",
    )
    code, _, err = invoke("rules", "test", str(pack))
    assert code == 2
    assert "cases.yaml:9:5: cases[1].fire: unknown field 'fire' (did you mean 'fires'?)" in err
    assert "validation error" not in err
    assert "Input should" not in err


def test_pack_case_programme_errors_are_plain(tmp_path: Path) -> None:
    pack = cases_pack(
        tmp_path,
        "cases:\n  - id: bad-headcount\n    portfolio:\n      programme: {kam_headcount: two}\n"
        "      accounts: [{account: {name: A}}]\n    fires: [PORTFOLIO-TOO-MANY-KEY-ACCOUNTS]\n",
    )
    code, _, err = invoke("rules", "test", str(pack))
    assert code == 2
    assert (
        "cases.yaml:4:19: cases[0].portfolio.programme.kam_headcount: 'two' is not a whole number"
        in err
    )
    assert "validation error" not in err
    assert "pydantic" not in err


def test_workbook_errors_name_the_cell_as_a_spreadsheet_does(tmp_path: Path) -> None:
    source = tmp_path / "accounts.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "accounts"
    sheet.cell(1, 1, "account.name")
    sheet.cell(1, 26, "economics.annual_revenue")
    for row in range(2, 15):
        sheet.cell(row, 1, f"Account {row}")
        sheet.cell(row, 26, 1000)
    sheet.cell(14, 26, "lots")
    workbook.save(source)
    code, _, err = invoke("portfolio", str(source), "-o", str(tmp_path / "r.md"))
    assert code == 1
    assert (
        f"skipped: {source}: accounts!Z14: economics.annual_revenue: 'lots' is not a number" in err
    )


def test_a_tab_in_yaml_is_named(tmp_path: Path) -> None:
    source = tmp_path / "q.yaml"
    source.write_text("account: {name: A}\nplanning:\n\tplan_exists: true\n", encoding="utf-8")
    code, _, err = invoke("assess", str(source))
    assert code == 2
    assert "q.yaml:3:1:" in err
    assert "a tab character" in err


def test_a_future_assessment_date_is_a_warning_not_an_error(tmp_path: Path) -> None:
    source = tmp_path / "q.yaml"
    source.write_text("account: {name: A, assessment_date: 2999-01-01}\n", encoding="utf-8")
    code, out, err = invoke("memo", str(source), "-f", "json")
    assert code == 0, err
    assert "warning:" in err
    assert "2999-01-01 is after today" in err
    assert json.loads(out)["assessed_on"] == "2999-01-01"


def test_contacts_of_a_repeated_id_attach_to_no_account(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("account.id,account.name\nA1,First\nA1,Second\nB1,Third\n", encoding="utf-8")
    (tmp_path / "a-contacts.csv").write_text(
        "account.id,name,level\nA1,Ann,board\nB1,Bob,purchasing\n", encoding="utf-8"
    )
    memos = tmp_path / "memos"
    code, report, err = report_of(str(source), "--memos", str(memos))
    assert code == 1
    assert [a["name"] for a in report["accounts"]] == ["Third"]
    assert report["skipped_accounts"] == 2
    assert "not attached to any account: account id 'A1' is repeated" in err
    third = json.loads((memos / report["accounts"][0]["memo"]).read_text(encoding="utf-8"))
    assert third["facts"]["contacts.count"] == 1


def test_a_percent_typed_as_text_in_a_workbook(tmp_path: Path) -> None:
    source = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "accounts"
    sheet.append(
        [
            "account.name",
            "economics.annual_revenue",
            "economics.gross_margin_pct",
            "economics.cost_to_serve",
        ]
    )
    sheet.append(["Text", 1000, "22%", 0])
    sheet.append(["Plain", 1000, 0.5, 0])  # an unformatted 0.5 in a percent column is 0.5 %
    workbook.save(source)
    code, report, err = report_of(str(source))
    assert code == 0, err
    profits = {a["name"]: a["facts"]["economics.account_profit"] for a in report["accounts"]}
    assert profits == {"Text": pytest.approx(220), "Plain": pytest.approx(5)}


def test_a_percent_cell_in_a_plain_number_column_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "accounts"
    sheet.append(["account.name", "economics.annual_revenue"])
    sheet.append(["A", 0.4])
    sheet["B2"].number_format = "0%"
    workbook.save(source)
    code, _, err = invoke("portfolio", str(source), "-o", str(tmp_path / "r.md"))
    assert code == 1
    assert (
        "accounts!B2: economics.annual_revenue: shows 40% but this column expects a plain number"
        in err
    )


def test_the_readers_take_whatever_columns_the_questionnaire_model_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A section added to the questionnaire model is a set of columns, typed by the model."""
    from typing import Literal

    from pydantic import Field

    from kamadvisor.questionnaire import SECTION_MODELS, Section
    from kamadvisor.tabular import read_batch
    from kamadvisor.workbook import account_columns

    class Given(Section):
        attractiveness: float | None = Field(None, ge=1, le=10, description="Given score.")
        stage: Literal["basic", "cooperative"] | None = Field(None, description="Given stage.")
        reviewed_on: date | None = Field(None, description="When.")

    monkeypatch.setitem(SECTION_MODELS, "given", Given)
    assert "given.attractiveness" in [column for column, *_ in account_columns()]
    source = tmp_path / "a.csv"
    source.write_text(
        "account.name;given.attractiveness;given.stage;given.reviewed_on\nA;8,2;cooperative;15.10.2026\n",
        encoding="utf-8",
    )
    (record,) = read_batch(source).records
    assert record.document.data["given"] == {
        "attractiveness": 8.2,
        "stage": "cooperative",
        "reviewed_on": "2026-10-15",
    }
