"""Write the corpus of bad inputs and what each must produce (`cases.yaml`).

Run from the repository root: `python tests/corpus/make_corpus.py`. The generated files are
committed; the expectations are written here by hand, per kind of mistake, not taken from the
program's output. The 50 MB file is made by the test itself, never committed.
"""

from __future__ import annotations

import json
import shutil
import types
import typing
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

VALID = {
    "account": {"name": "Corpus Ltd", "assessment_date": "2026-01-15"},
    "relationship": {"team_model": "individual", "customer_view": "one_of_many"},
    "kam": {"targets": ["monthly_volume"]},
}


class Corpus:
    def __init__(self) -> None:
        self.cases: list[dict[str, Any]] = []

    def add(
        self,
        kind: str,
        name: str,
        content: str | bytes,
        expect: list[str],
        command: str = "assess",
        exit_code: int = 2,
        suffix: str = ".yaml",
    ) -> None:
        relative = Path(kind) / f"{name}{suffix}"
        target = HERE / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        self.cases.append(
            {"file": relative.as_posix(), "command": command, "exit": exit_code, "expect": expect}
        )

    def add_pack(self, name: str, files: dict[str, str], expect: list[str]) -> None:
        directory = HERE / "packs" / name
        for relative, text in files.items():
            target = directory / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        self.cases.append(
            {"file": f"packs/{name}", "command": "rules check", "exit": 1, "expect": expect}
        )


def dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def with_answer(path: str, value: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(VALID))
    section, field = path.split(".")
    data.setdefault(section, {})[field] = value
    return data


def malformed_yaml(corpus: Corpus) -> None:
    texts = {
        "unclosed-flow-sequence": ("account:\n  name: [unclosed\n", "3:1"),
        "unclosed-flow-mapping": ("account: {name: A\n", "2:1"),
        "unterminated-double-quote": ('account:\n  name: "Acme\n', "3:1"),
        "unterminated-single-quote": ("account:\n  name: 'Acme\n", "3:1"),
        "tab-indentation": ("account:\n\tname: Acme\n", "2:1"),
        "bad-indentation": ("account:\n  name: Acme\n   id: x\n", "3:"),
        "mapping-in-scalar": ("account:\n  name: a: b\n", "2:"),
        "dash-after-mapping": ("account:\n  name: A\n- item\n", "3:1"),
        "stray-closing-bracket": ("account: ]\n", "1:"),
        "two-documents": ("account: {name: A}\n---\naccount: {name: B}\n", "2:1"),
        "bad-escape": ('account:\n  name: "\\q"\n', "2:"),
        "directive-garbage": ("%YAML 9.9\n---\naccount: {name: A}\n", "1:"),
    }
    for name, (text, place) in texts.items():
        corpus.add("yaml", name, text, [f"{name}.yaml:{place}", "invalid YAML"])


def malformed_json(corpus: Corpus) -> None:
    texts = {
        "trailing-comma": ('{"account": {"name": "A"},}\n', "1:"),
        "single-quotes": ("{'account': {'name': 'A'}}\n", "1:2"),
        "missing-colon": ('{"account" {"name": "A"}}\n', "1:"),
        "unclosed-object": ('{"account": {"name": "A"}\n', "2:"),
        "comment": ('// note\n{"account": {"name": "A"}}\n', "1:1"),
        "nan-number": ('{"account": {"name": "A"}, "economics": {"annual_revenue": NaN}}\n', ""),
        "bare-word": ("hello\n", "1:1"),
        "empty-json": ("", "1:1"),
    }
    for name, (text, place) in texts.items():
        expect = [f"{name}.json:{place}" if place else f"{name}.json", "JSON"]
        if name == "nan-number":
            expect = [f"{name}.json", "economics.annual_revenue"]
        corpus.add("json", name, text, expect, suffix=".json")


def duplicates_tags_aliases(corpus: Corpus) -> None:
    corpus.add(
        "duplicate",
        "top-level",
        "account: {name: A}\naccount: {name: B}\n",
        ["top-level.yaml:2:1", "duplicate key 'account'"],
    )
    corpus.add(
        "duplicate",
        "in-section",
        "account:\n  name: A\n  id: x\n  id: y\n",
        ["in-section.yaml:4:3", "duplicate key 'id'", "first given on line 3"],
    )
    corpus.add(
        "duplicate",
        "in-contact",
        "account: {name: A}\ncontacts:\n  - level: board\n    level: purchasing\n",
        ["in-contact.yaml:4:5", "contacts[0].level", "duplicate key 'level'"],
    )
    corpus.add(
        "duplicate",
        "in-flow-mapping",
        "account: {name: A, name: B}\n",
        ["in-flow-mapping.yaml:1:20", "duplicate key 'name'"],
    )
    corpus.add(
        "duplicate",
        "json-duplicate",
        '{"account": {"name": "A", "name": "B"}}\n',
        ["json-duplicate.json:1:", "duplicate key 'name'"],
        suffix=".json",
    )
    tags = {
        "python-object": "account: !!python/object:os.system {name: x}\n",
        "python-apply": "account: !!python/object/apply:os.system ['echo pwned']\n",
        "python-name": "account: !!python/name:os.system\n",
        "python-module": "account: !!python/module:os\n",
        "custom-tag": "account: !secret {name: x}\n",
    }
    for name, text in tags.items():
        corpus.add("tags", name, text, [f"{name}.yaml:1:", "is not allowed: only plain data"])
    laughs = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
    )
    corpus.add(
        "aliases",
        "billion-laughs",
        laughs,
        ["billion-laughs.yaml:", "anchors and aliases are not allowed"],
    )
    corpus.add(
        "aliases",
        "simple-alias",
        "account: &x {name: A}\nother: *x\n",
        ["simple-alias.yaml:", "anchors and aliases are not allowed"],
    )
    corpus.add(
        "aliases",
        "merge-key",
        "base: &b {name: A}\naccount:\n  <<: *b\n",
        ["merge-key.yaml:", "anchors and aliases are not allowed"],
    )
    deep_yaml = (
        "account: {name: A}\nx:\n"
        + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(40))
        + "  " * 41
        + "v: 1\n"
    )
    corpus.add(
        "nesting", "deep-yaml", deep_yaml, ["deep-yaml.yaml:", "nesting deeper than 32 levels"]
    )
    corpus.add(
        "nesting",
        "deep-json",
        '{"account": {"name": "A"}, "x": ' + "[" * 60 + "]" * 60 + "}\n",
        ["deep-json.json", "nesting deeper than 32 levels"],
        suffix=".json",
    )


def encodings(corpus: Corpus) -> None:
    corpus.add(
        "encoding", "binary-garbage", bytes(range(256)) * 4, ["binary-garbage.yaml", "binary"]
    )
    corpus.add(
        "encoding",
        "png-header",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        ["png-header.yaml", "binary"],
    )
    corpus.add(
        "encoding",
        "random-high-bytes",
        bytes([200, 201, 202, 10, 250, 251]) * 50,
        ["random-high-bytes.yaml:1", "not valid UTF-8"],
    )
    corpus.add(
        "encoding",
        "utf16-le",
        "account:\n  name: Acme\n".encode("utf-16"),
        ["utf16-le.yaml", "UTF-16"],
    )
    corpus.add(
        "encoding",
        "utf16-be",
        b"\xfe\xff" + "account:\n".encode("utf-16-be"),
        ["utf16-be.yaml", "UTF-16"],
    )
    corpus.add(
        "encoding",
        "latin1-name",
        "account:\n  id: x\n  name: Société Générale\n".encode("latin-1"),
        ["latin1-name.yaml:3", "not valid UTF-8", "Latin-1"],
    )
    corpus.add(
        "encoding",
        "latin1-comment",
        "# café\naccount: {name: A}\n".encode("latin-1"),
        ["latin1-comment.yaml:1", "not valid UTF-8"],
    )
    corpus.add(
        "encoding",
        "bom-then-error",
        "\ufeffaccount:\n  name: A\n  nmae: B\n".encode(),
        ["bom-then-error.yaml:3:3", "did you mean 'name'"],
    )
    corpus.add(
        "encoding",
        "bom-then-bad-enum",
        "\ufeffaccount: {name: A}\nkam: {title: boss}\n".encode(),
        ["bom-then-bad-enum.yaml:2:7", "kam.title"],
    )
    corpus.add(
        "shape",
        "empty-file",
        "",
        ["empty-file.yaml:1", "expected a mapping with an 'account' section"],
    )
    corpus.add(
        "shape", "top-level-list", "- account\n", ["top-level-list.yaml:1", "expected a mapping"]
    )
    corpus.add(
        "shape",
        "top-level-scalar",
        "just text\n",
        ["top-level-scalar.yaml:1", "expected a mapping"],
    )
    corpus.add(
        "shape",
        "missing-account",
        "economics: {annual_revenue: 1}\n",
        ["missing-account.yaml", "account: is required"],
    )
    corpus.add(
        "shape",
        "missing-name",
        "account: {id: x}\n",
        ["missing-name.yaml:1:", "account.name: is required"],
    )
    corpus.add(
        "shape",
        "empty-name",
        "account: {name: ''}\n",
        ["empty-name.yaml:1:", "account.name: must not be empty"],
    )
    corpus.add(
        "shape",
        "section-is-list",
        "account: {name: A}\nrelationship: [a, b]\n",
        ["section-is-list.yaml:2:", "relationship: a list is not a section"],
    )
    corpus.add(
        "shape",
        "contacts-not-list",
        "account: {name: A}\ncontacts: {level: board}\n",
        ["contacts-not-list.yaml:2:", "contacts:", "is not a list"],
    )
    corpus.add(
        "shape",
        "contact-not-mapping",
        "account: {name: A}\ncontacts: [board]\n",
        ["contact-not-mapping.yaml:2:", "contacts[0]"],
    )


def _base_type(annotation: Any) -> tuple[str, Any]:
    arguments = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(arguments) == 1:
        annotation = arguments[0]
    if typing.get_origin(annotation) is list:
        return "list", typing.get_args(annotation)[0]
    if typing.get_origin(annotation) is typing.Literal:
        return "enum", typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return getattr(annotation, "__name__", str(annotation)), None


def per_field(corpus: Corpus) -> None:
    """A wrong type, an unknown value or an out-of-range number for every answer of the questionnaire."""
    import sys

    sys.path.insert(0, str(ROOT / "src"))
    from kamadvisor.questionnaire import SECTION_MODELS

    for section, model in SECTION_MODELS.items():
        for field, info in model.model_fields.items():
            path = f"{section}.{field}"
            kind, extra = _base_type(info.annotation)
            slug = f"{section}-{field}".replace("_", "-")
            if kind == "enum":
                corpus.add(
                    "enum",
                    slug,
                    dump(with_answer(path, "not_a_value")),
                    [
                        f"{slug}.yaml:",
                        path,
                        "'not_a_value' is not allowed; expected one of:",
                        str(extra[0]),
                    ],
                )
            elif kind == "list" and typing.get_origin(extra) is not typing.Literal:
                corpus.add(
                    "type",
                    slug,
                    dump(with_answer(path, "everyone")),
                    [f"{slug}.yaml:", path, "is not a list"],
                )
                corpus.add(
                    "shape",
                    f"{slug}-item",
                    dump(with_answer(path, ["not_a_mapping"])),
                    [f"{slug}-item.yaml:", f"{path}[0]", "is not a section"],
                )
            elif kind == "list":
                corpus.add(
                    "type",
                    slug,
                    dump(with_answer(path, "monthly_volume")),
                    [f"{slug}.yaml:", path, "is not a list"],
                )
                corpus.add(
                    "enum",
                    f"{slug}-item",
                    dump(with_answer(path, ["not_a_value"])),
                    [f"{slug}-item.yaml:", f"{path}[0]", "'not_a_value' is not allowed"],
                )
            elif kind == "bool":
                corpus.add(
                    "type",
                    slug,
                    dump(with_answer(path, "perhaps")),
                    [f"{slug}.yaml:", path, "is not a yes/no answer"],
                )
            elif kind == "int":
                corpus.add(
                    "type",
                    slug,
                    dump(with_answer(path, "many")),
                    [f"{slug}.yaml:", path, "'many' is not a whole number"],
                )
            elif kind == "float":
                corpus.add(
                    "type",
                    slug,
                    dump(with_answer(path, "lots")),
                    [f"{slug}.yaml:", path, "'lots' is not a number"],
                )
            elif kind == "date":
                corpus.add(
                    "date",
                    f"{slug}-unparseable",
                    dump(with_answer(path, "15/01/2026")),
                    [f"{slug}-unparseable.yaml:", path, "is not a date; expected YYYY-MM-DD"],
                )
                corpus.add(
                    "date",
                    f"{slug}-impossible",
                    dump(with_answer(path, "2026-02-30")),
                    [f"{slug}-impossible.yaml:", path, "is not a date"],
                )
            elif kind == "str":
                corpus.add(
                    "type",
                    slug,
                    dump(with_answer(path, {"nested": "mapping"})),
                    [f"{slug}.yaml:", path, "is not text"],
                )
            if kind in ("int", "float"):
                # YAML 1.1 reads yes/on/true as a boolean: never a count, a score or a percent.
                corpus.add(
                    "type",
                    f"{slug}-yes",
                    f"account: {{name: Acme}}\n{section}:\n  {field}: yes\n",
                    [f"{slug}-yes.yaml:", path, "is a yes/no answer", "not a number"],
                )
                corpus.add(
                    "type",
                    f"{slug}-nan",
                    f"account: {{name: Acme}}\n{section}:\n  {field}: .nan\n",
                    [f"{slug}-nan.yaml:", path, "is not a finite number"],
                )
                low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
                high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
                if kind == "int" and low is None and extra is None:
                    low = 1 if field.endswith("months") else None
                if low is not None:
                    corpus.add(
                        "range",
                        f"{slug}-below",
                        dump(with_answer(path, low - 1)),
                        [
                            f"{slug}-below.yaml:",
                            path,
                            "is out of range; expected a number at least",
                        ],
                    )
                if high is not None:
                    corpus.add(
                        "range",
                        f"{slug}-above",
                        dump(with_answer(path, high * 2 + 1)),
                        [f"{slug}-above.yaml:", path, "is out of range; expected a number at most"],
                    )
            if kind == "int" and "attractiveness" not in section and "strength" not in section:
                corpus.add(
                    "type",
                    f"{slug}-fraction",
                    dump(with_answer(path, 2.5)),
                    [f"{slug}-fraction.yaml:", path, "is not a whole number"],
                )
    for section in SECTION_MODELS:
        if section == "account":
            continue
        first = next(iter(SECTION_MODELS[section].model_fields))
        typo = first[:-1] + ("x" if first[-1] != "x" else "y")
        data = json.loads(json.dumps(VALID))
        data.setdefault(section, {})[typo] = 1
        corpus.add(
            "unknown",
            f"{section}-typo".replace("_", "-"),
            dump(data),
            [f"{section}.{typo}", f"unknown field '{typo}' (did you mean '{first}'?)"],
        )
    corpus.add(
        "unknown",
        "top-level-section",
        dump({**VALID, "relationshp": {}}),
        ["relationshp", "did you mean 'relationship'?"],
    )
    corpus.add(
        "unknown",
        "contact-field",
        dump({**VALID, "contacts": [{"levle": "board"}]}),
        ["contacts[0].levle", "did you mean 'level'?"],
    )
    corpus.add(
        "unknown",
        "team-member-field",
        dump({**VALID, "team": {"members": [{"role": "specialist", "perm": True}]}}),
        ["team.members[0].perm", "unknown field 'perm'"],
    )
    corpus.add(
        "contacts",
        "bad-level",
        dump({**VALID, "contacts": [{"level": "board"}, {"level": "c_suite"}]}),
        ["contacts[1].level", "'c_suite' is not allowed", "purchasing, operational"],
    )
    corpus.add(
        "contacts",
        "member-without-role",
        dump({**VALID, "team": {"members": [{"name": "Ann"}]}}),
        ["team.members[0].role", "is required"],
    )
    corpus.add(
        "semantic",
        "review-after-assessment",
        dump({**VALID, "planning": {"last_reviewed": "2026-03-01"}}),
        ["planning.last_reviewed", "is after account.assessment_date"],
    )
    corpus.add(
        "semantic",
        "repeated-list-item",
        dump(with_answer("kam.skills", ["strategy", "strategy"])),
        ["kam.skills", "strategy listed more than once"],
    )
    corpus.add(
        "semantic",
        "bad-account-id",
        dump({"account": {"name": "A", "id": "has space"}}),
        ["account.id", "has the wrong form"],
    )
    corpus.add(
        "semantic",
        "bad-currency",
        dump({**VALID, "economics": {"currency": "euro"}}),
        ["economics.currency", "three-letter ISO 4217 code"],
    )
    several = {
        **VALID,
        "economics": {"gross_margin_pct": 150, "share_of_wallet_pct": -1},
        "kam": {"title": "boss", "sales_style": "shark"},
    }
    corpus.add(
        "semantic",
        "four-problems-at-once",
        dump(several),
        [
            "economics.gross_margin_pct",
            "economics.share_of_wallet_pct",
            "kam.title",
            "kam.sales_style",
        ],
    )


MANIFEST = "name: corpus-pack\nversion: 0.1.0\nbuilds_on: [kamadvisor-base]\nthemes:\n  house: {title: House, order: 90}\n"


def rule(when: str, extra: str = "", advice: str = "Advice.") -> str:
    return (
        "rules:\n  - id: HOUSE-CORPUS\n    title: Corpus rule\n    theme: house\n"
        f"    when: {when}\n    advice: {json.dumps(advice)}\n"
        "    source: {paper: Mercuri, quote: q}\n" + extra
    )


def packs(corpus: Corpus) -> None:
    cases: dict[str, tuple[dict[str, str], list[str]]] = {
        "sandbox-mro": (
            {
                "house.yaml": rule(
                    "{fact: relationship.uses_tenders, eq: true}",
                    advice="{{ ''.__class__.__mro__ }}",
                )
            },
            ["house.yaml:", "private attribute"],
        ),
        "sandbox-globals": (
            {
                "house.yaml": rule(
                    "{fact: relationship.uses_tenders, eq: true}",
                    advice="{{ account.__init__.__globals__ }}",
                )
            },
            ["house.yaml:", "private attribute"],
        ),
        "advice-include": (
            {
                "house.yaml": rule(
                    "{fact: relationship.uses_tenders, eq: true}",
                    advice="{% include '/etc/passwd' %}",
                )
            },
            ["house.yaml:", "cannot include"],
        ),
        "template-include-outside": (
            {"templates/memo.md.j2": "{% include '/etc/passwd' %}\n"},
            ["memo.md.j2", "includes '/etc/passwd'"],
        ),
        "template-include-parent": (
            {"templates/memo.md.j2": "{% include '../../../etc/passwd' %}\n"},
            ["memo.md.j2", "includes"],
        ),
        "template-private-attribute": (
            {"templates/memo.md.j2": "{{ diagnosis.__class__ }}\n"},
            ["memo.md.j2", "private attribute"],
        ),
        "template-syntax": (
            {"templates/memo.md.j2": "{% for %}\n"},
            ["memo.md.j2", "does not parse"],
        ),
        "unknown-fact": (
            {"house.yaml": rule("{fact: relationship.team_modle, eq: individual}")},
            ["house.yaml:5:", "did you mean 'relationship.team_model'"],
        ),
        "unknown-concluded": (
            {"house.yaml": rule("{concluded: phaze, eq: x}")},
            ["house.yaml:5:", "did you mean 'phase'"],
        ),
        "unknown-operator": (
            {"house.yaml": rule("{fact: relationship.team_model, like: individual}")},
            ["house.yaml:5:", "unknown operator 'like'"],
        ),
        "wrong-operator-type": (
            {"house.yaml": rule("{fact: relationship.uses_tenders, gt: 1}")},
            ["house.yaml:5:", "compares numbers"],
        ),
        "value-not-allowed": (
            {"house.yaml": rule("{fact: kam.title, eq: boss}")},
            ["house.yaml:5:", "'boss' is not a value of 'kam.title'"],
        ),
        "billion-laughs-pack": (
            {"house.yaml": "a: &a [x,x]\nb: [*a,*a]\n"},
            ["house.yaml:", "anchors and aliases"],
        ),
        "python-tag-pack": (
            {"house.yaml": "rules: !!python/object/apply:os.system ['id']\n"},
            ["house.yaml:1:", "only plain data"],
        ),
        "cyclic": (
            {
                "pack.yaml": MANIFEST
                + "conclusions:\n  ping: {description: p, values: {done: Done}}\n  pong: {description: q, values: {done: Done}}\n",
                "house.yaml": "rules:\n"
                "  - {id: HOUSE-PING, title: ping, theme: house, when: {concluded: pong, eq: done}, conclude: {ping: done}, source: {paper: Mercuri, quote: q}}\n"
                "  - {id: HOUSE-PONG, title: pong, theme: house, when: {concluded: ping, eq: done}, conclude: {pong: done}, source: {paper: Mercuri, quote: q}}\n",
            },
            ["house.yaml:2:", "cycle: HOUSE-PING -> HOUSE-PONG -> HOUSE-PING"],
        ),
        "duplicate-id": (
            {
                "house.yaml": rule("{fact: relationship.uses_tenders, eq: true}")
                + rule("{fact: relationship.uses_tenders, eq: false}")[7:]
            },
            ["house.yaml:", "duplicate rule id 'HOUSE-CORPUS'"],
        ),
        "silent-override": (
            {
                "house.yaml": rule("{fact: relationship.uses_tenders, eq: true}")
                .replace("HOUSE-CORPUS", "PHASE-TRANSACTIONAL")
                .replace("theme: house", "theme: phase")
            },
            ["house.yaml:2:", "add 'replace: true'"],
        ),
        "disable-unknown": (
            {"pack.yaml": MANIFEST + "disabled: [PHASE-NOPE]\n"},
            ["pack.yaml:6:", "cannot disable 'PHASE-NOPE'"],
        ),
        "setting-unknown": (
            {"pack.yaml": MANIFEST + "settings: {review_cadence_day: 3}\n"},
            ["pack.yaml:6:", "did you mean 'review_cadence_days'"],
        ),
        "setting-wrong-type": (
            {"pack.yaml": MANIFEST + "settings: {review_cadence_days: lots}\n"},
            ["pack.yaml:6:", "'lots' is not an integer"],
        ),
        "manifest-missing": (
            {"house.yaml": rule("{fact: relationship.uses_tenders, eq: true}"), "pack.yaml": ""},
            ["pack.yaml:1:1", "a mapping with at least 'name' and 'version'"],
        ),
        "rules-not-a-list": (
            {"house.yaml": "rules: {id: X}\n"},
            ["house.yaml:1:1", "holds one key, 'rules'"],
        ),
        "unknown-rule-key": (
            {
                "house.yaml": rule(
                    "{fact: relationship.uses_tenders, eq: true}", extra="    priority: 3\n"
                )
            },
            ["house.yaml:8:", "unknown field 'priority'"],
        ),
    }
    for name, (files, expect) in cases.items():
        files = {"pack.yaml": MANIFEST, **files}
        corpus.add_pack(name, files, expect)


def tables(corpus: Corpus) -> None:
    """Spreadsheets and CSV files for `portfolio`: header problems stop the batch (exit 2), bad
    rows are skipped and reported (exit 1)."""
    import openpyxl

    def csv_case(name: str, text: str, expect: list[str], exit_code: int) -> None:
        corpus.add(
            "tables", name, text, expect, command="portfolio", exit_code=exit_code, suffix=".csv"
        )

    csv_case(
        "missing-name-column",
        "account.id,account.industry\nA1,Food\n",
        ["missing-name-column.csv:1", "missing column 'account.name'"],
        2,
    )
    csv_case(
        "unknown-column",
        "account.name,relationship.team_modle\nA,individual\n",
        ["unknown-column.csv:1:2", "did you mean 'relationship.team_model'"],
        2,
    )
    csv_case(
        "repeated-column",
        "account.name,account.name\nA,B\n",
        ["repeated-column.csv:1:2", "repeats column 1"],
        2,
    )
    csv_case("empty-csv", "", ["empty-csv.csv:1", "empty file"], 2)
    csv_case(
        "bad-enum-row",
        "account.name,relationship.team_model\nGood,individual\nBad,solo\n",
        ["bad-enum-row.csv:3:2", "'solo' is not allowed", "1 diagnosed"],
        1,
    )
    csv_case(
        "bad-number-row",
        "account.name,economics.gross_margin_pct\nGood,20\nBad,lots\n",
        ["bad-number-row.csv:3:2", "'lots' is not a number"],
        1,
    )
    csv_case(
        "missing-name-row",
        "account.name,account.industry\nGood,Food\n,Retail\n",
        ["missing-name-row.csv:3", "account.name: is required"],
        1,
    )
    csv_case(
        "ambiguous-date-row",
        "account.name,account.assessment_date\nGood,2026-01-01\nBad,01/02/2026\n",
        ["ambiguous-date-row.csv:3:2", "is ambiguous", "YYYY-MM-DD"],
        1,
    )
    csv_case(
        "duplicate-id-row",
        "account.id,account.name\nA1,First\nA1,Second\n",
        ["duplicate-id-row.csv:3", "account id 'A1' is also given on row 2"],
        1,
    )
    # Structural faults and misreadings (issue 14): reported with their row, never read wrongly.
    csv_case(
        "unbalanced-quote",
        'account.name,account.id\n"Alpha Ltd,A1\nBeta,B1\nGamma,G1\n',
        ["unbalanced-quote.csv:2", "unbalanced"],
        2,
    )
    csv_case(
        "line-break-in-cell",
        'account.name,account.id\n"Alpha\nLtd",A1\nBeta,B1\n',
        ["line-break-in-cell.csv:2:1", "line break", "1 diagnosed, 1 skipped"],
        1,
    )
    csv_case(
        "short-row",
        "account.name,account.id,account.industry\nA,A1\nB,B1,Food\n",
        ["short-row.csv:2", "2 cells for 3 columns", "1 diagnosed, 1 skipped"],
        1,
    )
    corpus.add(
        "tables",
        "ambiguous-thousands",
        "account.name\teconomics.annual_revenue\nA\t1.000\nB\t2500\n",
        ["ambiguous-thousands.csv:2:2", "'1.000' is ambiguous", "--decimal"],
        command="portfolio",
        exit_code=1,
        suffix=".csv",
    )
    csv_case(
        "yes-as-count",
        "account.name,relationship.joint_projects\nA,yes\nB,2\n",
        ["yes-as-count.csv:2:2", "'yes' is not a number"],
        1,
    )
    csv_case(
        "nan-amount",
        "account.name,economics.annual_revenue\nA,NaN\nB,10\n",
        ["nan-amount.csv:2:2", "is not a finite number"],
        1,
    )
    corpus.add(
        "tables",
        "undefined-cp1252-byte",
        b"account.name\nA\x81\n",
        ["undefined-cp1252-byte.csv:2", "not valid UTF-8 or cp1252", "--encoding"],
        command="portfolio",
        exit_code=2,
        suffix=".csv",
    )
    csv_case(
        "semicolon-bad-row",
        "account.name;economics.annual_revenue\nGood;1000\nBad;-5\n",
        ["semicolon-bad-row.csv:3:2", "expected a number at least 0"],
        1,
    )

    def workbook_case(name: str, build: Any, expect: list[str], exit_code: int) -> None:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "accounts"
        build(workbook, sheet)
        target = HERE / "tables" / f"{name}.xlsx"
        target.parent.mkdir(parents=True, exist_ok=True)
        workbook.save(target)
        corpus.cases.append(
            {
                "file": f"tables/{name}.xlsx",
                "command": "portfolio",
                "exit": exit_code,
                "expect": expect,
            }
        )

    def merged(workbook: Any, sheet: Any) -> None:
        sheet.append(["account.name", "account.industry"])
        sheet.append(["A", "Food"])
        sheet.append(["B", None])
        sheet.merge_cells("B2:B3")

    def formula(workbook: Any, sheet: Any) -> None:
        sheet.append(["account.name", "economics.annual_revenue"])
        sheet.append(["A", "=SUM(1,2)"])

    def no_header(workbook: Any, sheet: Any) -> None:
        sheet.append(["Northwind", "Food"])

    def bad_contact(workbook: Any, sheet: Any) -> None:
        sheet.append(["account.id", "account.name"])
        sheet.append(["A1", "First"])
        contacts = workbook.create_sheet("contacts")
        contacts.append(["account.id", "level"])
        contacts.append(["A1", "vice_president"])

    def orphan_contact(workbook: Any, sheet: Any) -> None:
        sheet.append(["account.id", "account.name"])
        sheet.append(["A1", "First"])
        contacts = workbook.create_sheet("contacts")
        contacts.append(["account.id", "level"])
        contacts.append(["Z9", "board"])

    def empty_rows(workbook: Any, sheet: Any) -> None:
        sheet.append(["account.name", "kam.title"])
        sheet.append([None, None])
        sheet.append(["A", "boss"])

    workbook_case(
        "merged-cells", merged, ["merged-cells.xlsx: accounts!B2", "cells B2:B3 are merged"], 2
    )
    workbook_case(
        "unsaved-formula",
        formula,
        ["unsaved-formula.xlsx: accounts!B2", "formula =SUM(1,2) has no saved value"],
        2,
    )
    workbook_case(
        "no-header-row",
        no_header,
        ["no-header-row.xlsx: accounts!A1", "unknown column 'Northwind'"],
        2,
    )
    workbook_case(
        "bad-contact-level",
        bad_contact,
        ["bad-contact-level.xlsx: contacts!B2", "contacts[0].level", "'vice_president'"],
        1,
    )
    workbook_case(
        "orphan-contact",
        orphan_contact,
        ["orphan-contact.xlsx: contacts row 2", "no account with id 'Z9'"],
        1,
    )
    workbook_case(
        "empty-rows-then-bad",
        empty_rows,
        ["empty-rows-then-bad.xlsx: accounts!B3", "kam.title", "'boss'"],
        1,
    )
    corpus.add(
        "tables",
        "not-a-workbook",
        b"PK\x03\x04 definitely not a workbook",
        ["not-a-workbook.xlsx", "not a readable workbook"],
        command="portfolio",
        suffix=".xlsx",
    )


# --- Hardening: hostile packs, special files, outputs that would destroy inputs, OS errors, ---
# --- numbers past Python's limits. Run as real processes, each within a time bound.         ---

NORTHWIND = "{northwind}"
CHECK = ["rules", "check", "{input}"]
MEMO_WITH_PACK = ["memo", NORTHWIND, "--rules", "{input}", "-o", "{out}/memo.md"]


def advice_pack(advice: str) -> dict[str, str]:
    return {
        "pack.yaml": MANIFEST,
        "house.yaml": rule("{fact: relationship.uses_tenders, eq: false}", advice=advice),
    }


def template_pack(name: str, text: str) -> dict[str, str]:
    return {"pack.yaml": MANIFEST, f"templates/{name}": text}


class Hardening:
    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus

    def case(
        self,
        kind: str,
        name: str,
        args: list[str],
        exit_code: int,
        expect: list[str],
        *,
        files: dict[str, str | bytes] | None = None,
        suffix: str = "",
        setup: list[dict[str, Any]] | None = None,
        write: list[str] | None = None,
        write_exit: int = 2,
        stdin: str | None = None,
        seconds: float = 20,
    ) -> None:
        """A case: `files` are written under `kind/name` (a directory when there are several
        or `suffix` is empty), `setup` makes special files at run time (FIFOs, links to
        devices), `args` run with {input}, {out}, {northwind} and {accounts} filled in."""
        relative = f"{kind}/{name}{suffix}"
        target = HERE / relative
        for path, content in (files or {}).items():
            destination = target / path if path else target
            destination.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                destination.write_bytes(content)
            else:
                destination.write_text(content, encoding="utf-8")
        entry: dict[str, Any] = {
            "file": relative,
            "class": kind,
            "command": "cli",
            "args": args,
            "exit": exit_code,
            "expect": expect,
            "seconds": seconds,
        }
        if setup:
            entry["setup"] = setup
        if write:
            entry["write"] = write
            entry["write_exit"] = write_exit
        if stdin:
            entry["stdin"] = stdin
        self.corpus.cases.append(entry)


def hostile_packs(h: Hardening) -> None:
    """Packs that would burn CPU or memory: `rules check` reports the limit, located, and using
    the pack stops with exit 2."""
    advice_cases = {
        "huge-power": ("{{ 9**(9**9) }}", "integer limit exceeded"),
        "huge-repeat": ("{{ 'x' * 10**10 }}", "size limit exceeded"),
        "huge-range": ("{{ range(10**9)|list|length }}", "loop limit exceeded"),
        "nested-loops": (
            "{% for i in range(99999) %}{% for j in range(99999) %}{{ i }}{% endfor %}{% endfor %}",
            "loop limit exceeded",
        ),
        "doubling-join": (
            "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
            "output limit exceeded",
        ),
        "doubling-list": (
            "{% set l = [1] %}{% for i in range(64) %}{{ l.extend(l) }}{% endfor %}",
            "size limit exceeded",
        ),
        "format-width": ("{{ '%0999999999d' % 1 }}", "size limit exceeded"),
        "center-filter": ("{{ 'x'|center(10**9) }}", "size limit exceeded"),
        "replace-blowup": ("{{ ('x' * 90000)|replace('', 'y' * 90000) }}", "limit exceeded"),
        "macro-recursion": (
            "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
            "recursion limit exceeded",
        ),
        "division-by-zero": ("{{ account.name|length // 0 }}", "division by zero"),
        "bad-format": ("{{ '%d' % 'many' }}", "TypeError"),
        "item-private": ("{{ account['__class__'] }}", "private attribute '__class__'"),
        "attr-private": ("{{ account|attr('__class__') }}", "private attribute '__class__'"),
    }
    for name, (advice, message) in advice_cases.items():
        h.case(
            "hostile",
            name,
            CHECK,
            1,
            ["house.yaml:6:5" if "private" in message else "house.yaml:2", message],
            files=advice_pack(advice),
            write=MEMO_WITH_PACK,
        )
    template_cases = {
        "template-nested-loops": (
            "memo.md.j2",
            "{% for i in range(99999) %}{% for j in range(99999) %}x{% endfor %}{% endfor %}\n",
            "memo.md.j2:1",
            "limit exceeded",
        ),
        "template-self-include": (
            "memo.md.j2",
            '{% include "memo.md.j2" %}\n',
            "memo.md.j2:1",
            "recursion limit exceeded",
        ),
        "template-self-extends": (
            "memo.md.j2",
            '{% extends "memo.md.j2" %}\n',
            "memo.md.j2:1",
            "recursion limit exceeded",
        ),
        "template-macro-recursion": (
            "memo.md.j2",
            "{% macro m() %}{{ m() }}{% endmacro %}\n{{ m() }}\n",
            "memo.md.j2:",
            "recursion limit exceeded",
        ),
        "template-division-by-zero": (
            "memo.md.j2",
            "# {{ account.name }}\n{{ 1 // 0 }}\n",
            "memo.md.j2:2",
            "division by zero",
        ),
        "template-attr-private": (
            "memo.md.j2",
            "{{ account|attr('__class__') }}\n",
            "memo.md.j2:1",
            "private attribute '__class__'",
        ),
        "report-template-power": (
            "report.md.j2",
            "{{ 10 ** 10 ** 10 }}\n",
            "report.md.j2:1",
            "integer limit exceeded",
        ),
    }
    for name, (template, text, place, message) in template_cases.items():
        write = (
            ["portfolio", "{accounts}", "--jobs", "1", "--rules", "{input}", "-o", "{out}/r.md"]
            if template.startswith("report")
            else MEMO_WITH_PACK
        )
        h.case(
            "hostile",
            name,
            CHECK,
            1,
            [place, message],
            files=template_pack(template, text),
            write=write,
        )
    tests = [f"{{fact: economics.annual_revenue, gt: {number}}}" for number in range(1000)]
    group = "{any: [" + ", ".join(tests[:40]) + "]}"
    for name, when, message in (
        ("thousand-alternatives", "{any: [" + ", ".join(tests) + "]}", "at most 50 are allowed"),
        (
            "alternatives-multiplied",
            "{all: [" + ", ".join([group] * 3) + "]}",
            "alternatives for the engine",
        ),
        (
            "deep-nesting",
            "{all: [" * 8 + "{fact: relationship.uses_tenders, eq: true}" + "]}" * 8,
            "at most 6 are allowed",
        ),
    ):
        h.case(
            "hostile",
            name,
            CHECK,
            1,
            ["house.yaml:", message],
            files={"pack.yaml": MANIFEST, "house.yaml": rule(when)},
            write=MEMO_WITH_PACK,
        )


def pack_escapes(h: Hardening) -> None:
    """Pack files that resolve outside the pack, `tests/` included."""
    valid_rule = rule("{fact: relationship.uses_tenders, eq: true}")
    h.case(
        "escape",
        "test-case-link",
        ["rules", "test", "{input}"],
        2,
        ["tests/cases.yaml", "resolves outside the rule pack"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"link": "tests/cases.yaml", "to": "/etc/passwd"}],
    )
    h.case(
        "escape",
        "manifest-link",
        CHECK,
        1,
        ["pack.yaml", "resolves outside the rule pack"],
        files={"house.yaml": valid_rule},
        setup=[{"link": "pack.yaml", "to": "/etc/hostname"}],
        write=MEMO_WITH_PACK,
    )
    h.case(
        "escape",
        "rule-file-link",
        CHECK,
        1,
        ["extra.yaml", "resolves outside the rule pack"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"link": "extra.yaml", "to": "/etc/passwd"}],
        write=MEMO_WITH_PACK,
    )
    h.case(
        "escape",
        "template-link",
        CHECK,
        1,
        ["memo.md.j2", "resolves outside the rule pack"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"link": "templates/memo.md.j2", "to": "/etc/passwd"}],
        write=MEMO_WITH_PACK,
    )


def special_files(h: Hardening) -> None:
    """FIFOs and devices where a regular file is expected: refused at once, never read."""
    valid_rule = rule("{fact: relationship.uses_tenders, eq: true}")
    for name, setup, message in (
        ("questionnaire-fifo", {"fifo": "q.yaml"}, "is a named pipe (FIFO)"),
        ("questionnaire-dev-zero", {"link": "q.yaml", "to": "/dev/zero"}, "is a character device"),
        ("questionnaire-directory", {"directory": "q.yaml"}, "is a directory"),
    ):
        h.case(
            "special",
            name,
            ["assess", "{input}/q.yaml"],
            2,
            ["q.yaml", message],
            setup=[setup],
            write=["memo", "{input}/q.yaml", "-o", "{out}/memo.md"],
        )
    h.case(
        "special",
        "programme-fifo",
        ["portfolio", "{accounts}", "--jobs", "1", "--programme", "{input}/programme.yaml"],
        2,
        ["programme.yaml", "is a named pipe (FIFO)"],
        setup=[{"fifo": "programme.yaml"}],
    )
    h.case(
        "special",
        "programme-dev-zero",
        ["portfolio", "{accounts}", "--jobs", "1", "--programme", "{input}/programme.yaml"],
        2,
        ["programme.yaml", "is a character device"],
        setup=[{"link": "programme.yaml", "to": "/dev/zero"}],
    )
    h.case(
        "special",
        "manifest-fifo",
        CHECK,
        1,
        ["pack.yaml", "is a named pipe (FIFO)"],
        files={"house.yaml": valid_rule},
        setup=[{"fifo": "pack.yaml"}],
        write=MEMO_WITH_PACK,
    )
    h.case(
        "special",
        "rule-file-fifo",
        CHECK,
        1,
        ["more.yaml", "is a named pipe (FIFO)"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"fifo": "more.yaml"}],
        write=MEMO_WITH_PACK,
    )
    h.case(
        "special",
        "rule-file-dev-zero",
        CHECK,
        1,
        ["more.yaml", "resolves outside the rule pack"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"link": "more.yaml", "to": "/dev/zero"}],
        write=MEMO_WITH_PACK,
    )
    h.case(
        "special",
        "pack-test-fifo",
        ["rules", "test", "{input}"],
        2,
        ["tests/cases.yaml", "is a named pipe (FIFO)"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"fifo": "tests/cases.yaml"}],
    )
    h.case(
        "special",
        "template-fifo",
        CHECK,
        1,
        ["memo.md.j2", "is a named pipe (FIFO)"],
        files={"pack.yaml": MANIFEST, "house.yaml": valid_rule},
        setup=[{"fifo": "templates/memo.md.j2"}],
        write=MEMO_WITH_PACK,
    )
    h.case(
        "special",
        "csv-fifo",
        ["portfolio", "{input}/accounts.csv", "--jobs", "1"],
        2,
        ["accounts.csv", "is a named pipe (FIFO)"],
        setup=[{"fifo": "accounts.csv"}],
    )
    h.case(
        "special",
        "contacts-dev-zero",
        ["portfolio", "{accounts}", "--jobs", "1", "--contacts", "{input}/contacts.csv"],
        2,
        ["contacts.csv", "is a character device"],
        setup=[{"link": "contacts.csv", "to": "/dev/zero"}],
    )
    h.case(
        "special",
        "workbook-dev-zero",
        ["portfolio", "{input}/accounts.xlsx", "--jobs", "1"],
        2,
        ["accounts.xlsx", "is a character device"],
        setup=[{"link": "accounts.xlsx", "to": "/dev/zero"}],
    )


def destroying_outputs(h: Hardening) -> None:
    """Outputs that would replace or mix with an input: refused before any work, exit 2."""
    questionnaire = {"q.yaml": dump(VALID)}
    h.case(
        "outputs",
        "memo-over-its-questionnaire",
        ["memo", "{input}/q.yaml", "-o", "{input}/q.yaml"],
        2,
        ["q.yaml: is an input of this run"],
        files=questionnaire,
    )
    h.case(
        "outputs",
        "memo-over-a-link-to-its-questionnaire",
        ["memo", "{input}/q.yaml", "-o", "{input}/memo.md"],
        2,
        ["memo.md: is an input of this run"],
        files=questionnaire,
        setup=[{"link": "memo.md", "to": "q.yaml"}],
    )
    h.case(
        "outputs",
        "memo-into-its-pack",
        ["memo", NORTHWIND, "--rules", "{input}", "-o", "{input}/memo.md"],
        2,
        ["memo.md: is inside the rule pack"],
        files={"pack.yaml": MANIFEST},
    )
    h.case(
        "outputs",
        "report-over-its-table",
        ["portfolio", "{input}/accounts.csv", "--jobs", "1", "-o", "{input}/accounts.csv"],
        2,
        ["accounts.csv: is an input of this run"],
        files={"accounts.csv": "account.name\nA\n"},
    )
    h.case(
        "outputs",
        "report-over-its-contacts",
        ["portfolio", "{input}/accounts.csv", "--jobs", "1", "-o", "{input}/accounts-contacts.csv"],
        2,
        ["accounts-contacts.csv: is an input of this run"],
        files={
            "accounts.csv": "account.id,account.name\nA1,A\n",
            "accounts-contacts.csv": "account.id,level\nA1,board\n",
        },
    )
    h.case(
        "outputs",
        "report-over-its-programme",
        [
            "portfolio",
            "{accounts}",
            "--jobs",
            "1",
            "--programme",
            "{input}/programme.yaml",
            "-o",
            "{input}/programme.yaml",
        ],
        2,
        ["programme.yaml: is an input of this run"],
        files={"programme.yaml": "name: Programme\n"},
    )
    h.case(
        "outputs",
        "memos-into-the-input-folder",
        ["portfolio", "{input}", "--jobs", "1", "--memos", "{input}"],
        2,
        ["holds", "write the memos to another folder"],
        files=questionnaire,
    )
    h.case(
        "outputs",
        "memos-above-the-input-table",
        ["portfolio", "{input}/accounts.csv", "--jobs", "1", "--memos", "{input}"],
        2,
        ["holds an input of this run", "accounts.csv"],
        files={"accounts.csv": "account.name\nA\n"},
    )
    h.case(
        "outputs",
        "report-read-as-a-questionnaire",
        ["portfolio", "{input}", "--jobs", "1", "-f", "json", "-o", "{input}/report.json"],
        2,
        ["report.json: would be read as a questionnaire of the input folder"],
        files=questionnaire,
    )


def os_errors(h: Hardening) -> None:
    """The operating system refuses: exit 2, the file and the reason in words."""
    h.case(
        "oserrors",
        "output-on-a-full-device",
        ["memo", NORTHWIND, "-o", "/dev/full"],
        2,
        ["/dev/full: no space left on the device"],
    )
    h.case(
        "oserrors",
        "output-name-too-long",
        ["memo", NORTHWIND, "-o", "{out}/" + "n" * 300 + ".md"],
        2,
        ["the file name is too long"],
    )
    h.case(
        "oserrors",
        "output-directory-missing",
        ["memo", NORTHWIND, "-o", "{out}/missing/memo.md"],
        2,
        ["memo.md: directory", "does not exist"],
    )
    h.case(
        "oserrors",
        "output-is-a-directory",
        ["memo", NORTHWIND, "-o", "{input}"],
        2,
        ["is a directory"],
        setup=[{"directory": "."}],
    )
    h.case(
        "oserrors",
        "input-missing",
        ["assess", "{input}/absent.yaml"],
        2,
        ["absent.yaml: file not found"],
        setup=[{"directory": "."}],
    )
    h.case(
        "oserrors",
        "input-below-a-file",
        ["assess", "{input}/q.yaml/inner.yaml"],
        2,
        ["inner.yaml", "a part of the path is not a directory"],
        files={"q.yaml": dump(VALID)},
    )
    h.case(
        "oserrors",
        "standard-input-closed",
        ["assess", "-"],
        2,
        ["<stdin>: standard input is closed"],
        stdin="closed",
    )
    h.case(
        "oserrors",
        "standard-output-closed",
        ["memo", NORTHWIND],
        2,
        ["standard output is closed"],
        stdin="stdout-closed",
    )
    h.case(
        "oserrors",
        "report-on-a-full-device",
        ["portfolio", "{accounts}", "--jobs", "1", "-o", "/dev/full"],
        2,
        ["/dev/full: no space left on the device"],
    )


def long_numbers(h: Hardening) -> None:
    """Numbers past Python's and the engine's limits, located where they are read."""
    digits = "9" * 5000
    h.case(
        "numbers",
        "questionnaire-yaml",
        ["assess", "{input}"],
        2,
        ["questionnaire-yaml.yaml:11:19", "a number of 5000 digits is too long"],
        files={"": dump(VALID) + f"economics:\n  annual_revenue: {digits}\n"},
        suffix=".yaml",
        write=["memo", "{input}", "-o", "{out}/memo.md"],
    )
    h.case(
        "numbers",
        "questionnaire-json",
        ["assess", "{input}"],
        2,
        ["questionnaire-json.json:1:", "a number of 5000 digits is too long"],
        files={
            "": '{"account": {"name": "A"}, "relationship": {"joint_projects": ' + digits + "}}"
        },
        suffix=".json",
        write=["memo", "{input}", "-o", "{out}/memo.md"],
    )
    h.case(
        "numbers",
        "questionnaire-hex",
        ["assess", "{input}"],
        2,
        ["questionnaire-hex.yaml:4:19", "digits is too long"],
        files={
            "": "account:\n  name: Hex\nrelationship:\n  joint_projects: 0x" + "f" * 5000 + "\n"
        },
        suffix=".yaml",
    )
    h.case(
        "numbers",
        "programme",
        ["portfolio", "{accounts}", "--jobs", "1", "--programme", "{input}"],
        2,
        ["programme.yaml:2:", "a number of 5000 digits is too long"],
        files={"": f"name: P\nkam_headcount: {digits}\n"},
        suffix=".yaml",
    )
    h.case(
        "numbers",
        "csv-cell",
        ["portfolio", "{input}", "--jobs", "1"],
        1,
        ["csv-cell.csv:3:2", "relationship.joint_projects"],
        files={"": f"account.name,relationship.joint_projects\nGood,2\nBad,{digits}\n"},
        suffix=".csv",
    )
    for name, when, message in (
        (
            "condition-huge",
            "{fact: economics.annual_revenue, gt: 1.0e+300}",
            "is out of range; numbers in rules lie within",
        ),
        (
            "condition-tiny",
            "{fact: economics.gross_margin_pct, gt: 1.0e-300}",
            "is too small; numbers in rules have at most four decimals",
        ),
        (
            "condition-long-integer",
            "{fact: economics.annual_revenue, gt: " + digits + "}",
            "a number of 5000 digits is too long",
        ),
    ):
        h.case(
            "numbers",
            name,
            CHECK,
            1,
            ["house.yaml:", message],
            files={"pack.yaml": MANIFEST, "house.yaml": rule(when)},
            write=MEMO_WITH_PACK,
        )
    h.case(
        "numbers",
        "parameter-huge",
        CHECK,
        1,
        ["pack.yaml:", "is out of range; numbers in rules lie within"],
        files={
            "pack.yaml": MANIFEST
            + "parameters:\n  house_limit: {type: number, default: 1.0e+300, description: d}\n"
        },
        write=MEMO_WITH_PACK,
    )


def hardening(corpus: Corpus) -> None:
    h = Hardening(corpus)
    hostile_packs(h)
    pack_escapes(h)
    special_files(h)
    destroying_outputs(h)
    os_errors(h)
    long_numbers(h)


def main() -> None:
    for child in HERE.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
    corpus = Corpus()
    malformed_yaml(corpus)
    malformed_json(corpus)
    duplicates_tags_aliases(corpus)
    encodings(corpus)
    per_field(corpus)
    packs(corpus)
    tables(corpus)
    hardening(corpus)
    header = "# Written by make_corpus.py: each bad input, the command, its exit code and message fragments.\n"
    (HERE / "cases.yaml").write_text(header + dump({"cases": corpus.cases}), encoding="utf-8")
    print(f"{len(corpus.cases)} cases")


if __name__ == "__main__":
    main()
