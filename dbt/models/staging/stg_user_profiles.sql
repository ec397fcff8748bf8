SELECT
    id AS user_id,
    username,
    display_name,
    followers_count,
    following_count,
    posts_count,
    created_at
FROM {{ source('raw', 'users__user_profile') }}
