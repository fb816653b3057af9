"""The programme file: the supplier's key account management programme as a whole."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from kamadvisor.errors import InputError, Problem
from kamadvisor.sourcefile import SourceDocument, load_document
from kamadvisor.validation import problems_from, refuse_bool_as_number

NonKeyService = Literal[
    "key_account_managers", "field_sales", "inside_sales", "distributors", "online", "not_defined"
]
KamSourcing = Literal["grown_internally", "mixed", "hired_in"]


class Programme(BaseModel):
    """Every answer is optional; unanswered stays distinct from "no" here too."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, allow_inf_nan=False, title="kamadvisor programme"
    )

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
    key_account_list_last_reviewed: date | None = Field(
        None,
        description="When the list of key accounts was last reviewed against the selection "
        "criteria (YYYY-MM-DD).",
    )
    kam_sourcing: KamSourcing | None = Field(
        None,
        description="Where our key account managers come from: grown from our own people, "
        "a mix, or mostly hired in.",
    )
    kam_development_programme: bool | None = Field(
        None,
        description="Is there a development programme that grows key account managers (business "
        "and commercial skills for sales people, relationship and leadership skills for "
        "technical people)?",
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        return refuse_bool_as_number(value, field.annotation if field else None)


def load_programme(path: str, stdin: TextIO | None = None) -> Programme:
    return validate_programme(load_document(path, stdin=stdin))


def validate_programme(document: SourceDocument) -> Programme:
    if not isinstance(document.data, dict):
        raise InputError(
            [Problem(document.name, 1, message="expected a mapping of programme answers")]
        )
    try:
        programme = Programme.model_validate(document.data)
    except ValidationError as error:
        raise InputError(problems_from(error, document, Programme)) from None
    return programme
