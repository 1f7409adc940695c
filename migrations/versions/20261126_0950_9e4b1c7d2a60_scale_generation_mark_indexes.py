"""scale: the reminders' generation mark, notification indexes, startups by lower(slug)

Revision ID: 9e4b1c7d2a60
Revises: 3d7f170e5ebf
Create Date: 2026-11-26 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4b1c7d2a60'
down_revision = '3d7f170e5ebf'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_generation_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_audit_event_id', sa.Integer(), nullable=False),
    sa.Column('audit_events', sa.Integer(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_generation_marks'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_channel_sent', ['channel', 'sent_at'], unique=False)
        batch_op.create_index('ix_notifications_scheduled', ['scheduled_for', 'id'], unique=False)

    op.create_index('ix_startups_slug_lower', 'startups', [sa.text('lower(slug)')], unique=False)


def downgrade():
    op.drop_index('ix_startups_slug_lower', table_name='startups')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_scheduled')
        batch_op.drop_index('ix_notifications_channel_sent')

    op.drop_table('reminder_generation_marks')
