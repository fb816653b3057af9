"""Benchmark: `kamadvisor portfolio` on seeded synthetic portfolios, and the engine against a floor.

1. Generates N synthetic accounts (seeded), spread over all five KAM phases and all four portfolio
   categories, as CSV (accounts.csv + accounts-contacts.csv) and as a workbook (accounts.xlsx).
2. Times the real CLI end to end in a subprocess for each N and input, with the peak RSS of the
   largest process in its tree (the CLI or one of its workers).
3. Times the engine's matching on 1,000 accounts against a plain-Python evaluation of the same
   compiled conditions on the same facts (the floor), and checks both fire the same rules.
4. Prints a table and PASS/MISS per target. Exit code 0 whatever the figures: it is a measurement.

Run: .venv/bin/python benchmarks/portfolio.py [--sizes 100,1000,10000] [--jobs 2] [--seed 7]
     [--profile]  (adds a cProfile of one 1,000-account run_portfolio with jobs=1)
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import itertools
import json
import math
import os
import pstats
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl

from kamadvisor.compiler import compile_rulebook
from kamadvisor.engine import RuleEngine
from kamadvisor.evaluator import PythonEvaluator
from kamadvisor.facts import derive_facts
from kamadvisor.questionnaire import (
    Attractiveness,
    BusinessStrength,
    ContactLevel,
    DecisionRole,
    IntegratedProcess,
    RoleToUs,
    Skill,
    Strength,
    validate_questionnaire,
)
from kamadvisor.rulebook import Rulebook, load_rulebook
from kamadvisor.sourcefile import SourceDocument
from kamadvisor.workbook import account_columns

ROOT = Path(__file__).resolve().parents[1]
ASSESSMENT_DATE = date(2026, 10, 1)
CUTOFF = 5.5  # the pack's default category cut-off on both axes
PHASES = (
    "transactional_selling",
    "consultative_selling",
    "preferred_supplier",
    "bespoke_solution",
    "partnership",
)
CATEGORIES = ("strategic", "status", "star", "streamline")
ATTRACTIVENESS = tuple(Attractiveness.model_fields)
BUSINESS_STRENGTH = tuple(BusinessStrength.model_fields)
CONTACT_COLUMNS = (
    "account.id",
    "name",
    "function",
    "level",
    "decision_role",
    "role_to_us",
    "strength",
    "our_counterpart",
)
FLOOR_ACCOUNTS = 1_000

# Targets.
CSV_10K_SECONDS = 10.0
XLSX_10K_SECONDS = 15.0
PEAK_RSS_MB = 300.0
LINEARITY_TOLERANCE = 1.3  # marginal cost per account, largest sizes vs smallest, at most this
ENGINE_FLOOR_RATIO = 2.5

Value = str | int | float | bool | date | list[str] | None


# --- generating accounts --------------------------------------------------------------------


@dataclass
class SyntheticAccount:
    """One account's answers by field path, and its contacts (one dict a person)."""

    fields: dict[str, Value]
    contacts: list[dict[str, str]]
    phase: str
    category: str


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


REVENUE_RANGE = {
    "strategic": (2e6, 15e6),
    "status": (1e6, 8e6),
    "star": (3e5, 5e6),
    "streamline": (5e4, 1.5e6),
}
INDUSTRIES = (
    "Frozen food",
    "Beverages",
    "Pharmaceuticals",
    "Logistics",
    "Retail",
    "Automotive components",
    "Personal care",
    "Electronics",
)
NAME_WORDS = ("Atlas", "Northwind", "Helix", "Kestrel", "Meridian", "Quillon", "Orion", "Vega")
COMPANY_FORMS = ("GmbH", "NV", "AG", "Ltd", "SA", "BV", "Inc")
ASSESSORS = ("Claire Obermann", "Ravi Patel", "Sofie Janssens", "Marco Ricci")
OUR_PEOPLE = ("Jonas Weber", "Elena Marquez", "Tom Baines", "Ana Costa", "Lukas Brandt")
FUNCTIONS = ("procurement", "operations", "R&D", "finance", "quality", "marketing")


def _account(rng: random.Random, index: int, category: str) -> dict[str, Value]:
    word = NAME_WORDS[index % len(NAME_WORDS)]
    return {
        "account.name": f"{word} {rng.choice(INDUSTRIES).split()[0]} {index + 1:05d} "
        f"{rng.choice(COMPANY_FORMS)}",
        "account.id": f"ACC-{index + 1:05d}",
        "account.industry": rng.choice(INDUSTRIES),
        "account.assessor": rng.choice(ASSESSORS),
        "account.assessment_date": ASSESSMENT_DATE,
        "account.nominated_key_account": category in ("strategic", "star") or _chance(rng, 0.3),
    }


def _economics(rng: random.Random, category: str) -> dict[str, Value]:
    revenue = round(_log_uniform(rng, *REVENUE_RANGE[category]), -3)
    return {
        "economics.currency": "EUR",
        "economics.annual_revenue": int(revenue),
        "economics.share_of_our_revenue_pct": round(revenue / 250e6 * 100, 2),
        "economics.gross_margin_pct": round(rng.uniform(8, 40), 1),
        "economics.cost_to_serve": int(round(revenue * rng.uniform(0.02, 0.18), -2)),
        "economics.profitability_measured": _chance(rng, 0.6),
        "economics.revenue_growth_pct": round(rng.uniform(-10, 25), 1),
        "economics.share_of_wallet_pct": round(rng.uniform(10, 90), 1),
    }


def _scores(rng: random.Random, category: str) -> dict[str, Value]:
    """Every factor high (6-10) or low (1-5), so each weighted score is clear of the cut-off."""
    attractive = category in ("strategic", "star")
    strong = category in ("strategic", "status")

    def score(high: bool) -> int:
        return rng.randint(math.ceil(CUTOFF), 10) if high else rng.randint(1, math.floor(CUTOFF))

    values: dict[str, Value] = {f"attractiveness.{f}": score(attractive) for f in ATTRACTIVENESS}
    values.update({f"business_strength.{f}": score(strong) for f in BUSINESS_STRENGTH})
    return values


# Phase profiles: each gives its phase at least two signals (rules/phase.yaml) and every higher
# phase at most one, so the highest phase with two signals is the profile's own.


def _transactional(rng: random.Random) -> dict[str, Value]:
    return {
        "relationship.customer_view": "one_of_many",
        "relationship.needs_assessment": False,
        "relationship.joint_projects": 0,
        "relationship.joint_project_initiator": "nobody",
        "relationship.offer_tailoring": "standard",
        "relationship.jointly_funded_initiatives": 0,
        "relationship.sensitive_data_shared": False,
        "relationship.integrated_processes": [],
        "relationship.team_model": "individual",
        "relationship.focus": "our_product",
        "kam.targets": ["monthly_volume", *rng.sample(["sales_activity", "revenue"], 1)],
        "kam.authority_over_price": "none",
        "kam.seniority": rng.choice(["sales_level", "manager"]),
        "team.senior_management_involvement": "none",
    }


def _consultative(rng: random.Random) -> dict[str, Value]:
    projects = rng.choice([0, 0, 1])
    return {
        "relationship.customer_view": "one_of_many",
        "relationship.needs_assessment": True,
        "relationship.joint_projects": projects,
        "relationship.joint_project_initiator": "us" if projects else "nobody",
        "relationship.offer_tailoring": "standard",
        "relationship.jointly_funded_initiatives": 0,
        "relationship.sensitive_data_shared": False,
        "relationship.integrated_processes": [],
        "relationship.team_model": "ad_hoc_support",
        "relationship.focus": "customer_needs",
        "kam.targets": ["revenue", *rng.sample(["monthly_volume", "customer_satisfaction"], 1)],
        "kam.authority_over_price": rng.choice(["none", "within_limits"]),
        "kam.seniority": rng.choice(["sales_level", "manager"]),
        "team.senior_management_involvement": rng.choice(["none", "occasional"]),
    }


def _preferred(rng: random.Random) -> dict[str, Value]:
    return {
        "relationship.customer_view": "preferred",
        "relationship.needs_assessment": True,
        "relationship.joint_projects": rng.randint(1, 4),
        "relationship.joint_project_initiator": rng.choice(["customer", "both"]),
        "relationship.offer_tailoring": rng.choice(["standard", "tailored"]),
        "relationship.jointly_funded_initiatives": 0,
        "relationship.sensitive_data_shared": False,
        "relationship.integrated_processes": [],
        "relationship.team_model": "ad_hoc_multidisciplinary",
        "relationship.focus": "customer_needs",
        "kam.targets": ["revenue", "profit", *rng.sample(["customer_satisfaction"], 1)],
        "kam.authority_over_price": "within_limits",
        "kam.seniority": rng.choice(["manager", "senior_manager"]),
        "team.senior_management_involvement": "occasional",
    }


def _bespoke(rng: random.Random) -> dict[str, Value]:
    return {
        "relationship.customer_view": "key",
        "relationship.needs_assessment": True,
        "relationship.joint_projects": rng.randint(2, 6),
        "relationship.joint_project_initiator": "both",
        "relationship.offer_tailoring": rng.choice(["tailored", "bespoke"]),
        "relationship.jointly_funded_initiatives": rng.randint(1, 3),
        "relationship.sensitive_data_shared": _chance(rng, 0.5),
        "relationship.integrated_processes": [],
        "relationship.team_model": "permanent_multidisciplinary",
        "relationship.focus": "mutual_plans",
        "kam.targets": ["profit", "long_term_growth", "customer_satisfaction"],
        "kam.authority_over_price": "within_limits",
        "kam.seniority": rng.choice(["senior_manager", "director"]),
        "team.senior_management_involvement": "regular",
    }


def _partnership(rng: random.Random) -> dict[str, Value]:
    processes = list(typing.get_args(IntegratedProcess))
    return {
        "relationship.customer_view": "partner",
        "relationship.needs_assessment": True,
        "relationship.joint_projects": rng.randint(3, 10),
        "relationship.joint_project_initiator": "both",
        "relationship.offer_tailoring": "bespoke",
        "relationship.jointly_funded_initiatives": rng.randint(2, 6),
        "relationship.sensitive_data_shared": True,
        "relationship.integrated_processes": rng.sample(processes, rng.randint(1, 4)),
        "relationship.team_model": "dedicated_co_located",
        "relationship.focus": "customers_customer",
        "kam.targets": ["profit", "long_term_growth", "customer_satisfaction"],
        "kam.authority_over_price": "full",
        "kam.seniority": rng.choice(["director", "board_level"]),
        "team.senior_management_involvement": "regular",
    }


PHASE_PROFILES: dict[str, Callable[[random.Random], dict[str, Value]]] = {
    "transactional_selling": _transactional,
    "consultative_selling": _consultative,
    "preferred_supplier": _preferred,
    "bespoke_solution": _bespoke,
    "partnership": _partnership,
}


def _kam(rng: random.Random, level: int) -> dict[str, Value]:
    titles = (
        ["sales_representative", "account_manager", "key_account_manager"]
        if level < 2
        else ["key_account_manager", "strategic_account_manager", "global_account_manager"]
    )
    skills = list(typing.get_args(Skill))
    authority = ["none", "within_limits", "full"][: 2 + (level >= 3)]
    return {
        "kam.title": rng.choice(titles),
        "kam.background": rng.choice(["sales", "technical", "commercial_management", "other"]),
        "kam.kam_training": _chance(rng, 0.2 + 0.15 * level),
        "kam.authority_over_terms": rng.choice(authority),
        "kam.authority_over_resources": rng.choice(authority),
        "kam.sales_style": rng.choice(
            ["order_taker", "pressure_salesman", "compromise"]
            if level < 2
            else ["compromise", "problem_solver", "customer_friend"]
        ),
        "kam.skills": rng.sample(skills, rng.randint(2, 4 + 2 * level)),
        "kam.accounts_managed": rng.randint(1, 4) if level >= 3 else rng.randint(5, 40),
    }


def _team(rng: random.Random, level: int) -> dict[str, Value]:
    return {
        "team.executive_sponsor": _chance(rng, 0.1 + 0.2 * level),
        "team.head_of_kam_board_access": _chance(rng, 0.5),
    }


def _planning(rng: random.Random, level: int) -> dict[str, Value]:
    if not _chance(rng, 0.5 + 0.12 * level):
        return {"planning.plan_exists": False}
    return {
        "planning.plan_exists": True,
        "planning.last_reviewed": ASSESSMENT_DATE - timedelta(days=rng.randint(5, 600)),
        "planning.horizon_months": rng.choice([6, 12, 12, 18, 24, 36]),
        "planning.ninety_day_actions": rng.randint(0, 4 + 3 * level),
        "planning.co_authored_with_customer": _chance(rng, 0.15 * level),
        "planning.success_factors_documented": _chance(rng, 0.3 + 0.15 * level),
        "planning.annual_senior_review": _chance(rng, 0.1 + 0.2 * level),
    }


def _service(rng: random.Random, level: int, category: str) -> dict[str, Value]:
    service = ["standard", "standard", "enhanced", "tailored", "integrated"][level]
    resources = {
        "strategic": ["significant", "strategic"],
        "status": ["standard", "significant"],
        "star": ["standard", "significant"],
        "streamline": ["minimal", "standard"],
    }[category]
    return {
        "service.service_level": service,
        "service.resources_invested": rng.choice(resources),
        "service.planned_change": rng.choice(["reduce", "maintain", "maintain", "increase"]),
        "service.benefit_defined": _chance(rng, 0.2 + 0.15 * level),
    }


def _contacts(rng: random.Random, level: int, account_id: str) -> list[dict[str, str]]:
    """Transactional and consultative accounts know at most one person beyond purchasing;
    from the preferred phase on, two or more."""
    beyond = rng.randint(0, 1) if level < 2 else rng.randint(2, 2 + 2 * level)
    levels = ["purchasing"] * rng.randint(1, 2)
    others = [lv for lv in typing.get_args(ContactLevel) if lv != "purchasing"]
    if level < 2:
        others = ["operational", "technical"]  # senior levels from the preferred phase on
    levels += [rng.choice(others) for _ in range(beyond)]
    return [
        {
            "account.id": account_id,
            "name": f"Contact {number} ({lv.replace('_', ' ')})",
            "function": rng.choice(FUNCTIONS),
            "level": lv,
            "decision_role": rng.choice(typing.get_args(DecisionRole)),
            "role_to_us": rng.choice(typing.get_args(RoleToUs)),
            "strength": rng.choice(typing.get_args(Strength)),
            "our_counterpart": rng.choice(OUR_PEOPLE),
        }
        for number, lv in enumerate(levels, start=1)
    ]


def generate_accounts(count: int, seed: int) -> list[SyntheticAccount]:
    """`count` accounts; phase from index % 5, category from (index // 5) % 4 (all 20 pairs in
    every 20 accounts). One random stream: the first N accounts are the same for any count."""
    rng = random.Random(seed)
    accounts = []
    for index in range(count):
        level = index % len(PHASES)
        phase = PHASES[level]
        category = CATEGORIES[(index // len(PHASES)) % len(CATEGORIES)]
        fields = _account(rng, index, category)
        fields.update(_economics(rng, category))
        fields.update(_scores(rng, category))
        fields.update(_kam(rng, level))
        fields.update(_team(rng, level))
        fields.update(PHASE_PROFILES[phase](rng))
        fields.update(_planning(rng, level))
        fields.update(_service(rng, level, category))
        contacts = _contacts(rng, level, str(fields["account.id"]))
        accounts.append(SyntheticAccount(fields, contacts, phase, category))
    _check_against_questionnaire(accounts)
    return accounts


def _check_against_questionnaire(accounts: Sequence[SyntheticAccount]) -> None:
    """Every generated column exists and every choice is allowed: fail loudly on drift."""
    columns = {path: (allowed, is_list) for path, _, allowed, is_list in account_columns()}
    for account in accounts[:100]:
        for path, value in account.fields.items():
            if path not in columns:
                raise SystemExit(f"generator writes {path}, which is not a questionnaire column")
            allowed, _ = columns[path]
            chosen = value if isinstance(value, list) else [value]
            if allowed and any(_text(item) not in allowed for item in chosen):
                raise SystemExit(f"generator writes {path}={value!r}; allowed: {allowed}")


# --- writing the files ------------------------------------------------------------------------


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _cell(value: Value) -> Any:
    """A workbook cell: numbers and dates typed, the rest as a consultant would type them."""
    if isinstance(value, bool | list) or value is None:
        return _text(value) or None
    return value


def account_header() -> list[str]:
    return [path for path, *_ in account_columns()]


def write_csv(accounts: Sequence[SyntheticAccount], folder: Path) -> Path:
    header = account_header()
    path = folder / "accounts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for account in accounts:
            writer.writerow(_text(account.fields.get(name)) for name in header)
    with (folder / "accounts-contacts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CONTACT_COLUMNS)
        for account in accounts:
            writer.writerows([c[name] for name in CONTACT_COLUMNS] for c in account.contacts)
    return path


def write_workbook(accounts: Sequence[SyntheticAccount], folder: Path) -> Path:
    """A normal (not write-only) workbook: it records each sheet's dimension, as a spreadsheet
    program does; without one, openpyxl's reader scans every sheet an extra time."""
    header = account_header()
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "accounts"
    sheet.append(header)
    for account in accounts:
        sheet.append([_cell(account.fields.get(name)) for name in header])
    contacts = workbook.create_sheet("contacts")
    contacts.append(list(CONTACT_COLUMNS))
    for account in accounts:
        for contact in account.contacts:
            contacts.append([contact[name] for name in CONTACT_COLUMNS])
    path = folder / "accounts.xlsx"
    workbook.save(path)
    return path


def questionnaire_data(account: SyntheticAccount) -> dict[str, Any]:
    """The account as a questionnaire document (nested sections), as a YAML file would give it."""
    data: dict[str, Any] = {}
    for path, value in account.fields.items():
        section, name = path.split(".", 1)
        data.setdefault(section, {})[name] = value.isoformat() if isinstance(value, date) else value
    data["contacts"] = [
        {key: value for key, value in contact.items() if key != "account.id"}
        for contact in account.contacts
    ]
    return data


# --- the CLI end to end -----------------------------------------------------------------------

# Runs one command and reports its wall time and the peak RSS of its process tree. A fresh
# interpreter per measurement, because RUSAGE_CHILDREN's ru_maxrss is a maximum over every child
# a process has ever waited for. Workers reaped by the CLI count toward it (Linux, in KiB).
_MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss,
                  "rc": done.returncode, "err": done.stderr[-800:]}))
"""


@dataclass
class CliRun:
    size: int
    source: str  # "csv" or "xlsx"
    wall: float
    cpu: float  # user + system seconds of the CLI and its workers
    peak_mb: float
    ok: bool
    note: str = ""

    @property
    def rate(self) -> float:
        return self.size / self.wall


def cli_executable() -> str:
    found = shutil.which("kamadvisor", path=str(Path(sys.executable).parent))
    return found or str(ROOT / ".venv" / "bin" / "kamadvisor")


def measure_cli(command: list[str]) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(output.stdout)
    return result


def _placement_problems(report: dict[str, Any], accounts: Sequence[SyntheticAccount]) -> str:
    """The report must hold every account, in input order, placed as it was generated."""
    diagnosed = report["accounts"]
    if len(diagnosed) != len(accounts) or report["skipped"]:
        return f"report has {len(diagnosed)} accounts and {len(report['skipped'])} skipped"
    wrong = sum(
        1
        for result, account in zip(diagnosed, accounts, strict=True)
        if (result["placements"].get("phase") or {}).get("value") != account.phase
        or (result["placements"].get("category") or {}).get("value") != account.category
    )
    return f"{wrong} accounts placed unlike their profile" if wrong else ""


def run_cli(
    accounts: Sequence[SyntheticAccount], source: str, path: Path, jobs: int, repeat: int
) -> CliRun:
    report = path.parent / "report.json"
    command = [cli_executable(), "portfolio", str(path), "-f", "json", "-o", str(report)]
    command += ["--jobs", str(jobs)]
    measured = [measure_cli(command) for _ in range(repeat)]
    failed = [m for m in measured if m["rc"] != 0]
    note = ""
    if failed:
        note = f"exit {failed[0]['rc']}: {failed[0]['err'].strip().splitlines()[-1:]}"
    else:
        note = _placement_problems(json.loads(report.read_text(encoding="utf-8")), accounts)
    return CliRun(
        size=len(accounts),
        source=source,
        wall=statistics.median(m["wall"] for m in measured),
        cpu=statistics.median(m["cpu"] for m in measured),
        peak_mb=max(m["peak_kib"] for m in measured) / 1024,
        ok=not note,
        note=note,
    )


def measure_sizes(
    sizes: Sequence[int], jobs: int, seed: int, repeat: int, xlsx_max: int
) -> list[CliRun]:
    runs: list[CliRun] = []
    all_accounts = generate_accounts(max(sizes), seed)
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"kam-bench-{size}-") as scratch:
            folder = Path(scratch)
            accounts = all_accounts[:size]
            started = time.perf_counter()
            inputs = [("csv", write_csv(accounts, folder))]
            if size <= xlsx_max:
                inputs.append(("xlsx", write_workbook(accounts, folder)))
            written = time.perf_counter() - started
            kinds = " + ".join(source for source, _ in inputs)
            print(f"  {size:>6} accounts written ({kinds}) in {written:.1f} s; running the CLI")
            if not runs:  # warm the file cache and bytecode: one unmeasured run
                measure_cli([cli_executable(), "portfolio", str(inputs[0][1]), "-f", "json"])
            for source, path in inputs:
                (folder / "report.json").unlink(missing_ok=True)
                run = run_cli(accounts, source, path, jobs, repeat)
                runs.append(run)
                status = "ok" if run.ok else f"FAILED: {run.note}"
                print(
                    f"    {source:<4} {run.wall:7.2f} s  {run.rate:8.0f} accounts/s  "
                    f"cpu {run.cpu:7.2f} s  "
                    f"peak {run.peak_mb:6.1f} MB  {status}"
                )
    return runs


# --- the floor: the plain-Python evaluator on the same compiled conditions -----------------


@dataclass
class FloorComparison:
    accounts: int
    engine_ms: float
    floor_ms: float
    mismatches: int
    first_mismatch: str
    phases: Counter[str]
    categories: Counter[str]

    @property
    def ratio(self) -> float:
        return self.engine_ms / self.floor_ms


def account_facts(accounts: Sequence[SyntheticAccount], rulebook: Rulebook) -> list[dict[str, Any]]:
    weights = rulebook.derivation_plan()
    facts = []
    for account in accounts:
        document = SourceDocument(str(account.fields["account.id"]), questionnaire_data(account))
        questionnaire = validate_questionnaire(document)
        facts.append(dict(derive_facts(questionnaire, weights).values))
    return facts


def _best_of(runs: int, work: Callable[[], Any]) -> tuple[float, Any]:
    """The least CPU time of `runs` passes (CPU, not wall: other processes share the cores)."""
    best, result = math.inf, None
    for _ in range(runs):
        started = time.process_time()
        result = work()
        best = min(best, time.process_time() - started)
    return best, result


def compare_with_floor(seed: int, runs: int = 3) -> FloorComparison:
    rulebook = load_rulebook()
    compiled = compile_rulebook(rulebook)
    facts = account_facts(generate_accounts(FLOOR_ACCOUNTS, seed), rulebook)
    floor = PythonEvaluator(compiled)
    with RuleEngine(compiled) as engine:
        engine.run(facts[0])  # warm up
        engine_s, engine_results = _best_of(runs, lambda: [engine.run(f) for f in facts])
    floor_s, floor_results = _best_of(runs, lambda: [floor.run(f) for f in facts])
    mismatches, first = 0, ""
    for index, (ours, theirs) in enumerate(zip(floor_results, engine_results, strict=True)):
        if ours.fired != theirs.fired or ours.conclusions != theirs.conclusions:
            mismatches += 1
            first = first or (
                f"account {index}: only engine {sorted(set(theirs.fired) - set(ours.fired))}, "
                f"only floor {sorted(set(ours.fired) - set(theirs.fired))}"
            )
    conclusions = [{c.name: c.value for c in r.conclusions} for r in engine_results]
    return FloorComparison(
        accounts=len(facts),
        engine_ms=engine_s * 1000 / len(facts),
        floor_ms=floor_s * 1000 / len(facts),
        mismatches=mismatches,
        first_mismatch=first,
        phases=Counter(c.get("phase", "(none)") for c in conclusions),
        categories=Counter(c.get("category", "(none)") for c in conclusions),
    )


# --- profile ----------------------------------------------------------------------------------


def profile_portfolio(seed: int, size: int = 1_000, top: int = 25) -> None:
    """cProfile of run_portfolio on `size` accounts from CSV, in this process (jobs=1)."""
    from kamadvisor.portfolio import PortfolioRun, run_portfolio

    rulebook = load_rulebook()
    with tempfile.TemporaryDirectory(prefix="kam-profile-") as scratch:
        path = write_csv(generate_accounts(size, seed), Path(scratch))
        profiler = cProfile.Profile()
        profiler.enable()
        report = run_portfolio(PortfolioRun(path=path, jobs=1), rulebook)
        profiler.disable()
    print(f"\nprofile: run_portfolio, {len(report.accounts)} accounts from CSV, jobs=1")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


# --- report -----------------------------------------------------------------------------------


def _verdict(ok: bool | None) -> str:
    return "n/a " if ok is None else ("PASS" if ok else "MISS")


def _fit(runs: Sequence[CliRun]) -> tuple[float, float]:
    """Least-squares wall = fixed + per_account * N."""
    xs, ys = [r.size for r in runs], [r.wall for r in runs]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return mean_y - slope * mean_x, slope


def _marginals(runs: Sequence[CliRun], cost: Callable[[CliRun], float]) -> list[float]:
    """Seconds per extra account between consecutive sizes."""
    return [(cost(b) - cost(a)) / (b.size - a.size) for a, b in itertools.pairwise(runs)]


def print_table(runs: Sequence[CliRun]) -> None:
    print("\n  accounts  input    wall s  accounts/s  ms/account   CPU s  peak RSS MB  status")
    for run in runs:
        status = "ok" if run.ok else f"FAILED {run.note}"
        print(
            f"  {run.size:>8}  {run.source:<5} {run.wall:8.2f}  {run.rate:10.0f}  "
            f"{run.wall * 1000 / run.size:10.2f}  {run.cpu:6.1f}  {run.peak_mb:11.1f}  {status}"
        )


def print_targets(runs: Sequence[CliRun], floor: FloorComparison) -> None:
    print("\ntargets")
    for source, limit in (("csv", CSV_10K_SECONDS), ("xlsx", XLSX_10K_SECONDS)):
        _print_10k_target([r for r in runs if r.source == source], source, limit)
    peak = max(r.peak_mb for r in runs)
    print(
        f"  {_verdict(peak <= PEAK_RSS_MB)}  peak RSS per process: {peak:.1f} MB "
        f"(target <= {PEAK_RSS_MB:g} MB)"
    )
    for source in ("csv", "xlsx"):
        _print_linearity([r for r in runs if r.source == source], source)
    print(
        f"  {_verdict(floor.ratio <= ENGINE_FLOOR_RATIO)}  engine/floor: {floor.ratio:.2f} "
        f"(target <= {ENGINE_FLOOR_RATIO:g})"
    )
    print(
        f"  {_verdict(floor.mismatches == 0)}  engine and floor fire the same rules: "
        f"{floor.mismatches} mismatches"
    )


def _print_10k_target(runs: Sequence[CliRun], source: str, limit: float) -> None:
    at_10k = [r for r in runs if r.size == 10_000]
    if at_10k:
        seconds = at_10k[0].wall
        failed = "" if at_10k[0].ok else f"; the run FAILED: {at_10k[0].note}"
        print(
            f"  {_verdict(seconds <= limit and at_10k[0].ok)}  10,000 accounts from {source}: "
            f"{seconds:.2f} s (target <= {limit:g} s){failed}"
        )
    elif len(runs) >= 2:
        fixed, per = _fit(runs)
        print(
            f"  {_verdict(None)}  10,000 accounts from {source}: not measured; linear fit "
            f"says {fixed + per * 10_000:.1f} s (target <= {limit:g} s)"
        )


def _print_linearity(runs: Sequence[CliRun], source: str) -> None:
    """Judged on CPU seconds, which other processes on the machine disturb far less than wall."""
    marginals = _marginals(runs, lambda r: r.cpu)
    if len(marginals) < 2:
        print(f"  {_verdict(None)}  cost linear in N ({source}): needs three sizes")
        return
    growth = marginals[-1] / marginals[0]
    cpu = ", ".join(f"{m * 1000:.2f}" for m in marginals)
    wall = ", ".join(f"{m * 1000:.2f}" for m in _marginals(runs, lambda r: r.wall))
    print(
        f"  {_verdict(growth <= LINEARITY_TOLERANCE)}  cost linear in N ({source}): "
        f"marginal CPU ms/account between sizes {cpu} (wall {wall}); "
        f"last/first {growth:.2f} (target <= {LINEARITY_TOLERANCE:g})"
    )


def print_floor(floor: FloorComparison) -> None:
    print(f"\nengine vs floor on {floor.accounts} accounts (CPU time, best of 3 passes)")
    print(f"  engine  {floor.engine_ms:7.3f} ms/account  (RuleEngine.run)")
    print(
        f"  floor   {floor.floor_ms:7.3f} ms/account  (PythonEvaluator.run, same compiled rulesets)"
    )
    print(f"  ratio   {floor.ratio:7.2f}")
    print(
        f"  mismatches: {floor.mismatches}"
        + (f"  first: {floor.first_mismatch}" if floor.mismatches else "")
    )
    print(
        "  phases:     "
        + ", ".join(
            f"{p} {floor.phases[p]}"
            for p in (*PHASES, "(none)")
            if floor.phases[p] or p != "(none)"
        )
    )
    print(
        "  categories: "
        + ", ".join(
            f"{c} {floor.categories[c]}"
            for c in (*CATEGORIES, "(none)")
            if floor.categories[c] or c != "(none)"
        )
    )


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def _sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 1:
        raise argparse.ArgumentTypeError("expected positive sizes such as 100,1000,10000")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[100, 1_000, 10_000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="CLI runs per point (median)")
    parser.add_argument(
        "--xlsx-max",
        type=int,
        default=10_000,
        help="largest size also run from a workbook (writing one of 50,000 rows takes minutes)",
    )
    parser.add_argument("--profile", action="store_true", help="also cProfile 1,000 accounts")
    options = parser.parse_args(argv)

    print(
        f"kamadvisor portfolio benchmark: sizes {options.sizes}, jobs {options.jobs}, "
        f"seed {options.seed}, {os.cpu_count()} cores, {_load()}"
    )
    runs = measure_sizes(
        options.sizes, options.jobs, options.seed, options.repeat, options.xlsx_max
    )
    floor = compare_with_floor(options.seed)
    print(f"\nfinished at {_load()} (includes this benchmark's own processes)")
    print_table(runs)
    print_floor(floor)
    print_targets(runs, floor)
    if options.profile:
        profile_portfolio(options.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
