-- 双公示 timeliness: for each licensing and penalty decision, the official working days between
-- the decision and its first report (the logical date of the first batch carrying it), on China's
-- calendar with adjusted working weekends. Measured, not enforced: a late report is accepted like
-- any other and flagged here (the deadline is var double_publicity_max_working_days). Working days
-- are counted in (decision_date, reported_on] as util.working_days_between does, but by joining the
-- calendar (numbered once) so the count is set-based and a unit test can mock the calendar. A count that
-- reaches into a provisional year of the calendar (no State Council notice yet) is not judged: is_timely and
-- is_late stay null and depends_on_provisional_day says why, instead of guessing.
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
),

counted as (
    select
        decisions.*,
        reported.working_day_number - decided.working_day_number as working_days_to_report,
        coalesce(reported.is_provisional, false) as depends_on_provisional_day
    from decisions
    left join calendar as decided
        on decisions.decision_date = decided.calendar_date
    left join calendar as reported
        on decisions.first_reported_on = reported.calendar_date
)

select
    record_kind,
    record_key,
    subject_key,
    reporting_department,
    decision_date,
    first_reported_on,
    working_days_to_report,
    depends_on_provisional_day,
    case
        when not depends_on_provisional_day
            then coalesce(working_days_to_report <= {{ var('double_publicity_max_working_days') }}, false)
    end as is_timely,
    case
        when not depends_on_provisional_day
            then coalesce(working_days_to_report > {{ var('double_publicity_max_working_days') }}, false)
    end as is_late
from counted
