"""The committee's pack as a PDF: rendered from the printable page's body, downloadable by the
meeting's readers, e-mailed to each participant (attached, or linked above the size limit), once
unless confirmed, and through a real SMTP server."""
import io
import socket
from email import policy
from email.parser import BytesParser

import pypdf
import pytest
from sqlalchemy import func, select

from conftest import post_form
from governance_helpers import committee
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import operations, pack_mail
from portfolio.reminders.models import OutboxMessage

CHAIR = "presidente@demo.beta.gouv.fr"


@pytest.fixture
def as_persona(client):
    def log_in(email: str):
        post_form(client, "/logout", token_from="/login")
        response = post_form(client, "/login", {"email": email, "password": DEMO_PASSWORD}, token_from="/login")
        assert response.status_code == 302
        return client

    return log_in


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def with_participant(meeting):
    operations.add_participant(meeting, "sponsor", name="Jeanne Sponsor", email="jeanne@dge.gouv.fr", organisation="DGE")
    db.session.commit()


def test_the_pdf_shows_every_review_with_page_numbers(demo, as_persona):
    meeting = committee()
    response = as_persona(CHAIR).get(f"/governance/meetings/{meeting.id}/pack.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="dossier-comite-')
    pages = pypdf.PdfReader(io.BytesIO(response.data)).pages
    text = pdf_text(response.data)
    assert "Signaux Faibles" in text and "Place des Entreprises" in text
    assert "Ordre du jour" in text and "Indicateurs" in text
    assert f"Page 1 sur {len(pages)}" in text and len(pages) >= 3  # the agenda, then one section per review


def test_the_pack_page_links_to_its_pdf(demo, as_persona):
    meeting = committee()
    page = as_persona(CHAIR).get(f"/governance/meetings/{meeting.id}/pack").get_data(as_text=True)
    assert f'href="/governance/meetings/{meeting.id}/pack.pdf"' in page and "Télécharger le PDF" in page


def test_the_pdf_fetches_nothing_outside_the_static_folder(app):
    from portfolio.governance.pack_pdf import BASE_URL, local_fetcher

    with app.app_context():
        fetcher = local_fetcher()
        assert b"@page" in fetcher.fetch(BASE_URL + "static/governance/pack_pdf.css").read()
        for url in ("http://127.0.0.1:5000/static/governance/pack.css", BASE_URL + "static/../../config.py",
                    "file:///etc/passwd"):
            try:
                fetcher.fetch(url)
            except ValueError:
                continue
            raise AssertionError(f"fetched {url}")


def test_sending_mails_each_participant_the_pdf_once_then_asks(demo, as_persona):
    meeting = committee()
    with_participant(meeting)
    client = as_persona(CHAIR)
    url = f"/governance/meetings/{meeting.id}/send"
    page = post_form(client, url, follow_redirects=True).get_data(as_text=True)
    assert "Dossier envoyé par courriel à 2 destinataires" in page
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.to)).all()
    assert [message.to for message in messages] == ["jeanne@dge.gouv.fr", CHAIR]
    for message in messages:
        assert message.attachment_type == "application/pdf" and message.attachment_filename.endswith(".pdf")
        assert "Signaux Faibles" in pdf_text(message.attachment_data)
    # Sending again: a question first, nothing sent.
    question = post_form(client, url).get_data(as_text=True)
    assert "Le dossier a déjà été envoyé le" in question and 'name="confirmed"' in question
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    post_form(client, url, {"confirmed": "1"}, follow_redirects=True)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 4
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "send_pack")) == 2


def test_above_the_size_limit_the_mail_links_to_the_pdf(demo, as_persona, app):
    meeting = committee()
    app.config["PACK_ATTACHMENT_MAX_BYTES"] = 100
    post_form(as_persona(CHAIR), f"/governance/meetings/{meeting.id}/send")
    message = db.session.scalars(select(OutboxMessage)).first()
    assert message.attachment_data is None
    assert f"/governance/meetings/{meeting.id}/pack.pdf" in message.text_body


def test_a_claimed_send_is_not_sent_twice(demo):
    meeting = committee()
    pack_mail.send_pack(meeting)
    db.session.commit()
    seen = meeting.pack_sent_at
    # Another request claims it meanwhile: this one, confirmed on a stale view, sends nothing.
    db.session.execute(db.text("update meetings set pack_sent_at = :t where id = :i"),
                       {"t": seen.replace(year=seen.year - 1).replace(tzinfo=None), "i": meeting.id})
    try:
        pack_mail.send_pack(meeting, confirmed=True)
    except operations.GovernanceError as error:
        assert "quelqu’un d’autre" in str(error)
    else:
        raise AssertionError("sent twice")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_real_smtp_server_receives_the_pdf(demo, as_persona, app):
    from aiosmtpd.controller import Controller

    envelopes = []

    class Collect:
        async def handle_DATA(self, server, session, envelope):
            envelopes.append(envelope)
            return "250 OK"

    meeting = committee()
    controller = Controller(Collect(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        post_form(as_persona(CHAIR), f"/governance/meetings/{meeting.id}/send")
    finally:
        controller.stop()
    assert [rcpt for envelope in envelopes for rcpt in envelope.rcpt_tos] == [CHAIR]
    email = BytesParser(policy=policy.default).parsebytes(envelopes[0].content)
    attachment = next(email.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "Signaux Faibles" in pdf_text(attachment.get_content())


# --- The startup's charts, and the pack each participant may read -----------------------------


def _dossiers_text(data: bytes) -> dict[str, str]:
    """The PDF's text of each review's dossier, by startup name (each begins with its identity), its
    spaces (narrow, no-break) as plain ones."""
    sections = " ".join(pdf_text(data).split()).split("Identité et équipe")[1:]
    return {name: text for text in sections for name in ("Signaux Faibles", "Place des Entreprises")
            if text.startswith(" " + {"Signaux Faibles": "Mieux cibler", "Place des Entreprises": "Orienter"}[name])}


def test_the_pack_shows_the_indicator_and_consumption_charts_on_the_page_and_in_the_pdf(demo, as_persona):
    meeting = committee()
    client = as_persona(CHAIR)
    page = client.get(f"/governance/meetings/{meeting.id}/pack").get_data(as_text=True)
    signaux, place = page.split('data-slug="signaux-faibles"')[1].split('data-slug="conseillers-entreprises"')
    assert signaux.count('data-testid="indicator-chart"') == 1 and 'data-testid="consumption-chart"' in signaux
    assert 'data-testid="indicator-chart"' not in place, "no indicator, no chart"
    assert 'data-testid="consumption-chart"' in place
    # On paper: the chart's own texts (the value axis, the bars' captions), drawn by WeasyPrint.
    dossiers = _dossiers_text(client.get(f"/governance/meetings/{meeting.id}/pack.pdf").data)
    signaux, place = dossiers["Signaux Faibles"], dossiers["Place des Entreprises"]
    assert "0 100 000 200 000 300 000 31/12/2018 31/03/2019 31/12/2019" in signaux, "the indicator chart's axes"
    assert "AE 0 € engagées sur 168 000 € (0 %) CP 0 € payés sur 168 000 € (0 %)" in signaux
    assert "CP 0 € payés sur 452 900 € (0 %)" in place


def test_each_participant_receives_the_pdf_of_what_they_may_read(demo, as_persona, monkeypatch):
    from governance_helpers import intrapreneur, persona

    meeting = committee()
    operations.add_participant(meeting, "intrapreneur", user=intrapreneur())
    operations.add_participant(meeting, "other", user=persona("finance@demo.beta.gouv.fr"))
    with_participant(meeting)  # an outside guest, without an account
    rendered = []
    real = pack_mail.pack_pdf
    monkeypatch.setattr(pack_mail, "pack_pdf", lambda *args: rendered.append(args[2]) or real(*args))

    post_form(as_persona(CHAIR), f"/governance/meetings/{meeting.id}/send")
    received = {message.to: _dossiers_text(message.attachment_data) for message in db.session.scalars(select(OutboxMessage))}
    assert sorted(received) == sorted([CHAIR, "finance@demo.beta.gouv.fr", "intrapreneur@demo.beta.gouv.fr",
                                       "jeanne@dge.gouv.fr"])
    # One PDF per audience: the chair and finance read the same sections.
    assert len(rendered) == 3

    def funding_shown(text: str) -> bool:
        return "CP accordés" in text and "Épuisement estimé des crédits" in text and "engagées sur" in text

    guest = received["jeanne@dge.gouv.fr"]
    assert not funding_shown(guest["Signaux Faibles"]) and not funding_shown(guest["Place des Entreprises"])
    assert "Le détail du financement est réservé" in guest["Signaux Faibles"]
    assert "452 900" not in guest["Place des Entreprises"], "no funding amount for a guest"
    own = received["intrapreneur@demo.beta.gouv.fr"]
    assert funding_shown(own["Signaux Faibles"]) and not funding_shown(own["Place des Entreprises"])
    assert "452 900" not in own["Place des Entreprises"]
    for reader in (CHAIR, "finance@demo.beta.gouv.fr"):
        assert funding_shown(received[reader]["Signaux Faibles"]) and funding_shown(received[reader]["Place des Entreprises"])
        assert "452 900" in received[reader]["Place des Entreprises"]


def test_recipients_are_grouped_by_the_sections_they_may_read(demo):
    from governance_helpers import intrapreneur, startup

    meeting = committee()
    operations.add_participant(meeting, "intrapreneur", user=intrapreneur())
    with_participant(meeting)
    # A guest invited by the address of an account reads as that account.
    operations.add_participant(meeting, "other", name="Finance", email="FINANCE@demo.beta.gouv.fr")
    db.session.commit()
    groups = {audience.addresses: audience.funding_of
              for audience in pack_mail.audiences(meeting, pack_mail.pack_recipients(meeting))}
    both = frozenset({startup("signaux-faibles").id, startup("conseillers-entreprises").id})
    assert groups == {
        ("finance@demo.beta.gouv.fr", CHAIR): both,
        ("intrapreneur@demo.beta.gouv.fr",): frozenset({startup("signaux-faibles").id}),
        ("jeanne@dge.gouv.fr",): frozenset(),
    }


def test_the_consumption_chart_has_a_group_per_convention_and_the_total_when_there_are_several(app):
    from decimal import Decimal
    from types import SimpleNamespace

    from portfolio.funding.consumption import Envelope
    from portfolio.governance.dossier import ConventionFunding, Funding, _consumption_chart

    def part(reference: str, granted: int, paid: int) -> ConventionFunding:
        envelope = Envelope(Decimal(granted), Decimal(granted), Decimal(paid), Decimal(paid))
        return ConventionFunding(SimpleNamespace(reference=reference), [], envelope)

    one = Funding([part("CONV-A", 1000, 250)])
    one.total.add(one.conventions[0].envelope)
    chart = str(_consumption_chart(one, "c1"))
    assert chart.count('data-testid="chart-group"') == 1 and "CONV-A" in chart and "Total" not in chart
    several = Funding([part("CONV-A", 1000, 250), part("CONV-B", 3000, 3000)])
    for convention in several.conventions:
        several.total.add(convention.envelope)
    chart = str(_consumption_chart(several, "c2"))
    assert chart.count('data-testid="chart-group"') == 3 and "CONV-B" in chart and ">Total<" in chart
    assert "payés sur 4\u202f000\u00a0€ (81 %)" in chart, "the total's CP: 3 250 € paid of 4 000 €"
    assert _consumption_chart(Funding(), "c3") is None
