"""Conventions and the money they grant, kept so that nothing is ever overwritten.

A funding line's amounts live in `LineAmount` rows, each effective from a date: the
convention's own amounts from its signature, then one row per amendment that changes the
line. The amounts "as of" a day are those of the latest row effective on or before it.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.audit.tracking import Audited
from portfolio.extensions import db
from portfolio.startups.models import Organisation, Startup
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime

#: Days after a quarter's end by which its consumption report is due, unless the convention says otherwise.
DEFAULT_REPORT_DUE_DAYS = 15
#: Euros with cents, exact.
Money = Numeric(14, 2)

CONVENTION_KINDS = {
    "delegation_gestion": "Convention de délégation de gestion",
    "partenariat": "Convention de partenariat",
    "financiere": "Convention financière",
    "autre": "Autre",
}
#: The lifecycle of a convention, in order.
CONVENTION_STATUSES = {
    "draft": "Brouillon",
    "signed": "Signée",
    "published": "Publiée",
    "closed": "Clôturée",
}
PARTY_ROLES = {
    "delegant": "Délégant",
    "delegataire": "Délégataire",
    "porteur": "Porteur de projets",
}
OBLIGATION_KINDS = {
    "quarterly_report": "Compte rendu trimestriel de consommation",
    "investment_committee": "Comité d’investissement avant la fin de la convention",
    "amendment_by_avenant": "Modification par avenant",
    "publication": "Publication",
    "other": "Autre",
}


class Convention(Audited, db.Model):
    __tablename__ = "conventions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The convention's reference, unique (e.g. "DINUM-SGMEF-FTM-2020").
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(400))
    #: One of CONVENTION_KINDS.
    kind: Mapped[str] = mapped_column(String(40))
    #: The fund it draws on, e.g. "Fonds de Transformation Ministériel (FTM)".
    fund: Mapped[str | None] = mapped_column(String(300))
    #: Budget programme (e.g. "218"), BOP (e.g. "Secrétariat général") and UO named in its body.
    budget_programme: Mapped[str | None] = mapped_column(String(40))
    bop: Mapped[str | None] = mapped_column(String(200))
    uo: Mapped[str | None] = mapped_column(String(60))
    #: The "Vu le décret…" lines, as written.
    legal_basis: Mapped[str | None] = mapped_column(Text)
    #: The body's purpose (Article 1), free text.
    purpose: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(Date)
    #: Takes effect on publication.
    effective_on: Mapped[date | None] = mapped_column(Date)
    #: Null with `until_paid`: valid until every expense is paid.
    ends_on: Mapped[date | None] = mapped_column(Date)
    until_paid: Mapped[bool] = mapped_column(Boolean, default=False)
    #: One of CONVENTION_STATUSES; every change is also a dated StatusChange.
    status: Mapped[str] = mapped_column(String(20), default="draft")
    #: The annex's TOTAL row as declared (AE, CP), to check the lines against; null when none is declared.
    declared_total_ae: Mapped[Decimal | None] = mapped_column(Money)
    declared_total_cp: Mapped[Decimal | None] = mapped_column(Money)
    #: Days after a quarter's end by which its consumption report is due.
    report_due_days: Mapped[int] = mapped_column(Integer, default=DEFAULT_REPORT_DUE_DAYS)
    #: The signed document, stored under the instance folder.
    document_path: Mapped[str | None] = mapped_column(String(300))
    document_name: Mapped[str | None] = mapped_column(String(300))
    document_size: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parties: Mapped[list["ConventionParty"]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="ConventionParty.id"
    )
    obligations: Mapped[list["Obligation"]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="Obligation.id"
    )
    status_changes: Mapped[list["StatusChange"]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="StatusChange.changed_on"
    )
    lines: Mapped[list["FundingLine"]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="FundingLine.position"
    )
    amendments: Mapped[list["Amendment"]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="Amendment.number"
    )
    reports: Mapped[list["ConsumptionReport"]] = relationship(
        back_populates="convention", cascade="all, delete-orphan", order_by="ConsumptionReport.quarter_start"
    )

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"


class ConventionParty(Audited, db.Model):
    """A party and its role; the representative and the signatory may differ (they do in the seed)."""

    __tablename__ = "convention_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    convention: Mapped[Convention] = relationship(back_populates="parties")
    #: One of PARTY_ROLES.
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation: Mapped[Organisation] = relationship()
    address: Mapped[str | None] = mapped_column(String(500))
    representative_name: Mapped[str | None] = mapped_column(String(200))
    representative_title: Mapped[str | None] = mapped_column(String(300))
    signatory_name: Mapped[str | None] = mapped_column(String(200))
    signatory_title: Mapped[str | None] = mapped_column(String(300))

    def __str__(self) -> str:
        return f"{PARTY_ROLES.get(self.role, self.role)} : {self.organisation}"


class Obligation(Audited, db.Model):
    """What the convention requires (Articles 3 to 7): reports, committees, avenants, publication."""

    __tablename__ = "convention_obligations"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    convention: Mapped[Convention] = relationship(back_populates="obligations")
    #: One of OBLIGATION_KINDS.
    kind: Mapped[str] = mapped_column(String(40))
    #: As written, e.g. the publication channels of Article 7.
    description: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return OBLIGATION_KINDS.get(self.kind, self.kind)


class StatusChange(Audited, db.Model):
    """A dated change of a convention's status."""

    __tablename__ = "convention_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    convention: Mapped[Convention] = relationship(back_populates="status_changes")
    status: Mapped[str] = mapped_column(String(20))
    changed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)

    def __str__(self) -> str:
        return f"{CONVENTION_STATUSES.get(self.status, self.status)} le {self.changed_on:%d/%m/%Y}"


class FundingLine(Audited, db.Model):
    """An annex row: a startup's funding by a convention for one fiscal year."""

    __tablename__ = "funding_lines"
    __table_args__ = (Index("ix_funding_lines_startup_year", "startup_id", "fiscal_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    convention: Mapped[Convention] = relationship(back_populates="lines")
    startup_id: Mapped[int] = mapped_column(ForeignKey("startups.id"))
    startup: Mapped[Startup] = relationship()
    fiscal_year: Mapped[int] = mapped_column(Integer)
    #: The project as the annex names it (e.g. "Startup Etat (place des entreprises)").
    label: Mapped[str | None] = mapped_column(String(300))
    #: The direction that carries it (e.g. "DGE/DIUM").
    direction: Mapped[str | None] = mapped_column(String(120))
    uo: Mapped[str | None] = mapped_column(String(60))
    activite: Mapped[str | None] = mapped_column(String(60))
    paaf: Mapped[str | None] = mapped_column(String(60))
    #: Order of the line in the annex.
    position: Mapped[int] = mapped_column(Integer, default=0)
    amounts: Mapped[list["LineAmount"]] = relationship(
        back_populates="line", cascade="all, delete-orphan", order_by="LineAmount.effective_on"
    )

    def __str__(self) -> str:
        return f"{self.label or self.startup_id} {self.fiscal_year}"


class Amendment(Audited, db.Model):
    """An avenant: numbered, dated, described; its line changes are LineAmount rows."""

    __tablename__ = "amendments"
    __table_args__ = (UniqueConstraint("convention_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    convention: Mapped[Convention] = relationship(back_populates="amendments")
    number: Mapped[int] = mapped_column(Integer)
    signed_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text)

    def __str__(self) -> str:
        return f"Avenant n° {self.number} du {self.signed_on:%d/%m/%Y}"


class LineAmount(Audited, db.Model):
    """A line's AE and CP from `effective_on` on: the initial amounts, or an amendment's."""

    __tablename__ = "line_amounts"
    __table_args__ = (Index("ix_line_amounts_line_effective", "line_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"))
    line: Mapped[FundingLine] = relationship(back_populates="amounts")
    effective_on: Mapped[date] = mapped_column(Date)
    #: Autorisations d'engagement and crédits de paiement, in euros.
    ae: Mapped[Decimal] = mapped_column(Money)
    cp: Mapped[Decimal] = mapped_column(Money)
    #: The amendment that set these amounts; null for the convention's own.
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendments.id", ondelete="CASCADE"), index=True)
    amendment: Mapped[Amendment | None] = relationship()

    def __str__(self) -> str:
        return f"AE {self.ae} / CP {self.cp} au {self.effective_on:%d/%m/%Y}"


class ConsumptionReport(Audited, db.Model):
    """The délégataire's quarterly report (Article 3): filed once per quarter."""

    __tablename__ = "consumption_reports"
    __table_args__ = (UniqueConstraint("convention_id", "quarter_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    convention_id: Mapped[int] = mapped_column(ForeignKey("conventions.id", ondelete="CASCADE"), index=True)
    convention: Mapped[Convention] = relationship(back_populates="reports")
    #: First day of the quarter reported on (1 January, 1 April, 1 July or 1 October).
    quarter_start: Mapped[date] = mapped_column(Date)
    submitted_on: Mapped[date] = mapped_column(Date)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    entries: Mapped[list["ConsumptionEntry"]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ConsumptionEntry.line_id"
    )

    def __str__(self) -> str:
        return f"Compte rendu du trimestre commençant le {self.quarter_start:%d/%m/%Y}"


class ConsumptionEntry(Audited, db.Model):
    """What a report says of one line: AE committed and CP paid during the quarter."""

    __tablename__ = "consumption_entries"
    __table_args__ = (UniqueConstraint("report_id", "line_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("consumption_reports.id", ondelete="CASCADE"))
    report: Mapped[ConsumptionReport] = relationship(back_populates="entries")
    line_id: Mapped[int] = mapped_column(ForeignKey("funding_lines.id", ondelete="CASCADE"), index=True)
    line: Mapped[FundingLine] = relationship()
    ae_committed: Mapped[Decimal] = mapped_column(Money)
    cp_paid: Mapped[Decimal] = mapped_column(Money)

    def __str__(self) -> str:
        return f"AE engagées {self.ae_committed} / CP payés {self.cp_paid}"
