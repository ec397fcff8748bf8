-- Each user's variant in each experiment: the variant of their first exposure. Bucketing is a
-- deterministic hash of (experiment, user), so every exposure of a user should agree; users whose
-- exposures do not (treatment_pct changed mid-experiment, a serving bug) stay with the first
-- variant, and `variants_seen` > 1 flags them.
SELECT
    experiment,
    user_id,
    first(variant ORDER BY first_exposed_at, variant) AS variant,
    min(first_exposed_at) AS first_exposed_at,
    {{ utc_date('min(first_exposed_at)') }} AS first_exposed_date,
    count(DISTINCT variant) AS variants_seen
FROM {{ ref('int_experiment_exposures_daily') }}
GROUP BY experiment, user_id
