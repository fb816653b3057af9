"""The per-account function is pure and can be mapped over processes; portfolios stream."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
import yaml

from kamadvisor.api import Advisor, diagnose_answers
from kamadvisor.errors import InputError
from kamadvisor.questionnaire import load_questionnaire, validate_questionnaire
from kamadvisor.render import render_json
from kamadvisor.tabular import stream_batch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))


def test_diagnose_answers_maps_over_separate_processes(advisor: Advisor) -> None:
    answers = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in EXAMPLES]
    # What a cluster scheduler does: ship the function and the plain answers to other processes.
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        mapped = pool.map(diagnose_answers, answers)
    for path, diagnosis in zip(EXAMPLES, mapped, strict=True):
        expected = json.loads(render_json(advisor.diagnose(load_questionnaire(str(path)))))
        assert json.loads(json.dumps(diagnosis)) == expected, path.name
    assert len({d["placements"]["phase"]["value"] for d in mapped}) == 5  # one example a phase


def test_records_are_built_as_they_are_consumed_and_located_by_their_rows(
    tmp_path: Path,
) -> None:
    table = tmp_path / "accounts.csv"
    table.write_text(
        "account.name,account.id,relationship.team_model\n"
        "Atlas,A1,individual\n"
        "Helix,A2,solo\n"
        "Atlas again,A1,individual\n",
        encoding="utf-8",
    )
    contacts = tmp_path / "accounts-contacts.csv"
    contacts.write_text(
        "account.id,name,level\nA2,Dana,boardroom\nA9,Nobody,board\n", encoding="utf-8"
    )
    stream = stream_batch(table)
    assert stream.skipped == []  # nothing is read into records before they are asked for
    records = list(stream.records)
    assert [r.source for r in records] == [f"{table} row 2", f"{table} row 3"]
    assert records[1].document.data["contacts"] == [{"name": "Dana", "level": "boardroom"}]
    # The repeated id and the contact of no account are reported once the stream is exhausted.
    assert [(p.file, p.line, p.path) for p in stream.skipped] == [
        (str(table), 4, "account.id"),
        (str(contacts), 3, "account.id"),
    ]
    with pytest.raises(InputError) as raised:
        validate_questionnaire(records[1].document)
    located = {
        (p.file, p.line, p.column, p.path)
        for p in (records[1].relocate(problem) for problem in raised.value.problems)
    }
    assert located == {
        (str(table), 3, 3, "relationship.team_model"),
        (str(contacts), 2, 3, "contacts[0].level"),
    }
