"""`rules check --format json` and `--format sarif`: the same problems as the text lines, in
shapes a CI system reads; the SARIF log holds to the SARIF 2.1.0 shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from helpers import invoke, write_pack
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]

# The parts of the SARIF 2.1.0 schema (OASIS, sarif-schema-2.1.0.json) a log of results uses:
# required properties, the version constant, the level enumeration and positive line numbers.
SARIF_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["tool"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "version": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {
                                            "type": "object",
                                            "required": ["id"],
                                            "properties": {
                                                "id": {"type": "string"},
                                                "shortDescription": {"$ref": "#/$defs/message"},
                                            },
                                        },
                                    },
                                },
                            }
                        },
                    },
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                },
            },
        },
    },
    "$defs": {
        "message": {
            "type": "object",
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
            "properties": {"text": {"type": "string"}},
        },
        "result": {
            "type": "object",
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/$defs/message"},
                "locations": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "physicalLocation": {
                                "type": "object",
                                "anyOf": [
                                    {"required": ["address"]},
                                    {"required": ["artifactLocation"]},
                                ],
                                "properties": {
                                    "artifactLocation": {
                                        "type": "object",
                                        "properties": {"uri": {"type": "string"}},
                                    },
                                    "region": {
                                        "type": "object",
                                        "properties": {
                                            "startLine": {"type": "integer", "minimum": 1},
                                            "startColumn": {"type": "integer", "minimum": 1},
                                        },
                                    },
                                },
                            },
                            "logicalLocations": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {"fullyQualifiedName": {"type": "string"}},
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}

BAD_PACK = {
    "pack.yaml": """\
        name: house
        version: 0.1.0
        themes:
          house: {title: House}
        settings:
          no_such_parameter: 3
        """,
    "house.yaml": """\
        rules:
          - id: HOUSE-ONE
            title: One
            theme: nowhere
            when: {fact: relationship.uses_tenders, eq: true}
            advice: The customer buys by tender.
        """,
}


def bad_pack(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "house", BAD_PACK)


def test_sarif_log_holds_to_the_sarif_shape_and_says_what_the_text_says(tmp_path: Path) -> None:
    pack = bad_pack(tmp_path)
    text_code, text, _ = invoke("rules", "check", str(pack))
    code, out, _ = invoke("rules", "check", str(pack), "--format", "sarif")
    assert code == text_code == 1
    log = json.loads(out)
    Draft202012Validator(SARIF_SHAPE).validate(log)
    (run,) = log["runs"]
    results = run["results"]
    lines = text.splitlines()[:-1]
    assert len(results) == len(lines) >= 3
    codes = {result["ruleId"] for result in results}
    assert {"unknown-param", "unknown-theme", "missing-source"} <= codes
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == sorted(codes)
    for result in results:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    theme = next(result for result in results if result["ruleId"] == "unknown-theme")
    location = theme["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("house/house.yaml")
    assert location["region"]["startLine"] == 4
    assert theme["level"] == "error"
    source = next(result for result in results if result["ruleId"] == "missing-source")
    assert source["level"] == "warning"


def test_a_relative_pack_gives_relative_uris(tmp_path: Path, monkeypatch: Any) -> None:
    bad_pack(tmp_path)
    monkeypatch.chdir(tmp_path)
    _, out, _ = invoke("rules", "check", "house", "--format", "sarif")
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in json.loads(out)["runs"][0]["results"]
    }
    assert uris == {"house/pack.yaml", "house/house.yaml"}


def test_json_lists_every_problem_with_its_place(tmp_path: Path) -> None:
    pack = bad_pack(tmp_path)
    code, out, _ = invoke("rules", "check", str(pack), "-f", "json")
    assert code == 1
    report = json.loads(out)
    assert report["errors"] == sum(p["severity"] == "error" for p in report["problems"]) >= 2
    assert report["warnings"] == 1
    setting = next(p for p in report["problems"] if p["code"] == "unknown-param")
    assert setting["file"].endswith("pack.yaml")
    assert setting["line"] == 6
    assert setting["path"] == "settings.no_such_parameter"
    assert "unknown parameter 'no_such_parameter'" in setting["message"]


def test_a_clean_pack_is_an_empty_log_and_exit_0() -> None:
    code, out, _ = invoke("rules", "check", str(ROOT / "examples" / "house-pack"), "-f", "sarif")
    assert code == 0
    log = json.loads(out)
    Draft202012Validator(SARIF_SHAPE).validate(log)
    assert log["runs"][0]["results"] == []
    code, out, _ = invoke("rules", "check", str(ROOT / "examples" / "house-pack"), "-f", "json")
    assert code == 0
    assert json.loads(out)["errors"] == 0


def test_the_shape_refuses_what_sarif_refuses() -> None:
    validator = Draft202012Validator(SARIF_SHAPE)
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "version": "2.0.0"})
    wrong_level = {"message": {"text": "m"}, "level": "fatal"}
    assert not validator.is_valid({**good, "runs": [{**good["runs"][0], "results": [wrong_level]}]})
