"""Conventions: the seed reads like the text and raises its warnings; status only moves forward;
amounts as of a day across amendments and corrections; totals; the signed PDF; the forms' French
errors save nothing; intrapreneurs see only their startup's lines; the exports; a constant
number of SQL statements on the convention page."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conftest import post_form
from portfolio.audit.models import AuditEvent
from portfolio.demo.funding import REFERENCE, load_demo_funding
from portfolio.extensions import db
from portfolio.funding import operations, queries
from portfolio.funding.models import ConsumptionEntry, ConsumptionReport, Convention
from portfolio.funding.operations import FundingError, LineChange
from portfolio.funding.warnings import convention_warnings, total_mismatch
from portfolio.startups.models import Incubator, PhaseSpan, Startup
from portfolio.timeutil import today_in_paris

D = Decimal


def by_slug(model, slug):
    return db.session.scalar(select(model).where(model.slug == slug))


def seed() -> Convention:
    return db.session.scalar(select(Convention).where(Convention.reference == REFERENCE))


def codes(convention) -> list[str]:
    return sorted(warning.code for warning in convention_warnings(convention, today_in_paris()))


def signed_convention(reference="TEST-1", signed_on=date(2021, 3, 1), **values) -> Convention:
    convention = operations.create_convention(
        reference=reference, title="Convention de test", kind="partenariat", signed_on=signed_on, **values
    )
    operations.change_status(convention, "signed", signed_on)
    return convention


@pytest.fixture
def finance(make_user, login):
    user = make_user("finance")
    login(user)
    return user


# --- The seed -------------------------------------------------------------------------------


def test_the_demo_convention_reads_like_the_seed(app, demo):
    convention = seed()
    assert (convention.kind, convention.status, convention.signed_on) == ("delegation_gestion", "published", date(2020, 4, 6))
    assert convention.until_paid and convention.ends_on is None
    assert (convention.budget_programme, convention.bop, convention.uo) == ("218", "Secrétariat général", "0218-CESG-CMOD")
    parties = {party.role: party for party in convention.parties}
    assert parties["delegant"].organisation.slug == "sg-mef"
    assert "BARBAT-LAYANI" in parties["delegant"].representative_name
    assert parties["delegant"].signatory_name == "Isabelle PEROT"
    assert parties["delegataire"].address == "20 avenue de Ségur, 75007 Paris"
    assert parties["delegataire"].signatory_name == "Nadi BOU HANNA"
    assert parties["porteur"].address == "67 rue Barbès, 94201 Ivry-sur-Seine Cedex"
    assert "Courbes" in parties["porteur"].representative_name and parties["porteur"].signatory_name == "Raphaël KELLER"
    assert [change.status for change in convention.status_changes] == ["signed", "published"]
    assert {obligation.kind for obligation in convention.obligations} >= {
        "quarterly_report", "investment_committee", "amendment_by_avenant", "publication",
    }
    lines = {line.startup.slug: line for line in convention.lines}
    pde, sf = lines["conseillers-entreprises"], lines["signaux-faibles"]
    assert queries.amounts_on(pde, date(2020, 4, 6)) == queries.Amounts(D("200000"), D("452900"))
    assert queries.amounts_on(sf, date(2020, 4, 6)) == queries.Amounts(D("168000"), D("168000"))
    assert (pde.uo, pde.activite, pde.paaf) == ("0218-CE5G-CAOD", "021813010101", "07-FIN-21800032429")
    # Blank UO and activité cells in the annex mean "same as above".
    assert (sf.uo, sf.activite, sf.paaf) == ("0218-CE5G-CAOD", "021813010101", "07-FIN-21800032538")
    assert queries.amounts_on(pde, date(2020, 4, 5)) is None


def test_the_seed_raises_cp_differs_and_uo_differs_but_its_total_is_the_lines_sum(app, demo):
    convention = seed()
    warnings = convention_warnings(convention, today_in_paris())
    assert codes(convention) == ["cp_differs_from_ae", "uo_differs", "uo_differs"]
    assert any("452\u202f900" in warning.message and "Place des Entreprises" in warning.message for warning in warnings)
    assert all("0218-CESG-CMOD" in w.message for w in warnings if w.code == "uo_differs")
    # The declared TOTAL CP 620 900 is exactly 452 900 + 168 000; AE 368 000 = 200 000 + 168 000.
    totals = queries.totals_on(convention.lines, today_in_paris())
    assert totals.total == queries.Amounts(D("368000"), D("620900"))
    assert (convention.declared_total_ae, convention.declared_total_cp) == (D("368000"), D("620900"))


def test_loading_the_demo_twice_adds_no_second_convention(app, demo):
    from portfolio.demo.data import load_demo

    report = load_demo()
    db.session.commit()
    assert "conventions" not in report.created
    assert load_demo_funding() is seed()
    assert db.session.scalar(select(func.count(Convention.id))) == 1


# --- Status ---------------------------------------------------------------------------------


def test_status_moves_forward_dated_and_audited_and_never_back(app, demo):
    convention = operations.create_convention(reference="T", title="T", kind="autre")
    with pytest.raises(FundingError, match="d’abord passer au statut « Signée »"):
        operations.change_status(convention, "published", date(2021, 1, 5))
    operations.change_status(convention, "signed", date(2021, 1, 5), reason="Signée à Paris")
    assert convention.signed_on == date(2021, 1, 5)
    with pytest.raises(FundingError, match="précède le changement de statut précédent"):
        operations.change_status(convention, "published", date(2021, 1, 4))
    with pytest.raises(FundingError, match="futur"):
        operations.change_status(convention, "published", today_in_paris() + timedelta(days=1))
    operations.change_status(convention, "published", date(2021, 2, 1))
    assert convention.effective_on == date(2021, 2, 1)
    with pytest.raises(FundingError, match="ne peut pas revenir à « Signée »"):
        operations.change_status(convention, "signed", date(2021, 3, 1))
    operations.change_status(convention, "closed", date(2022, 1, 1))
    db.session.commit()
    assert [(c.status, c.changed_on) for c in convention.status_changes] == [
        ("signed", date(2021, 1, 5)), ("published", date(2021, 2, 1)), ("closed", date(2022, 1, 1)),
    ]
    event_ = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.object_type == "convention", AuditEvent.object_id == str(convention.id))
        .where(AuditEvent.action == "status_change")
        .order_by(AuditEvent.id)
    )
    assert event_.reason == "Signée à Paris" and event_.after["status"] == "signed"


def test_going_back_through_the_page_is_refused_in_french_and_saves_nothing(app, demo, client, finance):
    convention = seed()
    response = post_form(client, f"/funding/conventions/{convention.id}/status", {"status": "draft", "on": "2021-01-01"})
    assert response.status_code == 422
    assert "ne peut pas revenir à « Brouillon »" in response.get_data(as_text=True)
    db.session.expire_all()
    assert seed().status == "published" and len(seed().status_changes) == 2


# --- Amounts, amendments, totals ------------------------------------------------------------


def test_amounts_as_of_a_day_follow_amendments_and_keep_the_old_ones(app, demo):
    convention = seed()
    sf = next(line for line in convention.lines if line.startup.slug == "signaux-faibles")
    dinum_startup = Startup(slug="nouvelle", name="Nouvelle", incubator=by_slug(Incubator, "dinum"))
    db.session.add(dinum_startup)
    recorded = operations.record_amendment(
        convention, signed_on=date(2020, 10, 1), description="Rallonge",
        changes=[LineChange(sf, ae="200 000", cp=None)],
        new_lines=[{"startup": dinum_startup, "fiscal_year": 2021, "ae": "50 000", "cp": "50 000"}],
    )
    db.session.commit()
    assert recorded.amendment.number == 1 and recorded.changed == [sf] and len(recorded.added) == 1
    assert queries.amounts_on(sf, date(2020, 9, 30)) == queries.Amounts(D("168000"), D("168000"))
    assert queries.amounts_on(sf, date(2020, 10, 1)) == queries.Amounts(D("200000"), D("168000"))
    before = queries.totals_on(convention.lines, date(2020, 9, 30))
    after = queries.totals_on(convention.lines, date(2020, 10, 1))
    assert (before.total, before.lines) == (queries.Amounts(D("368000"), D("620900")), 2)
    assert (after.total, after.lines) == (queries.Amounts(D("450000"), D("670900")), 3)
    assert after.by_year == {2020: queries.Amounts(D("400000"), D("620900")), 2021: queries.Amounts(D("50000"), D("50000"))}
    assert after.by_startup[dinum_startup] == queries.Amounts(D("50000"), D("50000"))
    history = queries.line_history(sf, date(2020, 10, 1))
    assert [(entry.source, entry.row.ae, entry.in_force) for entry in history] == [
        ("Convention", D("168000"), False), ("Avenant n° 1 du 01/10/2020", D("200000"), True),
    ]
    # The declared TOTAL is the annex's: an amendment does not make it a mismatch.
    assert "total_mismatch" not in codes(convention)


def test_an_amendment_that_changes_nothing_adds_no_row_and_the_rules_hold(app, demo):
    convention = seed()
    sf = next(line for line in convention.lines if line.startup.slug == "signaux-faibles")
    recorded = operations.record_amendment(
        convention, signed_on=date(2020, 5, 1), description="Sans effet", changes=[LineChange(sf, "168 000", "168 000")]
    )
    assert recorded.changed == [] and len(sf.amounts) == 1
    with pytest.raises(FundingError, match="L’avenant n° 1 existe déjà"):
        operations.record_amendment(convention, number=1, signed_on=date(2020, 6, 1), description="Doublon")
    with pytest.raises(FundingError, match="précéder la signature"):
        operations.record_amendment(convention, signed_on=date(2020, 1, 1), description="Trop tôt")
    draft = operations.create_convention(reference="BROUILLON", title="B", kind="autre")
    with pytest.raises(FundingError, match="brouillon"):
        operations.record_amendment(draft, signed_on=date(2020, 6, 1), description="Non")


def test_a_line_correction_keeps_the_first_amounts_in_its_history(app, demo):
    convention = seed()
    sf = next(line for line in convention.lines if line.startup.slug == "signaux-faibles")
    corrected = operations.edit_line(sf, startup=sf.startup, fiscal_year=2020, ae="168 000", cp="160 000", paaf=sf.paaf)
    db.session.commit()
    assert corrected and len(sf.amounts) == 2
    assert queries.amounts_on(sf, date(2020, 4, 6)) == queries.Amounts(D("168000"), D("160000"))
    assert [entry.source for entry in queries.line_history(sf, today_in_paris())] == ["Convention", "Correction"]
    assert [w.code for w in convention_warnings(convention, today_in_paris()) if w.code == "total_mismatch"] == [
        "total_mismatch"
    ]


def test_a_draft_convention_lines_take_effect_on_its_signature_date(app, demo):
    convention = operations.create_convention(reference="D", title="D", kind="autre")
    line = operations.add_line(convention, startup=by_slug(Startup, "signaux-faibles"), fiscal_year=2022, ae="10", cp="10")
    assert line.amounts[0].effective_on == today_in_paris()
    operations.change_status(convention, "signed", date(2022, 2, 3))
    assert line.amounts[0].effective_on == date(2022, 2, 3)
    with pytest.raises(FundingError, match="déjà une ligne pour Signaux Faibles en 2022"):
        operations.add_line(convention, startup=line.startup, fiscal_year=2022, ae="1", cp="1")


def test_editing_the_signature_date_moves_the_convention_own_amounts_only(app, demo):
    convention = seed()
    operations.record_amendment(convention, signed_on=date(2020, 9, 1), description="Avenant",
                                changes=[LineChange(convention.lines[0], ae="1", cp="1")])
    operations.edit_convention(convention, signed_on=date(2020, 4, 8))
    assert convention.until_paid and convention.declared_total_cp == D("620900")  # left out, kept
    dates = sorted((row.effective_on, row.amendment is not None) for line in convention.lines for row in line.amounts)
    assert dates == [(date(2020, 4, 8), False), (date(2020, 4, 8), False), (date(2020, 9, 1), True)]
    with pytest.raises(FundingError, match="pas les deux"):
        operations.edit_convention(convention, ends_on=date(2021, 1, 1))


# --- Warnings -------------------------------------------------------------------------------


def test_each_warning_has_its_code_and_french_message(app, demo):
    stopped = Startup(slug="arretee", name="Arrêtée", incubator=by_slug(Incubator, "dinum"),
                      phase_spans=[PhaseSpan(phase="abandon", start=date(2021, 6, 1))])
    db.session.add(stopped)
    convention = signed_convention(
        ends_on=date(2021, 1, 1), declared_total_ae="100", declared_total_cp="90", uo="UO-A",
    )
    line = operations.add_line(convention, startup=stopped, fiscal_year=2021, ae="100", cp="100", uo="uo-a")
    report = ConsumptionReport(quarter_start=date(2021, 1, 1), submitted_on=date(2021, 4, 10))
    report.entries.append(ConsumptionEntry(line=line, ae_committed=D("100"), cp_paid=D("40")))
    convention.reports.append(report)
    db.session.flush()
    warnings = {
        w.code: w.message.replace("\u00a0", " ").replace("\u202f", " ")
        for w in convention_warnings(convention, today_in_paris())
    }
    assert set(warnings) == {"end_before_start", "total_mismatch", "startup_stopped", "unconsumed_credits"}
    assert "01/01/2021" in warnings["end_before_start"] and "01/03/2021" in warnings["end_before_start"]
    assert "CP" in warnings["total_mismatch"] and "90" in warnings["total_mismatch"]
    assert "Arrêté" in warnings["startup_stopped"]
    assert "60 € en CP" in warnings["unconsumed_credits"]


def test_total_mismatch_takes_the_parsed_rows_of_an_annex(app):
    rows = [{"ae": D("200000"), "cp": D("452900")}, {"ae": D("168000"), "cp": D("168000")}]
    assert total_mismatch(rows, D("368000"), D("620900")) == []
    [warning] = total_mismatch(rows, D("368000"), D("620000"))
    assert warning.code == "total_mismatch" and "écart de 900" in warning.message.replace("\u202f", " ")
    assert total_mismatch(rows, None, None) == []


def test_the_finance_view_lists_every_warning(app, demo, client, finance):
    html = client.get("/funding/warnings").get_data(as_text=True)
    assert html.count('data-code="uo_differs"') == 2 and html.count('data-code="cp_differs_from_ae"') == 1
    only = client.get("/funding/warnings?code=cp_differs_from_ae").get_data(as_text=True)
    assert 'data-code="uo_differs"' not in only and REFERENCE in only
