"""Governance that follows time, in Chromium, as the people concerned: the chair records a committee
that already took place and stops a startup there (the validated "Arrêt" ends it); the
intrapreneur's "À faire" shows the preparation due from them, gone as soon as it is completed."""

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from governance_helpers import chair, startup
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.reminders.generate import generate
from portfolio.timeutil import today_in_paris, utcnow

pytestmark = pytest.mark.browser

CHAIR = "presidente@demo.beta.gouv.fr"
INTRAPRENEUR = "intrapreneur@demo.beta.gouv.fr"


def test_the_chair_records_a_past_committee_and_a_validated_stop_ends_the_startup(page, demo):
    held_on = today_in_paris() - timedelta(days=10)
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto("/governance/meetings")
    page.get_by_role("link", name="Enregistrer un comité passé").click()
    expect(page.get_by_test_id("past-notice")).to_be_visible()
    page.get_by_label("Type de réunion").select_option(label="Comité d’investissement")
    page.get_by_label("Date", exact=True).fill((today_in_paris() + timedelta(days=5)).isoformat())
    page.get_by_label("Heure de début (heure de Paris)").fill("14:00")
    page.get_by_label("Lieu").fill("DGE, salle 2.14")
    page.get_by_role("button", name="Enregistrer le comité passé").click()
    expect(page.locator("#day-error")).to_contain_text("un comité passé se date avant maintenant")
    page.get_by_label("Date", exact=True).fill(held_on.isoformat())
    page.get_by_role("button", name="Enregistrer le comité passé").click()
    expect(page.get_by_test_id("past-marker")).to_have_text("Comité enregistré après coup")
    expect(page.get_by_test_id("record-opens")).to_have_count(0)

    page.get_by_role("link", name="Ajouter une startup").click()
    page.get_by_role("combobox", name=re.compile("^Startup")).fill("Place des Entreprises")
    page.get_by_role("button", name="Ajouter à l’ordre du jour").click()

    # "Arrêt" with a phase change is refused in French; alone, it ends the startup when validated.
    page.get_by_role("link", name="Enregistrer la décision concernant Place des Entreprises").click()
    page.get_by_label("Issue", exact=True).select_option(label="Arrêt")
    page.get_by_label("Changement de phase décidé").select_option(label="Accélération")
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text("Une décision d’arrêt ne s’accompagne d’aucun autre changement de phase")).to_be_visible()
    page.get_by_label("Changement de phase décidé").select_option(label="— Aucun changement de phase —")
    page.get_by_role("button", name="Enregistrer la décision").click()
    decision = page.locator("[data-testid='review-decision'][data-slug='conseillers-entreprises']")
    expect(decision).to_contain_text(f"Changement de phase : Arrêté à partir du {held_on:%d/%m/%Y}")
    decision.get_by_role("link", name="Valider la décision concernant Place des Entreprises").click()
    page.get_by_role("button", name="Valider la décision").click()
    expect(page.get_by_text("Décision validée : Place des Entreprises passe en phase « Arrêté »")).to_be_visible()

    page.goto("/startups/conseillers-entreprises")
    entry = page.get_by_test_id("timeline").locator("li[data-kind='phase']").first
    expect(entry).to_contain_text("Arrêté")
    expect(entry).to_contain_text("Décision « Arrêt »")


def test_the_intrapreneurs_todo_shows_their_preparation_until_it_is_completed(page, demo):
    day = today_in_paris() + timedelta(days=3)
    meeting = operations.schedule_meeting(
        "investment_committee", day, time(14, 0), chair(), location="DGE, salle 2.14"
    )
    operations.add_review(meeting, startup("signaux-faibles"))
    db.session.commit()
    generate(utcnow())  # the sweep writes the deadlines

    title = f"Préparation de la revue de Signaux Faibles pour « {meeting.title} »"
    browser_login(page, INTRAPRENEUR, DEMO_PASSWORD)
    page.goto("/a-faire")
    item = page.get_by_role("link", name=title)
    expect(item).to_be_visible()
    item.click()
    page.get_by_label("Ce qui a été fait depuis le dernier comité").fill("Listes livrées dans toutes les régions.")
    page.get_by_label("Objectifs des 6 prochains mois").fill("Ouvrir l’outil aux DREETS.")
    page.get_by_role("button", name="Enregistrer la préparation").click()
    expect(page.get_by_text("Préparation de la revue de Signaux Faibles enregistrée.")).to_be_visible()
    # No sweep in between: "À faire" is true at once.
    page.goto("/a-faire")
    expect(page.get_by_role("link", name=title)).to_have_count(0)
