"""The diagnosis as a readable terminal summary (rich)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kamadvisor.diagnosis import Diagnosis

SEVERITY_STYLES = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def print_diagnosis(
    diagnosis: Diagnosis, stream: TextIO, *, terminal: bool, colour: bool | None = None
) -> None:
    """`terminal`: whether `stream` is one; `colour`: None colours a terminal only, False never,
    True always."""
    console = Console(
        file=stream,
        # A pipe or a file gets the width of a classic terminal; long text wraps, never truncates.
        width=None if terminal else 80,
        highlight=False,
        # The caller's word on the stream and the colour setting wins over the library's guess.
        force_terminal=True if colour else terminal,
        no_color=True if colour is False else None,
    )
    account = diagnosis.account
    heading = Text(f"Key account diagnosis: {account.name}", style="bold")
    if diagnosis.assessed_on:
        heading.append(f"  ({diagnosis.assessed_on})", style="dim")
    console.print(heading)
    console.print(_placements_table(diagnosis))
    console.print()
    _print_findings(console, diagnosis)


def _placements_table(diagnosis: Diagnosis) -> Table:
    placements = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    # Three columns fit 80 characters; the counts of signals go in one, as words.
    placements.add_column("Diagnosis", overflow="fold")
    placements.add_column("Result", overflow="fold")
    placements.add_column("Confidence", overflow="fold")
    placements.add_column("Signals", overflow="fold")
    for placement in diagnosis.placements.values():
        result: str | Text = placement.label or Text("not determined", style="dim")
        if placement.straddles:
            labels = {row.value: row.label for row in placement.tally}
            first, second = placement.straddles
            result = f"{labels[first]}, between {labels[first]} and {labels[second].lower()}"
        confidence: str = placement.confidence or ""
        if placement.given:
            confidence += " (given values)"
        placements.add_row(
            placement.name,
            result,
            confidence,
            f"{len(placement.evidence)} for, {len(placement.contradicting)} against"
            if placement.evidence or placement.contradicting
            else "",
        )
    for name, label in (
        ("scores.attractiveness", "attractiveness score"),
        ("scores.business_strength", "business strength score"),
    ):
        value = diagnosis.facts.get(name)
        placements.add_row(
            label,
            f"{value}/10" if value is not None else Text("not scored", style="dim"),
            "given" if name in diagnosis.given_facts else "",
            "",
        )
    return placements


def _print_findings(console: Console, diagnosis: Diagnosis) -> None:
    recommendations = [f for f in diagnosis.findings if f.severity != "info"]
    if recommendations:
        console.print(Text(f"Findings ({len(recommendations)})", style="bold"))
        # One finding a row: severity, then the title and its rule id, wrapping under the title.
        findings = Table.grid(padding=(0, 2))
        findings.add_column(no_wrap=True)
        findings.add_column(overflow="fold")
        for finding in recommendations:
            text = Text(finding.title)
            text.append(f"  {finding.rule_id}", style="dim")
            findings.add_row(Text(finding.severity, style=SEVERITY_STYLES[finding.severity]), text)
        console.print(findings)
    else:
        console.print("No recommendation fired on the answers given.")
    console.print()
    open_questions = len(diagnosis.unanswered)
    if open_questions:
        console.print(
            f"{open_questions} question(s) left unanswered; the memo lists them "
            "(kamadvisor memo FILE -o memo.md)."
        )
