{{ config(materialized='incremental', unique_key='date_day', incremental_strategy='delete+insert') }}
-- Interactions with posts per UTC day and hashtag of the post (a post with three hashtags counts
-- for each of them).
SELECT
    e.event_date AS date_day,
    t.tag,
    count(*) FILTER (WHERE e.event_type = 'impression') AS impressions,
    count(*) FILTER (WHERE e.event_type IN ('post_view', 'post_click')) AS views,
    count(*) FILTER (WHERE e.event_type IN ('like', 'save', 'comment', 'share', 'post_click', 'product_tag_click'))
        AS engagements,
    count(*) FILTER (WHERE e.event_type = 'product_tag_click') AS product_tag_clicks,
    {{ current_batch() }} AS _max_batch_id
FROM {{ ref('stg_interactions') }} AS e
JOIN {{ ref('stg_post_hashtags') }} AS t ON t.post_id = e.post_id
WHERE {{ days_to_rebuild('e.event_date', 'e.occurred_at') }}
GROUP BY ALL
