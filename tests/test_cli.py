"""The command line through click's runner: commands, exit codes, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import invoke

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.yaml"))


def test_blank_questionnaire_loads_and_assesses(tmp_path: Path) -> None:
    code, blank, _ = invoke("questionnaire", "new")
    assert code == 0
    assert "# " in blank
    assert "relationship:" in blank
    assert "contacts:" in blank
    path = tmp_path / "blank.yaml"
    path.write_text(blank, encoding="utf-8")
    code, out, err = invoke("assess", str(path))
    assert code == 0, err
    assert "New account" in out
    assert "not determined" in out
    code, memo, err = invoke("memo", str(path))
    assert code == 0, err
    assert "## Questions that could change this advice" in memo
    assert "`relationship.customer_view`" in memo


def test_blank_questionnaire_explains_every_field() -> None:
    _, blank, _ = invoke("questionnaire", "new")
    field_lines = [
        line
        for line in blank.splitlines()
        if line.startswith("  ") and not line.strip().startswith("#")
    ]
    assert field_lines
    assert all("  # " in line for line in field_lines), [
        line for line in field_lines if "  # " not in line
    ]
    assert "One of: individual, ad_hoc_support" in blank


def test_schema_is_json_schema_of_the_questionnaire() -> None:
    code, out, _ = invoke("questionnaire", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["required"] == ["account"]
    assert "relationship" in schema["properties"]


def test_schema_accepts_the_examples() -> None:
    import jsonschema
    import yaml

    _, out, _ = invoke("questionnaire", "schema")
    validator = jsonschema.Draft202012Validator(json.loads(out))
    for example in EXAMPLES:
        data = yaml.safe_load(example.read_text(encoding="utf-8"))
        data = json.loads(json.dumps(data, default=str))
        assert list(validator.iter_errors(data)) == [], example.name


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("account:\n  name: [unclosed\n", "invalid YAML"),
        (
            "account: {name: A}\nrelationship: {team_model: solo}\n",
            "relationship.team_model: 'solo' is not allowed",
        ),
        ("account: {name: A, nmae: x}\n", "did you mean 'name'"),
        ("account: {name: A}\neconomics: {share_of_our_revenue_pct: 120}\n", "at most 100"),
        ("account: {name: A}\nplanning: {plan_exists: maybe}\n", "not a yes/no answer"),
    ],
)
def test_bad_input_exits_2_with_one_line_per_problem(
    tmp_path: Path, text: str, fragment: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    for command in ("assess", "memo"):
        code, out, err = invoke(command, str(path))
        assert code == 2
        assert fragment in err
        assert err.startswith(f"error: {path}:")
        assert "Traceback" not in out + err


def test_missing_file_and_bad_usage_exit_2(tmp_path: Path) -> None:
    code, _, err = invoke("assess", str(tmp_path / "nope.yaml"))
    assert code == 2
    assert "file not found" in err
    code, _, _ = invoke("memo")
    assert code == 2
    code, _, _ = invoke("memo", str(EXAMPLES[0]), "-f", "pdf")
    assert code == 2


def test_stdin_is_read_with_dash() -> None:
    code, out, err = invoke("assess", "-", stdin="account: {name: Piped Ltd}\n")
    assert code == 0, err
    assert "Piped Ltd" in out


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.stem for e in EXAMPLES])
def test_examples_give_byte_identical_memos(example: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first.md", tmp_path / "second.md"
    assert invoke("memo", str(example), "-o", str(first))[0] == 0
    assert invoke("memo", str(example), "-o", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    for heading in (
        "## Summary",
        "## The next 90 days",
        "## Appendix: how this was diagnosed",
        "**KAM phase: ",
        "**Portfolio category: ",
        "**Relational stage: ",
        "### Sources",
    ):
        assert heading in text


def test_memo_to_stdout_equals_memo_to_file(tmp_path: Path) -> None:
    target = tmp_path / "memo.md"
    invoke("memo", str(EXAMPLES[0]), "-o", str(target))
    _, out, _ = invoke("memo", str(EXAMPLES[0]))
    assert out == target.read_text(encoding="utf-8")


def test_memo_into_missing_directory_leaves_nothing(tmp_path: Path) -> None:
    code, _, err = invoke("memo", str(EXAMPLES[0]), "-o", str(tmp_path / "no" / "memo.md"))
    assert code == 2
    assert "does not exist" in err
    assert list(tmp_path.iterdir()) == []


def test_date_option_dates_an_undated_memo(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("account: {name: Undated}\n", encoding="utf-8")
    _, out, _ = invoke("memo", str(path), "--date", "2026-03-04")
    assert "Assessment date: 2026-03-04" in out
    code, _, _ = invoke("memo", str(path), "--date", "March 4")
    assert code == 2
