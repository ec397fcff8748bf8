"""inventory: warehouses, stock per variant, reservations, the append-only stock ledger; the
catalog's denormalised available_qty on variants

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-25 10:20:00.218389
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


# The ledger is how stock levels are explained and audited: movements are facts, never edited.
APPEND_ONLY = '''
CREATE FUNCTION inventory.reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'inventory.stock_movement is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER stock_movement_append_only BEFORE UPDATE OR DELETE ON inventory.stock_movement
    FOR EACH ROW EXECUTE FUNCTION inventory.reject_change();
'''


def upgrade() -> None:
    op.execute('CREATE SCHEMA IF NOT EXISTS "inventory"')
    op.create_table('warehouse',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=100), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('seller_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_warehouse')),
    sa.UniqueConstraint('code', name=op.f('uq_warehouse_code')),
    schema='inventory'
    )
    op.create_index(op.f('ix_warehouse_seller_id'), 'warehouse', ['seller_id'], unique=False, schema='inventory')
    op.create_table('stock',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('warehouse_id', sa.UUID(), nullable=False),
    sa.Column('variant_id', sa.UUID(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('on_hand >= 0', name=op.f('ck_stock_on_hand_not_negative')),
    sa.CheckConstraint('reserved >= 0 AND reserved <= on_hand', name=op.f('ck_stock_reserved_within_on_hand')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['inventory.warehouse.id'], name=op.f('fk_stock_warehouse_id_warehouse'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock')),
    sa.UniqueConstraint('warehouse_id', 'variant_id', name=op.f('uq_stock_warehouse_id_variant_id')),
    schema='inventory'
    )
    op.create_index(op.f('ix_stock_variant_id'), 'stock', ['variant_id'], unique=False, schema='inventory')
    op.create_table('reservation',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('release_reason', sa.String(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('live', 'confirmed', 'released', 'expired')", name=op.f('ck_reservation_status_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reservation')),
    sa.UniqueConstraint('reference', name=op.f('uq_reservation_reference')),
    schema='inventory'
    )
    op.create_index('ix_reservation_live_expires', 'reservation', ['expires_at'], unique=False, schema='inventory', postgresql_where=sa.text("status = 'live'"))
    op.create_table('reservation_line',
    sa.Column('reservation_id', sa.UUID(), nullable=False),
    sa.Column('stock_id', sa.UUID(), nullable=False),
    sa.Column('warehouse_id', sa.UUID(), nullable=False),
    sa.Column('variant_id', sa.UUID(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 1', name=op.f('ck_reservation_line_quantity_positive')),
    sa.ForeignKeyConstraint(['reservation_id'], ['inventory.reservation.id'], name=op.f('fk_reservation_line_reservation_id_reservation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stock_id'], ['inventory.stock.id'], name=op.f('fk_reservation_line_stock_id_stock'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('reservation_id', 'stock_id', name=op.f('pk_reservation_line')),
    schema='inventory'
    )
    op.create_index(op.f('ix_reservation_line_stock_id'), 'reservation_line', ['stock_id'], unique=False, schema='inventory')
    op.create_table('stock_movement',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('variant_id', sa.UUID(), nullable=False),
    sa.Column('warehouse_id', sa.UUID(), nullable=False),
    sa.Column('delta_on_hand', sa.Integer(), nullable=False),
    sa.Column('delta_reserved', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=10), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('receive', 'adjust', 'return', 'reserve', 'release', 'expire', 'confirm')", name=op.f('ck_stock_movement_reason_known')),
    sa.CheckConstraint('delta_on_hand <> 0 OR delta_reserved <> 0', name=op.f('ck_stock_movement_moves_something')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['inventory.warehouse.id'], name=op.f('fk_stock_movement_warehouse_id_warehouse'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_movement')),
    schema='inventory'
    )
    op.create_index('ix_stock_movement_variant', 'stock_movement', ['variant_id', 'id'], unique=False, schema='inventory')
    op.execute(APPEND_ONLY)
    # NULL = never tracked by inventory (counts as in stock), so existing variants keep selling.
    op.add_column('product_variant', sa.Column('available_qty', sa.Integer(), nullable=True), schema='catalog')
    op.create_check_constraint(op.f('ck_product_variant_available_not_negative'), 'product_variant',
                               'available_qty IS NULL OR available_qty >= 0', schema='catalog')


def downgrade() -> None:
    op.drop_constraint(op.f('ck_product_variant_available_not_negative'), 'product_variant', type_='check',
                       schema='catalog')
    op.drop_column('product_variant', 'available_qty', schema='catalog')
    op.execute("DROP TRIGGER IF EXISTS stock_movement_append_only ON inventory.stock_movement")
    op.execute("DROP FUNCTION IF EXISTS inventory.reject_change()")
    op.drop_index('ix_stock_movement_variant', table_name='stock_movement', schema='inventory')
    op.drop_table('stock_movement', schema='inventory')
    op.drop_index(op.f('ix_reservation_line_stock_id'), table_name='reservation_line', schema='inventory')
    op.drop_table('reservation_line', schema='inventory')
    op.drop_index('ix_reservation_live_expires', table_name='reservation', schema='inventory', postgresql_where=sa.text("status = 'live'"))
    op.drop_table('reservation', schema='inventory')
    op.drop_index(op.f('ix_stock_variant_id'), table_name='stock', schema='inventory')
    op.drop_table('stock', schema='inventory')
    op.drop_index(op.f('ix_warehouse_seller_id'), table_name='warehouse', schema='inventory')
    op.drop_table('warehouse', schema='inventory')
    op.execute('DROP SCHEMA IF EXISTS "inventory"')
