"""`portfolio --previous`: the portfolio's movement against a previous JSON report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from helpers import invoke
from jsonschema import Draft202012Validator

from kamadvisor.portfolio_movement import MOVEMENT_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
PORTFOLIO = ROOT / "examples" / "portfolio"
CSV = str(PORTFOLIO / "accounts.csv")
PROGRAMME = str(PORTFOLIO / "programme.yaml")
Q3 = str(ROOT / "examples" / "portfolio" / "report-2026-q3.json")


def report(*args: str) -> dict[str, Any]:
    code, out, err = invoke("portfolio", CSV, "--programme", PROGRAMME, "--jobs", "1", *args)
    assert code == 1, err  # the example's one bad row is skipped, as always
    data: dict[str, Any] = json.loads(out)
    return data


def test_movement_against_the_bundled_previous_report() -> None:
    movement = report("-f", "json", "--previous", Q3)["movement"]
    moved = {m["name"]: m for m in movement["moved"]}
    assert set(moved) == {
        "Northwind Foods GmbH",
        "Helix Pharma AG",
        "Orion Medical Devices",
        "Talon Aerospace",
    }
    helix = moved["Helix Pharma AG"]
    assert helix["changed"] == ["category"]
    assert (helix["before"]["category"], helix["after"]["category"]) == ("Strategic", "Star")
    assert (
        helix["position_before"]["business_strength"] > helix["position_after"]["business_strength"]
    )
    assert moved["Northwind Foods GmbH"]["changed"] == ["phase"]
    assert [a["name"] for a in movement["added"]] == ["Finch Garden Centres"]
    assert [a["name"] for a in movement["dropped"]] == ["Heron Paper Mills"]
    # Talon and Orion are stars now: the portfolio has star accounts to develop.
    assert "PORTFOLIO-DEVELOP-STAR-ACCOUNTS" in [f["rule_id"] for f in movement["findings_new"]]
    assert "PORTFOLIO-DEVELOP-STAR-ACCOUNTS" not in [
        f["rule_id"] for f in movement["findings_resolved"]
    ]
    assert movement["previous_assessed_on"] == "2026-07-15"


def test_the_movement_is_valid_against_its_printed_versioned_schema() -> None:
    code, out, err = invoke("schema", "portfolio-movement")
    assert code == 0, err
    schema = json.loads(out)
    assert schema["$id"] == f"urn:kamadvisor:schema:portfolio-movement:{MOVEMENT_SCHEMA_VERSION}"
    assert schema["version"] == MOVEMENT_SCHEMA_VERSION
    Draft202012Validator.check_schema(schema)
    movement = report("-f", "json", "--previous", Q3)["movement"]
    assert movement["schema_version"] == MOVEMENT_SCHEMA_VERSION
    validator = Draft202012Validator(schema)
    validator.validate(movement)
    # A contract, not a description: what the model would not write is refused.
    assert list(validator.iter_errors({**movement, "surprise": 1}))
    assert list(validator.iter_errors({**movement, "schema_version": "0.9"}))
    without_moved = {key: value for key, value in movement.items() if key != "moved"}
    assert list(validator.iter_errors(without_moved))
    moved = {**movement["moved"][0], "position_before": {"attractiveness": 5}}
    assert list(validator.iter_errors({**movement, "moved": [moved]}))


def test_a_report_against_itself_has_not_moved(tmp_path: Path) -> None:
    previous = tmp_path / "now.json"
    previous.write_text(json.dumps(report("-f", "json")), encoding="utf-8")
    movement = report("-f", "json", "--previous", str(previous))["movement"]
    assert movement["moved"] == movement["added"] == movement["dropped"] == []
    assert movement["findings_new"] == movement["findings_resolved"] == []


def test_without_previous_the_report_is_unchanged() -> None:
    assert "movement" not in report("-f", "json")


def test_html_draws_arrows_for_moved_accounts() -> None:
    code, out, _ = invoke(
        "portfolio", CSV, "--programme", PROGRAMME, "--jobs", "1", "-f", "html", "--previous", Q3
    )
    assert code == 1
    arrows = re.findall(r'<line class="moved"[^>]*><title>([^<]*)</title>', out)
    # Northwind moved phase but not on the matrix: no arrow for it.
    assert sorted(arrows) == ["Helix Pharma AG", "Orion Medical Devices", "Talon Aerospace"]
    assert "<h2>Since the previous report</h2>" in out


def test_markdown_lists_the_movement() -> None:
    code, out, _ = invoke("portfolio", CSV, "--programme", PROGRAMME, "--previous", Q3)
    assert code == 1
    assert "## Since the previous report" in out
    assert (
        "| Helix Pharma AG | Strategic | Star (moved) | Preferred supplier | Preferred supplier |"
        in out
    )
    assert "Accounts no longer in the portfolio: Heron Paper Mills." in out


def test_byte_identical_reruns() -> None:
    for report_format in ("md", "html", "json"):
        runs = [
            invoke(
                "portfolio", CSV, "--programme", PROGRAMME, "-f", report_format, "--previous", Q3
            )[1]
            for _ in range(2)
        ]
        assert runs[0] == runs[1]


def test_a_file_that_is_not_a_report_is_refused_and_located(tmp_path: Path) -> None:
    bad = tmp_path / "q3.json"
    bad.write_text(
        '{\n  "schema_version": "1.0",\n  "accounts": [{"id": "A"}],\n  "findings": []\n}\n'
    )
    code, out, err = invoke("portfolio", CSV, "--previous", str(bad))
    assert code == 2
    assert out == ""
    assert re.search(
        r"q3\.json:3:\d+: accounts\[0\]\.name: Field required; expected a portfolio", err
    )
    future = tmp_path / "future.json"
    future.write_text('{"schema_version": "2.0", "accounts": [], "findings": []}')
    code, _, err = invoke("portfolio", CSV, "--previous", str(future))
    assert code == 2
    assert "schema_version: '2.0' is not a portfolio report version" in err
