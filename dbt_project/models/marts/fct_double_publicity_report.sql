{{ config(indexes=[{'columns': ['record_kind', 'record_key'], 'unique': true}]) }}
-- 双公示 reports: one row per licensing or penalty decision with its reporting department, the working
-- days from decision to first report and whether that was late. Late reports are records like any
-- other (accepted, published); this mart is where the platform counts them.
select
    record_kind,
    record_key,
    subject_key,
    coalesce(reporting_department, '(not stated)') as reporting_department,
    decision_date,
    first_reported_on,
    date_trunc('month', first_reported_on)::date as report_month,
    working_days_to_report,
    depends_on_provisional_day,
    is_timely,
    is_late
from {{ ref('int_double_publicity__timeliness') }}
