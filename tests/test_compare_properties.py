"""Properties of comparisons over generated pairs of questionnaires (hypothesis)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import model_strategy, questionnaire_strategy

from kamadvisor.api import Advisor
from kamadvisor.compare import Comparison, assess, compare
from kamadvisor.compare_render import render_comparison
from kamadvisor.questionnaire import PreviousAction
from kamadvisor.sourcefile import SourceDocument

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EARLIER, LATER = date(2026, 1, 10), date(2026, 4, 20)


def dated(data: dict[str, Any], day: date) -> dict[str, Any]:
    data = json.loads(json.dumps(data, default=str))
    data["account"]["id"] = "P-1"
    data["account"]["assessment_date"] = day.isoformat()
    reviewed = data["planning"].get("last_reviewed")
    if reviewed is not None and reviewed > day.isoformat():
        data["planning"]["last_reviewed"] = day.isoformat()
    return data


@st.composite
def review(draw: st.DrawFn) -> dict[str, Any]:
    """A later questionnaire that may record the previous plan's actions."""
    data = dated(draw(questionnaire_strategy()), LATER)
    if draw(st.booleans()):
        action = st.builds(
            lambda fields, answers: {**fields, "answers": answers},
            model_strategy(PreviousAction),
            st.sampled_from([None, "PLAN-SHELVED", "LEAD-NO-EXECUTIVE-SPONSOR", "NOT-A-RULE"]),
        )
        actions = draw(st.none() | st.lists(action, max_size=8))
        began = draw(st.none() | st.dates(min_value=EARLIER, max_value=LATER))
        data["previous_plan"] = json.loads(
            json.dumps({"began": began, "actions": actions}, default=str)
        )
    return data


def run(advisor: Advisor, before: dict[str, Any], after: dict[str, Any]) -> Comparison:
    first = assess(advisor, SourceDocument("before", before))
    second = assess(advisor, SourceDocument("after", after))
    return compare(advisor.rulebook, first, second)


def all_findings(groups: list[Any]) -> list[Any]:
    return [finding for group in groups for finding in group.findings]


@SETTINGS
@given(before=questionnaire_strategy(), after=review())
def test_causes_are_changed_answers_and_the_sets_partition(
    before: dict[str, Any], after: dict[str, Any], advisor: Advisor
) -> None:
    comparison = run(advisor, dated(before, EARLIER), after)
    changed = {change.path for change in comparison.answers_changed}
    for moved in comparison.placements:
        assert {cause.path for cause in moved.causes} <= changed
        if (moved.before, moved.straddles_before, moved.confidence_before) == (
            moved.after,
            moved.straddles_after,
            moved.confidence_after,
        ):
            assert moved.causes == []
    resolved = {f.rule_id for f in all_findings(comparison.findings.resolved)}
    new = {f.rule_id for f in all_findings(comparison.findings.new)}
    persisting = {f.rule_id for f in all_findings(comparison.findings.persisting)}
    assert not resolved & new
    assert not resolved & persisting
    assert not new & persisting
    for item in all_findings(comparison.findings.resolved) + all_findings(comparison.findings.new):
        assert {cause.path for cause in item.causes} <= changed
    actions = comparison.actions
    counts = actions.counts
    statuses = ("done", "in_progress", "not_started", "dropped", "status_unknown")
    assert sum(counts[name] for name in statuses) == counts["recorded"] == len(actions.actions)
    for action in actions.actions:
        if action.status is None:
            assert action.overdue is not True  # unanswered is never "not done"
        if action.overdue:
            assert action.status in ("not_started", "in_progress")
            assert action.due_on is not None
            assert action.due_on <= LATER
    for compare_format in ("md", "html", "json"):
        text = render_comparison(comparison, advisor.rulebook, compare_format)  # type: ignore[arg-type]
        assert text == render_comparison(comparison, advisor.rulebook, compare_format)  # type: ignore[arg-type]


@SETTINGS
@given(data=questionnaire_strategy())
def test_the_same_answers_later_move_nothing(data: dict[str, Any], advisor: Advisor) -> None:
    data = json.loads(json.dumps(data, default=str))
    data["planning"]["last_reviewed"] = None  # the days since the review would change
    comparison = run(advisor, dated(data, EARLIER), dated(data, LATER))
    assert [change.path for change in comparison.answers_changed] == ["account.assessment_date"]
    assert all(moved.direction in ("same", "unplaced_both") for moved in comparison.placements)
    assert all(moved.causes == [] for moved in comparison.placements)
    assert comparison.findings.resolved == comparison.findings.new == []
    assert comparison.figures == []
