{{ config(indexes=[{'columns': ['report_month', 'reporting_department'], 'unique': true}]) }}
-- 双公示 timeliness by reporting department and month: reports first made in the month, how many
-- within the deadline, how many late, and the share on time (the monitoring indicator, per department);
-- reports counted on a provisional calendar day are not judged and are counted apart.
select
    report_month,
    reporting_department,
    count(*) as reported,
    count(*) filter (where is_timely) as timely,
    count(*) filter (where is_late) as late,
    count(*) filter (where depends_on_provisional_day) as not_judged_provisional_calendar,
    round(
        count(*) filter (where is_timely)::numeric
        / nullif(count(*) filter (where not depends_on_provisional_day), 0),
        4
    ) as timeliness_share,
    max(working_days_to_report) as max_working_days_to_report
from {{ ref('fct_double_publicity_report') }}
group by report_month, reporting_department
