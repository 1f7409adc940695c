"""The funding pages: finance records a convention, its parties and lines through the forms (French
errors, nothing saved), uploads the signed PDF that readers download; the list filters; the
as-of view; intrapreneurs see only their startup's lines; the CSV exports; and the convention
page reads the database in as many statements for 3 lines as for 30."""
import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import func, select

from conftest import count_statements, post_form
from portfolio.audit.models import AuditEvent
from portfolio.demo.funding import REFERENCE
from portfolio.extensions import db
from portfolio.funding import operations
from portfolio.funding.models import Convention, FundingLine, LineAmount
from portfolio.startups.models import Incubator, Organisation, Startup

D = Decimal
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def by_slug(model, slug):
    return db.session.scalar(select(model).where(model.slug == slug))


def seed() -> Convention:
    return db.session.scalar(select(Convention).where(Convention.reference == REFERENCE))


def text_of(response) -> str:
    return response.get_data(as_text=True).replace("\u202f", " ").replace("\u00a0", " ")


@pytest.fixture
def finance(make_user, login):
    user = make_user("finance")
    login(user)
    return user


# --- Recording a convention -----------------------------------------------------------------


def test_finance_records_a_convention_with_a_party_and_a_line(app, demo, client, finance):
    response = post_form(client, "/funding/conventions/new", {
        "reference": "DINUM-DGE-2024", "title": "Partenariat 2024", "kind": "partenariat", "uo": "0218-CESG-CMOD",
        "signed_on": "2024-02-01", "report_due_days": "15", "declared_total_ae": "100 000", "declared_total_cp": "",
    })
    assert response.status_code == 302
    convention = db.session.scalar(select(Convention).where(Convention.reference == "DINUM-DGE-2024"))
    assert convention.status == "draft" and convention.declared_total_ae == D("100000")
    base = f"/funding/conventions/{convention.id}"
    response = post_form(client, f"{base}/parties/new", {
        "role": "porteur", "organisation": "DGE", "address": "67 rue Barbès",
        "representative_name": "M. Thomas Courbes", "signatory_name": "Raphaël KELLER",
    })
    assert response.status_code == 302
    response = post_form(client, f"{base}/lines/new", {
        "startup": "Signaux Faibles", "fiscal_year": "2024", "ae": "100 000", "cp": "80 000,50", "uo": "0218-CE5G-CAOD",
    })
    assert response.status_code == 302
    page = text_of(client.get(base))
    assert "Raphaël KELLER" in page and "100 000 €" in page and "80 000,50 €" in page
    assert 'data-code="cp_differs_from_ae"' in page and 'data-code="uo_differs"' in page
    line = db.session.scalar(select(FundingLine).where(FundingLine.convention_id == convention.id))
    [created] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "funding_line", AuditEvent.object_id == str(line.id))
    )
    assert (created.action, created.actor_id) == ("create", finance.id)


@pytest.mark.parametrize("amount", ["12,345", "-5", "douze", "1 2 3,4,5"])
def test_a_bad_amount_is_refused_in_french_and_nothing_is_saved(app, demo, client, finance, amount):
    convention = seed()
    lines = db.session.scalar(select(func.count(FundingLine.id)))
    response = post_form(client, f"/funding/conventions/{convention.id}/lines/new", {
        "startup": "signaux-faibles", "fiscal_year": "2021", "ae": amount, "cp": "10",
    })
    assert response.status_code == 422
    page = text_of(response)
    assert "n’est pas un montant valide" in page or "négatif" in page
    assert "Rien n’a été enregistré" in page
    assert db.session.scalar(select(func.count(FundingLine.id))) == lines


def test_the_edit_form_shows_the_convention_and_saves_it(app, demo, client, finance):
    convention = seed()
    url = f"/funding/conventions/{convention.id}/edit"
    form = text_of(client.get(url))
    assert 'value="620 900"' in form and 'value="0218-CESG-CMOD"' in form
    response = post_form(client, url, {
        "reference": REFERENCE, "title": "Nouvel intitulé", "kind": "delegation_gestion", "until_paid": "y",
        "signed_on": "2020-04-06", "report_due_days": "30", "declared_total_ae": "368 000", "declared_total_cp": "620 900",
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert (seed().title, seed().report_due_days, seed().uo) == ("Nouvel intitulé", 30, None)


def test_a_duplicate_reference_is_refused(app, demo, client, finance):
    response = post_form(client, "/funding/conventions/new", {
        "reference": REFERENCE.lower(), "title": "Copie", "kind": "autre", "report_due_days": "15",
    })
    assert response.status_code == 422
    assert "est déjà celle d’une autre convention" in text_of(response)


def test_removing_a_party_asks_for_confirmation_then_leaves_a_trace(app, demo, client, finance):
    convention = seed()
    party = next(party for party in convention.parties if party.role == "porteur")
    url = f"/funding/conventions/{convention.id}/parties/{party.id}/remove"
    assert "Retirer la partie" in text_of(client.get(url))
    assert post_form(client, url).status_code == 302
    db.session.expire_all()
    assert {p.role for p in seed().parties} == {"delegant", "delegataire"}
    history = text_of(client.get(f"/funding/conventions/{convention.id}"))
    assert "Suppression" in history and "Raphaël KELLER" in history


def test_an_amendment_through_the_form_changes_a_line_from_its_date(app, demo, client, finance):
    convention = seed()
    sf = next(line for line in convention.lines if line.startup.slug == "signaux-faibles")
    base = f"/funding/conventions/{convention.id}"
    amendment = {
        "number": "1", "signed_on": "2020-10-01", "description": "Rallonge Signaux Faibles",
        f"ae_{sf.id}": "200 000", f"cp_{sf.id}": "",
    }
    half_line = post_form(client, f"{base}/amendments/new", {**amendment, "new1_ae": "5 000"})
    assert half_line.status_code == 422 and "Choisissez la startup de la nouvelle ligne." in text_of(half_line)
    assert db.session.scalar(select(func.count(LineAmount.id))) == 2
    response = post_form(client, f"{base}/amendments/new", {
        **amendment, "new1_startup": "Place des Entreprises", "new1_fiscal_year": "2021", "new1_ae": "5 000", "new1_cp": "4 000",
    })
    assert response.status_code == 302, text_of(response)[:2000]
    before = text_of(client.get(f"{base}?on=2020-09-30"))
    after = text_of(client.get(f"{base}?on=2020-10-01"))
    assert "368 000 €" in before and "400 000 €" not in before
    assert "400 000 €" in after and "Avenant n° 1 du 01/10/2020" in after
    assert "405 000 €" in after and "2021" in after  # the new line counts from the amendment on
    assert client.get(f"{base}?on=pas-une-date").status_code == 422


# --- The signed document --------------------------------------------------------------------


def test_the_signed_pdf_is_stored_under_the_instance_and_readers_download_it(app, demo, client, finance, make_user, login):
    convention = seed()
    url = f"/funding/conventions/{convention.id}/document"
    response = post_form(client, url, {"document": (io.BytesIO(PDF), "convention-signée.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    convention = seed()
    stored = app.instance_path + "/documents/" + convention.document_path
    assert convention.document_name == "convention-signée.pdf" and convention.document_path != convention.document_name
    with open(stored, "rb") as file:
        assert file.read() == PDF
    login(make_user("coach", scope="dinum"))
    download = client.get(f"/funding/conventions/{convention.id}/document.pdf")
    try:
        assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data == PDF
    finally:
        download.close()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("convention.docx", PDF, "fichier PDF"),
        ("convention.pdf", b"PK\x03\x04 pas un pdf", "ne commence pas par"),
        ("convention.pdf", PDF + b"x" * 200, "taille maximale"),
    ],
)
def test_a_document_that_is_not_a_small_pdf_is_refused(app, demo, client, finance, name, content, message):
    app.config["FUNDING_MAX_DOCUMENT_BYTES"] = 200
    convention = seed()
    response = post_form(client, f"/funding/conventions/{convention.id}/document",
                         {"document": (io.BytesIO(content), name)}, content_type="multipart/form-data")
    assert response.status_code == 422 and message in text_of(response)
    db.session.expire_all()
    assert seed().document_path is None


# --- The list and who sees what -------------------------------------------------------------


def test_the_list_filters_by_status_year_and_startup(app, demo, client, finance):
    other = operations.create_convention(reference="AUTRE-2023", title="Autre", kind="autre", signed_on=date(2023, 1, 2))
    operations.add_line(other, startup=by_slug(Startup, "conseillers-entreprises"), fiscal_year=2023, ae="1", cp="1")
    db.session.commit()

    def listed(**params) -> set[str]:
        page = text_of(client.get("/funding/", query_string=params))
        return {reference for reference in (REFERENCE, "AUTRE-2023") if reference in page}

    assert listed() == {REFERENCE, "AUTRE-2023"}
    assert listed(status="published") == {REFERENCE}
    assert listed(year="2023") == {"AUTRE-2023"}
    assert listed(startup="signaux-faibles") == {REFERENCE}
    assert listed(startup="conseillers-entreprises", year="2020") == {REFERENCE}
    assert client.get("/funding/?status=inconnu").status_code == 422


def test_the_list_is_paginated(app, demo, client, finance):
    app.config["PAGE_SIZE"] = 1
    operations.create_convention(reference="AUTRE-2023", title="Autre", kind="autre", signed_on=date(2023, 1, 2))
    db.session.commit()
    first, second = text_of(client.get("/funding/")), text_of(client.get("/funding/?page=2"))
    assert "AUTRE-2023" in first and REFERENCE not in first  # the latest signed first
    assert REFERENCE in second and "AUTRE-2023" not in second


def test_obligations_are_added_edited_and_removed_with_confirmation(app, demo, client, finance):
    convention = seed()
    base = f"/funding/conventions/{convention.id}/obligations"
    assert post_form(client, f"{base}/new", {"kind": "other", "description": "Clause de test"}).status_code == 302
    db.session.expire_all()
    added = next(o for o in seed().obligations if o.description == "Clause de test")
    assert post_form(client, f"{base}/{added.id}/edit", {"kind": "publication", "description": "Publiée"}).status_code == 302
    assert "Retirer l’obligation" in text_of(client.get(f"{base}/{added.id}/remove"))
    assert post_form(client, f"{base}/{added.id}/remove").status_code == 302
    db.session.expire_all()
    assert all(o.description != "Publiée" for o in seed().obligations)
    assert post_form(client, f"{base}/new", {"kind": ""}).status_code == 422


from portfolio.startups.startup_page import Permissions  # noqa: E402


def page_funding(user, startup):
    """What the startup page's view gives its funding partial (see startup_page.page_context)."""
    from portfolio.accounts.permissions import can
    from portfolio.funding.queries import startup_funding
    from portfolio.timeutil import today_in_paris

    return startup_funding(startup, today_in_paris()) if can(user, "startup.funding", startup) else None


def test_intrapreneurs_see_their_startup_lines_on_its_page_and_not_the_convention(app, demo, client, make_user, login):
    own = make_user("intrapreneur", scope="signaux-faibles")
    login(own)
    assert client.get(f"/funding/conventions/{seed().id}").status_code == 403
    assert client.get("/funding/lines.csv").status_code == 403
    partial = '{% include "funding/_startup_funding.html" %}'
    sf, pde = by_slug(Startup, "signaux-faibles"), by_slug(Startup, "conseillers-entreprises")
    with app.test_request_context():
        login_user(own)
        # The startup page's view gives the partial the funding of those who may read it, None to others.
        mine = render_template_string(partial, startup=sf, funding=page_funding(own, sf),
                                      may=Permissions.of(own, sf)).replace("\u202f", " ")
        theirs = render_template_string(partial, startup=pde, funding=page_funding(own, pde), may=Permissions.of(own, pde))
    assert "168 000" in mine and "07-FIN-21800032538" in mine and "07-FIN-21800032429" not in mine
    assert REFERENCE in mine and "/funding/conventions/" not in mine  # named, not linked: they cannot open it
    assert theirs.strip() == ""


def test_the_startup_partial_links_readers_to_the_convention(app, demo, make_user):
    coach = make_user("coach", scope="dinum")
    with app.test_request_context():
        login_user(coach)
        startup = by_slug(Startup, "conseillers-entreprises")
        html = render_template_string('{% include "funding/_startup_funding.html" %}', startup=startup,
                                      funding=page_funding(coach, startup), may=Permissions.of(coach, startup))
    assert f"/funding/conventions/{seed().id}" in html and "452" in html


# --- Exports --------------------------------------------------------------------------------


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.content_type == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_the_lines_export_has_one_row_per_line_with_plain_decimal_amounts(app, demo, client, finance):
    rows = rows_of(client.get("/funding/lines.csv"))
    assert [(r["convention"], r["startup"], r["year"], r["ae"], r["cp"], r["uo"], r["activite"], r["paaf"]) for r in rows] == [
        (REFERENCE, "conseillers-entreprises", "2020", "200000.00", "452900.00", '="0218-CE5G-CAOD"', '="021813010101"',
         '="07-FIN-21800032429"'),
        (REFERENCE, "signaux-faibles", "2020", "168000.00", "168000.00", '="0218-CE5G-CAOD"', '="021813010101"',
         '="07-FIN-21800032538"'),
    ]
    before = rows_of(client.get("/funding/lines.csv?on=2020-01-01"))
    assert {(r["ae"], r["montants_au"]) for r in before} == {("", "2020-01-01")}


def test_the_conventions_export_names_parties_and_totals(app, demo, client, finance):
    [row] = rows_of(client.get("/funding/conventions.csv"))
    assert row["reference"] == REFERENCE and row["statut"] == "Publiée" and row["date_signature"] == "2020-04-06"
    assert (row["delegant"], row["delegataire"], row["porteur"]) == (
        "Secrétariat général des ministères économiques et financiers",
        "Direction interministérielle du numérique",
        "Direction générale des entreprises",
    )
    assert (row["total_ae"], row["total_cp"], row["jusqu_au_paiement"]) == ("368000.00", "620900.00", "oui")


# --- SQL statements -------------------------------------------------------------------------


def grow(convention, size: int) -> None:
    """Lines (each with an amendment's change) for `size` startups in all."""
    dinum = by_slug(Incubator, "dinum")
    amendment = convention.amendments[0] if convention.amendments else operations.record_amendment(
        convention, signed_on=date(2020, 9, 1), description="Avenant de test").amendment
    for n in range(len(convention.lines), size):
        startup = Startup(slug=f"startup-{n}", name=f"Startup {n}", incubator=dinum)
        db.session.add(startup)
        line = operations.add_line(convention, startup=startup, fiscal_year=2020 + n % 3, ae=str(n * 1000), cp="5")
        line.amounts.append(LineAmount(effective_on=amendment.signed_on, ae=D(n), cp=D(n), amendment=amendment))
    db.session.commit()


def test_the_convention_page_reads_as_many_statements_for_3_as_for_30_lines(app, demo, client, finance):
    convention = seed()
    url = f"/funding/conventions/{convention.id}"
    # Rendered after each write (the page is kept until its record changes), then kept.
    grow(convention, 3)
    count_statements(client, "/")  # the first request loads the account into the session
    small = count_statements(client, url), count_statements(client, "/funding/"), count_statements(client, "/funding/lines.csv")
    kept = count_statements(client, url)
    grow(seed(), 30)
    assert len(seed().lines) == 30
    large = count_statements(client, url), count_statements(client, "/funding/"), count_statements(client, "/funding/lines.csv")
    assert small == large, (small, large)
    assert kept == count_statements(client, url) < small[0]


def test_a_kept_convention_page_shows_at_once_each_change_of_its_record(app, demo, client, finance):
    """The page is kept under the convention's revision: a party, an obligation, a line, a renamed
    startup or party shows on the next request; a write elsewhere leaves it kept."""
    from portfolio.status import store

    url = f"/funding/conventions/{seed().id}"
    assert "Agence du numérique en santé" not in text_of(client.get(url))
    revision = store.record_revision("convention", seed().id)
    startups_elsewhere = Startup(slug="ailleurs", name="Ailleurs", incubator=by_slug(Incubator, "dinum"))
    db.session.add(startups_elsewhere)
    db.session.commit()
    assert store.record_revision("convention", seed().id) == revision

    ans = Organisation(slug="ans", name="Agence du numérique en santé", acronym="ANS")
    operations.add_party(seed(), role="porteur", organisation=ans)
    db.session.commit()
    assert "Agence du numérique en santé" in text_of(client.get(url))
    operations.add_obligation(seed(), "publication", "Publication au Journal officiel du numérique")
    db.session.commit()
    assert "Journal officiel du numérique" in text_of(client.get(url))
    by_slug(Startup, "signaux-faibles").name = "Signaux Faibles (renommée)"
    by_slug(Organisation, "ans").name = "Agence du numérique en santé (renommée)"
    db.session.commit()
    page = text_of(client.get(url))
    assert "Signaux Faibles (renommée)" in page and "Agence du numérique en santé (renommée)" in page
    operations.add_line(seed(), startup=startups_elsewhere, fiscal_year=2021, ae="1000", cp="1000")
    db.session.commit()
    assert "Ailleurs" in text_of(client.get(url))
    assert store.record_revision("convention", seed().id) != revision
