{{
    config(
        materialized='incremental',
        unique_key='correction_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['correction_id'], 'unique': true}],
        post_hook=[
            "{% if is_incremental() and previous_build() is none %}
                delete from {{ this }} where reported_on > {{ as_of_date() }}
            {% endif %}",
            "{{ record_build() }}",
        ],
    )
}}
-- The latest report of every objection and repair application (异议、信用修复申请): the platform reports an
-- application again as it moves (accepted, decided), and its latest report holds where it stands. A table,
-- so the models that join it plan on its true size (a DISTINCT ON view is guessed at 200 rows).
-- Incremental: reports are only ever added, so a night compares the reports of the batches new since the last
-- build with the latest it kept for the same applications. A backfill or a changed model computes every
-- application and drops those the night does not have yet (macro previous_build).
-- depends_on: {{ source('ops', 'load_batch') }}
{%- set previous = previous_build() %}

with reports as (
    select *
    from {{ ref('stg_platform__credit_correction') }}
    where
        correction_id is not null  -- noqa: LT02
        {%- if previous %}
            and batch_id = any(array({{ batches_since(previous, 'credit_correction') }}))
        {%- endif %}
)
{%- if previous %}
    {#- by name: a column the model gained later sits elsewhere in the table than in the view #}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='quoted') | join(', ') %}

    , reports_and_kept as (
        select {{ columns }} from reports
        union all
        select {{ columns }}
        from {{ this }} as kept
        where kept.correction_id in (select reports.correction_id from reports)
    )
{%- endif %}

select distinct on (correction_id) *
from {{ 'reports_and_kept' if previous else 'reports' }}
order by correction_id asc, reported_on desc, batch_id desc, row_number desc
