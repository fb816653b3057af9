"""The typed questionnaire model, generated from the base declaration (rules/questionnaire.yaml).

The declaration is the one place a base question is described; the Python that reads answers
(`questionnaire.economics.annual_revenue`, `contact.level`) needs a model strict mypy can check, so
this module writes it as code: questionnaire_model.py, the enum values' `Literal` types, a class per
section and kind of record, and the questionnaire. Run after changing the declaration:

    python -m kamadvisor.questionnaire_codegen          # writes src/kamadvisor/questionnaire_model.py
    python -m kamadvisor.questionnaire_codegen --check  # exit 1 when the file is not up to date

A test fails while the committed file differs from what this writes, and `rules check` locates
where a base declaration differs from the model built into the program.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from kamadvisor.errors import InputError, Problem
from kamadvisor.questions import QuestionsFile, QuestionSpec, SectionSpec, class_name, described
from kamadvisor.sourcefile import PathKey, SourceDocument, load_document, render_path
from kamadvisor.validation import did_you_mean, problems_from

MODEL_FILE = Path(__file__).with_name("questionnaire_model.py")


def _declaration() -> Path:
    """The base declaration beside this model: the installed package's copy (a wheel ships it
    as kamadvisor/rules), or the checkout's rules/ (an editable install)."""
    packaged = Path(str(resources.files("kamadvisor"))) / "rules" / "questionnaire.yaml"
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules" / "questionnaire.yaml"


DECLARATION = _declaration()
COMMAND = "python -m kamadvisor.questionnaire_codegen"
HEADER = f'''"""The typed questionnaire model: the base questions, their values and records.

Generated from rules/questionnaire.yaml by `{COMMAND}`; do not edit:
change the declaration and run the command again.
"""
'''
# The declaration's question types as Python types (an enum's is its `Literal`, a record's its
# class; `score` and `percent` are types of questionnaire_base.py).
PYTHON_TYPES = {
    "boolean": "bool",
    "integer": "int",
    "number": "float",
    "score": "Score",
    "percent": "Percent",
    "date": "date",
    "text": "str",
}
# Text answers are bounded: 200 characters when the declaration gives no length and no pattern.
DEFAULT_TEXT_LENGTH = 200


@dataclass(frozen=True)
class DeclaredClass:
    """A section or a kind of record of the base declaration: a class of the typed model."""

    name: str
    where: tuple[str, ...]
    class_name: str
    description: str | None
    questions: dict[str, QuestionSpec]
    entry: str | None = None

    @property
    def required(self) -> bool:
        return any(question.required for question in self.questions.values())


@dataclass(frozen=True)
class Answer:
    """A top-level answer of the questionnaire: a section, or a list of records or a record."""

    name: str
    section: DeclaredClass | None = None
    question: QuestionSpec | None = None


@dataclass
class BaseDeclaration:
    title: str
    description: str
    records: list[DeclaredClass] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)


def read_base(document: SourceDocument) -> tuple[BaseDeclaration | None, list[Problem]]:
    """The base declaration, and every problem of it, located (None when there are any)."""
    try:
        declared = QuestionsFile.model_validate(document.data)
    except ValidationError as error:
        return None, problems_from(error, document, QuestionsFile, code="schema")
    reader = _Reader(document)
    base = BaseDeclaration(declared.title or "", declared.description or "")
    for key in ("title", "description"):
        if getattr(declared, key) is None:
            reader.problem((), f"the base declaration needs a '{key}'", "missing-key")
    # A kind of record may list records of a kind declared above it (its class comes first).
    kinds = list(declared.records)
    for index, (kind, spec) in enumerate(declared.records.items()):
        record = reader.declared_class(("records", kind), kind, spec, kinds[:index])
        if record is not None:
            base.records.append(record)
    for name, spec in declared.sections.items():
        answer = reader.answer(name, spec, kinds)
        if answer is not None:
            base.answers.append(answer)
    reader.check_names(base)
    return (None, reader.problems) if reader.problems else (base, [])


class _Reader:
    """Reads the base declaration's sections and records, collecting located problems."""

    def __init__(self, document: SourceDocument) -> None:
        self.document = document
        self.problems: list[Problem] = []

    def problem(self, path: PathKey, message: str, code: str = "schema") -> None:
        line, column = self.document.locate(path) or (None, None)
        self.problems.append(
            Problem(self.document.name, line, column, render_path(path), message, code=code)
        )

    def answer(self, name: str, spec: SectionSpec, kinds: list[str]) -> Answer | None:
        where = ("sections", name)
        if spec.type is None:
            section = self.declared_class(where, name, spec, kinds)
            return None if section is None else Answer(name, section=section)
        raw = {"type": spec.type, "of": spec.of, "description": spec.description}
        if spec.ask is not None:
            raw["ask"] = spec.ask
        question = self.question(where, raw, kinds, top_level=True)
        return None if question is None else Answer(name, question=question)

    def declared_class(
        self, where: tuple[str, ...], name: str, spec: SectionSpec, kinds: list[str]
    ) -> DeclaredClass | None:
        if spec.type is not None:
            self.problem(where, "a kind of record declares its questions", "schema")
            return None
        questions = {
            question: self.question((*where, "questions", question), raw, kinds)
            for question, raw in spec.questions.items()
        }
        valid = {key: value for key, value in questions.items() if value is not None}
        if len(valid) != len(questions):
            return None
        if spec.entry is not None and where[0] != "records":
            self.problem((*where, "entry"), "only a kind of record has an 'entry'")
            return None
        return DeclaredClass(
            name, where, spec.model or class_name(name), spec.description, valid, spec.entry
        )

    def question(
        self, where: PathKey, raw: dict[str, Any], kinds: list[str], top_level: bool = False
    ) -> QuestionSpec | None:
        try:
            question = QuestionSpec.model_validate(raw)
        except ValidationError as error:
            self.problems.extend(
                problems_from(error, self.document, QuestionSpec, where, code="schema")
            )
            return None
        if question.type == "record" and not top_level:
            self.problem(
                (*where, "type"),
                "a record answered whole is declared at the top level, under 'sections'",
            )
            return None
        if question.of is not None and question.of not in kinds:
            self.problem(
                (*where, "of") if not top_level else where,
                f"'{question.of}' is not a kind of record declared above under 'records'"
                f"{did_you_mean(question.of, kinds)}",
                "unknown-record",
            )
            return None
        return question

    def check_names(self, base: BaseDeclaration) -> None:
        """Each class and each enum's type has one name, and questions that share a type name
        share its values."""
        classes = [*base.records, *(a.section for a in base.answers if a.section is not None)]
        seen: dict[str, tuple[str, ...]] = {}
        for declared in classes:
            if declared.class_name in seen or declared.class_name in RESERVED:
                self.problem(
                    declared.where,
                    f"the class name '{declared.class_name}' is already taken; give it a 'model'",
                )
            seen[declared.class_name] = declared.where
        values: dict[str, list[str]] = {}
        for declared in classes:
            for name, question in declared.questions.items():
                if question.type_name is None:
                    continue
                where = (*declared.where, "questions", name, "type_name")
                allowed = list(question.values)
                if question.type_name in seen or question.type_name in RESERVED:
                    self.problem(where, f"'{question.type_name}' is already the name of a class")
                elif values.setdefault(question.type_name, allowed) != allowed:
                    self.problem(
                        where,
                        f"'{question.type_name}' names other values elsewhere: "
                        f"{', '.join(values[question.type_name])}",
                    )


# Names the generated module defines or imports besides the declaration's.
RESERVED = frozenset(
    {
        "ConfigDict",
        "Field",
        "Literal",
        "Percent",
        "Questionnaire",
        "QuestionnaireBase",
        "Score",
        "Section",
    }
)


@dataclass(frozen=True)
class Chunk:
    """A piece of the generated module and the place of the declaration it comes from."""

    where: tuple[str, ...]
    text: str
    parts: tuple[Chunk, ...] = ()
    # An enum's type name, for the chunk that defines its values.
    name: str | None = None


def generate(base: BaseDeclaration) -> str:
    """The typed model's module, formatted as the project's formatter leaves it."""
    return HEADER + "".join(chunk.text for chunk in chunks(base))


def chunks(base: BaseDeclaration) -> list[Chunk]:
    """The module after its docstring, piece by piece."""
    classes = [*base.records, *(a.section for a in base.answers if a.section is not None)]
    pieces = [Chunk((), _imports(classes, base))]
    pieces.extend(_aliases(classes))
    pieces.extend(_class(declared) for declared in classes)
    pieces.append(Chunk(("sections",), _questionnaire(base)))
    pieces.append(Chunk(("sections",), _model_maps(base)))
    pieces.append(Chunk(("sections",), _exports(classes)))
    return pieces


def _imports(classes: list[DeclaredClass], declaration: BaseDeclaration) -> str:
    questions = [q for declared in classes for q in declared.questions.values()]
    answers = [a.question for a in declaration.answers if a.question is not None]
    asked = any(question.ask for question in [*questions, *answers])
    types = {question.type for question in questions}
    lists = any(question.is_list for question in questions)
    lines = ["\nfrom __future__ import annotations\n\n"]
    if "date" in types:
        lines.append("from datetime import date\n")
    typing = [
        *(["ClassVar"] if asked or any(c.entry is not None for c in classes) else []),
        *(["Literal"] if "enum" in types else []),
    ]
    if typing:
        lines.append(f"from typing import {', '.join(typing)}\n")
    lines.append("\n")
    pydantic = ["ConfigDict", "Field", *(["field_validator"] if lists else [])]
    lines.append(_import_line("pydantic", pydantic))
    lines.append("\n")
    base = ["QuestionnaireBase", "Section", *(["unique_items"] if lists else [])]
    base += [PYTHON_TYPES[kind] for kind in ("percent", "score") if kind in types]
    order = sorted(base, key=lambda name: (name[0].islower(), name))
    lines.append(_import_line("kamadvisor.questionnaire_base", order))
    return "".join(lines)


def _import_line(module: str, names: list[str]) -> str:
    line = f"from {module} import {', '.join(names)}\n"
    if len(line) <= 101:
        return line
    return f"from {module} import (\n" + "".join(f"    {name},\n" for name in names) + ")\n"


def _aliases(classes: list[DeclaredClass]) -> Iterator[Chunk]:
    """One `Literal` type an enum type name, where it is first declared."""
    done: set[str] = set()
    first = True
    for declared in classes:
        for name, question in declared.questions.items():
            if question.type_name is None or question.type_name in done:
                continue
            done.add(question.type_name)
            lead = "\n" if first else ""
            first = False
            text = f"{lead}{question.type_name} = {_literal(list(question.values))}\n"
            yield Chunk((*declared.where, "questions", name), text, name=question.type_name)


def _literal(values: list[str]) -> str:
    return "Literal[\n" + "".join(f"    {_string(value)},\n" for value in values) + "]"


def _class(declared: DeclaredClass) -> Chunk:
    head = f"\n\nclass {declared.class_name}(Section):\n"
    if declared.description is not None:
        head += f"    {_docstring(declared.description)}\n\n"
    if declared.entry is not None:
        head += f"    ENTRY: ClassVar[str] = {_string(declared.entry)}\n\n"
    asks = _asks(declared)
    if asks:
        head += "    ASKS: ClassVar[dict[str, str]] = {\n"
        head += "".join(f"        {_string(name)}: {_string(ask)},\n" for name, ask in asks)
        head += "    }\n\n"
    parts = tuple(
        Chunk((*declared.where, "questions", name), _field(name, question))
        for name, question in declared.questions.items()
    )
    lists = [name for name, question in declared.questions.items() if question.is_list]
    tail = ""
    if lists:
        names = ", ".join(_string(name) for name in lists)
        tail = (
            f"\n    @field_validator({names})\n"
            "    @classmethod\n"
            "    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:\n"
            "        return unique_items(value)\n"
        )
    text = head + "".join(part.text for part in parts) + tail
    return Chunk(declared.where, text, parts)


def _asks(declared: DeclaredClass) -> list[tuple[str, str]]:
    return [(name, q.ask) for name, q in declared.questions.items() if q.ask is not None]


def _field(name: str, question: QuestionSpec) -> str:
    annotation = _annotation(question)
    arguments = [] if question.required else ["None"]
    arguments.extend(f"{key}={value}" for key, value in _bounds(question))
    arguments.append(f"description={_string(described(question))}")
    if not question.required:
        annotation += " | None"
    body = "".join(f"        {argument},\n" for argument in arguments)
    return f"    {name}: {annotation} = Field(\n{body}    )\n"


def _annotation(question: QuestionSpec) -> str:
    if question.type == "enum":
        item = question.type_name or _literal(list(question.values))
        return f"list[{item}]" if question.is_list else item
    if question.type in ("records", "record"):
        record = class_name(question.of or "")
        return f"list[{record}]" if question.type == "records" else record
    return PYTHON_TYPES[question.type]


def _bounds(question: QuestionSpec) -> list[tuple[str, str]]:
    if question.type == "text":
        length = question.max_length
        if length is None and question.pattern is None:
            length = DEFAULT_TEXT_LENGTH
        text = [
            ("min_length", question.min_length),
            ("max_length", length),
            ("pattern", question.pattern),
        ]
        return [(key, _value(value)) for key, value in text if value is not None]
    number = [("ge", question.min), ("le", question.max)]
    return [(key, repr(value)) for key, value in number if value is not None]


def _value(value: int | str) -> str:
    return _string(value) if isinstance(value, str) else repr(value)


def _questionnaire(base: BaseDeclaration) -> str:
    lines = [
        "\n\nclass Questionnaire(QuestionnaireBase):\n",
        f"    {_docstring(base.description)}\n\n",
        f"    model_config = ConfigDict(title={_string(base.title)})\n\n",
    ]
    asks = [(a.name, a.question.ask) for a in base.answers if a.question and a.question.ask]
    if asks:
        lines.append("    ASKS: ClassVar[dict[str, str]] = {\n")
        lines.extend(f"        {_string(name)}: {_string(ask)},\n" for name, ask in asks)
        lines.append("    }\n\n")
    for answer in base.answers:
        if answer.section is not None:
            model = answer.section.class_name
            default = "" if answer.section.required else f" = {model}()"
            lines.append(f"    {answer.name}: {model}{default}\n")
        elif answer.question is not None:
            lines.append(_field(answer.name, answer.question))
    return "".join(lines)


def _model_maps(base: BaseDeclaration) -> str:
    sections = "".join(
        f"    {_string(a.name)}: {a.section.class_name},\n"
        for a in base.answers
        if a.section is not None
    )
    records = "".join(f"    {_string(r.name)}: {r.class_name},\n" for r in base.records)
    return (
        "\n\n# The sections of questions, in order, and the kinds of record, by name.\n"
        f"SECTION_MODELS: dict[str, type[Section]] = {{\n{sections}}}\n"
        f"RECORD_MODELS: dict[str, type[Section]] = {{\n{records}}}\n"
    )


def _exports(classes: list[DeclaredClass]) -> str:
    """`__all__`: what questionnaire.py re-exports, so that a new question needs no edit there."""
    types = {q.type_name for declared in classes for q in declared.questions.values()}
    names = {*(c.class_name for c in classes), *(t for t in types if t is not None)}
    names |= {"Questionnaire", "SECTION_MODELS", "RECORD_MODELS"}
    ordered = sorted(names, key=lambda name: (not name.isupper(), name))
    return "\n__all__ = [\n" + "".join(f"    {_string(name)},\n" for name in ordered) + "]\n"


def _string(text: str) -> str:
    """A Python string literal, quoted as the formatter quotes it."""
    body = json.dumps(text, ensure_ascii=False)[1:-1]
    if text.count('"') > text.count("'"):
        return "'" + body.replace('\\"', '"').replace("'", "\\'") + "'"
    return f'"{body}"'


def _docstring(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body = body[:-1] + '\\"'
    return f'"""{body}"""'


def model_problems(document: SourceDocument) -> list[Problem]:
    """What `rules check` says of a base declaration: its problems, and where it differs from
    the typed model built into the program (which only regenerating it changes)."""
    base, problems = read_base(document)
    if base is None:
        return problems
    committed = MODEL_FILE.read_text(encoding="utf-8")
    if generate(base) == committed:
        return []
    reader = _Reader(document)
    for chunk in chunks(base):
        if chunk.text not in committed:
            _locate_difference(reader, chunk, committed)
    reader.problem(
        (),
        "the questionnaire model built into kamadvisor was generated from another declaration; "
        "to ask more questions, add them in a house pack; after changing this file in a "
        f"checkout, run `{COMMAND}`",
        "base-model",
    )
    return reader.problems


def _locate_difference(reader: _Reader, chunk: Chunk, committed: str) -> None:
    where = chunk.where
    if chunk.name is not None:
        message = f"the values differ from the typed model's {chunk.name}"
        reader.problem((*where, "values"), message, "base-model")
        return
    if not chunk.parts:
        reader.problem(where, "differs from the typed model's questionnaire", "base-model")
        return
    head = chunk.text.split("\n", 3)[2]
    start = committed.find(f"\n{head}\n")
    if start < 0:
        reader.problem(where, "is not a section or record of the typed model", "base-model")
        return
    end = committed.find("\n\n\n", start + 1)
    typed = committed[start : end if end >= 0 else len(committed)]
    section = where[-1]
    differing = [part for part in chunk.parts if part.text not in typed]
    for part in differing:
        name = part.where[-1]
        reader.problem(part.where, f"differs from the typed model's {section}.{name}", "base-model")
    if not differing:
        reader.problem(
            where,
            f"the section's name, description, order or required questions differ from "
            f"the typed model's {head.removeprefix('class ').split('(')[0]}",
            "base-model",
        )


def main(argv: list[str] | None = None) -> int:
    """Write the typed model from the declaration (`--check`: only say whether it is current)."""
    arguments = sys.argv[1:] if argv is None else argv
    check = arguments == ["--check"]
    if arguments not in ([], ["--check"]):
        print(f"usage: {COMMAND} [--check]", file=sys.stderr)
        return 2
    try:
        base, problems = read_base(load_document(str(DECLARATION)))
    except InputError as error:
        problems, base = error.problems, None
    if base is None:
        for problem in problems:
            print(problem.format_check(), file=sys.stderr)
        return 2
    text = generate(base)
    current = MODEL_FILE.read_text(encoding="utf-8") if MODEL_FILE.is_file() else None
    if check:
        if current != text:
            print(f"{MODEL_FILE} is not generated from {DECLARATION}: run `{COMMAND}`")
            return 1
        return 0
    if current != text:
        # Written whole or not at all: the package imports this file.
        staged = MODEL_FILE.with_name(f".{MODEL_FILE.name}.tmp")
        staged.write_text(text, encoding="utf-8")
        staged.replace(MODEL_FILE)
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
