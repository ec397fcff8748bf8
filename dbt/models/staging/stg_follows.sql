SELECT follower_id, followee_id, created_at AS followed_at
FROM {{ source('raw', 'social__follow') }}
