"""The status row counts the commits that bore on its startup (`revision`): pages keep the parts
they render from a startup's record under it (portfolio.core.fragments). It also holds the names
of its sponsors and co-incubators as the portfolio lists them.

Revision ID: c5d8e2a4f6b1
Revises: b7d2e4f8a913
"""
import sqlalchemy as sa
from alembic import op

revision = "c5d8e2a4f6b1"
down_revision = "b7d2e4f8a913"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("startup_status") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("sponsor_names", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("co_incubator_names", sa.Text(), nullable=False, server_default=""))
    # Rows of an earlier day are recomputed by the next page or scheduler tick: the names are
    # filled then, before anything reads them.
    op.execute("UPDATE startup_status SET computed_on = '1970-01-01'")


def downgrade():
    with op.batch_alter_table("startup_status") as batch:
        batch.drop_column("co_incubator_names")
        batch.drop_column("sponsor_names")
        batch.drop_column("revision")
