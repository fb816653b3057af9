"""The per-account function is pure and can be mapped over processes."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import yaml

from kamadvisor.api import Advisor, diagnose_answers
from kamadvisor.questionnaire import load_questionnaire
from kamadvisor.render import render_json

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
