"""A partial refund no longer replaces the order's fulfilment status

`partially_refunded` used to overwrite paid/processing/shipped/delivered/completed, after which the
order could neither be fulfilled nor cancelled, and could be completed without ever shipping. The
refund is money (`refunded_amount`), not a step: such orders go back to the status their own
timestamps say they reached, the timeline records the correction, and the status is no longer
allowed.

Revision ID: or01
Revises: sl01
Create Date: 2026-11-27 09:00:00
"""
from alembic import op

revision = 'or01'
down_revision = 'sl01'  # accepted_at comes with the sellers' fulfilment steps
branch_labels = None
depends_on = None

STATUSES = ('pending_payment', 'paid', 'processing', 'shipped', 'delivered', 'completed', 'cancelled', 'expired',
            'refunded')
OLD_STATUSES = (*STATUSES, 'partially_refunded')


def _check(statuses: tuple[str, ...]) -> None:
    op.drop_constraint(op.f('ck_order_status_known'), 'order', schema='orders', type_='check')
    op.create_check_constraint(op.f('ck_order_status_known'), 'order',
                               f"status IN ({', '.join(repr(s) for s in statuses)})", schema='orders')


def upgrade() -> None:
    op.execute("""
        WITH restored AS (
            UPDATE orders."order" SET status = CASE
                WHEN refunded_amount >= total THEN 'refunded'
                WHEN completed_at IS NOT NULL THEN 'completed'
                WHEN delivered_at IS NOT NULL THEN 'delivered'
                WHEN shipped_at IS NOT NULL THEN 'shipped'
                WHEN accepted_at IS NOT NULL THEN 'processing'
                ELSE 'paid' END
            WHERE status = 'partially_refunded'
            RETURNING id, status)
        INSERT INTO orders.order_status_change (order_id, from_status, to_status, note, at)
        SELECT id, 'partially_refunded', status, 'status restored: a partial refund no longer replaces it', now()
        FROM restored""")
    _check(STATUSES)


def downgrade() -> None:
    _check(OLD_STATUSES)
    op.execute("""
        UPDATE orders."order" SET status = 'partially_refunded'
        WHERE refunded_amount > 0 AND refunded_amount < total
          AND status IN ('paid', 'processing', 'shipped', 'delivered', 'completed')""")
