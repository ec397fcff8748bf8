{#- Incremental models over the interaction log recompute whole days: every UTC day that received a
    row in an extract batch the model has not seen yet. A day is always rebuilt from all of its
    rows, so late-arriving events (apps may send events up to 7 days late) land in the right day,
    and a model can be re-run any number of times with the same result.

    Rebuilt rows carry `_max_batch_id`, the newest extract batch in the warehouse when they were
    built; the highest one in the model's table is where the next run picks up.

    The days are looked up when the model is compiled and written into its SQL as literals, so
    DuckDB skips every row group of the log outside them (the log is stored in arrival order, and
    each row group knows its min/max `occurred_at`). -#}

{% macro current_batch() -%}
    (SELECT coalesce(max(batch_id), 0) FROM {{ source('raw', '_extract_run') }})
{%- endmacro %}

{% macro last_built_batch() -%}
    (SELECT coalesce(max(_max_batch_id), 0) FROM {{ this }})
{%- endmacro %}

{#- UTC days with interactions (of `event_types`, if given) loaded since this model's last build. -#}
{% macro new_event_days(event_types=none) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set query -%}
        SELECT DISTINCT CAST(occurred_at AS DATE) AS day FROM {{ source('raw', 'interactions__interaction') }}
        WHERE _batch_id > {{ last_built_batch() }}
        {%- if event_types %} AND event_type IN ('{{ event_types | join("', '") }}'){% endif %}
        ORDER BY 1
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | map('string') | list) }}
{%- endmacro %}

{#- A WHERE condition: every day on a full build; on an incremental build the days that got new
    interactions, as a prunable range on `ts_column` plus the exact days on `date_expr`. -#}
{% macro days_to_rebuild(date_expr='event_date', ts_column='occurred_at') -%}
    {%- if not is_incremental() -%}
    true
    {%- else -%}
    {%- set days = new_event_days() -%}
    {%- if days | length == 0 -%}
    false
    {%- else -%}
    ({{ ts_column }} >= TIMESTAMPTZ '{{ days[0] }} 00:00:00+00'
     AND {{ ts_column }} < TIMESTAMPTZ '{{ days[-1] }} 00:00:00+00' + INTERVAL 1 DAY
     AND {{ date_expr }} IN ({% for day in days %}DATE '{{ day }}'{% if not loop.last %}, {% endif %}{% endfor %}))
    {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- {first, last}: the first and last UTC day of interactions (of `event_types`, or any) loaded
    since this model's last build; none when there are none, or on a full build. -#}
{% macro new_event_range(event_types) -%}
    {%- if not is_incremental() -%}{{ return(none) }}{%- endif -%}
    {%- set days = new_event_days(event_types) -%}
    {%- if days | length == 0 -%}{{ return(none) }}{%- endif -%}
    {{ return({"first": days[0], "last": days[-1]}) }}
{%- endmacro %}

{#- The `date` of a timestamp in UTC (the profile sets TimeZone = UTC for every connection). -#}
{% macro utc_date(column) -%}
    CAST({{ column }} AS DATE)
{%- endmacro %}

{% macro safe_ratio(numerator, denominator) -%}
    CASE WHEN coalesce({{ denominator }}, 0) = 0 THEN NULL ELSE ({{ numerator }})::DOUBLE / ({{ denominator }}) END
{%- endmacro %}
