-- Ranking experiments per UTC day and variant (definitions in _marts.yml). Counts of events add up
-- across days; counts of users are distinct within the day (a range's users: see
-- mart_experiment_user_daily, which the API reads).
SELECT
    experiment,
    variant,
    date_day,
    count(*) FILTER (WHERE exposures > 0) AS exposed_users,
    count(*) FILTER (WHERE date_day = {{ utc_date('first_exposed_at') }}) AS newly_exposed_users,
    CAST(sum(exposures) AS BIGINT) AS impressions,
    CAST(sum(post_clicks) AS BIGINT) AS post_clicks,
    count(*) FILTER (WHERE exposures > 0 AND post_clicks > 0) AS clicking_users,
    CAST(sum(purchases) AS BIGINT) AS purchases,
    CAST(sum(purchase_amount) AS BIGINT) AS purchase_amount,
    count(*) FILTER (WHERE exposures > 0 AND purchases > 0) AS converted_users,
    count(*) FILTER (WHERE exposures > 0 AND mixed_exposure) AS mixed_exposure_users,
    {{ safe_ratio('sum(post_clicks)', 'sum(exposures)') }} AS click_through_rate,
    {{ safe_ratio('count(*) FILTER (WHERE exposures > 0 AND purchases > 0)', 'count(*) FILTER (WHERE exposures > 0)') }} AS conversion_rate
FROM {{ ref('mart_experiment_user_daily') }}
GROUP BY experiment, variant, date_day
ORDER BY experiment, date_day, variant
