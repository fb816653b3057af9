"""Derived facts a pack declares (`derived:` in its questionnaire.yaml): a weighted score of a
house section, counts, differences and ratios reach the facts rules read and the fact catalogue,
and `rules check` locates every declaration that reads what does not exist."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from helpers import assert_declaration_refused

from kamadvisor import derivations
from kamadvisor.api import open_advisor
from kamadvisor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
HOUSE = ROOT / "examples" / "house-pack"
STRATEGIC: dict[str, Any] = {
    "attractiveness": dict.fromkeys(
        ["spend_potential", "growth_potential", "profit_potential", "strategic_fit"], 8
    ),
    "business_strength": dict.fromkeys(
        ["product_quality", "ease_of_doing_business", "quality_of_people", "price", "service"], 8
    ),
}
MANIFEST = """\
    name: derived-house
    version: 1.0.0
    builds_on: [kamadvisor-base]
    parameters:
      health_weights:
        type: weights
        weights_of: health
        default: {trust: 60, pace: 40}
        description: Weights of the health factors.
    """
HEALTH = """\
    sections:
      health:
        description: How healthy the relationship is.
        questions:
          trust: {type: score, description: Trust (1-10).}
          pace: {type: score, description: Pace (1-10).}
          mood: {type: enum, values: [calm, tense], description: The mood.}
    """


def make_pack(root: Path, questionnaire: str, manifest: str = MANIFEST) -> Path:
    pack = root / "derived-house"
    pack.mkdir()
    (pack / "pack.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    (pack / "questionnaire.yaml").write_text(
        textwrap.dedent(HEALTH) + textwrap.dedent(questionnaire), encoding="utf-8"
    )
    return pack


def facts_of(pack: Path, answers: dict[str, Any]) -> dict[str, Any]:
    with open_advisor([pack]) as advisor:
        model = advisor.rulebook.questionnaire
        questionnaire = model.model_validate({"account": {"name": "Orion Foods"}, **answers})
        facts, _result = advisor.run(questionnaire)
    return dict(facts.values)


def rules_check(pack: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["rules", "check", str(pack)])
    return result.exit_code, result.stdout


def test_the_house_score_weighs_the_answered_factors_and_is_unanswered_below_coverage() -> None:
    with open_advisor([HOUSE]) as advisor:
        model = advisor.rulebook.questionnaire

        def score(health: dict[str, int]) -> Any:
            answers = {"account": {"name": "Orion"}, **STRATEGIC, "relationship_health": health}
            facts, _ = advisor.run(model.model_validate(answers))
            return facts.values.get("scores.relationship_health")

        assert score({"trust": 3, "responsiveness": 6, "joint_planning": 5}) == 4.5
        # 70% of the weight answered: the mean of the answered factors, the blank not read as 0.
        assert score({"trust": 3, "joint_planning": 4}) == 3.43
        # 30% answered, under score_min_coverage_pct (50): no score, however low the answer.
        assert score({"responsiveness": 1}) is None
        assert score({}) is None


def test_the_house_score_is_in_the_catalogue_explain_and_the_memo(tmp_path: Path) -> None:
    with open_advisor([HOUSE]) as advisor:
        spec = advisor.rulebook.catalogue("account")["scores.relationship_health"]
    assert spec.type == "number"
    assert spec.derived_from == ("relationship_health",)
    answers = tmp_path / "harbour.yaml"
    answers.write_text(
        "account: {name: Harbour Foods}\n"
        f"attractiveness: {STRATEGIC['attractiveness']}\n"
        f"business_strength: {STRATEGIC['business_strength']}\n"
        "relationship_health: {trust: 3, responsiveness: 6, joint_planning: 5}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    explained = runner.invoke(
        cli, ["explain", str(answers), "HOUSE-RELATIONSHIP-HEALTH-LOW", "--rules", str(HOUSE)]
    )
    assert explained.exit_code == 0
    assert "scores.relationship_health lt 5" in explained.stdout
    assert "the account has 4.5" in explained.stdout
    memo = runner.invoke(cli, ["memo", str(answers), "--rules", str(HOUSE)])
    assert memo.exit_code == 0
    assert "We rate our relationship with Harbour Foods at 4.5 out of 10" in memo.stdout
    assert "`scores.relationship_health` = 4.5" in memo.stdout
    # Without the house pack, the fact does not exist: a rule cannot name it.
    catalogue = open_advisor().rulebook.catalogue("account")
    assert "scores.relationship_health" not in catalogue


def test_counts_differences_and_ratios_are_derived_and_unanswered_stays_unanswered(
    tmp_path: Path,
) -> None:
    pack = make_pack(
        tmp_path,
        """\
        derived:
          scores.health:
            derivation: weighted_score
            section: health
            weights: health_weights
            description: Weighted health.
          contacts.senior_champions:
            derivation: count
            of: contacts
            where: {role_to_us: [champion, executive_sponsor], level: [senior_management, board]}
            description: Senior contacts who champion us.
          team.permanent_specialists:
            derivation: count
            of: team.members
            where: {permanent: true, role: specialist}
            description: Specialists permanently on the team.
          relationship.joint_processes:
            derivation: count
            of: relationship.integrated_processes
            in: [planning, supply_chain]
            description: Planning processes we run jointly.
          scores.health_gap:
            derivation: difference
            of: [scores.attractiveness, scores.health]
            description: How far health lags attractiveness.
          economics.margin_share:
            derivation: ratio
            of: [economics.gross_profit, economics.annual_revenue]
            percent: true
            description: Gross profit as a percentage of revenue.
        """,
    )
    values = facts_of(
        pack,
        {
            **STRATEGIC,
            "health": {"trust": 5, "pace": 10},
            "contacts": [
                {"level": "board", "role_to_us": "champion"},
                {"level": "senior_management", "role_to_us": "executive_sponsor"},
                {"level": "purchasing", "role_to_us": "champion"},
                {"role_to_us": "champion"},
            ],
            "team": {
                "members": [
                    {"role": "specialist", "permanent": True},
                    {"role": "specialist", "permanent": False},
                    {"role": "specialist"},
                ]
            },
            "relationship": {"integrated_processes": ["planning", "logistics"]},
            "economics": {"annual_revenue": 2000, "gross_margin_pct": 30},
        },
    )
    assert values["scores.health"] == 7.0
    # A contact whose level was not given is not counted as senior.
    assert values["contacts.senior_champions"] == 2
    assert values["team.permanent_specialists"] == 1
    assert values["relationship.joint_processes"] == 1
    assert values["scores.health_gap"] == 1.0
    assert values["economics.margin_share"] == 30.0
    # Nothing answered: no count of an unanswered list, no difference of an unanswered score.
    empty = facts_of(pack, {"economics": {"annual_revenue": 2000}})
    for name in (
        "scores.health",
        "contacts.senior_champions",
        "team.permanent_specialists",
        "relationship.joint_processes",
        "scores.health_gap",
        "economics.margin_share",
    ):
        assert name not in empty
    # An answered, empty list counts none.
    assert facts_of(pack, {"contacts": []})["contacts.senior_champions"] == 0


BAD_DECLARATIONS = [
    pytest.param(
        "scores.x: {derivation: weighted_score, section: helth, weights: health_weights, "
        "description: X.}",
        "'helth' is not a section of the questionnaire (did you mean 'health'?)",
        "unknown-section",
        id="unknown-section",
    ),
    pytest.param(
        "scores.x: {derivation: weighted_score, section: health, weights: health_weight, "
        "description: X.}",
        "unknown weights parameter 'health_weight' (did you mean 'health_weights'?)",
        "unknown-param",
        id="unknown-weights-parameter",
    ),
    pytest.param(
        "scores.x: {derivation: weighted_score, section: attractiveness, weights: health_weights, "
        "description: X.}",
        "parameter 'health_weights' weights health, not attractiveness",
        "weights-mismatch",
        id="weights-of-another-section",
    ),
    pytest.param(
        "contacts.count: {derivation: count, of: contacts, description: X.}",
        "'contacts.count' is a fact already",
        "fact-redeclared",
        id="name-of-an-existing-fact",
    ),
    pytest.param(
        "health.trust: {derivation: count, of: contacts, description: X.}",
        "'health.trust' is a fact already",
        "fact-redeclared",
        id="name-of-a-house-question",
    ),
    pytest.param(
        "scores.x: {derivation: difference, of: [scores.attractiveness, economics.profit], "
        "description: X.}",
        "unknown fact 'economics.profit'",
        "unknown-fact",
        id="unknown-fact",
    ),
    pytest.param(
        "scores.x: {derivation: ratio, of: [health.mood, health.trust], description: X.}",
        "'health.mood' is an enum fact; a ratio reads numbers",
        "fact-type",
        id="not-a-number",
    ),
    pytest.param(
        "scores.x: {derivation: count, of: contacts, where: {stance: critic}, description: X.}",
        "'stance' is not a field of contacts",
        "unknown-fact",
        id="count-unknown-field",
    ),
    pytest.param(
        "scores.x: {derivation: count, of: contacts, where: {level: boardroom}, description: X.}",
        "'boardroom' is not a value of contacts's level (did you mean 'board'?)",
        "value",
        id="count-unknown-value",
    ),
    pytest.param(
        "scores.x: {derivation: count, of: contacs, description: X.}",
        "'contacs' is not a list of records or a list answer (did you mean 'contacts'?)",
        "unknown-fact",
        id="count-of-no-list",
    ),
    pytest.param(
        "scores.x: {derivation: average, of: [a.b, c.d], description: X.}",
        "'derivation' must be one of: weighted_score, count, difference, ratio",
        "schema",
        id="unknown-derivation",
    ),
    pytest.param(
        "scores.x: {derivation: difference, of: [scores.y, scores.attractiveness], "
        "description: X.}\n  scores.y: {derivation: ratio, of: [scores.x, scores.attractiveness], "
        "description: Y.}",
        "'scores.x' is derived, through the facts it reads, from itself",
        "derived-cycle",
        id="cycle",
    ),
]


@pytest.mark.parametrize(("declaration", "message", "code"), BAD_DECLARATIONS)
def test_rules_check_locates_a_bad_derived_fact(
    tmp_path: Path, declaration: str, message: str, code: str
) -> None:
    pack = make_pack(tmp_path, f"derived:\n  {declaration}\n")
    # The declaration's line: after the seven lines of the health section and `derived:`.
    assert_declaration_refused(pack, 9, message, code)


def test_rules_check_locates_weights_that_are_not_the_sections_factors(tmp_path: Path) -> None:
    manifest = MANIFEST.replace("{trust: 60, pace: 40}", "{trust: 60, speed: 40}")
    pack = make_pack(tmp_path, "", manifest=manifest)
    exit_code, out = rules_check(pack)
    assert exit_code == 1
    assert f"{pack / 'pack.yaml'}:8:" in out
    assert "'speed' is not a number factor of health" in out
    assert "[weights-mismatch]" in out
    # An enum answer is no factor to weigh either.
    pack.joinpath("pack.yaml").write_text(
        textwrap.dedent(MANIFEST.replace("{trust: 60, pace: 40}", "{trust: 60, mood: 40}")),
        encoding="utf-8",
    )
    exit_code, out = rules_check(pack)
    assert exit_code == 1
    assert "'mood' is not a number factor of health" in out


def test_rules_check_locates_a_weights_parameter_of_no_section(tmp_path: Path) -> None:
    pack = make_pack(
        tmp_path, "", manifest=MANIFEST.replace("weights_of: health", "weights_of: helth")
    )
    exit_code, out = rules_check(pack)
    assert exit_code == 1
    assert f"{pack / 'pack.yaml'}:7:" in out
    assert "'helth' is not a section of the questionnaire (did you mean 'health'?)" in out
    assert "[unknown-section]" in out


def test_the_plan_is_built_once_for_every_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A portfolio derives thousands of accounts: the declarations are read into a plan once an
    advisor, never once an account."""
    built: list[int] = []
    original = derivations.build_plan

    def counting(*args: Any) -> derivations.DerivationPlan:
        built.append(1)
        return original(*args)

    monkeypatch.setattr("kamadvisor.packmodel.build_plan", counting)
    with open_advisor([HOUSE]) as advisor:
        model = advisor.rulebook.questionnaire
        for trust in range(1, 11):
            answers = {
                "account": {"name": f"Account {trust}"},
                "relationship_health": {"trust": trust, "responsiveness": 5, "joint_planning": 5},
            }
            facts, _ = advisor.run(model.model_validate(answers))
            assert facts.values["scores.relationship_health"] == round(
                (trust * 40 + 5 * 30 + 5 * 30) / 100, 2
            )
    assert len(built) == 1


def test_a_pack_may_declare_derived_facts_alone(tmp_path: Path) -> None:
    pack = tmp_path / "counts-only"
    pack.mkdir()
    (pack / "pack.yaml").write_text(
        "name: counts-only\nversion: 1.0.0\nbuilds_on: [kamadvisor-base]\n", encoding="utf-8"
    )
    (pack / "questionnaire.yaml").write_text(
        "derived:\n"
        "  contacts.weak_critics:\n"
        "    derivation: count\n"
        "    of: contacts\n"
        "    where: {role_to_us: critic, strength: weak}\n"
        "    description: Critics with whom our relationship is weak.\n",
        encoding="utf-8",
    )
    assert rules_check(pack)[0] == 0
    contacts = [
        {"role_to_us": "critic", "strength": "weak"},
        {"role_to_us": "critic", "strength": "strong"},
        {"role_to_us": "critic"},
    ]
    assert facts_of(pack, {"contacts": contacts})["contacts.weak_critics"] == 1


def test_a_later_packs_weights_are_checked_against_the_section(tmp_path: Path) -> None:
    """Settings change the weights a score is built with; as finally set, they are still the
    section's factors."""
    later = tmp_path / "later"
    later.mkdir()
    (later / "pack.yaml").write_text(
        "name: later\nversion: 1.0.0\nbuilds_on: [brightline-partners]\n"
        "settings:\n  relationship_health_weights: {trust: 50, responsivness: 50}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        cli, ["rules", "list", "--rules", str(HOUSE), "--rules", str(later)]
    )
    assert result.exit_code == 2
    assert f"{later / 'pack.yaml'}:5:" in result.stderr
    assert "'responsivness' is not a number factor of relationship_health" in result.stderr
    assert "(did you mean 'responsiveness'?)" in result.stderr
    (later / "pack.yaml").write_text(
        "name: later\nversion: 1.0.0\nbuilds_on: [brightline-partners]\n"
        "settings:\n  relationship_health_weights: {trust: 10, responsiveness: 80, joint_planning: 10}\n",
        encoding="utf-8",
    )
    with open_advisor([HOUSE, later]) as advisor:
        model = advisor.rulebook.questionnaire
        answers = {
            "account": {"name": "A"},
            "relationship_health": {"trust": 3, "responsiveness": 8, "joint_planning": 3},
        }
        facts, _ = advisor.run(model.model_validate(answers))
    assert facts.values["scores.relationship_health"] == 7.0
