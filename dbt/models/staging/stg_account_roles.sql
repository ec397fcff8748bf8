SELECT account_id, role, granted_at
FROM {{ source('raw', 'auth__account_role') }}
