{{ config(materialized='incremental', unique_key='date_day', incremental_strategy='delete+insert') }}
-- DAU, WAU (7 days) and MAU (30 days) ending on each date.
--
-- A rolling distinct count without a self-join: each active user-day "covers" the window days
-- that follow it, up to the day before the same user's next active day, so one user's coverage
-- intervals never overlap; the number of intervals covering a date is then exactly the number of
-- distinct users active in the window ending on it. Linear in user-days.
--
-- Incremental: a new active day d changes the figures of every date from d on, which only need
-- the user-days of the 30 days before d; those dates are rebuilt.
{% set new = new_event_range(none) %}
{% set since = "DATE '" ~ new.first ~ "'" if new is not none else none %}
WITH user_days AS (
    SELECT
        user_id,
        activity_date,
        lead(activity_date) OVER (PARTITION BY user_id ORDER BY activity_date) AS next_active_date
    FROM {{ ref('int_user_activity_daily') }}
    {%- if is_incremental() %}
    WHERE {% if since %}activity_date >= {{ since }} - 29{% else %}false{% endif %}
    {%- endif %}
),
windows AS (
    SELECT * FROM (VALUES (7, 'wau'), (30, 'mau')) AS w(days, name)
),
coverage AS (
    SELECT
        w.name,
        u.activity_date AS starts_on,
        least(u.activity_date + (w.days - 1), coalesce(u.next_active_date - 1, u.activity_date + (w.days - 1))) AS ends_on
    FROM user_days AS u CROSS JOIN windows AS w
),
deltas AS (
    SELECT name, starts_on AS date_day, 1 AS delta FROM coverage
    UNION ALL
    SELECT name, ends_on + 1 AS date_day, -1 AS delta FROM coverage
),
daily_deltas AS (
    SELECT date_day,
           sum(delta) FILTER (WHERE name = 'wau') AS wau_delta,
           sum(delta) FILTER (WHERE name = 'mau') AS mau_delta
    FROM deltas GROUP BY date_day
),
dau AS (
    SELECT activity_date AS date_day, count(*) AS dau FROM user_days GROUP BY ALL
),
rolled AS (
    SELECT
        s.date_day,
        coalesce(dau.dau, 0) AS dau,
        CAST(sum(coalesce(dd.wau_delta, 0)) OVER (ORDER BY s.date_day) AS BIGINT) AS wau,
        CAST(sum(coalesce(dd.mau_delta, 0)) OVER (ORDER BY s.date_day) AS BIGINT) AS mau
    FROM {{ ref('int_date_spine') }} AS s
    LEFT JOIN daily_deltas AS dd ON dd.date_day = s.date_day
    LEFT JOIN dau ON dau.date_day = s.date_day
    {%- if is_incremental() and since %}
    WHERE s.date_day >= {{ since }} - 29
    {%- endif %}
)
SELECT date_day, dau, wau, mau, {{ current_batch() }} AS _max_batch_id
FROM rolled
{%- if is_incremental() and since %}
WHERE date_day >= {{ since }}
{%- endif %}
