"""`history`: every account's assessments by date."""

from __future__ import annotations

from pathlib import Path

from kamadvisor.commands.environment import Environment
from kamadvisor.errors import ExitStatus


def history(
    env: Environment,
    paths: tuple[Path, ...],
    history_format: str,
    output: str | None,
    house_packs: tuple[Path, ...],
) -> ExitStatus:
    from kamadvisor.api import open_advisor
    from kamadvisor.history import build_history, render_history_json, render_history_text
    from kamadvisor.output import write_output

    with open_advisor(house_packs) as advisor:
        found = build_history(advisor, paths)
        columns = tuple(
            name for name, spec in advisor.rulebook.manifest.conclusions.items() if spec.single
        )
    text = (
        render_history_json(found)
        if history_format == "json"
        else render_history_text(found, columns)
    )
    write_output(text, output, env.stdout)
    for skipped in found.skipped:
        env.say(f"skipped: {skipped.place}: {skipped.message}")
    return ExitStatus.CHECK_FAILED if found.skipped else ExitStatus.OK
