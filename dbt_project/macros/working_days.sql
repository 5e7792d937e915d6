{#
    China's official working days numbered in calendar order (adjusted working weekends count, holidays
    do not): the working days in (a, b] are number(b) - number(a), as util.working_days_between counts
    them, but set-based. The one numbering every model joins its dates to. is_provisional marks a day of a
    year with no official notice yet (the statutory rule's guess).
#}
{% macro working_day_numbers() %}
    select
        calendar_date,
        is_working_day,
        coalesce(is_provisional, false) as is_provisional,
        sum(case when is_working_day then 1 else 0 end) over (order by calendar_date) as working_day_number
    from {{ ref('cn_working_calendar') }}
{% endmacro %}
