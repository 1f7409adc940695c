"""startup status: one derived row per startup (current phase, flags, committees, run-out)

Revision ID: e3a9c41d7b20
Revises: c7a2d5e91f34
Create Date: 2026-12-01 19:30:00

The rows are filled by `flask status rebuild` (and by every write afterwards); the upgrade fills
them too, so that a database upgraded in place shows its startups at once.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a9c41d7b20'
down_revision = 'c7a2d5e91f34'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('startup_status',
    sa.Column('startup_id', sa.Integer(), nullable=False),
    sa.Column('computed_on', sa.Date(), nullable=False),
    sa.Column('sort_name', sa.String(length=300), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('phase', sa.String(length=40), nullable=True),
    sa.Column('phase_since', sa.Date(), nullable=True),
    sa.Column('next_phase', sa.String(length=40), nullable=True),
    sa.Column('next_phase_on', sa.Date(), nullable=True),
    sa.Column('stale_on', sa.Date(), nullable=True),
    sa.Column('beyond_norm_on', sa.Date(), nullable=True),
    sa.Column('last_committee_on', sa.Date(), nullable=True),
    sa.Column('last_committee_id', sa.Integer(), nullable=True),
    sa.Column('last_committee_outcome', sa.String(length=40), nullable=True),
    sa.Column('next_committee_on', sa.Date(), nullable=True),
    sa.Column('next_committee_id', sa.Integer(), nullable=True),
    sa.Column('committee_due_on', sa.Date(), nullable=True),
    sa.Column('run_out_on', sa.Date(), nullable=True),
    sa.Column('funding_state', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_startup_status_startup_id_startups'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('startup_id', name=op.f('pk_startup_status'))
    )
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.create_index('ix_startup_status_committee_due_on', ['committee_due_on'], unique=False)
        batch_op.create_index('ix_startup_status_computed_on', ['computed_on'], unique=False)
        batch_op.create_index('ix_startup_status_phase_sort', ['phase', 'sort_name'], unique=False)
        batch_op.create_index('ix_startup_status_sort_name', ['sort_name'], unique=False)
    # Rows for the startups already there, dated long ago: the first page read (or the scheduler's
    # next tick) finds them behind and rebuilds them all with the application's own rules.
    op.execute(
        "INSERT INTO startup_status (startup_id, computed_on, sort_name, search_text, funding_state) "
        "SELECT id, '1970-01-01', lower(name), lower(name), 'none' FROM startups"
    )


def downgrade():
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.drop_index('ix_startup_status_sort_name')
        batch_op.drop_index('ix_startup_status_phase_sort')
        batch_op.drop_index('ix_startup_status_computed_on')
        batch_op.drop_index('ix_startup_status_committee_due_on')
    op.drop_table('startup_status')
