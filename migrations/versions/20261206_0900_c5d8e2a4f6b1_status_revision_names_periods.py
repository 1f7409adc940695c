"""The status row draws a new `revision` at every commit that bore on its startup: pages keep the parts
they render from a startup's record under it (portfolio.core.fragments). It also holds the names
of its sponsors and co-incubators as the portfolio lists them; `phase_periods` keeps the day-D rule
as periods, so that the phase of every startup on a past day is one range query; `record_revisions`
holds a convention's revision, drawn anew by every commit that changed its record.

Revision ID: c5d8e2a4f6b1
Revises: cb0976cb9887
"""
import sqlalchemy as sa
from alembic import op

revision = "c5d8e2a4f6b1"
down_revision = "cb0976cb9887"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("startup_status") as batch:
        batch.add_column(sa.Column("revision", sa.BigInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sponsor_names", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("co_incubator_names", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "phase_periods",
        sa.Column("startup_id", sa.Integer(), sa.ForeignKey("startups.id", ondelete="CASCADE",
                                                            name="fk_phase_periods_startup_id_startups"), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("phase", sa.String(40), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("startup_id", "start", name="pk_phase_periods"),
    )
    op.create_index("ix_phase_periods_day", "phase_periods", ["start", "until", "phase", "startup_id"])
    op.create_table(
        "record_revisions",
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "record_id", name="pk_record_revisions"),
    )
    # Rows of an earlier day are recomputed (all of them, the periods with them) by the next page
    # or scheduler tick: the names and periods are filled then, before anything reads them.
    op.execute("UPDATE startup_status SET computed_on = '1970-01-01'")


def downgrade():
    op.drop_table("record_revisions")
    op.drop_index("ix_phase_periods_day", table_name="phase_periods")
    op.drop_table("phase_periods")
    with op.batch_alter_table("startup_status") as batch:
        batch.drop_column("co_incubator_names")
        batch.drop_column("sponsor_names")
        batch.drop_column("revision")
