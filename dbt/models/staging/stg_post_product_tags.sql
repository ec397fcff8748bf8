SELECT post_id, position, product_id, variant_id
FROM {{ source('raw', 'content__post_product_tag') }}
