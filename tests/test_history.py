"""`kamadvisor history`: assessments found at any depth, grouped by account id, ordered by date;
files that cannot be placed on a history are reported and skipped, never silently dropped."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from helpers import invoke

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def layout(tmp_path: Path) -> Path:
    """Two accounts' assessments in folders that say nothing of their order: by file name the
    later Northwind assessment comes first."""
    folder = tmp_path / "assessments"
    (folder / "2026" / "q4" / "deep").mkdir(parents=True)
    (folder / "helix").mkdir()
    shutil.copy(EXAMPLES / "history" / "northwind-foods-2026-11.yaml", folder / "a-northwind.yaml")
    shutil.copy(EXAMPLES / "northwind-foods.yaml", folder / "2026" / "q4" / "deep" / "z.yaml")
    shutil.copy(EXAMPLES / "helix-pharma.yaml", folder / "helix" / "first.yaml")
    shutil.copy(EXAMPLES / "history" / "helix-pharma-2026-11.yaml", folder / "helix" / "b.yml")
    return folder


def test_assessments_are_grouped_by_id_and_ordered_by_date(tmp_path: Path) -> None:
    folder = layout(tmp_path)
    code, out, err = invoke("history", str(folder), "-f", "json")
    assert code == 0, err
    history = json.loads(out)
    assert [account["id"] for account in history["accounts"]] == ["HLX-2207", "NWF-0142"]
    northwind = history["accounts"][1]
    assert [p["assessed_on"] for p in northwind["assessments"]] == ["2026-10-15", "2026-11-27"]
    assert northwind["assessments"][0]["file"].endswith("2026/q4/deep/z.yaml")
    phases = [p["placements"]["phase"]["value"] for p in northwind["assessments"]]
    assert phases[0] == "transactional_selling"
    assert phases[1] in ("consultative_selling", "preferred_supplier")
    helix = history["accounts"][0]["assessments"]
    assert [p["placements"]["category"]["value"] for p in helix] == ["star", "strategic"]
    # Open high findings: the e-auctions and the price-driven buying are new at Helix.
    assert "BUYING-PRICE-OVER-RELATIONSHIP" not in helix[0]["high_findings"]
    assert "BUYING-PRICE-OVER-RELATIONSHIP" in helix[1]["high_findings"]
    assert history["skipped"] == []


def test_the_table_shows_each_trajectory(tmp_path: Path) -> None:
    code, out, err = invoke("history", str(layout(tmp_path)))
    assert code == 0, err
    lines = out.splitlines()
    start = lines.index("NWF-0142  Northwind Foods GmbH")
    assert lines[start + 1].split()[:3] == ["date", "phase", "category"]
    assert lines[start + 2].startswith("  2026-10-15  Transactional selling")
    assert lines[start + 3].startswith("  2026-11-27  ")
    assert "Transactional selling" not in lines[start + 3]


def test_files_that_cannot_be_placed_are_reported_and_skipped(tmp_path: Path) -> None:
    folder = layout(tmp_path)
    data = yaml.safe_load((EXAMPLES / "kestrel-components.yaml").read_text(encoding="utf-8"))
    del data["account"]["id"]
    (folder / "no-id.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (folder / "broken.json").write_text('{"account": {"name": "X", "nmae": 1}}', encoding="utf-8")
    code, out, err = invoke("history", str(folder), "-f", "json")
    assert code == 1
    history = json.loads(out)
    assert len(history["accounts"]) == 2  # every good file is still there
    places = [item["place"] for item in history["skipped"]]
    assert any(place.endswith("no-id.yaml:1:1") for place in places), places
    assert any("broken.json" in place for place in places)
    assert "account.id: is unanswered; a history groups assessments by account id" in err
    assert "unknown field 'nmae'" in err


def test_other_files_beside_the_questionnaires_are_named_once_each(tmp_path: Path) -> None:
    folder = layout(tmp_path)
    shutil.copytree(EXAMPLES / "house-pack", folder / "house-pack")
    shutil.copy(EXAMPLES / "portfolio" / "report-2026-q3.json", folder / "q3.json")
    code, out, err = invoke("history", str(folder), "-f", "json")
    assert code == 1
    assert len(json.loads(out)["accounts"]) == 2
    lines = err.strip().splitlines()
    others = [*sorted((folder / "house-pack").rglob("*.yaml")), folder / "q3.json"]
    assert len(lines) == len(others)
    for line, other in zip(sorted(lines), sorted(str(o) for o in others), strict=True):
        assert line == f"skipped: {other}: not a questionnaire (it has no account section)"


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("history", str(tmp_path / "nowhere"))
    assert code == 2
    assert "nowhere: no such file or folder" in err


def test_reruns_are_byte_identical(tmp_path: Path) -> None:
    folder = layout(tmp_path)
    for history_format in ("text", "json"):
        outputs = [invoke("history", str(folder), "-f", history_format)[1] for _ in range(2)]
        assert outputs[0] == outputs[1]
        assert outputs[0]
