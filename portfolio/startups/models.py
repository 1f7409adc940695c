"""Organisations, incubators and startups: the objects that roles are scoped to."""
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portfolio.audit.tracking import Audited
from portfolio.extensions import db


class Organisation(Audited, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, the registry's file name (e.g. "dinum").
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    acronym: Mapped[str | None] = mapped_column(String(80))

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

    def __str__(self) -> str:
        return self.name


class Startup(Audited, db.Model):
    __tablename__ = "startups"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable identifier, the registry's file name (e.g. "signaux-faibles").
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    #: One-sentence mission, as the registry's `mission`.
    pitch: Mapped[str | None] = mapped_column(Text)
    #: The incubator that hosts it.
    incubator_id: Mapped[int | None] = mapped_column(ForeignKey("incubators.id"), index=True)
    incubator: Mapped[Incubator | None] = relationship()

    def __str__(self) -> str:
        return self.name
