-- GMV in the daily KPIs, the surface attribution and the product mart all add up to the subtotal
-- of every paid order: no order line is lost or counted twice on the way.
WITH totals AS (
    SELECT
        (SELECT coalesce(sum(subtotal), 0) FROM {{ ref('stg_orders') }} WHERE paid_at IS NOT NULL) AS paid_orders,
        (SELECT coalesce(sum(gmv), 0) FROM {{ ref('mart_kpi_daily') }}) AS kpi_daily,
        (SELECT coalesce(sum(attributed_gmv), 0) FROM {{ ref('mart_surface_daily') }}) AS by_surface,
        (SELECT coalesce(sum(gmv), 0) FROM {{ ref('mart_product_daily') }}) AS by_product
)
SELECT * FROM totals
WHERE NOT (paid_orders = kpi_daily AND paid_orders = by_surface AND paid_orders = by_product)
