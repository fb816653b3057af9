"""`assess`: one account's diagnosis as a terminal summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kamadvisor.commands.environment import Environment
from kamadvisor.commands.shared import warn_future_dates
from kamadvisor.errors import ExitStatus


def assess(
    env: Environment, questionnaire_file: str, as_of: date | None, house_packs: tuple[Path, ...]
) -> ExitStatus:
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.terminal import print_diagnosis

    with open_advisor(house_packs) as advisor:
        diagnosis = diagnose_file(questionnaire_file, advisor, as_of, stdin=env.stdin)
    warn_future_dates(env, questionnaire_file, diagnosis)
    print_diagnosis(diagnosis, env.stdout, terminal=env.stdout_isatty, colour=env.colour)
    return ExitStatus.OK
