"""Properties over generated questionnaires and rule packs (hypothesis)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import questionnaire_strategy

from kamadvisor.api import Advisor
from kamadvisor.compiler import compile_rulebook
from kamadvisor.engine import RuleEngine
from kamadvisor.errors import InputError
from kamadvisor.questionnaire import SECTION_MODELS, validate_questionnaire
from kamadvisor.render import render_memo
from kamadvisor.rulebook import build_rulebook, pack_directories
from kamadvisor.sourcefile import SourceDocument

PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def as_json(data: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(data, default=str))


@PROPERTY_SETTINGS
@given(data=questionnaire_strategy())
def test_any_valid_questionnaire_assesses_and_renders_identically(
    data: dict[str, Any], advisor: Advisor
) -> None:
    questionnaire = validate_questionnaire(SourceDocument("generated", as_json(data)))
    first = render_memo(advisor.diagnose(questionnaire), advisor.rulebook)
    second = render_memo(advisor.diagnose(questionnaire), advisor.rulebook)
    assert first == second
    assert first.startswith("# ")


SCALAR_FIELDS = [
    (section, name)
    for section, model in SECTION_MODELS.items()
    for name, info in model.model_fields.items()
    if "list" not in str(info.annotation) and name != "name"
]


@st.composite
def mutation(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    data = as_json(draw(questionnaire_strategy()))
    section, field = draw(st.sampled_from(SCALAR_FIELDS))
    how = draw(st.sampled_from(["mapping", "unknown-key", "list"]))
    if how == "unknown-key":
        data[section][f"{field}_x"] = 1
        return data, f"{section}.{field}_x"
    data[section][field] = {"nested": True} if how == "mapping" else [1, 2]
    return data, f"{section}.{field}"


@PROPERTY_SETTINGS
@given(mutation())
def test_any_mutation_into_invalid_input_gives_a_clean_located_error(
    case: tuple[dict[str, Any], str],
) -> None:
    data, path = case
    with pytest.raises(InputError) as caught:
        validate_questionnaire(SourceDocument("mutated.yaml", data))
    assert path in [problem.path for problem in caught.value.problems]


MANIFEST = (
    "name: generated\nversion: 0.1.0\nthemes:\n  house: {title: House, order: 90}\nconclusions:\n"
)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=2, max_value=7).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=12),
        )
    )
)
def test_chained_conclusions_never_loop(graph: tuple[int, list[tuple[int, int]]]) -> None:
    """Rule i concludes c_i and reads c_j for each edge (i, j): a cycle is refused with its rules
    named; anything else runs to the end with each rule firing at most once."""
    count, edges = graph
    reads: dict[int, set[int]] = {i: set() for i in range(count)}
    for reader, read in edges:
        reads[reader].add(read)
    conclusions = "".join(
        f"  c{i}: {{description: c{i}, values: {{done: Done}}}}\n" for i in range(count)
    )
    rules = "rules:\n"
    for i in range(count):
        tests = [f"{{concluded: c{j}, eq: done}}" for j in sorted(reads[i])] or [
            "{fact: relationship.uses_e_auctions, eq: true}"
        ]
        rules += (
            f"  - {{id: HOUSE-R{i}, title: rule {i}, theme: house, when: {{all: [{', '.join(tests)}]}}, "
            f"conclude: {{c{i}: done}}, source: {{paper: generated, quote: q}}}}\n"
        )
    with tempfile.TemporaryDirectory() as scratch:
        pack = Path(scratch)
        (pack / "pack.yaml").write_text(MANIFEST + conclusions, encoding="utf-8")
        (pack / "house.yaml").write_text(rules, encoding="utf-8")
        rulebook, problems = build_rulebook(pack_directories([pack]))
        assert rulebook is not None
        assert [p for p in problems if p.severity == "error"] == []
        try:
            compiled = compile_rulebook(rulebook)
        except InputError as error:
            message = error.problems[0].message
            assert "cycle" in message
            named = [part.strip() for part in message.split(":", 1)[1].split("[")[0].split("->")]
            assert named[0] == named[-1]
            assert all(name.startswith("HOUSE-R") for name in named)
            return
        with RuleEngine(compiled) as engine:
            result = engine.run({"relationship.uses_e_auctions": True})
        assert len(result.fired) == len(set(result.fired))
        assert all(rule_id.startswith("HOUSE-R") for rule_id in result.fired)
