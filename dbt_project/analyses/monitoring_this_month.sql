-- This month's city credit monitoring indicators (城市信用状况监测预警指标); "this month" is the month
-- of var as_of_date (a night's logical date), today's month by default.
select *
from {{ analyst_view('agg_monitoring_indicators') }}
where month_start = date_trunc('month', {{ as_of_date() }})::date
