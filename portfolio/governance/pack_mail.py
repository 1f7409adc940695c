"""Sending the committee's pack: its due day and recipients, the claim of a sending (`send_pack`),
then one e-mail per participant, the PDF attached up to PACK_ATTACHMENT_MAX_BYTES, a link to it
above, through the configured mail backend.

Each participant receives the pack they may read, not the sender's: the participants are grouped by
the sections they may read (`audiences`: the startups whose funding they may read, as their account
may; none for a guest without an account), and the PDF is rendered once per group.

The caller claims the sending first (`send_pack`) and commits the claim; only then does
`deliver` send, so a retry never sends twice."""
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, url_for
from sqlalchemy import func, select, update

from portfolio.accounts.models import User
from portfolio.audit.tracking import described
from portfolio.core.french import counted
from portfolio.extensions import db
from portfolio.governance import doctrine, operations
from portfolio.governance.dossier import readable_funding
from portfolio.governance.models import Meeting
from portfolio.governance.pack_pdf import pack_filename, pack_pdf
from portfolio.reminders.mail import Attachment, MailError, Message, configured_backend
from portfolio.timeutil import to_paris, utcnow


def pack_due_on(meeting: Meeting) -> date:
    """The doctrine's day to send the meeting's pack by."""
    return doctrine.pack_due_on(to_paris(meeting.starts_at).date())


def pack_recipients(meeting: Meeting) -> list[str]:
    """The participants' e-mail addresses, once each, in order."""
    return sorted({participant.email.lower() for participant in meeting.participants if participant.email})


def send_pack(meeting: Meeting, now: datetime | None = None, confirmed: bool = False) -> list[str]:
    """Claim the pack's sending: record now and the participants' addresses, before any e-mail
    leaves (`pack_mail.deliver` sends them), so a retry cannot send twice. A pack already sent
    raises `NeedsConfirmation` unless `confirmed`; a concurrent send of the same pack is refused."""
    from portfolio.startups.operations import NeedsConfirmation

    operations.ensure_open(meeting, "le dossier ne peut plus être envoyé")
    recipients = pack_recipients(meeting)
    if not recipients:
        raise operations.GovernanceError("Aucun participant n’a d’adresse électronique : ajoutez-en avant d’envoyer le dossier.")
    seen = meeting.pack_sent_at
    if seen is not None and not confirmed:
        raise NeedsConfirmation(
            f"Le dossier a déjà été envoyé le {to_paris(seen):%d/%m/%Y à %H:%M} "
            f"à {counted(len(meeting.pack_sent_to or []), 'destinataire')}. L’envoyer de nouveau à : {', '.join(recipients)} ?"
        )
    stamp = now or utcnow()
    unchanged = Meeting.pack_sent_at.is_(None) if seen is None else Meeting.pack_sent_at == seen
    claim = update(Meeting).where(Meeting.id == meeting.id, unchanged).values(pack_sent_at=stamp)
    if db.session.execute(claim.execution_options(synchronize_session=False)).rowcount != 1:
        raise operations.GovernanceError("Le dossier vient d’être envoyé par quelqu’un d’autre : il n’a pas été envoyé de nouveau.")
    with described(action="send_pack"):
        meeting.pack_sent_at = stamp
        meeting.pack_sent_to = recipients
        db.session.flush()
    return recipients


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


@dataclass(frozen=True)
class Audience:
    """Recipients who may read the same sections of the pack, and so receive the same PDF."""

    #: The reviewed startups whose funding they may read.
    funding_of: frozenset[int]
    #: One of them, as whom the PDF is rendered (None: guests without an account).
    reader: User | None
    addresses: tuple[str, ...]


def _accounts(meeting: Meeting, recipients: list[str]) -> dict[str, User]:
    """The account of each address: the participant's own, or the account with that e-mail address
    (a guest invited by address who has one). Addresses without an account are guests."""
    accounts = {
        participant.email.lower(): participant.user
        for participant in meeting.participants
        if participant.email and participant.user is not None
    }
    unknown = [address for address in recipients if address not in accounts]
    if unknown:
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(unknown))):
            accounts.setdefault(user.email.lower(), user)
    return accounts


def audiences(meeting: Meeting, recipients: list[str]) -> list[Audience]:
    """The recipients grouped by the sections of the pack they may read, in the recipients' order."""
    accounts = _accounts(meeting, recipients)
    groups: dict[frozenset[int], tuple[User | None, list[str]]] = {}
    for address in recipients:
        account = accounts.get(address)
        key = readable_funding(account, meeting)
        groups.setdefault(key, (account, []))[1].append(address)
    return [Audience(key, reader, tuple(addresses)) for key, (reader, addresses) in groups.items()]


def deliver(meeting: Meeting, recipients: list[str], today: date) -> list[str]:
    """Send the pack to each address, rendered once per audience as its readers may read it (the
    meeting loaded with `load_meeting`); returns the addresses whose delivery failed."""
    backend, failed = configured_backend(), []
    try:
        for audience in audiences(meeting, recipients):
            pdf = pack_pdf(meeting, today, audience.reader)
            for message in pack_messages(meeting, list(audience.addresses), pdf):
                try:
                    backend.send(message)
                except MailError:
                    current_app.logger.exception("pack of meeting %s not delivered to %s", meeting.id, message.to)
                    failed.append(message.to)
    finally:
        backend.close()
    return failed
