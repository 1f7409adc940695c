"""A committee in Chromium, on the demo data: the chair schedules it with two startups, the
intrapreneur fills Signaux Faibles' preparation, the chair opens the printable pack, sees the
decisions closed until the meeting's day, then on that day records a decision with a follow-up
and a phase change, validates it, and the startup's timeline shows it."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from governance_helpers import next_weekday
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.timeutil import today_in_paris

pytestmark = pytest.mark.browser

CHAIR = "presidente@demo.beta.gouv.fr"
INTRAPRENEUR = "intrapreneur@demo.beta.gouv.fr"


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/login"))


def _meeting_happens_today(meeting_url: str) -> None:
    from datetime import datetime, time

    from portfolio.extensions import db
    from portfolio.governance.models import Meeting
    from portfolio.timeutil import PARIS

    meeting = db.session.get(Meeting, int(meeting_url.rstrip("/").rsplit("/", 1)[1]))
    meeting.starts_at = datetime.combine(today_in_paris(), time(0, 0), tzinfo=PARIS)
    db.session.commit()


def test_a_committee_is_prepared_held_and_recorded_in_the_browser(page, demo):
    day = next_weekday(30)
    title = f"Comité d’investissement du {day:%d/%m/%Y}"
    phase_day = today_in_paris() + timedelta(days=45)

    # The chair schedules the committee and puts both startups on the agenda.
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Comités", exact=True).click()
    page.get_by_role("link", name="Programmer une réunion").click()
    page.get_by_label("Type de réunion").select_option(label="Comité d’investissement")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Heure de début (heure de Paris)").fill("14:00")
    page.get_by_label("Lieu").fill("DGE, salle 2.14")
    page.get_by_role("button", name="Programmer la réunion").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    for name in ("Signaux Faibles", "Place des Entreprises"):
        page.get_by_role("link", name="Ajouter une startup").click()
        page.get_by_role("combobox", name=re.compile("^Startup")).fill(name)
        page.get_by_role("button", name="Ajouter à l’ordre du jour").click()
    agenda = page.get_by_test_id("agenda")
    expect(agenda.locator("tr[data-slug='signaux-faibles']")).to_contain_text("14:00–14:50")
    expect(agenda.locator("tr[data-slug='conseillers-entreprises']")).to_contain_text("14:50–15:40")
    expect(page.get_by_test_id("missing-preparations")).to_contain_text("Signaux Faibles — manque toute la préparation")
    meeting_url = page.url.split("#")[0]
    log_out(page)

    # The intrapreneur prepares their own startup's review.
    browser_login(page, INTRAPRENEUR, DEMO_PASSWORD)
    page.goto(meeting_url)
    expect(page.get_by_role("link", name="Préparer la revue de Place des Entreprises")).to_have_count(0)
    page.get_by_role("link", name="Préparer la revue de Signaux Faibles").click()
    page.get_by_label("Ce qui a été fait depuis le dernier comité").fill("Listes livrées dans toutes les régions.")
    page.get_by_label("Objectifs des 6 prochains mois").fill("Ouvrir l’outil aux DREETS.")
    page.get_by_label("Budget demandé (euros)").fill("deux cents")
    page.get_by_role("button", name="Enregistrer la préparation").click()
    expect(page.get_by_text("« deux cents » n’est pas un montant valide").first).to_be_visible()
    page.get_by_label("Budget demandé (euros)").fill("200 000")
    page.get_by_label("Utilisé : niveau").select_option(label="Oui")
    page.get_by_label("Utilisé : commentaire").fill("300 000 établissements traités.")
    page.get_by_role("button", name="Enregistrer la préparation").click()
    expect(page.get_by_text("Préparation de la revue de Signaux Faibles enregistrée.")).to_be_visible()
    log_out(page)

    # The chair opens the printable pack.
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto(meeting_url)
    page.get_by_role("link", name="Dossier imprimable").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dossier — {title}")
    expect(page.locator("link[href$='governance/pack.css']")).to_have_count(1)
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    expect(page.get_by_test_id("dossier")).to_have_count(2)
    signaux = page.locator("[data-testid='dossier'][data-slug='signaux-faibles']")
    expect(signaux.get_by_test_id("dossier-preparation")).to_contain_text("Listes livrées dans toutes les régions.")
    expect(signaux.get_by_test_id("dossier-preparation")).to_contain_text("200\u202f000")
    expect(signaux.get_by_test_id("dossier-indicators")).to_contain_text("établissements traités")
    page.emulate_media(media="print")
    expect(page.locator("header.fr-header")).to_be_hidden()
    page.emulate_media(media="screen")

    # Before the meeting's day, its decisions are not open: the page says when they open.
    page.goto(meeting_url)
    expect(page.get_by_test_id("record-opens")).to_contain_text(f"Les décisions s’ouvriront le {day:%d/%m/%Y}")
    expect(page.get_by_role("link", name="Enregistrer la décision concernant Signaux Faibles")).to_have_count(0)
    expect(page.get_by_role("link", name="Clôturer la réunion")).to_have_count(0)

    # The day comes (the meeting is moved to today, midnight in Paris): the chair records the
    # decision, with a follow-up and a phase change, and validates it.
    _meeting_happens_today(meeting_url)
    page.goto(meeting_url)
    expect(page.get_by_test_id("record-opens")).to_have_count(0)
    page.get_by_role("link", name="Enregistrer la décision concernant Signaux Faibles").click()
    page.get_by_label("Issue", exact=True).select_option(label="Budget pour 6 mois de plus")
    page.get_by_label("Changement de phase décidé").select_option(label="En consolidation")
    page.get_by_label("À partir du").fill(phase_day.isoformat())
    page.get_by_label("Montant accordé (euros)").fill("168 000")
    page.locator("#follow_ups-0-text").fill("Mesurer l’usage dans chaque région")
    page.locator("#follow_ups-0-owner").select_option(label="Inès Moreau")
    page.locator("#follow_ups-0-due_on").fill("2031-03-01")
    page.get_by_role("button", name="Enregistrer la décision").click()
    decision = page.locator("[data-testid='review-decision'][data-slug='signaux-faibles']")
    expect(decision).to_contain_text("Budget pour 6 mois de plus")
    expect(decision.get_by_test_id("follow-ups")).to_contain_text("Mesurer l’usage dans chaque région")
    decision.get_by_role("link", name="Valider la décision concernant Signaux Faibles").click()
    page.get_by_role("button", name="Valider la décision").click()
    expect(page.get_by_text("Décision validée : Signaux Faibles passe en phase « En consolidation »")).to_be_visible()

    # The startup's timeline shows the decided phase change, with the decision as its reason.
    page.goto("/startups/signaux-faibles")
    timeline = page.get_by_test_id("timeline")
    entry = timeline.locator("li[data-kind='phase']").first
    expect(entry).to_contain_text("En consolidation")
    expect(entry).to_contain_text(f"Décision « Budget pour 6 mois de plus » — {title}.")
