"""`kamadvisor serve` in a real browser: Debian's Chromium driven by Playwright, against the server
on a loopback port. What a consultant does: create, fill, save, read the diagnosis, download the
memo, meet a validation error, find the questions left open, and do it all by keyboard too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clients import HEADLESS_CHROMIUM
from docx import Document
from helpers import ATTRACTIVENESS_FACTORS, BUSINESS_STRENGTH_FACTORS
from serve_helpers import ROOT, RunningServer, copy_examples, running_server

from kamadvisor.api import diagnose_file, open_advisor
from kamadvisor.sourcefile import load_document

REQUIRE_BROWSER = os.environ.get("KAMADVISOR_REQUIRE_BROWSER") == "1"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
AXE_RUN = "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'best-practice']})"

try:
    from playwright.sync_api import Browser, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    if REQUIRE_BROWSER:
        raise
    pytest.skip("needs the playwright package (pip install -e '.[dev]')", allow_module_level=True)

if not Path(CHROMIUM).exists():
    if REQUIRE_BROWSER:
        pytest.fail("KAMADVISOR_REQUIRE_BROWSER=1, but chromium is missing", pytrace=False)
    pytest.skip("needs chromium (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=HEADLESS_CHROMIUM)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    folder = copy_examples(tmp_path_factory.mktemp("workspace"))
    with running_server(folder) as running:
        yield running


@pytest.fixture
def page(browser: Browser, server: RunningServer) -> Iterator[Page]:
    context = browser.new_context(
        base_url=server.url, accept_downloads=True, viewport={"width": 1280, "height": 900}
    )
    opened = context.new_page()
    requests: list[str] = []
    opened.on("request", lambda request: requests.append(request.url))
    yield opened
    context.close()
    # Nothing the pages load, link or submit leaves this server.
    assert requests
    assert all(url.startswith(server.url + "/") for url in requests), requests


def field(page: Page, dotted: str) -> Any:
    return page.locator(f'[id="f-{dotted}"]')


def create(page: Page, account: str) -> None:
    page.goto("/")
    page.get_by_label("Account name").fill(account)
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(account)


def test_create_fill_save_diagnose_and_download(page: Page, server: RunningServer) -> None:
    create(page, "Acme Test GmbH")
    for factor in ATTRACTIVENESS_FACTORS:
        field(page, f"attractiveness.{factor}").select_option("8")
    for factor in BUSINESS_STRENGTH_FACTORS:
        field(page, f"business_strength.{factor}").select_option("8")
    field(page, "relationship.customer_view").select_option("one_of_many")
    field(page, "relationship.joint_projects").fill("0")
    field(page, "relationship.offer_tailoring").select_option("standard")
    field(page, "relationship.team_model").select_option("individual")
    field(page, "relationship.focus").select_option("our_product")
    field(page, "account.assessment_date").fill("2026-10-01")
    page.locator('[id="f-relationship.uses_tenders"]').get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save").first.click()

    expect(page.get_by_role("status")).to_contain_text("Saved acme-test-gmbh.yaml")
    saved = server.folder / "acme-test-gmbh.yaml"
    data = load_document(str(saved)).data
    assert data["relationship"]["uses_tenders"] is False
    assert data["relationship"]["uses_e_auctions"] is None

    # The panel shows what the CLI's diagnosis of the saved file says: a strategic account (high
    # attractiveness, high strength) sold to transactionally.
    with open_advisor() as advisor:
        diagnosis = diagnose_file(str(saved), advisor)
    assert diagnosis.placements["category"].value == "strategic"
    assert diagnosis.placements["phase"].value == "transactional_selling"
    panel = page.get_by_role("complementary")
    placements = panel.locator("dl.placements")
    expect(placements).to_contain_text(f"Phase{diagnosis.placements['phase'].label}")
    expect(placements).to_contain_text(f"Category{diagnosis.placements['category'].label}")
    first_finding = next(f for f in diagnosis.findings if f.severity != "info")
    expect(panel.locator("ol.findings li").first).to_contain_text(first_finding.title)

    # Unanswered is listed and marked at the field; "no" is neither.
    unanswered = panel.locator("ul.unanswered")
    expect(unanswered).to_contain_text("relationship.uses_e_auctions")
    expect(unanswered).not_to_contain_text("relationship.uses_tenders")
    expect(page.locator('[id="f-relationship.uses_e_auctions-state"]')).to_have_text("Not answered")
    expect(page.locator('[id="f-relationship.uses_tenders-state"]')).to_have_count(0)
    unanswered.get_by_role("link", name="economics.share_of_wallet_pct").click()
    assert page.url.endswith("#f-economics.share_of_wallet_pct")

    # Every format, byte for byte what `kamadvisor memo` writes for the saved file.
    for memo_format in ("md", "html", "json", "docx"):
        with page.expect_download() as download_info:
            panel.get_by_role("link", name=f"Download {memo_format.upper()}").click()
        download = download_info.value
        assert download.suggested_filename == f"acme-test-gmbh-memo.{memo_format}"
        cli = subprocess.run(
            [sys.executable, "-m", "kamadvisor", "memo", str(saved), "-f", memo_format],
            capture_output=True,
            check=True,
        )
        assert Path(download.path()).read_bytes() == cli.stdout
        if memo_format == "docx":
            word = Document(download.path())
            assert word.paragraphs[0].text == "Acme Test GmbH"
            assert len(word.inline_shapes) >= 1
            continue
        content = cli.stdout.decode("utf-8")
        assert "Acme Test GmbH" in content
        if memo_format == "json":
            memo = json.loads(content)
            assert memo["placements"]["category"]["value"] == "strategic"
            assert memo["account"]["assessment_date"] == "2026-10-01"
        else:
            assert diagnosis.placements["phase"].label in content  # type: ignore[operator]

    # Explain a finding by clicking it.
    panel.locator("ol.findings a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_finding.rule_id)
    expect(page.locator("pre.explain")).to_contain_text(first_finding.rule_id)


def test_changing_an_answer_changes_the_diagnosis(page: Page) -> None:
    page.goto("/edit?file=northwind-foods.yaml")
    placements = page.get_by_role("complementary").locator("dl.placements")
    expect(placements).to_contain_text("CategoryStrategic")
    for factor in ATTRACTIVENESS_FACTORS:
        field(page, f"attractiveness.{factor}").select_option("2")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    # Low attractiveness with the same strength: the status quadrant of the matrix.
    expect(placements).not_to_contain_text("CategoryStrategic")
    expect(placements).to_contain_text("CategoryStatus")


def test_a_validation_error_is_shown_beside_its_field(page: Page, server: RunningServer) -> None:
    before = (server.folder / "helix-pharma.yaml").read_bytes()
    page.goto("/edit?file=helix-pharma.yaml")
    field(page, "account.id").fill("bad id!")
    field(page, "economics.gross_margin_pct").fill("twenty")
    page.get_by_role("button", name="Save").first.click()

    error = page.locator('[id="f-account.id-error"]')
    expect(error).to_contain_text("'bad id!' has the wrong form")
    expect(field(page, "account.id")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "account.id")).to_have_attribute(
        "aria-describedby", "f-account.id-help f-account.id-error"
    )
    expect(page.locator('[id="f-economics.gross_margin_pct-error"]')).to_contain_text(
        "'twenty' is not a number"
    )
    summary = page.locator("#problems")
    expect(summary).to_contain_text("Not saved: 2 problem(s)")
    summary.get_by_role(
        "link", name="account.id: 'bad id!' has the wrong form", exact=False
    ).click()
    assert page.url.endswith("#f-account.id")
    # Nothing was written, and what was typed is still there to correct.
    assert (server.folder / "helix-pharma.yaml").read_bytes() == before
    expect(field(page, "economics.gross_margin_pct")).to_have_value("twenty")


def test_contacts_and_team_members_are_added_and_removed(page: Page, server: RunningServer) -> None:
    create(page, "Rows Ltd")
    contacts = page.locator('[id="f-contacts"]')
    contacts.get_by_label("None", exact=True).check()
    contacts.get_by_role("button", name="Add contact").click()
    contacts.get_by_role("button", name="Add contact").click()
    field(page, "contacts.0.name").fill("First buyer")
    field(page, "contacts.1.name").fill("Head of R&D")
    field(page, "contacts.1.level").select_option("senior_management")
    contacts.get_by_role("button", name="Remove contact 1").click()
    expect(field(page, "contacts.0.name")).to_have_value("Head of R&D")
    expect(field(page, "contacts.1.name")).to_have_count(0)

    team = page.locator('[id="f-team.members"]')
    team.get_by_role("button", name="Add team member").click()
    field(page, "team.members.0.name").fill("Logistics planner")
    page.get_by_role("button", name="Save").first.click()
    # A team member's role is required by the questionnaire: the message sits at the field.
    expect(page.locator('[id="f-team.members.0.role-error"]')).to_contain_text(
        "is required but missing"
    )
    field(page, "team.members.0.role").select_option("account_support")
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    data = load_document(str(server.folder / "rows-ltd.yaml")).data
    assert [contact["name"] for contact in data["contacts"]] == ["Head of R&D"]
    assert data["contacts"][0]["level"] == "senior_management"
    [member] = data["team"]["members"]
    assert member["role"] == "account_support"
    assert member["name"] == "Logistics planner"
    assert member.get("permanent") is None


def test_none_of_these_is_distinct_from_unanswered(page: Page, server: RunningServer) -> None:
    create(page, "Lists Ltd")
    processes = page.locator('[id="f-relationship.integrated_processes"]')
    processes.get_by_label("None of these").check()
    skills = page.locator('[id="f-kam.skills"]')
    skills.get_by_label("negotiation").check()
    skills.get_by_label("None of these").check()  # unticks the named skill
    expect(skills.get_by_label("negotiation")).not_to_be_checked()
    skills.get_by_label("strategy").check()  # unticks "none of these"
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    data = load_document(str(server.folder / "lists-ltd.yaml")).data
    assert data["relationship"]["integrated_processes"] == []
    assert data["kam"]["skills"] == ["strategy"]
    assert data["kam"]["targets"] is None
    unanswered = page.get_by_role("complementary").locator("ul.unanswered")
    expect(unanswered).to_contain_text("kam.targets")
    expect(unanswered).not_to_contain_text("relationship.integrated_processes")


def test_keyboard_only(page: Page, server: RunningServer) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    # Reach the new-questionnaire form by keyboard and submit it with Enter.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "new-account":
            break
    assert page.evaluate("document.activeElement.id") == "new-account"
    page.keyboard.type("Keyboard Co")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard Co")

    # Tab walks the questions in reading order: the first field after the save bar is the name.
    order: list[str] = []
    for _ in range(30):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.name"))
    assert order.index("f-account.name") < order.index("f-account.id")
    assert order.index("f-account.id") < order.index("f-account.industry")
    page.locator('[id="f-account.industry"]').focus()
    page.keyboard.type("Packaging")
    page.keyboard.press("Enter")  # Enter in a field saves (the first button of the form)
    expect(page.get_by_role("status")).to_contain_text("Saved")
    assert load_document(str(server.folder / "keyboard-co.yaml")).data["account"]["industry"] == (
        "Packaging"
    )


def test_every_input_has_a_label(page: Page) -> None:
    for url in ("/", "/edit?file=northwind-foods.yaml"):
        page.goto(url)
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                .filter((el) => !el.labels || el.labels.length === 0 || !el.labels[0].textContent.trim())
                .map((el) => el.id || el.name)"""
        )
        assert unlabelled == [], url
        count = page.locator("input:not([type=hidden]), select").count()
        assert count > (1 if url == "/" else 100)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/edit?file=northwind-foods.yaml",
        "/explain?file=northwind-foods.yaml&rule=PHASE-T-MONTHLY-VOLUME",
        "/edit?file=with-problems.yaml",
    ],
)
def test_pages_pass_axe(browser: Browser, server: RunningServer, url: str) -> None:
    # A page in its error state: messages at the fields, the summary, a value not on offer.
    (server.folder / "with-problems.yaml").write_text(
        "account:\n  name: Problem Ltd\n  id: 'no spaces allowed'\n"
        "relationship:\n  team_model: solo\nteam:\n  members:\n    - name: Nobody\n",
        encoding="utf-8",
    )
    # axe is injected as a script, which the pages' own policy rightly forbids: bypass it here.
    context = browser.new_context(base_url=server.url, bypass_csp=True)
    try:
        opened = context.new_page()
        opened.goto(url)
        opened.add_script_tag(path=str(AXE))
        result = opened.evaluate(AXE_RUN)
        # The same check on the same page with one unlabelled input added must object.
        opened.evaluate("document.querySelector('main').append(document.createElement('input'))")
        spoiled = opened.evaluate(AXE_RUN)
    finally:
        context.close()
    assert len(result["passes"]) > 10
    assert "label" in {violation["id"] for violation in spoiled["violations"]}
    violations = [
        f"{violation['id']}: {violation['help']} ({len(violation['nodes'])} nodes: "
        f"{violation['nodes'][0]['target']})"
        for violation in result["violations"]
    ]
    assert violations == []


def test_the_csp_blocks_inline_script(browser: Browser, server: RunningServer) -> None:
    context = browser.new_context(base_url=server.url)
    try:
        opened = context.new_page()
        errors: list[str] = []
        opened.on("console", lambda message: errors.append(message.text))
        opened.goto("/")
        opened.evaluate(
            """() => { const s = document.createElement('script');
                       s.textContent = 'window.injected = 1'; document.body.appendChild(s); }"""
        )
        assert opened.evaluate("window.injected === undefined")
        assert any("Content Security Policy" in error for error in errors)
    finally:
        context.close()


def test_the_rules_option_layers_a_house_pack(
    browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = copy_examples(tmp_path_factory.mktemp("house"))
    pack = ROOT / "examples" / "house-pack"
    with running_server(folder, "--rules", str(pack)) as running:
        with open_advisor([pack]) as advisor:
            diagnosis = diagnose_file(str(folder / "northwind-foods.yaml"), advisor)
        house_findings = [
            finding for finding in diagnosis.findings if finding.rule_id not in _base_rule_ids()
        ]
        assert house_findings, "the example house pack adds a finding on this account"
        context = browser.new_context(base_url=running.url)
        try:
            opened = context.new_page()
            opened.goto("/edit?file=northwind-foods.yaml")
            with opened.expect_download() as download_info:
                opened.get_by_role("link", name="Download JSON").click()
            memo = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
        finally:
            context.close()
    assert memo["pack"] == diagnosis.pack.model_dump(mode="json")
    assert {finding["rule_id"] for finding in memo["findings"]} >= {
        finding.rule_id for finding in house_findings
    }


def _base_rule_ids() -> set[str]:
    with open_advisor() as advisor:
        return {rule.id for rule in advisor.rulebook.rules}
