"""The demo's governance: an upcoming investment committee for the two startups of the seed
convention (Article 4: chaired by the porteur's representative, with the DINUM's beta.gouv.fr
team and the délégant's representative), with the participants the doctrine expects.

It goes through the governance operations, so the demo meeting obeys the same rules as any
other. Idempotent: the meeting is found by its title first; a second load adds nothing.
"""

from datetime import time, timedelta

from sqlalchemy import select

from portfolio.accounts.operations import find_user_by_email
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.governance.models import Meeting
from portfolio.startups.operations import find_startup
from portfolio.timeutil import today_in_paris

TITLE = "Comité d’investissement — Signaux Faibles et Place des Entreprises"
CHAIR = "presidente@demo.beta.gouv.fr"
STARTUPS = ["signaux-faibles", "conseillers-entreprises"]
#: Three weeks ahead (time to prepare and send the pack a week before), at 14:00 in Paris.
LEAD_DAYS = 21
STARTS_AT = time(14, 0)
LOCATION = "DGE, 61 boulevard Vincent Auriol, 75013 Paris — salle 2.14"
VIDEO_LINK = "https://webconf.numerique.gouv.fr/comite-investissement-dge"
#: (account e-mail or None, name, e-mail, organisation, role)
PARTICIPANTS = [
    ("intrapreneur@demo.beta.gouv.fr", None, None, "DGE", "intrapreneur"),
    (None, "Référent·e DGE / DIUM", "sponsor.dge@demo.beta.gouv.fr", "Direction générale des entreprises", "sponsor"),
    ("coach@demo.beta.gouv.fr", None, None, "DINUM — incubateur beta.gouv.fr", "incubator_lead"),
    (
        None,
        "Chargé·e de portefeuille beta.gouv.fr",
        "portefeuille@demo.beta.gouv.fr",
        "Direction interministérielle du numérique",
        "portfolio_manager",
    ),
    (
        None,
        "Représentant·e SAFI2 / SG",
        "safi2.sg@demo.beta.gouv.fr",
        "Secrétariat général des ministères économiques et financiers",
        "delegant_representative",
    ),
]


def load_demo_governance(report) -> None:
    """Schedule the demo committee unless it exists (or its chair or startups are missing)."""
    if db.session.scalar(select(Meeting.id).where(Meeting.title == TITLE, Meeting.source == "local")) is not None:
        return
    chair = find_user_by_email(CHAIR)
    startups = [find_startup(slug) for slug in STARTUPS]
    if chair is None or any(startup is None for startup in startups):
        return
    day = _weekday_on_or_after(today_in_paris() + timedelta(days=LEAD_DAYS))
    meeting = operations.schedule_meeting(
        "investment_committee", day, STARTS_AT, chair, title=TITLE, location=LOCATION, video_link=VIDEO_LINK
    )
    for startup in startups:
        operations.add_review(meeting, startup)
    for account, name, email, organisation, role in PARTICIPANTS:
        user = find_user_by_email(account) if account else None
        if account and user is None:
            continue
        operations.add_participant(meeting, role, user=user, name=name, email=email, organisation=organisation)
    report.count("réunions")


def _weekday_on_or_after(day):
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day
