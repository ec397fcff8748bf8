SELECT
    id AS order_item_id,
    order_id,
    product_id,
    variant_id,
    name AS product_name,
    unit_price,
    quantity,
    line_total,
    source_post_id,
    source_surface
FROM {{ source('raw', 'orders__order_item') }}
