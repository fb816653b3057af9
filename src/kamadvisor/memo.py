"""The memo's argument, built from a diagnosis and the pack: the verdict, the root causes, the
90-day plan and the questions worth answering.

The diagnosis says what the engine found; this module decides how a senior consultant would put
it to a client: findings grouped into the pack's root causes, leadership's decisions apart from
the account team's work, owners named and never overloaded, reviews on the pack's cadence. All
wording stays in the templates and the pack; this module only selects, groups and orders.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from kamadvisor.conditions import ConcludedTest, Condition, FactRef, FactTest, Group, ParamRef
from kamadvisor.diagnosis import nested
from kamadvisor.explain import _compare as holds
from kamadvisor.rulebook import SEVERITY_ORDER, ActionSpec, Rule, Rulebook
from kamadvisor.rulebook_index import rulebook_index
from kamadvisor.sandbox import TemplateError, render_snippet
from kamadvisor.typeinfo import model_of

PLAN_DAYS = 90
# Work a decision unblocks starts after it: at least this many days later.
DECISION_LEAD_DAYS = 14
# Leadership decides in the first two months, so the work they unblock fits in the plan.
LATEST_DECISION_DAY = 60
# Themes that never become a cause of their own: the stance is the verdict, not a finding.
VERDICT_THEMES = frozenset({"stance"})

ECONOMICS = (
    "economics.annual_revenue",
    "economics.share_of_our_revenue_pct",
    "economics.account_profit",
    "economics.account_profit_pct",
    "economics.gross_margin_pct",
    "economics.cost_to_serve",
    "economics.revenue_growth_pct",
    "economics.share_of_wallet_pct",
)


def memo_view(data: dict[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    """What the templates need beyond the diagnosis (documented in the README as `memo`)."""
    rules = rulebook_index(rulebook).rules
    findings = [
        finding
        for finding in data["findings"]
        if finding["severity"] != "info"
        and finding["theme"] not in VERDICT_THEMES
        and not _programme_level(rules.get(finding["rule_id"]))
    ]
    context = _snippet_context(data, rulebook)
    causes = _causes(findings, rulebook, context)
    plan = _plan(causes, data, rulebook, context)
    stance = data["placements"].get("stance")
    stance_finding = next(
        (f for f in data["findings"] if stance and f["rule_id"] == stance.get("rule_id")), None
    )
    return {
        "economics": {name: data["facts"][name] for name in ECONOMICS if name in data["facts"]},
        "currency": data["account"].get("currency"),
        "stance": (
            {
                "value": stance["value"],
                "label": stance["label"],
                "reason": stance_finding["advice"] if stance_finding else "",
                "rule_id": stance["rule_id"],
            }
            if stance and stance.get("value")
            else None
        ),
        "causes": causes,
        "decisions": [row for row in plan["rows"] if row["decision"]],
        "team_actions": [row for row in plan["rows"] if not row["decision"]],
        "plan": plan,
        "programme_findings": [
            finding
            for finding in data["findings"]
            if _programme_level(rules.get(finding["rule_id"]))
        ],
        "open_questions": _open_questions(data, rulebook),
        "references": [
            {"paper": paper, "reference": " ".join(text.split())}
            for paper, text in rulebook.manifest.references.items()
        ],
    }


def _programme_level(rule: Rule | None) -> bool:
    return rule is not None and rule.spec.programme_level


def _snippet_context(data: dict[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    return {
        "account": data["account"],
        "facts": nested(data["facts"]),
        "params": dict(rulebook.parameter_values),
        "concluded": {
            name: {"value": p["value"], "label": p["label"]}
            for name, p in data["placements"].items()
            if p["value"]
        },
    }


def _render(text: str, context: dict[str, Any]) -> str:
    try:
        return render_snippet(text, context)
    except TemplateError:
        # A pack's cause text that cannot render for this account falls back to its source.
        return " ".join(text.split())


def _causes(
    findings: list[dict[str, Any]], rulebook: Rulebook, context: dict[str, Any]
) -> list[dict[str, Any]]:
    """Findings grouped by the pack's causes (a theme without a cause is a cause of its own),
    the cause with the most severe finding first."""
    manifest = rulebook.manifest
    cause_of_theme = {
        theme: name for name, cause in manifest.causes.items() for theme in cause.themes
    }
    severity_rank = {severity: index for index, severity in enumerate(SEVERITY_ORDER)}
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        key = cause_of_theme.get(finding["theme"], f"theme:{finding['theme']}")
        spec = manifest.causes.get(key)
        group = groups.setdefault(
            key,
            {
                "id": key,
                "title": spec.title if spec else finding["theme_title"],
                "order": spec.order if spec else manifest.themes[finding["theme"]].order,
                "measure": _render(spec.measure, context) if spec else None,
                "target": _render(spec.target, context) if spec else None,
                "first_step": spec.first_step if spec else None,
                "severity": finding["severity"],
                "findings": [],
            },
        )
        group["findings"].append(finding)
    ordered = sorted(
        groups.values(), key=lambda g: (severity_rank[g["severity"]], g["order"], g["id"])
    )
    for number, group in enumerate(ordered, start=1):
        group["number"] = number
        group["lead"] = group["findings"][0]
        # Every other statement of the cause: the other findings and those they subsume.
        group["related"] = [
            title
            for index, finding in enumerate(group["findings"])
            for title in ([finding["title"]] if index else [])
            + [other["title"] for other in finding.get("subsumes", [])]
        ]
    return ordered


def _owner_names(data: dict[str, Any], rulebook: Rulebook) -> dict[str, str | None]:
    people = {person["role"]: person["name"] for person in data["account"].get("people", [])}
    return {
        role: people.get(spec.named_by) if spec.named_by else None
        for role, spec in rulebook.manifest.roles.items()
    }


def _plan(
    causes: list[dict[str, Any]],
    data: dict[str, Any],
    rulebook: Rulebook,
    context: dict[str, Any],
) -> dict[str, Any]:
    """The 90-day plan: every cause gets at least one action, decisions come before the work of
    their cause, no owner carries more than `max_actions_per_owner`, reviews follow
    `review_cadence_days`."""
    roles = rulebook.manifest.roles
    names = _owner_names(data, rulebook)
    cap = int(rulebook.parameter_values.get("max_actions_per_owner", 4))  # type: ignore[arg-type]
    candidates: list[dict[str, Any]] = []
    for cause in causes:
        seen: set[str] = set()
        actions = [
            {**action, "finding": finding["title"]}
            for finding in cause["findings"]
            for action in finding["actions"]
        ]
        if not actions and cause["first_step"] is not None:
            step: ActionSpec = cause["first_step"]
            actions = [
                {
                    "what": _render(step.what, context),
                    "owner": step.owner,
                    "due_day": step.due_day,
                    "rule_id": None,
                    "finding": cause["lead"]["title"],
                }
            ]
        for rank, action in enumerate(actions):
            if action["what"] in seen:
                continue
            seen.add(action["what"])
            role = roles.get(action["owner"])
            candidates.append(
                {
                    **action,
                    "cause": cause["number"],
                    "cause_title": cause["title"],
                    "decision": bool(role and role.decides),
                    "owner_name": names.get(action["owner"]),
                    "first": rank == 0,
                }
            )
    chosen, held_back = _within_capacity(candidates, cap)
    _sequence(chosen)
    for cause in causes:
        cause["actions"] = [row for row in chosen if row["cause"] == cause["number"]]
    rows = sorted(chosen, key=lambda r: (r["due_day"], not r["decision"], r["cause"]))
    return {
        "rows": rows,
        "held_back": held_back,
        "reviews": _reviews(rows, causes, rulebook),
        "cap": cap,
        "load": dict(sorted(Counter(row["owner"] for row in rows).items())),
    }


def _within_capacity(
    candidates: list[dict[str, Any]], cap: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Each cause's first action first (in cause order), then the rest, decisions before work;
    an owner at the cap has the rest held back for the next plan."""
    load: Counter[str] = Counter()
    chosen: list[dict[str, Any]] = []
    held_back: list[dict[str, Any]] = []
    order = sorted(
        candidates,
        key=lambda c: (not c["first"], not c["decision"], c["cause"], c["due_day"]),
    )
    for candidate in order:
        if load[candidate["owner"]] >= cap:
            held_back.append(candidate)
            continue
        load[candidate["owner"]] += 1
        chosen.append(candidate)
    return chosen, held_back


def _sequence(rows: list[dict[str, Any]]) -> None:
    """Decisions first, early enough to leave time for the work they unblock; work waits for the
    decisions of its cause; one owner's items are spread a week apart rather than piled on one
    day."""
    decisions = [row for row in rows if row["decision"]]
    work = [row for row in rows if not row["decision"]]
    for row in decisions:
        row["due_day"] = min(row["due_day"], LATEST_DECISION_DAY)
    _spread(decisions, LATEST_DECISION_DAY)
    decided_by: dict[int, int] = {}
    for row in decisions:
        decided_by[row["cause"]] = max(decided_by.get(row["cause"], 0), row["due_day"])
    for row in work:
        if row["cause"] in decided_by:
            row["due_day"] = max(row["due_day"], decided_by[row["cause"]] + DECISION_LEAD_DAYS)
    _spread(work, PLAN_DAYS)


def _spread(rows: list[dict[str, Any]], last_day: int) -> None:
    by_owner: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: (r["due_day"], r["cause"])):
        by_owner.setdefault(row["owner"], []).append(row)
    for owned in by_owner.values():
        last = 0
        for row in owned:
            row["due_day"] = min(last_day, max(row["due_day"], last + 7))
            last = row["due_day"]
    for row in rows:
        row["due_day"] = min(row["due_day"], last_day)


def _reviews(
    rows: list[dict[str, Any]], causes: list[dict[str, Any]], rulebook: Rulebook
) -> list[dict[str, Any]]:
    """A review every `review_cadence_days` and at day 90; each checks the measures of the causes
    whose actions fell due since the last one, day 90 the point to reach."""
    cadence = int(rulebook.parameter_values.get("review_cadence_days", 30))  # type: ignore[arg-type]
    days = list(range(cadence, PLAN_DAYS, cadence))
    days.append(PLAN_DAYS)
    by_number = {cause["number"]: cause for cause in causes}
    reviews: list[dict[str, Any]] = []
    previous = 0
    for day in days:
        due = [row for row in rows if previous < row["due_day"] <= day]
        numbers = sorted({row["cause"] for row in due})
        reviews.append(
            {
                "day": day,
                "final": day == PLAN_DAYS,
                "actions_due": len(due),
                "decisions_due": [row["what"] for row in due if row["decision"]],
                "causes": numbers,
                "measures": [
                    {"cause": by_number[n]["title"], "measure": by_number[n]["measure"]}
                    for n in numbers
                    if by_number[n]["measure"]
                ],
            }
        )
        previous = day
    return reviews


def _open_questions(data: dict[str, Any], rulebook: Rulebook) -> list[dict[str, Any]]:
    """Unanswered questions whose answer could change the diagnosis: it would place or revise a
    placement, or some rule reads it that the other answers do not already rule out (plan
    details do not matter when there is no plan)."""
    placements = data["placements"]
    facts = data["facts"]
    concluded = {name: p["value"] for name, p in placements.items() if p["value"]}
    open_paths: dict[str, set[str]] = {}
    catalogue = rulebook.catalogue("account")
    for rule in rulebook.scoped("account"):
        if _ruled_out(rule.condition, facts, concluded, rulebook):
            continue
        if rule.spec.given:
            # A judgement given in place of evidence counts only through its placement: its
            # question is asked when the placement misses it (`informs`), not once evidence decides.
            continue
        for fact in rule.referenced_facts():
            # A derived fact is read through the answers it is derived from.
            for source in (fact, *catalogue[fact].derived_from):
                open_paths.setdefault(source, set()).add(rule.id)
    questions = []
    asked: set[str] = set()
    for question in data["unanswered"]:
        informs = [
            name for name, p in placements.items() if question["path"] in p["missing_answers"]
        ]
        path = question["path"]
        readers = {
            rule_id
            for source, rule_ids in open_paths.items()
            if _reads(source, path)
            for rule_id in rule_ids
        }
        short = asked_as(rulebook.questionnaire, path) or _short_question(question["question"])
        # One question of every contact (or action) is asked once, of them all.
        if (informs or readers) and short not in asked:
            asked.add(short)
            questions.append(
                {**question, "short": short, "informs": informs, "rules": sorted(readers)}
            )
    return questions


def _reads(source: str, path: str) -> bool:
    """Whether a rule reading `source` (an answer, a section, a list or a fact named under one)
    reads the unanswered `path` (`contacts[2].level`)."""
    root = path.split("[")[0]
    return (
        source in (path, root)
        or path.startswith((f"{source}.", f"{source}["))
        or source.startswith(f"{root}.")
    )


def asked_as(model: type[BaseModel], path: str) -> str | None:
    """How the declaration asks for the answer at `path` (`contacts[2].level`), if it says."""
    *parents, name = re.sub(r"\[\d+\]", "", path).split(".")
    for parent in parents:
        field = model.model_fields.get(parent)
        inner = model_of(field.annotation) if field is not None else None
        if inner is None:
            return None
        model = inner
    asks: Mapping[str, str] = getattr(model, "ASKS", {})
    return asks.get(name)


def _short_question(text: str) -> str:
    """A question's plain words, without the answer codes and scales the form explains:
    'How much information flows: none; operational ...' -> 'How much information flows?'."""
    cut = min(
        (index for index in (text.find(": "), text.find("; "), text.find(" (")) if index > 0),
        default=len(text),
    )
    short = text[:cut].rstrip(" ,.?")
    if not short:
        return text
    asks = short.split(" ", 1)[0].lower() in QUESTION_WORDS
    return short + ("?" if asks else ".")


QUESTION_WORDS = frozenset(
    {"who", "what", "how", "when", "where", "which", "why", "is", "are", "do", "does", "did",
     "have", "has", "can"}
)  # fmt: skip


def _ruled_out(
    condition: Condition, facts: dict[str, Any], concluded: dict[str, str], rulebook: Rulebook
) -> bool:
    """True when an answered test at the top of the rule's `all` already fails: no answer to
    another question can make the rule fire."""
    tests = condition.items if isinstance(condition, Group) and condition.mode == "all" else ()
    if not isinstance(condition, Group):
        tests = (condition,)
    for test in tests:
        if isinstance(test, FactTest) and test.fact in facts:
            expected = _operand(test.value, facts, rulebook)
            if expected is not None and not holds(facts[test.fact], test.op, expected):
                return True
        if (
            isinstance(test, ConcludedTest)
            and test.kind == "conclusion"
            and test.name in concluded
            and test.op in ("eq", "ne", "in", "not_in")
        ):
            expected = test.value
            if not holds(concluded[test.name], test.op, expected):
                return True
    return False


def _operand(value: Any, facts: dict[str, Any], rulebook: Rulebook) -> Any:
    if isinstance(value, ParamRef):
        return rulebook.parameter_values.get(value.name)
    if isinstance(value, FactRef):
        return facts.get(value.name)
    return value
