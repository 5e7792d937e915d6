{{ config(materialized='view', post_hook=[]) }}
-- The months the monitoring indicators are reported for: from the first delivery to the night's month.
select
    month_start::date as month_start,
    (month_start + interval '1 month' - interval '1 day')::date as month_end
from generate_series(
    (select date_trunc('month', min(logical_date)) from {{ source('ops', 'load_batch') }}),
    date_trunc('month', {{ as_of_date() }}),
    interval '1 month'
) as spine (month_start)
