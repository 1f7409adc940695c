"""startup_status: the committee situation of the day and its rank (next committees pages in SQL)

Revision ID: f4b2c8d61a37
Revises: e3f1a7c59b20
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f4b2c8d61a37'
down_revision = 'e3f1a7c59b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('committee_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('committee_rank', sa.Integer(), nullable=True))
        batch_op.create_index('ix_startup_status_committee_order', ['committee_rank', 'committee_due_on', 'sort_name'], unique=False)
    # Rows of an earlier day are recomputed by the next page or scheduler tick: the new columns
    # are filled then, before anything reads them.
    op.execute("UPDATE startup_status SET computed_on = '1970-01-01'")


def downgrade():
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.drop_index('ix_startup_status_committee_order')
        batch_op.drop_column('committee_rank')
        batch_op.drop_column('committee_status')
