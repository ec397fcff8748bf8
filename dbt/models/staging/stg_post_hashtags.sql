SELECT post_id, tag, created_at
FROM {{ source('raw', 'content__post_hashtag') }}
