-- 有效异议 handling per month and division (long: measure, amount): objections, each once as last reported,
-- upheld (异议更正 or 异议撤销 with outcome 同意: the information was wrong, or should not have been published) closed in the month,
-- and the official working days from application to closing summed over them (城市负责协同处理异议的平均时间 = the sum / their number). Placed in the
-- subject's division.
with calendar as (
    {{ working_day_numbers() }}
),

valid as (
    select
        date_trunc('month', correction.closed_on)::date as month_start,
        coalesce(register.division_code, subject.division_code) as division_code,
        closed.working_day_number - applied.working_day_number as working_days
    from {{ ref('int_credit_correction__latest') }} as correction
    inner join calendar as applied on correction.applied_on = applied.calendar_date
    inner join calendar as closed on correction.closed_on = closed.calendar_date
    left join {{ ref('dim_credit_subject') }} as subject
        on coalesce(correction.uscc, correction.person_key) = subject.subject_key
    left join {{ ref('int_market_subject__register') }} as register on correction.uscc = register.uscc
    where correction.action in ('correct', 'withdraw') and correction.is_upheld
)

select
    valid.month_start,
    valid.division_code,
    measure.name as measure,
    measure.amount
from (
    select
        month_start,
        division_code,
        count(*) as valid_objections,
        sum(working_days) as handling_working_days
    from valid
    group by month_start, division_code
) as valid
cross join lateral (
    values ('valid_objections', valid.valid_objections),
    ('handling_working_days', valid.handling_working_days)
) as measure (name, amount)
