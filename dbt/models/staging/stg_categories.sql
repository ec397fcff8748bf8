SELECT id AS category_id, parent_id, name AS category_name, slug
FROM {{ source('raw', 'catalog__category') }}
