"""sellers: onboarding, decisions, stats; seller fulfilment steps on orders

Revision ID: sl01
Revises: 0008
Create Date: 2026-11-25 18:42:34.902938
"""
import sqlalchemy as sa
from alembic import op

revision = 'sl01'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS "sellers"')
    op.create_table('seller',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('shop_name', sa.String(length=60), nullable=False),
    sa.Column('handle', sa.String(length=30), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('province', sa.String(length=50), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('business_type', sa.String(length=20), nullable=False),
    sa.Column('legal_name', sa.String(length=200), nullable=False),
    sa.Column('nik', sa.String(length=16), nullable=True),
    sa.Column('npwp', sa.String(length=16), nullable=True),
    sa.Column('nib', sa.String(length=13), nullable=True),
    sa.Column('payout_bank_code', sa.String(length=20), nullable=False),
    sa.Column('payout_account_number', sa.String(length=20), nullable=False),
    sa.Column('payout_account_last4', sa.String(length=4), nullable=False),
    sa.Column('payout_account_holder', sa.String(length=100), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.UUID(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("business_type <> 'company' OR npwp IS NOT NULL", name=op.f('ck_seller_company_has_npwp')),
    sa.CheckConstraint("business_type <> 'individual' OR nik IS NOT NULL", name=op.f('ck_seller_individual_has_nik')),
    sa.CheckConstraint("business_type IN ('individual', 'company')", name=op.f('ck_seller_business_type_known')),
    sa.CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name=op.f('ck_seller_rejected_has_reason')),
    sa.CheckConstraint("status = 'pending' OR reviewed_at IS NOT NULL", name=op.f('ck_seller_decided_has_review_time')),
    sa.CheckConstraint("status IN ('pending', 'approved', 'rejected', 'suspended')", name=op.f('ck_seller_status_known')),
    sa.CheckConstraint('handle = lower(handle)', name=op.f('ck_seller_handle_lowercase')),
    sa.CheckConstraint('payout_account_last4 = right(payout_account_number, 4)', name=op.f('ck_seller_last4_matches')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_seller')),
    sa.UniqueConstraint('handle', name=op.f('uq_seller_handle')),
    schema='sellers'
    )
    op.create_index('ix_seller_pending_applied', 'seller', ['applied_at', 'user_id'], unique=False, schema='sellers', postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_seller_status_applied', 'seller', ['status', 'applied_at', 'user_id'], unique=False, schema='sellers')
    op.create_table('seller_review',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('seller_id', sa.UUID(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('reviewer_id', sa.UUID(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("decision IN ('applied', 'approved', 'rejected')", name=op.f('ck_seller_review_decision_known')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.seller.user_id'], name=op.f('fk_seller_review_seller_id_seller'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_seller_review')),
    schema='sellers'
    )
    op.create_index('ix_seller_review_seller', 'seller_review', ['seller_id', 'id'], unique=False, schema='sellers')
    op.create_table('seller_stats',
    sa.Column('seller_id', sa.UUID(), nullable=False),
    sa.Column('active_products', sa.Integer(), nullable=False),
    sa.Column('orders_paid', sa.Integer(), nullable=False),
    sa.Column('orders_to_ship', sa.Integer(), nullable=False),
    sa.Column('orders_completed', sa.Integer(), nullable=False),
    sa.Column('orders_cancelled', sa.Integer(), nullable=False),
    sa.Column('gmv', sa.BigInteger(), nullable=False),
    sa.Column('gmv_completed', sa.BigInteger(), nullable=False),
    sa.Column('rating_avg', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('rating_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('active_products >= 0 AND orders_paid >= 0 AND orders_to_ship >= 0 AND orders_completed >= 0 AND orders_cancelled >= 0 AND rating_count >= 0', name=op.f('ck_seller_stats_counts_not_negative')),
    sa.CheckConstraint('gmv >= 0 AND gmv_completed >= 0', name=op.f('ck_seller_stats_gmv_not_negative')),
    sa.CheckConstraint('rating_avg IS NULL OR rating_avg BETWEEN 1 AND 5', name=op.f('ck_seller_stats_rating_in_range')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.seller.user_id'], name=op.f('fk_seller_stats_seller_id_seller'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seller_id', name=op.f('pk_seller_stats')),
    schema='sellers'
    )
    op.add_column('order', sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True), schema='orders')
    op.add_column('order', sa.Column('packed_at', sa.DateTime(timezone=True), nullable=True), schema='orders')
    op.create_index('ix_order_seller_created', 'order', ['seller_id', 'created_at', 'id'], unique=False, schema='orders')


def downgrade() -> None:
    op.drop_index('ix_order_seller_created', table_name='order', schema='orders')
    op.drop_column('order', 'packed_at', schema='orders')
    op.drop_column('order', 'accepted_at', schema='orders')
    op.drop_table('seller_stats', schema='sellers')
    op.drop_index('ix_seller_review_seller', table_name='seller_review', schema='sellers')
    op.drop_table('seller_review', schema='sellers')
    op.drop_index('ix_seller_status_applied', table_name='seller', schema='sellers')
    op.drop_index('ix_seller_pending_applied', table_name='seller', schema='sellers', postgresql_where=sa.text("status = 'pending'"))
    op.drop_table('seller', schema='sellers')
    op.execute('DROP SCHEMA IF EXISTS "sellers"')
