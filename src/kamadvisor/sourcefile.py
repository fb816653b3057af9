"""Safe reading of YAML and JSON documents, keeping the line of every value.

Input files come from users and third parties: only plain data is accepted (no tags that build
Python objects, no anchors or aliases, no duplicate keys), and every value's position is kept so
that later validation errors can name the line they refer to.
"""

from __future__ import annotations

import errno
import json
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from kamadvisor.errors import InputError, Problem, os_reason

MAX_INPUT_BYTES = 5 * 1024 * 1024
MAX_TABLE_BYTES = 50 * 1024 * 1024
MAX_NESTING = 32

Location = tuple[int, int]
PathKey = tuple[str | int, ...]


@dataclass
class SourceDocument:
    """A parsed document with the (line, column) of every key path, 1-based."""

    name: str
    data: Any
    locations: dict[PathKey, Location] = field(default_factory=dict)

    def locate(self, path: PathKey) -> Location | None:
        """The position of the value at `path`, or of its nearest located parent."""
        for end in range(len(path), -1, -1):
            found = self.locations.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader (libyaml when available): plain data only, no Python objects."""


# Dates stay text until validation: YAML's own timestamp parsing fails on dates like 2026-13-01
# with a bare ValueError, where the questionnaire's validation names the field and the form.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


MAX_INTEGER_DIGITS = 100


def _bounded_yaml_int(loader: yaml.BaseLoader, node: yaml.ScalarNode) -> int:
    """YAML integers, refused (with their place) past MAX_INTEGER_DIGITS: Python would refuse
    one of 4,300 digits with a bare ValueError, and no answer or parameter needs a tenth of it."""
    digits = sum(character.isalnum() for character in str(node.value).lower().lstrip("+-0ox"))
    if digits > MAX_INTEGER_DIGITS:
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"a number of {digits} digits is too long; at most {MAX_INTEGER_DIGITS} digits are read",
            node.start_mark,
        )
    value: int = yaml.SafeLoader.construct_yaml_int(loader, node)  # type: ignore[arg-type]
    return value


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _bounded_yaml_int)


class _NumberTooLong(Exception):
    def __init__(self, text: str) -> None:
        self.text = text


def _bounded_json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _NumberTooLong(text)
    return int(text)


def read_text(path: str, root: Path | None = None, stdin: TextIO | None = None) -> tuple[str, str]:
    """Read a file (or standard input for "-") as UTF-8 text; returns (display name, text).

    With `root`, the file must resolve inside that directory (checked before it is opened)."""
    if path == "-":
        return "<stdin>", _decode("<stdin>", read_stdin(MAX_INPUT_BYTES, stdin))
    return path, _decode(path, read_bounded(Path(path), MAX_INPUT_BYTES, root=root))


def read_stdin(limit: int, stdin: TextIO | None = None) -> bytes:
    """At most `limit` bytes of standard input (the process's unless `stdin` is given); a closed
    standard input is the user's error."""
    stream = sys.stdin if stdin is None else stdin
    if stream is None or stream.closed:
        raise InputError([Problem("<stdin>", message="standard input is closed; nothing to read")])
    try:
        raw = stream.buffer.read(limit + 1)
    except (OSError, ValueError) as error:
        reason = os_reason(error) if isinstance(error, OSError) else "it is closed"
        raise InputError(
            [Problem("<stdin>", message=f"standard input cannot be read: {reason}")]
        ) from None
    if len(raw) > limit:
        raise InputError(
            [Problem("<stdin>", message=f"input is larger than the {_mib(limit)} limit")]
        )
    return raw


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words (None for a regular file)."""
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def check_contained(path: Path, root: Path) -> None:
    """Refuse `path` unless it resolves inside `root` (symbolic links followed)."""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        raise InputError(
            [Problem(str(path), message="resolves outside the rule pack; refused")]
        ) from None


def read_bounded(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Containment in `root` is checked before the file is opened; the file is opened without
    blocking (a FIFO would otherwise wait for a writer), must be a regular file (a device such as
    /dev/zero never ends), and at most `limit` + 1 bytes are read whatever its size claims."""
    name = str(path)
    if root is not None:
        check_contained(path, root)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as error:
        raise InputError([Problem(name, message=_open_failure(error))]) from None
    try:
        info = os.fstat(descriptor)
        kind = file_kind(info.st_mode)
        if kind is not None:
            expected = "expected a file" if kind == "a directory" else "expected a regular file"
            raise InputError([Problem(name, message=f"is {kind}, {expected}")])
        if info.st_size > limit:
            raise InputError(
                [Problem(name, message=f"file is larger than the {_mib(limit)} limit")]
            )
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        raise InputError([Problem(name, message=f"cannot be read: {os_reason(error)}")]) from None
    finally:
        os.close(descriptor)
    raw = b"".join(chunks)
    if len(raw) > limit:
        raise InputError([Problem(name, message=f"file is larger than the {_mib(limit)} limit")])
    return raw


def check_regular_file(path: Path, limit: int) -> None:
    """Refuse, before a reader opens it by name, a path that is missing, not a regular file, or
    larger than `limit` (for readers that take a path, such as the workbook reader)."""
    name = str(path)
    try:
        info = path.stat()
    except OSError as error:
        raise InputError([Problem(name, message=_open_failure(error))]) from None
    kind = file_kind(info.st_mode)
    if kind is not None:
        expected = "expected a file" if kind == "a directory" else "expected a regular file"
        raise InputError([Problem(name, message=f"is {kind}, {expected}")])
    if info.st_size > limit:
        raise InputError([Problem(name, message=f"file is larger than the {_mib(limit)} limit")])


def _open_failure(error: OSError) -> str:
    if error.errno == errno.ENOENT:
        return "file not found"
    return f"cannot be opened: {os_reason(error)}"


def _mib(size: int) -> str:
    return f"{size // (1024 * 1024)} MiB"


def mib(size: int) -> str:
    """A byte limit in words, e.g. '5 MiB'."""
    return _mib(size)


def _decode(name: str, raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError([Problem(name, message="file is UTF-16 encoded, expected UTF-8")])
    if b"\x00" in raw:
        raise InputError(
            [Problem(name, message="file is binary (contains NUL bytes), expected UTF-8 text")]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        bad = raw[error.start]
        message = (
            f"byte 0x{bad:02x} is not valid UTF-8 (Latin-1 or another encoding?); "
            "save the file as UTF-8"
        )
        raise InputError([Problem(name, line, message=message)]) from None


def load_document(
    path: str, root: Path | None = None, stdin: TextIO | None = None
) -> SourceDocument:
    """Load a YAML or JSON file (JSON when the name ends in .json or the text starts with '{').
    With `root`, the file must resolve inside that directory; "-" reads `stdin` (default: the
    process's standard input)."""
    name, text = read_text(path, root, stdin)
    if name.lower().endswith(".json"):
        return parse_json(name, text)
    return parse_yaml(name, text)


def parse_json(name: str, text: str) -> SourceDocument:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise _DuplicateJsonKey(key)
            result[key] = value
        return result

    try:
        data = json.loads(text, object_pairs_hook=no_duplicates, parse_int=_bounded_json_int)
    except _NumberTooLong as error:
        offset = text.find(error.text)
        line = text.count("\n", 0, offset) + 1
        column = offset - text.rfind("\n", 0, offset)
        digits = len(error.text.lstrip("-"))
        message = (
            f"a number of {digits} digits is too long; at most {MAX_INTEGER_DIGITS} digits are read"
        )
        raise InputError([Problem(name, line, column, message=message)]) from None
    except json.JSONDecodeError as error:
        raise InputError(
            [Problem(name, error.lineno, error.colno, message=f"invalid JSON: {error.msg}")]
        ) from None
    except _DuplicateJsonKey as error:
        # The YAML composer reports the duplicate with its line; fall back to the key alone.
        try:
            node = yaml.compose(text, Loader=_StrictLoader)
            if node is not None:
                _collect_locations(node, (), {}, 0, name)
        except yaml.YAMLError:
            pass
        raise InputError([Problem(name, message=f"duplicate key '{error.key}'")]) from None
    except RecursionError:
        raise _json_nesting_error(name, text) from None
    document = SourceDocument(name, data)
    # JSON is (nearly) YAML: reuse the YAML composer for positions when it can read the text.
    try:
        node = yaml.compose(text, Loader=_StrictLoader)
        if node is not None:
            _collect_locations(node, (), document.locations, 0, name)
    except (yaml.YAMLError, InputError):
        pass
    try:
        _check_depth(name, data)
    except InputError:
        raise _json_nesting_error(name, text) from None
    return document


class _DuplicateJsonKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _check_event_depth(name: str, text: str) -> None:
    """Refuse deep nesting from the event stream, before a node is built: libyaml's composer
    recurses without a limit, and a file of 100,000 brackets would crash the process."""
    depth = 0
    parsed_up_to = 0
    try:
        for event in yaml.parse(text, Loader=_StrictLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise _nesting_error(name, text, _index_of(event.start_mark, 0))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            parsed_up_to = _index_of(event.end_mark, parsed_up_to)
    except yaml.MarkedYAMLError as error:
        # libyaml scans flow collections ahead of the events and may refuse deep nesting itself,
        # with its own limit and wording, before the events reach ours: recount the nesting with
        # the pure-Python scanner (aware of quotes and comments, not recursive, no limit of its
        # own), so the product's limit holds whatever the library does.
        # The scan runs only on a failed parse; past a quarter MiB it starts at the last event
        # parsed, with the depth reached there, to stay within a second or so.
        failed_at = _index_of(error.problem_mark, len(text))
        start, depth = (0, 0) if failed_at < _FULL_RESCAN_BYTES else (parsed_up_to, depth)
        _check_token_depth(name, text, start, failed_at + 1, depth)
    except yaml.YAMLError:
        return  # reported, with its place, by the real parse


_OPENING_TOKENS = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSING_TOKENS = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)


_FULL_RESCAN_BYTES = 256 * 1024


def _check_token_depth(name: str, text: str, start: int, end: int, depth: int) -> None:
    """Raise when the collections opened in text[start:end], at depth on entry, nest deeper
    than the limit; a scanning error first is left for the real parse to report."""
    try:
        for token in yaml.scan(text[start:end], Loader=yaml.SafeLoader):
            if isinstance(token, _OPENING_TOKENS):
                depth += 1
                if depth > MAX_NESTING:
                    raise _nesting_error(name, text, start + _index_of(token.start_mark, 0))
            elif isinstance(token, _CLOSING_TOKENS):
                depth -= 1
    except yaml.YAMLError:
        return


def _index_of(mark: Any, default: int) -> int:
    return int(mark.index) if mark is not None else default


def _nesting_error(name: str, text: str, index: int) -> InputError:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return InputError(
        [Problem(name, line, column, message=f"nesting deeper than {MAX_NESTING} levels")]
    )


def _json_nesting_error(name: str, text: str) -> InputError:
    """The nesting error at the first bracket past the limit (JSON strings skipped)."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return _nesting_error(name, text, index)
        elif char in "]}":
            depth -= 1
    return InputError([Problem(name, message=f"nesting deeper than {MAX_NESTING} levels")])


def parse_yaml(name: str, text: str) -> SourceDocument:
    _check_event_depth(name, text)
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return SourceDocument(name, None)
        locations: dict[PathKey, Location] = {}
        _collect_locations(node, (), locations, 0, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = (
            "; ".join(part for part in (error.context, error.problem) if part) or "invalid YAML"
        )
        if "could not determine a constructor" in (error.problem or ""):
            message = f"YAML tag {_tag_of(error)} is not allowed: only plain data is accepted"
        elif mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            message = (
                "a tab character here; YAML indents with spaces only, replace tabs with spaces"
            )
        raise InputError(
            [Problem(name, line, column, message=f"invalid YAML: {message}")]
        ) from None
    except yaml.YAMLError as error:
        raise InputError([Problem(name, message=f"invalid YAML: {error}")]) from None
    finally:
        loader.dispose()
    return SourceDocument(name, data, locations)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column] if line < len(lines) and column < len(lines[line]) else ""


def _tag_of(error: yaml.MarkedYAMLError) -> str:
    problem = error.problem or ""
    start = problem.find("'")
    return problem[start:] if start >= 0 else "(unknown)"


def _collect_locations(
    node: yaml.Node,
    path: PathKey,
    locations: dict[PathKey, Location],
    depth: int,
    name: str,
    seen: set[int] | None = None,
) -> None:
    # An alias makes the composer reuse a node: refusing reuse closes the billion-laughs door
    # before anything is expanded.
    seen = set() if seen is None else seen
    if id(node) in seen:
        raise _refused(
            name,
            node,
            "anchors and aliases are not allowed in kamadvisor files",
            _render_path(path),
        )
    seen.add(id(node))
    if depth > MAX_NESTING:
        raise _refused(name, node, f"nesting deeper than {MAX_NESTING} levels")
    locations[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        _collect_mapping(node, path, locations, depth, name, seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_locations(item, (*path, index), locations, depth + 1, name, seen)


def _collect_mapping(
    node: yaml.MappingNode,
    path: PathKey,
    locations: dict[PathKey, Location],
    depth: int,
    name: str,
    seen: set[int],
) -> None:
    first_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in first_lines:
            raise _refused(
                name,
                key_node,
                f"duplicate key '{key}' (first given on line {first_lines[key]})",
                _render_path((*path, key)),
            )
        first_lines[key] = key_node.start_mark.line + 1
        _collect_locations(value_node, (*path, key), locations, depth + 1, name, seen)
        # A field is located at its key: where a reader looks for it, even when its value
        # starts on a later line.
        locations[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)


def _refused(name: str, node: yaml.Node, message: str, path: str = "") -> InputError:
    mark = node.start_mark
    return InputError([Problem(name, mark.line + 1, mark.column + 1, path, message)])


def _check_depth(name: str, data: Any, depth: int = 0) -> None:
    if depth > MAX_NESTING:
        raise InputError([Problem(name, message=f"nesting deeper than {MAX_NESTING} levels")])
    if isinstance(data, dict):
        for value in data.values():
            _check_depth(name, value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            _check_depth(name, value, depth + 1)


def render_path(path: PathKey) -> str:
    """`('contacts', 2, 'level')` -> `contacts[2].level`."""
    return _render_path(path)


def _render_path(path: PathKey) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
