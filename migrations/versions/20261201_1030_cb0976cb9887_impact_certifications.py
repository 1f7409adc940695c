"""impact certifications: each startup's certified impact level over time (who, when, which level);
the status row keeps the level of the latest day

Revision ID: cb0976cb9887
Revises: b7d2e4f8a913
Create Date: 2026-12-02 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'cb0976cb9887'
down_revision = 'b7d2e4f8a913'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'impact_certifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('startup_id', sa.Integer(), nullable=False),
        sa.Column('level', sa.String(length=20), nullable=False),
        sa.Column('certified_on', sa.Date(), nullable=False),
        sa.Column('certified_by', sa.String(length=300), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_impact_certifications_startup_id_startups'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_impact_certifications_recorded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_certifications')),
    )
    with op.batch_alter_table('impact_certifications', schema=None) as batch_op:
        batch_op.create_index('ix_impact_certifications_startup_day', ['startup_id', 'certified_on'], unique=False)
    # No level recorded yet: the status rows' new columns are rightly empty.
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.add_column(sa.Column('impact_level', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('impact_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('impact_by', sa.String(length=300), nullable=True))
        batch_op.create_index('ix_startup_status_impact_level', ['impact_level'], unique=False)


def downgrade():
    with op.batch_alter_table('startup_status', schema=None) as batch_op:
        batch_op.drop_index('ix_startup_status_impact_level')
        batch_op.drop_column('impact_by')
        batch_op.drop_column('impact_on')
        batch_op.drop_column('impact_level')
    with op.batch_alter_table('impact_certifications', schema=None) as batch_op:
        batch_op.drop_index('ix_impact_certifications_startup_day')
    op.drop_table('impact_certifications')
