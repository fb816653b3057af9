"""`kamadvisor serve`: a local web workspace over a folder of questionnaires.

The pages are rendered on the server from the questionnaire's own models (`webform`); every
answer goes through the same loading, validation, diagnosis and rendering as the CLI (`api`,
`questionnaire`, `render`, `explain`). The server holds no KAM logic and no validation of its own.

Security for a tool on the consultant's own machine: it listens on 127.0.0.1 unless told
otherwise, refuses requests whose Host header names another host (DNS rebinding), checks a
per-server token and the Origin on every form post (CSRF), sends a strict Content-Security-Policy
(nothing but this server's own script and style), escapes everything it renders, limits request
bodies and reaches only regular files directly inside its folder. It makes no outbound request.
"""

from __future__ import annotations

import hmac
import ipaddress
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kamadvisor.api import Advisor
from kamadvisor.diagnosis import Diagnosis
from kamadvisor.errors import InputError, KamAdvisorError, Problem
from kamadvisor.explain import explain_rule
from kamadvisor.formats import FORMATS, MemoFormat
from kamadvisor.questionnaire import Questionnaire, validate_questionnaire
from kamadvisor.sourcefile import MAX_INPUT_BYTES, SourceDocument, parse_json, parse_yaml
from kamadvisor.webform import (
    EMPTY_LIST,
    NONE_OF_THESE,
    ROW_MARKER,
    FieldSpec,
    FormState,
    RecordsSpec,
    SectionSpec,
    Submitted,
    data_from_form,
    display_value,
    field_anchor,
    questionnaire_form,
    selected_values,
    state_from_data,
)
from kamadvisor.workspace import (
    ConflictError,
    StoredFile,
    Workspace,
    WorkspaceError,
    merged_text,
)

WEB_DIR = Path(__file__).resolve().parent / "web"
MAX_FORM_FIELDS = 20_000
TOP_FINDINGS = 5
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# The HTML memo is self-contained: its inline style and SVG, nothing else (as its own meta says).
MEMO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "cache-control": "no-store",
}
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


class RequestRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Loaded:
    """A questionnaire file as read: its raw data, problems if any, and the diagnosis if valid."""

    stored: StoredFile
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    questionnaire: Questionnaire | None = None
    diagnosis: Diagnosis | None = None
    readable: bool = False  # parsed as a mapping: the form can show it and a save can merge into it


@dataclass
class ServerState:
    workspace: Workspace
    advisor: Advisor
    csrf_token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    sections: tuple[SectionSpec, ...] = field(default_factory=questionnaire_form)
    summaries: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)


def create_app(workspace: Workspace, advisor: Advisor, allowed_hosts: list[str]) -> Starlette:
    # The form asks the rulebook's questions: the house packs' among them.
    state = ServerState(
        workspace, advisor, sections=questionnaire_form(advisor.rulebook.questionnaire)
    )
    environment = _environment()
    pages = Pages(state, environment)
    routes = [
        Route("/", pages.index, methods=["GET"]),
        Route("/new", pages.create, methods=["POST"]),
        Route("/edit", pages.edit, methods=["GET", "POST"]),
        Route("/memo", pages.memo, methods=["GET"]),
        Route("/explain", pages.explain, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=WEB_DIR / "static"), name="static"),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts),
        Middleware(SecurityHeaders),
    ]
    return Starlette(routes=routes, middleware=middleware)


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(WEB_DIR / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        display_value=display_value,
        selected_values=selected_values,
        field_anchor=field_anchor,
        is_records=lambda item: isinstance(item, RecordsSpec),
        NONE_OF_THESE=NONE_OF_THESE,
        ROW_MARKER=ROW_MARKER,
        EMPTY_LIST=EMPTY_LIST,
        MEMO_FORMATS=FORMATS,
        quote=quote,
    )
    return environment


Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SecurityHeaders:
    """Adds the security headers to every response; a route may set its own policy."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("content-security-policy", PAGE_POLICY)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)


async def read_form(request: Request, state: ServerState) -> Submitted:
    """The posted form, checked: same origin, the server's token, a bounded urlencoded body."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise RequestRefused(403, "a form from another site was refused")
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        raise RequestRefused(403, "a form from another origin was refused")
    media_type = request.headers.get("content-type", "").split(";")[0].strip()
    if media_type != "application/x-www-form-urlencoded":
        raise RequestRefused(415, "expected a form (application/x-www-form-urlencoded)")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_INPUT_BYTES):
        raise RequestRefused(
            413, f"the form is larger than the {MAX_INPUT_BYTES // 2**20} MiB limit"
        )
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_INPUT_BYTES:
            raise RequestRefused(413, "the form is larger than the 5 MiB limit")
    try:
        form = parse_qs(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise RequestRefused(400, "the form could not be read") from None
    token = (form.get("csrf") or [""])[0]
    if not hmac.compare_digest(token.encode(), state.csrf_token.encode()):
        raise RequestRefused(403, "the form's security token is missing or stale; reload the page")
    return form


class Rendering:
    """How the pages render: a page of the workspace, an error, the edit form."""

    def __init__(self, state: ServerState, environment: Environment) -> None:
        self.state = state
        self.environment = environment

    def page(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.environment.get_template(template).render(csrf=self.state.csrf_token, **context)
        return HTMLResponse(html, status_code=status)

    def refused(self, error: RequestRefused) -> HTMLResponse:
        return self.page("error.html.j2", error.status, message=error.message)

    def failed(self, status: int, message: str, problems: list[Problem]) -> HTMLResponse:
        return self.page(
            "error.html.j2",
            status,
            message=message,
            problems=[problem.format() for problem in problems],
        )

    def unreadable(self, name: str, problems: list[Problem]) -> HTMLResponse:
        """A file the form cannot show (not UTF-8 YAML or JSON, or not a mapping): merging answers
        into it would lose its content, so it is left for a text editor."""
        return self.failed(
            422,
            f"{name} cannot be read as a questionnaire; correct it in a text editor first "
            "(nothing was written)",
            problems,
        )

    def read(self, name: str) -> StoredFile | HTMLResponse:
        try:
            return self.state.workspace.read(name)
        except InputError as error:
            return self.unreadable(name, error.problems)
        except KamAdvisorError as error:
            return self.page("error.html.j2", 404, message=str(error))

    def edit_page(
        self,
        name: str,
        state: FormState,
        opened: str,
        *,
        problems: list[Problem] | None = None,
        diagnosis: Diagnosis | None = None,
        saved: bool = False,
        unsaved: bool = False,
        pending: bool = False,
        conflict: str | None = None,
        status: int = 200,
    ) -> HTMLResponse:
        field_ids = _field_ids(self.state.sections, state)
        errors: dict[str, list[str]] = {}
        for problem in problems or []:
            errors.setdefault(field_anchor(problem.path), []).append(problem.message)
        return self.page(
            "edit.html.j2",
            status,
            name=name,
            sections=self.state.sections,
            state=state,
            values=state.values,
            errors=errors,
            problems=[
                {
                    "text": _problem_text(problem, unsaved),
                    "anchor": anchor
                    if (anchor := field_anchor(problem.path)) in field_ids
                    else None,
                }
                for problem in problems or []
            ],
            diagnosis=_diagnosis_view(diagnosis, field_ids) if diagnosis else None,
            opened=opened,
            saved=saved,
            unsaved=unsaved,
            pending=pending,
            conflict=conflict,
        )


class Editing(Rendering):
    """The edit page: a questionnaire's form, its answers checked and saved."""

    async def edit(self, request: Request) -> Response:
        name = request.query_params.get("file", "")
        stored = self.read(name)
        if isinstance(stored, Response):
            return stored
        loaded = check(self.state, stored)
        if not loaded.readable:
            return self.unreadable(loaded.stored.name, loaded.problems)
        if request.method == "GET":
            return self.edit_page(
                stored.name,
                state_from_data(loaded.data, self.state.sections),
                stored.digest,
                problems=loaded.problems,
                diagnosis=loaded.diagnosis,
                saved=request.query_params.get("saved") == "1",
            )
        try:
            form = await read_form(request, self.state)
        except RequestRefused as error:
            return self.refused(error)
        return self.submit(loaded, form)

    def submit(self, loaded: Loaded, form: Submitted) -> Response:
        stored = loaded.stored
        action = (form.get("action") or ["save"])[0]
        opened = (form.get("opened") or [""])[0]
        data = data_from_form(form, self.state.sections)
        on_disk = loaded.diagnosis
        if action.startswith(("add:", "remove:")):
            _change_rows(data, action)
            state = state_from_data(data, self.state.sections)
            return self.edit_page(stored.name, state, opened, diagnosis=on_disk, pending=True)
        try:
            text = merged_text(stored.name, stored.text, data)
        except KamAdvisorError:
            return self.unreadable(loaded.stored.name, loaded.problems)
        checked = check(self.state, StoredFile(stored.name, text))
        state = state_from_data(data, self.state.sections)
        if checked.problems:
            return self.edit_page(
                stored.name,
                state,
                opened,
                problems=checked.problems,
                diagnosis=on_disk,
                unsaved=True,
                status=422,
            )
        overwrite = (form.get("overwrite") or [""])[0] == "yes"
        return self.save(loaded, text, state, opened, overwrite)

    def save(
        self, loaded: Loaded, text: str, state: FormState, opened: str, overwrite: bool
    ) -> Response:
        """Written in place unless the file changed since the form was opened (a conflict)."""
        name, on_disk = loaded.stored.name, loaded.diagnosis
        try:
            self.state.workspace.save(name, text, opened, overwrite=overwrite)
        except WorkspaceError as error:
            return self.edit_page(
                name,
                state,
                opened,
                problems=[Problem(name, message=str(error))],
                diagnosis=on_disk,
                unsaved=True,
                status=500,
            )
        except ConflictError as conflict:
            return self.edit_page(
                name, state, opened, diagnosis=on_disk, conflict=conflict.current_text, status=409
            )
        return RedirectResponse(_edit_url(name, saved=True), status_code=303)


class Pages(Editing):
    """Every route: the folder's index, a new questionnaire, the edit page, a memo and why a rule
    fired or not."""

    async def index(self, request: Request) -> Response:
        rows = [summary(self.state, name) for name in self.state.workspace.questionnaire_files()]
        return self.page(
            "index.html.j2",
            rows=rows,
            folder=str(self.state.workspace.root),
            error=request.query_params.get("error", ""),
        )

    async def create(self, request: Request) -> Response:
        try:
            form = await read_form(request, self.state)
        except RequestRefused as error:
            return self.refused(error)
        account = (form.get("account_name") or [""])[0].strip()
        name = (form.get("file_name") or [""])[0].strip() or _file_name_for(account)
        if name and not name.lower().endswith((".yaml", ".yml", ".json")):
            name += ".yaml"
        try:
            self.state.workspace.create(
                name, account or "New account", self.state.advisor.rulebook.questionnaire
            )
        except KamAdvisorError as error:
            return RedirectResponse("/?" + urlencode({"error": str(error)}), status_code=303)
        return RedirectResponse(_edit_url(name), status_code=303)

    async def memo(self, request: Request) -> Response:
        name = request.query_params.get("file", "")
        selected = FORMATS.get(request.query_params.get("format", "html"))
        if selected is None:
            return self.page(
                "error.html.j2",
                404,
                message=f"no memo format {request.query_params.get('format')!r}",
            )
        stored = self.read(name)
        if isinstance(stored, Response):
            return stored
        loaded = check(self.state, stored)
        if loaded.diagnosis is None:
            message = f"{name} has problems to fix before it has a memo"
            return self.failed(422, message, loaded.problems)
        try:
            content = selected.render(loaded.diagnosis, self.state.advisor.rulebook)
        except InputError as error:
            return self.failed(422, "the memo template failed", error.problems)
        download = request.query_params.get("download") == "1"
        return _memo_response(content, selected, name, download)

    async def explain(self, request: Request) -> Response:
        name = request.query_params.get("file", "")
        rule_id = request.query_params.get("rule", "").upper()
        stored = self.read(name)
        if isinstance(stored, Response):
            return stored
        loaded = check(self.state, stored)
        if loaded.questionnaire is None:
            return self.failed(422, f"{name} has problems to fix first", loaded.problems)
        try:
            lines = explain_rule(self.state.advisor, loaded.questionnaire, rule_id)
        except KamAdvisorError as error:
            return self.page("error.html.j2", 404, message=str(error))
        return self.page("explain.html.j2", name=name, rule_id=rule_id, lines=lines)


def _memo_response(content: bytes, selected: MemoFormat, name: str, download: bool) -> Response:
    headers = {"content-security-policy": MEMO_POLICY}
    # A binary format (Word) is always a download: a browser cannot show it.
    if download or selected.binary:
        filename = f"{Path(name).stem}-memo.{selected.suffix}"
        headers["content-disposition"] = f'attachment; filename="{filename}"'
        media_type = MEDIA_TYPES[selected.name]
    else:
        media_type = MEDIA_TYPES["html"] if selected.name == "html" else "text/plain; charset=utf-8"
    return Response(content, media_type=media_type, headers=headers)


# --- the same core as the CLI ---


def check(state: ServerState, stored: StoredFile) -> Loaded:
    """Parse, validate and diagnose as the CLI does; problems are kept, not raised."""
    loaded = Loaded(stored)
    try:
        document = _parse(stored)
        loaded.readable = isinstance(document.data, dict)
        loaded.data = document.data
        loaded.questionnaire = validate_questionnaire(
            document, state.advisor.rulebook.questionnaire
        )
        loaded.diagnosis = state.advisor.diagnose(loaded.questionnaire)
    except InputError as error:
        loaded.problems = error.problems
    return loaded


def summary(state: ServerState, name: str) -> dict[str, Any]:
    """The index's row of a file, kept until the file changes."""
    try:
        stored = state.workspace.read(name)
    except InputError as error:
        return _summary(name, Loaded(StoredFile(name, ""), problems=error.problems))
    except KamAdvisorError as error:
        return _summary(
            name, Loaded(StoredFile(name, ""), problems=[Problem(name, message=str(error))])
        )
    key = (name, stored.digest)
    cached = state.summaries.get(key)
    if cached is None:
        cached = _summary(name, check(state, stored))
        state.summaries = {k: v for k, v in state.summaries.items() if k[0] != name}
        state.summaries[key] = cached
    return cached


def _parse(stored: StoredFile) -> SourceDocument:
    if stored.name.lower().endswith(".json"):
        return parse_json(stored.name, stored.text)
    return parse_yaml(stored.name, stored.text)


def _summary(name: str, loaded: Loaded) -> dict[str, Any]:
    data = loaded.data if isinstance(loaded.data, dict) else {}
    account = data.get("account") if isinstance(data.get("account"), dict) else {}
    diagnosis = loaded.diagnosis
    placements = diagnosis.placements if diagnosis else {}
    return {
        "file": name,
        "account": str(account.get("name") or "") if account else "",
        "date": display_value(account.get("assessment_date")) if account else "",
        "phase": placements["phase"].label if "phase" in placements else None,
        "category": placements["category"].label if "category" in placements else None,
        "stage": placements["stage"].label if "stage" in placements else None,
        "problems": [problem.format() for problem in loaded.problems],
    }


def _diagnosis_view(diagnosis: Diagnosis, field_ids: set[str]) -> dict[str, Any]:
    recommendations = [finding for finding in diagnosis.findings if finding.severity != "info"]
    return {
        "placements": list(diagnosis.placements.values()),
        "findings": recommendations[:TOP_FINDINGS],
        "more_findings": max(0, len(recommendations) - TOP_FINDINGS),
        "unanswered": [
            {
                "path": question.path,
                "question": question.question,
                "anchor": field_anchor(question.path)
                if field_anchor(question.path) in field_ids
                else None,
            }
            for question in diagnosis.unanswered
        ],
    }


def _problem_text(problem: Problem, unsaved: bool) -> str:
    # The line numbers of answers not yet saved would point into a file nobody can see.
    if unsaved:
        return f"{problem.path}: {problem.message}" if problem.path else problem.message
    return problem.format()


def _field_ids(sections: tuple[SectionSpec, ...], state: FormState) -> set[str]:
    ids: set[str] = set()
    for section in sections:
        for item in section.items:
            if isinstance(item, FieldSpec):
                ids.add(field_anchor(item.name))
                continue
            ids.add(field_anchor(item.name))
            for index in range(state.rows.get(item.name, 0)):
                ids.update(field_anchor(f"{item.name}.{index}.{sub.name}") for sub in item.fields)
    return ids


def _change_rows(data: dict[str, Any], action: str) -> None:
    """`add:contacts` appends an empty row; `remove:contacts:2` removes the third."""
    verb, _, target = action.partition(":")
    dotted, _, index = target.partition(":") if verb == "remove" else (target, "", "")
    *parents, last = dotted.split(".")
    holder: Any = data
    for part in parents:
        holder = holder.get(part) if isinstance(holder, dict) else None
    if not isinstance(holder, dict) or last not in holder:
        return
    rows = holder[last] if isinstance(holder[last], list) else []
    if verb == "add":
        rows.append({})
    elif index.isdigit() and int(index) < len(rows):
        del rows[int(index)]
    holder[last] = rows


def _file_name_for(account: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", account.lower()).strip("-")[:60]
    return f"{slug or 'new-account'}.yaml"


def _edit_url(name: str, saved: bool = False) -> str:
    query = {"file": name, **({"saved": "1"} if saved else {})}
    return "/edit?" + urlencode(query)


def allowed_hosts(host: str) -> list[str]:
    """Host headers the server answers to: its loopback names and the address it listens on."""
    names = [*LOOPBACK_NAMES]
    if host not in names:
        names.append(host)
    return names


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
