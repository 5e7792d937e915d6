{#-
    The monitoring indicators (城市信用状况监测预警指标) as ratios of two measures of
    agg_monitoring_indicators, written once for the mart and its month-over-month view. avg_records_per_subject
    (主体平均信用记录数) is the sum of the two per-subject ratios.
-#}
{% macro monitoring_indicators() %}
    {{ return([
        {'name': 'double_publicity_timeliness', 'numerator': 'decisions_timely', 'denominator': 'decisions_reported', 'digits': 4},
        {'name': 'double_publicity_accuracy', 'numerator': 'rows_correct', 'denominator': 'rows_reported', 'digits': 4},
        {'name': 'records_per_enterprise', 'numerator': 'enterprise_records', 'denominator': 'live_enterprises', 'digits': 4},
        {'name': 'records_per_resident', 'numerator': 'person_records', 'denominator': 'resident_population', 'digits': 6},
        {'name': 'code_error_rate', 'numerator': '(error_codes + duplicate_codes)', 'denominator': 'register_codes', 'digits': 6},
        {'name': 'blacklisted_enterprise_share', 'numerator': 'blacklisted_enterprises', 'denominator': 'live_enterprises', 'digits': 6},
        {'name': 'blacklist_exit_ratio_12m', 'numerator': 'enterprises_exited_12m', 'denominator': 'enterprises_listed_12m', 'digits': 4},
        {'name': 'objection_handling_working_days', 'numerator': 'handling_working_days', 'denominator': 'valid_objections', 'digits': 2},
        {'name': 'commitments_per_enterprise', 'numerator': 'commitments', 'denominator': 'live_enterprises', 'digits': 4},
    ]) }}
{% endmacro %}
