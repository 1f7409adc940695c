"""reminder deadlines: the sweep's bookkeeping (last reminder day made, recipients' digest)

Revision ID: c7a2d5e91f34
Revises: b4e61f0c3a85
Create Date: 2026-11-26 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7a2d5e91f34'
down_revision = 'b4e61f0c3a85'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reminder_deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('recipients_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('reminder_deadlines', schema=None) as batch_op:
        batch_op.drop_column('recipients_digest')
        batch_op.drop_column('reminded_on')
