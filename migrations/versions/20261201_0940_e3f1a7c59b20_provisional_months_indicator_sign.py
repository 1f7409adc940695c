"""decisions: a provisional budget's months; indicators: whether a value may be negative

Revision ID: e3f1a7c59b20
Revises: e5a9c3d71b28
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3f1a7c59b20'
down_revision = 'e5a9c3d71b28'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisional_months', sa.Integer(), nullable=True))
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allows_negative', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('allows_negative')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('provisional_months')
