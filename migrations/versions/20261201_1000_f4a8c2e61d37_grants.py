"""grants: funding outside conventions (the registry's FAST grants)

Revision ID: f4a8c2e61d37
Revises: f4b2c8d61a37
Create Date: 2026-12-01 23:40:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'f4a8c2e61d37'
down_revision = 'f4b2c8d61a37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'grants',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('startup_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('promotion', sa.Integer(), nullable=True),
        sa.Column('amount_eur', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['startup_id'], ['startups.id'], name=op.f('fk_grants_startup_id_startups'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_grants')),
        sa.UniqueConstraint('startup_id', 'kind', name='uq_grants_startup_kind'),
    )
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grants_startup_id'), ['startup_id'], unique=False)


def downgrade():
    with op.batch_alter_table('grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grants_startup_id'))
    op.drop_table('grants')
