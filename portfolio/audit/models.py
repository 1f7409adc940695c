"""One row per write: the audit event."""
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.extensions import db
from portfolio.types import UTCDateTime


ACTION_LABELS = {
    "create": "Création",
    "update": "Modification",
    "delete": "Suppression",
    "deactivate": "Désactivation",
    "reactivate": "Réactivation",
    "phase_change": "Changement de phase",
    "phase_correction": "Correction de phase",
    "status_change": "Changement de statut",
    "send_pack": "Envoi du dossier",
    "validate": "Validation",
    "close": "Clôture",
    "cancel": "Annulation",
    "amend": "Rectification",
    "record_past": "Comité enregistré après coup",
    "deadline_done": "Échéance traitée",
    "generate": "Génération",
    "logout": "Déconnexion",
    "end_sessions": "Fin des sessions",
    "link_proconnect": "Liaison ProConnect",
    "change_password": "Changement de mot de passe",
    "reset_password": "Réinitialisation du mot de passe",
}


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the write was flushed, UTC.
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: The person who made the change; null for the system (imports, scheduler) or a deleted account.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    actor = relationship("User", foreign_keys=[actor_id])
    #: Who it was, in words, kept even if the account goes (e.g. "Camille Coach", "import betagouv").
    actor_label: Mapped[str] = mapped_column(String(200))
    #: Kind of object, e.g. "user", "role_grant", "startup".
    object_type: Mapped[str] = mapped_column(String(60), index=True)
    #: Primary key of the object, as text.
    object_id: Mapped[str] = mapped_column(String(60), index=True)
    #: What the object was called when it changed.
    object_label: Mapped[str] = mapped_column(String(300))
    #: create, update, delete, or a domain verb such as "deactivate".
    action: Mapped[str] = mapped_column(String(40))
    #: Values before the change (only the fields that changed; null for a creation).
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Values after the change (only the fields that changed; null for a deletion).
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: Why, when the person said it (e.g. the reason of a phase change).
    reason: Mapped[str | None] = mapped_column(Text)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


class LogVersion(db.Model):
    """The audit log's version: one row (id 1), numbered up in the transaction of every write that
    leaves audit events: the reminders' sweep evaluates its rules again only when it changed (or
    the day did). The token, drawn
    when the row is made, tells apart a log that was emptied and refilled to the same number."""

    __tablename__ = "audit_log_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)
