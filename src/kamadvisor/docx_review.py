"""Since the last review, in Word: the wording the Word comparison and the Word memo's "Since the
last review" section share, and that section itself, as the Markdown and HTML templates put them.

Everything here reads a comparison as `compare -f json` writes it.
"""

from __future__ import annotations

from typing import Any

from docx.document import Document as DocumentObject

from kamadvisor.sandbox import _label, _number

TITLES = {"phase": "KAM phase", "category": "Portfolio category", "stage": "Relational stage"}
NOUNS = {"phase": ("phase", "phases"), "stage": ("stage", "stages")}
COUNTED = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
STATUSES = {
    "done": "done",
    "in_progress": "in progress",
    "not_started": "not started",
    "dropped": "dropped",
}
ENTRY_NAMES = {"contacts": "contact", "members": "team member", "actions": "action"}


def title_of(name: str) -> str:
    return TITLES.get(name, name.replace("_", " ").capitalize())


def answer_text(value: Any, path: str = "") -> str:
    if value is None:
        return "not listed" if path.endswith("]") else "unanswered"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list):
        return _label(value) if value else "none"
    return _label(value)


def figure_text(value: Any) -> str:
    if value is None:
        return "not known"
    if isinstance(value, float):
        return _number(value, 2)
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value)
    return str(value)


def steps_text(move: dict[str, Any]) -> str:
    """'up one phase', 'down two stages': a move along a ladder."""
    steps = move["steps"]
    counted = COUNTED[steps] if steps < len(COUNTED) else str(steps)
    return f"{move['direction']} {counted} {NOUNS[move['name']][0 if steps == 1 else 1]}"


def moved_text(move: dict[str, Any]) -> str:
    direction = move["direction"]
    if direction == "same":
        weighed = (
            move["straddles_before"] != move["straddles_after"]
            or move["confidence_before"] != move["confidence_after"]
        )
        return "unchanged, weighed differently" if weighed else "unchanged"
    fixed = {
        "placed": "placed for the first time",
        "unplaced": "no longer placed",
        "unplaced_both": "not determined either time",
    }
    if direction in fixed:
        return fixed[direction]
    return steps_text(move) if move["name"] in NOUNS else "changed"


def nuance_text(
    name: str, straddles: list[str], confidence: str | None, scales: dict[str, Any]
) -> str:
    text = ""
    if straddles:
        names = {item["value"]: item["label"].lower() for item in scales.get(name, [])}
        text += " (straddling " + " and ".join(names.get(v, v) for v in straddles) + ")"
    if confidence and confidence != "high":
        text += f" ({confidence} confidence)"
    return text


def cause_text(cause: dict[str, Any]) -> str:
    """A changed answer by its path, as the comparison lists it."""
    before = answer_text(cause["before"], cause["path"])
    after = answer_text(cause["after"], cause["path"])
    return f"{cause['path']}: {before} \u2192 {after}"


def change_in_words(cause: dict[str, Any]) -> str:
    """A changed answer named in words, as the memo's section puts it: 'service 5 -> 7', 'new
    contact Plant Operations Manager'."""
    path = cause["path"]
    last = path.split(".")[-1]
    if last.endswith("]"):
        entry = ENTRY_NAMES.get(last.split("[")[0], "entry")
        if cause["before"] is None:
            return f"new {entry} {cause['after']}"
        if cause["after"] is None:
            return f"{entry} {cause['before']} gone"
        name = entry
    else:
        name = last.replace("_", " ")
    return f"{name} {answer_text(cause['before'], path)} \u2192 {answer_text(cause['after'], path)}"


def write_since_last_review(
    document: DocumentObject, since: dict[str, Any], scales: dict[str, Any]
) -> None:
    """The memo's "Since the last review" section (`memo --previous -f docx`)."""
    document.add_heading("Since the last review", level=1)
    document.add_paragraph(
        f"Compared with the assessment of {since['before']['assessed_on']}, "
        f"{since['days_between']} days earlier, read with the same method:"
    )
    for move in since["placements"]:
        document.add_paragraph(_placement_line(move, scales), style="List Bullet")
    findings = {
        kind: [item for group in since["findings"][kind] for item in group["findings"]]
        for kind in ("resolved", "new", "persisting")
    }
    document.add_paragraph(
        f"Findings: {len(findings['resolved'])} resolved, {len(findings['new'])} new, "
        f"{len(findings['persisting'])} still open."
    )
    if findings["resolved"]:
        document.add_heading("Resolved since the last review", level=2)
        for item in findings["resolved"]:
            text = item["title"]
            if item["part_of_title"]:
                text += f": still found, now as part of \u201c{item['part_of_title']}\u201d"
            document.add_paragraph(text, style="List Bullet")
    if findings["new"]:
        document.add_heading("New since the last review", level=2)
        for item in findings["new"]:
            text = f"{item['title']} ({item['severity']})"
            if item["part_of_title"]:
                text += f": found before too, as part of \u201c{item['part_of_title']}\u201d"
            document.add_paragraph(text, style="List Bullet")
    _actions_followed_up(document, since["actions"])


def _placement_line(move: dict[str, Any], scales: dict[str, Any]) -> str:
    title = title_of(move["name"])
    nuance = nuance_text(move["name"], move["straddles_after"], move["confidence_after"], scales)
    if move["direction"] == "same":
        return f"{title}: unchanged, {move['after_label']}{nuance}."
    if move["direction"] == "unplaced_both":
        return f"{title}: not determined either time."
    steps = (
        steps_text(move) + ", "
        if move["name"] in NOUNS and move["direction"] in ("up", "down")
        else ""
    )
    text = (
        f"{title}: {steps}from {move['before_label'] or 'not determined'} to "
        f"{move['after_label'] or 'not determined'}{nuance}"
    )
    if move["causes"]:
        text += ", after " + "; ".join(change_in_words(cause) for cause in move["causes"])
    return text + "."


def _actions_followed_up(document: DocumentObject, actions: dict[str, Any]) -> None:
    document.add_heading("The previous plan's actions", level=2)
    if not actions["recorded"]:
        document.add_paragraph(
            "How the previous plan's actions went is not recorded in this questionnaire "
            "(previous_plan)."
        )
        return
    k = actions["counts"]
    text = (
        f"{k['recorded']} recorded: {k['done']} done, {k['in_progress']} in progress, "
        f"{k['not_started']} not started, {k['dropped']} dropped"
    )
    if k["status_unknown"]:
        text += f", {k['status_unknown']} without a status"
    document.add_paragraph(text + f"; {k['overdue']} overdue.")
    for item in actions["actions"]:
        if item["overdue"]:
            document.add_paragraph(
                f"Overdue: {item['what']} ({item['owner'] or 'no owner given'}, due "
                f"{item['due_on']}, {STATUSES[item['status']]})",
                style="List Bullet",
            )
