"""Organisations, incubators, startups and what is recorded about them over time:
phase spans, milestones, indicators and their measurements, team members."""
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.audit.tracking import Audited
from portfolio.core.concurrency import Versioned
from portfolio.extensions import db
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime


class Organisation(Audited, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, the registry's file name (e.g. "dinum").
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(80))
    #: The registry's `type` (administration-centrale, operateur, autre…).
    kind: Mapped[str | None] = mapped_column(String(80))
    #: The registry's `domaine_ministeriel` (e.g. "bercy").
    ministry_domain: Mapped[str | None] = mapped_column(String(120))

    def __str__(self) -> str:
        return self.acronym or self.name


class Incubator(Audited, db.Model):
    __tablename__ = "incubators"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, the registry's file name (e.g. "dinum").
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: The organisation that runs the incubator.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    owner: Mapped[Organisation | None] = relationship()
    short_description: Mapped[str | None] = mapped_column(Text)
    website: Mapped[str | None] = mapped_column(String(500))
    contact: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))

    def __str__(self) -> str:
        return self.name


class Startup(Versioned, Audited, db.Model):
    __tablename__ = "startups"
    #: The time of its last change, set by operations.touch beside the change's own event.
    __audit_bookkeeping__ = frozenset({"updated_at"})
    #: Pages find a startup by its slug whatever its case (the registry has "auxAJ").
    __table_args__ = (Index("ix_startups_slug_lower", text("lower(slug)")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, the registry's file name (e.g. "signaux-faibles").
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: One-sentence mission, as the registry's `mission`.
    pitch: Mapped[str | None] = mapped_column(Text)
    #: The longer description (the registry file's Markdown body): the problem addressed, the solution.
    description: Mapped[str | None] = mapped_column(Text)
    #: The main incubator (coaches scoped to it may edit the startup).
    incubator_id: Mapped[int | None] = mapped_column(ForeignKey("incubators.id"), index=True)
    incubator: Mapped[Incubator | None] = relationship()
    #: The administration that carries the project (porteur).
    porteur_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    porteur: Mapped[Organisation | None] = relationship(foreign_keys=[porteur_id])
    contact: Mapped[str | None] = mapped_column(String(300))
    website: Mapped[str | None] = mapped_column(String(500))
    repository: Mapped[str | None] = mapped_column(String(500))
    stats_url: Mapped[str | None] = mapped_column(String(500))
    impact_url: Mapped[str | None] = mapped_column(String(500))
    budget_url: Mapped[str | None] = mapped_column(String(500))
    dashlord_url: Mapped[str | None] = mapped_column(String(500))
    #: Other registry fields kept as they came (usertypes, thematiques, techno, fast, accessibility_status…).
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: When the startup or anything recorded about it last changed (drives the "stale" flag).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    co_incubations: Mapped[list["CoIncubation"]] = relationship(
        back_populates="startup", cascade="all, delete-orphan"
    )
    sponsorships: Mapped[list["Sponsorship"]] = relationship(back_populates="startup", cascade="all, delete-orphan")
    phase_spans: Mapped[list["PhaseSpan"]] = relationship(
        back_populates="startup", cascade="all, delete-orphan", order_by="PhaseSpan.start"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="startup", cascade="all, delete-orphan", order_by="Milestone.date"
    )
    indicators: Mapped[list["Indicator"]] = relationship(back_populates="startup", cascade="all, delete-orphan")
    team: Mapped[list["TeamMember"]] = relationship(back_populates="startup", cascade="all, delete-orphan")
    impact_certifications: Mapped[list["ImpactCertification"]] = relationship(
        back_populates="startup", cascade="all, delete-orphan", order_by="ImpactCertification.certified_on"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def incubator_ids(self) -> set[int]:
        """The main incubator and the co-incubators."""
        ids = {link.incubator_id for link in self.co_incubations}
        if self.incubator_id is not None:
            ids.add(self.incubator_id)
        return ids


class CoIncubation(Audited, db.Model):
    """A further incubator of a co-incubated startup."""

    __tablename__ = "co_incubations"

    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True)
    incubator_id: Mapped[int] = mapped_column(ForeignKey("incubators.id"), primary_key=True, index=True)
    startup: Mapped[Startup] = relationship(back_populates="co_incubations")
    incubator: Mapped[Incubator] = relationship()

    def __str__(self) -> str:
        return f"{self.startup_id} co-incubée par {self.incubator_id}"


class Sponsorship(Audited, db.Model):
    """An organisation sponsoring a startup."""

    __tablename__ = "sponsorships"

    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True, index=True)
    startup: Mapped[Startup] = relationship(back_populates="sponsorships")
    organisation: Mapped[Organisation] = relationship()

    def __str__(self) -> str:
        return f"{self.startup_id} sponsorisée par {self.organisation_id}"


class PhaseSpan(Versioned, Audited, db.Model):
    """A startup was in `phase` over [start, end); end is null for the open (current or planned) span."""

    __tablename__ = "phase_spans"
    __table_args__ = (Index("ix_phase_spans_startup_start", "startup_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"))
    startup: Mapped[Startup] = relationship(back_populates="phase_spans")
    #: One of portfolio.startups.phases.PHASES (legacy names are mapped on the way in).
    phase: Mapped[str] = mapped_column(String(40), index=True)
    start: Mapped[date] = mapped_column(Date)
    #: The day the next phase begins (exclusive); null while open.
    end: Mapped[date | None] = mapped_column(Date)
    #: The registry's comment, or the reason given for the change.
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"{self.phase} depuis le {self.start:%d/%m/%Y}"


MILESTONE_KINDS = {
    "product_launch": "Lancement du produit",
    "committee": "Comité d’investissement",
    "national_impact": "Impact national",
    "end": "Fin",
    "fast": "Financement FAST",
    "eig": "Entrepreneurs d’intérêt général",
    "other": "Autre",
    "security_audit": "Audit de sécurité",
    "scale_up": "Passage à l’échelle",
    "partnership": "Partenariat",
}


class Milestone(Audited, db.Model):
    """A fait marquant: dated, typed, with a title and a text."""

    __tablename__ = "milestones"
    __table_args__ = (Index("ix_milestones_startup_date", "startup_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"))
    startup: Mapped[Startup] = relationship(back_populates="milestones")
    date: Mapped[date] = mapped_column(Date)
    #: One of MILESTONE_KINDS' keys.
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d/%m/%Y})"


class Indicator(Audited, db.Model):
    """Something a startup measures over time, e.g. "établissements traités"."""

    __tablename__ = "indicators"
    __table_args__ = (UniqueConstraint("startup_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    startup: Mapped[Startup] = relationship(back_populates="indicators")
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str | None] = mapped_column(String(60))
    #: Whether a measurement may be below zero (a balance, a variation); a count may not.
    allows_negative: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    measurements: Mapped[list["Measurement"]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="Measurement.date"
    )

    def __str__(self) -> str:
        return self.name


class Measurement(Audited, db.Model):
    """A dated value of an indicator, possibly logged with a milestone."""

    __tablename__ = "measurements"
    __table_args__ = (Index("ix_measurements_indicator_date", "indicator_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    indicator: Mapped[Indicator] = relationship(back_populates="measurements")
    date: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(18, 4))
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestones.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"{self.value} au {self.date:%d/%m/%Y}"


class TeamMember(Versioned, Audited, db.Model):
    """Someone on a startup's team, with a role and dates."""

    __tablename__ = "team_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    startup: Mapped[Startup] = relationship(back_populates="team")
    name: Mapped[str] = mapped_column(String(200))
    #: e.g. intrapreneur·e, développeur·se, coach, designer.
    role: Mapped[str] = mapped_column(String(120))
    start: Mapped[date | None] = mapped_column(Date)
    end: Mapped[date | None] = mapped_column(Date)
    #: The member's account, when they have one.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


#: A startup's certified impact level (beta.gouv.fr issue 21597), from the lowest: no impact matrix
#: published; a matrix published that the programme's product coaches have not reviewed yet; a
#: matrix whose form they certified; a matrix validated on substance.
IMPACT_CERTIFICATION_LEVELS = {
    "none": "Pas de matrice d’impact",
    "published": "Matrice publiée (non revue)",
    "certified": "Matrice certifiée",
    "validated": "Matrice validée",
}
#: Each level's DSFR badge (the text is always shown: never colour only).
IMPACT_CERTIFICATION_BADGES = {"none": "", "published": "new", "certified": "info", "validated": "success"}


class ImpactCertification(Audited, db.Model):
    """One impact level of a startup, from its day on, with who certified it. A new level is a new
    row, never an overwrite: the rows are the history; the startup's level is the one with the
    latest day (its status row keeps it, `portfolio.status`)."""

    __tablename__ = "impact_certifications"
    __table_args__ = (Index("ix_impact_certifications_startup_day", "startup_id", "certified_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"))
    startup: Mapped[Startup] = relationship(back_populates="impact_certifications")
    #: One of IMPACT_CERTIFICATION_LEVELS' keys.
    level: Mapped[str] = mapped_column(String(20))
    #: The day the level was reached (certified, validated, published), never in the future.
    certified_on: Mapped[date] = mapped_column(Date)
    #: Who certified it: a person or a team ("Coachs produit de la DINUM").
    certified_by: Mapped[str | None] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    #: The account that recorded it (an admin or a committee chair), and when.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_by: Mapped["User | None"] = relationship("User")  # noqa: F821 (accounts.models imports this module)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def level_label(self) -> str:
        return IMPACT_CERTIFICATION_LEVELS.get(self.level, self.level)

    def __str__(self) -> str:
        return f"{self.level_label} le {self.certified_on:%d/%m/%Y}"
