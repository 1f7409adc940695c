"""The audit trail in French words: every audited model and column has a French name (a new column
without one fails here); values read as the pages say them (labels, €, Paris times, oui/non);
references to other objects become their names with a link; long texts are trimmed with the whole
text a click away; the admin's log and a startup's history show it."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portfolio.audit import wording
from portfolio.audit.models import AuditEvent
from portfolio.audit.tracking import Audited, acting_as
from portfolio.extensions import Base, db
from portfolio.startups import operations
from portfolio.startups.models import Startup


def audited_mappers():
    return [mapper for mapper in Base.registry.mappers if issubclass(mapper.class_, Audited)]


def test_every_audited_model_has_a_french_name(app):
    missing = sorted(m.class_.audit_type() for m in audited_mappers() if m.class_.audit_type() not in wording.OBJECT_KINDS)
    assert not missing, f"audited models without a French name in portfolio/audit/wording.py: {missing}"


def test_every_audited_column_has_a_french_name(app):
    missing = sorted(
        f"{mapper.class_.audit_type()}.{column.key}"
        for mapper in audited_mappers()
        for column in mapper.column_attrs
        if not wording.has_french_name(mapper.class_.audit_type(), column.key)
    )
    assert not missing, f"audited columns without a French name in portfolio/audit/wording.py: {missing}"


def test_values_read_as_the_pages_say_them(app):
    with app.test_request_context():
        assert wording.show_value("phase_span", "phase", "acceleration").text == "Accélération"
        assert wording.show_value("meeting", "status", "held").text == "Tenue"
        assert wording.show_value("decision", "outcome", "stop").text == "Arrêt"
        assert wording.show_value("decision", "amount_granted", "452900.00").text == "452\u202f900\u00a0€"
        assert wording.show_value("measurement", "value", "20000.0000").text == "20\u202f000"
        assert wording.show_value("convention", "until_paid", True).text == "oui"
        assert wording.show_value("user", "active", False).text == "non"
        assert wording.show_value("milestone", "date", "2020-04-06").text == "06/04/2020"
        # 10:30 UTC in summer is 12:30 in Paris
        assert wording.show_value("meeting", "starts_at", "2026-06-15T10:30:00+00:00").text == "15/06/2026 à 12:30"
        assert wording.show_value("milestone", "title", None).text == "—"
        long = wording.show_value("milestone", "text", "mot " * 100)
        assert long.whole == "mot " * 100 and long.text.endswith("…") and len(long.text) <= wording.LONG_TEXT + 1


def test_a_reference_becomes_the_object_name_with_a_link(app, demo):
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    with acting_as(label="test"):
        operations.log_milestone(startup, date(2021, 1, 1), "fast", "Financement obtenu")
    db.session.commit()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.object_type == "milestone").order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["startup_id"] == startup.id
    with app.test_request_context():
        [described] = wording.in_words([event])
    assert described.kind == "Fait marquant"
    after = dict(described.after)
    assert after["Startup"].text == "Signaux Faibles" and after["Startup"].url == "/startups/signaux-faibles"
    assert after["Type"].text == "Financement FAST" and after["Date"].text == "01/01/2021"
    assert "startup_id" not in after and "Identifiant" not in after


def test_the_admin_log_and_a_startup_history_read_in_french(client, demo, make_user, login):
    login(make_user("admin"))
    startup = db.session.scalar(select(Startup).where(Startup.slug == "signaux-faibles"))
    with acting_as(label="test"):
        operations.log_milestone(startup, date(2021, 1, 1), "fast", "Financement obtenu", text="Un long texte. " * 30)
    db.session.commit()
    for url in ("/admin/audit?object_type=milestone", "/startups/signaux-faibles/history"):
        html = client.get(url).get_data(as_text=True)
        history = html[html.index('data-testid="history"'):]
        assert "Fait marquant" in history and "Financement FAST" in history
        assert 'Startup : <a class="fr-link fr-text--sm" href="/startups/signaux-faibles">Signaux Faibles</a>' in history
        assert "startup_id" not in history and "<code>" not in history and "milestone #" not in history
        assert "<details" in history and "(lire la suite)" in history
    log = client.get("/admin/audit").get_data(as_text=True)
    assert '<option value="milestone">Fait marquant</option>' in log
