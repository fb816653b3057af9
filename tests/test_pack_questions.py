"""Questions a house pack adds: declared as data, they reach the schema, the blank questionnaire,
the workbook template, validation, the facts rules read, the memo and `explain`."""

from __future__ import annotations

import json
import textwrap
import zipfile
from pathlib import Path

import openpyxl
import pytest
from helpers import (
    ATTRACTIVENESS_FACTORS,
    BUSINESS_STRENGTH_FACTORS,
    assert_declaration_refused,
    invoke,
)
from test_inputs import libreoffice_test, soffice_convert

ROOT = Path(__file__).resolve().parents[1]
HOUSE = str(ROOT / "examples" / "house-pack")
ORACLE = ROOT / "tests" / "oracle"
STRATEGIC = {
    "attractiveness": dict.fromkeys(ATTRACTIVENESS_FACTORS, 8),
    "business_strength": dict.fromkeys(BUSINESS_STRENGTH_FACTORS, 8),
}


def write_answers(path: Path, relationship: dict[str, str] | None = None) -> str:
    answers = {"account": {"name": "Orion Foods"}, **STRATEGIC}
    if relationship is not None:
        answers["relationship"] = relationship
    path.write_text(json.dumps(answers), encoding="utf-8")
    return str(path)


def make_pack(root: Path, files: dict[str, str]) -> Path:
    pack = root / "audit-house"
    manifest = """\
        name: audit-house
        version: 1.0.0
        builds_on: [kamadvisor-base]
        themes:
          audit: {title: Supplier audits, order: 96}
        """
    for relative, text in {"pack.yaml": manifest, **files}.items():
        target = pack / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    return pack


# Taken from the code before questions could be declared (commit 13867e8): the base
# questionnaire a pack extends must not move by a byte. Since then the printed schema carries its
# contract's identity (`$schema`, `$id`, `version`) and the blank its editor modeline; the
# questionnaire they describe is the same.
CONTRACT_KEYS = ("$schema", "$id", "version")


def test_without_a_house_pack_the_schema_and_blank_are_the_earlier_ones() -> None:
    code, schema, _ = invoke("questionnaire", "schema")
    assert code == 0
    printed = json.loads(schema)
    assert [key for key in CONTRACT_KEYS if key in printed] == list(CONTRACT_KEYS)
    assert {k: v for k, v in printed.items() if k not in CONTRACT_KEYS} == json.loads(
        (ORACLE / "questionnaire-schema-13867e8.json").read_text(encoding="utf-8")
    )
    code, blank, _ = invoke("questionnaire", "new")
    assert code == 0
    modeline, rest = blank.split("\n", 1)
    assert modeline.startswith("# yaml-language-server: $schema=")
    assert rest == (ORACLE / "questionnaire-new-13867e8.yaml").read_text(encoding="utf-8")


def test_the_house_question_joins_the_schema_with_its_values_and_labels() -> None:
    code, out, _ = invoke("questionnaire", "schema", "--rules", HOUSE)
    assert code == 0
    schema = json.loads(out)
    question = schema["$defs"]["Relationship"]["properties"]["satisfaction_measure"]
    assert question["anyOf"][0]["enum"] == ["none", "anecdotal", "survey", "joint_review"]
    assert question["x-labels"]["anecdotal"] == "What the account manager hears"
    # Everything of the base is still there, unchanged.
    base = json.loads((ORACLE / "questionnaire-schema-13867e8.json").read_text(encoding="utf-8"))
    # (the relationship section's default now holds the house question, unanswered)
    assert schema["properties"]["relationship"]["default"] == {
        **base["properties"]["relationship"]["default"],
        "satisfaction_measure": None,
    }
    schema["properties"]["relationship"] = base["properties"]["relationship"]
    # The house's own section, whose factors its relationship health score weighs.
    house_section = schema["properties"].pop("relationship_health")
    assert house_section["$ref"] == "#/$defs/RelationshipHealth"
    assert sorted(schema["$defs"].pop("RelationshipHealth")["properties"]) == [
        "joint_planning",
        "responsiveness",
        "trust",
    ]
    assert {
        key: value for key, value in schema.items() if key != "$defs" and key not in CONTRACT_KEYS
    } == {key: value for key, value in base.items() if key != "$defs"}
    # A house's questionnaire is its own: it does not claim the base contract's identity.
    assert "$id" not in schema
    assert {name: spec for name, spec in schema["$defs"].items() if name != "Relationship"} == {
        name: spec for name, spec in base["$defs"].items() if name != "Relationship"
    }
    for name, spec in base["$defs"]["Relationship"]["properties"].items():
        assert schema["$defs"]["Relationship"]["properties"][name] == spec


def test_the_blank_questionnaire_asks_the_house_question_in_its_section() -> None:
    code, out, _ = invoke("questionnaire", "new", "--rules", HOUSE)
    assert code == 0
    lines = out.splitlines()
    section = lines.index("relationship:")
    asked = next(i for i, line in enumerate(lines) if "satisfaction_measure:" in line)
    assert section < asked < lines.index("kam:")
    assert "anecdotal (What the account manager hears)" in lines[asked]


def test_a_house_question_is_validated_and_unknown_without_its_pack(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "a.json", {"satisfaction_measure": "often"})
    code, _, err = invoke("memo", answers, "--rules", HOUSE)
    assert code == 2
    assert "relationship.satisfaction_measure" in err
    assert "anecdotal" in err
    answers = write_answers(tmp_path / "b.json", {"satisfaction_measure": "survey"})
    code, _, err = invoke("memo", answers)
    assert code == 2
    assert "relationship.satisfaction_measure" in err


def test_the_house_rule_reads_the_house_question_in_the_memo_and_explain(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "a.json", {"satisfaction_measure": "anecdotal"})
    code, memo, _ = invoke("memo", answers, "--rules", HOUSE)
    assert code == 0
    assert "We do not measure how satisfied Orion Foods is with us" in memo
    assert "`relationship.satisfaction_measure` = anecdotal" in memo
    code, out, _ = invoke("explain", answers, "HOUSE-SATISFACTION-UNMEASURED", "--rules", HOUSE)
    assert code == 0
    assert out.splitlines()[0].endswith("fired")
    assert "[yes] relationship.satisfaction_measure in [none, anecdotal]" in out


def test_an_unanswered_house_question_is_listed_open_never_read_as_no(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "a.json")
    code, out, _ = invoke("memo", answers, "--rules", HOUSE, "-f", "json")
    assert code == 0
    diagnosis = json.loads(out)
    assert "HOUSE-SATISFACTION-UNMEASURED" not in diagnosis["fired_rules"]
    assert "relationship.satisfaction_measure" in [q["path"] for q in diagnosis["unanswered"]]
    code, out, _ = invoke("explain", answers, "HOUSE-SATISFACTION-UNMEASURED", "--rules", HOUSE)
    assert code == 0
    assert "did not fire" in out.splitlines()[0]


def test_the_memo_asks_an_unanswered_house_question_as_the_pack_words_it(tmp_path: Path) -> None:
    """The house declares how the memo asks its question; its description ('How we know
    whether ...') is no question, and the memo does not turn it into a broken one."""
    answers = write_answers(tmp_path / "a.json")
    code, memo, _ = invoke("memo", answers, "--rules", HOUSE)
    assert code == 0
    questions = memo.split("## Questions that could change this advice", 1)[1].split("\n## ", 1)[0]
    assert "- How do we know whether this customer is satisfied with us?" in questions
    assert "How we know whether" not in questions
    # The house rule reads a score derived from three questions: the memo asks for them.
    assert "- How far do the customer's people trust us with sensitive information and plans?" in (
        questions
    )
    assert "- How far do we plan the account's future together with the customer?" in questions


@libreoffice_test
def test_the_house_template_opens_in_libreoffice_and_reads_back(tmp_path: Path) -> None:
    template = tmp_path / "template.xlsx"
    assert invoke("questionnaire", "template", "--rules", HOUSE, "-o", str(template))[0] == 0
    resaved = soffice_convert(template, "ods", tmp_path / "out")
    assert "relationship.satisfaction_measure" in zipfile.ZipFile(resaved).read(
        "content.xml"
    ).decode("utf-8")
    workbook = openpyxl.load_workbook(template)
    sheet = workbook["accounts"]
    header = [cell.value for cell in sheet[1]]
    column = header.index("relationship.satisfaction_measure") + 1
    letter = openpyxl.utils.get_column_letter(column)
    dropdowns = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert dropdowns[f"{letter}2"].formula1 == '"none,anecdotal,survey,joint_review"'
    # Filled in as a consultant would, it reads back through the same pack.
    answers = {"account.name": "Orion Foods", "relationship.satisfaction_measure": "none"}
    answers.update(
        {
            f"{section}.{name}": score
            for section in STRATEGIC
            for name, score in STRATEGIC[section].items()
        }
    )
    for name, value in answers.items():
        sheet.cell(row=2, column=header.index(name) + 1, value=value)
    filled = tmp_path / "filled.xlsx"
    workbook.save(filled)
    report = tmp_path / "report.json"
    code, _, err = invoke(
        "portfolio", str(filled), "--rules", HOUSE, "-f", "json", "-o", str(report), "--jobs", "1"
    )
    assert code == 0, err
    (account,) = json.loads(report.read_text(encoding="utf-8"))["accounts"]
    assert "HOUSE-SATISFACTION-UNMEASURED" in [f["rule_id"] for f in account["findings"]]


AUDIT_QUESTIONS = """\
    sections:
      audit:
        description: What the customer's last audit of us found.
        questions:
          open_findings: {type: integer, min: 0, max: 500, description: Findings still open.}
          areas:
            type: enum
            list: true
            description: Areas the audit found wanting.
            values: {quality: Quality, delivery: Delivery, compliance: Compliance}
    """
AUDIT_RULE = """\
    rules:
      - id: AUDIT-COMPLIANCE-OPEN
        title: Compliance findings left open
        theme: audit
        severity: high
        when:
          all:
            - {fact: audit.open_findings, gt: 2}
            - {fact: audit.areas, contains: compliance}
        advice: The customer's last audit left {{ facts.audit.open_findings }} findings open.
        source: {paper: Cranfield, quote: "customer critical success factors", note: A test.}
    """


def test_a_new_section_with_a_list_question_is_read_from_a_table(tmp_path: Path) -> None:
    pack = make_pack(tmp_path, {"questionnaire.yaml": AUDIT_QUESTIONS, "audit.yaml": AUDIT_RULE})
    code, out, _ = invoke("rules", "check", str(pack))
    assert code == 0, out
    table = tmp_path / "accounts.csv"
    table.write_text(
        "account.name;audit.open_findings;audit.areas\n"
        "Fires;3;quality, compliance\n"
        "Near miss;3;quality, delivery\n"
        "Unanswered;;\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.json"
    code, _, err = invoke(
        "portfolio",
        str(table),
        "--rules",
        str(pack),
        "-f",
        "json",
        "-o",
        str(report),
        "--jobs",
        "1",
    )
    assert code == 0, err
    fired = {
        account["name"]: [finding["rule_id"] for finding in account["findings"]]
        for account in json.loads(report.read_text(encoding="utf-8"))["accounts"]
    }
    assert "AUDIT-COMPLIANCE-OPEN" in fired["Fires"]
    assert "AUDIT-COMPLIANCE-OPEN" not in fired["Near miss"]
    assert "AUDIT-COMPLIANCE-OPEN" not in fired["Unanswered"]


@pytest.mark.parametrize(
    ("questions", "message", "code"),
    [
        (
            "relationship: {questions: {uses_tenders: {type: integer, description: Retyped.}}}",
            "'relationship.uses_tenders' is already declared by the base questionnaire",
            "question-redeclared",
        ),
        (
            "contacts: {questions: {age: {type: integer, description: Age.}}}",
            "'contacts' is a list of the questionnaire, not a section of questions",
            "question-redeclared",
        ),
        (
            "esg: {questions: {rating: {type: score, description: ESG rating.}}}",
            "new section 'esg' needs a 'description'",
            "missing-key",
        ),
        (
            "relationship: {questions: {mood: {type: enum, description: Mood.}}}",
            "an enum question needs 'values'",
            "schema",
        ),
        (
            "relationship: {questions: {must: {type: boolean, required: true, description: M.}}}",
            "'required' is for the base questionnaire only",
            "schema",
        ),
        (
            "relationship: {questions: {spend: {type: number, min: 5, max: 1, description: S.}}}",
            "min 5 is above max 1",
            "schema",
        ),
        (
            "relationship: {questions: {audited: {type: boolean, description: A., "
            "ask: Whether we were audited}}}",
            "relationship.questions.audited.ask: the question as the memo asks it: one line ending",
            "schema",
        ),
    ],
)
def test_rules_check_locates_a_bad_question_declaration(
    tmp_path: Path, questions: str, message: str, code: str
) -> None:
    pack = make_pack(tmp_path, {"questionnaire.yaml": f"sections:\n  {questions}\n"})
    assert_declaration_refused(pack, 2, message, code)


def test_a_later_pack_cannot_redeclare_an_earlier_packs_question(tmp_path: Path) -> None:
    pack = make_pack(
        tmp_path,
        {
            "questionnaire.yaml": """\
            sections:
              relationship:
                questions:
                  satisfaction_measure: {type: boolean, description: Retyped.}
            """,
        },
    )
    code, _out, err = invoke(
        "memo",
        str(ROOT / "examples" / "northwind-foods.yaml"),
        "--rules",
        HOUSE,
        "--rules",
        str(pack),
    )
    assert code == 2
    assert "'relationship.satisfaction_measure' is already declared by" in err
    assert "house-pack/questionnaire.yaml" in err


def test_the_base_declaration_generates_the_earlier_schema_exactly() -> None:
    """The questionnaire built from rules/questionnaire.yaml alone (each base section generated
    from its declared questions) has the JSON Schema of commit 13867e8, before any declaration."""
    from pydantic import create_model

    from kamadvisor.questionnaire import Questionnaire
    from kamadvisor.questions import base_sections
    from kamadvisor.sourcefile import load_document

    sections = base_sections(load_document(str(ROOT / "rules" / "questionnaire.yaml")))
    generated = create_model(
        "Questionnaire",
        __base__=Questionnaire,
        __doc__=Questionnaire.__doc__,
        **{  # type: ignore[call-overload]
            name: (model, ... if Questionnaire.model_fields[name].is_required() else model())
            for name, model in sections.items()
        },
    )
    oracle = json.loads((ORACLE / "questionnaire-schema-13867e8.json").read_text(encoding="utf-8"))
    assert generated.model_json_schema() == oracle


def test_rules_check_locates_where_the_base_declaration_and_model_disagree(tmp_path: Path) -> None:
    import shutil

    base = tmp_path / "base"
    shutil.copytree(ROOT / "rules", base)
    declaration = base / "questionnaire.yaml"
    text = declaration.read_text(encoding="utf-8")
    changed = text.replace(
        "        type: score\n        description: Our price competitiveness (1-10).",
        "        type: integer\n        description: Our price competitiveness (1-10).",
    )
    assert changed != text
    declaration.write_text(changed, encoding="utf-8")
    line = changed[: changed.index("Our price competitiveness")].count("\n") - 1
    code, out, _ = invoke("rules", "check", str(base))
    assert code == 1
    assert (
        f"{declaration}:{line}:7: error: sections.business_strength.questions.price: differs "
        "from the typed model's business_strength.price [base-model]"
    ) in out


def test_serve_asks_the_house_question_and_its_new_questionnaire_has_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from serve_helpers import copy_examples, running_server

    folder = copy_examples(tmp_path_factory.mktemp("house-serve"))
    with running_server(folder, "--rules", HOUSE) as running:
        status, _, page = running.request("GET", "/edit?file=northwind-foods.yaml")
        assert status == 200
        assert 'name="relationship.satisfaction_measure"' in page
        assert '<option value="anecdotal"' in page
        status, _, _ = running.post_form(
            "/new", [("csrf", running.csrf_token()), ("account_name", "Orion Foods")]
        )
        assert status in (200, 303)
    (created,) = [path for path in folder.iterdir() if "orion" in path.name]
    assert "satisfaction_measure:" in created.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("declaration", "line", "path", "message"),
    [
        (
            "records:\n  contact:\n    questions:\n      age: {type: integer, description: Age.}\n",
            2,
            "records.contact",
            "kinds of record are the base questionnaire's; a pack may not add one or alter one",
        ),
        (
            "records:\n  supplier:\n    questions:\n      name: {type: text, description: N.}\n",
            2,
            "records.supplier",
            "kinds of record are the base questionnaire's; a pack may not add one or alter one",
        ),
        (
            "sections:\n  suppliers: {type: records, of: contact, description: Suppliers.}\n",
            2,
            "sections.suppliers",
            "a list of records or a record at the top level is for the base questionnaire only",
        ),
        (
            "sections:\n  relationship:\n    questions:\n"
            "      advisers: {type: records, of: contact, description: Advisers.}\n",
            4,
            "sections.relationship.questions.advisers.of",
            "'of' is for the base questionnaire only",
        ),
        (
            "sections:\n  relationship:\n    questions:\n"
            "      mood: {type: enum, type_name: Mood, values: [good, bad], description: M.}\n",
            4,
            "sections.relationship.questions.mood.type_name",
            "'type_name' is for the base questionnaire only",
        ),
        (
            "sections:\n  audit:\n    description: Audit.\n    entry: a finding\n    questions:\n"
            "      open_findings: {type: integer, description: Open.}\n",
            4,
            "sections.audit.entry",
            "'entry' is for the base sections only",
        ),
    ],
)
def test_a_house_pack_cannot_add_or_alter_a_kind_of_record(
    tmp_path: Path, declaration: str, line: int, path: str, message: str
) -> None:
    pack = make_pack(tmp_path, {"questionnaire.yaml": declaration})
    exit_code, out, _ = invoke("rules", "check", str(pack))
    assert exit_code == 1
    assert f"{pack / 'questionnaire.yaml'}:{line}:" in out
    assert f" error: {path}: " in out
    assert message in out
    exit_code, _, err = invoke("questionnaire", "new", "--rules", str(pack))
    assert exit_code == 2
    assert message in err
