"""Reading questionnaires: unanswered kept apart from "no", and every problem located at once."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kamadvisor.cli import cli
from kamadvisor.errors import InputError
from kamadvisor.facts import derive_facts
from kamadvisor.questionnaire import load_questionnaire
from kamadvisor.rulebook import load_rulebook, with_parameters
from kamadvisor.sourcefile import MAX_NESTING


def write(tmp_path: Path, text: str, name: str = "q.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def problems_of(path: str) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_questionnaire(path)
    return [problem.format() for problem in caught.value.problems]


WEIGHTS = with_parameters(
    load_rulebook(),
    {
        "attractiveness_weights": {"spend_potential": 50, "growth_potential": 50},
        "business_strength_weights": {"price": 100},
    },
).derivation_plan()


def test_only_the_name_is_required(tmp_path: Path) -> None:
    questionnaire = load_questionnaire(write(tmp_path, "account:\n  name: Acme\n"))
    assert questionnaire.account.name == "Acme"
    assert questionnaire.relationship.sensitive_data_shared is None
    assert questionnaire.contacts is None


def test_unanswered_is_not_no_zero_or_empty(tmp_path: Path) -> None:
    answered = load_questionnaire(
        write(
            tmp_path,
            "account: {name: Acme}\n"
            "relationship: {sensitive_data_shared: false, joint_projects: 0, integrated_processes: []}\n"
            "contacts: []\n",
        )
    )
    facts = derive_facts(answered, WEIGHTS).values
    assert facts["relationship.sensitive_data_shared"] is False
    assert facts["relationship.joint_projects"] == 0
    assert facts["relationship.integrated_processes"] == []
    assert facts["contacts.count"] == 0

    blank = load_questionnaire(
        write(tmp_path, "account: {name: Acme}\nrelationship:\ncontacts:\n", "b.yaml")
    )
    blank_facts = derive_facts(blank, WEIGHTS)
    for name in (
        "relationship.sensitive_data_shared",
        "relationship.joint_projects",
        "contacts.count",
    ):
        assert name not in blank_facts.values
    unanswered = {question.path for question in blank_facts.unanswered}
    assert {
        "relationship.sensitive_data_shared",
        "relationship.joint_projects",
        "contacts",
    } <= unanswered


def test_all_problems_at_once_with_line_path_given_and_expected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "account:\n"
        "  name: Acme\n"
        "  nmae: typo\n"
        "economics:\n"
        "  gross_margin_pct: 140\n"
        "contacts:\n"
        "  - level: purchasing\n"
        "  - level: vp\n",
    )
    problems = problems_of(path)
    assert len(problems) == 3
    assert any(
        p.startswith(f"{path}:3:") and "account.nmae" in p and "did you mean 'name'" in p
        for p in problems
    )
    assert any(
        p.startswith(f"{path}:5:")
        and "economics.gross_margin_pct" in p
        and "140" in p
        and "at most 100" in p
        for p in problems
    )
    assert any(
        p.startswith(f"{path}:8:")
        and "contacts[1].level" in p
        and "'vp'" in p
        and "purchasing, operational, technical, senior_management, board" in p
        for p in problems
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("account:\n  name: [unclosed\n", "invalid YAML"),
        ("account:\n  name: A\n  name: B\n", "duplicate key 'name'"),
        ("account: !!python/object:os.system {name: x}\n", "not allowed: only plain data"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases are not allowed"),
        ("- just\n- a list\n", "expected a mapping with an 'account' section"),
        (
            "account: {name: A}\nplanning: {last_reviewed: 2026-13-01}\n",
            "is not a date; expected YYYY-MM-DD",
        ),
        (
            "account: {name: A}\nkam: {targets: [monthly_volume, monthly_volume]}\n",
            "listed more than once",
        ),
        (
            "account: {name: A}\nattractiveness: {growth_potential: 11}\n",
            "expected a number at most 10",
        ),
        ("account: {name: A}\nrelationship: {joint_projects: 2.5}\n", "is not a whole number"),
        ("economics: {annual_revenue: 5}\n", "account: is required but missing"),
        (
            "account: {name: A, assessment_date: 2026-01-01}\nplanning: {last_reviewed: 2026-02-01}\n",
            "is after account.assessment_date",
        ),
    ],
)
def test_bad_input_is_reported_with_its_place(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, text)
    problems = problems_of(path)
    assert any(fragment in problem and problem.startswith(path) for problem in problems), problems


def test_json_is_read_and_located(tmp_path: Path) -> None:
    path = write(tmp_path, '{"account": {"name": "X"},\n "kam": {"title": "boss"}}', "q.json")
    problems = problems_of(path)
    assert problems[0].startswith(f"{path}:2:")
    assert "kam.title" in problems[0]
    assert (
        load_questionnaire(write(tmp_path, '{"account": {"name": "X"}}', "ok.json")).account.name
        == "X"
    )


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"\xff\xfea\x00c\x00", "UTF-16"),
        (b"account:\n  name: Caf\xe9\n", "line 2"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_encodings_and_binary_are_refused_clearly(
    tmp_path: Path, raw: bytes, fragment: str
) -> None:
    path = tmp_path / "q.yaml"
    path.write_bytes(raw)
    problems = problems_of(str(path))
    text = problems[0].replace(f"{path}:2:", "line 2 ")
    assert fragment in text


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_bytes("\ufeffaccount:\n  name: Café\n".encode())
    assert load_questionnaire(str(path)).account.name == "Café"


def test_a_revenue_of_next_to_nothing_gives_no_percentages(tmp_path: Path) -> None:
    # Found by the property tests: profit / 1e-300 overflowed to infinity downstream.
    path = write(
        tmp_path,
        "account: {name: A}\neconomics: {annual_revenue: 1.0e-300, gross_margin_pct: 50, cost_to_serve: 1000}\n",
    )
    facts = derive_facts(load_questionnaire(path), WEIGHTS).values
    assert facts["economics.account_profit"] == -1000
    assert "economics.account_profit_pct" not in facts
    assert "economics.cost_to_serve_pct" not in facts


DEEP_DOCUMENTS = {
    # libyaml's composer recurses without a limit (100,000 brackets used to crash the process),
    # and its scanner has its own depth limit and wording: the product's limit must hold whatever
    # the library does, in flow and block style alike.
    "100,000 brackets": ("q.yaml", "[" * 100_000 + "]" * 100_000),
    "40 brackets": ("q.yaml", "[" * 40 + "]" * 40),
    "40 flow mappings": ("q.yaml", "{a: " * 40 + "1" + "}" * 40),
    "brackets after a quoted bracket": (
        "q.yaml",
        'account: {name: "[[[", x: ' + "[" * 2000 + "]" * 2000 + "}",
    ),
    "40 block levels": (
        "q.yaml",
        "".join("  " * level + f"k{level}:\n" for level in range(40)) + "  " * 40 + "v",
    ),
    "a quote inside a comment before the brackets": (
        "q.yaml",
        "x: [ # it's deep\n" + "[" * 2000 + "]" * 2000 + "]\n",
    ),
    "brackets after 300 KB of answers": (
        "q.yaml",
        "".join(f"k{i}: {'v' * 60}\n" for i in range(5000)) + "z: " + "[" * 2000 + "]" * 2000,
    ),
    "JSON, 40 arrays": ("q.json", "[" * 40 + "]" * 40),
    "JSON, 100,000 arrays": ("q.json", "[" * 100_000 + "]" * 100_000),
}


@pytest.mark.parametrize(("name", "text"), DEEP_DOCUMENTS.values(), ids=DEEP_DOCUMENTS.keys())
def test_a_pathologically_deep_file_is_refused_not_crashed(
    tmp_path: Path, name: str, text: str
) -> None:
    path = write(tmp_path, text, name)
    result = CliRunner().invoke(cli, ["assess", path])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert path in result.stderr
    assert "nesting" in result.stderr
    assert str(MAX_NESTING) in result.stderr
    assert re.search(rf"{re.escape(path)}:\d+:\d+: ", result.stderr)  # at a line and column


def test_brackets_in_a_comment_are_not_nesting(tmp_path: Path) -> None:
    # Two levels deep, with forty brackets in a comment and a real syntax error after them: the
    # real error is reported at its place, not a nesting limit.
    path = write(tmp_path, "account: {\n  # " + "[" * 40 + "\n  @name: x}\n")
    result = CliRunner().invoke(cli, ["assess", path])
    assert result.exit_code == 2
    assert "nesting" not in result.stderr
    assert f"{path}:3:3:" in result.stderr
