"""Funding outside conventions: grants a startup received, such as the FAST grants the registry
records (`fast: {promotion, montant}` in a startup's file), imported by `portfolio.imports`."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from portfolio.audit.tracking import Audited
from portfolio.extensions import db
from portfolio.startups.models import Startup
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime

GRANT_KINDS = {"fast": "Subvention FAST"}
#: Where an imported FAST grant comes from.
REGISTRY_SOURCE = "Registre beta.gouv.fr"


class Grant(Audited, db.Model):
    """One grant of one kind per startup (a FAST grant is given once, for one promotion)."""

    __tablename__ = "grants"
    __table_args__ = (UniqueConstraint("startup_id", "kind", name="uq_grants_startup_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id", ondelete="CASCADE"), index=True)
    startup: Mapped[Startup] = relationship(
        backref=backref("grants", cascade="all, delete-orphan", order_by="Grant.kind")
    )
    #: One of GRANT_KINDS.
    kind: Mapped[str] = mapped_column(String(20))
    #: The FAST promotion (cohort) number; null when the registry gives none.
    promotion: Mapped[int | None] = mapped_column(Integer)
    amount_eur: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    source: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kind_label(self) -> str:
        return GRANT_KINDS.get(self.kind, self.kind)

    def __str__(self) -> str:
        promotion = f", promotion {self.promotion}" if self.promotion is not None else ""
        return f"{self.kind_label}{promotion}"
