"""Every reminder rule, here and nowhere else: what is due, when to remind, and whom (issue 6's table).

Each rule is a function of a `Context` (the day in Paris) returning one `Due` per open deadline,
with the reminder days that fell due and the recipients by role. They read the other domains
through those domains' own functions: the report quarters of `portfolio.funding.reports`, the
consumption of `portfolio.funding.consumption`, the next-committee dates of
`portfolio.governance.schedule`, the phase rule of `portfolio.startups.phases`. RULES lists them
with their French labels.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import select

from portfolio.extensions import db
from portfolio.funding.models import FundingLine
from portfolio.funding import consumption, reports
from portfolio.governance.doctrine import PACK_LEAD_DAYS, pack_due_on
from portfolio.governance.dossier import preparation_status
from portfolio.governance.models import Decision, FollowUpAction, Meeting, Review
from portfolio.governance.schedule import portfolio_schedule
from portfolio.reminders.audience import AUDIENCES, About, Recipients, audience_of
from portfolio.reminders.calendar import monthly, paris_day, weekly
from portfolio.reminders.due import Context, Due, link
from portfolio.reminders.sources import (
    consumed,
    convention_link,
    filed_reports,
    last_chairs,
    live_conventions,
    loaded_whole,
    meeting_link,
    meetings_ahead,
    startup_ids_of,
    startup_link,
    startup_states,
    unconsumed,
)
from portfolio.startups.models import Startup
from portfolio.startups.phases import label
from portfolio.timeutil import paris_day_start

#: A review's preparation shows in its intrapreneurs' "À faire" this many days before the meeting.
PREPARATION_LEAD_DAYS = 30
#: An investment committee held or planned this long before a convention's end answers its Article 4.
COMMITTEE_LOOKBACK = timedelta(days=183)


def recipients(ctx: Context, rule: str, about: About = About()) -> Recipients:
    return audience_of(ctx.audience, rule, about)


def quarterly_report(ctx: Context) -> list[Due]:
    """Article 3: each quarter's consumption report, 7 days before its due date, on the day, then weekly while late."""
    dues = []
    every_filed = filed_reports(ctx)
    for convention in live_conventions(ctx):
        filed = every_filed.get(convention.id, {})
        for quarter in reports.convention_quarters(convention, ctx.today):
            if reports.report_status(convention, quarter, ctx.today, filed.get(quarter.start)) == "filed":
                continue
            due_on = reports.due_date(convention, quarter)
            first = due_on - timedelta(days=7)
            if ctx.today < first:
                continue
            dues.append(Due(
                rule="quarterly_report",
                subject=f"convention:{convention.id}:report:{quarter.key}",
                title=f"Compte rendu de consommation du {quarter.label} — convention {convention.reference}",
                due_on=due_on,
                visible_from=first,
                url=convention_link(convention.id),
                recipients=recipients(ctx, "quarterly_report"),
                occurrences=ctx.within([first, due_on, *weekly(due_on + timedelta(days=7), ctx.since, ctx.today)]),
            ))
    return dues


def committee_before_end(ctx: Context) -> list[Due]:
    """Article 4: an investment committee before the convention ends: 60, 30 and 7 days before,
    while none reviewing its startups is held or planned in the months before the end."""
    candidates = loaded_whole([
        convention for convention in live_conventions(ctx)
        if convention.ends_on and convention.ends_on - timedelta(days=60) <= ctx.today <= convention.ends_on
    ])
    if not candidates:
        return []
    earliest = min(convention.ends_on for convention in candidates) - COMMITTEE_LOOKBACK
    committees: dict[int, list[date]] = {}
    for startup_id, starts_at in db.session.execute(
        select(Review.startup_id, Meeting.starts_at)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .where(Meeting.kind == "investment_committee", Meeting.status != "cancelled")
        .where(Meeting.starts_at >= paris_day_start(earliest))
    ):
        committees.setdefault(startup_id, []).append(paris_day(starts_at))
    dues = []
    for convention in candidates:
        end = convention.ends_on
        startup_ids = startup_ids_of(convention)
        planned = any(
            end - COMMITTEE_LOOKBACK <= day <= end
            for startup_id in startup_ids
            for day in committees.get(startup_id, [])
        )
        if planned:
            continue
        dues.append(Due(
            rule="committee_before_end",
            subject=f"convention:{convention.id}:committee:{end.isoformat()}",
            title=f"Comité d’investissement à tenir avant la fin de la convention {convention.reference}",
            due_on=end,
            visible_from=end - timedelta(days=60),
            url=convention_link(convention.id),
            recipients=recipients(ctx, "committee_before_end", About(startup_ids=tuple(startup_ids))),
            occurrences=ctx.within(end - timedelta(days=days) for days in (60, 30, 7)),
        ))
    return dues


def next_committee(ctx: Context) -> list[Due]:
    """The doctrine's next committee of each active startup: 45 and 15 days before, then weekly while
    overdue; to the chair of its last committee (every chair when none is known), its coaches
    and its intrapreneurs."""
    chairs = last_chairs(ctx)
    dues = []
    for row in portfolio_schedule(ctx.today):
        if row.next_committee is None or row.scheduled_on is not None:
            continue
        day = row.next_committee
        first = day - timedelta(days=45)
        if ctx.today < first:
            continue
        dues.append(Due(
            rule="next_committee",
            subject=f"startup:{row.startup_id}:committee:{day.isoformat()}",
            title=f"Prochain comité d’investissement de {row.name}",
            due_on=day,
            visible_from=first,
            url=link(("startups.detail", {"slug": row.slug})),
            recipients=recipients(
                ctx, "next_committee", About(startup_ids=(row.startup_id,), chair_id=chairs.get(row.startup_id))
            ),
            occurrences=ctx.within(
                [first, day - timedelta(days=15), *weekly(day + timedelta(days=7), ctx.since, ctx.today)]
            ),
        ))
    return dues


def committee_pack(ctx: Context) -> list[Due]:
    """The meeting's pack, sent to the participants 7 days before, reminded then while it is not sent."""
    dues = []
    for meeting in meetings_ahead(ctx, PACK_LEAD_DAYS):
        if meeting.pack_sent_at is not None:
            continue
        day = paris_day(meeting.starts_at)
        due_on = pack_due_on(day)
        dues.append(Due(
            rule="committee_pack",
            subject=f"meeting:{meeting.id}:pack:{day.isoformat()}",
            title=f"Dossier de « {meeting.title} » (le {day:%d/%m/%Y}) à envoyer aux participants",
            due_on=due_on,
            visible_from=due_on,
            url=link(
                ("governance.pack_send", {"meeting_id": meeting.id}),
                ("governance.meeting_detail", {"meeting_id": meeting.id}),
            ),
            recipients=recipients(ctx, "committee_pack", About(chair_id=meeting.chair_id)),
            occurrences=ctx.within([due_on]),
        ))
    return dues


def missing_preparation(ctx: Context) -> list[Due]:
    """Each review's preparation: shown from PREPARATION_LEAD_DAYS before the meeting (as soon as the
    intrapreneurs have something to prepare), reminded the day before while missing."""
    dues = []
    for meeting in meetings_ahead(ctx, PREPARATION_LEAD_DAYS):
        day = paris_day(meeting.starts_at)
        for review in meeting.reviews:
            if preparation_status(review) != "missing":
                continue
            due_on = day - timedelta(days=1)
            dues.append(Due(
                rule="missing_preparation",
                subject=f"review:{review.id}:preparation:{day.isoformat()}",
                title=f"Préparation de la revue de {review.startup.name} pour « {meeting.title} » (le {day:%d/%m/%Y})",
                due_on=due_on,
                visible_from=day - timedelta(days=PREPARATION_LEAD_DAYS),
                url=link(
                    ("governance.preparation", {"review_id": review.id}),
                    ("governance.meeting_detail", {"meeting_id": meeting.id}),
                    ("startups.detail", {"slug": review.startup.slug}),
                ),
                recipients=recipients(ctx, "missing_preparation", About(startup_ids=(review.startup_id,))),
                occurrences=ctx.within([due_on]),
            ))
    return dues


def follow_up(ctx: Context) -> list[Due]:
    """A decision's follow-up action: on its due date, then weekly while it is open."""
    actions = db.session.execute(
        select(
            FollowUpAction.id, FollowUpAction.text, FollowUpAction.due_on, FollowUpAction.owner_id,
            Meeting.id.label("meeting_id"), Meeting.chair_id, Meeting.starts_at, Startup.name, Startup.slug,
        )
        .join(Decision, Decision.id == FollowUpAction.decision_id)
        .join(Review, Review.id == Decision.review_id)
        .join(Meeting, Meeting.id == Review.meeting_id)
        .join(Startup, Startup.id == Review.startup_id)
        .where(FollowUpAction.status == "open")
        .order_by(FollowUpAction.due_on, FollowUpAction.id)
    )
    dues = []
    for action in actions:
        text = action.text if len(action.text) <= 120 else action.text[:119] + "…"
        dues.append(Due(
            rule="follow_up",
            subject=f"action:{action.id}",
            title=f"Action de suivi ({action.name}) : {text}",
            due_on=action.due_on,
            visible_from=min(paris_day(action.starts_at), action.due_on),
            url=meeting_link(action.meeting_id, action.slug),
            recipients=recipients(ctx, "follow_up", About(owner_id=action.owner_id, chair_id=action.chair_id)),
            occurrences=ctx.within([action.due_on, *weekly(action.due_on + timedelta(days=7), ctx.since, ctx.today)]),
        ))
    return dues


def phase_overdue(ctx: Context) -> list[Due]:
    """Time in the current phase above its norm (PHASE_NORMS_DAYS): once, on the day it crosses it
    (the status row's `beyond_norm_on`, which the portfolio's flag reads too)."""
    norms = current_app.config["PHASE_NORMS_DAYS"]
    dues = []
    for state in startup_states(ctx):
        status = state.status
        crossing = status.beyond_norm_on
        if crossing is None or ctx.today < crossing:
            continue
        phase, start = status.phase, status.phase_since
        dues.append(Due(
            rule="phase_overdue",
            subject=f"startup:{status.startup_id}:phase:{phase}:{start.isoformat()}",
            title=(
                f"{state.name} est en phase « {label(phase)} » depuis le {start:%d/%m/%Y}, "
                f"au-delà de la norme de {norms[phase]} jours"
            ),
            due_on=crossing,
            visible_from=crossing,
            url=link(("startups.phase_change", {"slug": state.slug}), ("startups.detail", {"slug": state.slug})),
            recipients=recipients(ctx, "phase_overdue", About(startup_ids=(status.startup_id,))),
            occurrences=ctx.within([crossing]),
        ))
    return dues


def stale_startup(ctx: Context) -> list[Due]:
    """An active startup without any update for STALE_AFTER_DAYS: the day it crosses them (the status
    row's `stale_on`, which the portfolio's flag reads too), then monthly."""
    dues = []
    for state in startup_states(ctx):
        status = state.status
        crossing = status.stale_on
        if crossing is None or ctx.today < crossing:
            continue
        since = paris_day(state.updated_at)
        dues.append(Due(
            rule="stale_startup",
            subject=f"startup:{status.startup_id}:stale:{since.isoformat()}",
            title=f"{state.name} : aucune mise à jour depuis le {since:%d/%m/%Y}",
            due_on=crossing,
            visible_from=crossing,
            url=startup_link(state.slug),
            recipients=recipients(ctx, "stale_startup", About(startup_ids=(status.startup_id,))),
            occurrences=ctx.within(monthly(crossing, ctx.since, ctx.today)),
        ))
    return dues


def budget_year_end(ctx: Context) -> list[Due]:
    """AE and CP are valid one calendar year: on 1 November and 1 December, the year's unconsumed credits."""
    year = ctx.today.year
    november, december = date(year, 11, 1), date(year, 12, 1)
    if ctx.today < november:
        return []
    with_lines_of_the_year = set(
        db.session.scalars(select(FundingLine.convention_id).where(FundingLine.fiscal_year == year).distinct())
    )
    kept = loaded_whole([convention for convention in live_conventions(ctx) if convention.id in with_lines_of_the_year])
    by_line = consumed(ctx, kept)
    dues = []
    for convention in kept:
        used = consumption.consumption(convention, ctx.today, by_line)
        left = unconsumed(item.envelope for item in used.lines if item.line.fiscal_year == year)
        if left is None:
            continue
        dues.append(Due(
            rule="budget_year_end",
            subject=f"convention:{convention.id}:year-end:{year}",
            title=(
                f"Convention {convention.reference} : {left} de {year} restent à consommer "
                "(derniers paiements vers le 30 novembre, dernières commandes vers le 15 décembre)"
            ),
            due_on=date(year, 12, 15),
            visible_from=november,
            url=convention_link(convention.id),
            recipients=recipients(ctx, "budget_year_end", About(startup_ids=tuple(
                sorted({item.line.startup_id for item in used.lines if item.line.fiscal_year == year and (
                    item.envelope.remaining_ae > 0 or item.envelope.remaining_cp > 0)})
            ))),
            occurrences=ctx.within([november, december]),
        ))
    return dues


def convention_end_credits(ctx: Context) -> list[Due]:
    """30 days before a convention ends, its unconsumed credits."""
    ending = [
        convention for convention in live_conventions(ctx)
        if convention.ends_on is not None and convention.ends_on - timedelta(days=30) <= ctx.today <= convention.ends_on
    ]
    kept = loaded_whole(ending)
    by_line = consumed(ctx, kept)
    dues = []
    for convention in kept:
        end = convention.ends_on
        if not convention.lines:
            continue
        left = unconsumed([consumption.consumption(convention, ctx.today, by_line).total])
        if left is None:
            continue
        dues.append(Due(
            rule="convention_end_credits",
            subject=f"convention:{convention.id}:end-credits:{end.isoformat()}",
            title=f"La convention {convention.reference} se termine le {end:%d/%m/%Y} : {left} non consommés",
            due_on=end,
            visible_from=end - timedelta(days=30),
            url=convention_link(convention.id),
            recipients=recipients(ctx, "convention_end_credits"),
            occurrences=ctx.within([end - timedelta(days=30)]),
        ))
    return dues


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    compute: Callable[[Context], list[Due]]
    #: A person may mark it done (otherwise it closes when the domain's data settle it).
    manual_done: bool = False
    #: The messages say "in N days / late by N days" relative to the due date.
    timed: bool = True

    @property
    def audience(self) -> str:
        """Who it goes to, in French, as the admin page and the README show it (from AUDIENCES)."""
        return AUDIENCES[self.key][0]


RULES: dict[str, Rule] = {rule.key: rule for rule in (
    Rule("quarterly_report", "Compte rendu trimestriel de consommation", quarterly_report),
    Rule("committee_before_end", "Comité d’investissement avant la fin de la convention", committee_before_end),
    Rule("next_committee", "Prochain comité d’une startup", next_committee),
    Rule("committee_pack", "Dossier de séance à envoyer (J-7)", committee_pack),
    Rule("missing_preparation", "Préparation de revue manquante (veille de séance)", missing_preparation),
    Rule("follow_up", "Action de suivi d’une décision", follow_up),
    Rule("phase_overdue", "Phase au-delà de la norme", phase_overdue, manual_done=True, timed=False),
    Rule("stale_startup", "Startup sans mise à jour", stale_startup, timed=False),
    Rule("budget_year_end", "Fin de gestion budgétaire (AE/CP de l’année)", budget_year_end,
         manual_done=True, timed=False),
    Rule("convention_end_credits", "Fin de convention avec crédits non consommés", convention_end_credits,
         manual_done=True),
)}


def evaluate(ctx: Context) -> list[Due]:
    """Every rule's dues on the context's day."""
    return [due for rule in RULES.values() for due in rule.compute(ctx)]
