-- Hashtag reach and engagement per UTC day, and posts published with the tag.
WITH published AS (
    SELECT p.created_date AS date_day, t.tag, count(*) AS posts_created
    FROM {{ ref('stg_posts') }} AS p JOIN {{ ref('stg_post_hashtags') }} AS t ON t.post_id = p.post_id
    GROUP BY ALL
)
SELECT
    date_day,
    tag,
    coalesce(p.posts_created, 0) AS posts_created,
    coalesce(e.impressions, 0) AS impressions,
    coalesce(e.views, 0) AS views,
    coalesce(e.engagements, 0) AS engagements,
    coalesce(e.product_tag_clicks, 0) AS product_tag_clicks
FROM {{ ref('int_hashtag_events_daily') }} AS e
FULL OUTER JOIN published AS p USING (date_day, tag)
ORDER BY date_day, tag
