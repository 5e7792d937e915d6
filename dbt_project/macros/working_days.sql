{#
    China's official working days numbered in calendar order (adjusted working weekends count, holidays
    do not): the working days in (a, b] are number(b) - number(a), as util.working_days_between counts
    them, but set-based. The one numbering every model joins its dates to.
#}
{% macro working_day_numbers() %}
    select
        calendar_date,
        sum(case when is_working_day then 1 else 0 end) over (order by calendar_date) as working_day_number
    from {{ ref('cn_working_calendar') }}
{% endmacro %}
