"""Each demo persona logs in with Debian's Chromium and sees their home page; the admin manages an account."""
import re

import pytest
from playwright.sync_api import expect

from conftest import browser_login
from portfolio.accounts.models import ROLE_LABELS
from portfolio.demo.data import DEMO_PASSWORD, PERSONAS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("email", "name", "role", "scope"), PERSONAS, ids=[role for _, _, role, _ in PERSONAS])
def test_persona_logs_in_and_sees_their_home_page(page, demo, email, name, role, scope):
    browser_login(page, email, DEMO_PASSWORD)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Bonjour {name}")
    expect(page.get_by_test_id("current-user")).to_have_text(name)
    expect(page.get_by_test_id("my-roles")).to_contain_text(ROLE_LABELS[role])
    navigation = page.get_by_role("navigation", name="Menu principal")
    if role == "admin":
        navigation.get_by_role("button", name="Administration").click()
        expect(navigation.get_by_role("link", name="Comptes")).to_be_visible()
    else:
        expect(navigation.get_by_role("button", name="Administration")).to_have_count(0)
        expect(navigation.get_by_role("link", name="Comptes")).to_have_count(0)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Connexion à Portfolio")).to_be_visible()


def test_wrong_password_shows_a_french_message(page, demo):
    page.goto("/login")
    page.get_by_label("Adresse électronique").fill("coach@demo.beta.gouv.fr")
    page.get_by_label("Mot de passe").fill("mauvais-mot-de-passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert").first).to_contain_text("Adresse électronique ou mot de passe incorrect.")


def test_admin_creates_an_account_then_deactivates_it(page, demo):
    browser_login(page, "admin@demo.beta.gouv.fr", DEMO_PASSWORD)
    navigation = page.get_by_role("navigation", name="Menu principal")
    navigation.get_by_role("button", name="Administration").click()
    navigation.get_by_role("link", name="Comptes").click()
    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Adresse électronique").fill("nouvelle.intrapreneure@beta.gouv.fr")
    page.get_by_label("Nom complet").fill("Nina Nouvelle")
    page.get_by_label("Mot de passe initial").fill("un-mot-de-passe")
    page.get_by_label("Rôle").select_option("intrapreneur")
    page.get_by_label("Périmètre").fill("conseillers-entreprises")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nina Nouvelle")
    expect(page.get_by_test_id("roles")).to_contain_text("Intrapreneur·e — Place des Entreprises")

    page.get_by_role("link", name="Désactiver le compte").click()
    expect(page.get_by_text("Cette personne ne pourra plus se connecter")).to_be_visible()
    page.get_by_role("button", name="Désactiver le compte").click()
    expect(page.get_by_text("est désactivé")).to_be_visible()
    expect(page.get_by_test_id("history")).to_contain_text("Désactivation")


def test_admin_sees_a_french_error_on_a_bad_account_form(page, demo):
    browser_login(page, "admin@demo.beta.gouv.fr", DEMO_PASSWORD)
    page.goto("/admin/users/new")
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_text("Rien n’a été enregistré.")).to_be_visible()
    expect(page.get_by_text("Saisissez une adresse électronique valide")).to_be_visible()
