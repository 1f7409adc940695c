"""The record of each registry import that was saved: when, by whom, from what, what it did and the
anomalies it met. The admin's home reads the latest one, the import page shows it whole.

It is an account of writes that are audited one by one, not a write of its own: not audited."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portfolio.extensions import db
from portfolio.timeutil import utcnow
from portfolio.types import UTCDateTime


class ImportRun(db.Model):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: When the import was committed, UTC.
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: The folder or archive imported, as given.
    source: Mapped[str] = mapped_column(String(500))
    #: Who ran it: the account (null from the command line or once deleted) and its name then.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(200))
    files_read: Mapped[int] = mapped_column(Integer, default=0)
    #: How long it took, in milliseconds.
    milliseconds: Mapped[int] = mapped_column(Integer, default=0)
    #: {record kind: {"created": n, "updated": n, "unchanged": n}} (`RECORD_LABELS`' kinds).
    records: Mapped[dict] = mapped_column(JSON, default=dict)
    #: How many anomalies, and how many of each kind ({kind: n}, `ANOMALY_LABELS`' order).
    anomaly_count: Mapped[int] = mapped_column(Integer, default=0)
    anomalies_by_kind: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Every anomaly ({"file", "kind", "detail", "action"}): read by the import page only.
    anomalies: Mapped[list] = mapped_column(JSON, default=list, deferred=True)

    @property
    def changed(self) -> bool:
        return any(tally.get("created") or tally.get("updated") for tally in (self.records or {}).values())
