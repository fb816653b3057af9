"""`memo`: the advice memo for one account, in any registered format."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from kamadvisor.commands.environment import Environment
from kamadvisor.commands.shared import say_written, warn_future_dates
from kamadvisor.errors import ExitStatus, UsageError
from kamadvisor.formats import FORMATS

if TYPE_CHECKING:
    from kamadvisor.compare import Comparison
    from kamadvisor.diagnosis import Diagnosis
    from kamadvisor.rulebook import Rulebook


def memo(
    env: Environment,
    questionnaire_file: str,
    output: str | None,
    memo_format: str,
    as_of: date | None,
    previous_file: str | None,
    house_packs: tuple[Path, ...],
) -> ExitStatus:
    from kamadvisor.api import diagnose_file, open_advisor
    from kamadvisor.output import RunInputs, check_output, write_output

    check_output(output, RunInputs.of([questionnaire_file, previous_file], packs=house_packs))
    selected = FORMATS[memo_format]
    if previous_file is not None and memo_format == "json":
        raise UsageError(
            "--previous adds a section to md, html and docx memos; for the comparison as JSON "
            "use `kamadvisor compare PREVIOUS FILE -f json`"
        )
    with open_advisor(house_packs) as advisor:
        if previous_file is not None:
            from kamadvisor.compare import review_files

            comparison, diagnosis = review_files(
                advisor, previous_file, questionnaire_file, env.stdin
            )
            content = _memo_since(diagnosis, advisor.rulebook, memo_format, comparison)
        else:
            diagnosis = diagnose_file(questionnaire_file, advisor, as_of, stdin=env.stdin)
            content = selected.render(diagnosis, advisor.rulebook)
    warn_future_dates(env, questionnaire_file, diagnosis)
    write_output(content if selected.binary else content.decode("utf-8"), output, env.stdout)
    say_written(env, output)
    return ExitStatus.OK


def _memo_since(
    diagnosis: Diagnosis, rulebook: Rulebook, memo_format: str, comparison: Comparison
) -> bytes:
    """The memo with its "Since the last review" section, in md, html or docx."""
    since = comparison.model_dump(mode="json")
    if memo_format == "docx":
        from kamadvisor.docx_memo import render_docx

        return render_docx(diagnosis, rulebook, since)
    from kamadvisor.render import render_memo

    return render_memo(diagnosis, rulebook, memo_format, since).encode("utf-8")  # type: ignore[arg-type]
