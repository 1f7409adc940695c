"""Issue 13's rules in Chromium, as the people concerned, on the demo data: finance is asked to
confirm a report beyond the granted amount (cancelling saves nothing, confirming saves it and the
convention's history says so); a convention whose obligations ended owes no more reports nor
reminders; each reminder reaches the people of its audience and nobody else; one startup's
situation reads the same on every page; a provisional budget sets the next committee at its end."""
import re
import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from conftest import browser_login
from governance_helpers import committee
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.demo.funding import file_demo_reports
from portfolio.extensions import db
from portfolio.funding.models import ConsumptionReport, Convention
from portfolio.governance.schedule import portfolio_schedule
from portfolio.reminders.audience import ROLE_NAMES
from portfolio.reminders.generate import generate
from portfolio.reminders.rules import RULES
from portfolio.timeutil import today_in_paris, utcnow

pytestmark = pytest.mark.browser

FINANCE = "finance@demo.beta.gouv.fr"
CHAIR = "presidente@demo.beta.gouv.fr"
COACH = "coach@demo.beta.gouv.fr"
INTRAPRENEUR = "intrapreneur@demo.beta.gouv.fr"
ADMIN = "admin@demo.beta.gouv.fr"


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(re.compile(r"/login"))


def _demo_convention() -> Convention:
    return db.session.scalar(select(Convention))


def _reports() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(ConsumptionReport.id)))


def _fill_report(page) -> None:
    page.get_by_label("Date de dépôt").fill("2020-07-10")
    page.get_by_label("AE engagées — Signaux Faibles 2020").fill("100 000")
    page.get_by_label("CP payés — Signaux Faibles 2020").fill("900 000")


def test_finance_confirms_a_report_beyond_the_granted_amount_and_the_history_says_so(page, demo):
    convention = _demo_convention()
    browser_login(page, FINANCE, DEMO_PASSWORD)
    page.goto(f"/funding/conventions/{convention.id}/reports/2020-T2")
    _fill_report(page)
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    question = page.get_by_test_id("confirmation")
    expect(question).to_contain_text("Ce compte rendu dépasse le montant accordé")
    expect(question).to_contain_text("900\u202f000")
    assert _reports() == 0

    # Cancelling saves nothing: the quarter is still to be filed.
    page.get_by_role("link", name="Annuler").click()
    schedule = page.get_by_test_id("report-schedule").locator("tr[data-quarter='2020-T2']")
    expect(schedule.get_by_test_id("report-status")).to_have_text("En retard")
    assert _reports() == 0

    # Asked again, finance confirms: the report is saved, the alerts and the history say so.
    schedule.get_by_role("link", name="Déposer").click()
    _fill_report(page)
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_test_id("confirmation")).to_be_visible()
    page.get_by_role("button", name="Confirmer et enregistrer le compte rendu").click()
    expect(page.get_by_text("Le compte rendu du 2e trimestre 2020 est enregistré.")).to_be_visible()
    expect(page.get_by_test_id("over-granted")).to_contain_text("Signaux Faibles")
    assert _reports() == 1

    page.goto(f"/funding/conventions/{convention.id}")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("dépassement du montant accordé confirmé")
    expect(history).to_contain_text("900\u202f000")
    page.goto("/funding/warnings")
    expect(page.get_by_role("main")).to_contain_text("AE engagées ou CP payés au-delà du montant accordé")


def test_a_convention_whose_obligations_ended_owes_no_more_reports_nor_reminders(page, demo):
    convention = _demo_convention()
    generate(utcnow())
    browser_login(page, FINANCE, DEMO_PASSWORD)

    # Open, "jusqu’au paiement", without a report: every quarter since 2020 is owed and reminded.
    page.goto("/a-faire")
    reports = page.get_by_test_id("todo").get_by_role("row").filter(has_text=f"convention {convention.reference}")
    expect(reports.filter(has_text="2e trimestre 2020")).to_have_count(1)
    expect(reports.filter(has_text=f"{today_in_paris().year - 1}")).not_to_have_count(0)

    # Its real life: the 2020 reports filed, then closed after its last payment (29/01/2021).
    file_demo_reports()
    db.session.commit()
    generate(utcnow())
    page.goto(f"/funding/conventions/{convention.id}/reports")
    schedule = page.get_by_test_id("report-schedule")
    expect(page.get_by_test_id("obligations-ended")).to_contain_text("le 29/01/2021")
    expect(schedule.locator("tr[data-quarter='2020-T4']").get_by_test_id("report-status")).to_have_text("Déposé")
    expect(schedule.locator("tr[data-quarter='2021-T1']").get_by_test_id("report-status")).to_have_text(
        "Non dû (convention clôturée)"
    )
    expect(schedule.get_by_text("En retard")).to_have_count(0)
    expect(schedule.locator(f"tr[data-quarter='{today_in_paris().year - 1}-T1']")).to_have_count(0)
    page.goto("/a-faire")
    expect(page.get_by_test_id("todo").get_by_role("row").filter(has_text=f"convention {convention.reference}")).to_have_count(0)


#: Each persona of the demo, their role's French name in "À faire", and the rules that may reach
#: them (AUDIENCES, the README's table): what a page may show and, among them, what it must.
PERSONAS = {
    FINANCE: ("finance", {"quarterly_report", "budget_year_end", "convention_end_credits"}, {"quarterly_report"}),
    CHAIR: ("chair", {"committee_before_end", "next_committee", "committee_pack", "follow_up"}, {"committee_pack"}),
    COACH: ("coach", {"committee_before_end", "next_committee", "phase_overdue", "stale_startup"}, set()),
    INTRAPRENEUR: (
        "intrapreneur", {"next_committee", "missing_preparation", "follow_up", "budget_year_end"},
        {"missing_preparation"},
    ),
}


def _todo_rows(page) -> list[tuple[str, str, str]]:
    """(title, rule label, role) of every row of "À faire", every page of it."""
    rows, url = [], "/a-faire"
    while url:
        page.goto(url)
        for row in page.get_by_test_id("todo").locator("tbody tr").all():
            cells = row.locator("td").all_inner_texts()
            if len(cells) == 5:
                rows.append((cells[1].strip(), cells[2].strip(), cells[3].strip()))
        following = page.locator("a.fr-pagination__link--next[href]")
        url = following.get_attribute("href") if following.count() else None
    return rows


def test_each_reminder_reaches_its_audience_and_nobody_else(page, demo):
    # A committee in 5 to 7 days reviewing Signaux Faibles and Place des Entreprises, unprepared:
    # its pack is due from the chair (J-7), Signaux Faibles' preparation from its intrapreneur,
    # Place des Entreprises' (which has none) from the admins; the demo convention's reports from
    # finance.
    meeting = committee(("signaux-faibles", "conseillers-entreprises"), days=5)
    generate(utcnow())
    labels = {key: rule.label for key, rule in RULES.items()}

    seen: dict[str, set[str]] = {}
    for email, (role, allowed, required) in PERSONAS.items():
        browser_login(page, email, DEMO_PASSWORD)
        rows = _todo_rows(page)
        shown = {key for key, label in labels.items() if any(rule == label for _, rule, _ in rows)}
        assert {rule for _, rule, _ in rows} <= set(labels.values()), email
        assert shown <= allowed, (email, shown - allowed)
        assert required <= shown, (email, required - shown)
        assert {who for _, _, who in rows} <= {ROLE_NAMES[role], ROLE_NAMES["owner"]}, email
        seen[email] = {title for title, _, _ in rows}
        log_out(page)

    pack = next(title for title in seen[CHAIR] if title.startswith(f"Dossier de « {meeting.title} »"))
    preparation = next(title for title in seen[INTRAPRENEUR] if title.startswith("Préparation de la revue de Signaux Faibles"))
    assert all(pack not in titles for email, titles in seen.items() if email != CHAIR)
    assert all(preparation not in titles for email, titles in seen.items() if email != INTRAPRENEUR)
    assert not any(title.startswith("Compte rendu de consommation") for title in seen[CHAIR] | seen[COACH] | seen[INTRAPRENEUR])
    assert not any("Place des Entreprises pour" in title for titles in seen.values() for title in titles)

    # The admins receive what nobody else would (Place des Entreprises' preparation), and only
    # that; their reminders page counts it and shows the audiences' table.
    browser_login(page, ADMIN, DEMO_PASSWORD)
    rows = _todo_rows(page)
    assert rows and {who for _, _, who in rows} == {ROLE_NAMES["admin"]}
    assert any(title.startswith("Préparation de la revue de Place des Entreprises") for title, _, _ in rows)
    page.goto("/admin/reminders")
    expect(page.get_by_test_id("unreceived-count")).to_contain_text(
        f"{len(rows)} échéance{'s' if len(rows) > 1 else ''} ouverte{'s' if len(rows) > 1 else ''} sans destinataire attitré"
    )
    audiences = page.get_by_test_id("audiences")
    for rule in RULES.values():
        expect(audiences.get_by_role("row").filter(has_text=rule.label)).to_contain_text(rule.audience)


def test_one_startups_situation_reads_the_same_on_every_page(page, demo):
    meeting = committee(("signaux-faibles",), days=20)
    row = next(row for row in portfolio_schedule() if row.slug == "signaux-faibles")
    assert row.funding_state == "none" and row.scheduled_on is not None
    scheduled = f"{row.scheduled_on:%d/%m/%Y}"
    last = "Jamais passée en comité" if row.last_committee is None else f"{row.last_committee:%d/%m/%Y}"
    browser_login(page, CHAIR, DEMO_PASSWORD)

    page.goto("/startups/")
    listed = page.locator("tr[data-slug='signaux-faibles']")
    expect(listed.locator("[data-status-badge]")).to_have_text(row.status_label)
    expect(listed).to_contain_text(row.phase_label)

    page.goto("/startups/signaux-faibles")
    box = page.get_by_test_id("next-committee")
    expect(box.locator("[data-status-badge]")).to_have_text(row.status_label)
    expect(box).to_contain_text(f"Comité programmé le {scheduled}")
    expect(box).to_contain_text(last)
    expect(box.get_by_test_id("funding-end")).to_have_text("Aucun financement suivi")
    expect(page.get_by_role("main")).to_contain_text(row.phase_label)

    page.goto("/governance/next-committees")
    listed = page.locator("tr[data-slug='signaux-faibles']")
    expect(listed.locator("[data-status-badge]")).to_have_text(row.status_label)
    expect(listed).to_contain_text(row.phase_label)
    expect(listed).to_contain_text(f"Comité programmé le {scheduled}")
    expect(listed).to_contain_text("Dernier comité : aucun" if row.last_committee is None else last)
    expect(listed.get_by_test_id("funding-end")).to_have_text("Aucun financement suivi")

    page.goto(f"/governance/meetings/{meeting.id}/pack")
    dossier = page.locator("[data-testid='dossier'][data-slug='signaux-faibles']")
    expect(dossier).to_contain_text(row.status_label)
    expect(dossier).to_contain_text(row.phase_label)
    expect(dossier).to_contain_text("Jamais passée en comité." if row.last_committee is None else f"le {last}")
    expect(dossier.get_by_test_id("dossier-run-out")).to_contain_text("aucun financement suivi")


def test_a_provisional_budget_sets_the_next_committee_due_at_its_end(page, demo):
    from governance_helpers import held_committee
    from portfolio.timeutil import add_months

    meeting = held_committee(("signaux-faibles",))
    due = add_months(today_in_paris(), 2)
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto(f"/governance/meetings/{meeting.id}")
    page.get_by_role("link", name="Enregistrer la décision concernant Signaux Faibles").click()
    page.get_by_label("Issue", exact=True).select_option(label="Budget provisoire de 1 à 2 mois, en attente de preuves")
    page.get_by_label("Durée du budget provisoire").select_option(label="2 mois")
    page.get_by_role("button", name="Enregistrer la décision").click()
    decision = page.locator("[data-testid='review-decision'][data-slug='signaux-faibles']")
    expect(decision).to_contain_text("Budget provisoire de 2 mois : prochain comité dû à son terme")
    decision.get_by_role("link", name="Valider la décision concernant Signaux Faibles").click()
    page.get_by_role("button", name="Valider la décision").click()
    expect(page.get_by_text("Décision validée")).to_be_visible()

    page.goto("/startups/signaux-faibles")
    box = page.get_by_test_id("next-committee")
    expect(box).to_contain_text(f"{today_in_paris():%d/%m/%Y}")
    expect(box).to_contain_text(f"{due:%d/%m/%Y}")
    page.goto("/governance/next-committees")
    expect(page.locator("tr[data-slug='signaux-faibles']")).to_contain_text(f"{due:%d/%m/%Y}")


def test_a_follow_up_is_due_after_its_meeting_and_a_filed_report_leaves_todo_at_once(page, demo):
    from governance_helpers import held_committee

    # The chair: a follow-up due on the meeting's day is refused in French, nothing saved.
    meeting = held_committee(("signaux-faibles",))
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto(f"/governance/meetings/{meeting.id}")
    page.get_by_role("link", name="Enregistrer la décision concernant Signaux Faibles").click()
    page.get_by_label("Issue", exact=True).select_option(label="Budget pour 6 mois de plus")
    page.locator("#follow_ups-0-text").fill("Mesurer l’usage dans chaque région")
    page.locator("#follow_ups-0-due_on").fill(today_in_paris().isoformat())
    page.get_by_role("button", name="Enregistrer la décision").click()
    expect(page.get_by_text(
        f"L’échéance de l’action de suivi « Mesurer l’usage dans chaque région » doit suivre la réunion du {today_in_paris():%d/%m/%Y}."
    )).to_be_visible()
    page.goto(f"/governance/meetings/{meeting.id}")
    expect(page.locator("[data-testid='review-decision'][data-slug='signaux-faibles']")).not_to_contain_text("Budget pour 6 mois")
    log_out(page)

    # Finance: the quarter's report is in "À faire" until it is filed, gone at once after (no sweep).
    convention = _demo_convention()
    generate(utcnow())
    browser_login(page, FINANCE, DEMO_PASSWORD)
    page.goto("/a-faire")
    title = f"Compte rendu de consommation du 2e trimestre 2020 — convention {convention.reference}"
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(rf"/funding/conventions/{convention.id}"))
    page.goto(f"/funding/conventions/{convention.id}/reports/2020-T2")
    page.get_by_label("Date de dépôt").fill("2020-07-10")
    page.get_by_label("CP payés — Signaux Faibles 2020").fill("50 000")
    page.get_by_role("button", name="Enregistrer le compte rendu").click()
    expect(page.get_by_text("Le compte rendu du 2e trimestre 2020 est enregistré.")).to_be_visible()
    page.goto("/a-faire")
    expect(page.get_by_role("link", name=title)).to_have_count(0)
    expect(page.get_by_role("link", name=title.replace("2e trimestre", "3e trimestre"))).to_have_count(1)


def test_the_intrapreneur_meets_the_value_rules_an_indicator_and_a_text_declare(page, demo):
    """An indicator that may not go negative refuses -5 in French and saves nothing; one declared
    as a balance takes -3; a title beyond its bound gets its French message, even from a client
    that ignores the field's maxlength."""
    from portfolio.startups.models import Indicator, Measurement, Milestone
    from portfolio.validation import too_long_message

    def measurements() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count(Measurement.id)))

    browser_login(page, INTRAPRENEUR, DEMO_PASSWORD)
    page.goto("/startups/signaux-faibles/indicators/new")
    page.get_by_label("Nom de l’indicateur").fill("Établissements suivis")
    page.get_by_role("button", name="Ajouter l’indicateur").click()
    page.wait_for_url(re.compile(r"/measurements/new"))
    before = measurements()
    page.get_by_label("Date de la mesure").fill("2026-11-02")
    page.get_by_label("Valeur").fill("-5")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    expect(page.locator("main")).to_contain_text("« Établissements suivis » ne prend pas de valeur négative")
    assert measurements() == before
    page.get_by_label("Valeur").fill("12")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    page.wait_for_url(re.compile(r"/startups/signaux-faibles(#.*)?$"))
    assert measurements() == before + 1

    page.goto("/startups/signaux-faibles/indicators/new")
    page.get_by_label("Nom de l’indicateur").fill("Solde d’établissements")
    page.get_by_label("Peut prendre des valeurs négatives").check(force=True)
    page.get_by_role("button", name="Ajouter l’indicateur").click()
    page.wait_for_url(re.compile(r"/measurements/new"))
    page.get_by_label("Date de la mesure").fill("2026-11-02")
    page.get_by_label("Valeur").fill("-3")
    page.get_by_role("button", name="Enregistrer la mesure").click()
    page.wait_for_url(re.compile(r"/startups/signaux-faibles(#.*)?$"))
    assert db.session.scalar(select(Indicator).where(Indicator.name == "Solde d’établissements")).measurements[0].value == -3

    milestones = db.session.scalar(select(func.count(Milestone.id)))
    page.goto("/startups/signaux-faibles/milestones/new")
    title = page.get_by_label("Titre")
    assert title.get_attribute("maxlength") == "300"
    title.evaluate("field => field.removeAttribute('maxlength')")
    title.fill("x" * 301)
    page.get_by_label("Date").first.fill("2026-11-02")
    page.get_by_label("Type").select_option(index=1)
    page.get_by_role("button", name=re.compile("Enregistrer")).click()
    expect(page.locator("main")).to_contain_text(too_long_message(300))
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Milestone.id))) == milestones
