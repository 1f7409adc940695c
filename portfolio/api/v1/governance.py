"""API v1: the meetings a person may read (the list page's rule) with their agenda, decisions and
follow-ups, and the next investment committee of every active startup (committee followers)."""
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portfolio.accounts.access import authorize, requires
from portfolio.api.v1 import schemas
from portfolio.api.v1.blueprint import bp, errors, known_slug
from portfolio.api.v1.pagination import of_list, of_pagination
from portfolio.core.public_urls import public_url
from portfolio.extensions import db
from portfolio.governance import schedule
from portfolio.governance.calendar import meeting_end
from portfolio.governance.models import DECISION_OUTCOMES, Decision, Meeting, Review
from portfolio.governance.queries import visible_meetings
from portfolio.startups.models import Incubator
from portfolio.timeutil import today_in_paris


def _ref(obj) -> dict:
    return {"slug": obj.slug, "name": obj.name}


def _meeting(meeting: Meeting) -> dict:
    return {
        "id": meeting.id,
        "kind": meeting.kind,
        "title": meeting.title,
        "starts_at": meeting.starts_at,
        "ends_at": meeting_end(meeting),
        "location": meeting.location,
        "video_link": meeting.video_link,
        "status": meeting.status,
        "chair": meeting.chair.name if meeting.chair else None,
        "sequence": meeting.sequence,
        "startups": [_ref(review.startup) for review in meeting.reviews],
        "url": public_url("api_v1.meeting", meeting_id=meeting.id),
    }


def _decision(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {
        "outcome": decision.outcome,
        "outcome_label": DECISION_OUTCOMES.get(decision.outcome, decision.outcome),
        "phase_change_to": decision.phase_change_to,
        "phase_change_on": decision.phase_change_on,
        "amount_granted": decision.amount_granted,
        "conditions": decision.conditions,
        "reserves": decision.reserves,
        "validated_at": decision.validated_at,
        "follow_ups": [
            {
                "text": action.text,
                "owner": action.owner.name if action.owner else action.owner_name,
                "due_on": action.due_on,
                "status": action.status,
            }
            for action in decision.follow_ups
        ],
    }


@bp.route("/meetings")
@requires("meeting.view")
@bp.doc(tags=["Gouvernance"], summary="Les réunions que le titulaire peut lire (comme la page Comités)")
@bp.arguments(schemas.MeetingListArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.page_of(schemas.MeetingSummarySchema, "MeetingPage"))
@errors(400, 401)
def meetings(page, per_page, kind=None, status=None):
    statement = visible_meetings(current_user)
    if kind:
        statement = statement.where(Meeting.kind == kind)
    if status:
        statement = statement.where(Meeting.status == status)
    pagination = db.paginate(statement, page=page, per_page=per_page, max_per_page=None, error_out=False)
    return of_pagination(pagination, [_meeting(meeting) for meeting in pagination.items])


@bp.route("/meetings/<int(max=2147483647):meeting_id>")
@requires("meeting.view")
@bp.doc(tags=["Gouvernance"], summary="Une réunion : ordre du jour, revues, décisions et actions de suivi")
@bp.response(200, schemas.MeetingDetailSchema)
@errors(401, 403, 404)
def meeting(meeting_id: int):
    found = db.first_or_404(
        db.select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            selectinload(Meeting.chair),
            selectinload(Meeting.participants),
            selectinload(Meeting.reviews).selectinload(Review.startup),
            selectinload(Meeting.reviews).selectinload(Review.decision).selectinload(Decision.follow_ups),
        )
    )
    authorize("meeting.view", found)
    return {
        **_meeting(found),
        "reviews": [
            {
                "position": position,
                "startup": _ref(review.startup),
                "presentation_minutes": review.presentation_minutes,
                "questions_minutes": review.questions_minutes,
                "deliberation_minutes": review.deliberation_minutes,
                "decision": _decision(review.decision),
            }
            for position, review in enumerate(found.reviews, start=1)
        ],
    }


def _next_committee(row: schedule.CommitteeSchedule) -> dict:
    return {
        "slug": row.slug,
        "name": row.name,
        "incubator": row.incubator,
        "phase": row.phase,
        "last_committee": row.last_committee,
        "run_out": row.run_out,
        "next_committee": row.next_committee,
        "days_until": row.days_until,
        "status": row.status,
        "scheduled_on": row.scheduled_on,
    }


@bp.route("/next-committees")
@requires("governance.next")
@bp.doc(tags=["Gouvernance"], summary="Le prochain comité d’investissement de chaque startup suivie, le plus urgent d’abord")
@bp.arguments(schemas.NextCommitteeArgs, location="query", as_kwargs=True)
@bp.response(200, schemas.page_of(schemas.NextCommitteeSchema, "NextCommitteePage"))
@errors(400, 401, 403, 404)
def next_committees(page, per_page, on=None, incubator=None, status=None):
    known_slug(Incubator, incubator, "incubator", "Incubateur")
    rows = schedule.portfolio_schedule(on or today_in_paris(), incubator=incubator)
    if status:
        rows = [row for row in rows if row.status == status]
    return of_list(rows, page, per_page, _next_committee)
