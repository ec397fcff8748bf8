{{ config(materialized='incremental', unique_key='activity_date', incremental_strategy='delete+insert') }}
-- One row per user per UTC day with at least one interaction of any kind.
SELECT
    user_id,
    event_date AS activity_date,
    count(*) AS events,
    {{ current_batch() }} AS _max_batch_id
FROM {{ ref('stg_interactions') }}
WHERE {{ days_to_rebuild() }}
GROUP BY ALL
