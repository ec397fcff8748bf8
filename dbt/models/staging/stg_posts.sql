SELECT
    id AS post_id,
    author_id,
    status,
    like_count,
    comment_count,
    save_count,
    created_at,
    {{ utc_date('created_at') }} AS created_date,
    deleted_at
FROM {{ source('raw', 'content__post') }}
