{{ config(indexes=[{'columns': ['month_start', 'division_code', 'indicator'], 'unique': true}]) }}
-- The monitoring indicators (城市信用状况监测预警指标) one per row, each month beside the month before
-- (环比), per division: the form the monthly report to the province takes. Every value keeps its numerator
-- and denominator; rates are compared in their own units (change) and relatively (change_share).
{%- set indicators = monitoring_indicators() %}
with long as (
    {%- for indicator in indicators %}
        select
            month_start,
            division_code,
            division_name,
            '{{ indicator.name }}' as indicator,
            {{ loop.index }} as indicator_order,
            {{ indicator.numerator }}::numeric as numerator,
            {{ indicator.denominator }}::numeric as denominator,
            {{ indicator.name }}::numeric as indicator_value
        from {{ ref('agg_monitoring_indicators') }}
        union all
    {%- endfor %}
    select
        month_start,
        division_code,
        division_name,
        'avg_records_per_subject' as indicator,
        {{ indicators | length + 1 }} as indicator_order,
        null::numeric as numerator,
        null::numeric as denominator,
        avg_records_per_subject::numeric as indicator_value
    from {{ ref('agg_monitoring_indicators') }}
),

compared as (
    select
        *,
        lag(indicator_value) over (partition by division_code, indicator order by month_start) as previous_value
    from long
)

select
    month_start,
    division_code,
    division_name,
    indicator,
    indicator_order,
    numerator,
    denominator,
    indicator_value,
    previous_value,
    indicator_value - previous_value as change,
    round((indicator_value - previous_value) / nullif(abs(previous_value), 0), 4) as change_share
from compared
where indicator_value is not null or previous_value is not null
