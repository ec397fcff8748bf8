-- Every UTC date from the first recorded activity to the date of the data's as-of time, so daily
-- KPIs have a row (with zeros) even on days nothing happened.
WITH bounds AS (
    SELECT
        least(
            (SELECT min(registered_date) FROM {{ ref('stg_accounts') }}),
            (SELECT CAST(min(occurred_at) AS DATE) FROM {{ source('raw', 'interactions__interaction') }}),
            (SELECT min(placed_date) FROM {{ ref('stg_orders') }})
        ) AS first_date,
        coalesce(
            (SELECT max(CAST(snapshot_at AS DATE)) FROM {{ source('raw', '_extract_run') }} WHERE status = 'ok'),
            current_date
        ) AS last_date
)
SELECT CAST(d AS DATE) AS date_day
FROM bounds, generate_series(
    CAST(coalesce(bounds.first_date, bounds.last_date) AS TIMESTAMP),
    CAST(greatest(coalesce(bounds.first_date, bounds.last_date), bounds.last_date) AS TIMESTAMP),
    INTERVAL 1 DAY
) AS t(d)
