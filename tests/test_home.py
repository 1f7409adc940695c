"""A home per person: each role sees the section of the roles it holds, with its figures and the
links to act — an intrapreneur their startups, their next committee and the preparation to do (and
nothing of another startup), a coach their incubators' startups to update, a chair their meetings,
packs and decisions, finance the reports due and alerts, an admin the last import and the deliveries."""
import re
from datetime import date, datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import count_statements, post_form
from governance_helpers import committee, held_committee, persona
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance.doctrine import pack_due_on
from portfolio.governance.models import Meeting
from portfolio.imports.betagouv import run_import
from portfolio.imports.source import raw_files_from_directory
from portfolio.reminders.models import Deadline, DeadlineRecipient, Notification
from portfolio.timeutil import today_in_paris, utcnow
from reminders_support import meeting, paris, startup

DEMO_COMMITTEE = "Comité d’investissement — Signaux Faibles et Place des Entreprises"


def home_of(client, login, email: str) -> str:
    login(persona(email), DEMO_PASSWORD)
    response = client.get("/")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def section(html: str, testid: str) -> str:
    match = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', html, re.S)
    assert match, f"no section {testid}"
    return re.sub(r"\s+", " ", match.group(0))


def sections(html: str) -> set[str]:
    return set(re.findall(r'<section[^>]*data-testid="(home-[a-z]+)"', html))


def deadline_for(user, title: str, due_on: date, rule: str, url: str = "/funding/conventions/1") -> Deadline:
    """A deadline due from the user (a subject no settling check reads: it stays open)."""
    deadline = Deadline(rule=rule, subject=f"test:{title}", title=title, due_on=due_on, url=url,
                        visible_from=due_on - timedelta(days=30))
    deadline.recipients.append(DeadlineRecipient(user_id=user.id, role="finance"))
    db.session.add(deadline)
    db.session.commit()
    return deadline


def test_each_persona_sees_the_sections_of_the_roles_it_holds(client, login, demo):
    expected = {
        "intrapreneur@demo.beta.gouv.fr": {"home-todo", "home-intrapreneur"},
        "coach@demo.beta.gouv.fr": {"home-todo", "home-coach"},
        "presidente@demo.beta.gouv.fr": {"home-todo", "home-chair"},
        "finance@demo.beta.gouv.fr": {"home-todo", "home-finance"},
        "admin@demo.beta.gouv.fr": {"home-todo", "home-admin"},
    }
    for email, wanted in expected.items():
        html = home_of(client, login, email)
        assert sections(html) == wanted, email
        # The name in the header leads to the person's account page.
        assert re.search(r'href="/compte"[^>]*data-testid="current-user">' + re.escape(persona(email).name), html)
        client.post("/logout", data={"csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)})


def test_the_intrapreneur_sees_their_startup_its_committee_and_the_preparation_to_do_and_nothing_of_another(client, login, demo):
    demo_meeting = db.session.scalar(select(Meeting).where(Meeting.title == DEMO_COMMITTEE))
    own = next(review for review in demo_meeting.reviews if review.startup.slug == "signaux-faibles")
    other = next(review for review in demo_meeting.reviews if review.startup.slug != "signaux-faibles")
    html = home_of(client, login, "intrapreneur@demo.beta.gouv.fr")
    mine = section(html, "home-intrapreneur")
    assert "<h2" in mine and "Ma startup" in mine
    assert 'href="/startups/signaux-faibles"' in mine and "Signaux Faibles" in mine
    assert "Phase : <strong>" in mine
    # The committee the demo scheduled three weeks ahead is its next one, and its review is to prepare.
    day = demo_meeting.starts_at
    assert f'href="/governance/meetings/{demo_meeting.id}">le ' in mine
    assert "Programmé le" in mine
    assert f'href="/governance/reviews/{own.id}/preparation"' in mine
    assert "Préparer la revue de Signaux Faibles" in mine and 'data-preparation="missing"' in mine
    assert "Reste à renseigner : toute la préparation." in mine
    # Nothing of the other startup reviewed by the same committee, anywhere on the page (but the
    # meeting's own title, which names it).
    assert f"/governance/reviews/{other.id}/" not in html
    assert other.startup.slug not in html
    assert other.startup.name not in html.replace(DEMO_COMMITTEE, "")
    assert f"le {day:%d/%m/%Y}" in mine or "à 14:00" in mine


def test_a_preparation_started_shows_what_it_still_lacks(client, login, demo):
    demo_meeting = db.session.scalar(select(Meeting).where(Meeting.title == DEMO_COMMITTEE))
    own = next(review for review in demo_meeting.reviews if review.startup.slug == "signaux-faibles")
    from reminders_support import prepare

    prepare(own)
    mine = section(home_of(client, login, "intrapreneur@demo.beta.gouv.fr"), "home-intrapreneur")
    assert 'data-preparation="incomplete"' in mine
    assert "Reste à renseigner : le budget demandé, la grille d’impact" in mine


def test_the_coach_sees_their_incubators_startups_to_update_counted_with_links_to_the_filtered_portfolio(client, login, demo):
    today = today_in_paris()
    startup("endormie", phase="construction", since=today - timedelta(days=30), updated_at=paris(2024, 1, 5))
    startup("sans-fin", phase="investigation", since=today - timedelta(days=400))
    late = startup("sans-comite", phase="acceleration", since=today - timedelta(days=60))
    meeting(paris(2024, 1, 10, 14), [late], status="held")
    # Another incubator's startup, stale and long in phase: not the dinum coach's.
    startup("ailleurs", phase="investigation", since=date(2020, 1, 1), updated_at=paris(2021, 1, 5), incubator_slug="autre")
    coach = section(home_of(client, login, "coach@demo.beta.gouv.fr"), "home-coach")
    assert "Le département Accompagnement de services numériques de la DINUM</h3>" in coach and 'data-incubator="dinum"' in coach
    cards = dict(re.findall(r'data-kind="([a-z_]+)"(.*?)</div> </div></div> </div>', coach))
    assert set(cards) == {"stale", "long_in_phase", "overdue"}
    assert 'href="/startups/?flag=stale&incubator=dinum"' in cards["stale"] or \
        'href="/startups/?incubator=dinum&flag=stale"' in cards["stale"]
    assert "Endormie" in cards["stale"] and "sans mise à jour depuis le 05/01/2024" in cards["stale"]
    assert "Ailleurs" not in coach
    assert "Sans-Fin" in cards["long_in_phase"] or "Sans Fin" in cards["long_in_phase"]
    assert "Sans Comite" in cards["overdue"] and "comité dû le" in cards["overdue"]
    assert re.search(r'href="/governance/next-committees\?(status=overdue&incubator=dinum|incubator=dinum&status=overdue)"', cards["overdue"])
    for kind, card in cards.items():
        count = int(re.search(r'data-testid="to-update-count">(\d+) ', card).group(1))
        assert count == card.count("<li>"), (kind, count)  # fewer than the first few named: all are
        assert count >= 1


def test_a_global_coach_sees_the_whole_portfolio(client, login, make_user, demo):
    startup("ailleurs", phase="investigation", since=date(2020, 1, 1), updated_at=paris(2021, 1, 5), incubator_slug="autre")
    login(make_user("coach"))
    coach = section(unescape(client.get("/").get_data(as_text=True)), "home-coach")
    assert "Tout le portefeuille" in coach and "Ailleurs" in coach
    assert 'href="/startups/?flag=stale"' in coach


def test_the_chair_sees_their_next_meetings_packs_to_send_and_decisions_to_record(client, login, demo, make_user):
    held = held_committee(title="Comité tenu ce matin")
    someone_else = make_user("committee_chair")
    meeting(paris(2030, 1, 10, 14), [], chair=someone_else, title="Comité présidé par une autre personne")
    chair = section(home_of(client, login, "presidente@demo.beta.gouv.fr"), "home-chair")
    demo_meeting = db.session.scalar(select(Meeting).where(Meeting.title == DEMO_COMMITTEE))
    assert "1 réunion à venir" in chair and DEMO_COMMITTEE in chair
    assert "une autre personne" not in chair
    assert "1 dossier à envoyer" in chair
    assert f'href="/governance/meetings/{demo_meeting.id}/send"' in chair
    from portfolio.timeutil import to_paris

    assert f"au plus tard le {pack_due_on(to_paris(demo_meeting.starts_at).date()):%d/%m/%Y}" in chair
    assert "2 décisions à enregistrer" in chair
    for review in held.reviews:
        assert f'href="/governance/reviews/{review.id}/decision"' in chair
        assert f"Enregistrer la décision sur {review.startup.name}" in chair


def test_a_recorded_decision_waits_for_its_validation_then_leaves_the_chairs_home(client, login, demo):
    held = held_committee(slugs=("signaux-faibles",), title="Comité tenu ce matin")
    review = held.reviews[0]
    from portfolio.governance.models import Decision

    review.decision = Decision(outcome="continue_6_months")
    db.session.commit()
    chair = section(home_of(client, login, "presidente@demo.beta.gouv.fr"), "home-chair")
    assert "1 décision à enregistrer" in chair and f'href="/governance/reviews/{review.id}/validate"' in chair
    review.decision.validated_at = utcnow()
    db.session.commit()
    chair = section(unescape(client.get("/").get_data(as_text=True)), "home-chair")
    assert "Aucune décision à enregistrer" in chair and "0 décision" not in chair


def test_finance_sees_the_reports_due_and_the_alerts_with_their_links(client, login, demo):
    finance = persona("finance@demo.beta.gouv.fr")
    today = today_in_paris()
    deadline_for(finance, "Compte rendu du T1 — convention A", today - timedelta(days=3), "quarterly_report")
    deadline_for(finance, "Compte rendu du T2 — convention B", today + timedelta(days=4), "quarterly_report",
                 url="/funding/conventions/2/reports")
    deadline_for(finance, "Crédits non consommés — convention C", today + timedelta(days=10), "convention_end_credits")
    other = persona("admin@demo.beta.gouv.fr")
    deadline_for(other, "Celle d’une autre personne", today, "quarterly_report")
    html = home_of(client, login, "finance@demo.beta.gouv.fr")
    money = section(html, "home-finance")
    assert "2 comptes rendus attendus" in money and "Dont 1 en retard." in money
    assert 'href="/funding/conventions/2/reports"' in money and "En retard" in money
    assert "1 échéance de convention" in money and "Crédits non consommés — convention C" in money
    assert "autre personne" not in html
    # The conventions' consistency warnings: each kind linked to the finance view filtered on it.
    from portfolio.funding.warnings import WARNING_KINDS

    assert 'href="/funding/warnings">Alertes sur les conventions</a>' in money
    for code, label in WARNING_KINDS.items():
        assert f'href="/funding/warnings?code={code}">{label}</a>' in money
    assert "3 échéances, dont 1 en retard." in section(html, "home-todo")


def small_registry(folder: Path) -> list:
    """A registry of one startup whose incubator is unknown (one anomaly)."""
    for name in ("startups", "incubators", "organisations"):
        (folder / name).mkdir(parents=True)
    (folder / "startups" / "nouvelle.md").write_text(
        "---\ntitle: Nouvelle\nmission: Essayer\nincubator: inconnu\n"
        "phases:\n  - name: investigation\n    start: 2024-01-01\n---\nUne description.\n", encoding="utf-8")
    return raw_files_from_directory(folder)


def test_the_admin_sees_the_last_import_and_the_deliveries_health(client, login, demo, tmp_path):
    admin = persona("admin@demo.beta.gouv.fr")
    html = home_of(client, login, "admin@demo.beta.gouv.fr")
    health = section(html, "home-admin")
    assert "Aucun import du registre n’a encore été enregistré." in health
    assert "Aucun rappel en échec" in health and "Dernier envoi : aucun pour l’instant" in health
    run_import(small_registry(tmp_path / "registre"), source="registre-test.zip", user=admin)
    deadline = deadline_for(admin, "Rappel qui échoue", today_in_paris(), "follow_up")
    due = utcnow() - timedelta(hours=1)
    db.session.add(Notification(
        deadline=deadline, rule=deadline.rule, subject=deadline.subject, recipient_id=admin.id, occurrence=today_in_paris(),
        text=deadline.title, channel="immediate", due_at=due, scheduled_for=due, attempts=2,
        last_error="SMTP 451: boîte pleine", next_attempt_at=utcnow() + timedelta(hours=1),
    ))
    db.session.commit()
    health = section(unescape(client.get("/").get_data(as_text=True)), "home-admin")
    assert "par Alex Martin" in health and "2 créations et 0 mise à jour" in health
    assert "Incubateur inconnu : 1" in health
    assert 'href="/admin/import#dernier-import"' in health
    assert "1 rappel en échec" in health and 'href="/admin/reminders?statut=failing"' in health
    assert "SMTP 451: boîte pleine" in health and "2 essais" in health
    # A delivery made: its moment, in Paris (read in the statement that counts the others).
    sent_at = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)
    db.session.add(Notification(
        deadline=deadline, rule=deadline.rule, subject=deadline.subject, recipient_id=admin.id,
        occurrence=today_in_paris() - timedelta(days=1), text=deadline.title, channel="immediate",
        due_at=sent_at, scheduled_for=sent_at, sent_at=sent_at, attempts=1,
    ))
    db.session.commit()
    health = section(unescape(client.get("/").get_data(as_text=True)), "home-admin")
    assert "Dernier envoi : 02/03/2026 à 09:30" in health and "1 rappel en échec" in health
    # The import page shows that import's report whole.
    page = unescape(client.get("/admin/import").get_data(as_text=True))
    assert 'id="dernier-import"' in page and "registre-test.zip" in page and "startups/<wbr>nouvelle.<wbr>md" in page


def test_a_dry_run_is_not_recorded_as_the_last_import(app, demo, tmp_path):
    from portfolio.imports.queries import last_run

    run_import(small_registry(tmp_path / "registre"), source="essai.zip", dry_run=True)
    assert last_run() is None


@pytest.mark.parametrize("email", [
    "intrapreneur@demo.beta.gouv.fr", "coach@demo.beta.gouv.fr", "presidente@demo.beta.gouv.fr",
    "finance@demo.beta.gouv.fr", "admin@demo.beta.gouv.fr",
])
def test_the_home_runs_as_many_statements_with_more_to_show(client, login, demo, email):
    """No statement per row: a second meeting, more startups to update, more deadlines and failures
    add rows to the page, not statements."""
    login(persona(email), DEMO_PASSWORD)
    client.get("/")
    before = count_statements(client, "/")
    today = today_in_paris()
    user = persona(email)
    for number in range(3):
        startup(f"en-retard-{number}", since=today - timedelta(days=900), updated_at=paris(2024, 1, 5))
        deadline_for(user, f"Échéance {number}", today - timedelta(days=number), "quarterly_report")
    committee(title="Un second comité")
    held_committee(title="Comité tenu ce matin")
    assert count_statements(client, "/") == before
