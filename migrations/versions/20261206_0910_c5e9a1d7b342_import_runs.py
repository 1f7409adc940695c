"""The record of each registry import saved (the admin's home shows the last one).

Revision ID: c5e9a1d7b342
Revises: c5d8e2a4f6b1
"""
import sqlalchemy as sa
from alembic import op

revision = "c5e9a1d7b342"
down_revision = "c5d8e2a4f6b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(200), nullable=False),
        sa.Column("files_read", sa.Integer(), nullable=False),
        sa.Column("milliseconds", sa.Integer(), nullable=False),
        sa.Column("records", sa.JSON(), nullable=False),
        sa.Column("anomaly_count", sa.Integer(), nullable=False),
        sa.Column("anomalies_by_kind", sa.JSON(), nullable=False),
        sa.Column("anomalies", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_import_runs_finished_at", "import_runs", ["finished_at"])


def downgrade():
    op.drop_index("ix_import_runs_finished_at", table_name="import_runs")
    op.drop_table("import_runs")
