"""E-mailing the committee's pack: one message per participant, the PDF attached up to
PACK_ATTACHMENT_MAX_BYTES, a link to it above, through the configured mail backend.

The caller claims the sending first (`operations.send_pack`) and commits the claim; only then
does `deliver` send, so a retry never sends twice."""
from flask import current_app, url_for

from portfolio.governance.models import Meeting
from portfolio.governance.pack_pdf import pack_filename
from portfolio.reminders.mail import Attachment, MailError, Message, configured_backend
from portfolio.timeutil import to_paris


def pack_messages(meeting: Meeting, recipients: list[str], pdf: bytes) -> list[Message]:
    """The e-mails of the pack, one per address."""
    when = f"{to_paris(meeting.starts_at):%d/%m/%Y à %H:%M}"
    link = current_app.config["PUBLIC_URL"] + url_for("governance.pack_pdf", meeting_id=meeting.id)
    attached = len(pdf) <= current_app.config["PACK_ATTACHMENT_MAX_BYTES"]
    where = "Le dossier est joint à ce message (PDF)." if attached else f"Le dossier (PDF) se télécharge ici : {link}"
    text = (
        f"Bonjour,\n\nVous participez à « {meeting.title} », le {when} (heure de Paris).\n{where}\n"
        f"Il est aussi consultable dans l’application : {link}\n\n— Portfolio"
    )
    html = (
        f"<p>Bonjour,</p><p>Vous participez à « {_escape(meeting.title)} », le {when} (heure de Paris).</p>"
        f"<p>{'Le dossier est joint à ce message (PDF).' if attached else 'Le dossier (PDF) se télécharge ici :'} "
        f"<a href=\"{link}\">{link}</a></p><p>— Portfolio</p>"
    )
    attachments = (Attachment(pack_filename(meeting), "application/pdf", pdf),) if attached else ()
    subject = f"Dossier du comité « {meeting.title} » du {to_paris(meeting.starts_at):%d/%m/%Y}"
    return [Message(to=address, subject=subject, text=text, html=html, attachments=attachments) for address in recipients]


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def deliver(meeting: Meeting, recipients: list[str], pdf: bytes) -> list[str]:
    """Send the pack to each address; returns the addresses whose delivery failed."""
    backend, failed = configured_backend(), []
    try:
        for message in pack_messages(meeting, recipients, pdf):
            try:
                backend.send(message)
            except MailError:
                current_app.logger.exception("pack of meeting %s not delivered to %s", meeting.id, message.to)
                failed.append(message.to)
    finally:
        backend.close()
    return failed
