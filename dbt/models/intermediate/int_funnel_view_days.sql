{{ config(materialized='incremental', unique_key='view_date', incremental_strategy='delete+insert') }}
-- The conversion funnel's unit: a (user, product, UTC day) with at least one product view. It
-- reached the cart when the same user added the same product within the conversion window after
-- the day's first view, and converted when a purchase of it followed that cart add, still within
-- the window of the view.
--
-- Incremental: a new view changes its own day; a new cart add or purchase on day d can change the
-- views of days d - window … d. Those view days are rebuilt from the events of their windows.
{% set window_days = var('conversion_window_days') %}
{% set new = new_event_range(['product_view', 'add_to_cart', 'purchase']) %}
WITH events AS (
    SELECT user_id, product_id, event_type, occurred_at, event_date
    FROM {{ ref('stg_interactions') }}
    WHERE event_type IN ('product_view', 'add_to_cart', 'purchase') AND product_id IS NOT NULL
    {%- if is_incremental() %}
      {%- if new is none %}
      AND false
      {%- else %}
      AND occurred_at >= TIMESTAMPTZ '{{ new.first }} 00:00:00+00' - INTERVAL {{ window_days }} DAY
      AND occurred_at < TIMESTAMPTZ '{{ new.last }} 00:00:00+00' + INTERVAL {{ window_days + 1 }} DAY
      {%- endif %}
    {%- endif %}
),
views AS (
    SELECT user_id, product_id, event_date AS view_date, min(occurred_at) AS first_viewed_at
    FROM events
    WHERE event_type = 'product_view'
    {%- if is_incremental() and new is not none %}
      AND event_date BETWEEN DATE '{{ new.first }}' - {{ window_days }} AND DATE '{{ new.last }}'
    {%- endif %}
    GROUP BY ALL
),
carted AS (
    SELECT v.user_id, v.product_id, v.view_date, v.first_viewed_at, min(c.occurred_at) AS carted_at
    FROM views AS v
    LEFT JOIN events AS c
      ON c.event_type = 'add_to_cart' AND c.user_id = v.user_id AND c.product_id = v.product_id
     AND c.occurred_at >= v.first_viewed_at
     AND c.occurred_at < v.first_viewed_at + INTERVAL {{ window_days }} DAY
    GROUP BY ALL
)
SELECT
    v.user_id,
    v.product_id,
    v.view_date,
    v.first_viewed_at,
    v.carted_at,
    min(p.occurred_at) AS purchased_at,
    {{ current_batch() }} AS _max_batch_id
FROM carted AS v
LEFT JOIN events AS p
  ON v.carted_at IS NOT NULL AND p.event_type = 'purchase' AND p.user_id = v.user_id
 AND p.product_id = v.product_id AND p.occurred_at >= v.carted_at
 AND p.occurred_at < v.first_viewed_at + INTERVAL {{ window_days }} DAY
GROUP BY v.user_id, v.product_id, v.view_date, v.first_viewed_at, v.carted_at
