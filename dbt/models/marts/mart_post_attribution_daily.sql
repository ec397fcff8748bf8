-- GMV attributed to posts and their creators: paid order lines whose item was added to the cart
-- from a post, by UTC day of payment, post and surface.
SELECT
    i.paid_date AS date_day,
    i.source_post_id AS post_id,
    i.creator_id,
    u.username AS creator_username,
    i.surface,
    count(DISTINCT i.order_id) AS attributed_orders,
    CAST(sum(i.quantity) AS BIGINT) AS attributed_units,
    CAST(sum(i.line_total) AS BIGINT) AS attributed_gmv
FROM {{ ref('int_paid_order_items') }} AS i
LEFT JOIN {{ ref('stg_user_profiles') }} AS u ON u.user_id = i.creator_id
WHERE i.source_post_id IS NOT NULL
GROUP BY ALL
