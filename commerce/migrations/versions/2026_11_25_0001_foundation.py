"""foundation: platform, auth and users schemas

Revision ID: 0001
Revises:
Create Date: 2026-11-25 09:22:28.230078
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


SCHEMAS = ("platform", "auth", "users")


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    op.create_table('account',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('active', 'disabled')", name=op.f('ck_account_status_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_account_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('email', name=op.f('uq_account_email')),
    schema='auth'
    )
    op.create_table('outbox_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_event_id')),
    schema='platform'
    )
    op.create_index('ix_outbox_event_unpublished', 'outbox_event', ['id'], unique=False, schema='platform', postgresql_where=sa.text('published_at IS NULL'))
    op.create_table('processed_event',
    sa.Column('consumer', sa.String(length=100), nullable=False),
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_processed_event')),
    schema='platform'
    )
    op.create_table('account_role',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('granted_by', sa.UUID(), nullable=True),
    sa.CheckConstraint("role IN ('buyer', 'seller', 'admin', 'analyst')", name=op.f('ck_account_role_role_known')),
    sa.ForeignKeyConstraint(['account_id'], ['auth.account.id'], name=op.f('fk_account_role_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'role', name=op.f('pk_account_role')),
    schema='auth'
    )
    op.create_table('refresh_token',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('family_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rotated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=True),
    sa.Column('client_ip', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['auth.account.id'], name=op.f('fk_refresh_token_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_token_token_hash')),
    schema='auth'
    )
    op.create_index(op.f('ix_refresh_token_account_id'), 'refresh_token', ['account_id'], unique=False, schema='auth')
    op.create_index(op.f('ix_refresh_token_family_id'), 'refresh_token', ['family_id'], unique=False, schema='auth')
    op.create_table('user_profile',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('username', sa.String(length=30), nullable=False),
    sa.Column('display_name', sa.String(length=60), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('avatar_url', sa.String(length=2048), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('username = lower(username)', name=op.f('ck_user_profile_username_lowercase')),
    sa.ForeignKeyConstraint(['id'], ['auth.account.id'], name=op.f('fk_user_profile_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_profile')),
    sa.UniqueConstraint('username', name=op.f('uq_user_profile_username')),
    schema='users'
    )


def downgrade() -> None:
    op.drop_table('user_profile', schema='users')
    op.drop_index(op.f('ix_refresh_token_family_id'), table_name='refresh_token', schema='auth')
    op.drop_index(op.f('ix_refresh_token_account_id'), table_name='refresh_token', schema='auth')
    op.drop_table('refresh_token', schema='auth')
    op.drop_table('account_role', schema='auth')
    op.drop_table('processed_event', schema='platform')
    op.drop_index('ix_outbox_event_unpublished', table_name='outbox_event', schema='platform', postgresql_where=sa.text('published_at IS NULL'))
    op.drop_table('outbox_event', schema='platform')
    op.drop_table('account', schema='auth')
    for schema in reversed(SCHEMAS):
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}"')
