-- Lines of orders that were paid (whatever happened to them afterwards), with the post, its
-- creator and the surface the buyer came from. GMV and attribution are built from these.
SELECT
    i.order_item_id,
    i.order_id,
    o.buyer_id,
    o.seller_id,
    o.paid_at,
    o.paid_date,
    i.product_id,
    i.product_name,
    i.quantity,
    i.line_total,
    i.source_post_id,
    p.author_id AS creator_id,
    coalesce(i.source_surface, 'direct') AS surface
FROM {{ ref('stg_order_items') }} AS i
JOIN {{ ref('stg_orders') }} AS o ON o.order_id = i.order_id
LEFT JOIN {{ ref('stg_posts') }} AS p ON p.post_id = i.source_post_id
WHERE o.paid_at IS NOT NULL
