{#- No two rows share the same values in `columns` (the grain of a mart). -#}
{% test unique_combination(model, columns) %}
SELECT {{ columns | join(', ') }}, count(*) AS rows_with_this_key
FROM {{ model }}
GROUP BY {{ columns | join(', ') }}
HAVING count(*) > 1
{% endtest %}
