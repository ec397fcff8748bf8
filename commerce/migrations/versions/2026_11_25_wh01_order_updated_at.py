"""orders.order.updated_at, kept by a trigger, so the warehouse re-extracts orders that changed

The warehouse extract reads orders whose `updated_at` is at or after its last safe point. The value
comes from `now()` (the writing transaction's start time), set by the database on every UPDATE, so
no code path can forget it, and so it compares with `pg_stat_activity.xact_start`: once every
transaction that started before T has ended, no order can still appear with `updated_at < T`.
The column is deliberately not mapped in the ORM model: the database owns it.

Revision ID: wh01
Revises: 0008
Create Date: 2026-11-25 19:00:00
"""
from alembic import op

revision = 'wh01'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('ALTER TABLE orders."order" ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()')
    op.execute('CREATE INDEX ix_order_updated_at ON orders."order" (updated_at)')
    op.execute("""
        CREATE FUNCTION orders.touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.updated_at := now();
            RETURN NEW;
        END $$""")
    op.execute('CREATE TRIGGER order_touch_updated_at BEFORE UPDATE ON orders."order" '
               'FOR EACH ROW EXECUTE FUNCTION orders.touch_updated_at()')


def downgrade() -> None:
    op.execute('DROP TRIGGER order_touch_updated_at ON orders."order"')
    op.execute('DROP FUNCTION orders.touch_updated_at()')
    op.execute('DROP INDEX orders.ix_order_updated_at')
    op.execute('ALTER TABLE orders."order" DROP COLUMN updated_at')
