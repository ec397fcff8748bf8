-- View → cart → purchase by the UTC day of the product view (see int_funnel_view_days).
{% set window_days = var('conversion_window_days') %}
SELECT
    view_date AS date_day,
    count(*) AS product_view_days,
    count(carted_at) AS carted,
    count(purchased_at) AS purchased,
    {{ safe_ratio('count(carted_at)', 'count(*)') }} AS view_to_cart_rate,
    {{ safe_ratio('count(purchased_at)', 'count(carted_at)') }} AS cart_to_purchase_rate,
    {{ safe_ratio('count(purchased_at)', 'count(*)') }} AS view_to_purchase_rate,
    {{ window_days }} AS conversion_window_days,
    view_date + {{ window_days }} <= (SELECT max(date_day) FROM {{ ref('int_date_spine') }}) AS window_complete
FROM {{ ref('int_funnel_view_days') }}
GROUP BY view_date
ORDER BY view_date
