{{ config(materialized='incremental', unique_key='activity_week', incremental_strategy='delete+insert') }}
-- One row per user and ISO week (Monday, UTC) with any interaction: the retention cohorts' input.
-- Incremental: the weeks that contain days with new interactions are rebuilt.
{% set new = new_event_range(none) %}
SELECT
    user_id,
    CAST(date_trunc('week', activity_date) AS DATE) AS activity_week,
    {{ current_batch() }} AS _max_batch_id
FROM {{ ref('int_user_activity_daily') }}
{%- if is_incremental() %}
WHERE {% if new is not none -%}
    activity_date >= CAST(date_trunc('week', DATE '{{ new.first }}') AS DATE)
    AND activity_date < CAST(date_trunc('week', DATE '{{ new.last }}') AS DATE) + 7
{%- else %}false{% endif %}
{%- endif %}
GROUP BY ALL
