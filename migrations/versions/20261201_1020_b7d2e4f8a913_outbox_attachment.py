"""The outbox keeps a message's attachment (the committee's pack as a PDF).

Revision ID: b7d2e4f8a913
Revises: b7d2e4f19a61
"""
import sqlalchemy as sa
from alembic import op

revision = "b7d2e4f8a913"
down_revision = 'b7d2e4f19a61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("attachment_filename", sa.String(300), nullable=True))
        batch.add_column(sa.Column("attachment_type", sa.String(100), nullable=True))
        batch.add_column(sa.Column("attachment_data", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("attachment_data")
        batch.drop_column("attachment_type")
        batch.drop_column("attachment_filename")
