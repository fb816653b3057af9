"""The diagnosis as a readable terminal summary (rich)."""

from __future__ import annotations

import sys
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


def print_diagnosis(diagnosis: Diagnosis, stream: TextIO | None = None) -> None:
    target = stream or sys.stdout
    width = None if target.isatty() else 110
    console = Console(file=target, width=width, highlight=False)
    account = diagnosis.account
    heading = Text(f"Key account diagnosis: {account.name}", style="bold")
    if diagnosis.assessed_on:
        heading.append(f"  ({diagnosis.assessed_on})", style="dim")
    console.print(heading)

    placements = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    placements.add_column("Diagnosis")
    placements.add_column("Result")
    placements.add_column("Confidence")
    placements.add_column("Evidence", justify="right")
    placements.add_column("Contradicting", justify="right")
    placements.add_column("Consistent", justify="right")
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
            str(len(placement.evidence)),
            str(len(placement.contradicting)),
            str(len(placement.consistent)),
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
    console.print(placements)
    console.print()

    recommendations = [f for f in diagnosis.findings if f.severity != "info"]
    if recommendations:
        findings = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        findings.add_column("Severity")
        findings.add_column("Theme")
        findings.add_column("Finding")
        findings.add_column("Rule", style="dim", no_wrap=True)
        for finding in recommendations:
            findings.add_row(
                Text(finding.severity, style=SEVERITY_STYLES[finding.severity]),
                finding.theme_title,
                finding.title,
                finding.rule_id,
            )
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
