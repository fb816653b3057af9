"""The typed base questionnaire model is generated from its declaration, rules/questionnaire.yaml:
the committed module is what the generator writes, and `rules check` locates a base declaration
that is unsound or differs from the model built into the program."""

from __future__ import annotations

import shutil
import typing
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kamadvisor import questionnaire_codegen
from kamadvisor.cli import cli
from kamadvisor.questionnaire import (
    RECORD_MODELS,
    ContactLevel,
    PreviousAction,
    Questionnaire,
    TeamMember,
)
from kamadvisor.questionnaire_codegen import COMMAND, generate, read_base
from kamadvisor.sourcefile import load_document

ROOT = Path(__file__).resolve().parents[1]
# The checkout's files, whether the package is installed from it or edited in place.
DECLARATION = ROOT / "rules" / "questionnaire.yaml"
MODEL_FILE = ROOT / "src" / "kamadvisor" / "questionnaire_model.py"


def test_the_committed_model_is_the_one_generated_from_the_declaration() -> None:
    base, problems = read_base(load_document(str(DECLARATION)))
    assert problems == []
    assert base is not None
    assert generate(base) == MODEL_FILE.read_text(encoding="utf-8"), (
        f"{MODEL_FILE.name} is not generated from rules/questionnaire.yaml: run `{COMMAND}`"
    )


def test_the_check_fails_on_a_hand_edited_model_and_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = tmp_path / "questionnaire_model.py"
    text = MODEL_FILE.read_text(encoding="utf-8")
    hand_edit = text.replace('"Their stance towards us."', '"Their stance towards us (edited)."')
    assert hand_edit != text
    edited.write_text(hand_edit, encoding="utf-8")
    monkeypatch.setattr(questionnaire_codegen, "MODEL_FILE", edited)
    assert questionnaire_codegen.main(["--check"]) == 1
    assert COMMAND in capsys.readouterr().out
    # Regenerating restores what the declaration says, and the check then passes.
    assert questionnaire_codegen.main([]) == 0
    assert edited.read_text(encoding="utf-8") == text
    assert questionnaire_codegen.main(["--check"]) == 0


def test_the_generated_module_says_it_is_generated_and_from_what() -> None:
    head = MODEL_FILE.read_text(encoding="utf-8").split('"""', 2)[1]
    assert "rules/questionnaire.yaml" in head
    assert COMMAND in head
    assert "do not edit" in head


def test_records_are_declared_and_the_model_reads_them_as_declared() -> None:
    declaration = yaml.safe_load(DECLARATION.read_text(encoding="utf-8"))
    records = declaration["records"]
    assert list(records) == list(RECORD_MODELS)
    contact = records["contact"]["questions"]
    assert list(typing.get_args(ContactLevel)) == contact["level"]["values"]
    assert list(TeamMember.model_fields) == list(records["team_member"]["questions"])
    assert TeamMember.model_fields["role"].is_required()
    assert PreviousAction.model_fields["what"].is_required()
    # The top-level answers that are not sections are declared in the questionnaire's order.
    assert list(declaration["sections"]) == list(Questionnaire.model_fields)
    assert declaration["sections"]["contacts"] == {
        "type": "records",
        "of": "contact",
        "description": Questionnaire.model_fields["contacts"].description,
        "ask": Questionnaire.ASKS["contacts"],
    }


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout


@pytest.mark.parametrize(
    ("old", "new", "at", "message", "errors"),
    [
        pytest.param(
            "        description: Permanently assigned to the account?",
            "        description: Permanently assigned to the account (full time)?",
            "      permanent:",
            "records.team_member.questions.permanent: differs from the typed model's "
            "team_member.permanent [base-model]",
            2,
            id="a record's field differs from the model",
        ),
        pytest.param(
            "values: [account_support, account_development, specialist, senior_manager, other]",
            "values: [account_support, account_development, specialist, senior_manager, intern]",
            "        values: [account_support",
            "records.team_member.questions.role.values: the values differ from the typed model's "
            "TeamRole [base-model]",
            2,
            id="an enum's values differ from the model",
        ),
        pytest.param(
            "        of: previous_action\n",
            "        of: previous_actions\n",
            "        of: previous_actions",
            "records.previous_plan.questions.actions.of: 'previous_actions' is not a kind of "
            "record declared above under 'records' (did you mean 'previous_action'?) "
            "[unknown-record]",
            # The previous plan answered at the top level, which holds the kind, is not blamed.
            1,
            id="a list of an undeclared kind of record",
        ),
        pytest.param(
            "        type_name: Authority\n        values: [none, within_limits, full]\n"
            "        description: Their authority over terms",
            "        type_name: Authority\n        values: [none, full]\n"
            "        description: Their authority over terms",
            "        type_name: Authority\n        values: [none, full]",
            "sections.kam.questions.authority_over_terms.type_name: 'Authority' names other "
            "values elsewhere: none, within_limits, full [schema]",
            1,
            id="one type name for two sets of values",
        ),
        pytest.param(
            "        type: records\n        of: team_member",
            "        type: record\n        of: team_member",
            "        type: record\n",
            "sections.team.questions.members.type: a record answered whole is declared at the top "
            "level, under 'sections' [schema]",
            1,
            id="a record answered whole inside a section",
        ),
    ],
)
def test_rules_check_locates_what_is_wrong_in_a_base_declaration(
    tmp_path: Path, old: str, new: str, at: str, message: str, errors: int
) -> None:
    base = tmp_path / "base"
    shutil.copytree(ROOT / "rules", base)
    declaration = base / "questionnaire.yaml"
    text = declaration.read_text(encoding="utf-8")
    assert old in text
    changed = text.replace(old, new, 1)
    declaration.write_text(changed, encoding="utf-8")
    line = changed[: changed.index(at)].count("\n") + 1
    column = len(at) - len(at.lstrip()) + 1
    code, out = invoke("rules", "check", str(base))
    assert code == 1
    assert f"{declaration}:{line}:{column}: error: {message}" in out
    assert out.count(": error: ") == errors
    if "[base-model]" in message:
        assert COMMAND in out


def test_the_generator_writes_nothing_from_a_broken_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    declaration = tmp_path / "questionnaire.yaml"
    text = DECLARATION.read_text(encoding="utf-8")
    declaration.write_text(text.replace("of: contact\n", "of: contacts\n", 1), encoding="utf-8")
    model = tmp_path / "questionnaire_model.py"
    model.write_text("# untouched\n", encoding="utf-8")
    monkeypatch.setattr(questionnaire_codegen, "DECLARATION", declaration)
    monkeypatch.setattr(questionnaire_codegen, "MODEL_FILE", model)
    assert questionnaire_codegen.main([]) == 2
    err = capsys.readouterr().err
    assert f"{declaration}:" in err
    assert "sections.contacts: 'contacts' is not a kind of record" in err
    assert model.read_text(encoding="utf-8") == "# untouched\n"


def test_the_blank_questionnaire_follows_the_models_order_and_record_kinds() -> None:
    """`questionnaire new` walks the model the declaration generates: a list of records stands
    where it is declared, with an example entry of its kind; a record answered whole is last."""
    from pydantic import create_model

    from kamadvisor.blank import blank_questionnaire
    from kamadvisor.questionnaire import Account, Contact, PreviousPlan
    from kamadvisor.questionnaire_base import QuestionnaireBase

    fields = Questionnaire.model_fields
    reordered: typing.Any = create_model(
        "Questionnaire",
        __base__=QuestionnaireBase,
        previous_plan=(PreviousPlan | None, fields["previous_plan"]),
        contacts=(list[Contact] | None, fields["contacts"]),
        account=(Account, ...),
    )
    lines = blank_questionnaire("Orion Foods", reordered).splitlines()
    assert lines.index("contacts:") < lines.index("account:") < lines.index("# previous_plan:")
    assert lines[lines.index("contacts:") + 1] == "  # one entry a person, for example:"
    assert lines[lines.index("contacts:") + 2].startswith("  # - name:")
    assert "#     # one entry an action of the previous plan, for example:" in lines
