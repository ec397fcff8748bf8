-- One row per experiment, exposed user and UTC day from the user's first exposure on, on days with
-- an exposure, a click on an experiment surface or a purchase. Everything a user does from their
-- first exposure on is attributed to the variant they were assigned (int_experiment_assignments),
-- whichever variant a later impression carried. The API reads ranges from here (distinct users).
{% set surfaces = var('experiment_surfaces') %}
WITH assignments AS (
    SELECT * FROM {{ ref('int_experiment_assignments') }}
),
exposures AS (
    SELECT experiment, user_id, date_day, sum(exposures) AS exposures
    FROM {{ ref('int_experiment_exposures_daily') }}
    GROUP BY ALL
),
outcomes AS (
    SELECT
        a.experiment,
        e.user_id,
        e.event_date AS date_day,
        count(*) FILTER (WHERE e.event_type = 'post_click') AS post_clicks,
        count(*) FILTER (WHERE e.event_type = 'purchase') AS purchases,
        coalesce(sum(e.amount) FILTER (WHERE e.event_type = 'purchase'), 0) AS purchase_amount
    FROM {{ ref('stg_interactions') }} AS e
    JOIN assignments AS a ON a.user_id = e.user_id AND e.occurred_at >= a.first_exposed_at
    WHERE (e.event_type = 'post_click' AND e.surface IN ('{{ surfaces | join("', '") }}'))
       OR e.event_type = 'purchase'
    GROUP BY ALL
)
SELECT
    experiment,
    a.variant,
    user_id,
    date_day,
    coalesce(x.exposures, 0) AS exposures,
    coalesce(o.post_clicks, 0) AS post_clicks,
    coalesce(o.purchases, 0) AS purchases,
    CAST(coalesce(o.purchase_amount, 0) AS BIGINT) AS purchase_amount,
    a.first_exposed_at,
    a.variants_seen > 1 AS mixed_exposure
FROM exposures AS x
FULL OUTER JOIN outcomes AS o USING (experiment, user_id, date_day)
JOIN assignments AS a USING (experiment, user_id)
ORDER BY experiment, date_day, a.variant, user_id
