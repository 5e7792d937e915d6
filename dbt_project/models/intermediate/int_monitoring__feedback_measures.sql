-- 联合奖惩案例反馈 per month and division (long: measure, amount): the cases of joint rewards and sanctions the
-- implementing units reported back, counted in the month the platform received them (the monthly delivery
-- collected by the 25th), placed in the subject's division like the other measures.
--   feedback_cases            every case reported in the month
--   feedback_sanction_cases   of those, sanctions (失信惩戒)
--   feedback_incentive_cases  of those, incentives (守信激励)
with cases as (
    select distinct on (feedback.case_id)
        date_trunc('month', feedback.reported_on)::date as month_start,
        coalesce(register.division_code, subject.division_code) as division_code,
        feedback.measure_direction
    from {{ ref('stg_department__joint_measure_feedback') }} as feedback
    left join {{ ref('dim_credit_subject') }} as subject
        on coalesce(feedback.uscc, feedback.person_key) = subject.subject_key
    left join {{ ref('int_market_subject__register') }} as register on feedback.uscc = register.uscc
    order by feedback.case_id asc, feedback.reported_on asc, feedback.batch_id asc, feedback.row_number asc
),

per_month as (
    select
        month_start,
        division_code,
        count(*) as feedback_cases,
        count(*) filter (where measure_direction = 'sanction') as feedback_sanction_cases,
        count(*) filter (where measure_direction = 'incentive') as feedback_incentive_cases
    from cases
    group by month_start, division_code
)

select
    per_month.month_start,
    per_month.division_code,
    measure.name as measure,
    measure.amount
from per_month
cross join lateral (
    values
    ('feedback_cases', per_month.feedback_cases),
    ('feedback_sanction_cases', per_month.feedback_sanction_cases),
    ('feedback_incentive_cases', per_month.feedback_incentive_cases)
) as measure (name, amount)
