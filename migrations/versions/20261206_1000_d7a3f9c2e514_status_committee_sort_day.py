"""Next committees' order from one index: the due day with none last, stored (`committee_sort_on`).

Revision ID: d7a3f9c2e514
Revises: c5e9a1d7b342
"""
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "d7a3f9c2e514"
down_revision = "c5e9a1d7b342"
branch_labels = None
depends_on = None

UNDATED = date(9999, 12, 31)


def upgrade():
    with op.batch_alter_table("startup_status") as batch_op:
        batch_op.add_column(sa.Column("committee_sort_on", sa.Date(), nullable=True))
        batch_op.drop_index("ix_startup_status_committee_order")
        batch_op.create_index(
            "ix_startup_status_committee_order",
            ["committee_rank", "committee_sort_on", "sort_name", "startup_id"],
            unique=False,
        )
    status = sa.table("startup_status", sa.column("committee_rank", sa.Integer()),
                      sa.column("committee_due_on", sa.Date()), sa.column("committee_sort_on", sa.Date()))
    op.execute(
        status.update()
        .where(status.c.committee_rank.is_not(None))
        .values(committee_sort_on=sa.func.coalesce(status.c.committee_due_on, sa.literal(UNDATED, sa.Date())))
    )


def downgrade():
    with op.batch_alter_table("startup_status") as batch_op:
        batch_op.drop_index("ix_startup_status_committee_order")
        batch_op.create_index(
            "ix_startup_status_committee_order", ["committee_rank", "committee_due_on", "sort_name"], unique=False
        )
        batch_op.drop_column("committee_sort_on")
