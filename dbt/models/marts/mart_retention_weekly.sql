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
active_weeks AS (
    SELECT DISTINCT user_id, CAST(date_trunc('week', activity_date) AS DATE) AS active_week
    FROM {{ ref('int_user_activity_daily') }}
),
retained AS (
    SELECT c.cohort_week, CAST(datediff('day', c.cohort_week, a.active_week) / 7 AS INTEGER) AS weeks_since_signup,
           count(DISTINCT c.user_id) AS retained_users
    FROM cohorts AS c JOIN active_weeks AS a ON a.user_id = c.user_id AND a.active_week >= c.cohort_week
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
