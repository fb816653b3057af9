"""The programme file: the supplier's key account management programme as a whole."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kamadvisor.errors import InputError, Problem
from kamadvisor.sourcefile import load_document, render_path

NonKeyService = Literal[
    "key_account_managers", "field_sales", "inside_sales", "distributors", "online", "not_defined"
]


class Programme(BaseModel):
    """Every answer is optional; unanswered stays distinct from "no" here too."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="kamadvisor programme")

    name: str | None = Field(None, max_length=200, description="The programme or company name.")
    assessment_date: date | None = Field(None, description="The date these answers describe.")
    nominated_key_accounts: int | None = Field(
        None, ge=0, le=100_000, description="How many customers are nominated as key accounts."
    )
    kam_headcount: int | None = Field(
        None, ge=0, le=100_000, description="How many key account managers (full-time equivalents)."
    )
    head_of_kam_board_access: bool | None = Field(
        None, description="Does a head of key accounts sit at, or have a voice at, board level?"
    )
    selection_agreed_by_senior_management: bool | None = Field(
        None, description="Were the key-account selection criteria agreed by senior management?"
    )
    kam_reward_system: bool | None = Field(
        None, description="Do reward systems recognise key account management (not only volume)?"
    )
    board_sponsors_for_key_accounts: bool | None = Field(
        None, description="Does every key account have a board or executive-committee sponsor?"
    )
    non_key_accounts_served_by: NonKeyService | None = Field(
        None, description="How customers that are not key accounts are served."
    )


def load_programme(path: str) -> Programme:
    document = load_document(path)
    if not isinstance(document.data, dict):
        raise InputError(
            [Problem(document.name, 1, message="expected a mapping of programme answers")]
        )
    try:
        return Programme.model_validate(document.data)
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            location = tuple(detail["loc"])
            line, column = document.locate(location) or (None, None)
            message = str(detail["msg"])
            if detail["type"] == "extra_forbidden":
                message = f"unknown field; expected one of: {', '.join(Programme.model_fields)}"
            problems.append(Problem(document.name, line, column, render_path(location), message))
        raise InputError(problems) from None
