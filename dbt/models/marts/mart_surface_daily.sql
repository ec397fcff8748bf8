-- Feed performance per UTC day and surface: click-through and conversion from the interaction
-- log, and the GMV of paid order lines whose item was added to the cart from that surface
-- (`direct` when it was not added from any surface).
WITH sales AS (
    SELECT
        paid_date AS date_day,
        surface,
        count(DISTINCT order_id) AS attributed_orders,
        sum(quantity) AS attributed_units,
        sum(line_total) AS attributed_gmv
    FROM {{ ref('int_paid_order_items') }}
    GROUP BY ALL
)
SELECT
    date_day,
    surface,
    coalesce(e.impressions, 0) AS impressions,
    coalesce(e.post_clicks, 0) AS post_clicks,
    coalesce(e.product_tag_clicks, 0) AS product_tag_clicks,
    coalesce(e.add_to_carts, 0) AS add_to_carts,
    coalesce(e.purchases, 0) AS purchases,
    coalesce(s.attributed_orders, 0) AS attributed_orders,
    CAST(coalesce(s.attributed_units, 0) AS BIGINT) AS attributed_units,
    CAST(coalesce(s.attributed_gmv, 0) AS BIGINT) AS attributed_gmv,
    {{ safe_ratio('coalesce(e.post_clicks, 0)', 'e.impressions') }} AS click_through_rate,
    {{ safe_ratio('coalesce(e.purchases, 0)', 'e.post_clicks') }} AS conversion_rate
FROM {{ ref('int_surface_events_daily') }} AS e
FULL OUTER JOIN sales AS s USING (date_day, surface)
ORDER BY date_day, surface
