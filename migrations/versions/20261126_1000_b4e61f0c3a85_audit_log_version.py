"""audit log version: one numbered row for read caches; the reminders' mark keeps it; undelivered notifications' partial index

Revision ID: b4e61f0c3a85
Revises: 9e4b1c7d2a60
Create Date: 2026-11-26 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e61f0c3a85'
down_revision = '9e4b1c7d2a60'
branch_labels = None
depends_on = None

UNDELIVERED = "sent_at IS NULL AND cancelled_at IS NULL"


def upgrade():
    op.create_table('audit_log_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log_versions'))
    )
    # A mark only saves a generation: forgetting it costs one generation at the next sweep.
    op.execute("DELETE FROM reminder_generation_marks")
    with op.batch_alter_table('reminder_generation_marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_version', sa.String(length=50), nullable=False))
        batch_op.drop_column('audit_events')
        batch_op.drop_column('last_audit_event_id')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_undelivered', ['recipient_id', 'scheduled_for'], unique=False,
                              sqlite_where=sa.text(UNDELIVERED), postgresql_where=sa.text(UNDELIVERED))


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_undelivered')
    op.execute("DELETE FROM reminder_generation_marks")
    with op.batch_alter_table('reminder_generation_marks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_audit_event_id', sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column('audit_events', sa.Integer(), nullable=False))
        batch_op.drop_column('log_version')

    op.drop_table('audit_log_versions')
