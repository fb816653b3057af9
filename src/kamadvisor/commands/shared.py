"""What several commands do alike: read a questionnaire, warn of future dates, say where the
output went."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kamadvisor.commands.environment import Environment
    from kamadvisor.diagnosis import Diagnosis


def warn_future_dates(env: Environment, questionnaire_file: str, diagnosis: Diagnosis) -> None:
    """A date after today is worth a look, never a refusal: the output never depends on it."""
    today = env.today
    dated = (
        ("account.assessment_date", diagnosis.account.assessment_date),
        ("planning.last_reviewed", diagnosis.facts.get("planning.last_reviewed")),
    )
    for path, value in dated:
        if value is not None and str(value) > today.isoformat():
            env.say(
                f"warning: {questionnaire_file}: {path}: {value} is after today ({today}); "
                "the diagnosis uses it as given"
            )


def say_written(env: Environment, output: str | None) -> None:
    if output and output != "-":
        env.say(f"wrote {output}")
