"""conventions: the annex's declared TOTAL (AE, CP)

Revision ID: 5c2e7a9d41f3
Revises: ad85b771277a
Create Date: 2026-11-26 18:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c2e7a9d41f3'
down_revision = 'ad85b771277a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declared_total_ae', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('declared_total_cp', sa.Numeric(precision=14, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table('conventions', schema=None) as batch_op:
        batch_op.drop_column('declared_total_cp')
        batch_op.drop_column('declared_total_ae')
