-- This month's city credit monitoring indicators (城市信用状况监测预警指标) for the city and each county,
-- the city first; "this month" is the month of var as_of_date (a night's logical date), today's by default.
select *
from {{ analyst_view('agg_monitoring_indicators') }}
where month_start = date_trunc('month', {{ as_of_date() }})::date
order by division_level, division_code
