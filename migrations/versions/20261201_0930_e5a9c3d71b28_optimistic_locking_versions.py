"""optimistic locking: a version on every object an edit form changes (core.concurrency)

Revision ID: e5a9c3d71b28
Revises: e3f1a9c47b20
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a9c3d71b28'
down_revision = 'e3f1a9c47b20'
branch_labels = None
depends_on = None

#: Existing rows start at version 1, as new ones do.
TABLES = (
    'startups',
    'phase_spans',
    'team_members',
    'conventions',
    'convention_parties',
    'convention_obligations',
    'funding_lines',
    'meetings',
    'reviews',
    'preparations',
    'decisions',
    'follow_up_actions',
    'notification_preferences',
)


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    # Plain ALTER TABLE (SQLite 3.35+ drops a column itself): a batch copy would lose the
    # startups' expression index.
    for table in reversed(TABLES):
        op.drop_column(table, 'version')
