"""The typed questionnaire model: the base questions, their values and records.

Generated from rules/questionnaire.yaml by `python -m kamadvisor.questionnaire_codegen`; do not edit:
change the declaration and run the command again.
"""

from __future__ import annotations

from datetime import date
from typing import ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator

from kamadvisor.questionnaire_base import Percent, QuestionnaireBase, Score, Section, unique_items

ContactLevel = Literal[
    "purchasing",
    "operational",
    "technical",
    "senior_management",
    "board",
]
DecisionRole = Literal[
    "decision_maker",
    "influencer",
    "gatekeeper",
    "user",
    "unknown",
]
RoleToUs = Literal[
    "executive_sponsor",
    "champion",
    "supporter",
    "neutral",
    "critic",
]
Strength = Literal[
    "weak",
    "moderate",
    "strong",
]
TeamRole = Literal[
    "account_support",
    "account_development",
    "specialist",
    "senior_manager",
    "other",
]
ActionStatus = Literal[
    "done",
    "in_progress",
    "not_started",
    "dropped",
]
AssessorRole = Literal[
    "account_manager",
    "account_team",
    "line_manager",
    "programme_lead",
    "independent",
]
CustomerView = Literal[
    "one_of_many",
    "preferred",
    "key",
    "partner",
]
Initiator = Literal[
    "nobody",
    "customer",
    "us",
    "both",
]
OfferTailoring = Literal[
    "standard",
    "tailored",
    "bespoke",
]
InformationExchange = Literal[
    "none",
    "operational",
    "customer_shares",
    "two_way",
]
IntegratedProcess = Literal[
    "logistics",
    "stock_management",
    "ordering",
    "product_development",
    "planning",
    "it_systems",
    "supply_chain",
    "edi_link",
]
TeamModel = Literal[
    "individual",
    "ad_hoc_support",
    "ad_hoc_multidisciplinary",
    "permanent_multidisciplinary",
    "dedicated_co_located",
]
Focus = Literal[
    "our_product",
    "customer_needs",
    "mutual_plans",
    "customers_customer",
]
BuyingBehaviour = Literal[
    "value_based",
    "balanced",
    "price_driven",
]
OurView = Literal[
    "supplier",
    "important_customer",
    "key_account",
    "partner",
]
Stage = Literal[
    "basic",
    "cooperative",
    "interdependent",
    "integrated",
]
CompetitivePosition = Literal[
    "weaker",
    "level",
    "stronger",
]
KamTitle = Literal[
    "key_account_manager",
    "strategic_account_manager",
    "global_account_manager",
    "account_manager",
    "sales_representative",
    "other",
]
Seniority = Literal[
    "sales_level",
    "manager",
    "senior_manager",
    "director",
    "board_level",
]
Background = Literal[
    "sales",
    "technical",
    "commercial_management",
    "other",
]
Authority = Literal[
    "none",
    "within_limits",
    "full",
]
TargetMeasure = Literal[
    "monthly_volume",
    "sales_activity",
    "revenue",
    "profit",
    "long_term_growth",
    "customer_satisfaction",
]
SalesStyle = Literal[
    "customer_friend",
    "pressure_salesman",
    "order_taker",
    "compromise",
    "problem_solver",
]
Skill = Literal[
    "business_planning",
    "strategy",
    "advanced_marketing",
    "financial_awareness",
    "interpersonal",
    "negotiation",
    "consultative_selling",
    "project_management",
    "delegation",
    "people_management",
    "industry_knowledge",
    "customer_business_understanding",
]
ReportsTo = Literal[
    "sales_manager",
    "sales_director",
    "commercial_director",
    "general_manager",
    "chief_executive",
]
Involvement = Literal[
    "none",
    "occasional",
    "regular",
]
ServiceLevel = Literal[
    "standard",
    "enhanced",
    "tailored",
    "integrated",
]
Resources = Literal[
    "minimal",
    "standard",
    "significant",
    "strategic",
]
PlannedChange = Literal[
    "reduce",
    "maintain",
    "increase",
]


class Contact(Section):
    ENTRY: ClassVar[str] = "a person"

    ASKS: ClassVar[dict[str, str]] = {
        "name": "Who is each contact, by name or role?",
        "function": "What is each contact's function?",
        "level": "At which level of the customer's organisation does each contact work?",
        "decision_role": "What part does each contact play in buying decisions?",
        "role_to_us": "How does each contact stand towards us?",
        "strength": "How strong is our relationship with each contact?",
        "our_counterpart": "Who on our side holds each contact?",
    }

    name: str | None = Field(
        None,
        max_length=200,
        description="The contact's name or role title.",
    )
    function: str | None = Field(
        None,
        max_length=200,
        description="Their function, e.g. procurement, operations, R&D, finance.",
    )
    level: ContactLevel | None = Field(
        None,
        description="Their level in the customer's organisation.",
    )
    decision_role: DecisionRole | None = Field(
        None,
        description="Their part in buying decisions.",
    )
    role_to_us: RoleToUs | None = Field(
        None,
        description="Their stance towards us.",
    )
    strength: Strength | None = Field(
        None,
        description="Strength of our relationship with them.",
    )
    our_counterpart: str | None = Field(
        None,
        max_length=200,
        description="Who on our side holds this contact.",
    )


class TeamMember(Section):
    ENTRY: ClassVar[str] = "a person"

    ASKS: ClassVar[dict[str, str]] = {
        "role": "What role does each team member play on the account?",
        "name": "Who is each team member?",
        "permanent": "Is each team member permanently assigned to the account?",
    }

    role: TeamRole = Field(
        description="Their role on the account team.",
    )
    name: str | None = Field(
        None,
        max_length=200,
        description="Name or job title.",
    )
    permanent: bool | None = Field(
        None,
        description="Permanently assigned to the account?",
    )


class PreviousAction(Section):
    ENTRY: ClassVar[str] = "an action of the previous plan"

    ASKS: ClassVar[dict[str, str]] = {
        "owner": "Who owned each action of the previous plan?",
        "due_day": "By which day of the previous plan was each action due?",
        "status": "Where does each action of the previous plan stand now?",
    }

    what: str = Field(
        min_length=1,
        max_length=500,
        description="The action as the previous plan stated it.",
    )
    owner: str | None = Field(
        None,
        max_length=200,
        description="Who owned it.",
    )
    due_day: int | None = Field(
        None,
        ge=1,
        le=365,
        description="The day of the previous plan it was due by (days after the plan began).",
    )
    status: ActionStatus | None = Field(
        None,
        description="Where it stands now: done, in_progress, not_started or dropped (leave it empty when not known).",
    )
    answers: str | None = Field(
        None,
        pattern="^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$",
        description="The rule id of the finding it answered, as the previous memo's plan shows it in brackets (optional).",
    )


class PreviousPlan(Section):
    """The plan agreed at the previous review, and how far each of its actions got."""

    ASKS: ClassVar[dict[str, str]] = {
        "began": "On which day did the previous plan begin?",
        "actions": "What were the previous plan's actions, and where does each stand?",
    }

    began: date | None = Field(
        None,
        description="The day the previous plan began (its day 0), usually the previous assessment's date (YYYY-MM-DD).",
    )
    actions: list[PreviousAction] | None = Field(
        None,
        description="The previous plan's actions and where each stands (empty list: it had none).",
    )


class Account(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "industry": "What is the customer's industry?",
        "assessor": "Who answered this questionnaire?",
        "assessment_date": "What date do these answers describe?",
        "assessor_role": "Who answered this questionnaire: the account's own manager, its team, their line manager, the programme lead, or someone independent?",
    }

    name: str = Field(
        min_length=1,
        max_length=200,
        description="The customer account's name.",
    )
    id: str | None = Field(
        None,
        max_length=64,
        pattern="^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Your identifier for the account (letters, digits, '.', '_', '-').",
    )
    industry: str | None = Field(
        None,
        max_length=200,
        description="The customer's industry.",
    )
    assessor: str | None = Field(
        None,
        max_length=200,
        description="Who answered this questionnaire.",
    )
    assessment_date: date | None = Field(
        None,
        description="The date these answers describe (YYYY-MM-DD); the memo is dated with it.",
    )
    nominated_key_account: bool | None = Field(
        None,
        description="Is this customer formally nominated as a key account in our programme?",
    )
    assessor_role: AssessorRole | None = Field(
        None,
        description="Who answered, in relation to the account: its own manager (account_manager), its team, the manager's line manager, the programme lead, or someone independent.",
    )


class Economics(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "currency": "In which currency are the amounts given?",
        "annual_revenue": "What is our annual revenue with this account?",
        "share_of_our_revenue_pct": "What share of our total revenue does this account bring?",
        "gross_margin_pct": "What gross margin do we earn on this account's revenue?",
        "cost_to_serve": "What does it cost us each year to serve this account?",
        "revenue_growth_pct": "How much has our revenue with this account grown over the last year?",
        "share_of_wallet_pct": "What share of the customer's spend in our categories do we win?",
        "potential_revenue": "What annual revenue could we earn with this customer, counting the products and services we could add?",
    }

    currency: str | None = Field(
        None,
        pattern="^[A-Z]{3}$",
        description="ISO 4217 code of the amounts below, e.g. EUR.",
    )
    annual_revenue: float | None = Field(
        None,
        ge=0,
        le=100000000000000.0,
        description="Our annual revenue with this account (amount, >= 0).",
    )
    share_of_our_revenue_pct: Percent | None = Field(
        None,
        description="This account's share of our total revenue, in percent (0-100).",
    )
    gross_margin_pct: float | None = Field(
        None,
        ge=-100,
        le=100,
        description="Gross margin on this account's revenue, in percent (-100 to 100).",
    )
    cost_to_serve: float | None = Field(
        None,
        ge=0,
        le=100000000000000.0,
        description="Annual cost attributable to serving this account (sales, service, logistics, discounts not in the margin), amount >= 0.",
    )
    profitability_measured: bool | None = Field(
        None,
        description="Do we measure this account's profit after attributable cost to serve?",
    )
    revenue_growth_pct: float | None = Field(
        None,
        ge=-100,
        le=1000,
        description="Revenue growth with this account over the last year, in percent.",
    )
    share_of_wallet_pct: Percent | None = Field(
        None,
        description="Our share of the customer's spend in our categories, in percent (0-100).",
    )
    potential_revenue: float | None = Field(
        None,
        ge=0,
        le=100000000000000.0,
        description="Annual revenue we could earn with this customer in our categories, products and services we could add included (amount, >= 0).",
    )


class Attractiveness(Section):
    """How attractive the customer is to us, each factor scored 1 (very low) to 10 (very high)."""

    ASKS: ClassVar[dict[str, str]] = {
        "spend_potential": "How large is the customer's spend in our categories, now and in three years?",
        "growth_potential": "How fast are the customer's business and its need for us growing?",
        "profit_potential": "What margin can we earn with this customer?",
        "strategic_fit": "How well does the customer fit where our company is going?",
        "openness_to_partnership": "How willing is the customer to work closely with us and share information?",
    }

    spend_potential: Score | None = Field(
        None,
        description="Size of the customer's spend in our categories, now and in three years (1-10).",
    )
    growth_potential: Score | None = Field(
        None,
        description="Growth of the customer's business and of its need for us (1-10).",
    )
    profit_potential: Score | None = Field(
        None,
        description="Margin we can earn with this customer (1-10).",
    )
    strategic_fit: Score | None = Field(
        None,
        description="Fit with where our company is going: markets, technologies, values (1-10).",
    )
    openness_to_partnership: Score | None = Field(
        None,
        description="The customer's willingness to work closely and share information (1-10).",
    )


class BusinessStrength(Section):
    """How the customer rates us against our best competitor, each factor 1 (far worse) to 10 (far better)."""

    ASKS: ClassVar[dict[str, str]] = {
        "product_quality": "How does the customer rate the quality of our products against our best competitor's?",
        "ease_of_doing_business": "How easy does the customer find us to do business with, against our best competitor?",
        "quality_of_people": "How does the customer rate our people against our best competitor's?",
        "price": "How competitive does the customer find our prices?",
        "service": "How does the customer rate our service and delivery against our best competitor's?",
        "relationship": "How strong does the customer rate its relationship with us, against our best competitor?",
        "innovation": "How does the customer rate what we bring in innovation against our best competitor?",
    }

    product_quality: Score | None = Field(
        None,
        description="Quality of our products (1-10).",
    )
    ease_of_doing_business: Score | None = Field(
        None,
        description="How easy we are to do business with (1-10).",
    )
    quality_of_people: Score | None = Field(
        None,
        description="Quality of our people (1-10).",
    )
    price: Score | None = Field(
        None,
        description="Our price competitiveness (1-10).",
    )
    service: Score | None = Field(
        None,
        description="Our service and delivery (1-10).",
    )
    relationship: Score | None = Field(
        None,
        description="Strength of our relationship (1-10).",
    )
    innovation: Score | None = Field(
        None,
        description="What we bring in innovation (1-10).",
    )


class Relationship(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "customer_view": "How does the customer see us?",
        "joint_projects": "How many joint business-development projects have we run in the last 12 months?",
        "joint_project_initiator": "Who usually initiates joint projects?",
        "offer_tailoring": "Do we offer our standard range, tailored versions, or bespoke products, services or processes?",
        "jointly_funded_initiatives": "How many initiatives are funded jointly with the customer?",
        "information_exchange": "How much information flows between us and the customer?",
        "integrated_processes": "Which processes do we run jointly with the customer, or for it?",
        "team_model": "How do we staff the account?",
        "focus": "What does our joint work focus on?",
        "buying_behaviour": "How does the customer buy from us?",
        "our_view": "Do we see the customer ourselves as a supplier relationship, an important customer, a key account or a partner?",
        "judged_stage": "Which relational stage would the account team say the relationship has reached?",
        "competitive_position": "How do we stand at this customer against our strongest competitor?",
    }

    customer_view: CustomerView | None = Field(
        None,
        description="How the customer sees us.",
    )
    needs_assessment: bool | None = Field(
        None,
        description="Have we carried out a proper assessment of the customer's needs?",
    )
    joint_projects: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="Joint business-development projects in the last 12 months (count).",
    )
    joint_project_initiator: Initiator | None = Field(
        None,
        description="Who usually initiates joint projects.",
    )
    offer_tailoring: OfferTailoring | None = Field(
        None,
        description="What we offer: our standard range, tailored versions, or bespoke products, services or processes.",
    )
    jointly_funded_initiatives: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="Initiatives funded jointly with the customer (count).",
    )
    sensitive_data_shared: bool | None = Field(
        None,
        description="Do both sides share sensitive data (forecasts, costs, strategy)?",
    )
    information_exchange: InformationExchange | None = Field(
        None,
        description="How much information flows: none; operational (orders, deliveries); customer_shares (the customer shares confidential information such as forecasts with us, one way); two_way (both sides share sensitive data).",
    )
    integrated_processes: list[IntegratedProcess] | None = Field(
        None,
        description="Processes run jointly or by us for the customer (empty list: none): logistics, supply_chain, planning (joint activity); stock_management (we hold and manage the customer's stock), ordering (we place the customer's orders); product_development; it_systems (linked systems), edi_link (orders arrive through an electronic link).",
    )
    team_model: TeamModel | None = Field(
        None,
        description="How we staff the account, from one individual to a dedicated team co-located with the customer.",
    )
    focus: Focus | None = Field(
        None,
        description="What our joint work focuses on.",
    )
    buying_behaviour: BuyingBehaviour | None = Field(
        None,
        description="How the customer buys from us.",
    )
    uses_tenders: bool | None = Field(
        None,
        description="Does the customer buy our category by tender?",
    )
    uses_e_auctions: bool | None = Field(
        None,
        description="Does the customer buy our category by e-auction?",
    )
    our_view: OurView | None = Field(
        None,
        description="How we see the customer ourselves: a supplier relationship, an important customer, a key account, or a partner.",
    )
    judged_stage: Stage | None = Field(
        None,
        description="The relational stage (basic, cooperative, interdependent, integrated) as the assessor or the team judged it; used only when no answer above decides the stage.",
    )
    competitive_position: CompetitivePosition | None = Field(
        None,
        description="Our position at this customer against our strongest competitor: weaker, level or stronger.",
    )
    competitive_position_defined: bool | None = Field(
        None,
        description="Have we defined, in writing, our competitive position at this customer and how we want it to perceive us?",
    )
    competitor_activity_tracked: bool | None = Field(
        None,
        description="Do we track what our competitors are doing at this customer?",
    )

    @field_validator("integrated_processes")
    @classmethod
    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:
        return unique_items(value)


class KamRole(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "name": "Who manages the account?",
        "title": "What is the account manager's job title?",
        "seniority": "What is the account manager's grade?",
        "background": "What is the account manager's professional background?",
        "kam_training": "Has the account manager been trained for key account management, beyond sales training?",
        "authority_over_price": "How much authority does the account manager have over price?",
        "authority_over_terms": "How much authority does the account manager have over terms and conditions?",
        "authority_over_resources": "How much authority does the account manager have over our resources for the account?",
        "targets": "What do the account manager's targets measure?",
        "sales_style": "What is the account manager's style on the Blake & Mouton sales grid?",
        "skills": "Which skills has the account manager shown?",
        "accounts_managed": "How many accounts does the account manager manage in all?",
        "reports_to": "Whom does the account manager report to?",
    }

    name: str | None = Field(
        None,
        max_length=200,
        description="The name of the person managing the account.",
    )
    title: KamTitle | None = Field(
        None,
        description="The job title of the person managing the account.",
    )
    seniority: Seniority | None = Field(
        None,
        description="Their grade.",
    )
    background: Background | None = Field(
        None,
        description="Their professional background.",
    )
    kam_training: bool | None = Field(
        None,
        description="Have they been trained for key account management (beyond sales training)?",
    )
    authority_over_price: Authority | None = Field(
        None,
        description="Their authority over price.",
    )
    authority_over_terms: Authority | None = Field(
        None,
        description="Their authority over terms and conditions.",
    )
    authority_over_resources: Authority | None = Field(
        None,
        description="Their authority over our resources for the account.",
    )
    targets: list[TargetMeasure] | None = Field(
        None,
        description="What their targets measure (a list; empty list: no targets).",
    )
    sales_style: SalesStyle | None = Field(
        None,
        description="Their style on the Blake & Mouton sales grid.",
    )
    skills: list[Skill] | None = Field(
        None,
        description="Skills they have shown (a list; empty list: none of these).",
    )
    accounts_managed: int | None = Field(
        None,
        ge=0,
        le=10000,
        description="How many accounts this person manages in all.",
    )
    reports_to: ReportsTo | None = Field(
        None,
        description="Whom the account manager reports to: a sales manager, the sales director, the commercial director, a general manager, or the chief executive.",
    )

    @field_validator("targets", "skills")
    @classmethod
    def _no_repeats(cls, value: list[str] | None) -> list[str] | None:
        return unique_items(value)


class Team(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "members": "Who works on the account besides its manager?",
        "executive_sponsor_name": "Who is the account's executive sponsor?",
        "senior_management_involvement": "How do our senior managers take part in the account?",
        "head_of_kam_board_access": "Does our head of key accounts sit at senior executive level, or at least have a voice at board level?",
    }

    members: list[TeamMember] | None = Field(
        None,
        description="Our people working on the account besides its manager (empty list: nobody).",
    )
    executive_sponsor: bool | None = Field(
        None,
        description="Does the account have an executive sponsor on our board or executive committee?",
    )
    executive_sponsor_name: str | None = Field(
        None,
        max_length=200,
        description="The executive sponsor's name, when there is one.",
    )
    senior_management_involvement: Involvement | None = Field(
        None,
        description="How our senior managers take part in the account.",
    )
    head_of_kam_board_access: bool | None = Field(
        None,
        description="Does our head of key accounts sit at senior executive level, or at least have a voice (direct contact) at board level?",
    )


class Planning(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "last_reviewed": "When was the plan last reviewed?",
        "horizon_months": "How far ahead does the plan look?",
        "review_cadence_days": "How often is the plan meant to be reviewed?",
        "ninety_day_actions": "How many actions are planned for the next 90 days?",
        "co_authored_with_customer": "Was the plan written together with the customer?",
    }

    plan_exists: bool | None = Field(
        None,
        description="Is there a written plan for this account?",
    )
    last_reviewed: date | None = Field(
        None,
        description="When the plan was last reviewed (YYYY-MM-DD).",
    )
    horizon_months: int | None = Field(
        None,
        ge=1,
        le=120,
        description="How far ahead the plan looks, in months (1-120).",
    )
    review_cadence_days: int | None = Field(
        None,
        ge=1,
        le=365,
        description="How often the plan is meant to be reviewed, in days (1-365; 30 for a monthly review).",
    )
    customer_aims_in_plan: bool | None = Field(
        None,
        description="Does the plan set out the customer's own aims and culture (how it decides, what it values)?",
    )
    ninety_day_actions: int | None = Field(
        None,
        ge=0,
        le=1000,
        description="Actions planned for the next 90 days (count).",
    )
    co_authored_with_customer: bool | None = Field(
        None,
        description="Was the plan written together with the customer?",
    )
    success_factors_documented: bool | None = Field(
        None,
        description="Are the customer's critical success factors documented?",
    )
    annual_senior_review: bool | None = Field(
        None,
        description="Is there an annual review with the customer at senior level on both sides?",
    )


class ServiceInvestment(Section):
    ASKS: ClassVar[dict[str, str]] = {
        "service_level": "What service level do we offer?",
        "resources_invested": "What resources do we put into the account?",
        "planned_change": "How do we plan to change our investment in the account?",
    }

    service_level: ServiceLevel | None = Field(
        None,
        description="The service level we offer.",
    )
    resources_invested: Resources | None = Field(
        None,
        description="The resources we put into the account.",
    )
    planned_change: PlannedChange | None = Field(
        None,
        description="Planned change in our investment.",
    )
    benefit_defined: bool | None = Field(
        None,
        description="Is the benefit of developing this relationship further defined and quantified?",
    )
    current_benefit_defined: bool | None = Field(
        None,
        description="Is the benefit we get from what we already invest in this account defined and measured?",
    )


class Scores(Section):
    """Matrix scores as a summary sheet gives them, used only when the factors above are not."""

    ASKS: ClassVar[dict[str, str]] = {
        "attractiveness": "What attractiveness score does the account's summary sheet give, already weighted?",
        "business_strength": "What business-strength score does the account's summary sheet give, already weighted?",
    }

    attractiveness: float | None = Field(
        None,
        ge=1,
        le=10,
        description="Account attractiveness as already weighted (1-10), when the factors are not given.",
    )
    business_strength: float | None = Field(
        None,
        ge=1,
        le=10,
        description="Our business strength as already weighted (1-10), when the factors are not given.",
    )


class Questionnaire(QuestionnaireBase):
    """One account's answers. Only `account.name` is required."""

    model_config = ConfigDict(title="kamadvisor account questionnaire")

    ASKS: ClassVar[dict[str, str]] = {
        "contacts": "Who are the people we know at the customer?",
    }

    account: Account
    economics: Economics = Economics()
    attractiveness: Attractiveness = Attractiveness()
    business_strength: BusinessStrength = BusinessStrength()
    relationship: Relationship = Relationship()
    contacts: list[Contact] | None = Field(
        None,
        description="The people we know at the customer (empty list: we know nobody).",
    )
    kam: KamRole = KamRole()
    team: Team = Team()
    planning: Planning = Planning()
    service: ServiceInvestment = ServiceInvestment()
    scores: Scores = Scores()
    previous_plan: PreviousPlan | None = Field(
        None,
        description="At a review: the previous plan's actions and their status (leave it out at a first assessment).",
    )


# The sections of questions, in order, and the kinds of record, by name.
SECTION_MODELS: dict[str, type[Section]] = {
    "account": Account,
    "economics": Economics,
    "attractiveness": Attractiveness,
    "business_strength": BusinessStrength,
    "relationship": Relationship,
    "kam": KamRole,
    "team": Team,
    "planning": Planning,
    "service": ServiceInvestment,
    "scores": Scores,
}
RECORD_MODELS: dict[str, type[Section]] = {
    "contact": Contact,
    "team_member": TeamMember,
    "previous_action": PreviousAction,
    "previous_plan": PreviousPlan,
}

__all__ = [
    "RECORD_MODELS",
    "SECTION_MODELS",
    "Account",
    "ActionStatus",
    "AssessorRole",
    "Attractiveness",
    "Authority",
    "Background",
    "BusinessStrength",
    "BuyingBehaviour",
    "CompetitivePosition",
    "Contact",
    "ContactLevel",
    "CustomerView",
    "DecisionRole",
    "Economics",
    "Focus",
    "InformationExchange",
    "Initiator",
    "IntegratedProcess",
    "Involvement",
    "KamRole",
    "KamTitle",
    "OfferTailoring",
    "OurView",
    "PlannedChange",
    "Planning",
    "PreviousAction",
    "PreviousPlan",
    "Questionnaire",
    "Relationship",
    "ReportsTo",
    "Resources",
    "RoleToUs",
    "SalesStyle",
    "Scores",
    "Seniority",
    "ServiceInvestment",
    "ServiceLevel",
    "Skill",
    "Stage",
    "Strength",
    "TargetMeasure",
    "Team",
    "TeamMember",
    "TeamModel",
    "TeamRole",
]
