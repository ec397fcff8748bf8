{{ config(materialized='incremental', unique_key='date_day', incremental_strategy='delete+insert') }}
-- Experiment exposures per UTC day: impressions a ranked feed logged (source `server`) on a surface
-- that buckets its viewers (var experiment_surfaces), carrying the variant it served. Impressions
-- without an experiment name belong to var untagged_experiment. Incremental by day.
{% set surfaces = var('experiment_surfaces') %}
SELECT
    coalesce(experiment, '{{ var("untagged_experiment") }}') AS experiment,
    experiment_variant AS variant,
    user_id,
    event_date AS date_day,
    count(*) AS exposures,
    min(occurred_at) AS first_exposed_at,
    {{ current_batch() }} AS _max_batch_id
FROM {{ ref('stg_interactions') }}
WHERE event_type = 'impression'
  AND source = 'server'
  AND surface IN ('{{ surfaces | join("', '") }}')
  AND experiment_variant IS NOT NULL
  AND {{ days_to_rebuild() }}
GROUP BY ALL
