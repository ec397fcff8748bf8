"""payments: intents, their append-only event ledger, refunds

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-25 10:40:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0003'
branch_labels = None
depends_on = None


# The ledger is how a payment's money is explained and reconciled: events are facts, never edited.
APPEND_ONLY = '''
CREATE FUNCTION payments.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payments.payment_event is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER payment_event_append_only BEFORE UPDATE OR DELETE ON payments.payment_event
    FOR EACH ROW EXECUTE FUNCTION payments.reject_change();
'''


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS "payments"')
    op.create_table('payment_intent',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('buyer_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('provider_ref', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('next_action', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('failure_code', sa.String(length=50), nullable=True),
    sa.Column('amount_refunded', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status IN ('refunded', 'partially_refunded')) = (amount_refunded > 0)", name=op.f('ck_payment_intent_refund_status_matches_amount')),
    sa.CheckConstraint("currency = 'IDR'", name=op.f('ck_payment_intent_currency_idr')),
    sa.CheckConstraint("method IN ('bank_va', 'ewallet', 'card')", name=op.f('ck_payment_intent_method_known')),
    sa.CheckConstraint("provider IN ('test')", name=op.f('ck_payment_intent_provider_known')),
    sa.CheckConstraint("status <> 'refunded' OR amount_refunded = amount", name=op.f('ck_payment_intent_refunded_means_all')),
    sa.CheckConstraint("status IN ('requires_payment_method', 'processing', 'succeeded', 'failed', 'canceled', 'refunded', 'partially_refunded')", name=op.f('ck_payment_intent_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_intent_amount_positive')),
    sa.CheckConstraint('amount_refunded >= 0 AND amount_refunded <= amount', name=op.f('ck_payment_intent_refunds_within_amount')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_intent')),
    sa.UniqueConstraint('provider_ref', name=op.f('uq_payment_intent_provider_ref')),
    schema='payments'
    )
    op.create_index(op.f('ix_payment_intent_buyer_id'), 'payment_intent', ['buyer_id'], unique=False, schema='payments')
    op.create_index('uq_payment_intent_live_reference', 'payment_intent', ['reference'], unique=True, schema='payments', postgresql_where=sa.text("status NOT IN ('failed', 'canceled')"))
    op.create_table('payment_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('intent_id', sa.UUID(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('provider_event_id', sa.String(length=100), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('created', 'processing', 'captured', 'failed', 'canceled', 'refunded', 'ignored')", name=op.f('ck_payment_event_kind_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_payment_event_amount_not_negative')),
    sa.ForeignKeyConstraint(['intent_id'], ['payments.payment_intent.id'], name=op.f('fk_payment_event_intent_id_payment_intent'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_event')),
    sa.UniqueConstraint('provider_event_id', name=op.f('uq_payment_event_provider_event_id')),
    schema='payments'
    )
    op.create_index(op.f('ix_payment_event_intent_id'), 'payment_event', ['intent_id'], unique=False, schema='payments')
    op.create_table('refund',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('intent_id', sa.UUID(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('refunded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'succeeded'", name=op.f('ck_refund_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_refund_amount_positive')),
    sa.ForeignKeyConstraint(['intent_id'], ['payments.payment_intent.id'], name=op.f('fk_refund_intent_id_payment_intent'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refund')),
    schema='payments'
    )
    op.create_index(op.f('ix_refund_intent_id'), 'refund', ['intent_id'], unique=False, schema='payments')
    op.execute(APPEND_ONLY)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS payment_event_append_only ON payments.payment_event")
    op.execute("DROP FUNCTION IF EXISTS payments.reject_change()")
    op.drop_index(op.f('ix_refund_intent_id'), table_name='refund', schema='payments')
    op.drop_table('refund', schema='payments')
    op.drop_index(op.f('ix_payment_event_intent_id'), table_name='payment_event', schema='payments')
    op.drop_table('payment_event', schema='payments')
    op.drop_index('uq_payment_intent_live_reference', table_name='payment_intent', schema='payments', postgresql_where=sa.text("status NOT IN ('failed', 'canceled')"))
    op.drop_index(op.f('ix_payment_intent_buyer_id'), table_name='payment_intent', schema='payments')
    op.drop_table('payment_intent', schema='payments')
    op.execute('DROP SCHEMA IF EXISTS "payments"')
