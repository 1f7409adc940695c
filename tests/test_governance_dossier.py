"""The dossier of each review is assembled, never typed: milestones and indicator trends since the
startup's last committee, previous decisions and their follow-ups, funding across conventions with
the estimated run-out, the preparation; and the pack reads it in a constant number of statements."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from sqlalchemy import select

from conftest import count_statements, post_form
from governance_helpers import chair, committee, intrapreneur, startup
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.funding import consumption, reports
from portfolio.funding.models import Convention
from portfolio.governance import operations
from portfolio.governance.dossier import dossiers, load_meeting
from portfolio.governance.models import Decision, FollowUpAction, Meeting, Review
from portfolio.startups import operations as startup_operations
from portfolio.startups.models import Incubator
from portfolio.timeutil import PARIS, today_in_paris


def past_committee(slug: str, day: date, follow_ups=(), outcome="continue_6_months", amount=None) -> Meeting:
    """A committee held on `day` (written directly: scheduling refuses the past), with its decision."""
    meeting = Meeting(
        kind="investment_committee",
        title=f"Comité d’investissement du {day:%d/%m/%Y}",
        starts_at=datetime.combine(day, time(10, 0), tzinfo=PARIS),
        status="closed",
        source="local",
        chair=chair(),
    )
    review = Review(startup=startup(slug), position=0)
    review.decision = Decision(outcome=outcome, amount_granted=amount, follow_ups=list(follow_ups))
    meeting.reviews.append(review)
    db.session.add(meeting)
    db.session.commit()
    return meeting


def file_first_report(paid_cp: str = "42 000") -> None:
    """The demo convention's report for the second quarter of 2020: Signaux Faibles paid part of its CP."""
    convention = db.session.scalar(select(Convention).where(Convention.reference == "SGMEF-DINUM-FTM-2020"))
    line = next(line for line in convention.lines if line.startup.slug == "signaux-faibles")
    reports.file_report(
        convention,
        reports.Quarter(date(2020, 4, 1)),
        submitted_on=date(2020, 7, 10),
        entries={line.id: (Decimal("42000"), Decimal(paid_cp.replace(" ", "")))},
        today=today_in_paris(),
    )
    db.session.commit()


@pytest.fixture
def history(demo):
    """Signaux Faibles reviewed on 15 June 2019 (two follow-ups: one done, one still open), a
    consumption report filed, and the coming committee reviewing both demo startups."""
    past_committee(
        "signaux-faibles",
        date(2019, 6, 15),
        follow_ups=[
            FollowUpAction(
                text="Obtenir l’accord de la CNIL",
                due_on=date(2019, 9, 1),
                owner=intrapreneur(),
                status="done",
                done_on=date(2019, 8, 20),
            ),
            FollowUpAction(
                text="Mesurer l’usage en région", due_on=date(2019, 12, 1), owner_name="Équipe DGE", status="open"
            ),
        ],
        amount=Decimal("168000"),
    )
    file_first_report()
    return committee()


def dossier_of(meeting, slug):
    loaded = load_meeting(meeting.id, full=True)
    return next(d for d in dossiers(loaded, today_in_paris()) if d.startup.slug == slug)


def test_the_dossier_reads_what_happened_since_the_last_committee(history):
    dossier = dossier_of(history, "signaux-faibles")
    assert dossier.last_committee == date(2019, 6, 15)
    assert [milestone.title for milestone in dossier.milestones] == [
        "Convention de délégation de gestion FTM : 168 000 €",
        "Listes d’entreprises livrées dans chaque région métropolitaine",
        "Tests d’intrusion du CERT de la Banque de France",
    ], "newest first, none before the last committee"
    (trend,) = dossier.trends
    assert (trend.baseline.value, trend.baseline.date) == (Decimal("20000"), date(2019, 3, 31))
    assert [measurement.value for measurement in trend.since] == [Decimal("300000")]
    assert trend.change == Decimal("280000")
    assert dossier.current_span.phase == "acceleration" and "ans" in dossier.time_in_phase
    (past,) = dossier.past_reviews
    assert past.day == date(2019, 6, 15) and past.decision.amount_granted == Decimal("168000.00")
    assert [(action.text, action.status) for action in past.decision.follow_ups] == [
        ("Obtenir l’accord de la CNIL", "done"),
        ("Mesurer l’usage en région", "open"),
    ]
    assert [action.text for action in past.open_follow_ups] == ["Mesurer l’usage en région"]


def test_a_startup_never_reviewed_shows_all_its_milestones(history):
    dossier = dossier_of(history, "conseillers-entreprises")
    assert dossier.last_committee is None and dossier.past_reviews == []
    assert len(dossier.milestones) == len(startup("conseillers-entreprises").milestones)


def test_funding_gives_granted_vs_consumed_and_the_funding_modules_run_out(history):
    dossier = dossier_of(history, "signaux-faibles")
    funding = dossier.funding
    assert [part.convention.reference for part in funding.conventions] == ["SGMEF-DINUM-FTM-2020"]
    ((line, amounts),) = funding.conventions[0].lines
    assert (line.fiscal_year, amounts.ae, amounts.cp) == (2020, Decimal("168000.00"), Decimal("168000.00"))
    assert (funding.total.granted_cp, funding.total.paid_cp, funding.total.remaining_cp) == (
        Decimal("168000.00"),
        Decimal("42000.00"),
        Decimal("126000.00"),
    )
    # The dossier's run-out is the status row's, the funding domain's rule: the 2020 credits lapsed
    # at the end of 2020, so no run-out is estimated today (but one was in 2020).
    assert dossier.committee.run_out == consumption.estimated_run_out(startup("signaux-faibles"), today_in_paris())
    assert dossier.committee.run_out is None and dossier.committee.funding_state == "none"
    assert consumption.estimated_run_out(startup("signaux-faibles"), date(2020, 8, 1)) is not None
    assert dossier_of(history, "conseillers-entreprises").status.run_out_on is None


def test_a_meeting_not_yet_held_is_not_a_previous_committee(history):
    later = committee(slugs=["signaux-faibles"], days=90, title="Comité suivant")
    assert dossier_of(later, "signaux-faibles").last_committee == date(2019, 6, 15)


def test_the_pack_shows_each_dossier_and_hides_funding_from_another_startups_intrapreneur(history, client):
    review = next(r for r in history.reviews if r.startup.slug == "signaux-faibles")
    operations.save_preparation(review, intrapreneur(), done_since_last="Déploiement national", budget_asked="200 000")
    db.session.commit()
    post_form(
        client, "/login", {"email": "intrapreneur@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login"
    )
    page = client.get(f"/governance/meetings/{history.id}/pack").get_data(as_text=True)
    signaux, place = page.split('data-slug="signaux-faibles"')[1].split('data-slug="conseillers-entreprises"')
    assert "Dernier comité d’investissement : le 15/06/2019 (Budget pour 6 mois de plus)." in signaux
    assert "Jamais passée en comité." in place
    assert "Mesurer l’usage en région" in signaux and "Ouverte" in signaux
    assert "Déploiement national" in signaux and "200\u202f000" in signaux
    assert "Épuisement estimé des crédits" in signaux
    assert "Le détail du financement est réservé" in place and "452\u202f900" not in place
    assert 'data-testid="consumption-chart"' in signaux and 'data-testid="consumption-chart"' not in place
    assert "Préparation manquante" in place


# --- SQL statements: constant in the number of reviews and milestones ------------------------


def grow(meeting: Meeting, extra: int) -> None:
    """`extra` more startups on the agenda, each with milestones, an indicator, a team, a funding
    line, a preparation and a previous committee with follow-ups: the same kinds of rows, more of them."""
    from portfolio.funding import operations as funding_operations

    dinum = db.session.scalar(select(Incubator).where(Incubator.slug == "dinum"))
    convention = db.session.scalar(select(Convention).where(Convention.reference == "SGMEF-DINUM-FTM-2020"))
    for number in range(extra):
        new = startup_operations.create_startup(f"Startup {number}", dinum, slug=f"startup-{number}")
        startup_operations.change_phase(new, to="construction", on=date(2021, 1, 1), reason="Création")
        startup_operations.add_team_member(new, f"Personne {number}", "intrapreneure", start=date(2021, 1, 1))
        indicator = startup_operations.add_indicator(new, "usagers")
        for month in range(1, 7):
            startup_operations.log_milestone(
                new, date(2022, month, 1), "other", f"Fait {month}", measurements=[(indicator, month * 100)]
            )
        funding_operations.add_line(convention, startup=new, fiscal_year=2021, ae="1 000", cp="1 000")
        db.session.commit()
        past_committee(
            new.slug,
            date(2021, 6, 1),
            follow_ups=[FollowUpAction(text="Suivi", due_on=date(2021, 9, 1), owner=intrapreneur())],
        )
        review = operations.add_review(meeting, new)
        operations.save_preparation(review, intrapreneur(), objectives="Grandir")
    db.session.commit()


def test_the_pack_reads_in_a_constant_number_of_statements(history, client):
    for review in history.reviews:
        operations.save_preparation(review, intrapreneur(), objectives="Continuer")
    db.session.commit()
    post_form(
        client, "/login", {"email": "presidente@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login"
    )
    meeting_id = history.id
    pack, detail = f"/governance/meetings/{meeting_id}/pack", f"/governance/meetings/{meeting_id}"
    # The first request of the day also asks whether the status rows are of today: not counted.
    client.get("/startups/")
    small = count_statements(client, pack), count_statements(client, detail)
    grow(load_meeting(meeting_id), 4)
    assert len(load_meeting(meeting_id).reviews) == 6
    large = count_statements(client, pack), count_statements(client, detail)
    assert small == large, f"(pack, meeting page): {small} statements for 2 reviews, {large} for 6"


def test_a_kept_dossier_shows_at_once_a_new_preparation_and_each_reader_their_funding(history, client):
    """Each dossier is kept under its startup's revision and whether the reader reads its funding: a
    preparation saved shows on the next request, and an intrapreneur never gets the chair's funding."""
    pack = f"/governance/meetings/{history.id}/pack"
    post_form(client, "/login", {"email": "presidente@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login")
    first = client.get(pack).get_data(as_text=True)
    assert "Déploiement dans les DREETS" not in first and first.count('data-testid="dossier-funding"') == 2
    review = next(review for review in load_meeting(history.id).reviews if review.startup.slug == "signaux-faibles")
    operations.save_preparation(review, intrapreneur(), done_since_last="Déploiement dans les DREETS")
    db.session.commit()
    assert "Déploiement dans les DREETS" in client.get(pack).get_data(as_text=True)
    post_form(client, "/logout", token_from="/")
    post_form(client, "/login", {"email": "intrapreneur@demo.beta.gouv.fr", "password": DEMO_PASSWORD}, token_from="/login")
    signaux, place = client.get(pack).get_data(as_text=True).split('data-slug="conseillers-entreprises"')
    assert "Déploiement dans les DREETS" in signaux and 'data-testid="dossier-funding"' in signaux
    assert 'data-testid="dossier-funding"' not in place and "Le détail du financement est réservé" in place
