"""House packs through the CLI: layering, `rules check`, `rules test`, `rules list`, `explain`, safety."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from helpers import invoke, write_pack

ROOT = Path(__file__).resolve().parents[1]
NORTHWIND = str(ROOT / "examples" / "northwind-foods.yaml")

MANIFEST = """\
name: {name}
version: 0.1.0
builds_on: [kamadvisor-base]
themes:
  house: {{title: House, order: 90}}
"""

GOOD_RULE = """\
rules:
  - id: HOUSE-PRICE-TENDERS
    title: Buys by tender
    theme: house
    severity: low
    when: {fact: relationship.uses_tenders, eq: true}
    advice: The customer buys by tender.
    source: {paper: Cranfield, quote: "E-auctions are suitable"}
"""


def make_pack(root: Path, name: str, files: dict[str, str]) -> Path:
    (root / name).mkdir()
    return write_pack(root / name, {"pack.yaml": MANIFEST.format(name=name), **files})


def test_base_pack_checks_clean() -> None:
    code, out, _ = invoke("rules", "check", str(ROOT / "rules"))
    assert code == 0, out
    assert out.strip().endswith("0 error(s), 0 warning(s)")


def test_a_house_rule_layers_over_the_base(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "house", {"house.yaml": GOOD_RULE})
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 0, out
    code, out, _ = invoke("rules", "list", "--rules", str(pack))
    assert code == 0
    assert "packs: kamadvisor-base 0.1.0 > house 0.1.0" in out
    line = next(line for line in out.splitlines() if line.startswith("HOUSE-PRICE-TENDERS"))
    assert f"{pack / 'house.yaml'}:2" in line
    assert any(line.startswith("PHASE-T-MONTHLY-VOLUME") for line in out.splitlines())


def test_later_packs_override_earlier_ones(tmp_path: Path) -> None:
    first = make_pack(
        tmp_path,
        "first",
        {
            "first.yaml": """\
            rules:
              - id: PHASE-KAM-TITLE-TRANSACTIONAL
                replace: true
                title: First pack's title rule
                theme: phase
                severity: low
                when: {concluded: phase, eq: transactional_selling}
                advice: First.
                source: {paper: Ilsley (SMCG), quote: "may be called a key account manager"}
            """
        },
    )
    second = make_pack(
        tmp_path,
        "second",
        {
            "second.yaml": """\
            rules:
              - id: PHASE-KAM-TITLE-TRANSACTIONAL
                replace: true
                title: Second pack's title rule
                theme: phase
                severity: critical
                when: {concluded: phase, eq: transactional_selling}
                advice: Second.
                source: {paper: Ilsley (SMCG), quote: "may be called a key account manager"}
            """
        },
    )
    _, out, _ = invoke("memo", NORTHWIND, "--rules", str(first), "--rules", str(second))
    assert "Second pack's title rule" in out
    assert "First pack's title rule" not in out
    _, out, _ = invoke("memo", NORTHWIND, "--rules", str(second), "--rules", str(first))
    assert "First pack's title rule" in out
    _, listing, _ = invoke("rules", "list", "--rules", str(first), "--rules", str(second))
    line = next(x for x in listing.splitlines() if x.startswith("PHASE-KAM-TITLE-TRANSACTIONAL"))
    assert f"second  {second / 'second.yaml'}:2" in line
    assert f"(replaces {first / 'first.yaml'}:2)" in line


def test_settings_and_disabled_rules_change_the_diagnosis(tmp_path: Path) -> None:
    pack = make_pack(
        tmp_path,
        "strict",
        {
            "pack.yaml": MANIFEST.format(name="strict")
            + "settings: {phase_min_support: 30}\ndisabled: [INVEST-UNDER-STRATEGIC-RESOURCES]\n"
        },
    )
    _, base_memo, _ = invoke("memo", NORTHWIND)
    _, house_memo, _ = invoke("memo", NORTHWIND, "--rules", str(pack))
    assert "**KAM phase: Transactional selling**" in base_memo
    assert "**KAM phase: not determined**" in house_memo
    assert "INVEST-UNDER-STRATEGIC-RESOURCES" in base_memo
    assert "INVEST-UNDER-STRATEGIC-RESOURCES" not in house_memo
    _, listing, _ = invoke("rules", "list", "--rules", str(pack))
    assert "INVEST-UNDER-STRATEGIC-RESOURCES" in listing
    assert "disabled by strict" in listing


BROKEN_RULES = """\
rules:
  - id: HOUSE-ONE
    title: Unknown fact
    theme: house
    when: {fact: relationship.team_modle, eq: individual}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-TWO
    title: Unknown operator
    theme: house
    when: {fact: relationship.team_model, equals: individual}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-THREE
    title: Operator that does not fit the type
    theme: house
    when: {fact: relationship.team_model, gt: 3}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-FOUR
    title: Value outside the allowed values
    theme: house
    when: {fact: relationship.team_model, eq: solo}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-FOUR
    title: Duplicate id
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-SIX
    title: Advice naming an unknown variable
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: "{{ customer.name }} buys by tender"
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-SEVEN
    title: Advice that does not parse
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: "{% if %}"
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-EIGHT
    title: No source
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: x
  - id: HOUSE-NINE
    title: Unknown key
    theme: house
    sevrity: high
    when: {fact: relationship.uses_tenders, eq: true}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: PHASE-TRANSACTIONAL
    title: Same id as a base rule without replace
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-ELEVEN
    replace: true
    title: Replaces nothing
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-TWELVE
    title: Unknown parameter
    theme: house
    when: {fact: kam.accounts_managed, gt: {param: max_acounts}}
    advice: x
    source: {paper: Mercuri, quote: q}
  - id: HOUSE-THIRTEEN
    title: Sandbox escape
    theme: house
    when: {fact: relationship.uses_tenders, eq: true}
    advice: "{{ ''.__class__.__mro__ }}"
    source: {paper: Mercuri, quote: q}
"""

BROKEN_MANIFEST = (
    MANIFEST.format(name="broken")
    + """\
parameters:
  unused_limit: {type: integer, default: 3, description: Nobody reads this.}
settings:
  review_cadence_days: many
disabled: [NO-SUCH-RULE]
"""
)


def test_rules_check_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "broken", {"pack.yaml": BROKEN_MANIFEST, "house.yaml": BROKEN_RULES})
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 1
    rules_file = pack / "house.yaml"
    manifest = pack / "pack.yaml"
    expected = [
        (
            rules_file,
            5,
            "error",
            "unknown fact 'relationship.team_modle' (did you mean 'relationship.team_model'?)",
        ),
        (rules_file, 11, "error", "unknown operator 'equals'"),
        (rules_file, 17, "error", "'gt' compares numbers; 'relationship.team_model' is enum"),
        (rules_file, 23, "error", "'solo' is not a value of 'relationship.team_model'"),
        (rules_file, 26, "error", "duplicate rule id 'HOUSE-FOUR'"),
        (rules_file, 36, "error", "names unknown variable 'customer'"),
        (rules_file, 42, "error", "does not parse as Jinja"),
        (rules_file, 44, "warning", "rule 'HOUSE-EIGHT' has no source"),
        (rules_file, 52, "error", "unknown field 'sevrity' (did you mean 'severity'?)"),
        (rules_file, 56, "error", "rule 'PHASE-TRANSACTIONAL' is already defined"),
        (rules_file, 63, "error", "'HOUSE-ELEVEN' replaces nothing"),
        (rules_file, 72, "error", "unknown parameter 'max_acounts'"),
        (rules_file, 79, "error", "reads private attribute '__class__'"),
        (manifest, 7, "warning", "parameter 'unused_limit' is declared but no rule uses it"),
        (manifest, 9, "error", "review_cadence_days: 'many' is not an integer"),
        (manifest, 10, "error", "cannot disable 'NO-SUCH-RULE'"),
    ]
    lines = out.splitlines()
    for path, line, severity, fragment in expected:
        prefix = f"{path}:{line}:"
        assert any(
            x.startswith(prefix) and f": {severity}: " in x and fragment in x for x in lines
        ), f"missing {prefix} {severity} {fragment}\n{out}"
    assert all(x.rstrip().endswith("]") for x in lines[:-1]), "every problem carries a [code]"
    assert lines[-1].endswith(f"{len(lines) - 1 - 2} error(s), 2 warning(s)")


def test_a_missing_source_is_an_error_in_the_base_pack(tmp_path: Path) -> None:
    import shutil

    base = tmp_path / "base"
    shutil.copytree(ROOT / "rules", base)
    text = (base / "category.yaml").read_text(encoding="utf-8")
    start = text.index("    source:", text.index("CATEGORY-STRATEGIC"))
    end = text.index("\n  - id:", start)
    (base / "category.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    from kamadvisor.rulebook import build_rulebook

    _, problems = build_rulebook([base])
    missing = [p for p in problems if p.code == "missing-source"]
    assert [(p.severity, "CATEGORY-STRATEGIC" in p.message) for p in missing] == [("error", True)]


def test_cyclic_conclusions_are_reported(tmp_path: Path) -> None:
    manifest = MANIFEST.format(name="cyclic") + textwrap.dedent(
        """\
        conclusions:
          ping: {description: one, values: {done: Done}}
          pong: {description: two, values: {done: Done}}
        """
    )
    rules = """\
    rules:
      - id: HOUSE-PING
        title: ping
        theme: house
        when: {concluded: pong, eq: done}
        conclude: {ping: done}
        source: {paper: Mercuri, quote: q}
      - id: HOUSE-PONG
        title: pong
        theme: house
        when: {concluded: ping, eq: done}
        conclude: {pong: done}
        source: {paper: Mercuri, quote: q}
    """
    pack = make_pack(tmp_path, "cyclic", {"pack.yaml": manifest, "house.yaml": rules})
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 1
    assert "concluded facts form a cycle: HOUSE-PING -> HOUSE-PONG -> HOUSE-PING" in out
    assert f"{pack / 'house.yaml'}:2:" in out
    code, _, err = invoke("assess", NORTHWIND, "--rules", str(pack))
    assert code == 2
    assert "cycle" in err


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        (
            {"house.yaml": "rules: !!python/object/apply:os.system ['echo pwned']\n"},
            "not allowed: only plain data",
        ),
        (
            {"house.yaml": 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\nd: [*c,*c]\n'},
            "anchors and aliases are not allowed",
        ),
        ({"templates/memo.md.j2": "{% include '/etc/passwd' %}\n"}, "includes '/etc/passwd'"),
        (
            {"templates/memo.md.j2": "{{ ''.__class__.__mro__[1].__subclasses__() }}\n"},
            "private attribute",
        ),
    ],
)
def test_hostile_packs_fail_clearly_and_do_nothing(
    tmp_path: Path, files: dict[str, str], fragment: str
) -> None:
    pack = make_pack(tmp_path, "hostile", files)
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 1
    assert fragment in out
    assert "Traceback" not in out
    code, out, err = invoke("memo", NORTHWIND, "--rules", str(pack))
    assert code == 2
    assert "root:" not in out
    assert "Traceback" not in out + err


def test_a_template_linking_outside_its_pack_is_refused(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, "linked", {})
    (pack / "templates").mkdir()
    secret = tmp_path / "secret.j2"
    secret.write_text("SECRET CONTENT\n", encoding="utf-8")
    (pack / "templates" / "memo.md.j2").symlink_to(secret)
    code, out, err = invoke("memo", NORTHWIND, "--rules", str(pack))
    assert code == 2
    assert "SECRET CONTENT" not in out + err
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 1
    assert "outside the rule pack" in out


def test_the_example_house_pack(tmp_path: Path) -> None:
    pack = str(ROOT / "examples" / "house-pack")
    code, out, _ = invoke("rules", "check", pack)
    assert code == 0, out
    code, out, _ = invoke("rules", "test", pack)
    assert code == 0, out
    assert out.strip().endswith("passed, 0 failed")
    code, memo, _ = invoke("memo", NORTHWIND, "--rules", pack)
    assert code == 0
    assert memo.startswith("# Brightline Partners | Key account review: Northwind Foods GmbH")
    assert "Confidential." in memo


def test_rules_test_reports_expected_versus_fired(tmp_path: Path) -> None:
    cases = """\
    cases:
      - id: tenders-fire
        questionnaire: {relationship: {uses_tenders: true}}
        fires: [HOUSE-PRICE-TENDERS]
      - id: wrong-expectation
        questionnaire: {relationship: {uses_tenders: false}}
        fires: [HOUSE-PRICE-TENDERS]
    """
    pack = make_pack(tmp_path, "tested", {"house.yaml": GOOD_RULE, "tests/cases.yaml": cases})
    code, out, _ = invoke("rules", "test", str(pack))
    assert code == 1
    assert "tested/tests/cases.yaml:5: cases::wrong-expectation failed" in out
    assert "expected to fire but did not: HOUSE-PRICE-TENDERS" in out
    assert out.strip().endswith("1 passed, 1 failed")


def test_explain_shows_each_condition_and_the_chain_back_to_the_answers() -> None:
    code, out, _ = invoke("explain", NORTHWIND, "PHASE-KAM-TITLE-TRANSACTIONAL")
    assert code == 0
    assert (
        "PHASE-KAM-TITLE-TRANSACTIONAL: A key account manager title on transactional behaviour"
        in out
    )
    assert (
        "[yes] concluded phase eq transactional_selling: transactional_selling (by PHASE-TRANSACTIONAL)"
        in out
    )
    assert (
        "[yes] kam.targets contains monthly_volume: the account has ['monthly_volume', 'revenue']"
        in out
    )
    code, out, _ = invoke("explain", NORTHWIND, "INVEST-OVER-STATUS")
    assert code == 0
    assert "did not fire" in out
    assert "[no ] concluded category eq status: strategic (by CATEGORY-STRATEGIC)" in out


def test_explain_says_unanswered(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("account: {name: A}\n", encoding="utf-8")
    _, out, _ = invoke("explain", str(path), "PHASE-T-ONE-TO-ONE")
    assert "[no ] relationship.team_model eq individual: not answered" in out
    # A derived fact says what it needs; a yes/no is written as the pack writes it.
    _, out, _ = invoke("explain", str(path), "CATEGORY-STRATEGIC")
    assert (
        "scores.attractiveness gte 5.5 (parameter category_cutoff_attractiveness): not derived "
        "(it is derived from attractiveness; not enough of it is answered)"
    ) in out
    path.write_text("account: {name: A}\nplanning: {plan_exists: true}\n", encoding="utf-8")
    _, out, _ = invoke("explain", str(path), "PLAN-NOT-CO-AUTHORED")
    assert "[yes] planning.plan_exists eq true: the account has true" in out
    code, _, err = invoke("explain", str(path), "PHASE-T-ONE-TO-NONE")
    assert code == 2
    assert "did you mean 'PHASE-T-ONE-TO-ONE'" in err


def test_a_templates_directory_linking_outside_the_pack_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("SECRET CONTENT\n", encoding="utf-8")
    (outside / "memo.md.j2").write_text('{% include "secret.txt" %}\n', encoding="utf-8")
    pack = make_pack(tmp_path, "evil", {})
    (pack / "templates").symlink_to(outside, target_is_directory=True)
    code, out, err = invoke("memo", NORTHWIND, "--rules", str(pack))
    assert code == 2
    assert "SECRET CONTENT" not in out + err
    assert "outside the rule pack" in err
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 1
    assert "outside the rule pack" in out
