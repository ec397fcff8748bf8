SELECT
    id AS product_id,
    seller_id,
    brand_id,
    brand_name,
    category_id,
    name AS product_name,
    status,
    price_min,
    price_max,
    rating_avg,
    rating_count,
    created_at,
    approved_at
FROM {{ source('raw', 'catalog__product') }}
