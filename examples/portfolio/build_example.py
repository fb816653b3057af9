"""Write the example portfolio: accounts.csv, accounts-contacts.csv and the same as accounts.xlsx.

Run from the repository root: python examples/portfolio/build_example.py
Thirteen fictional accounts of a packaging supplier; row 13 (Quillon Beverages) is deliberately
bad (a team model that does not exist) to show how a batch reports and skips a bad record.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent

COMMON = {
    "account.assessment_date": "2026-10-15",
    "economics.currency": "EUR",
    "account.nominated_key_account": "yes",
}

ACCOUNTS: list[dict[str, str]] = [
    # strategic, partnership
    {
        "account.id": "ATL",
        "account.name": "Atlas Logistics NV",
        "account.industry": "Logistics",
        "economics.annual_revenue": "9200000",
        "economics.gross_margin_pct": "31",
        "economics.cost_to_serve": "180000",
        "economics.profitability_measured": "yes",
        "attractiveness.spend_potential": "9",
        "attractiveness.growth_potential": "8",
        "attractiveness.profit_potential": "8",
        "attractiveness.strategic_fit": "9",
        "attractiveness.openness_to_partnership": "8",
        "business_strength.product_quality": "9",
        "business_strength.ease_of_doing_business": "8",
        "business_strength.quality_of_people": "8",
        "business_strength.price": "6",
        "business_strength.service": "9",
        "business_strength.relationship": "9",
        "business_strength.innovation": "8",
        "relationship.customer_view": "partner",
        "relationship.sensitive_data_shared": "yes",
        "relationship.integrated_processes": "logistics, stock_management",
        "relationship.team_model": "dedicated_co_located",
        "relationship.focus": "customers_customer",
        "relationship.jointly_funded_initiatives": "3",
        "kam.title": "strategic_account_manager",
        "kam.seniority": "director",
        "kam.authority_over_price": "full",
        "team.executive_sponsor": "yes",
        "team.senior_management_involvement": "regular",
        "planning.plan_exists": "yes",
        "planning.last_reviewed": "2026-10-01",
        "service.service_level": "integrated",
        "service.resources_invested": "strategic",
    },
    # strategic, transactional
    {
        "account.id": "NWF",
        "account.name": "Northwind Foods GmbH",
        "account.industry": "Frozen food",
        "economics.annual_revenue": "4850000",
        "economics.gross_margin_pct": "21.5",
        "economics.cost_to_serve": "610000",
        "attractiveness.spend_potential": "8",
        "attractiveness.growth_potential": "7",
        "attractiveness.profit_potential": "6",
        "attractiveness.strategic_fit": "8",
        "attractiveness.openness_to_partnership": "6",
        "business_strength.product_quality": "8",
        "business_strength.ease_of_doing_business": "7",
        "business_strength.quality_of_people": "6",
        "business_strength.price": "5",
        "business_strength.service": "7",
        "business_strength.relationship": "5",
        "business_strength.innovation": "7",
        "relationship.customer_view": "one_of_many",
        "relationship.team_model": "individual",
        "relationship.focus": "our_product",
        "relationship.buying_behaviour": "price_driven",
        "relationship.sensitive_data_shared": "no",
        "kam.title": "key_account_manager",
        "kam.targets": "monthly_volume",
        "kam.authority_over_price": "none",
        "team.executive_sponsor": "no",
        "service.service_level": "standard",
        "service.resources_invested": "standard",
    },
    # star, preferred
    {
        "account.id": "HLX",
        "account.name": "Helix Pharma AG",
        "account.industry": "Pharmaceuticals",
        "economics.annual_revenue": "2100000",
        "economics.gross_margin_pct": "34",
        "economics.cost_to_serve": "260000",
        "attractiveness.spend_potential": "9",
        "attractiveness.growth_potential": "9",
        "attractiveness.profit_potential": "8",
        "attractiveness.strategic_fit": "7",
        "attractiveness.openness_to_partnership": "6",
        "business_strength.product_quality": "6",
        "business_strength.ease_of_doing_business": "5",
        "business_strength.quality_of_people": "5",
        "business_strength.price": "4",
        "business_strength.service": "5",
        "business_strength.relationship": "5",
        "business_strength.innovation": "5",
        "relationship.customer_view": "preferred",
        "relationship.joint_projects": "2",
        "relationship.joint_project_initiator": "customer",
        "relationship.team_model": "ad_hoc_multidisciplinary",
        "service.resources_invested": "significant",
    },
    # star, consultative
    {
        "account.id": "ORN",
        "account.name": "Orion Medical Devices",
        "account.industry": "Medical devices",
        "economics.annual_revenue": "1400000",
        "economics.gross_margin_pct": "29",
        "economics.cost_to_serve": "150000",
        "attractiveness.spend_potential": "8",
        "attractiveness.growth_potential": "9",
        "attractiveness.profit_potential": "7",
        "attractiveness.strategic_fit": "8",
        "attractiveness.openness_to_partnership": "7",
        "business_strength.product_quality": "5",
        "business_strength.ease_of_doing_business": "4",
        "business_strength.quality_of_people": "5",
        "business_strength.price": "5",
        "business_strength.service": "4",
        "business_strength.relationship": "4",
        "business_strength.innovation": "5",
        "relationship.customer_view": "one_of_many",
        "relationship.needs_assessment": "yes",
        "relationship.focus": "customer_needs",
        "relationship.team_model": "ad_hoc_support",
        "service.resources_invested": "minimal",
    },
    # status, bespoke
    {
        "account.id": "MRG",
        "account.name": "Meridian Retail Group plc",
        "account.industry": "Retail",
        "economics.annual_revenue": "6400000",
        "economics.gross_margin_pct": "18",
        "economics.cost_to_serve": "840000",
        "attractiveness.spend_potential": "5",
        "attractiveness.growth_potential": "4",
        "attractiveness.profit_potential": "4",
        "attractiveness.strategic_fit": "5",
        "attractiveness.openness_to_partnership": "6",
        "business_strength.product_quality": "8",
        "business_strength.ease_of_doing_business": "8",
        "business_strength.quality_of_people": "7",
        "business_strength.price": "7",
        "business_strength.service": "8",
        "business_strength.relationship": "8",
        "business_strength.innovation": "7",
        "relationship.customer_view": "key",
        "relationship.offer_tailoring": "tailored",
        "relationship.team_model": "permanent_multidisciplinary",
        "relationship.jointly_funded_initiatives": "1",
        "relationship.focus": "mutual_plans",
        "service.resources_invested": "strategic",
    },
    # status, preferred
    {
        "account.id": "BRK",
        "account.name": "Birchwood Bakeries Ltd",
        "account.industry": "Bakery",
        "economics.annual_revenue": "1900000",
        "economics.gross_margin_pct": "22",
        "economics.cost_to_serve": "120000",
        "attractiveness.spend_potential": "4",
        "attractiveness.growth_potential": "4",
        "attractiveness.profit_potential": "5",
        "attractiveness.strategic_fit": "5",
        "attractiveness.openness_to_partnership": "5",
        "business_strength.product_quality": "8",
        "business_strength.ease_of_doing_business": "8",
        "business_strength.quality_of_people": "7",
        "business_strength.price": "6",
        "business_strength.service": "7",
        "business_strength.relationship": "7",
        "business_strength.innovation": "6",
        "relationship.customer_view": "preferred",
        "relationship.joint_projects": "1",
        "relationship.joint_project_initiator": "both",
        "service.resources_invested": "standard",
    },
    # streamline, transactional, unprofitable
    {
        "account.id": "KST",
        "account.name": "Kestrel Components s.r.o.",
        "account.industry": "Electronics",
        "economics.annual_revenue": "640000",
        "economics.gross_margin_pct": "12",
        "economics.cost_to_serve": "95000",
        "attractiveness.spend_potential": "3",
        "attractiveness.growth_potential": "3",
        "attractiveness.profit_potential": "3",
        "attractiveness.strategic_fit": "4",
        "attractiveness.openness_to_partnership": "3",
        "business_strength.product_quality": "5",
        "business_strength.ease_of_doing_business": "5",
        "business_strength.quality_of_people": "4",
        "business_strength.price": "4",
        "business_strength.service": "5",
        "business_strength.relationship": "4",
        "business_strength.innovation": "4",
        "relationship.buying_behaviour": "price_driven",
        "relationship.uses_e_auctions": "yes",
        "relationship.sensitive_data_shared": "no",
        "relationship.team_model": "individual",
        "relationship.focus": "our_product",
        "kam.targets": "monthly_volume",
        "service.service_level": "integrated",
        "service.resources_invested": "significant",
    },
    # streamline
    {
        "account.id": "PLV",
        "account.name": "Plover Household Goods",
        "account.industry": "Consumer goods",
        "economics.annual_revenue": "480000",
        "economics.gross_margin_pct": "16",
        "economics.cost_to_serve": "40000",
        "attractiveness.spend_potential": "3",
        "attractiveness.growth_potential": "4",
        "attractiveness.profit_potential": "3",
        "attractiveness.strategic_fit": "3",
        "attractiveness.openness_to_partnership": "4",
        "business_strength.product_quality": "5",
        "business_strength.ease_of_doing_business": "4",
        "business_strength.quality_of_people": "5",
        "business_strength.price": "5",
        "business_strength.service": "4",
        "business_strength.relationship": "4",
        "business_strength.innovation": "4",
        "relationship.buying_behaviour": "price_driven",
        "relationship.uses_tenders": "yes",
        "service.resources_invested": "minimal",
    },
    # strategic, bespoke
    {
        "account.id": "SEQ",
        "account.name": "Sequoia Cosmetics SA",
        "account.industry": "Cosmetics",
        "economics.annual_revenue": "5300000",
        "economics.gross_margin_pct": "36",
        "economics.cost_to_serve": "410000",
        "economics.profitability_measured": "yes",
        "attractiveness.spend_potential": "8",
        "attractiveness.growth_potential": "8",
        "attractiveness.profit_potential": "9",
        "attractiveness.strategic_fit": "8",
        "attractiveness.openness_to_partnership": "7",
        "business_strength.product_quality": "8",
        "business_strength.ease_of_doing_business": "7",
        "business_strength.quality_of_people": "8",
        "business_strength.price": "6",
        "business_strength.service": "8",
        "business_strength.relationship": "8",
        "business_strength.innovation": "9",
        "relationship.customer_view": "key",
        "relationship.offer_tailoring": "bespoke",
        "relationship.team_model": "permanent_multidisciplinary",
        "relationship.focus": "mutual_plans",
        "team.senior_management_involvement": "regular",
        "team.executive_sponsor": "yes",
        "service.resources_invested": "strategic",
    },
    # star, transactional
    {
        "account.id": "TAL",
        "account.name": "Talon Aerospace",
        "account.industry": "Aerospace",
        "economics.annual_revenue": "900000",
        "economics.gross_margin_pct": "27",
        "economics.cost_to_serve": "70000",
        "attractiveness.spend_potential": "9",
        "attractiveness.growth_potential": "8",
        "attractiveness.profit_potential": "8",
        "attractiveness.strategic_fit": "9",
        "attractiveness.openness_to_partnership": "5",
        "business_strength.product_quality": "5",
        "business_strength.ease_of_doing_business": "4",
        "business_strength.quality_of_people": "4",
        "business_strength.price": "4",
        "business_strength.service": "5",
        "business_strength.relationship": "3",
        "business_strength.innovation": "5",
        "relationship.customer_view": "one_of_many",
        "relationship.team_model": "individual",
        "kam.targets": "monthly_volume, revenue",
        "kam.authority_over_price": "none",
        "service.resources_invested": "minimal",
    },
    # status, transactional
    {
        "account.id": "WLW",
        "account.name": "Willow Dairy Cooperative",
        "account.industry": "Dairy",
        "economics.annual_revenue": "2600000",
        "economics.gross_margin_pct": "15",
        "economics.cost_to_serve": "300000",
        "attractiveness.spend_potential": "5",
        "attractiveness.growth_potential": "3",
        "attractiveness.profit_potential": "4",
        "attractiveness.strategic_fit": "4",
        "attractiveness.openness_to_partnership": "5",
        "business_strength.product_quality": "7",
        "business_strength.ease_of_doing_business": "7",
        "business_strength.quality_of_people": "6",
        "business_strength.price": "7",
        "business_strength.service": "7",
        "business_strength.relationship": "6",
        "business_strength.innovation": "6",
        "relationship.customer_view": "one_of_many",
        "relationship.focus": "our_product",
        "kam.targets": "monthly_volume",
        "service.resources_invested": "significant",
    },
    # streamline, consultative
    {
        "account.id": "FNC",
        "account.name": "Finch Garden Centres",
        "account.industry": "Retail",
        "economics.annual_revenue": "350000",
        "economics.gross_margin_pct": "19",
        "economics.cost_to_serve": "20000",
        "attractiveness.spend_potential": "2",
        "attractiveness.growth_potential": "3",
        "attractiveness.profit_potential": "3",
        "attractiveness.strategic_fit": "3",
        "attractiveness.openness_to_partnership": "5",
        "business_strength.product_quality": "5",
        "business_strength.ease_of_doing_business": "5",
        "business_strength.quality_of_people": "5",
        "business_strength.price": "4",
        "business_strength.service": "5",
        "business_strength.relationship": "5",
        "business_strength.innovation": "4",
        "relationship.needs_assessment": "yes",
        "relationship.focus": "customer_needs",
        "service.resources_invested": "minimal",
    },
    # deliberately bad: a team model that does not exist
    {
        "account.id": "QLN",
        "account.name": "Quillon Beverages",
        "account.industry": "Beverages",
        "economics.annual_revenue": "1200000",
        "relationship.team_model": "solo_hero",
        "service.resources_invested": "standard",
    },
]

CONTACTS = [
    (
        "ATL",
        "Chief Operating Officer",
        "board",
        "decision_maker",
        "executive_sponsor",
        "strong",
        "Elena Marquez",
    ),
    (
        "ATL",
        "Head of Supply Chain",
        "senior_management",
        "decision_maker",
        "champion",
        "strong",
        "Tom Baines",
    ),
    ("ATL", "Warehouse Director", "operational", "influencer", "supporter", "moderate", "Ana Ruiz"),
    (
        "NWF",
        "Head of Packaging Procurement",
        "purchasing",
        "decision_maker",
        "neutral",
        "moderate",
        "Jonas Weber",
    ),
    (
        "HLX",
        "Category Buyer",
        "purchasing",
        "decision_maker",
        "supporter",
        "moderate",
        "Mila Novak",
    ),
    (
        "HLX",
        "Head of Packaging Development",
        "technical",
        "influencer",
        "champion",
        "strong",
        "Mila Novak",
    ),
    ("HLX", "Plant Manager", "operational", "user", "neutral", "weak", "Sven Ohl"),
    (
        "MRG",
        "Supply Director",
        "senior_management",
        "decision_maker",
        "supporter",
        "strong",
        "Ruth Cole",
    ),
    (
        "SEQ",
        "VP Operations",
        "senior_management",
        "decision_maker",
        "executive_sponsor",
        "strong",
        "Ines Duval",
    ),
    ("KST", "Buyer", "purchasing", "decision_maker", "neutral", "weak", "Petr Hajek"),
]
CONTACT_COLUMNS = [
    "account.id",
    "name",
    "level",
    "decision_role",
    "role_to_us",
    "strength",
    "our_counterpart",
]


def main() -> None:
    rows = [{**COMMON, **account} for account in ACCOUNTS]
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    with (HERE / "accounts.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, columns)
        writer.writeheader()
        writer.writerows(rows)
    with (HERE / "accounts-contacts.csv").open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(CONTACT_COLUMNS)
        writer.writerows(CONTACTS)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "accounts"
    sheet.append(columns)
    for row in rows:
        sheet.append([_cell(row.get(column)) for column in columns])
    contacts = workbook.create_sheet("contacts")
    contacts.append(CONTACT_COLUMNS)
    for contact in CONTACTS:
        contacts.append(list(contact))
    workbook.save(HERE / "accounts.xlsx")


def _cell(value: str | None) -> object:
    """Numbers as numbers and dates as dates, as a spreadsheet would hold them."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        pass
    else:
        return int(number) if number.is_integer() else number
    if len(value) == 10 and value[4] == "-" and value[7] == "-":
        import datetime

        return datetime.date.fromisoformat(value)
    return value


if __name__ == "__main__":
    main()
