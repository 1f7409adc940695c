"""accounts: OpenID Connect subject, session version, optional password; single-use e-mail tokens

Revision ID: e3f1a9c47b20
Revises: e3a91c4f7b20
Create Date: 2026-12-01 19:00:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'e3f1a9c47b20'
down_revision = 'e3a91c4f7b20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('password_hash', existing_type=sa.String(length=256), nullable=True)
        batch_op.add_column(sa.Column('oidc_sub', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_users_oidc_sub'), ['oidc_sub'])

    op.create_table(
        'account_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('purpose', sa.String(length=20), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash')),
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_tokens_user_id'))
    op.drop_table('account_tokens')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_oidc_sub'), type_='unique')
        batch_op.drop_column('session_version')
        batch_op.drop_column('oidc_sub')
        batch_op.alter_column('password_hash', existing_type=sa.String(length=256), nullable=False)
