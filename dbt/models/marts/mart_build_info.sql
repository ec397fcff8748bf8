-- One row describing the build: the as-of time of the data (the Postgres snapshot of the last
-- successful extract), the date range covered and the definitions' parameters.
SELECT
    (SELECT max(snapshot_at) FROM {{ source('raw', '_extract_run') }} WHERE status = 'ok') AS as_of,
    (SELECT max(batch_id) FROM {{ source('raw', '_extract_run') }} WHERE status = 'ok') AS extract_batch_id,
    (SELECT min(date_day) FROM {{ ref('int_date_spine') }}) AS first_date,
    (SELECT max(date_day) FROM {{ ref('int_date_spine') }}) AS last_date,
    {{ var('conversion_window_days') }} AS conversion_window_days,
    {{ var('retention_weeks') }} AS retention_weeks,
    now() AS built_at
