{#- No row loaded since the last green build repeats the key of an older row. Together with
    `unique` on the new rows (both filtered by the tested-batch watermark), this is uniqueness of
    the whole table, checked at the cost of the new rows. -#}
{% test not_reloaded(model, column_name) %}
WITH watermark AS (SELECT coalesce(max(batch_id), 0) AS batch_id FROM main._lakoo_tested_batch)
SELECT new.{{ column_name }}
FROM {{ model }} AS new
JOIN {{ model }} AS old ON old.{{ column_name }} = new.{{ column_name }}
WHERE new._batch_id > (SELECT batch_id FROM watermark) AND old._batch_id <= (SELECT batch_id FROM watermark)
{% endtest %}
