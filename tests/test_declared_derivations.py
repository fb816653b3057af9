"""The base pack's derived facts are declared in rules/questionnaire.yaml like a house's, from the
documented derivations: each derivation does what the README says, an unanswered operand gives no
fact, `rules check` locates a declaration that reads what does not exist, and a `weights`
parameter weighs the questions a house pack adds to a base section."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from helpers import BUSINESS_STRENGTH_FACTORS, assert_declaration_refused, invoke

from kamadvisor.api import open_advisor
from kamadvisor.facts import derive_facts
from kamadvisor.rulebook import load_rulebook

ROOT = Path(__file__).resolve().parents[1]
BASE = load_rulebook()
MANIFEST = """\
    name: health-house
    version: 1.0.0
    builds_on: [kamadvisor-base]
    parameters:
      health_weights:
        type: weights
        weights_of: health
        default: {trust: 60, pace: 40}
        description: Weights of the health factors.
      health_cutoff:
        type: number
        default: 6
        min: 1
        max: 10
        description: Health at and above which the relationship is healthy.
    """
HEALTH = """\
    sections:
      health:
        description: How healthy the relationship is.
        questions:
          trust: {type: score, description: Trust (1-10).}
          pace: {type: score, description: Pace (1-10).}
          overall: {type: number, min: 1, max: 10, description: Health as a summary gives it.}
          mood: {type: enum, values: [calm, tense], description: The mood.}
          began: {type: date, description: When we began working together.}
    """
SCORE = """\
    derived:
      scores.health:
        derivation: weighted_score
        section: health
        weights: health_weights
        given: health.overall
        cutoff: health_cutoff
        description: Weighted health.
      scores.health_to_cutoff:
        derivation: cutoff_distance
        of: scores.health
        description: How far health is from its cut-off.
      scores.health_pivot:
        derivation: pivot
        of: scores.health
        description: The health factor that would move the score across its cut-off.
      scores.health_lowest:
        derivation: lowest_factors
        of: scores.health
        description: The health factors at the lowest score, below the cut-off.
    """


def make_pack(root: Path, questionnaire: str, manifest: str = MANIFEST) -> Path:
    pack = root / "health-house"
    pack.mkdir()
    (pack / "pack.yaml").write_text(textwrap.dedent(manifest), encoding="utf-8")
    (pack / "questionnaire.yaml").write_text(
        textwrap.dedent(HEALTH) + textwrap.dedent(questionnaire), encoding="utf-8"
    )
    return pack


def derived(pack: Path | None, answers: dict[str, Any], as_of: date | None = None) -> Any:
    with open_advisor([pack] if pack else []) as advisor:
        model = advisor.rulebook.questionnaire
        questionnaire = model.model_validate({"account": {"name": "Orion Foods"}, **answers})
        facts, _ = advisor.run(questionnaire, as_of)
    return facts


def test_the_base_facts_are_the_base_declarations(tmp_path: Path) -> None:
    """Change a declaration in a copy of the base pack and its fact changes with it: nothing of
    the base's derived facts is left in Python but the named built-ins."""
    base = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", base)
    declaration = base / "questionnaire.yaml"
    text = declaration.read_text(encoding="utf-8")
    changed = text.replace(
        "    where: {level: [senior_management, board]}\n"
        "    description: Contacts at senior management or board level.",
        "    where: {level: board}\n    description: Contacts at board level, and only there.",
    )
    assert changed != text
    declaration.write_text(changed, encoding="utf-8")
    contacts = [{"level": "board"}, {"level": "senior_management"}, {"level": "purchasing"}]
    answers = {"account": {"name": "Orion"}, "contacts": contacts}
    copy = load_rulebook(base)
    facts = derive_facts(copy.questionnaire.model_validate(answers), copy.derivation_plan())
    assert facts.values["contacts.senior"] == 1
    assert copy.catalogue("account")["contacts.senior"].description == (
        "Contacts at board level, and only there."
    )
    bundled = derive_facts(BASE.questionnaire.model_validate(answers), BASE.derivation_plan())
    assert bundled.values["contacts.senior"] == 2


def test_the_catalogue_of_the_base_derived_facts_comes_from_the_declarations() -> None:
    catalogue = BASE.catalogue("account")
    pivot = catalogue["scores.attractiveness_pivot"]
    assert pivot.type == "enum"
    assert pivot.values == (
        "spend_potential",
        "growth_potential",
        "profit_potential",
        "strategic_fit",
        "openness_to_partnership",
    )
    assert pivot.derived_from == ("attractiveness",)
    weakest = catalogue["scores.weakest_strength_factors"]
    assert weakest.type == "set"
    assert "innovation" in weakest.values
    assert catalogue["scores.attractiveness"].derived_from == (
        "attractiveness",
        "scores.attractiveness",
    )
    # Through the facts it reads, down to the answers.
    assert catalogue["economics.account_profit"].derived_from == (
        "economics.annual_revenue",
        "economics.gross_margin_pct",
        "economics.cost_to_serve",
    )
    assert catalogue["planning.reviews_missed"].type == "integer"
    assert catalogue["previous_plan.due"].type == "integer"
    assert catalogue["previous_plan.overdue_pct"].derived_from == (
        "previous_plan.actions",
        "previous_plan.began",
        "account.assessment_date",
    )


def test_a_weighted_score_takes_its_given_answer_only_when_the_factors_make_none(
    tmp_path: Path,
) -> None:
    pack = make_pack(tmp_path, SCORE)
    from_factors = derived(pack, {"health": {"trust": 4, "pace": 9, "overall": 2}})
    assert from_factors.values["scores.health"] == 6.0
    assert from_factors.values["scores.health_to_cutoff"] == 0.0
    # At the cut-off, the factor whose smallest change takes the score below it: trust, which
    # weighs most.
    assert from_factors.values["scores.health_pivot"] == "trust"
    assert "scores.health" not in from_factors.given
    given = derived(pack, {"health": {"pace": 9, "overall": 3.5}})
    assert given.values["scores.health"] == 3.5
    assert given.values["scores.health_to_cutoff"] == 2.5
    assert given.given == ["scores.health"]
    # A given score has no factors to move.
    assert "scores.health_pivot" not in given.values
    # The given question, unanswered while the factors make the score, is no open question.
    assert "health.overall" not in {
        q.path for q in derived(pack, {"health": {"trust": 5}}).unanswered
    }
    # Too few factors and no given answer: no score, however low, and the question stays open.
    none = derived(pack, {"health": {"pace": 1}})
    for name in ("scores.health", "scores.health_to_cutoff", "scores.health_pivot"):
        assert name not in none.values
    assert "health.overall" in {q.path for q in none.unanswered}


def test_lowest_factors_are_read_from_the_answers_when_below_the_cutoff(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, SCORE)
    assert derived(pack, {"health": {"trust": 3, "pace": 3}}).values["scores.health_lowest"] == [
        "pace",
        "trust",
    ]
    # One factor answered is too few for a score, but it is still where we are weakest.
    assert derived(pack, {"health": {"pace": 2}}).values["scores.health_lowest"] == ["pace"]
    # At the cut-off nothing is weak; nothing answered, nothing is known.
    assert "scores.health_lowest" not in derived(pack, {"health": {"trust": 6, "pace": 8}}).values
    assert "scores.health_lowest" not in derived(pack, {}).values


def test_a_count_matches_unanswered_fields_with_null_and_alternatives_with_any(
    tmp_path: Path,
) -> None:
    pack = make_pack(
        tmp_path,
        """\
        derived:
          contacts.unplaced:
            derivation: count
            of: contacts
            where: {level: null}
            description: Contacts whose level was not given.
          contacts.senior_or_deciding_champions:
            derivation: count
            of: contacts
            where: {role_to_us: champion}
            any:
              - {level: [senior_management, board]}
              - {decision_role: decision_maker}
            description: Champions who are senior or decide.
          contacts.unheld:
            derivation: count
            of: contacts
            where: {our_counterpart: null}
            description: Contacts nobody on our side holds.
        """,
    )
    contacts = [
        {"level": "board", "role_to_us": "champion", "our_counterpart": "Ann"},
        {"level": "purchasing", "role_to_us": "champion", "decision_role": "decision_maker"},
        {"level": "purchasing", "role_to_us": "champion", "our_counterpart": "  "},
        {"role_to_us": "critic", "decision_role": "decision_maker"},
    ]
    values = derived(pack, {"contacts": contacts}).values
    assert values["contacts.unplaced"] == 1
    # The critic decides but is no champion; the third champion neither decides nor is senior.
    assert values["contacts.senior_or_deciding_champions"] == 2
    # A blank name holds no contact.
    assert values["contacts.unheld"] == 3
    # A role not given matches no value: it is neither counted as a champion nor as not one.
    assert (
        derived(pack, {"contacts": [{"level": "board"}]}).values[
            "contacts.senior_or_deciding_champions"
        ]
        == 0
    )
    for name in ("contacts.unplaced", "contacts.unheld"):
        assert name not in derived(pack, {}).values


def test_distinct_counts_answers_without_case_space_or_blanks() -> None:
    named = [{"our_counterpart": "Ann"}, {"our_counterpart": " ann "}, {"our_counterpart": "Bob"}]
    blank = [{"our_counterpart": "   "}, {}]
    assert derived(None, {"contacts": named + blank}).values["contacts.counterparts"] == 2
    # Nobody named is not "no counterparts": the fact is unanswered, the contacts counted unheld.
    values = derived(None, {"contacts": blank}).values
    assert "contacts.counterparts" not in values
    assert values["contacts.counterpart_unknown"] == 2


def test_profit_reads_the_unrounded_gross_profit() -> None:
    """A gross profit of 0.225 is stored as 0.23; less a cost of 0.1 the account profit is 0.125,
    0.12 when rounded, where the stored gross profit would give 0.13."""
    values = derived(
        None, {"economics": {"annual_revenue": 3, "gross_margin_pct": 7.5, "cost_to_serve": 0.1}}
    ).values
    assert values["economics.gross_profit"] == 0.23
    assert values["economics.account_profit"] == 0.12
    assert "economics.account_profit_pct" in values
    # Revenue unanswered: no gross profit, no account profit, no percentages, never 0.
    values = derived(None, {"economics": {"gross_margin_pct": 12.5, "cost_to_serve": 0.1}}).values
    assert not {name for name in values if name.startswith("economics.")} - {
        "economics.gross_margin_pct",
        "economics.cost_to_serve",
    }


def test_days_between_take_the_run_date_and_whole_cycles_round_down() -> None:
    planning = {"last_reviewed": "2026-01-01", "review_cadence_days": 30}
    values = derived(None, {"planning": planning}, as_of=date(2026, 3, 2)).values
    assert values["planning.days_since_review"] == 60
    assert values["planning.reviews_missed"] == 2
    values = derived(None, {"planning": planning}, as_of=date(2026, 3, 1)).values
    assert values["planning.reviews_missed"] == 1
    # No date to count to: no days, no reviews missed.
    assert "planning.days_since_review" not in derived(None, {"planning": planning}).values
    # The cadence unanswered: days, but no reviews missed.
    values = derived(
        None, {"planning": {"last_reviewed": "2026-01-01"}}, as_of=date(2026, 3, 2)
    ).values
    assert values["planning.days_since_review"] == 60
    assert "planning.reviews_missed" not in values


def test_whole_cycles_of_nothing_and_products_are_declared_by_a_house(tmp_path: Path) -> None:
    pack = make_pack(
        tmp_path,
        """\
        derived:
          kam.projects_per_account:
            derivation: whole_cycles
            of: [relationship.joint_projects, kam.accounts_managed]
            description: Whole joint projects per account the manager runs.
          economics.potential_margin:
            derivation: product
            of: [economics.potential_revenue, economics.gross_margin_pct]
            percent: true
            description: The gross profit the potential would bring.
          health.days_together:
            derivation: days_between
            of: [health.began, account.assessment_date]
            description: Days since we began working together.
        """,
    )
    answers = {
        "relationship": {"joint_projects": 7},
        "kam": {"accounts_managed": 3},
        "economics": {"potential_revenue": 1000, "gross_margin_pct": 25},
        "health": {"began": "2026-01-01"},
        "account": {"name": "Orion", "assessment_date": "2026-01-31"},
    }
    values = derived(pack, answers).values
    assert values["kam.projects_per_account"] == 2
    assert values["economics.potential_margin"] == 250
    assert values["health.days_together"] == 30
    # By zero accounts: no figure, never infinite or 0.
    answers["kam"] = {"accounts_managed": 0}
    assert "kam.projects_per_account" not in derived(pack, answers).values


BAD_DECLARATIONS = [
    pytest.param(
        "scores.x: {derivation: pivot, of: economics.gross_profit, description: X.}",
        "'economics.gross_profit' is not a weighted score with a cutoff",
        "unknown-fact",
        id="pivot-of-no-score",
    ),
    pytest.param(
        "scores.y: {derivation: cutoff_distance, of: scores.x, description: Y.}\n  scores.x: "
        "{derivation: weighted_score, section: health, weights: health_weights, description: X.}",
        "'scores.x' is not a weighted score with a cutoff",
        "unknown-fact",
        id="distance-of-a-score-without-cutoff",
    ),
    pytest.param(
        "scores.x: {derivation: weighted_score, section: health, weights: health_weights, "
        "given: health.mood, description: X.}",
        "'health.mood' is an enum question; expected a number or integer question",
        "fact-type",
        id="given-not-a-number",
    ),
    pytest.param(
        "scores.x: {derivation: weighted_score, section: health, weights: health_weights, "
        "given: health.overal, description: X.}",
        "'health.overal' is not a question (did you mean 'health.overall'?)",
        "unknown-fact",
        id="given-unknown",
    ),
    pytest.param(
        "scores.x: {derivation: weighted_score, section: health, weights: health_weights, "
        "cutoff: health_cutof, description: X.}",
        "unknown number parameter 'health_cutof' (did you mean 'health_cutoff'?)",
        "unknown-param",
        id="cutoff-unknown",
    ),
    pytest.param(
        "scores.x: {derivation: weighted_score, section: health, weights: health_weights, "
        "coverage: health_weights, description: X.}",
        "unknown number parameter 'health_weights'",
        "unknown-param",
        id="coverage-not-a-number-parameter",
    ),
    pytest.param(
        "scores.x: {derivation: days_between, of: [health.trust, account.assessment_date], "
        "description: X.}",
        "'health.trust' is an integer question; expected a date question",
        "fact-type",
        id="days-between-no-date",
    ),
    pytest.param(
        "scores.x: {derivation: distinct, of: contacts, field: counterpart, description: X.}",
        "'counterpart' is not a field of contacts (did you mean 'our_counterpart'?)",
        "unknown-fact",
        id="distinct-unknown-field",
    ),
    pytest.param(
        "scores.x: {derivation: distinct, of: kam.targets, field: name, description: X.}",
        "'kam.targets' is not a list of records",
        "unknown-fact",
        id="distinct-of-no-records",
    ),
    pytest.param(
        "scores.x: {derivation: count, of: contacts, any: [{level: boardroom}], description: X.}",
        "'boardroom' is not a value of contacts's level (did you mean 'board'?)",
        "value",
        id="count-any-unknown-value",
    ),
    pytest.param(
        "scores.x: {derivation: product, of: [health.mood, health.trust], description: X.}",
        "'health.mood' is an enum fact; a product reads numbers",
        "fact-type",
        id="product-of-no-number",
    ),
    pytest.param(
        "scores.x: {derivation: built_in, type: integer, reads: [contacts], description: X.}",
        "'scores.x' is no fact the Python derives",
        "unknown-fact",
        id="built-in-of-a-house",
    ),
]


@pytest.mark.parametrize(("declaration", "message", "code"), BAD_DECLARATIONS)
def test_rules_check_locates_a_declaration_reading_what_does_not_exist(
    tmp_path: Path, declaration: str, message: str, code: str
) -> None:
    pack = make_pack(tmp_path, f"derived:\n  {declaration}\n")
    # The declaration's line: after the nine lines of the health section and `derived:`.
    assert_declaration_refused(pack, 11, message, code)


def test_the_parameters_a_declaration_reads_are_used(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "")
    _, out, _ = invoke("rules", "check", str(pack))
    assert "parameter 'health_cutoff' is declared but no rule uses it" in out
    shutil.rmtree(pack)
    pack = make_pack(tmp_path, SCORE)
    exit_code, out, _ = invoke("rules", "check", str(pack))
    assert exit_code == 0, out
    assert "unused-param" not in out


SUSTAINABILITY = """\
    sections:
      business_strength:
        questions:
          sustainability:
            type: score
            description: How the customer rates our sustainability record (1-10).
    """
STRENGTH = (
    "{product_quality: 20, ease_of_doing_business: 20, quality_of_people: 10, price: 10, "
    "service: 10, relationship: 10, innovation: 10, %s: 10}"
)


def green_pack(root: Path, factor: str, cases: str = "") -> Path:
    pack = root / "greenline"
    pack.mkdir(parents=True)
    (pack / "pack.yaml").write_text(
        "name: greenline\nversion: 1.0.0\nbuilds_on: [kamadvisor-base]\nsettings:\n"
        f"  business_strength_weights: {STRENGTH % factor}\n",
        encoding="utf-8",
    )
    (pack / "questionnaire.yaml").write_text(textwrap.dedent(SUSTAINABILITY), encoding="utf-8")
    if cases:
        (pack / "tests").mkdir()
        (pack / "tests" / "cases.yaml").write_text(textwrap.dedent(cases), encoding="utf-8")
    return pack


def test_the_base_weights_weigh_a_question_a_house_adds_to_the_section(tmp_path: Path) -> None:
    pack = green_pack(tmp_path, "sustainability")
    assert invoke("rules", "check", str(pack))[0] == 0
    strength = dict.fromkeys(BUSINESS_STRENGTH_FACTORS, 6)
    values = derived(pack, {"business_strength": {**strength, "sustainability": 1}}).values
    assert values["scores.business_strength"] == 5.5
    assert values["scores.weakest_strength_factors"] == ["sustainability"]
    # The base pack alone weighs its seven factors.
    assert derived(None, {"business_strength": strength}).values["scores.business_strength"] == 6


def test_a_weight_naming_no_question_of_the_section_is_located(tmp_path: Path) -> None:
    pack = green_pack(tmp_path, "sustainabilty")
    exit_code, out, _ = invoke("rules", "check", str(pack))
    assert exit_code == 1
    assert f"{pack / 'pack.yaml'}:5:" in out
    assert (
        "'sustainabilty' is not a number factor of business_strength (did you mean "
        "'sustainability'?)"
    ) in out
    assert "[weights-mismatch]" in out
    exit_code, _, err = invoke(
        "memo", str(ROOT / "examples" / "atlas-logistics.yaml"), "--rules", str(pack)
    )
    assert exit_code == 2
    assert "'sustainabilty' is not a number factor of business_strength" in err
    assert "Traceback" not in err


CASES = """\
    cases:
      - id: house-weights-set-by-the-case
        parameters:
          business_strength_weights: {product_quality: 50, %s: 50}
        questionnaire:
          business_strength: {product_quality: 8, sustainability: 2}
        concludes: {}
    """


def test_a_cases_weights_are_checked_against_the_section_they_weigh(tmp_path: Path) -> None:
    good = green_pack(tmp_path / "good", "sustainability", CASES % "sustainability")
    exit_code, out, err = invoke("rules", "test", str(good))
    assert exit_code == 0, out + err
    bad = green_pack(tmp_path / "bad", "sustainability", CASES % "sustainabilty")
    exit_code, out, err = invoke("rules", "test", str(bad))
    assert exit_code == 2
    assert f"{bad / 'tests' / 'cases.yaml'}:2:" in err
    assert (
        "parameter business_strength_weights: 'sustainabilty' is not a number factor of "
        "business_strength (did you mean 'sustainability'?)"
    ) in err
    assert "Traceback" not in err


def test_a_cases_override_of_a_house_weights_parameter_is_checked(tmp_path: Path) -> None:
    """The example house pack's own weights, set by a case, name the factors of the house's
    section (a misspelt factor would otherwise weigh nothing, silently). Set right, they decide:
    trust and responsiveness at 4 weigh to 4, below the house's floor of 5, where the pack's own
    weights (joint planning at 10 weighing 30%) give 5.8."""
    house = tmp_path / "house-pack"
    shutil.copytree(ROOT / "examples" / "house-pack", house)
    case = textwrap.dedent(
        """\
        cases:
          - id: health-weighted-by-the-case
            parameters:
              relationship_health_weights: {trust: 50, responsivness: 50}
            questionnaire:
              attractiveness: {spend_potential: 8, growth_potential: 8, profit_potential: 8}
              business_strength: {product_quality: 8, ease_of_doing_business: 8, service: 8}
              relationship_health: {trust: 4, responsiveness: 4, joint_planning: 10}
            fires: [HOUSE-RELATIONSHIP-HEALTH-LOW]
        """
    )
    (house / "tests" / "weights.yaml").write_text(case, encoding="utf-8")
    exit_code, out, err = invoke("rules", "test", str(house))
    assert exit_code == 2
    assert f"{house / 'tests' / 'weights.yaml'}:2:" in err
    assert (
        "parameter relationship_health_weights: 'responsivness' is not a number factor of "
        "relationship_health (did you mean 'responsiveness'?)"
    ) in err
    (house / "tests" / "weights.yaml").write_text(
        case.replace("responsivness", "responsiveness"), encoding="utf-8"
    )
    exit_code, out, err = invoke("rules", "test", str(house))
    assert exit_code == 0, out + err


def test_rules_check_locates_a_mistake_in_the_base_declarations(tmp_path: Path) -> None:
    base = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", base)
    declaration = base / "questionnaire.yaml"
    text = declaration.read_text(encoding="utf-8")
    changed = text.replace(
        "    derivation: pivot\n    of: scores.attractiveness\n",
        "    derivation: pivot\n    of: scores.atractiveness\n",
    ).replace(
        "  contacts.board:\n    derivation: count\n", "  contacts.board:\n    derivation: tally\n"
    )
    assert changed.count("atractiveness") == 1
    assert "derivation: tally" in changed
    declaration.write_text(changed, encoding="utf-8")
    exit_code, out, _ = invoke("rules", "check", str(base))
    assert exit_code == 1
    pivot = changed[: changed.index("of: scores.atractiveness")].count("\n") + 1
    assert (
        f"{declaration}:{pivot}:5: error: derived.scores.attractiveness_pivot.of: "
        "'scores.atractiveness' is not a weighted score with a cutoff (did you mean "
        "'scores.attractiveness'?) [unknown-fact]"
    ) in out
    tally = changed[: changed.index("derivation: tally")].count("\n") + 1
    assert f"{declaration}:{tally}:" in out
    assert "'derivation' must be one of: weighted_score, count" in out
