SELECT
    id AS account_id,
    status,
    created_at AS registered_at,
    {{ utc_date('created_at') }} AS registered_date,
    last_login_at
FROM {{ source('raw', 'auth__account') }}
