-- Weekly signup cohorts (ISO weeks, Monday start, UTC): the share of each cohort active (any
-- interaction) in each week since the signup week. Week 0 is the signup week itself. Only weeks
-- that have started by the data's as-of date are listed.
{% set weeks = var('retention_weeks') %}
WITH cohorts AS (
    SELECT account_id AS user_id, CAST(date_trunc('week', registered_date) AS DATE) AS cohort_week
    FROM {{ ref('stg_accounts') }}
),
sizes AS (
    SELECT cohort_week, count(*) AS cohort_size FROM cohorts GROUP BY ALL
),
last_day AS (
    SELECT max(date_day) AS last_date FROM {{ ref('int_date_spine') }}
),
grid AS (
    SELECT s.cohort_week, s.cohort_size, CAST(w AS INTEGER) AS weeks_since_signup
    FROM sizes AS s, last_day, range(0, {{ weeks }} + 1) AS t(w)
    WHERE s.cohort_week + CAST(w * 7 AS INTEGER) <= last_day.last_date
),
retained AS (
    -- int_user_activity_weekly holds one row per user and week, so count(*) counts users.
    SELECT c.cohort_week, CAST(datediff('day', c.cohort_week, a.activity_week) / 7 AS INTEGER) AS weeks_since_signup,
           count(*) AS retained_users
    FROM cohorts AS c
    JOIN {{ ref('int_user_activity_weekly') }} AS a
      ON a.user_id = c.user_id AND a.activity_week >= c.cohort_week
     AND a.activity_week <= c.cohort_week + {{ weeks * 7 }}
    GROUP BY ALL
)
SELECT
    g.cohort_week,
    g.weeks_since_signup,
    g.cohort_size,
    coalesce(r.retained_users, 0) AS retained_users,
    {{ safe_ratio('coalesce(r.retained_users, 0)', 'g.cohort_size') }} AS retention_rate
FROM grid AS g
LEFT JOIN retained AS r USING (cohort_week, weeks_since_signup)
ORDER BY g.cohort_week, g.weeks_since_signup
