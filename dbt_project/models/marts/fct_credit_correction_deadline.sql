{{ config(indexes=[{'columns': ['correction_id'], 'unique': true}]) }}
-- 异议与信用修复办理时限: every objection and repair application with its deadlines, measured (not
-- enforced) in official working days: an answer within 15 working days of the application, and for an
-- upheld 异议更正 the corrected record re-reported within 5 working days of the decision. Open ones count
-- up to the night; a deadline counted on a provisional calendar day says so.
with calendar as (
    {{ working_day_numbers() }}
),

working_days as (
    select
        calendar_date,
        working_day_number
    from calendar
    where is_working_day
),

-- the night's own day, found once (materialized: joined to every correction, it would otherwise be looked
-- up in the whole calendar once per correction)
night as materialized (
    select
        working_day_number,
        is_provisional
    from calendar
    where calendar_date = {{ as_of_date() }}
),

corrections as (
    select *
    from {{ ref('int_credit_correction__latest') }}
    where applied_on is not null
),

rereports as (
    select
        corrections.correction_id,
        min(history.reported_on) as corrected_on
    from corrections
    inner join {{ ref('int_credit_record__history') }} as history
        on
            corrections.record_kind = history.record_kind
            and corrections.record_doc_no = history.doc_no
            and corrections.closed_on < history.reported_on
            and history.reported_on <= {{ as_of_date() }}
    where corrections.action = 'correct' and corrections.is_upheld
    group by corrections.correction_id
),

measured as (
    select
        corrections.correction_id,
        corrections.action,
        corrections.record_kind,
        corrections.record_doc_no,
        corrections.handling_unit,
        corrections.applied_on,
        corrections.closed_on,
        corrections.outcome,
        corrections.is_upheld,
        rereports.corrected_on,
        applied.working_day_number as applied_number,
        coalesce(closed.working_day_number, night.working_day_number) - applied.working_day_number
            as working_days_elapsed,
        answer_due.calendar_date as answer_due_on,
        correction_due.calendar_date as correction_due_on,
        coalesce(applied.is_provisional or night.is_provisional or closed.is_provisional, false)
            as depends_on_provisional_day
    from corrections
    left join rereports on corrections.correction_id = rereports.correction_id
    left join calendar as applied on corrections.applied_on = applied.calendar_date
    left join calendar as closed on corrections.closed_on = closed.calendar_date
    left join night on true
    left join working_days as answer_due on applied.working_day_number + 15 = answer_due.working_day_number
    left join working_days as correction_due
        on
            corrections.action = 'correct'
            and corrections.is_upheld
            and closed.working_day_number + 5 = correction_due.working_day_number
)

select
    correction_id,
    action,
    record_kind,
    record_doc_no,
    handling_unit,
    applied_on,
    closed_on,
    outcome,
    is_upheld,
    working_days_elapsed,
    answer_due_on,
    coalesce(
        (closed_on is null and {{ as_of_date() }} > answer_due_on) or closed_on > answer_due_on, false
    ) as answer_breached,
    coalesce(closed_on is null and answer_due_on - {{ as_of_date() }} between 0 and 4, false) as answer_due_soon,
    correction_due_on,
    corrected_on,
    coalesce(
        (corrected_on is null and {{ as_of_date() }} > correction_due_on) or corrected_on > correction_due_on, false
    ) as correction_breached,
    coalesce(corrected_on is null and correction_due_on - {{ as_of_date() }} between 0 and 4, false)
        as correction_due_soon,
    depends_on_provisional_day
from measured
