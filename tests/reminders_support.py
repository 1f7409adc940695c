"""Builders for the reminders' tests: startups, conventions, meetings and actions made directly from
the models, instants in Paris time, and the days on which a rule reminds over a period."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from portfolio.extensions import db
from portfolio.funding.models import ConsumptionEntry, ConsumptionReport, Convention, FundingLine, LineAmount
from portfolio.governance.models import Decision, FollowUpAction, Meeting, Preparation, Review
from portfolio.reminders.due import Context
from portfolio.reminders.rules import RULES
from portfolio.startups.models import Incubator, PhaseSpan, Startup
from portfolio.timeutil import PARIS


def paris(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """That wall-clock time in Paris, as a UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(timezone.utc)


def incubator(slug: str = "dinum") -> Incubator:
    found = db.session.query(Incubator).filter_by(slug=slug).one_or_none()
    if found is None:
        found = Incubator(slug=slug, name=f"Incubateur {slug}")
        db.session.add(found)
        db.session.flush()
    return found


def startup(slug: str, phase: str = "construction", since: date = date(2023, 1, 1), updated_at: datetime | None = None,
            incubator_slug: str = "dinum") -> Startup:
    item = Startup(slug=slug, name=slug.replace("-", " ").title(), incubator=incubator(incubator_slug))
    if updated_at is not None:
        item.updated_at = updated_at
    item.phase_spans.append(PhaseSpan(phase=phase, start=since))
    db.session.add(item)
    db.session.commit()
    return item


def convention(reference: str = "CONV-TEST", status: str = "published", effective_on: date | None = date(2024, 2, 10),
               ends_on: date | None = None, until_paid: bool = False, report_due_days: int = 15) -> Convention:
    item = Convention(reference=reference, title=f"Convention {reference}", kind="delegation_gestion", status=status,
                      signed_on=effective_on, effective_on=effective_on, ends_on=ends_on, until_paid=until_paid,
                      report_due_days=report_due_days)
    db.session.add(item)
    db.session.commit()
    return item


def funding_line(convention: Convention, funded: Startup, year: int, ae: str, cp: str) -> FundingLine:
    line = FundingLine(fiscal_year=year, label=f"{funded.name} {year}", startup=funded)
    since = convention.signed_on or date(year, 1, 1)
    line.amounts.append(LineAmount(effective_on=since, ae=Decimal(ae), cp=Decimal(cp)))
    convention.lines.append(line)
    db.session.commit()
    return line


def consumption_report(convention: Convention, quarter_start: date, submitted_on: date,
                       entries: dict[FundingLine, tuple[str, str]] | None = None) -> ConsumptionReport:
    report = ConsumptionReport(quarter_start=quarter_start, submitted_on=submitted_on)
    for line, (ae, cp) in (entries or {}).items():
        report.entries.append(ConsumptionEntry(line=line, ae_committed=Decimal(ae), cp_paid=Decimal(cp)))
    convention.reports.append(report)
    db.session.commit()
    return report


def meeting(starts_at: datetime, reviewed: list[Startup] = (), kind: str = "investment_committee", chair=None,
            status: str = "scheduled", title: str = "Comité d’investissement") -> Meeting:
    item = Meeting(kind=kind, title=title, starts_at=starts_at, chair_id=chair.id if chair else None, status=status)
    for position, reviewed_startup in enumerate(reviewed):
        item.reviews.append(Review(startup=reviewed_startup, position=position))
    db.session.add(item)
    db.session.commit()
    return item


def prepare(review: Review, done: str = "Lancement national", objectives: str = "Doubler l’usage") -> Preparation:
    review.preparation = Preparation(done_since_last=done, objectives=objectives, impact={})
    db.session.commit()
    return review.preparation


def follow_up_action(held: Meeting, owner, due_on: date, text: str = "Mesurer l’usage réel") -> FollowUpAction:
    review = held.reviews[0]
    if review.decision is None:
        review.decision = Decision(outcome="continue_6_months")
    action = FollowUpAction(text=text, owner_id=owner.id if owner else None, due_on=due_on)
    review.decision.follow_ups.append(action)
    db.session.commit()
    return action


def dues_on(rule: str, day: date, catch_up_days: int = 0, hour: int = 12):
    """The rule's dues at `hour` o'clock in Paris on `day`; with no catch-up, only that day's reminders."""
    return RULES[rule].compute(Context.at(paris(day.year, day.month, day.day, hour), catch_up_days))


def reminder_days(rule: str, first: date, last: date, subject_prefix: str | None = None) -> list[date]:
    """Each day in [first, last] on which the rule reminds (of a subject starting with the prefix)."""
    days, day = [], first
    while day <= last:
        for due in dues_on(rule, day):
            if (subject_prefix is None or due.subject.startswith(subject_prefix)) and day in due.occurrences:
                days.append(day)
                break
        day += timedelta(days=1)
    return days

