"""Comparisons of two assessments of one account: movements and the answers that caused them,
findings resolved, new and persisting, the previous plan's actions followed up, refusals of
pairs that are not two assessments of one account in order, and deterministic output."""

from __future__ import annotations

import copy
import io
import json
import os
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from clients import SOFFICE, libreoffice_convert, pdf_text
from docx import Document
from helpers import invoke
from jsonschema import Draft202012Validator
from test_memo_formats import browser_test, print_to_pdf

from kamadvisor.compare import COMPARISON_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NORTHWIND = EXAMPLES / "northwind-foods.yaml"
HELIX = EXAMPLES / "helix-pharma.yaml"
NORTHWIND_LATER = EXAMPLES / "history" / "northwind-foods-2026-11.yaml"
HELIX_LATER = EXAMPLES / "history" / "helix-pharma-2026-11.yaml"
PAIRS = [(NORTHWIND, NORTHWIND_LATER), (HELIX, HELIX_LATER)]
PAIR_IDS = ["northwind", "helix"]


def compare_json(before: Path | str, after: Path | str) -> dict[str, Any]:
    code, out, err = invoke("compare", str(before), str(after), "-f", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    target = tmp_path / name
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def later_copy(example: Path, tmp_path: Path, changes: dict[str, Any], date: str) -> Path:
    """The example with the answers at `changes` (dotted paths) replaced, assessed on `date`."""
    data = copy.deepcopy(load(example))
    data["account"]["assessment_date"] = date
    for path, value in changes.items():
        section, field = path.split(".")
        data.setdefault(section, {})[field] = value
    return write(tmp_path, "later.yaml", data)


def planned_actions(example: Path) -> list[dict[str, Any]]:
    """The 90-day actions of the example's own memo: what a review follows up."""
    code, out, err = invoke("memo", str(example), "-f", "json")
    assert code == 0, err
    return [
        {key: action[key] for key in ("what", "owner", "due_day", "rule_id")}
        for action in json.loads(out)["actions"]
    ]


def movement(comparison: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in comparison["placements"] if m["name"] == name)
    return found


def rule_ids(groups: list[dict[str, Any]]) -> list[str]:
    return [finding["rule_id"] for group in groups for finding in group["findings"]]


def finding(comparison: dict[str, Any], kind: str, rule_id: str) -> dict[str, Any]:
    for group in comparison["findings"][kind]:
        for item in group["findings"]:
            if item["rule_id"] == rule_id:
                return dict(item)
    raise AssertionError(f"{rule_id} not {kind}")


# --- one answer changes, and the comparison names it -------------------------------------------


@pytest.mark.parametrize(
    ("example", "path", "value", "placement", "before", "after"),
    [
        # Our ease of doing business lifts the strength score over the cut-off: a star becomes
        # strategic.
        (HELIX, "business_strength.ease_of_doing_business", 10, "category", "star", "strategic"),
        # Sensitive data shared on an otherwise basic relationship: a mark of a far later stage
        # that the rest contradicts, and the stage is no longer placed.
        (NORTHWIND, "relationship.sensitive_data_shared", True, "stage", "basic", None),
    ],
    ids=["strength-moves-category", "shared-data-unplaces-stage"],
)
def test_one_changed_answer_is_named_as_the_cause(
    example: Path,
    path: str,
    value: Any,
    placement: str,
    before: str,
    after: str,
    tmp_path: Path,
) -> None:
    earlier = load(example)["account"]["assessment_date"]
    next_day = (earlier + timedelta(days=1)).isoformat()
    changed = later_copy(example, tmp_path, {path: value}, next_day)
    comparison = compare_json(example, changed)
    moved = movement(comparison, placement)
    assert (moved["before"], moved["after"]) == (before, after)
    assert [cause["path"] for cause in moved["causes"]] == [path]
    # Nothing else moved, and the date alone causes nothing.
    others = [m for m in comparison["placements"] if m["name"] != placement]
    assert all(m["direction"] == "same" and not m["causes"] for m in others)


def test_an_answer_that_crosses_no_threshold_moves_nothing(tmp_path: Path) -> None:
    # Helix's strength score changes from 5.0, but a point on service does not reach the cut-off.
    changed = later_copy(HELIX, tmp_path, {"business_strength.service": 6}, "2026-10-01")
    comparison = compare_json(HELIX, changed)
    assert all(m["direction"] == "same" for m in comparison["placements"])
    assert "scores.business_strength" in [f["fact"] for f in comparison["figures"]]
    assert comparison["findings"]["resolved"] == comparison["findings"]["new"] == []


def test_a_finding_resolved_by_one_answer_names_it(tmp_path: Path) -> None:
    changed = later_copy(NORTHWIND, tmp_path, {"team.executive_sponsor": True}, "2026-10-16")
    comparison = compare_json(NORTHWIND, changed)
    assert rule_ids(comparison["findings"]["resolved"]) == ["LEAD-NO-EXECUTIVE-SPONSOR"]
    assert rule_ids(comparison["findings"]["new"]) == []
    resolved = finding(comparison, "resolved", "LEAD-NO-EXECUTIVE-SPONSOR")
    assert [(c["path"], c["before"], c["after"]) for c in resolved["causes"]] == [
        ("team.executive_sponsor", False, True)
    ]


def test_an_answer_left_blank_later_is_a_change_not_a_no(tmp_path: Path) -> None:
    # Northwind's "no needs assessment" becomes unanswered: the answer changed, but an unanswered
    # question is not read as "no", so nothing it fed can be resolved by a "no" either.
    data = load(NORTHWIND)
    data["account"]["assessment_date"] = "2026-10-16"
    del data["relationship"]["needs_assessment"]
    comparison = compare_json(NORTHWIND, write(tmp_path, "later.yaml", data))
    changes = {c["path"]: (c["before"], c["after"]) for c in comparison["answers_changed"]}
    assert changes["relationship.needs_assessment"] == (False, None)


# --- the bundled pairs -------------------------------------------------------------------------


def test_northwind_pair_resolved_new_and_persisting() -> None:
    comparison = compare_json(NORTHWIND, NORTHWIND_LATER)
    phase = movement(comparison, "phase")
    assert phase["before"] == "transactional_selling"
    assert phase["direction"] == "up"
    # Working on the customer's needs instead of our product is one of the answers that moved it;
    # the executive sponsor, still missing, is not.
    causes = [cause["path"] for cause in phase["causes"]]
    assert "relationship.focus" in causes
    assert "team.executive_sponsor" not in causes
    changed = {change["path"] for change in comparison["answers_changed"]}
    assert set(causes) <= changed
    resolved = rule_ids(comparison["findings"]["resolved"])
    new = rule_ids(comparison["findings"]["new"])
    persisting = rule_ids(comparison["findings"]["persisting"])
    # The buyer introduced operations and technical managers; the plan was reviewed.
    assert {"CONTACT-PURCHASING-ONLY", "PLAN-SHELVED"} <= set(resolved)
    # Nobody took up the sponsor.
    assert "LEAD-NO-EXECUTIVE-SPONSOR" in persisting
    assert not set(resolved) & set(new)
    assert not set(resolved) & set(persisting)
    assert not set(new) & set(persisting)
    # The causes of the contact finding are the two contacts added, nothing else.
    contact_causes = finding(comparison, "resolved", "CONTACT-PURCHASING-ONLY")["causes"]
    assert [c["path"] for c in contact_causes] == ["contacts[2]", "contacts[3]"]
    assert contact_causes[0]["after"] == "Plant Operations Manager, Dortmund"


def test_a_finding_that_reads_a_placement_is_traced_through_the_placement() -> None:
    comparison = compare_json(NORTHWIND, NORTHWIND_LATER)
    stage_causes = movement(comparison, "stage")["causes"]
    phase_causes = movement(comparison, "phase")["causes"]
    # A strategic account stuck at the cooperative stage: new because the stage moved.
    stuck = finding(comparison, "new", "FIT-STRATEGIC-COOPERATIVE")
    assert [c["path"] for c in stuck["causes"]] == [c["path"] for c in stage_causes]
    # A key account manager title on transactional behaviour: gone because the phase moved.
    title = finding(comparison, "resolved", "PHASE-KAM-TITLE-TRANSACTIONAL")
    assert [c["path"] for c in title["causes"]] == [c["path"] for c in phase_causes]
    assert "kam.title" not in [c["path"] for c in title["causes"]]  # the title did not change


def test_a_finding_no_longer_folded_into_another_says_so() -> None:
    # The renamed sales representative was stated inside the transactional-title finding; with
    # that one resolved it stands on its own: not new to the account, and said so.
    comparison = compare_json(NORTHWIND, NORTHWIND_LATER)
    renamed = finding(comparison, "new", "SKILLS-RENAMED-SALES-REP")
    assert renamed["part_of"] == "PHASE-KAM-TITLE-TRANSACTIONAL"
    assert (
        renamed["causes"]
        == finding(comparison, "resolved", "PHASE-KAM-TITLE-TRANSACTIONAL")["causes"]
    )
    code, out, err = invoke("compare", str(NORTHWIND), str(NORTHWIND_LATER))
    assert code == 0, err
    assert (
        "[SKILLS-RENAMED-SALES-REP], until now part of [PHASE-KAM-TITLE-TRANSACTIONAL], because"
        in out
    )


def test_figures_do_not_repeat_a_score_as_its_distance_from_the_cut_off() -> None:
    comparison = compare_json(HELIX, HELIX_LATER)
    facts = [figure["fact"] for figure in comparison["figures"]]
    assert "scores.business_strength" in facts
    assert not [fact for fact in facts if fact.endswith("_to_cutoff")]


@pytest.mark.parametrize(("before", "after"), PAIRS, ids=PAIR_IDS)
def test_the_sets_match_the_two_diagnoses(before: Path, after: Path) -> None:
    comparison = compare_json(before, after)
    fired = []
    for path in (before, after):
        code, out, err = invoke("memo", str(path), "-f", "json")
        assert code == 0, err
        diagnosis = json.loads(out)
        placed = {p["rule_id"] for p in diagnosis["placements"].values()}
        fired.append({f["rule_id"] for f in diagnosis["findings"]} - placed)
    old, new = fired
    assert set(rule_ids(comparison["findings"]["resolved"])) == old - new
    assert set(rule_ids(comparison["findings"]["new"])) == new - old
    assert set(rule_ids(comparison["findings"]["persisting"])) == old & new


@pytest.mark.parametrize(("before", "after"), PAIRS, ids=PAIR_IDS)
def test_findings_are_grouped_as_the_memo_groups_them(before: Path, after: Path) -> None:
    """Each group is the root cause the memo puts its findings under: the memo of the earlier
    assessment for findings resolved, of the later one for findings new and still open."""
    comparison = compare_json(before, after)
    severities = ["critical", "high", "medium", "low", "info"]
    for kind, memo_of in (("resolved", before), ("new", after), ("persisting", after)):
        code, memo_text, err = invoke("memo", str(memo_of))
        assert code == 0, err
        titles = dict(re.findall(r"^### (\d+)\. (.+)$", memo_text, re.M))
        cause_of = {
            rule_id: titles[number]
            for number, rule_id in re.findall(
                r"^- Cause (\d+), \w+: .* \[([A-Z0-9-]+)\]", memo_text, re.M
            )
        }
        checked = 0
        for group in comparison["findings"][kind]:
            for item in group["findings"]:
                if item["rule_id"] in cause_of:
                    assert group["title"] == cause_of[item["rule_id"]], item["rule_id"]
                    checked += 1
        assert checked or not comparison["findings"][kind], kind
        # The group with the most severe finding first, findings by severity within a group.
        worst = [
            min(severities.index(i["severity"]) for i in g["findings"])
            for g in comparison["findings"][kind]
        ]
        assert worst == sorted(worst)
        for group in comparison["findings"][kind]:
            ranks = [severities.index(item["severity"]) for item in group["findings"]]
            assert ranks == sorted(ranks)


def test_helix_pair_fires_the_plan_rule_and_follows_up_its_actions() -> None:
    comparison = compare_json(HELIX, HELIX_LATER)
    assert "PLAN-PREVIOUS-ACTIONS-NOT-DONE" in rule_ids(comparison["findings"]["new"])
    assert "BUYING-PRICE-OVER-RELATIONSHIP" in rule_ids(comparison["findings"]["new"])
    assert movement(comparison, "category")["after"] == "strategic"
    actions = comparison["actions"]
    assert actions["counts"] == {
        "recorded": 5,
        "done": 1,
        "in_progress": 1,
        "not_started": 2,
        "dropped": 0,
        "status_unknown": 1,
        "overdue": 3,
        "findings_resolved": 0,
    }
    # Marked done, yet the answers still show no account development: the finding is open.
    done = next(item for item in actions["actions"] if item["status"] == "done")
    assert (done["answers"], done["finding_outcome"]) == ("TEAM-ROLES-MISSING", "open")


# --- actions followed up -----------------------------------------------------------------------


def plan_pair(tmp_path: Path, actions: list[dict[str, Any]], began: str | None) -> dict[str, Any]:
    data = load(NORTHWIND)
    data["account"]["assessment_date"] = "2026-11-20"
    data["previous_plan"] = {"actions": actions}
    if began is not None:
        data["previous_plan"]["began"] = began
    return compare_json(NORTHWIND, write(tmp_path, "later.yaml", data))


def test_actions_with_unanswered_statuses_are_neither_done_nor_overdue(tmp_path: Path) -> None:
    sponsor = (
        "Appoint a member of the executive committee as the account's executive sponsor and "
        "introduce them to the customer's senior management"
    )
    comparison = plan_pair(
        tmp_path,
        [
            {"what": sponsor, "owner": "head of key accounts", "due_day": 30},
            {"what": "Map the buying centre", "due_day": 14, "status": "not_started"},
            {"what": "Write the joint plan", "due_day": 90, "status": "in_progress"},
            {"what": "Meet the plant", "due_day": 20, "status": "done", "answers": "PLAN-SHELVED"},
        ],
        "2026-10-15",
    )
    actions = {item["what"]: item for item in comparison["actions"]["actions"]}
    assert actions[sponsor]["status"] is None
    assert actions[sponsor]["overdue"] is None  # due, but not known to be open
    assert actions["Map the buying centre"]["overdue"] is True
    assert actions["Write the joint plan"]["overdue"] is False  # due 2027-01-13, not yet
    assert actions["Write the joint plan"]["due_on"] == "2027-01-13"
    # Matched by its text to the previous memo's plan, it answers that finding.
    assert actions[sponsor]["answers"] == "LEAD-NO-EXECUTIVE-SPONSOR"
    assert actions[sponsor]["finding_outcome"] == "open"
    assert actions["Map the buying centre"]["answers"] is None
    assert actions["Meet the plant"]["finding_outcome"] == "open"  # the plan is still 360 days old
    counts = comparison["actions"]["counts"]
    assert (counts["status_unknown"], counts["overdue"], counts["done"]) == (1, 1, 1)
    # The sponsor action is followed up; the rest of the previous plan is not.
    not_followed = [item["what"] for item in comparison["actions"]["not_followed_up"]]
    assert sponsor not in not_followed
    assert len(not_followed) == len(planned_actions(NORTHWIND)) - 1
    # Two due with a status, one open: half, not most; the blank is not read as "not done".
    assert "PLAN-PREVIOUS-ACTIONS-NOT-DONE" not in rule_ids(comparison["findings"]["new"])


def test_the_plan_begins_at_the_previous_assessment_when_not_given(tmp_path: Path) -> None:
    comparison = plan_pair(
        tmp_path, [{"what": "Map the buying centre", "due_day": 14, "status": "not_started"}], None
    )
    assert comparison["actions"]["began"] == "2026-10-15"
    assert comparison["actions"]["actions"][0]["due_on"] == "2026-10-29"
    assert comparison["actions"]["actions"][0]["overdue"] is True


def test_without_a_recorded_plan_every_previous_action_is_listed(tmp_path: Path) -> None:
    later = later_copy(NORTHWIND, tmp_path, {}, "2026-11-20")
    actions = compare_json(NORTHWIND, later)["actions"]
    assert actions["recorded"] is False
    assert actions["actions"] == []
    assert actions["not_followed_up"] == planned_actions(NORTHWIND)


# --- refusals ----------------------------------------------------------------------------------


def test_mismatched_ids_are_refused_and_located(tmp_path: Path) -> None:
    data = load(HELIX)
    data["account"]["assessment_date"] = "2026-11-20"
    code, out, err = invoke("compare", str(NORTHWIND), str(write(tmp_path, "other.yaml", data)))
    assert code == 2
    assert out == ""
    line = err.strip().splitlines()
    assert len(line) == 1
    assert re.match(
        r"error: .*other\.yaml:3:3: account\.id: 'HLX-2207' is not the account", line[0]
    )
    assert "NWF-0142" in line[0]
    assert "Traceback" not in err


@pytest.mark.parametrize("later_date", ["2026-10-15", "2026-09-01"], ids=["same-day", "earlier"])
def test_reversed_or_equal_dates_are_refused_and_located(later_date: str, tmp_path: Path) -> None:
    later = later_copy(NORTHWIND, tmp_path, {}, later_date)
    code, out, err = invoke("compare", str(NORTHWIND), str(later))
    assert code == 2
    assert out == ""
    assert re.search(
        r"later\.yaml:\d+:\d+: account\.assessment_date: .* is not after 2026-10-15", err
    )
    assert "the earlier assessment goes first in `compare`, and after --previous in `memo`" in err


def test_the_bundled_pair_given_in_reverse_is_refused() -> None:
    code, _, err = invoke("compare", str(NORTHWIND_LATER), str(NORTHWIND))
    assert code == 2
    assert "northwind-foods.yaml:11:" in err
    assert "is not after 2026-11-27" in err


def test_a_missing_id_or_date_is_refused_and_located(tmp_path: Path) -> None:
    data = load(NORTHWIND)
    del data["account"]["id"]
    del data["account"]["assessment_date"]
    code, _, err = invoke("compare", str(write(tmp_path, "bare.yaml", data)), str(NORTHWIND))
    assert code == 2
    assert "bare.yaml:1:1: account.id: is unanswered; assessments are matched by" in err
    assert "account.assessment_date: is unanswered" in err


def test_a_bad_questionnaire_is_reported_with_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("account:\n  name: X\n  id: NWF-0142\n  assessment_date: 2026-13-01\n")
    code, _, err = invoke("compare", str(NORTHWIND), str(bad))
    assert code == 2
    assert "bad.yaml:4:3: account.assessment_date:" in err


def test_previous_plan_cannot_begin_after_the_assessment(tmp_path: Path) -> None:
    data = load(NORTHWIND)
    data["previous_plan"] = {"began": "2026-10-20", "actions": []}
    code, _, err = invoke("assess", str(write(tmp_path, "late.yaml", data)))
    assert code == 2
    assert re.search(r"late\.yaml:\d+:\d+: previous_plan\.began: 2026-10-20 is after", err)


# --- outputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("compare_format", ["md", "html", "json", "docx"])
@pytest.mark.parametrize(("before", "after"), PAIRS, ids=PAIR_IDS)
def test_reruns_are_byte_identical(
    before: Path, after: Path, compare_format: str, tmp_path: Path
) -> None:
    outputs = []
    for name in ("first", "second"):
        target = tmp_path / f"{name}.{compare_format}"
        code, _, err = invoke(
            "compare", str(before), str(after), "-f", compare_format, "-o", str(target)
        )
        assert code == 0, err
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(("before", "after"), PAIRS, ids=PAIR_IDS)
def test_json_is_valid_against_the_printed_schema(before: Path, after: Path) -> None:
    code, out, _ = invoke("schema", "comparison")
    assert code == 0
    schema = json.loads(out)
    assert schema["$id"] == f"urn:kamadvisor:schema:comparison:{COMPARISON_SCHEMA_VERSION}"
    Draft202012Validator.check_schema(schema)
    comparison = compare_json(before, after)
    Draft202012Validator(schema).validate(comparison)
    assert comparison["schema_version"] == COMPARISON_SCHEMA_VERSION
    # The schema is a contract: a field the model does not write is refused.
    broken = {**comparison, "surprise": 1}
    assert list(Draft202012Validator(schema).iter_errors(broken))
    missing = {key: value for key, value in comparison.items() if key != "actions"}
    assert list(Draft202012Validator(schema).iter_errors(missing))


def test_markdown_shows_the_moves_and_their_causes() -> None:
    code, out, err = invoke("compare", str(NORTHWIND), str(NORTHWIND_LATER))
    assert code == 0, err
    assert re.search(
        r"\| KAM phase \| Transactional selling \| (Consultative selling|Preferred supplier) \| "
        r"up (one phase|two phases) \|",
        out,
    )
    assert "### Relational stage: up one stage, from Basic to Cooperative" in out
    assert "- `relationship.focus`: our product → customer needs" in out
    for heading in ("## What moved", "## Findings", "## The previous plan's actions"):
        assert heading in out


def test_html_draws_the_move_as_an_arrow_and_loads_nothing() -> None:
    code, out, err = invoke("compare", str(HELIX), str(HELIX_LATER), "-f", "html")
    assert code == 0, err
    svg = out.split('<svg class="matrix"', 1)[1].split("</svg>", 1)[0]
    arrow = re.search(
        r'<line class="moved" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"[^>]*'
        r'marker-end="url\(#moved\)"',
        svg,
    )
    assert arrow is not None
    x1, y1, x2, y2 = (float(value) for value in arrow.groups())
    point = re.search(r'<circle class="point" cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert point is not None
    cx, cy = float(point.group(1)), float(point.group(2))
    # The arrow comes from the right, our strength having risen (5.0 to 5.9; strength grows
    # leftward), and points at the account's later position, its head just clear of the dot.
    assert x1 > x2 > cx
    assert 5.5 < x2 - cx < 9
    assert y1 == y2 == cy  # attractiveness did not change
    # The later position lies in the quadrant the diagnosis placed it in: strategic, top left.
    quadrants = {
        name: (float(x), float(y), float(w), float(h))
        for x, y, w, h, name in re.findall(
            r'<rect class="quadrant[^"]*" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
            r'height="([\d.]+)"/>\s*<text class="quadrant-name"[^>]*>([^<]+)</text>',
            svg,
        )
    }
    x, y, w, h = quadrants["Strategic"]
    assert x <= cx <= x + w
    assert y <= cy <= y + h
    assert '<rect class="quadrant placed"' in svg
    assert not re.search(r"(src|href)=\"(https?:|//)", out)
    assert "<script" not in out


def test_html_says_when_the_move_is_too_small_for_an_arrow() -> None:
    # Northwind's strength score moved from 6.65 to 6.75: a dot, no arrow, and the caption says
    # why rather than pointing at an open circle that is not drawn.
    code, out, err = invoke("compare", str(NORTHWIND), str(NORTHWIND_LATER), "-f", "html")
    assert code == 0, err
    assert '<line class="moved"' not in out
    assert '<circle class="point"' in out
    assert "business strength 6.65 to 6.75): too little for an arrow" in out
    assert "(open circle)" not in out


def test_the_compare_template_draws_no_matrix_of_its_own() -> None:
    # One matrix for memo, report and comparison: matrix.py, with the diagnosis's category.
    text = (ROOT / "templates" / "compare.html.j2").read_text(encoding="utf-8")
    assert "<svg" not in text
    assert "category_cutoff" not in text


def test_html_escapes_the_account_name(tmp_path: Path) -> None:
    name = "<script>alert(1)</script> & Sons"
    paths = []
    for index, day in enumerate(("2026-10-01", "2026-10-20")):
        data = {"account": {"name": name, "id": "A-1", "assessment_date": day}}
        paths.append(str(write(tmp_path, f"q{index}.yaml", data)))
    code, out, err = invoke("compare", *paths, "-f", "html")
    assert code == 0, err
    assert "<script>alert" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in out
    # Nothing was scored, so there is no arrow to draw, and the page says so.
    assert "No arrow: a score is missing" in out


# --- Word --------------------------------------------------------------------------------------

REQUIRE_LIBREOFFICE = os.environ.get("KAMADVISOR_REQUIRE_LIBREOFFICE") == "1"


def compare_docx(before: Path, after: Path, tmp_path: Path) -> Path:
    target = tmp_path / "comparison.docx"
    code, _, err = invoke("compare", str(before), str(after), "-f", "docx", "-o", str(target))
    assert code == 0, err
    return target


def test_docx_has_heading_styles_and_tables(tmp_path: Path) -> None:
    document = Document(str(compare_docx(HELIX, HELIX_LATER, tmp_path)))
    headings = [
        (p.style.name, p.text)
        for p in document.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0] == ("Title", "Since the last review: Helix Pharma AG")
    for heading in (
        "What moved",
        "Findings",
        "The previous plan's actions",
        "Answers that changed",
    ):
        assert ("Heading 1", heading) in headings
    assert ("Heading 2", "Portfolio category: changed, from Star to Strategic") in headings
    assert [("Heading 2", h) for h in ("Resolved", "New", "Still open")] == [
        item for item in headings if item[1] in ("Resolved", "New", "Still open")
    ]
    tables = {table.rows[0].cells[1].text: table for table in document.tables}
    moves = [[cell.text for cell in row.cells] for row in tables["2026-09-30"].rows]
    assert moves[0] == ["", "2026-09-30", "2026-11-26", ""]
    assert [
        "Portfolio category",
        "Star (low confidence)",
        "Strategic (low confidence)",
        "changed",
    ] in moves
    actions = tables["Action"]
    assert [cell.text for cell in actions.rows[0].cells] == [
        "Due",
        "Action",
        "Owner",
        "Status",
        "Answered",
        "Finding now",
    ]
    assert len(actions.rows) == 1 + 5  # the five actions the later questionnaire records
    # The matrix as a table: the earlier position in Star, the later in Strategic, as diagnosed.
    matrix = tables["Strength high"]
    assert "\u25cf 2026-11-26 (7.85 / 5.90)" in matrix.rows[1].cells[1].text
    assert "\u25cb 2026-09-30 (7.85 / 5.00)" in matrix.rows[1].cells[2].text
    with zipfile.ZipFile(io.BytesIO((tmp_path / "comparison.docx").read_bytes())) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert "2026-11-26T00:00:00Z" in core


@pytest.mark.skipif(
    SOFFICE is None and not REQUIRE_LIBREOFFICE,
    reason="needs LibreOffice (apt-get install libreoffice-writer-nogui); "
    "KAMADVISOR_REQUIRE_LIBREOFFICE=1 makes its absence a failure",
)
@pytest.mark.parametrize(("before", "after"), PAIRS, ids=PAIR_IDS)
def test_docx_converts_in_libreoffice_with_the_movement_and_findings(
    before: Path, after: Path, tmp_path: Path
) -> None:
    if SOFFICE is None:
        pytest.fail("KAMADVISOR_REQUIRE_LIBREOFFICE=1, but LibreOffice (soffice) is missing")
    source = compare_docx(before, after, tmp_path)
    pdf = libreoffice_convert(SOFFICE, source, "pdf", tmp_path)
    assert pdf == tmp_path / "comparison.pdf"
    assert pdf.is_file()
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    comparison = compare_json(before, after)
    assert comparison["account"]["name"] in flat
    for section in (
        "What moved",
        "Findings",
        "The previous plan's actions",
        "Answers that changed",
    ):
        assert section in flat, section
    # Every placement that moved, with the answers that moved it.
    for move in comparison["placements"]:
        if move["direction"] in ("same", "unplaced_both"):
            continue
        assert f"from {move['before_label'] or 'not determined'} to" in flat
        for cause in move["causes"]:
            assert cause["path"] in flat, cause["path"]
    # Every finding resolved, new and persisting, by its rule id (a line may break a rule id at
    # a hyphen, which pdftotext then drops).
    squashed = re.sub(r"[\s-]", "", text)
    for kind in ("resolved", "new", "persisting"):
        for rule_id in rule_ids(comparison["findings"][kind]):
            assert rule_id.replace("-", "") in squashed, rule_id


# --- memo --previous ---------------------------------------------------------------------------


@pytest.mark.parametrize("memo_format", ["md", "html"])
def test_memo_with_previous_has_the_section(memo_format: str, tmp_path: Path) -> None:
    code, with_previous, err = invoke(
        "memo", str(NORTHWIND_LATER), "--previous", str(NORTHWIND), "-f", memo_format
    )
    assert code == 0, err
    code, alone, err = invoke("memo", str(NORTHWIND_LATER), "-f", memo_format)
    assert code == 0, err
    assert "Since the last review" in with_previous
    assert "Since the last review" not in alone
    assert "Compared with the assessment of 2026-10-15, 43 days earlier" in with_previous
    assert "Every contact we have is in purchasing" in with_previous
    # Everything else is the memo as it was.
    section = re.compile(
        r"## Since the last review.*?(?=^## )|<section class=\"since\">.*?</section>\n",
        re.S | re.M,
    )
    assert section.sub("", with_previous) == alone
    second = invoke("memo", str(NORTHWIND_LATER), "--previous", str(NORTHWIND), "-f", memo_format)
    assert second[1] == with_previous


def test_word_memo_with_previous_has_the_section(tmp_path: Path) -> None:
    paths = {}
    for name, extra in (("with", ("--previous", str(HELIX))), ("alone", ())):
        paths[name] = tmp_path / f"{name}.docx"
        code, _, err = invoke(
            "memo", str(HELIX_LATER), *extra, "-f", "docx", "-o", str(paths[name])
        )
        assert code == 0, err
    with_previous = [(p.style.name, p.text) for p in Document(str(paths["with"])).paragraphs]
    alone = [(p.style.name, p.text) for p in Document(str(paths["alone"])).paragraphs]
    start = with_previous.index(("Heading 1", "Since the last review"))
    end = next(
        index
        for index, (style, _) in enumerate(with_previous)
        if index > start and style == "Heading 1"
    )
    section = with_previous[start:end]
    # After the summary, before the pictures; the rest of the memo as it was.
    assert with_previous[:start] + with_previous[end:] == alone
    assert with_previous[end] == ("Heading 1", "Where the account stands")
    lines = [text for _, text in section]
    assert (
        "Compared with the assessment of 2026-09-30, 57 days earlier, read with the same method:"
        in lines
    )
    assert (
        "Portfolio category: from Star to Strategic (low confidence), after ease of doing "
        "business 4 \u2192 7; service 5 \u2192 7."
    ) in lines
    assert ("Heading 2", "New since the last review") in section
    assert (
        "List Bullet",
        "Most of the previous plan's actions were not carried out (medium)",
    ) in section
    assert (
        "5 recorded: 1 done, 1 in progress, 2 not started, 0 dropped, 1 without a status; 3 overdue."
        in lines
    )
    again = tmp_path / "again.docx"
    code, _, err = invoke(
        "memo", str(HELIX_LATER), "--previous", str(HELIX), "-f", "docx", "-o", str(again)
    )
    assert code == 0, err
    assert again.read_bytes() == paths["with"].read_bytes()


def test_memo_json_with_previous_is_refused() -> None:
    code, out, err = invoke(
        "memo", str(NORTHWIND_LATER), "--previous", str(NORTHWIND), "-f", "json"
    )
    assert code == 2
    assert out == ""
    assert "kamadvisor compare" in err


def test_memo_with_a_later_previous_is_refused_and_says_which_goes_where() -> None:
    code, out, err = invoke("memo", str(NORTHWIND), "--previous", str(NORTHWIND_LATER))
    assert code == 2
    assert out == ""
    assert re.search(
        r"northwind-foods\.yaml:11:3: account\.assessment_date: 2026-10-15 is not after "
        r"2026-11-27, the date of .*northwind-foods-2026-11\.yaml; .* after --previous in `memo`",
        err,
    )


def test_memo_with_a_previous_of_another_account_is_refused() -> None:
    code, _, err = invoke("memo", str(HELIX_LATER), "--previous", str(NORTHWIND))
    assert code == 2
    assert "account.id: 'HLX-2207' is not the account" in err


# --- printed by a real browser -----------------------------------------------------------------


@browser_test
@pytest.mark.parametrize(("before", "after"), PAIRS, ids=PAIR_IDS)
def test_html_comparison_prints_in_chromium(before: Path, after: Path, tmp_path: Path) -> None:
    code, html, err = invoke("compare", str(before), str(after), "-f", "html")
    assert code == 0, err
    text, pages, size = print_to_pdf(html, tmp_path, "A4")
    flat = " ".join(text.split())
    assert "A4" in size
    for heading in (
        "SINCE THE LAST REVIEW",  # the eyebrow prints in capitals
        "What moved",
        "Findings",
        "The previous plan's actions",
    ):
        assert heading in flat, heading
    assert "Our business strength" in flat
    assert 1 <= pages <= 12
    assert f"Page {pages} of {pages}" in flat


@browser_test
def test_memo_with_previous_prints_the_section(tmp_path: Path) -> None:
    code, html, err = invoke("memo", str(HELIX_LATER), "--previous", str(HELIX), "-f", "html")
    assert code == 0, err
    text, _, _ = print_to_pdf(html, tmp_path)
    flat = " ".join(text.split())
    assert "Since the last review" in flat
    assert "Portfolio category: from Star to Strategic" in flat


def test_the_plan_section_printed_for_the_next_review_follows_up_every_action(
    tmp_path: Path,
) -> None:
    code, block, err = invoke("questionnaire", "plan", str(HELIX))
    assert code == 0, err
    data = load(HELIX_LATER)
    del data["previous_plan"]
    later = write(tmp_path, "review.yaml", data)
    later.write_text(later.read_text(encoding="utf-8") + block, encoding="utf-8")
    actions = compare_json(HELIX, later)["actions"]
    assert actions["recorded"] is True
    assert actions["began"] == "2026-09-30"
    assert actions["not_followed_up"] == []
    planned = len(planned_actions(HELIX))
    assert actions["counts"]["recorded"] == actions["counts"]["status_unknown"] == planned
    # Every status left empty: none is read as done, none as overdue.
    assert actions["counts"]["done"] == actions["counts"]["overdue"] == 0
    assert actions["actions"][0]["answers"] == "PLAN-SHELVED"


def test_a_straddle_and_its_confidence_show_beside_the_placement(advisor: Any) -> None:
    from kamadvisor.compare import compare_files
    from kamadvisor.compare_render import render_comparison

    comparison = compare_files(advisor, str(NORTHWIND), str(NORTHWIND_LATER))
    phase = next(m for m in comparison.placements if m.name == "phase")
    weighed = phase.model_copy(
        update={"straddles_after": ["preferred_supplier", "consultative_selling"]}
        | {"confidence_after": "low"}
    )
    placements = [weighed if m.name == "phase" else m for m in comparison.placements]
    text = render_comparison(
        comparison.model_copy(update={"placements": placements}), advisor.rulebook, "md"
    )
    assert "(straddling preferred supplier and consultative selling) (low confidence) | up" in text


def test_an_input_is_never_overwritten(tmp_path: Path) -> None:
    later = later_copy(NORTHWIND, tmp_path, {}, "2026-11-20")
    before = later.read_bytes()
    for args in (
        ("compare", str(NORTHWIND), str(later), "-o", str(later)),
        ("memo", str(later), "--previous", str(NORTHWIND), "-o", str(later)),
    ):
        code, _, err = invoke(*args)
        assert code == 2
        assert "is an input of this run" in err
        assert later.read_bytes() == before
