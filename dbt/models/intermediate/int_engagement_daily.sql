{{ config(materialized='incremental', unique_key='event_date', incremental_strategy='delete+insert') }}
-- Interaction counts per UTC day and event type, plus impressions of posts that tag products.
WITH tagged_posts AS (
    SELECT DISTINCT post_id FROM {{ ref('stg_post_product_tags') }}
),
events AS (
    SELECT e.event_date, e.event_type, tp.post_id IS NOT NULL AS post_has_product_tags
    FROM {{ ref('stg_interactions') }} AS e
    LEFT JOIN tagged_posts AS tp ON tp.post_id = e.post_id
    WHERE {{ days_to_rebuild('e.event_date', 'e.occurred_at') }}
)
SELECT
    event_date,
    count(*) AS events,
    count(*) FILTER (WHERE event_type = 'impression') AS impressions,
    count(*) FILTER (WHERE event_type = 'impression' AND post_has_product_tags) AS tagged_post_impressions,
    count(*) FILTER (WHERE event_type = 'post_view') AS post_views,
    count(*) FILTER (WHERE event_type = 'post_click') AS post_clicks,
    count(*) FILTER (WHERE event_type = 'like') AS likes,
    count(*) FILTER (WHERE event_type = 'save') AS saves,
    count(*) FILTER (WHERE event_type = 'comment') AS comments,
    count(*) FILTER (WHERE event_type = 'share') AS shares,
    count(*) FILTER (WHERE event_type = 'product_tag_click') AS product_tag_clicks,
    count(*) FILTER (WHERE event_type = 'product_view') AS product_views,
    count(*) FILTER (WHERE event_type = 'add_to_cart') AS add_to_carts,
    count(*) FILTER (WHERE event_type = 'checkout') AS checkouts,
    count(*) FILTER (WHERE event_type = 'purchase') AS purchases,
    count(*) FILTER (WHERE event_type IN ('hide', 'not_interested')) AS negative_feedback,
    {{ current_batch() }} AS _max_batch_id
FROM events
GROUP BY ALL
