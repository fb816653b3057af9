"""The steps of loading a pack, each on its own: layering is a pure merge of what was read, each
check function reports its own problem code and nothing else, and a setting is validated once
through the one function every caller uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import write_pack

from kamadvisor import packchecks
from kamadvisor.layering import layer
from kamadvisor.packchecks import RULE_CHECKS, RuleSite
from kamadvisor.packmodel import Parameter, SettingRefused, validated_setting
from kamadvisor.packs import read_pack
from kamadvisor.resources import base_pack_dir

HOUSE = {
    "pack.yaml": """\
        name: house
        version: 0.1.0
        themes:
          house: {title: House}
        parameters:
          house_unused: {type: number, default: 1, description: Read by nothing.}
        causes:
          house_cause:
            title: A cause
            themes: [house, nowhere]
            measure: m
            target: t
            first_step: {what: w, owner: key account manager, due_day: 10}
        """,
    "house.yaml": """\
        rules:
          - id: HOUSE-ONE
            title: One
            theme: nowher
            weight: {param: no_such_param}
            conclude: {phase: not_a_phase, no_such_conclusion: x}
            casts_doubt_on: [no_such_placement]
            subsumes: [NO-SUCH-RULE]
            conflicts_with: [NO-SUCH-RULE]
            when: {fact: relationship.uses_tenders, eq: true}
          - id: HOUSE-TWO
            title: Two
            theme: house
            when: {fact: relationship.uses_tenders, eq: true}
        """,
}


def house_pack(tmp_path: Path) -> Path:
    return write_pack(tmp_path / "house", HOUSE)


def test_each_rule_check_reports_its_own_code_only(tmp_path: Path) -> None:
    layered = layer([read_pack(base_pack_dir()), read_pack(house_pack(tmp_path))])
    assert layered.manifest is not None
    sites = [
        RuleSite(entry, layered, layered.manifest)
        for entry in layered.entries.values()
        if entry.spec.id.startswith("HOUSE-")
    ]
    reported: dict[str, set[str]] = {}
    for check in RULE_CHECKS:
        code = check.__name__.removeprefix("check_").replace("_", "-")
        codes = {problem.code for site in sites for problem in check(site)}
        assert codes == {code}, check.__name__
        reported[code] = codes
    assert set(reported) == {
        "unknown-theme",
        "unknown-conclusion",
        "value",
        "unknown-param",
        "no-effect",
        "missing-source",
        "unknown-rule",
    }


def test_each_pack_check_reports_its_own_code_only(tmp_path: Path) -> None:
    layered = layer([read_pack(base_pack_dir()), read_pack(house_pack(tmp_path))])
    assert {p.code for p in packchecks.check_cause_themes(layered)} == {"unknown-theme"}
    assert {p.code for p in packchecks.check_conflicts(layered)} == {"unknown-rule"}
    unused = packchecks.check_unused_param(layered, [])
    assert {p.code for p in unused} == {"unused-param"}
    assert all(p.severity == "warning" for p in unused)


def test_layering_merges_without_reading_and_leaves_its_input_alone(tmp_path: Path) -> None:
    sources = [read_pack(base_pack_dir()), read_pack(house_pack(tmp_path))]
    base_rules = len(sources[0].rules)
    first = layer(sources)
    second = layer(sources)
    assert len(sources[0].rules) == base_rules
    assert list(first.entries) == list(second.entries)
    assert first.parameter_values == second.parameter_values
    assert [p.name for p in first.packs] == ["kamadvisor-base", "house"]
    assert "HOUSE-ONE" in first.entries
    assert first.parameter_values["house_unused"] == 1


def test_a_setting_is_validated_once_and_refused_with_its_reason() -> None:
    weights = Parameter(
        type="weights",
        default={"spend_potential": 100},
        description="d",
        weights_of="attractiveness",
    )
    number = Parameter(type="integer", default=3, description="d", min=1, max=5)
    assert validated_setting("n", number, 4) == 4
    with pytest.raises(SettingRefused, match=r"parameter n: 9 is outside 1\.\.5"):
        validated_setting("n", number, 9)
    with pytest.raises(SettingRefused, match=r"parameter n: 2\.5 is not an integer"):
        validated_setting("n", number, 2.5)
    with pytest.raises(SettingRefused, match="weights must be >= 0 and sum to 100"):
        validated_setting("w", weights, {"spend_potential": 50})
    assert validated_setting("w", weights, {"spend_potential": 100}) == {"spend_potential": 100}
