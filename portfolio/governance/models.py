"""Meetings (governance instances and investment committees), their participants, the
review of each startup with its preparation and decision, and the decisions' follow-ups."""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, JSON, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.accounts.models import User
from portfolio.audit.tracking import Audited
from portfolio.core.concurrency import Versioned
from portfolio.extensions import db
from portfolio.startups.models import Startup
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime

MEETING_KINDS = {
    "governance_instance": "Instance de gouvernance",
    "investment_committee": "Comité d’investissement",
}
MEETING_STATUSES = {
    "scheduled": "Programmée",
    "held": "Tenue",
    "closed": "Clôturée",
    "cancelled": "Annulée",
}
PARTICIPANT_ROLES = {
    "intrapreneur": "Intrapreneur·e",
    "sponsor": "Sponsor",
    "incubator_lead": "Responsable d’incubateur",
    "portfolio_manager": "Chargé·e de portefeuille DINUM",
    "delegant_representative": "Représentant·e du délégant",
    "porteur_representative": "Représentant·e du porteur",
    "coach": "Coach",
    "other": "Autre",
}
#: The doctrine's default time slots of a review, in minutes.
DEFAULT_SLOTS = {"presentation": 15, "questions": 15, "deliberation": 20}
#: The impact grid of the doctrine, in its order.
IMPACT_CRITERIA = {
    "usable": "Utilisable",
    "used": "Utilisé",
    "useful": "Utile",
    "impactful": "Impactant",
    "efficient": "Efficient",
}
IMPACT_LEVELS = {
    "not_yet": "Pas encore",
    "partly": "En partie",
    "yes": "Oui",
    "proven": "Démontré",
}
DECISION_OUTCOMES = {
    "continue_6_months": "Budget pour 6 mois de plus",
    "provisional": "Budget provisoire de 1 à 2 mois, en attente de preuves",
    "stop": "Arrêt",
    "unknown": "Issue non renseignée (registre)",
}


def outcome_label(outcome: str | None) -> str:
    """A committee's outcome as every page names it (a committee held without a recorded decision too)."""
    return DECISION_OUTCOMES.get(outcome or "", "Décision non enregistrée")


#: A review's health as the chair records it, with its DSFR badge (never colour only: the text is shown).
HEALTH_LEVELS = {
    "on_track": "En bonne voie",
    "watch": "À surveiller",
    "struggling": "En difficulté",
}
HEALTH_BADGES = {"on_track": "success", "watch": "warning", "struggling": "error"}
#: The levels that need a reason.
HEALTH_NEEDS_REASON = frozenset({"watch", "struggling"})

ACTION_STATUSES = {"open": "Ouverte", "done": "Faite", "dropped": "Abandonnée"}


class Meeting(Versioned, Audited, db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One of MEETING_KINDS.
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    #: When it starts (UTC; entered and shown in Europe/Paris).
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    location: Mapped[str | None] = mapped_column(String(300))
    video_link: Mapped[str | None] = mapped_column(String(500))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    chair: Mapped[User | None] = relationship(foreign_keys=[chair_id])
    #: One of MEETING_STATUSES; decisions and minutes are locked once "closed".
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    #: Minutes of the meeting as a whole (each review has its own).
    minutes: Mapped[str | None] = mapped_column(Text)
    #: When the pack was sent, and to whom (e-mail addresses).
    pack_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pack_sent_to: Mapped[list[str] | None] = mapped_column(JSON)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: "local" (scheduled ahead), "past" (entered after it took place, "Enregistrer un comité
    #: passé"), or "registry" for a committee recreated from a registry `committee` event.
    source: Mapped[str] = mapped_column(String(20), default="local")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The calendar event's SEQUENCE: 0 when scheduled, raised by each change of time, place or status.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: When its time, place or status last changed (the event's LAST-MODIFIED); null until then.
    revised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    participants: Mapped[list["Participant"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Participant.id"
    )
    reviews: Mapped[list["Review"]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Review.position"
    )

    def __str__(self) -> str:
        return self.title

    def revise(self, now: datetime | None = None) -> None:
        """Its time, place or status changed: the calendar event's SEQUENCE goes up, LAST-MODIFIED is now."""
        self.sequence = (self.sequence or 0) + 1
        self.revised_at = now or utcnow()


class Participant(Audited, db.Model):
    """Someone invited: an account of the application, or a named outside guest."""

    __tablename__ = "meeting_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    meeting: Mapped[Meeting] = relationship(back_populates="participants")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    user: Mapped[User | None] = relationship()
    #: The guest's name (or the account's name when invited from the application).
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    organisation: Mapped[str | None] = mapped_column(String(300))
    #: One of PARTICIPANT_ROLES.
    role: Mapped[str] = mapped_column(String(40))
    #: Recorded during or after the meeting; null until then.
    attended: Mapped[bool | None] = mapped_column(Boolean)

    def __str__(self) -> str:
        return f"{self.name} ({PARTICIPANT_ROLES.get(self.role, self.role)})"


class Review(Versioned, Audited, db.Model):
    """One startup on a meeting's agenda, with its time slots, minutes, preparation and decision."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("meeting_id", "startup_id"),
        Index("ix_reviews_startup_meeting", "startup_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    meeting: Mapped[Meeting] = relationship(back_populates="reviews")
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"))
    startup: Mapped[Startup] = relationship()
    #: Order on the agenda.
    position: Mapped[int] = mapped_column(Integer, default=0)
    presentation_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_SLOTS["presentation"])
    questions_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_SLOTS["questions"])
    deliberation_minutes: Mapped[int] = mapped_column(Integer, default=DEFAULT_SLOTS["deliberation"])
    minutes: Mapped[str | None] = mapped_column(Text)
    #: The chair's judgement of the startup's health (one of HEALTH_LEVELS), its reason, when and by whom.
    health: Mapped[str | None] = mapped_column(String(20))
    health_reason: Mapped[str | None] = mapped_column(String(1000))
    health_recorded_on: Mapped[date | None] = mapped_column(Date)
    health_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    preparation: Mapped["Preparation | None"] = relationship(
        back_populates="review", cascade="all, delete-orphan", uselist=False
    )
    decision: Mapped["Decision | None"] = relationship(
        back_populates="review", cascade="all, delete-orphan", uselist=False
    )

    def __str__(self) -> str:
        return f"Revue de {self.startup.name if self.startup else self.startup_id}"

    @property
    def total_minutes(self) -> int:
        return self.presentation_minutes + self.questions_minutes + self.deliberation_minutes


class Preparation(Versioned, Audited, db.Model):
    """What the intrapreneur prepares before the meeting, and the impact grid."""

    __tablename__ = "preparations"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    review: Mapped[Review] = relationship(back_populates="preparation")
    done_since_last: Mapped[str | None] = mapped_column(Text)
    objectives: Mapped[str | None] = mapped_column(Text)
    budget_asked: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    blockers: Mapped[str | None] = mapped_column(Text)
    #: {criterion: {"level": IMPACT_LEVELS key, "comment": str}} for each of IMPACT_CRITERIA.
    impact: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"Préparation de la revue {self.review_id}"


class Decision(Versioned, Audited, db.Model):
    """The outcome of a review; validating one with a phase change writes it into the startup's history once."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), unique=True)
    review: Mapped[Review] = relationship(back_populates="decision")
    #: One of DECISION_OUTCOMES.
    outcome: Mapped[str] = mapped_column(String(40))
    #: The phase the decision moves the startup to, and from which day.
    phase_change_to: Mapped[str | None] = mapped_column(String(40))
    phase_change_on: Mapped[date | None] = mapped_column(Date)
    amount_granted: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    #: A provisional budget's length in months (1 or 2): the next committee is due at its end.
    provisional_months: Mapped[int | None] = mapped_column(Integer)
    conditions: Mapped[str | None] = mapped_column(Text)
    reserves: Mapped[str | None] = mapped_column(Text)
    validated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The span the validation wrote (its presence makes a second validation a no-op).
    phase_span_id: Mapped[int | None] = mapped_column(ForeignKey("phase_spans.id", ondelete="SET NULL"))
    follow_ups: Mapped[list["FollowUpAction"]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="FollowUpAction.due_on"
    )

    def __str__(self) -> str:
        return DECISION_OUTCOMES.get(self.outcome, self.outcome)


class FollowUpAction(Versioned, Audited, db.Model):
    """Something a decision asks for, with an owner and a due date, checked at the next committee."""

    __tablename__ = "follow_up_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"), index=True)
    decision: Mapped[Decision] = relationship(back_populates="follow_ups")
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    owner: Mapped[User | None] = relationship()
    #: The owner's name when they have no account.
    owner_name: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    #: One of ACTION_STATUSES.
    status: Mapped[str] = mapped_column(String(20), default="open")
    done_on: Mapped[date | None] = mapped_column(Date)

    def __str__(self) -> str:
        return self.text[:80]


class CalendarToken(Audited, db.Model):
    """A user's private calendar feed secret; revoking sets revoked_at and a new one can be made."""

    __tablename__ = "calendar_tokens"
    __audit_masked__ = frozenset({"token"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship()
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self) -> str:
        return f"Flux agenda de l’utilisateur {self.user_id}"
