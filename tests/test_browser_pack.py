"""The chair's pack in Chromium: the PDF downloaded from the meeting shows every review's startup
and its decision fields; "Envoyer le dossier" mails each participant the PDF once, and sending
again asks first and is recorded."""
import re
import subprocess

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from conftest import browser_login
from governance_helpers import committee
from portfolio.audit.models import AuditEvent
from portfolio.demo.data import DEMO_PASSWORD
from portfolio.extensions import db
from portfolio.governance import operations
from portfolio.reminders.models import OutboxMessage

pytestmark = pytest.mark.browser

CHAIR = "presidente@demo.beta.gouv.fr"


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_the_chair_downloads_the_pack_as_pdf_sends_it_once_then_confirms_a_second_send(page, demo):
    meeting = committee()
    operations.add_participant(meeting, "sponsor", name="Jeanne Sponsor", email="jeanne@dge.gouv.fr", organisation="DGE")
    db.session.commit()
    browser_login(page, CHAIR, DEMO_PASSWORD)
    page.goto(f"/governance/meetings/{meeting.id}/pack")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le PDF").first.click()
    # Read by poppler's pdftotext, as a reader's tools would (`make test` installs poppler-utils).
    text = subprocess.run(["pdftotext", "-layout", download.value.path(), "-"],
                          capture_output=True, text=True, check=True).stdout
    for startup in ("Signaux Faibles", "Place des Entreprises"):
        assert startup in text
    assert text.count("Décisions précédentes et actions de suivi") == 2, "each review's decision fields"

    page.goto(f"/governance/meetings/{meeting.id}")
    page.get_by_role("link", name=re.compile("Envoyer le dossier")).click()
    page.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(page.locator("body")).to_contain_text("Dossier envoyé par courriel à 2 destinataires")
    sent = _outbox()
    assert sorted(message.to for message in sent) == sorted([CHAIR, "jeanne@dge.gouv.fr"])
    assert all(message.attachment_type == "application/pdf" and message.attachment_data.startswith(b"%PDF-") for message in sent)

    page.goto(f"/governance/meetings/{meeting.id}")
    page.get_by_role("link", name=re.compile("Envoyer le dossier")).click()
    page.get_by_role("button", name=re.compile("Envoyer")).click()
    expect(page.locator("main")).to_contain_text("Le dossier a déjà été envoyé le")
    assert len(_outbox()) == 2, "nothing sent before the confirmation"
    page.get_by_role("button", name=re.compile("Envoyer|Confirmer")).last.click()
    expect(page.locator("body")).to_contain_text("Dossier envoyé par courriel à 2 destinataires")
    assert len(_outbox()) == 4
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "send_pack")) == 2
