-- The monitoring indicators (城市信用状况监测预警指标) one per row, each month beside the month before
-- (环比): the form the monthly report to the province takes. Rates are compared in percentage points
-- (change), counts and averages also as a relative change (change_share).
{%- set indicators = [
    'double_publicity_reported', 'double_publicity_timeliness_share', 'double_publicity_accuracy',
    'avg_records_per_enterprise', 'avg_records_per_person', 'uscc_error_rate', 'duplicate_rate',
    'blacklisted_enterprises', 'blacklisted_enterprise_share', 'blacklist_exit_ratio_12m',
    'avg_objection_handling_working_days', 'objections_answered_in_time_share',
] %}
with long as (
    {%- for indicator in indicators %}
        select
            month_start,
            '{{ indicator }}' as indicator,
            {{ loop.index }} as indicator_order,
            {{ indicator }}::numeric as indicator_value
        from {{ ref('agg_monitoring_indicators') }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

compared as (
    select
        month_start,
        indicator,
        indicator_order,
        indicator_value,
        lag(indicator_value) over (partition by indicator order by month_start) as previous_value
    from long
)

select
    month_start,
    indicator,
    indicator_order,
    indicator_value,
    previous_value,
    indicator_value - previous_value as change,
    round((indicator_value - previous_value) / nullif(abs(previous_value), 0), 4) as change_share
from compared
where indicator_value is not null or previous_value is not null
