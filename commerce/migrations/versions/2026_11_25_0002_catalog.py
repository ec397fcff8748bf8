"""catalog: categories, brands, products, variants, images; full-text and trigram search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:05:00.000000
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('indonesian'::regconfig, name), 'A') || "
    "setweight(to_tsvector('english'::regconfig, name), 'A') || "
    "setweight(to_tsvector('indonesian'::regconfig, coalesce(brand_name, '') || ' ' || description), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(brand_name, '') || ' ' || description), 'B')"
)


def upgrade() -> None:
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it without superuser.
    op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.execute('CREATE SCHEMA IF NOT EXISTS "catalog"')
    op.create_table('brand',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('logo_url', sa.String(length=2048), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_brand')),
    sa.UniqueConstraint('slug', name=op.f('uq_brand_slug')),
    schema='catalog'
    )
    op.create_table('category',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_category_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['catalog.category.id'], name=op.f('fk_category_parent_id_category'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_category')),
    sa.UniqueConstraint('slug', name=op.f('uq_category_slug')),
    schema='catalog'
    )
    op.create_index(op.f('ix_category_parent_id'), 'category', ['parent_id'], unique=False, schema='catalog')
    op.create_table('product',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('seller_id', sa.UUID(), nullable=True),
    sa.Column('brand_id', sa.UUID(), nullable=True),
    sa.Column('brand_name', sa.String(length=200), nullable=True),
    sa.Column('category_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('rejection_reason', sa.Text(), nullable=True),
    sa.Column('price_min', sa.BigInteger(), nullable=True),
    sa.Column('price_max', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('popularity', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('rating_avg', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('rating_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed(SEARCH_VECTOR_SQL, persisted=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("currency = 'IDR'", name=op.f('ck_product_currency_idr')),
    sa.CheckConstraint("status <> 'active' OR price_min IS NOT NULL", name=op.f('ck_product_active_has_price')),
    sa.CheckConstraint("status <> 'rejected' OR rejection_reason IS NOT NULL", name=op.f('ck_product_rejected_has_reason')),
    sa.CheckConstraint("status IN ('draft', 'pending_review', 'active', 'rejected', 'archived')", name=op.f('ck_product_status_known')),
    sa.CheckConstraint('(price_min IS NULL) = (price_max IS NULL) AND (price_min IS NULL OR (price_min > 0 AND price_min <= price_max))', name=op.f('ck_product_price_range_valid')),
    sa.CheckConstraint('popularity >= 0 AND rating_count >= 0', name=op.f('ck_product_counters_not_negative')),
    sa.CheckConstraint('rating_avg IS NULL OR rating_avg BETWEEN 1 AND 5', name=op.f('ck_product_rating_in_range')),
    sa.ForeignKeyConstraint(['brand_id'], ['catalog.brand.id'], name=op.f('fk_product_brand_id_brand'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['category_id'], ['catalog.category.id'], name=op.f('fk_product_category_id_category'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product')),
    schema='catalog'
    )
    op.create_index('ix_product_active_created', 'product', ['created_at', 'id'], unique=False, schema='catalog', postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_product_active_popularity', 'product', ['popularity', 'id'], unique=False, schema='catalog', postgresql_where=sa.text("status = 'active'"))
    op.create_index('ix_product_active_price', 'product', ['price_min', 'id'], unique=False, schema='catalog', postgresql_where=sa.text("status = 'active'"))
    op.create_index(op.f('ix_product_brand_id'), 'product', ['brand_id'], unique=False, schema='catalog')
    op.create_index(op.f('ix_product_category_id'), 'product', ['category_id'], unique=False, schema='catalog')
    op.create_index('ix_product_name_trgm', 'product', ['name'], unique=False, schema='catalog', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.create_index('ix_product_search_vector', 'product', ['search_vector'], unique=False, schema='catalog', postgresql_using='gin')
    op.create_index(op.f('ix_product_seller_id'), 'product', ['seller_id'], unique=False, schema='catalog')
    op.create_table('product_image',
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('url', sa.String(length=2048), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.CheckConstraint('position >= 0', name=op.f('ck_product_image_position_not_negative')),
    sa.CheckConstraint('width > 0 AND height > 0', name=op.f('ck_product_image_size_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['catalog.product.id'], name=op.f('fk_product_image_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('product_id', 'position', name=op.f('pk_product_image')),
    schema='catalog'
    )
    op.create_table('product_variant',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('product_id', sa.UUID(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('attributes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('price', sa.BigInteger(), nullable=False),
    sa.Column('weight_grams', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'inactive')", name=op.f('ck_product_variant_status_known')),
    sa.CheckConstraint('price > 0', name=op.f('ck_product_variant_price_positive')),
    sa.CheckConstraint('weight_grams > 0', name=op.f('ck_product_variant_weight_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['catalog.product.id'], name=op.f('fk_product_variant_product_id_product'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variant')),
    sa.UniqueConstraint('sku', name=op.f('uq_product_variant_sku')),
    schema='catalog'
    )
    op.create_index(op.f('ix_product_variant_product_id'), 'product_variant', ['product_id'], unique=False, schema='catalog')


def downgrade() -> None:
    op.drop_index(op.f('ix_product_variant_product_id'), table_name='product_variant', schema='catalog')
    op.drop_table('product_variant', schema='catalog')
    op.drop_table('product_image', schema='catalog')
    op.drop_index(op.f('ix_product_seller_id'), table_name='product', schema='catalog')
    op.drop_index('ix_product_search_vector', table_name='product', schema='catalog', postgresql_using='gin')
    op.drop_index('ix_product_name_trgm', table_name='product', schema='catalog', postgresql_using='gin', postgresql_ops={'name': 'gin_trgm_ops'})
    op.drop_index(op.f('ix_product_category_id'), table_name='product', schema='catalog')
    op.drop_index(op.f('ix_product_brand_id'), table_name='product', schema='catalog')
    op.drop_index('ix_product_active_price', table_name='product', schema='catalog', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_product_active_popularity', table_name='product', schema='catalog', postgresql_where=sa.text("status = 'active'"))
    op.drop_index('ix_product_active_created', table_name='product', schema='catalog', postgresql_where=sa.text("status = 'active'"))
    op.drop_table('product', schema='catalog')
    op.drop_index(op.f('ix_category_parent_id'), table_name='category', schema='catalog')
    op.drop_table('category', schema='catalog')
    op.drop_table('brand', schema='catalog')
    op.execute('DROP SCHEMA IF EXISTS "catalog"')
    # pg_trgm stays: extensions are database-wide, may predate this revision or serve other schemas,
    # and the upgrade creates it only IF NOT EXISTS.
