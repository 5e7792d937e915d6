{{
    config(
        materialized='incremental',
        unique_key='correction_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['correction_id'], 'unique': true}],
        post_hook=[
            "{{ delete_rows_after_night('reported_on') }}",
            "{{ record_build() }}",
        ],
    )
}}
-- The latest report of every objection and repair application (异议、信用修复申请): the platform reports an
-- application again as it moves (accepted, decided), and its latest report holds where it stands. A table,
-- so the models that join it plan on its true size (a DISTINCT ON view is guessed at 200 rows).
-- Incremental: reports are only ever added, so a night compares the reports of the batches new since the last
-- build with the latest it kept for the same applications (macro latest_reports). A backfill or a changed model
-- computes every application and drops those the night does not have yet (macro previous_build).
-- depends_on: {{ source('ops', 'load_batch') }}
{{ latest_reports('stg_platform__credit_correction', 'correction_id', 'credit_correction') }}
