{#- Incremental models over the interaction log recompute whole days: every day that received a
    row in an extract batch the model has not seen yet. A day is always rebuilt from all of its
    rows, so late-arriving events (apps may send events up to 7 days late) land in the right day,
    and a model can be re-run any number of times with the same result.

    Rebuilt rows carry `_max_batch_id`, the newest extract batch in the warehouse when they were
    built; the highest one in the model's table is where the next run picks up. -#}

{% macro current_batch() -%}
    (SELECT coalesce(max(batch_id), 0) FROM {{ source('raw', '_extract_run') }})
{%- endmacro %}

{% macro last_built_batch() -%}
    (SELECT coalesce(max(_max_batch_id), 0) FROM {{ this }})
{%- endmacro %}

{#- Days with interactions loaded since the model's last build (or every day on a full build). -#}
{% macro days_to_rebuild(date_column='event_date') -%}
    {%- if is_incremental() -%}
    {{ date_column }} IN (
        SELECT DISTINCT event_date FROM {{ ref('stg_interactions') }} WHERE _batch_id > {{ last_built_batch() }}
    )
    {%- else -%}
    true
    {%- endif -%}
{%- endmacro %}

{#- The `date` of a timestamp in UTC (the profile sets TimeZone = UTC for every connection). -#}
{% macro utc_date(column) -%}
    CAST({{ column }} AS DATE)
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    CASE WHEN coalesce({{ denominator }}, 0) = 0 THEN NULL ELSE ({{ numerator }})::DOUBLE / ({{ denominator }}) END
{%- endmacro %}
