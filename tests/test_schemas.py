"""The schemas as contracts: the committed files under schemas/ are what the models generate, the
real outputs validate against the committed files, and a change of shape without a new version
fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import invoke
from jsonschema import Draft202012Validator

from kamadvisor import schema_registry as schemas

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "schemas"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
NAMES = ("questionnaire", "diagnosis", "report", "comparison", "portfolio-movement")


def committed(name: str) -> dict[str, Any]:
    """The committed schema of the present version, read from the checkout (not from the code)."""
    (path,) = COMMITTED.glob(f"{name}-*.json")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("name", NAMES)
def test_the_generated_schema_is_the_committed_one(name: str) -> None:
    assert schemas.schema_drift(name) is None


@pytest.mark.parametrize("name", NAMES)
def test_a_committed_schema_names_its_dialect_id_and_version(name: str) -> None:
    schema = committed(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:kamadvisor:schema:{name}:{schema['version']}"
    path = next(COMMITTED.glob(f"{name}-*.json"))
    assert path.name == f"{name}-{schema['version']}.json"


def test_a_change_of_shape_without_a_new_version_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    version, generate = schemas.SCHEMAS["report"]

    def grown() -> dict[str, Any]:
        schema = generate()
        schema["properties"]["new_field"] = {"type": "string"}
        return schema

    monkeypatch.setitem(schemas.SCHEMAS, "report", (version, grown))
    drift = schemas.schema_drift("report")
    assert drift is not None
    assert f"version is still {version}" in drift


def test_a_new_version_needs_its_committed_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    _, generate = schemas.SCHEMAS["diagnosis"]
    monkeypatch.setitem(schemas.SCHEMAS, "diagnosis", ("99.0", generate))
    drift = schemas.schema_drift("diagnosis")
    assert drift is not None
    assert "no committed schema" in drift
    assert "schemas/diagnosis-99.0.json" in drift


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("schema", "report"), "report"),
        (("schema", "diagnosis"), "diagnosis"),
        (("schema", "comparison"), "comparison"),
        (("schema", "questionnaire"), "questionnaire"),
        (("questionnaire", "schema"), "questionnaire"),
    ],
)
def test_schema_commands_print_the_committed_schema(args: tuple[str, ...], name: str) -> None:
    code, out, _ = invoke(*args)
    assert code == 0
    assert json.loads(out) == committed(name)


def test_the_json_report_validates_against_the_committed_schema(tmp_path: Path) -> None:
    portfolio = ROOT / "examples" / "portfolio"
    output = tmp_path / "report.json"
    code, _, err = invoke(
        "portfolio",
        str(portfolio / "accounts.csv"),
        "--programme",
        str(portfolio / "programme.yaml"),
        "--previous",
        str(portfolio / "report-2026-q3.json"),
        "-f",
        "json",
        "-o",
        str(output),
        "--jobs",
        "1",
    )
    assert code in (0, 1), err
    report = json.loads(output.read_text(encoding="utf-8"))
    assert report["accounts"]
    assert report["movement"] is not None
    Draft202012Validator(committed("report")).validate(report)
    del report["movement"]
    Draft202012Validator(committed("report")).validate(report)
    report["unexpected"] = 1
    assert not Draft202012Validator(committed("report")).is_valid(report)


def test_a_json_memo_validates_against_the_committed_schema() -> None:
    code, out, err = invoke("memo", str(EXAMPLES[0]), "-f", "json")
    assert code == 0, err
    Draft202012Validator(committed("diagnosis")).validate(json.loads(out))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_the_examples_validate_against_the_committed_questionnaire_schema(example: Path) -> None:
    data = json.loads(json.dumps(yaml.safe_load(example.read_text(encoding="utf-8")), default=str))
    assert list(Draft202012Validator(committed("questionnaire")).iter_errors(data)) == []


def test_a_misspelt_answer_is_refused_by_the_committed_questionnaire_schema() -> None:
    data = {"account": {"name": "A"}, "relationship": {"team_model": "solo"}}
    assert not Draft202012Validator(committed("questionnaire")).is_valid(data)


def test_a_blank_questionnaire_points_editors_at_the_committed_schema() -> None:
    code, blank, _ = invoke("questionnaire", "new")
    assert code == 0
    first = blank.splitlines()[0]
    found = re.fullmatch(r"# yaml-language-server: \$schema=(file://\S+)", first)
    assert found, first
    target = Path(found.group(1).removeprefix("file://"))
    assert json.loads(target.read_text(encoding="utf-8")) == committed("questionnaire")
