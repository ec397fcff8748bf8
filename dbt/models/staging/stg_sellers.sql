SELECT
    user_id AS seller_id,
    status,
    applied_at,
    {{ utc_date('applied_at') }} AS applied_date,
    reviewed_at,
    {{ utc_date('reviewed_at') }} AS reviewed_date,
    created_at,
    updated_at
FROM {{ source('raw', 'sellers__seller') }}
