"""The folder `kamadvisor serve` works in: which files it may touch, and how a questionnaire is
written back.

Only regular questionnaire files directly inside the folder are reachable (no path traversal, no
symbolic link leading out, no hidden files). A save merges the answers into the file as it is, so
comments, key order and fields the form does not know stay where they were; the result is
written to a temporary file and renamed into place, and a file changed on disk since it was
opened is not overwritten unless the user says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kamadvisor.blank import blank_questionnaire
from kamadvisor.errors import InputError, UsageError
from kamadvisor.output import file_mode
from kamadvisor.questionnaire import Questionnaire
from kamadvisor.sourcefile import read_text

SUFFIXES = (".yaml", ".yml", ".json")
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,150}\.(yaml|yml|json)$")


class WorkspaceError(UsageError):
    """A request for a file the workspace does not hold or may not touch."""


class ConflictError(Exception):
    """The file changed on disk since the form was opened."""

    def __init__(self, current_text: str) -> None:
        super().__init__("changed on disk")
        self.current_text = current_text


@dataclass(frozen=True)
class StoredFile:
    name: str
    text: str

    @property
    def digest(self) -> str:
        return digest(self.text)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Workspace:
    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise UsageError(f"{root}: not a directory")
        self.root = root.resolve()

    def questionnaire_files(self) -> list[str]:
        names = []
        for entry in sorted(self.root.iterdir(), key=lambda path: path.name.lower()):
            if entry.name.startswith(".") or entry.suffix.lower() not in SUFFIXES:
                continue
            if entry.is_file() and not entry.is_symlink():
                names.append(entry.name)
        return names

    def path_of(self, name: str) -> Path:
        """The file `name` inside the workspace; anything else is refused."""
        if not FILE_NAME.fullmatch(name) or name != Path(name).name:
            raise WorkspaceError(f"{name!r}: not a questionnaire file name in this folder")
        path = self.root / name
        if path.is_symlink() or path.resolve().parent != self.root:
            raise WorkspaceError(f"{name}: refers outside the workspace")
        return path

    def read(self, name: str) -> StoredFile:
        """The file's text, read as the CLI reads it (size limit, UTF-8, no binary)."""
        path = self.path_of(name)
        if not path.is_file():
            raise WorkspaceError(f"{name}: no such questionnaire in this folder")
        try:
            _, text = read_text(str(path))
        except InputError as error:
            raise InputError([replace(problem, file=name) for problem in error.problems]) from None
        except OSError as error:
            raise WorkspaceError(f"{name}: cannot be read: {error.strerror or error}") from None
        return StoredFile(name, text)

    def create(
        self, name: str, account_name: str, questionnaire: type[Questionnaire] = Questionnaire
    ) -> StoredFile:
        """A new questionnaire from the commented blank (`questionnaire new`) of the rulebook's
        questionnaire; never replaces."""
        path = self.path_of(name)
        text = (
            json.dumps({"account": {"name": account_name}}, indent=2) + "\n"
            if path.suffix == ".json"
            else blank_questionnaire(account_name, questionnaire)
        )
        try:
            with path.open("x", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
        except FileExistsError:
            raise WorkspaceError(f"{name}: already exists; open it from the list") from None
        except OSError as error:
            raise WorkspaceError(f"{name}: cannot be created: {error.strerror or error}") from None
        return StoredFile(name, text)

    def save(self, name: str, text: str, opened_digest: str, overwrite: bool = False) -> None:
        """Replace the file with `text` atomically, unless it changed since it was opened."""
        path = self.path_of(name)
        try:
            self._replace(path, text, opened_digest, overwrite)
        except OSError as error:
            raise WorkspaceError(
                f"{name}: cannot be written: {error.strerror or error}; the file was not changed"
            ) from None

    def _replace(self, path: Path, text: str, opened_digest: str, overwrite: bool) -> None:
        current = path.read_bytes().decode("utf-8", errors="replace") if path.is_file() else ""
        if digest(current) != opened_digest and not overwrite:
            raise ConflictError(current)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.root)
        try:
            Path(temporary).chmod(file_mode(path))
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            Path(temporary).replace(path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def merged_text(name: str, original: str, answers: dict[str, Any]) -> str:
    """The file's text with `answers` put in: YAML keeps its comments and order, JSON its order.

    The caller has read `original` with the strict loader; a file that cannot be read as a
    mapping here too is refused rather than replaced by the answers alone.
    """
    tree: Any
    if name.lower().endswith(".json"):
        try:
            tree = json.loads(original)
        except json.JSONDecodeError:
            tree = None
    else:
        yaml = _round_trip()
        try:
            tree = yaml.load(original)
        except Exception:  # ruamel's errors share no base class worth naming here
            tree = None
    if not isinstance(tree, MutableMapping):
        raise WorkspaceError(f"{name}: cannot be read as a questionnaire; nothing was written")
    _merge(tree, answers)
    if name.lower().endswith(".json"):
        return json.dumps(tree, indent=2, ensure_ascii=False, default=str) + "\n"
    stream = io.StringIO()
    yaml.dump(tree, stream)
    return stream.getvalue()


def _round_trip() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def _merge(tree: MutableMapping[str, Any], answers: dict[str, Any]) -> None:
    """Put every answer into `tree`; an unanswered field the file never mentioned stays out."""
    for key, value in answers.items():
        existing = tree.get(key)
        if isinstance(value, dict):
            if isinstance(existing, MutableMapping):
                _merge(existing, value)
            elif _answered(value) or key in tree:
                section: MutableMapping[str, Any] = (
                    CommentedMap() if isinstance(tree, CommentedMap) else {}
                )
                _merge(section, value)
                tree[key] = section
        elif isinstance(value, list) and value and all(isinstance(row, dict) for row in value):
            tree[key] = _merge_rows(existing, value, isinstance(tree, CommentedMap))
        elif value is not None or key in tree:
            tree[key] = _flow_list(value) if isinstance(tree, CommentedMap) else value


def _merge_rows(existing: Any, rows: list[dict[str, Any]], commented: bool) -> Any:
    merged: list[Any] = CommentedSeq() if commented else []
    old = existing if isinstance(existing, list) else []
    for index, row in enumerate(rows):
        target = old[index] if index < len(old) and isinstance(old[index], MutableMapping) else None
        if target is None:
            target = CommentedMap() if commented else {}
        _merge(target, row)
        merged.append(target)
    if isinstance(existing, CommentedSeq):
        # Keep the comments written above and between the rows that remain.
        merged_seq = existing
        del merged_seq[len(rows) :]
        for index, row in enumerate(merged):
            if index < len(merged_seq):
                merged_seq[index] = row
            else:
                merged_seq.append(row)
        return merged_seq
    return merged


def _flow_list(value: Any) -> Any:
    if isinstance(value, list):
        flow = CommentedSeq(value)
        flow.fa.set_flow_style()
        return flow
    return value


def _answered(section: dict[str, Any]) -> bool:
    return any(
        _answered(value) if isinstance(value, dict) else value is not None
        for value in section.values()
    )
