-- 双公示 timeliness: for each licensing and penalty decision, the official working days between
-- the decision and its first report (the logical date of the first batch carrying it), on China's
-- calendar with adjusted working weekends. Measured, not enforced: a late report is accepted like
-- any other and flagged here (the deadline is var double_publicity_max_working_days). Working days
-- are counted in (decision_date, reported_on] as util.working_days_between does, but by joining the
-- calendar (numbered once) so the count is set-based and a unit test can mock the calendar.
with calendar as (
    {{ working_day_numbers() }}
),

decisions as (
    select
        record_kind,
        record_key,
        subject_key,
        authority as reporting_department,
        event_date as decision_date,
        first_reported_on
    from {{ ref('int_credit_record__current') }}
    where record_kind in ('license', 'penalty')
)

select
    decisions.record_kind,
    decisions.record_key,
    decisions.subject_key,
    decisions.reporting_department,
    decisions.decision_date,
    decisions.first_reported_on,
    reported.working_day_number - decided.working_day_number as working_days_to_report,
    coalesce(
        reported.working_day_number - decided.working_day_number <= {{ var('double_publicity_max_working_days') }},
        false
    ) as is_timely,
    coalesce(
        reported.working_day_number - decided.working_day_number > {{ var('double_publicity_max_working_days') }},
        false
    ) as is_late
from decisions
left join calendar as decided
    on decisions.decision_date = decided.calendar_date
left join calendar as reported
    on decisions.first_reported_on = reported.calendar_date
