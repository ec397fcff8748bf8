{{ config(materialized='incremental', unique_key='date_day', incremental_strategy='delete+insert') }}
-- Product views, tag clicks and cart adds per UTC day and product.
SELECT
    event_date AS date_day,
    product_id,
    count(*) FILTER (WHERE event_type = 'product_view') AS product_views,
    count(*) FILTER (WHERE event_type = 'product_tag_click') AS product_tag_clicks,
    count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_carts,
    {{ current_batch() }} AS _max_batch_id
FROM {{ ref('stg_interactions') }}
WHERE product_id IS NOT NULL AND event_type IN ('product_view', 'product_tag_click', 'add_to_cart')
  AND {{ days_to_rebuild() }}
GROUP BY ALL
