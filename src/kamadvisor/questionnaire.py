"""The account questionnaire: what a consultant answers about one customer account.

Its questions are declared in rules/questionnaire.yaml, the typed model is generated from that
declaration (questionnaire_model.py) over the bases of questionnaire_base.py, and both are
re-exported here, so that what reads answers imports them from one place. Here: reading and
validating a questionnaire, and the checks that compare its answers with each other.

Every field but the account's name may be left unanswered (null, or simply left empty in YAML).
Unanswered is kept distinct from "no", 0 and an empty list: `None` means "not answered".
"""

from __future__ import annotations

from typing import TextIO

from pydantic import ValidationError

from kamadvisor.errors import InputError, Problem

# The typed model and what it is built on, for every module that reads answers: the names are
# the generated module's (its `__all__`), so a question declared anew needs no edit here.
from kamadvisor.questionnaire_base import Percent as Percent
from kamadvisor.questionnaire_base import Score as Score
from kamadvisor.questionnaire_base import Section as Section
from kamadvisor.questionnaire_base import unique_items as unique_items
from kamadvisor.questionnaire_model import *  # noqa: F403
from kamadvisor.questionnaire_model import Questionnaire
from kamadvisor.sourcefile import SourceDocument, load_document, render_path
from kamadvisor.validation import problems_from


def load_questionnaire(
    path: str, model: type[Questionnaire] = Questionnaire, stdin: TextIO | None = None
) -> Questionnaire:
    """Read and validate a questionnaire file ("-": `stdin`, default the process's); every
    problem is reported at once. `model` is the questionnaire of the rulebook (the base one
    extended by house packs' questions)."""
    return validate_questionnaire(load_document(path, stdin=stdin), model)


def validate_questionnaire(
    document: SourceDocument, model: type[Questionnaire] = Questionnaire
) -> Questionnaire:
    if not isinstance(document.data, dict):
        kind = "empty" if document.data is None else type(document.data).__name__
        raise InputError(
            [
                Problem(
                    document.name,
                    1,
                    message=f"expected a mapping with an 'account' section, got {kind}",
                )
            ]
        )
    try:
        questionnaire = model.model_validate(document.data)
    except ValidationError as error:
        raise InputError(problems_from(error, document, model)) from None
    problems = _date_problems(questionnaire, document)
    if problems:
        raise InputError(problems)
    return questionnaire


def _date_problems(questionnaire: Questionnaire, document: SourceDocument) -> list[Problem]:
    """Dates must agree with each other: no review after the assessment. The clock is never
    read here: a date after today is the CLI's warning, not a validation error."""
    assessed = questionnaire.account.assessment_date
    reviewed = questionnaire.planning.last_reviewed
    problems: list[Problem] = []

    def problem(path: tuple[str, ...], message: str) -> None:
        line, column = document.locate(path) or (None, None)
        problems.append(Problem(document.name, line, column, render_path(path), message))

    if assessed is not None and reviewed is not None and reviewed > assessed:
        problem(
            ("planning", "last_reviewed"),
            f"{reviewed} is after account.assessment_date ({assessed}); a plan cannot have been "
            "reviewed after the date the answers describe",
        )
    began = questionnaire.previous_plan.began if questionnaire.previous_plan else None
    if assessed is not None and began is not None and began > assessed:
        problem(
            ("previous_plan", "began"),
            f"{began} is after account.assessment_date ({assessed}); the previous plan must "
            "have begun before the assessment that reviews it",
        )
    return problems
