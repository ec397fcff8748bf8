{#- Values (when present) lie within [min_value, max_value]: rates that are fractions by
    construction must never leave [0, 1]. -#}
{% test between(model, column_name, min_value, max_value) %}
SELECT {{ column_name }} FROM {{ model }}
WHERE {{ column_name }} IS NOT NULL AND ({{ column_name }} < {{ min_value }} OR {{ column_name }} > {{ max_value }})
{% endtest %}
