"""Questions a pack declares: a house pack adds questions to the questionnaire without Python.

A pack's `questionnaire.yaml` declares sections and their questions as data: the type, the scale or
the allowed values with their labels, a description, a unit, whether the answer is a list. A
question added to a base section extends that section; a new section joins the questionnaire after
the base's. A pack never removes or retypes an earlier pack's question (the base rules keep reading
what they were written for): a redeclared question is a located `question-redeclared` error.

The typed base model is generated from the base pack's declaration (rules/questionnaire.yaml,
records included) by questionnaire_codegen.py, which reads it with the models here. From the
house packs' declarations, once per rulebook, a validated questionnaire model is built with
pydantic's `create_model` over the typed base model: the JSON Schema, the blank questionnaire, the
workbook template, the unanswered list and the fact catalogue all read that model. The file's
`derived:` facts (derivations.py) are read here too and kept with the model they are derived from.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, cast

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict

from kamadvisor.derivations import FACT_NAME_PATTERN, DeclaredFact, declare, read_declaration
from kamadvisor.errors import Problem
from kamadvisor.questionnaire import RECORD_MODELS, SECTION_MODELS, Questionnaire
from kamadvisor.questionnaire_base import Percent, Score, Section, unique_items
from kamadvisor.sourcefile import SourceDocument, render_path
from kamadvisor.validation import problems_from

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
# A class or type name in the typed model generated from the base declaration.
TYPE_NAME_PATTERN = r"^[A-Z][A-Za-z]*$"
# Top-level answers that are not sections of questions: a pack cannot add questions to them.
NOT_SECTIONS = frozenset(name for name in Questionnaire.model_fields if name not in SECTION_MODELS)
# The section of scores given in place of their factors: never a rule's fact of its own.
GIVEN_SCORES = "scores"
QuestionType = Literal[
    "boolean", "integer", "number", "score", "percent", "enum", "date", "text", "records", "record"
]
# Kinds of record, as the base declaration declares them (a pack cannot declare its own).
RECORDS: Mapping[str, type[Section]] = RECORD_MODELS
# What only the base declaration may say: a pack's question is never required (answers written
# before the pack was layered stay valid), holds no records, and is not named in the typed model.
BASE_ONLY = ("required", "of", "type_name")
# What only the base declaration's file may hold: a pack adds questions, never a kind of record.
BASE_ONLY_KEYS = ("title", "description", "records")


class QuestionSpec(BaseModel):
    """One question as a pack declares it."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    type: QuestionType = Field(
        description="boolean (yes/no), integer (a count), number, score (a whole number 1-10), "
        "percent (0-100), enum (one of `values`), date (YYYY-MM-DD), text (described, never "
        "matched by rules) or, in the base declaration, records (a list of `of`) and record (one "
        "`of`, answered whole: at the top level only)."
    )
    description: str = Field(min_length=1, description="The question as the consultant reads it.")
    ask: str | None = Field(
        None,
        min_length=2,
        max_length=200,
        description="The question as the memo asks the client when it is unanswered and its "
        "answer could change the advice: one line ending in '?' (without it, the description's "
        "first words).",
    )
    values: (
        list[Annotated[str, Field(pattern=NAME_PATTERN)]]
        | dict[Annotated[str, Field(pattern=NAME_PATTERN)], str]
    ) = Field(
        default_factory=dict,
        description="For an enum: the allowed answers in the scale's order, each with its label "
        "(a mapping) or without (a list).",
    )
    is_list: bool = Field(
        False, alias="list", description="For an enum: the answer is a list of the values."
    )
    min: int | float | None = Field(None, description="For an integer or number: the least answer.")
    max: int | float | None = Field(
        None, description="For an integer or number: the greatest answer."
    )
    min_length: int | None = Field(None, ge=0, description="For a text: its fewest characters.")
    max_length: int | None = Field(
        None,
        ge=1,
        description="For a text: its most characters (200 when neither this nor a "
        "pattern is given).",
    )
    pattern: str | None = Field(None, min_length=1, description="For a text: its pattern.")
    required: bool = Field(False, description="Base declaration only: must be answered.")
    of: str | None = Field(
        None,
        pattern=NAME_PATTERN,
        description="Base declaration only, for records: the kind of record (under `records`).",
    )
    type_name: str | None = Field(
        None,
        pattern=TYPE_NAME_PATTERN,
        description="Base declaration only, for an enum: the name of its values' type in the "
        "typed model (questions that share it share their values).",
    )
    unit: str | None = Field(
        None, min_length=1, description="The unit of a number (EUR, days), shown with the question."
    )

    @field_validator("ask")
    @classmethod
    def _a_question(cls, ask: str | None) -> str | None:
        if ask is not None and ("\n" in ask or not ask.endswith("?")):
            raise ValueError("the question as the memo asks it: one line ending in '?'")
        return ask

    @model_validator(mode="after")
    def _consistent(self) -> QuestionSpec:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum question needs 'values' (each allowed answer and its label)")
        if self.type != "enum" and (self.values or self.is_list):
            raise ValueError("only an enum question has 'values' or 'list'")
        if (self.min is not None or self.max is not None) and self.type not in (
            "integer",
            "number",
        ):
            raise ValueError("only an integer or number question has 'min' or 'max'")
        if (self.type in ("records", "record")) != (self.of is not None):
            raise ValueError("a records question, and only one, names what it lists in 'of'")
        if self.type_name is not None and self.type != "enum":
            raise ValueError("only an enum question has a 'type_name'")
        if self.type != "text" and (
            self.pattern is not None or self.min_length is not None or self.max_length is not None
        ):
            raise ValueError("only a text question has 'pattern', 'min_length' or 'max_length'")
        if self.unit is not None and self.type not in ("integer", "number", "percent"):
            raise ValueError("only an integer, number or percent question has a 'unit'")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self


class SectionSpec(BaseModel):
    """A section of questions; in the base declaration also a kind of record (under `records`),
    or a list of records or a record answered at the top level (`type` and `of`, no questions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str | None = Field(
        None,
        pattern=TYPE_NAME_PATTERN,
        description="Base declaration only: the section's or record's class name in the typed "
        "model and the JSON Schema.",
    )
    description: str | None = Field(
        None,
        min_length=1,
        description="What a new section asks about (a base section has its own).",
    )
    # Each question is validated on its own, so that every bad one is reported at once.
    questions: dict[Annotated[str, Field(pattern=NAME_PATTERN)], dict[str, Any]] = Field(
        default_factory=dict
    )
    entry: str | None = Field(
        None,
        min_length=1,
        description="Base declaration only, for a kind of record: what one entry is (a person), "
        "as the blank questionnaire's example names it.",
    )
    type: Literal["records", "record"] | None = Field(
        None,
        description="Base declaration only: a list of records, or one record answered whole, "
        "at the top level of the questionnaire instead of a section.",
    )
    of: str | None = Field(
        None, pattern=NAME_PATTERN, description="With `type`: the kind of record (`records`)."
    )
    ask: str | None = Field(
        None, description="With `type`: the answer asked for as a question (see a question's)."
    )

    @model_validator(mode="after")
    def _questions_or_records(self) -> SectionSpec:
        if self.type is None and not self.questions:
            raise ValueError("a section needs 'questions' (at least one)")
        if self.type is not None and (
            self.questions or self.model is not None or self.entry is not None
        ):
            raise ValueError("a list of records or a record has no 'questions', 'model' or 'entry'")
        if (self.type is None) != (self.of is None):
            raise ValueError("'type' (records or record) and 'of' go together")
        return self


class QuestionsFile(BaseModel):
    """A pack's `questionnaire.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = Field(
        None, min_length=1, description="Base declaration only: the questionnaire's title."
    )
    description: str | None = Field(
        None, min_length=1, description="Base declaration only: what the questionnaire is."
    )
    records: dict[Annotated[str, Field(pattern=NAME_PATTERN)], SectionSpec] = Field(
        default_factory=dict,
        description="Base declaration only: the kinds of record, each with its questions.",
    )
    sections: dict[Annotated[str, Field(pattern=NAME_PATTERN)], SectionSpec] = Field(
        default_factory=dict
    )
    # Each derived fact is validated on its own, so that every bad one is reported at once.
    derived: dict[Annotated[str, Field(pattern=FACT_NAME_PATTERN)], dict[str, Any]] = Field(
        default_factory=dict,
        description="Facts derived from the answers, by name (see derivations.py).",
    )


@dataclass
class _Declared:
    """Questions declared so far, by section, each with the file that declared it."""

    sections: dict[str, dict[str, QuestionSpec]] = field(default_factory=dict)
    derived: list[DeclaredFact] = field(default_factory=list)
    descriptions: dict[str, str] = field(default_factory=dict)
    declared_at: dict[str, str] = field(default_factory=dict)


def declared_questions(
    documents: list[SourceDocument],
) -> tuple[type[Questionnaire], list[Problem]]:
    """The questionnaire model the packs' declarations make, in layering order, and the
    problems of the declarations (a pack's bad declaration adds nothing)."""
    declared = _Declared()
    problems: list[Problem] = []
    for document in documents:
        problems.extend(_add(declared, document))
    if not declared.sections and not declared.derived:
        return Questionnaire, problems
    model = _model(declared)
    declare(model, tuple(declared.derived))
    return model, problems


def _add(declared: _Declared, document: SourceDocument) -> list[Problem]:
    try:
        questions = QuestionsFile.model_validate(document.data)
    except ValidationError as error:
        return problems_from(error, document, QuestionsFile, code="schema")
    problems = _base_only_problems(document, questions)
    for section, spec in questions.sections.items():
        refusal = _section_refusal(section, spec, declared)
        if refusal is not None:
            problems.append(_located(document, ("sections", section), *refusal))
            continue
        for name, raw in spec.questions.items():
            problems.extend(_add_question(declared, document, section, name, raw))
        problems.extend(
            _located(
                document,
                ("sections", section, key),
                f"'{key}' is for the base sections only",
                "schema",
            )
            for key in ("model", "entry")
            if getattr(spec, key) is not None
        )
        if spec.description is not None and section not in SECTION_MODELS:
            declared.descriptions.setdefault(section, spec.description)
    for name, raw in questions.derived.items():
        problems.extend(_add_derived(declared, document, name, raw))
    return problems


def _base_only_problems(document: SourceDocument, questions: QuestionsFile) -> list[Problem]:
    """What a pack's file may not say: the kinds of record (a contact, a team member, an action
    of the previous plan) are the base's and stay as it declares them, so that the Python that
    reads them and the lists' columns stay valid; so is the questionnaire's title."""
    problems = [
        _located(
            document,
            ("records", kind),
            f"'records.{kind}': kinds of record are the base questionnaire's; a pack may not add "
            "one or alter one (its fields included): declare the questions in a section",
            "schema",
        )
        for kind in questions.records
    ]
    problems.extend(
        _located(
            document,
            (key,),
            f"'{key}' is the base questionnaire's own; a pack declares sections and questions",
            "schema",
        )
        for key in BASE_ONLY_KEYS
        if key != "records" and getattr(questions, key) is not None
    )
    return problems


def _add_derived(
    declared: _Declared, document: SourceDocument, name: str, raw: dict[str, Any]
) -> list[Problem]:
    fact, problems = read_declaration(document, name, raw)
    if fact is not None:
        declared.derived.append(fact)
    return problems


def _section_refusal(
    section: str, spec: SectionSpec, declared: _Declared
) -> tuple[str, str] | None:
    """Why a pack may not add questions to this section (the message and its code), if so."""
    if section in NOT_SECTIONS:
        return (
            f"'{section}' is a list of the questionnaire, not a section of questions; declare "
            "the questions in a section of their own",
            "question-redeclared",
        )
    if section == GIVEN_SCORES:
        return (
            f"'{section}' holds the matrix scores a summary sheet gives in place of their "
            "factors; declare the questions in another section",
            "question-redeclared",
        )
    if spec.type is not None:
        return (
            f"'{section}': a list of records or a record at the top level is for the base "
            "questionnaire only; a pack declares sections of questions",
            "schema",
        )
    is_new = section not in SECTION_MODELS and section not in declared.sections
    if is_new and spec.description is None:
        return f"new section '{section}' needs a 'description'", "missing-key"
    return None


def _add_question(
    declared: _Declared, document: SourceDocument, section: str, name: str, raw: dict[str, Any]
) -> list[Problem]:
    where = ("sections", section, "questions", name)
    try:
        question = QuestionSpec.model_validate(raw)
    except ValidationError as error:
        return problems_from(error, document, QuestionSpec, where, code="schema")
    problems = [
        _located(
            document,
            (*where, key),
            f"'{key}' is for the base questionnaire only; a pack's question is optional, "
            "holds answers, not records, and is not named in the typed model",
            "schema",
        )
        for key in BASE_ONLY
        if getattr(question, key) not in (False, None)
    ]
    if problems:
        return problems
    path = f"{section}.{name}"
    existing = SECTION_MODELS.get(section)
    earlier = declared.declared_at.get(path)
    if existing is not None and name in existing.model_fields:
        earlier = "the base questionnaire"
    if earlier is not None:
        return [
            _located(
                document,
                where,
                f"question '{path}' is already declared by {earlier}; a pack adds questions, it "
                "never replaces or retypes one (rules written for it would misread it)",
                "question-redeclared",
            )
        ]
    declared.sections.setdefault(section, {})[name] = question
    declared.declared_at[path] = document.name
    return []


def _located(document: SourceDocument, path: tuple[str, ...], message: str, code: str) -> Problem:
    line, column = document.locate(path) or (None, None)
    return Problem(document.name, line, column, render_path(path), message, code=code)


def _model(declared: _Declared) -> type[Questionnaire]:
    overrides: dict[str, Any] = {}
    for section, questions in declared.sections.items():
        fields = {name: _field(question) for name, question in questions.items()}
        asks = {name: question.ask for name, question in questions.items() if question.ask}
        base = SECTION_MODELS.get(section)
        if base is not None:
            model = _create(base.__name__, base, fields, base.__doc__, asks)
            overrides[section] = (model, model())
        else:
            description = declared.descriptions[section]
            model = _create(class_name(section), Section, fields, description, asks)
            overrides[section] = (model, Field(model(), description=description))
    return cast(
        type[Questionnaire],
        _create("Questionnaire", Questionnaire, overrides, Questionnaire.__doc__),
    )


def _create(
    name: str,
    base: type[BaseModel],
    fields: dict[str, Any],
    doc: str | None,
    asks: Mapping[str, str] | None = None,
) -> Any:
    from pydantic import create_model

    model = create_model(name, __base__=base, __doc__=doc, **fields)
    if asks:
        cast(Any, model).ASKS = {**getattr(base, "ASKS", {}), **asks}
    return model


def class_name(section: str) -> str:
    """A section's or kind of record's class name when the declaration gives none."""
    return "".join(part.capitalize() for part in section.split("_"))


def described(question: QuestionSpec) -> str:
    """The question's description as the model holds it: with its unit, if it has one."""
    if question.unit is not None:
        return f"{question.description} ({question.unit})"
    return question.description


def _field(question: QuestionSpec) -> tuple[Any, Any]:
    description = described(question)
    labels = question.values if isinstance(question.values, dict) else {}
    extra: JsonDict | None = {"x-labels": dict(labels)} if labels else None
    if question.required:
        return _annotation(question), Field(description=description, json_schema_extra=extra)
    return (
        _annotation(question) | None,
        Field(None, description=description, json_schema_extra=extra),
    )


def _annotation(question: QuestionSpec) -> Any:
    if question.type == "enum":
        allowed: Any = cast(Any, Literal)[tuple(question.values)]
        return (
            Annotated[list[allowed], AfterValidator(unique_items)] if question.is_list else allowed
        )
    if question.type in ("records", "record"):
        record: Any = RECORDS[question.of or ""]
        return list[record] if question.type == "records" else record
    if question.type == "text":
        cap = question.max_length
        if cap is None and question.pattern is None:
            cap = 200
        return Annotated[
            str, Field(min_length=question.min_length, max_length=cap, pattern=question.pattern)
        ]
    simple: dict[str, Any] = {
        "boolean": bool,
        "integer": Annotated[int, Field(ge=question.min, le=question.max)],
        "number": Annotated[float, Field(ge=question.min, le=question.max)],
        "score": Score,
        "percent": Percent,
        "date": date,
    }
    return simple[question.type]


def base_sections(document: SourceDocument) -> dict[str, type[Section]]:
    """The sections of questions the base declaration makes, each a model built from its
    questions as a pack's are (the lists and the record beside them left out)."""
    declared = QuestionsFile.model_validate(document.data)
    sections: dict[str, type[Section]] = {}
    for section, spec in declared.sections.items():
        if spec.type is not None:
            continue
        fields = {
            name: _field(QuestionSpec.model_validate(raw)) for name, raw in spec.questions.items()
        }
        name = spec.model or class_name(section)
        sections[section] = _create(name, Section, fields, spec.description)
    return sections


def sections_of(model: type[Questionnaire]) -> Mapping[str, type[Section]]:
    """The sections of questions of a questionnaire model, in its order (lists left out): for the
    base model, the base's own list of sections."""
    return SECTION_MODELS if model is Questionnaire else _sections_in(model)


@functools.cache
def _sections_in(model: type[Questionnaire]) -> Mapping[str, type[Section]]:
    return {
        name: info.annotation
        for name, info in model.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, Section)
    }
