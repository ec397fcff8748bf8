-- The analysts' daily KPI table: one row per UTC date. Counts are additive across days; every
-- rate column is also given as its numerator and denominator so a range's rate is
-- sum(numerator) / sum(denominator), never an average of daily rates.
WITH registrations AS (
    SELECT registered_date AS date_day, count(*) AS registrations
    FROM {{ ref('stg_accounts') }} GROUP BY ALL
),
posts AS (
    SELECT created_date AS date_day, count(*) AS posts_created, count(DISTINCT author_id) AS posting_users
    FROM {{ ref('stg_posts') }} GROUP BY ALL
),
placed AS (
    SELECT
        placed_date AS date_day,
        count(*) AS orders_placed,
        count(*) FILTER (WHERE status = 'completed') AS orders_placed_completed,
        count(*) FILTER (WHERE status IN ('cancelled', 'expired', 'refunded')) AS orders_placed_failed
    FROM {{ ref('stg_orders') }} GROUP BY ALL
),
paid AS (
    SELECT paid_date AS date_day, count(*) AS orders_paid, sum(subtotal) AS gmv, count(DISTINCT buyer_id) AS paying_buyers
    FROM {{ ref('stg_orders') }} WHERE paid_at IS NOT NULL GROUP BY ALL
),
completed AS (
    SELECT completed_date AS date_day, count(*) AS orders_completed
    FROM {{ ref('stg_orders') }} WHERE completed_at IS NOT NULL GROUP BY ALL
),
applications AS (
    SELECT
        applied_date AS date_day,
        count(*) AS seller_applications,
        count(*) FILTER (WHERE status IN ('approved', 'suspended')) AS seller_applications_approved
    FROM {{ ref('stg_sellers') }} GROUP BY ALL
),
approvals AS (
    SELECT reviewed_date AS date_day, count(*) AS sellers_approved
    FROM {{ ref('stg_sellers') }} WHERE status IN ('approved', 'suspended') GROUP BY ALL
),
daily AS (
    SELECT
        s.date_day,
        coalesce(r.registrations, 0) AS registrations,
        coalesce(p.posts_created, 0) AS posts_created,
        coalesce(p.posting_users, 0) AS posting_users,
        a.dau, a.wau, a.mau,
        coalesce(e.events, 0) AS events,
        coalesce(e.impressions, 0) AS impressions,
        coalesce(e.post_views, 0) AS post_views,
        coalesce(e.post_clicks, 0) AS post_clicks,
        coalesce(e.likes, 0) AS likes,
        coalesce(e.saves, 0) AS saves,
        coalesce(e.comments, 0) AS comments,
        coalesce(e.shares, 0) AS shares,
        coalesce(e.product_tag_clicks, 0) AS product_tag_clicks,
        coalesce(e.tagged_post_impressions, 0) AS tagged_post_impressions,
        coalesce(e.product_views, 0) AS product_views,
        coalesce(e.add_to_carts, 0) AS add_to_carts,
        coalesce(e.checkouts, 0) AS checkouts,
        coalesce(e.purchases, 0) AS purchases,
        coalesce(pl.orders_placed, 0) AS orders_placed,
        coalesce(pl.orders_placed_completed, 0) AS orders_placed_completed,
        coalesce(pl.orders_placed_failed, 0) AS orders_placed_failed,
        coalesce(pd.orders_paid, 0) AS orders_paid,
        coalesce(pd.paying_buyers, 0) AS paying_buyers,
        CAST(coalesce(pd.gmv, 0) AS BIGINT) AS gmv,
        coalesce(c.orders_completed, 0) AS orders_completed,
        coalesce(ap.seller_applications, 0) AS seller_applications,
        coalesce(ap.seller_applications_approved, 0) AS seller_applications_approved,
        coalesce(sa.sellers_approved, 0) AS sellers_approved
    FROM {{ ref('int_date_spine') }} AS s
    JOIN {{ ref('int_active_users_daily') }} AS a USING (date_day)
    LEFT JOIN registrations AS r USING (date_day)
    LEFT JOIN posts AS p USING (date_day)
    LEFT JOIN {{ ref('int_engagement_daily') }} AS e ON e.event_date = s.date_day
    LEFT JOIN placed AS pl USING (date_day)
    LEFT JOIN paid AS pd USING (date_day)
    LEFT JOIN completed AS c USING (date_day)
    LEFT JOIN applications AS ap USING (date_day)
    LEFT JOIN approvals AS sa USING (date_day)
)
SELECT
    *,
    CAST(sum(registrations) OVER (ORDER BY date_day) AS BIGINT) AS users_total,
    {{ safe_ratio('registrations', 'sum(registrations) OVER (ORDER BY date_day) - registrations') }} AS registration_growth_rate,
    {{ safe_ratio('posts_created', 'dau') }} AS posts_per_active_user,
    {{ safe_ratio('dau', 'mau') }} AS stickiness,
    {{ safe_ratio('post_clicks', 'impressions') }} AS feed_click_through_rate,
    {{ safe_ratio('product_tag_clicks', 'tagged_post_impressions') }} AS tag_click_through_rate,
    {{ safe_ratio('gmv', 'orders_paid') }} AS aov,
    {{ safe_ratio('orders_placed_completed', 'orders_placed') }} AS order_completion_rate,
    {{ safe_ratio('seller_applications_approved', 'seller_applications') }} AS seller_onboarding_rate
FROM daily
ORDER BY date_day
