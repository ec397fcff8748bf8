"""notifications: inbox, batched actors, per-channel deliveries, preferences, push devices

Revision ID: nt01
Revises: 0008
Create Date: 2026-11-25 18:44:54.268919
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = 'nt01'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS "notifications"')
    op.create_table('notification',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=True),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.UUID(), nullable=True),
    sa.Column('actor_ids', postgresql.ARRAY(sa.UUID()), nullable=False),
    sa.Column('actor_count', sa.Integer(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('source_event_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('actor_count >= 0', name=op.f('ck_notification_actor_count_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
    schema='notifications'
    )
    op.create_index('ix_notification_inbox', 'notification', ['user_id', 'updated_at', 'id'], unique=False, schema='notifications')
    op.create_index('ix_notification_open_group', 'notification', ['user_id', 'group_key', 'created_at'], unique=False, schema='notifications', postgresql_where=sa.text('read_at IS NULL AND group_key IS NOT NULL'))
    op.create_index('ix_notification_unread', 'notification', ['user_id', 'updated_at', 'id'], unique=False, schema='notifications', postgresql_where=sa.text('read_at IS NULL'))
    op.create_table('preference',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'type', 'channel', name=op.f('pk_preference')),
    schema='notifications'
    )
    op.create_table('push_device',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('token', sa.String(length=512), nullable=False),
    sa.Column('platform', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("platform IN ('ios', 'android', 'web')", name=op.f('ck_push_device_platform_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_push_device')),
    sa.UniqueConstraint('token', name=op.f('uq_push_device_token')),
    schema='notifications'
    )
    op.create_index(op.f('ix_push_device_user_id'), 'push_device', ['user_id'], unique=False, schema='notifications')
    op.create_table('delivery',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('notification_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('provider', sa.String(length=40), nullable=True),
    sa.Column('provider_ref', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('email', 'push', 'sms')", name=op.f('ck_delivery_channel_known')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'skipped')", name=op.f('ck_delivery_status_known')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.notification.id'], name=op.f('fk_delivery_notification_id_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_delivery_idempotency_key')),
    schema='notifications'
    )
    op.create_index('ix_delivery_due', 'delivery', ['next_attempt_at'], unique=False, schema='notifications', postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.create_index('ix_delivery_notification_channel', 'delivery', ['notification_id', 'channel'], unique=True, schema='notifications')
    op.create_table('notification_actor',
    sa.Column('notification_id', sa.UUID(), nullable=False),
    sa.Column('actor_id', sa.UUID(), nullable=False),
    sa.Column('acted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.notification.id'], name=op.f('fk_notification_actor_notification_id_notification'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notification_id', 'actor_id', name=op.f('pk_notification_actor')),
    schema='notifications'
    )


def downgrade() -> None:
    op.drop_table('notification_actor', schema='notifications')
    op.drop_index('ix_delivery_notification_channel', table_name='delivery', schema='notifications')
    op.drop_index('ix_delivery_due', table_name='delivery', schema='notifications', postgresql_where=sa.text("status IN ('pending', 'sending')"))
    op.drop_table('delivery', schema='notifications')
    op.drop_index(op.f('ix_push_device_user_id'), table_name='push_device', schema='notifications')
    op.drop_table('push_device', schema='notifications')
    op.drop_table('preference', schema='notifications')
    op.drop_index('ix_notification_unread', table_name='notification', schema='notifications', postgresql_where=sa.text('read_at IS NULL'))
    op.drop_index('ix_notification_open_group', table_name='notification', schema='notifications', postgresql_where=sa.text('read_at IS NULL AND group_key IS NOT NULL'))
    op.drop_index('ix_notification_inbox', table_name='notification', schema='notifications')
    op.drop_table('notification', schema='notifications')
    op.execute('DROP SCHEMA IF EXISTS "notifications"')
