"""Delivering e-mails: MAIL_BACKEND "smtp" (smtplib, settings from the environment) or "outbox"
(the default without MAIL_SERVER: each message becomes an OutboxMessage row that admins read in
the application, and nothing leaves the machine)."""
import smtplib
from dataclasses import dataclass
from email import encoders
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, format_datetime, make_msgid, parseaddr

from flask import current_app

from portfolio.extensions import db
from portfolio.reminders.models import OutboxMessage
from portfolio.timeutil import utcnow


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message (the outbox keeps one per message)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Message:
    """One e-mail to one person: French text and HTML bodies."""

    to: str
    subject: str
    text: str
    html: str
    #: How many notifications it carries (a digest carries several).
    notification_count: int = 1
    attachments: tuple[Attachment, ...] = ()


class MailError(RuntimeError):
    """A delivery that failed; the sweep records it and retries later."""


def as_email(message: Message, sender: str) -> MIMEMultipart:
    """The message as sent: multipart/alternative (text, then HTML), UTF-8.

    Built with the compat32 API on purpose: Python 3.11's default policy folds a long French
    subject into adjacent encoded-words with the spaces between them outside, which readers drop
    (RFC 2047 §6.2): "l’usage réel" arrived as "l’usageréel". `Header` keeps the spaces inside.
    """
    body = MIMEMultipart("alternative")
    email = MIMEMultipart("mixed") if message.attachments else body
    email["From"] = _address(sender)
    email["To"] = _address(message.to)
    email["Subject"] = Header(message.subject, "utf-8")
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "portfolio.local")
    email["Content-Language"] = "fr"
    # Tells mail servers and clients not to answer it automatically (RFC 3834).
    email["Auto-Submitted"] = "auto-generated"
    body.attach(MIMEText(message.text, "plain", "utf-8"))
    body.attach(MIMEText(message.html, "html", "utf-8"))
    if message.attachments:
        email.attach(body)
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        part = MIMEBase(maintype, subtype)
        part.set_payload(attachment.data)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
        email.attach(part)
    return email


def _address(text: str) -> str:
    """"Inès Moreau <ines@…>" with the name encoded for the wire when it is not ASCII."""
    name, address = parseaddr(text)
    return formataddr((name, address), charset="utf-8")


class OutboxBackend:
    """Writes the message in the database, in the sweep's transaction: it is "sent" exactly when
    the notification is marked sent."""

    name = "outbox"

    def __init__(self, config) -> None:
        self.sender = config["MAIL_DEFAULT_SENDER"]

    def send(self, message: Message) -> None:
        if len(message.attachments) > 1:
            raise MailError("La boîte d’envoi ne garde qu’une pièce jointe par message.")
        attachment = message.attachments[0] if message.attachments else None
        db.session.add(
            OutboxMessage(
                sender=self.sender,
                to=message.to,
                subject=message.subject,
                text_body=message.text,
                html_body=message.html,
                notification_count=message.notification_count,
                attachment_filename=attachment.filename if attachment else None,
                attachment_type=attachment.content_type if attachment else None,
                attachment_data=attachment.data if attachment else None,
            )
        )
        db.session.flush()

    def close(self) -> None:
        """Nothing to release."""


class SmtpBackend:
    """One SMTP connection per sweep, opened on the first message and reopened after an error."""

    name = "smtp"

    def __init__(self, config) -> None:
        self.server = config["MAIL_SERVER"]
        self.port = int(config["MAIL_PORT"])
        self.use_tls = bool(config["MAIL_USE_TLS"])
        self.username = config["MAIL_USERNAME"]
        self.password = config["MAIL_PASSWORD"]
        self.sender = config["MAIL_DEFAULT_SENDER"]
        self.timeout = float(config["MAIL_TIMEOUT_SECONDS"])
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if not self.server:
            raise MailError("MAIL_SERVER n’est pas défini : impossible d’envoyer par SMTP.")
        connection = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                connection.starttls()
            if self.username:
                connection.login(self.username, self.password or "")
        except Exception:
            connection.close()
            raise
        return connection

    def send(self, message: Message) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.send_message(as_email(message, self.sender))
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise MailError(f"{type(error).__name__}: {error}") from error

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.quit()
            except (OSError, smtplib.SMTPException):
                self._connection.close()
            self._connection = None


BACKENDS = {"outbox": OutboxBackend, "smtp": SmtpBackend}


def configured_backend():
    """The backend MAIL_BACKEND names, built from the application's settings."""
    name = current_app.config["MAIL_BACKEND"]
    try:
        backend_class = BACKENDS[name]
    except KeyError:
        raise RuntimeError(f"MAIL_BACKEND={name!r} is unknown; expected one of {', '.join(BACKENDS)}") from None
    return backend_class(current_app.config)
