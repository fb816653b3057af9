"""`kamadvisor serve` over HTTP: the security model, saving, and the form's link to the models.

The server runs for real (a subprocess on a loopback port); requests are made with the standard
library so that headers such as Host and Origin can be set as an attacker would.
"""

from __future__ import annotations

import http.client
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest
from markupsafe import escape
from pydantic import BaseModel, Field
from serve_helpers import EXAMPLES, RunningServer, copy_examples, running_server

from kamadvisor.questionnaire import Questionnaire, Section
from kamadvisor.server import allowed_hosts, is_loopback
from kamadvisor.sourcefile import MAX_INPUT_BYTES, load_document
from kamadvisor.webform import RecordsSpec, questionnaire_form
from kamadvisor.workspace import ConflictError, Workspace, WorkspaceError, merged_text


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = copy_examples(tmp_path_factory.mktemp("workspace"))
    with running_server(folder) as running:
        yield running


def _opened(page: str) -> str:
    match = re.search(r'name="opened" value="([0-9a-f]{64})"', page)
    assert match
    return match.group(1)


# --- security ----------------------------------------------------------------------------------


def test_pages_carry_a_strict_policy(server: RunningServer) -> None:
    status, headers, page = server.request("GET", "/")
    assert status == 200
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert "Northwind Foods GmbH" in page


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8765", "10.0.0.1"])
def test_a_foreign_host_header_is_refused(server: RunningServer, host: str) -> None:
    # A page on another site that rebinds its name to 127.0.0.1 sends its own name as Host.
    status, _, page = server.request("GET", "/", headers={"Host": host})
    assert status == 400
    assert "Northwind" not in page


def test_a_form_without_the_token_is_refused(server: RunningServer) -> None:
    status, _, page = server.post_form("/new", [("account_name", "Forged")])
    assert status == 403
    assert "security token" in page
    assert not (server.folder / "forged.yaml").exists()


def test_a_form_from_another_origin_is_refused(server: RunningServer) -> None:
    fields = [("csrf", server.csrf_token()), ("account_name", "Cross site")]
    for headers in (
        {"Origin": "http://attacker.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        status, _, _ = server.post_form("/new", fields, headers)
        assert status == 403
    assert not (server.folder / "cross-site.yaml").exists()


def test_a_body_over_the_limit_is_refused(server: RunningServer) -> None:
    fields = [("csrf", server.csrf_token()), ("account_name", "x" * (MAX_INPUT_BYTES + 10))]
    status, _, _ = server.post_form("/new", fields)
    assert status == 413
    assert not any(path.name.startswith("xxx") for path in server.folder.iterdir())


def test_only_forms_are_accepted(server: RunningServer) -> None:
    status, _, _ = server.request(
        "POST",
        "/new",
        b'{"account_name": "json"}',
        {"Content-Type": "application/json"},
    )
    assert status == 415


@pytest.mark.parametrize(
    "name",
    ["../pyproject.toml", "/etc/passwd", "..%2Fsecret.yaml", "sub/inner.yaml", ".hidden.yaml"],
)
def test_files_outside_the_folder_are_unreachable(server: RunningServer, name: str) -> None:
    status, _, page = server.request("GET", f"/edit?file={name}")
    assert status == 404
    assert "root:" not in page


def test_a_symbolic_link_out_of_the_folder_is_refused(
    server: RunningServer, tmp_path: Path
) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("account:\n  name: Secret Holdings\n", encoding="utf-8")
    (server.folder / "link.yaml").symlink_to(outside)
    try:
        status, _, page = server.request("GET", "/edit?file=link.yaml")
        _, _, index = server.request("GET", "/")
    finally:
        (server.folder / "link.yaml").unlink()
    assert status == 404
    assert "Secret Holdings" not in page
    assert "Secret Holdings" not in index


def test_answers_are_escaped(server: RunningServer) -> None:
    name = "<script>alert(1)</script> & Co"
    status, _, _ = server.post_form(
        "/new", [("csrf", server.csrf_token()), ("account_name", name), ("file_name", "xss.yaml")]
    )
    assert status == 303
    _, _, page = server.request("GET", "/edit?file=xss.yaml")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in page


def test_an_existing_file_is_never_replaced_by_new(server: RunningServer) -> None:
    before = (server.folder / "northwind-foods.yaml").read_bytes()
    status, headers, _ = server.post_form(
        "/new",
        [
            ("csrf", server.csrf_token()),
            ("account_name", "X"),
            ("file_name", "northwind-foods.yaml"),
        ],
    )
    assert status == 303
    assert "already%20exists" in headers["location"].replace("+", "%20")
    assert (server.folder / "northwind-foods.yaml").read_bytes() == before


def test_the_memo_page_has_the_memos_own_policy(server: RunningServer) -> None:
    status, headers, page = server.request("GET", "/memo?file=northwind-foods.yaml&format=html")
    assert status == 200
    assert headers["content-security-policy"].startswith("default-src 'none'; style-src")
    assert "script-src" not in headers["content-security-policy"]
    assert "Northwind Foods GmbH" in page


def test_the_word_memo_is_a_download_of_the_clis_bytes(server: RunningServer) -> None:
    """Word comes from the same format registry as the command line, and always as a file."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
    try:
        connection.request(
            "GET", "/memo?file=northwind-foods.yaml&format=docx", headers={"Host": server.host}
        )
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    assert response.status == 200
    assert response.getheader("content-type") == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response.getheader("content-disposition") == (
        'attachment; filename="northwind-foods-memo.docx"'
    )
    cli = subprocess.run(
        [sys.executable, "-m", "kamadvisor", "memo", str(server.folder / "northwind-foods.yaml"),
         "-f", "docx"],
        capture_output=True,
        check=True,
    )  # fmt: skip
    assert body == cli.stdout
    status, _, page = server.request("GET", "/memo?file=northwind-foods.yaml&format=pdf")
    assert status == 404
    assert "no memo format" in page
    _, _, edit = server.request("GET", "/edit?file=northwind-foods.yaml")
    assert "format=docx&amp;download=1" in edit


# --- saving ------------------------------------------------------------------------------------


def _new_file(server: RunningServer, file_name: str, account: str) -> tuple[str, str]:
    status, _, _ = server.post_form(
        "/new",
        [("csrf", server.csrf_token()), ("account_name", account), ("file_name", file_name)],
    )
    assert status == 303
    _, _, page = server.request("GET", f"/edit?file={file_name}")
    return server.csrf_token(), _opened(page)


def test_a_save_keeps_the_files_comments_and_writes_the_answers(server: RunningServer) -> None:
    csrf, opened = _new_file(server, "keep.yaml", "Keep Comments Ltd")
    status, headers, _ = server.post_form(
        "/edit?file=keep.yaml",
        [
            ("csrf", csrf),
            ("opened", opened),
            ("action", "save"),
            ("account.name", "Keep Comments Ltd"),
            ("economics.annual_revenue", "1250000"),
            ("relationship.uses_tenders", "false"),
            ("relationship.integrated_processes", "__none__"),
        ],
    )
    assert status == 303, headers
    text = (server.folder / "keep.yaml").read_text(encoding="utf-8")
    assert text.startswith("# kamadvisor account questionnaire")
    assert "# Our annual revenue with this account" in text
    data = load_document(str(server.folder / "keep.yaml")).data
    assert data["economics"]["annual_revenue"] == 1250000
    assert data["relationship"]["uses_tenders"] is False  # "no" is written as no
    assert data["relationship"]["integrated_processes"] == []  # "none of these" as an empty list
    assert data["relationship"]["uses_e_auctions"] is None  # unanswered stays unanswered
    assert data["contacts"] is None


def test_invalid_answers_are_not_saved_and_are_named(server: RunningServer) -> None:
    csrf, opened = _new_file(server, "invalid.yaml", "Invalid GmbH")
    before = (server.folder / "invalid.yaml").read_bytes()
    status, _, page = server.post_form(
        "/edit?file=invalid.yaml",
        [
            ("csrf", csrf),
            ("opened", opened),
            ("account.name", "Invalid GmbH"),
            ("economics.share_of_our_revenue_pct", "150"),
            ("planning.horizon_months", "soon"),
        ],
    )
    assert status == 422
    assert (server.folder / "invalid.yaml").read_bytes() == before
    assert "150 is out of range; expected a number at most 100" in page
    assert "&#39;soon&#39; is not a whole number" in page
    # The typed text is kept in the form, not lost.
    assert 'value="soon"' in page


def test_a_file_changed_on_disk_is_not_overwritten_silently(server: RunningServer) -> None:
    csrf, opened = _new_file(server, "conflict.yaml", "Conflict AG")
    path = server.folder / "conflict.yaml"
    path.write_text(
        "account:\n  name: Conflict AG\n  industry: changed elsewhere\n", encoding="utf-8"
    )
    fields = [
        ("csrf", csrf),
        ("opened", opened),
        ("account.name", "Conflict AG"),
        ("account.industry", "mine"),
    ]
    status, _, page = server.post_form("/edit?file=conflict.yaml", fields)
    assert status == 409
    assert "changed on disk since you opened it" in page
    assert "changed elsewhere" in page  # what is on disk now is shown
    assert "industry: changed elsewhere" in path.read_text(encoding="utf-8")
    status, _, _ = server.post_form("/edit?file=conflict.yaml", [*fields, ("overwrite", "yes")])
    assert status == 303
    assert "industry: mine" in path.read_text(encoding="utf-8")


def test_merging_keeps_comments_unknown_fields_and_rows(tmp_path: Path) -> None:
    original = (EXAMPLES / "northwind-foods.yaml").read_text(encoding="utf-8")
    document = load_document(str(EXAMPLES / "northwind-foods.yaml"))
    answers = document.data
    answers["relationship"]["team_model"] = "permanent_multidisciplinary"
    answers["contacts"] = answers["contacts"][:1]
    merged = merged_text("northwind-foods.yaml", original, answers)
    assert "# Northwind Foods: a large frozen-food manufacturer" in merged
    assert "# share_of_wallet_pct: not known" in merged
    assert "team_model: permanent_multidisciplinary" in merged
    assert merged.count("- name:") == 1
    unchanged = merged_text("northwind-foods.yaml", original, document.data | {})
    assert "Head of Packaging Procurement" in unchanged


def test_workspace_refuses_names_outside_and_replaces_atomically(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    for name in ("../x.yaml", "a/b.yaml", ".x.yaml", "x.txt", "x.yaml\x00"):
        with pytest.raises(WorkspaceError):
            workspace.path_of(name)
    stored = workspace.create("acme.yaml", "Acme")
    with pytest.raises(WorkspaceError):
        workspace.create("acme.yaml", "Acme again")
    (tmp_path / "acme.yaml").write_text("account:\n  name: Other\n", encoding="utf-8")
    with pytest.raises(ConflictError):
        workspace.save("acme.yaml", "account:\n  name: Mine\n", stored.digest)
    assert (tmp_path / "acme.yaml").read_text(encoding="utf-8") == "account:\n  name: Other\n"
    assert [path.name for path in tmp_path.iterdir()] == ["acme.yaml"]  # no temporary left


# --- the form comes from the models ------------------------------------------------------------


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> set[str]:
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        inner = _inner_model(info.annotation)
        if inner is None:
            paths.add(prefix + name)
        else:
            paths |= _leaf_paths(inner, f"{prefix}{name}.")
    return paths


def _inner_model(annotation: object) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in getattr(annotation, "__args__", ()):
        found = _inner_model(argument)
        if found is not None:
            return found
    return None


def _form_paths(model: type[BaseModel]) -> set[str]:
    paths: set[str] = set()
    for section in questionnaire_form(model):
        for item in section.items:
            if isinstance(item, RecordsSpec):
                paths |= {f"{item.name}.{sub.name}" for sub in item.fields}
            else:
                paths.add(item.name)
    return paths


def test_every_question_of_the_model_is_in_the_form() -> None:
    assert _form_paths(Questionnaire) == _leaf_paths(Questionnaire)


def test_a_question_added_to_the_models_appears_in_the_form() -> None:
    class Sustainability(Section):
        """Sustainability commitments."""

        shared_targets: bool | None = Field(None, description="Do we share carbon targets?")
        rating: Literal["bronze", "silver", "gold"] | None = Field(None, description="Rating.")

    class Extended(Questionnaire):
        sustainability: Sustainability = Sustainability()

    sections = {section.name: section for section in questionnaire_form(Extended)}
    added = sections["sustainability"].items
    assert [(item.name, item.kind) for item in added] == [  # type: ignore[union-attr]
        ("sustainability.shared_targets", "boolean"),
        ("sustainability.rating", "choice"),
    ]
    assert added[1].choices == ("bronze", "silver", "gold")  # type: ignore[union-attr]


def test_scales_and_allowed_values_are_the_models() -> None:
    fields = {
        item.name: item
        for section in questionnaire_form()
        for item in section.items
        if not isinstance(item, RecordsSpec)
    }
    assert fields["attractiveness.spend_potential"].kind == "scale"
    assert fields["attractiveness.spend_potential"].choices == tuple(str(n) for n in range(1, 11))
    assert fields["relationship.team_model"].choices[0] == "individual"
    assert fields["kam.skills"].kind == "choices"
    assert fields["account.name"].required


# --- the command -------------------------------------------------------------------------------


def test_loopback_and_allowed_hosts() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("0.0.0.0")
    assert not is_loopback("192.168.1.5")
    assert allowed_hosts("127.0.0.1") == ["127.0.0.1", "localhost"]
    assert "192.168.1.5" in allowed_hosts("192.168.1.5")


def test_serve_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    program = (
        "import sys; sys.modules['starlette'] = None; "
        "from kamadvisor.cli import main; sys.argv = ['kamadvisor', 'serve', sys.argv[1]]; main()"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "pip install 'kamadvisor[serve]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_a_port_in_use_is_a_clear_error(server: RunningServer, tmp_path: Path) -> None:
    port = server.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "kamadvisor", "serve", str(tmp_path), "--port", port],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_interrupt_stops_the_server_with_130_in_one_line(tmp_path: Path) -> None:
    with running_server(copy_examples(tmp_path)) as running:
        running.process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 20
        while running.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert running.process.returncode == 130
        assert running.reader is not None
        running.reader.join(timeout=10)  # everything the server wrote before it exited
        assert running.log == ["kamadvisor serve: stopped\n"], "".join(running.log)


def test_a_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kamadvisor", "serve", str(tmp_path / "nope"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("file_name", "text"),
    [
        ("broken.yaml", "account:\n  name: Broken [\n  industry: x\n: :\n"),
        ("listed.yaml", "- account\n- name\n"),
        ("broken.json", '{"account": {"name": "Broken"'),
        ("latin1.yaml", "account:\n  name: M\xfcller Industrie\n"),
    ],
)
def test_a_file_the_form_cannot_show_is_never_overwritten(
    server: RunningServer, file_name: str, text: str
) -> None:
    path = server.folder / file_name
    path.write_bytes(text.encode("latin-1"))
    status, _, page = server.request("GET", f"/edit?file={file_name}")
    assert status == 422
    assert "correct it in a text editor first" in page
    assert file_name in page
    if file_name == "latin1.yaml":
        assert "byte 0xfc is not valid UTF-8" in page
    status, _, _ = server.post_form(
        f"/edit?file={file_name}",
        [("csrf", server.csrf_token()), ("account.name", "Replaced")],
    )
    assert status == 422
    assert path.read_bytes() == text.encode("latin-1")


def test_a_value_the_form_does_not_offer_is_shown_not_dropped(server: RunningServer) -> None:
    path = server.folder / "solo.yaml"
    path.write_text(
        "account:\n  name: Solo Ltd\nrelationship:\n  team_model: solo\n  uses_tenders: maybe\n",
        encoding="utf-8",
    )
    status, _, page = server.request("GET", "/edit?file=solo.yaml")
    assert status == 200
    assert '<option value="solo" selected>solo (as written in the file)</option>' in page
    assert 'value="maybe" checked' in page
    # The same located messages as the CLI gives for the file.
    cli = subprocess.run(
        [sys.executable, "-m", "kamadvisor", "assess", "solo.yaml"],
        cwd=server.folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 2
    messages = [line.removeprefix("error: ") for line in cli.stderr.splitlines()]
    assert len(messages) == 2
    for message in messages:
        assert str(escape(message)) in page  # escaped as the pages escape
    error = re.search(r'id="f-relationship.team_model-error">([^<]*)<', page)
    assert error
    assert error.group(1).startswith("&#39;solo&#39; is not allowed; expected one of: individual")


def test_an_operating_system_error_on_save_is_reported(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    workspace = Workspace(tmp_path / "folder")
    stored = workspace.create("acme.yaml", "Acme")
    (tmp_path / "folder" / "acme.yaml").unlink()
    (tmp_path / "folder").rmdir()
    with pytest.raises(WorkspaceError, match="cannot be written: No such file or directory"):
        workspace.save("acme.yaml", "account:\n  name: Acme\n", stored.digest, overwrite=True)


def test_a_json_questionnaire_is_saved_as_json(server: RunningServer) -> None:
    csrf, opened = _new_file(server, "acme.json", "Acme JSON")
    status, _, _ = server.post_form(
        "/edit?file=acme.json",
        [
            ("csrf", csrf),
            ("opened", opened),
            ("account.name", "Acme JSON"),
            ("account.assessment_date", "2026-01-31"),
            ("attractiveness.spend_potential", "7"),
        ],
    )
    assert status == 303
    data = json.loads((server.folder / "acme.json").read_text(encoding="utf-8"))
    assert data["account"] == {"name": "Acme JSON", "assessment_date": "2026-01-31"}
    assert data["attractiveness"] == {"spend_potential": 7}
