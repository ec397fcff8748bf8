"""address book; shipping zones, couriers, rate card (seeded), shipments and tracking

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:20:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


SCHEMAS = ("addresses", "shipping")

# --- the rate card this revision ships with (frozen here: later price changes are new revisions) ---

ZONES = {
    "jawa": ("Jawa", ("DKI Jakarta", "Jawa Barat", "Banten", "Jawa Tengah", "DI Yogyakarta", "Jawa Timur")),
    "sumatra": ("Sumatra", ("Aceh", "Sumatera Utara", "Sumatera Barat", "Riau", "Kepulauan Riau", "Jambi",
                            "Sumatera Selatan", "Kepulauan Bangka Belitung", "Bengkulu", "Lampung")),
    "bali_nusa_tenggara": ("Bali & Nusa Tenggara", ("Bali", "Nusa Tenggara Barat", "Nusa Tenggara Timur")),
    "kalimantan": ("Kalimantan", ("Kalimantan Barat", "Kalimantan Tengah", "Kalimantan Selatan", "Kalimantan Timur",
                                  "Kalimantan Utara")),
    "sulawesi": ("Sulawesi", ("Sulawesi Utara", "Gorontalo", "Sulawesi Tengah", "Sulawesi Barat", "Sulawesi Selatan",
                              "Sulawesi Tenggara")),
    "maluku_papua": ("Maluku & Papua", ("Maluku", "Maluku Utara", "Papua", "Papua Barat", "Papua Barat Daya",
                                        "Papua Tengah", "Papua Pegunungan", "Papua Selatan")),
}

# Distance tier between zones (symmetric): 0 within a zone … 4 for the far east from the west.
# Maluku & Papua to itself is tier 1: its islands are far apart and flights are few.
TIERS = {
    ("jawa", "jawa"): 0, ("jawa", "sumatra"): 1, ("jawa", "bali_nusa_tenggara"): 1, ("jawa", "kalimantan"): 2,
    ("jawa", "sulawesi"): 2, ("jawa", "maluku_papua"): 4,
    ("sumatra", "sumatra"): 0, ("sumatra", "bali_nusa_tenggara"): 2, ("sumatra", "kalimantan"): 2,
    ("sumatra", "sulawesi"): 3, ("sumatra", "maluku_papua"): 4,
    ("bali_nusa_tenggara", "bali_nusa_tenggara"): 0, ("bali_nusa_tenggara", "kalimantan"): 2,
    ("bali_nusa_tenggara", "sulawesi"): 2, ("bali_nusa_tenggara", "maluku_papua"): 3,
    ("kalimantan", "kalimantan"): 0, ("kalimantan", "sulawesi"): 2, ("kalimantan", "maluku_papua"): 3,
    ("sulawesi", "sulawesi"): 0, ("sulawesi", "maluku_papua"): 3,
    ("maluku_papua", "maluku_papua"): 1,
}

COURIERS = {"test": "LAKOO Test Courier", "jne": "JNE"}

# (courier, service): (name, eta min, eta max, [(IDR per started kg, IDR minimum charge) per tier 0..4])
SERVICES = {
    ("test", "regular"): ("Reguler", 2, 4, [(8_000, 10_000), (14_000, 16_000), (24_000, 26_000), (38_000, 40_000),
                                            (55_000, 60_000)]),
    ("test", "express"): ("Express", 1, 2, [(13_000, 18_000), (22_000, 26_000), (36_000, 40_000), (55_000, 60_000),
                                            (80_000, 85_000)]),
    ("jne", "regular"): ("REG", 2, 5, [(9_000, 9_000), (15_000, 15_000), (25_000, 25_000), (40_000, 40_000),
                                       (58_000, 58_000)]),
    ("jne", "express"): ("YES", 1, 1, [(18_000, 18_000), (28_000, 28_000), (45_000, 45_000), (70_000, 70_000),
                                       (98_000, 98_000)]),
}

courier_t = sa.table("courier", sa.column("code"), sa.column("name"), sa.column("active"), schema="shipping")
service_t = sa.table("courier_service", sa.column("courier_code"), sa.column("code"), sa.column("name"),
                     sa.column("eta_days_min"), sa.column("eta_days_max"), sa.column("active"), schema="shipping")
zone_t = sa.table("zone", sa.column("code"), sa.column("name"), schema="shipping")
zone_province_t = sa.table("zone_province", sa.column("province"), sa.column("zone_code"), schema="shipping")
rate_t = sa.table("rate", sa.column("courier_code"), sa.column("service_code"), sa.column("origin_zone"),
                  sa.column("destination_zone"), sa.column("price_per_kg"), sa.column("minimum_charge"),
                  schema="shipping")


def seed_rows() -> list[tuple[sa.TableClause, list[dict]]]:
    """Parents before children. Also used by tests to restore the card after they truncate."""
    tier = {**TIERS, **{(b, a): t for (a, b), t in TIERS.items()}}
    return [
        (courier_t, [{"code": c, "name": n, "active": True} for c, n in COURIERS.items()]),
        (service_t, [{"courier_code": c, "code": s, "name": name, "eta_days_min": lo, "eta_days_max": hi,
                      "active": True} for (c, s), (name, lo, hi, _) in SERVICES.items()]),
        (zone_t, [{"code": z, "name": name} for z, (name, _) in ZONES.items()]),
        (zone_province_t, [{"province": p, "zone_code": z} for z, (_, provinces) in ZONES.items() for p in provinces]),
        (rate_t, [{"courier_code": c, "service_code": s, "origin_zone": o, "destination_zone": d,
                   "price_per_kg": prices[tier[(o, d)]][0], "minimum_charge": prices[tier[(o, d)]][1]}
                  for (c, s), (_, _, _, prices) in SERVICES.items() for o in ZONES for d in ZONES]),
    ]


def upgrade() -> None:
    for schema in SCHEMAS:
        op.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    op.create_table('address',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('label', sa.String(length=30), nullable=True),
    sa.Column('recipient', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('province', sa.String(length=50), nullable=False),
    sa.Column('city', sa.String(length=100), nullable=False),
    sa.Column('district', sa.String(length=100), nullable=False),
    sa.Column('postal_code', sa.String(length=5), nullable=False),
    sa.Column('street', sa.String(length=300), nullable=False),
    sa.Column('notes', sa.String(length=200), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("phone ~ '^\\+628[0-9]{8,12}$'", name=op.f('ck_address_phone_normalised')),
    sa.CheckConstraint("postal_code ~ '^[0-9]{5}$'", name=op.f('ck_address_postal_code_5_digits')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address')),
    schema='addresses'
    )
    op.create_index('ix_address_user_created', 'address', ['user_id', 'created_at', 'id'], unique=False, schema='addresses')
    op.create_index('uq_address_user_default', 'address', ['user_id'], unique=True, schema='addresses', postgresql_where=sa.text('is_default'))
    op.create_table('courier',
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_courier')),
    schema='shipping'
    )
    op.create_table('zone',
    sa.Column('code', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_zone')),
    schema='shipping'
    )
    op.create_table('courier_service',
    sa.Column('courier_code', sa.String(length=20), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('eta_days_min', sa.SmallInteger(), nullable=False),
    sa.Column('eta_days_max', sa.SmallInteger(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint("code IN ('regular', 'express')", name=op.f('ck_courier_service_code_known')),
    sa.CheckConstraint('eta_days_min >= 0 AND eta_days_max >= eta_days_min', name=op.f('ck_courier_service_eta_range')),
    sa.ForeignKeyConstraint(['courier_code'], ['shipping.courier.code'], name=op.f('fk_courier_service_courier_code_courier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('courier_code', 'code', name=op.f('pk_courier_service')),
    schema='shipping'
    )
    op.create_table('zone_province',
    sa.Column('province', sa.String(length=50), nullable=False),
    sa.Column('zone_code', sa.String(length=30), nullable=False),
    sa.ForeignKeyConstraint(['zone_code'], ['shipping.zone.code'], name=op.f('fk_zone_province_zone_code_zone'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('province', name=op.f('pk_zone_province')),
    schema='shipping'
    )
    op.create_index(op.f('ix_zone_province_zone_code'), 'zone_province', ['zone_code'], unique=False, schema='shipping')
    op.create_table('rate',
    sa.Column('courier_code', sa.String(length=20), nullable=False),
    sa.Column('service_code', sa.String(length=20), nullable=False),
    sa.Column('origin_zone', sa.String(length=30), nullable=False),
    sa.Column('destination_zone', sa.String(length=30), nullable=False),
    sa.Column('price_per_kg', sa.BigInteger(), nullable=False),
    sa.Column('minimum_charge', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('price_per_kg > 0 AND minimum_charge > 0', name=op.f('ck_rate_prices_positive')),
    sa.ForeignKeyConstraint(['courier_code', 'service_code'], ['shipping.courier_service.courier_code', 'shipping.courier_service.code'], name=op.f('fk_rate_courier_code_courier_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['destination_zone'], ['shipping.zone.code'], name=op.f('fk_rate_destination_zone_zone'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['origin_zone'], ['shipping.zone.code'], name=op.f('fk_rate_origin_zone_zone'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('courier_code', 'service_code', 'origin_zone', 'destination_zone', name=op.f('pk_rate')),
    schema='shipping'
    )
    op.create_index('ix_rate_zones', 'rate', ['origin_zone', 'destination_zone'], unique=False, schema='shipping')
    op.create_table('shipment',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('order_id', sa.UUID(), nullable=False),
    sa.Column('courier_code', sa.String(length=20), nullable=False),
    sa.Column('service_code', sa.String(length=20), nullable=False),
    sa.Column('tracking_number', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('picked_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('label_created', 'picked_up', 'in_transit', 'delivered')", name=op.f('ck_shipment_status_known')),
    sa.ForeignKeyConstraint(['courier_code', 'service_code'], ['shipping.courier_service.courier_code', 'shipping.courier_service.code'], name=op.f('fk_shipment_courier_code_courier_service'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment')),
    sa.UniqueConstraint('order_id', name=op.f('uq_shipment_order_id')),
    sa.UniqueConstraint('tracking_number', name=op.f('uq_shipment_tracking_number')),
    schema='shipping'
    )
    op.create_table('shipment_event',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('shipment_id', sa.UUID(), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('applied', sa.Boolean(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('label_created', 'picked_up', 'in_transit', 'delivered')", name=op.f('ck_shipment_event_status_known')),
    sa.ForeignKeyConstraint(['shipment_id'], ['shipping.shipment.id'], name=op.f('fk_shipment_event_shipment_id_shipment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shipment_event')),
    sa.UniqueConstraint('event_id', name=op.f('uq_shipment_event_event_id')),
    schema='shipping'
    )
    op.create_index('ix_shipment_event_shipment_occurred', 'shipment_event', ['shipment_id', 'occurred_at', 'id'], unique=False, schema='shipping')
    for table, rows in seed_rows():
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index('ix_shipment_event_shipment_occurred', table_name='shipment_event', schema='shipping')
    op.drop_table('shipment_event', schema='shipping')
    op.drop_table('shipment', schema='shipping')
    op.drop_index('ix_rate_zones', table_name='rate', schema='shipping')
    op.drop_table('rate', schema='shipping')
    op.drop_index(op.f('ix_zone_province_zone_code'), table_name='zone_province', schema='shipping')
    op.drop_table('zone_province', schema='shipping')
    op.drop_table('courier_service', schema='shipping')
    op.drop_table('zone', schema='shipping')
    op.drop_table('courier', schema='shipping')
    op.drop_index('uq_address_user_default', table_name='address', schema='addresses', postgresql_where=sa.text('is_default'))
    op.drop_index('ix_address_user_created', table_name='address', schema='addresses')
    op.drop_table('address', schema='addresses')
    for schema in reversed(SCHEMAS):
        op.execute(f'DROP SCHEMA IF EXISTS "{schema}"')
