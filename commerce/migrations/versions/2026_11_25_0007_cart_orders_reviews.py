"""cart, checkout and orders, reviews

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-25 10:13:12.036455
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


SCHEMAS = ("cart", "orders", "reviews")


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    op.create_table('cart_item',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('variant_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.SmallInteger(), nullable=False),
    sa.Column('price_at_add', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('source_post_id', sa.UUID(), nullable=True),
    sa.Column('source_surface', sa.String(length=20), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity BETWEEN 1 AND 99', name=op.f('ck_cart_item_quantity_bounds')),
    sa.PrimaryKeyConstraint('user_id', 'variant_id', name=op.f('pk_cart_item')),
    schema='cart'
    )
    op.create_table('checkout',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('buyer_id', sa.UUID(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('payment_intent_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkout')),
    sa.UniqueConstraint('buyer_id', 'idempotency_key', name=op.f('uq_checkout_buyer_id_idempotency_key')),
    schema='orders'
    )
    op.create_table('review',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('order_item_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('buyer_id', sa.UUID(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('photos', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_review_rating_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review')),
    sa.UniqueConstraint('order_item_id', name=op.f('uq_review_order_item_id')),
    schema='reviews'
    )
    op.create_index('ix_review_product_created', 'review', ['product_id', 'created_at', 'id'], unique=False, schema='reviews')
    op.create_table('order',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('checkout_id', sa.UUID(), nullable=False),
    sa.Column('buyer_id', sa.UUID(), nullable=False),
    sa.Column('seller_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('subtotal', sa.BigInteger(), nullable=False),
    sa.Column('shipping_fee', sa.BigInteger(), nullable=False),
    sa.Column('total', sa.BigInteger(), nullable=False),
    sa.Column('refunded_amount', sa.BigInteger(), nullable=False),
    sa.Column('courier', sa.String(length=20), nullable=False),
    sa.Column('courier_service', sa.String(length=20), nullable=False),
    sa.Column('shipping_address', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'completed', 'cancelled', 'expired', 'refunded', 'partially_refunded')", name=op.f('ck_order_status_known')),
    sa.CheckConstraint('subtotal >= 0 AND shipping_fee >= 0 AND total = subtotal + shipping_fee', name=op.f('ck_order_money_adds_up')),
    sa.ForeignKeyConstraint(['checkout_id'], ['orders.checkout.id'], name=op.f('fk_order_checkout_id_checkout')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order')),
    schema='orders'
    )
    op.create_index('ix_order_buyer_created', 'order', ['buyer_id', 'created_at', 'id'], unique=False, schema='orders')
    op.create_index('ix_order_checkout', 'order', ['checkout_id'], unique=False, schema='orders')
    op.create_index('ix_order_status_delivered', 'order', ['status', 'delivered_at'], unique=False, schema='orders')
    op.create_table('order_item',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('variant_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('unit_price', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.SmallInteger(), nullable=False),
    sa.Column('line_total', sa.BigInteger(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('source_post_id', sa.UUID(), nullable=True),
    sa.Column('source_surface', sa.String(length=20), nullable=True),
    sa.CheckConstraint('quantity > 0 AND unit_price >= 0 AND line_total = unit_price * quantity', name=op.f('ck_order_item_line_adds_up')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order.id'], name=op.f('fk_order_item_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_item')),
    schema='orders'
    )
    op.create_index(op.f('ix_order_item_order_id'), 'order_item', ['order_id'], unique=False, schema='orders')
    op.create_table('order_status_change',
    sa.Column('id', sa.BigInteger(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.order.id'], name=op.f('fk_order_status_change_order_id_order'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_order_status_change')),
    schema='orders'
    )
    op.create_index('ix_order_status_change_order', 'order_status_change', ['order_id', 'id'], unique=False, schema='orders')


def downgrade() -> None:
    op.drop_index('ix_order_status_change_order', table_name='order_status_change', schema='orders')
    op.drop_table('order_status_change', schema='orders')
    op.drop_index(op.f('ix_order_item_order_id'), table_name='order_item', schema='orders')
    op.drop_table('order_item', schema='orders')
    op.drop_index('ix_order_status_delivered', table_name='order', schema='orders')
    op.drop_index('ix_order_checkout', table_name='order', schema='orders')
    op.drop_index('ix_order_buyer_created', table_name='order', schema='orders')
    op.drop_table('order', schema='orders')
    op.drop_index('ix_review_product_created', table_name='review', schema='reviews')
    op.drop_table('review', schema='reviews')
    op.drop_table('checkout', schema='orders')
    op.drop_table('cart_item', schema='cart')
    for schema in reversed(SCHEMAS):
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}"')
