{{ config(materialized='incremental', unique_key='date_day', incremental_strategy='delete+insert') }}
-- Interaction counts per UTC day and surface (events that name no surface are left out).
SELECT
    event_date AS date_day,
    surface,
    count(*) FILTER (WHERE event_type = 'impression') AS impressions,
    count(*) FILTER (WHERE event_type = 'post_click') AS post_clicks,
    count(*) FILTER (WHERE event_type = 'product_tag_click') AS product_tag_clicks,
    count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_carts,
    count(*) FILTER (WHERE event_type = 'purchase') AS purchases,
    {{ current_batch() }} AS _max_batch_id
FROM {{ ref('stg_interactions') }}
WHERE surface IS NOT NULL AND {{ days_to_rebuild() }}
GROUP BY ALL
