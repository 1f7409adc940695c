"""reviews: the chair's health of the startup (level, reason, day, by whom); the status row keeps the latest

Revision ID: b7d2e4f19a61
Revises: f4a8c2e61d37
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d2e4f19a61'
down_revision = 'f4a8c2e61d37'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('health_reason', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('health_recorded_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('health_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_reviews_health_by_id_users', 'users', ['health_by_id'], ['id'], ondelete='SET NULL')
    # No review has a health yet: the status rows' new columns are rightly empty.
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('health', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('health_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('health_meeting_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_startup_status_health', ['health'], unique=False)


def downgrade():
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.drop_index('ix_startup_status_health')
        batch_op.drop_column('health_meeting_id')
        batch_op.drop_column('health_on')
        batch_op.drop_column('health')
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_constraint('fk_reviews_health_by_id_users', type_='foreignkey')
        batch_op.drop_column('health_by_id')
        batch_op.drop_column('health_recorded_on')
        batch_op.drop_column('health_reason')
        batch_op.drop_column('health')
