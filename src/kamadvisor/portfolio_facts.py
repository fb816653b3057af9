"""Portfolio facts: what the portfolio rules match, aggregated from the accounts' diagnoses.

The aggregations are generic: counts of accounts by each placement value, counts of accounts on
which each reporting rule fired, revenue concentration and profitability, and the programme's
answers. What they mean for key account management is said by the portfolio rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Protocol

from kamadvisor.facts import FactSpec, FactValue, model_fact_specs
from kamadvisor.programme import Programme


class _Placed(Protocol):
    @property
    def value(self) -> str | None: ...


class _Fired(Protocol):
    @property
    def rule_id(self) -> str: ...


class AccountOutcome(Protocol):
    """What the aggregation reads of an account's diagnosis (portfolio.AccountResult has it)."""

    @property
    def facts(self) -> Mapping[str, Any]: ...

    @property
    def placements(self) -> Mapping[str, _Placed]: ...

    @property
    def findings(self) -> Sequence[_Fired]: ...


PORTFOLIO_PREFIX = "portfolio."
PROGRAMME_PREFIX = "programme."
REVIEW_AGE = "programme.days_since_key_account_list_review"


def _count(name: str, description: str) -> FactSpec:
    return FactSpec(name=name, type="integer", description=description, derived_from=("portfolio",))


def _number(name: str, description: str) -> FactSpec:
    return FactSpec(name=name, type="number", description=description, derived_from=("portfolio",))


def portfolio_catalogue(
    single_conclusions: Mapping[str, Sequence[str]], reporting_rules: Sequence[str]
) -> dict[str, FactSpec]:
    """Every fact a portfolio can produce, for a pack with these conclusions and rules."""
    specs = [
        _count("portfolio.accounts", "Accounts diagnosed in the portfolio."),
        _count("portfolio.skipped", "Accounts skipped because their answers were invalid."),
        _count("portfolio.nominated", "Accounts answered as nominated key accounts."),
        _number("portfolio.revenue", "Total annual revenue of the accounts that give one."),
        _number(
            "portfolio.largest_revenue_share_pct",
            "The largest account's share of the portfolio's revenue, in percent.",
        ),
        _number(
            "portfolio.top3_revenue_share_pct",
            "The three largest accounts' share of the portfolio's revenue, in percent.",
        ),
        _count("portfolio.unprofitable", "Accounts with a loss after attributable cost to serve."),
        _number(
            "portfolio.unprofitable_revenue_share_pct",
            "Share of the portfolio's revenue on accounts that lose money, in percent.",
        ),
    ]
    for name, values in single_conclusions.items():
        for value in values:
            specs.append(_count(f"portfolio.{name}.{value}", f"Accounts whose {name} is {value}."))
        specs.append(
            _count(f"portfolio.{name}.undetermined", f"Accounts whose {name} is not determined.")
        )
    for rule_id in reporting_rules:
        specs.append(_count(f"portfolio.fired.{rule_id}", f"Accounts on which {rule_id} fired."))
    specs.extend(model_fact_specs(Programme, "programme"))
    specs.append(
        _number(
            "programme.accounts_per_kam",
            "Nominated key accounts per key account manager (from the programme file).",
        )
    )
    specs.append(
        FactSpec(
            name=REVIEW_AGE,
            type="integer",
            description="Days from the key-account list's last review to the portfolio's "
            "assessment date (the programme's, --date, or the latest account's).",
            derived_from=("programme.key_account_list_last_reviewed",),
        )
    )
    return {spec.name: spec for spec in specs}


def derive_portfolio_facts(
    diagnoses: Sequence[AccountOutcome],
    skipped: int,
    programme: Programme | None,
    catalogue: Mapping[str, FactSpec],
    assessed_on: date | None = None,
) -> dict[str, FactValue]:
    """The portfolio's facts; `assessed_on` is the date ages are measured to (never the clock)."""
    counts: dict[str, int] = {}
    values: dict[str, FactValue] = {
        "portfolio.accounts": len(diagnoses),
        "portfolio.skipped": skipped,
    }
    for name in catalogue:
        parts = name.split(".")
        if (len(parts) == 3 and parts[0] == "portfolio") or name.startswith("portfolio.fired."):
            counts[name] = 0
    values["portfolio.nominated"] = sum(
        1 for d in diagnoses if d.facts.get("account.nominated_key_account") is True
    )
    for diagnosis in diagnoses:
        for name, placement in diagnosis.placements.items():
            key = f"portfolio.{name}.{placement.value or 'undetermined'}"
            if key in counts:
                counts[key] += 1
        for finding in diagnosis.findings:
            key = f"portfolio.fired.{finding.rule_id}"
            if key in counts:
                counts[key] += 1
    values.update(counts)
    values.update(_revenue(diagnoses))
    if programme is not None:
        values.update(_programme(programme))
        reviewed = programme.key_account_list_last_reviewed
        if reviewed is not None and assessed_on is not None:
            values[REVIEW_AGE] = (assessed_on - reviewed).days
    return dict(sorted(values.items()))


def _revenue(diagnoses: Sequence[AccountOutcome]) -> dict[str, FactValue]:
    revenues = sorted(
        (
            float(r)
            for d in diagnoses
            if isinstance(r := d.facts.get("economics.annual_revenue"), int | float)
        ),
        reverse=True,
    )
    values: dict[str, FactValue] = {}
    unprofitable = [
        d
        for d in diagnoses
        if isinstance(p := d.facts.get("economics.account_profit"), int | float) and p < 0
    ]
    values["portfolio.unprofitable"] = len(unprofitable)
    total = sum(revenues)
    if total >= 1:
        values["portfolio.revenue"] = round(total, 2)
        values["portfolio.largest_revenue_share_pct"] = round(revenues[0] * 100 / total, 2)
        values["portfolio.top3_revenue_share_pct"] = round(sum(revenues[:3]) * 100 / total, 2)
        lost = sum(
            float(r)
            for d in unprofitable
            if isinstance(r := d.facts.get("economics.annual_revenue"), int | float)
        )
        values["portfolio.unprofitable_revenue_share_pct"] = round(lost * 100 / total, 2)
    return values


def _programme(programme: Programme) -> dict[str, FactValue]:
    values: dict[str, FactValue] = {}
    for field_name in Programme.model_fields:
        value: Any = getattr(programme, field_name)
        if value is None or isinstance(value, date) or field_name == "name":
            continue
        values[f"programme.{field_name}"] = value
    nominated, headcount = programme.nominated_key_accounts, programme.kam_headcount
    if nominated is not None and headcount:
        values["programme.accounts_per_kam"] = round(nominated / headcount, 2)
    return values
