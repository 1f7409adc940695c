"""Query budgets (issue "Scale"): every list and detail page, and the committee dossier, runs as
many SQL statements over the synthetic portfolio at scale 1 as at scale 3 — no statement per row.

Each page is measured on the largest object of its kind at each size (the startup with the most
milestones, the convention with the most lines, the meeting with the most reviews…), logged in as
an admin, who sees everything."""
from datetime import timedelta

from sqlalchemy import func, select

from conftest import count_statements
from portfolio.accounts.models import RoleGrant, User
from portfolio.demo.generate import generate
from portfolio.extensions import db
from portfolio.funding.models import ConsumptionReport, Convention, FundingLine
from portfolio.governance.models import Decision, Meeting, Review
from portfolio.reminders.sweep import run_sweep
from portfolio.startups.models import ImpactCertification, Milestone, Startup
from portfolio.timeutil import utcnow

SWEPT_AT = utcnow()

LISTS = [
    "/",
    "/a-faire",
    "/notifications",
    "/startups/",
    "/startups/?phase=construction&sort=-phase_since",
    "/startups/?on=2022-06-30&sort=phase",
    "/startups/?flag=stale&sort=-updated",
    "/startups/?impact=certified",
    "/startups/export.csv",
    "/funding/",
    "/funding/warnings",
    "/funding/conventions.csv",
    "/funding/lines.csv",
    "/governance/meetings",
    # Every filter at once, the startup typed by its slug (the first generated one, at both sizes).
    "/governance/meetings?since=2000-01-01&until=2100-12-31&kind=investment_committee&status=scheduled"
    "&startup=synth1-000001",
    "/governance/next-committees",
    "/governance/next-committees.csv",
    "/admin/users",
    "/admin/audit",
    "/admin/reminders",
    "/admin/reminders?statut=sent",
    "/admin/outbox",
    # The header's search ("synth" is in every generated startup's slug, meeting and convention)
    # and the pickers' suggestions.
    "/search?q=synth",
    "/search?q=synth&kind=startups",
    "/search?q=synth&kind=meetings",
    "/search?q=synth&kind=conventions",
    "/startups/suggestions?q=synth",
    "/organisations/suggestions?q=synth",
]


def _largest(statement):
    return db.session.execute(statement.limit(1)).first()


def detail_pages() -> list[str]:
    """The detail pages of the largest object of each kind in the database now."""
    slug = _largest(
        select(Startup.slug).join(Milestone).group_by(Startup.slug).order_by(func.count(Milestone.id).desc(), Startup.slug)
    ).slug
    # The startup with the longest history of impact levels (the generator gives a third of them some).
    certified = _largest(
        select(Startup.slug).join(ImpactCertification).group_by(Startup.slug)
        .order_by(func.count(ImpactCertification.id).desc(), Startup.slug)
    ).slug
    convention = _largest(
        select(Convention.id).join(FundingLine).group_by(Convention.id)
        .order_by(func.count(FundingLine.id).desc(), Convention.id)
    ).id
    report = _largest(
        select(ConsumptionReport.quarter_start).where(ConsumptionReport.convention_id == convention)
        .order_by(ConsumptionReport.quarter_start)
    )
    meeting = _largest(
        select(Meeting.id).join(Review).group_by(Meeting.id).order_by(func.count(Review.id).desc(), Meeting.id)
    ).id
    review = _largest(select(Review.id).join(Decision).order_by(Review.id)).id
    user = _largest(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).group_by(User.id)
        .order_by(func.count(RoleGrant.id).desc(), User.id)
    ).id
    pages = [
        f"/startups/{slug}",
        f"/startups/{slug}/edit",
        f"/startups/{certified}/impact",
        f"/api/startups/{slug}",
        f"/funding/conventions/{convention}",
        f"/funding/conventions/{convention}/edit",
        f"/funding/conventions/{convention}/reports",
        f"/governance/meetings/{meeting}",
        f"/governance/meetings/{meeting}/pack",
        f"/governance/meetings/{meeting}/edit",
        f"/governance/reviews/{review}/decision",
        f"/admin/users/{user}",
    ]
    if report is not None:
        quarter = report.quarter_start
        pages.append(f"/funding/conventions/{convention}/reports/{quarter.year}-T{(quarter.month - 1) // 3 + 1}")
    return pages


def budgets(client) -> dict[str, int]:
    pages = LISTS + detail_pages()
    client.get("/")  # the first request of the session loads what later ones reuse (the CSRF token)
    return {page.split("/")[1] + " " + _shape(page): count_statements(client, page) for page in pages}


def _shape(page: str) -> str:
    """The page without its ids, so that the two sizes' pages compare by kind."""
    return "/".join("<id>" if part.isdigit() or part.startswith("synth") else part for part in page.split("/"))


def every_role(make_user) -> str:
    """An account holding every role (a global and a scoped coach, an intrapreneur): its home shows
    every section. Made before the portfolio, so that it is the account with the most roles at
    both sizes (the user page measured) and its events are not the audit log's latest."""
    from portfolio.accounts import operations
    from reminders_support import startup

    user = make_user("admin")
    own = startup("toutes-casquettes", incubator_slug="incubateur-des-casquettes")
    for role, scope in (("coach", None), ("coach", own.incubator.slug), ("intrapreneur", own.slug),
                        ("committee_chair", None), ("finance", None)):
        operations.grant_role(user, role, scope)
    db.session.commit()
    return user.email


def home_budget(app, email: str) -> int:
    """The statements of the home of the account, from a client of its own."""
    from conftest import PASSWORD, csrf_token

    other = app.test_client()
    other.post("/login", data={"csrf_token": csrf_token(other, "/login"), "email": email, "password": PASSWORD})
    other.get("/")
    return count_statements(other, "/")


def test_every_page_runs_as_many_statements_at_scale_3_as_at_scale_1(app, client, make_user, login):
    login(make_user("admin"))
    everyone = every_role(make_user)
    generate(1, seed=1)
    db.session.commit()
    run_sweep(SWEPT_AT)  # the reminders' pages list deadlines and notifications too
    at_scale_1 = {**budgets(client), "home of every role": home_budget(app, everyone)}
    generate(2, seed=2)  # with the first: three times the registry
    db.session.commit()
    run_sweep(SWEPT_AT + timedelta(minutes=5))
    assert db.session.scalar(select(func.count()).select_from(Startup)) == 3 * 662 + 1  # and every_role's own
    at_scale_3 = {**budgets(client), "home of every role": home_budget(app, everyone)}
    assert len(at_scale_1) >= len(LISTS) + 12
    different = {page: (small, at_scale_3.get(page)) for page, small in at_scale_1.items() if small != at_scale_3.get(page)}
    assert not different, f"statements at scale 1 → 3: {different}"
