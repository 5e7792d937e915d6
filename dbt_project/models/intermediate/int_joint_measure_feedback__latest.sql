{{
    config(
        materialized='incremental',
        unique_key='case_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['case_id'], 'unique': true}],
        post_hook=["{{ delete_rows_after_night('reported_on') }}", "{{ record_build() }}"],
    )
}}
-- The latest report of every case of a joint reward or sanction an implementing unit reported having applied
-- (奖惩案例反馈): a unit may report a case again. Incremental like the corrections' (macro latest_reports).
-- depends_on: {{ source('ops', 'load_batch') }}
{{ latest_reports('stg_department__joint_measure_feedback', 'case_id', 'dept_joint_measure_feedback') }}
