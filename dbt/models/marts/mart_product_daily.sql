-- Product interest and sales per UTC day: views, tag clicks and cart adds from the interaction
-- log; units and GMV from paid order lines (by day of payment).
WITH sales AS (
    SELECT paid_date AS date_day, product_id, sum(quantity) AS units_sold, sum(line_total) AS gmv
    FROM {{ ref('int_paid_order_items') }}
    GROUP BY ALL
)
SELECT
    date_day,
    product_id,
    p.product_name,
    c.category_name,
    coalesce(e.product_views, 0) AS product_views,
    coalesce(e.product_tag_clicks, 0) AS product_tag_clicks,
    coalesce(e.add_to_carts, 0) AS add_to_carts,
    CAST(coalesce(s.units_sold, 0) AS BIGINT) AS units_sold,
    CAST(coalesce(s.gmv, 0) AS BIGINT) AS gmv
FROM {{ ref('int_product_events_daily') }} AS e
FULL OUTER JOIN sales AS s USING (date_day, product_id)
LEFT JOIN {{ ref('stg_products') }} AS p USING (product_id)
LEFT JOIN {{ ref('stg_categories') }} AS c ON c.category_id = p.category_id
ORDER BY date_day, product_id
