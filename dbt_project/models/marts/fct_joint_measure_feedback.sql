{{
    config(
        materialized='incremental',
        unique_key='case_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['case_id'], 'unique': true}, {'columns': ['subject_key']}],
        post_hook=["{{ delete_rows_after_night('reported_on') }}", "{{ record_build() }}"],
    )
}}
-- 奖惩案例反馈: every case of a joint reward or sanction an implementing unit reported having applied (latest report
-- per case), with the item of the four lists it applied and whether the listing or honour it cites is one the
-- warehouse holds for that subject: a case citing nothing known is fed back all the same, and counted.
-- Incremental by case: a night computes the cases reported in the batches gated since the last build (macro
-- batches_since) and those citing a listing, court record or honour of their subject that changed or moved since.
-- depends_on: {{ source('ops', 'load_batch') }}
-- depends_on: {{ ref('int_credit_record__current') }}
{%- set previous = previous_build() %}
{%- set cited_kinds = "('blacklist', 'court', 'redlist')" %}

with cases as (
    select *
    from {{ ref('int_joint_measure_feedback__latest') }}
    {%- if previous %}
        where
            batch_id = any(array({{ batches_since(previous, 'dept_joint_measure_feedback') }}))
            or case_id in (
                select kept.case_id
                from {{ this }} as kept
                where (kept.subject_key, kept.trigger_doc_no) in (
                    select
                        rewritten.subject_key,
                        rewritten.doc_no
                    from {{ ref('fct_credit_record') }} as rewritten
                    where rewritten.updated_at > {{ previous.built_at }} and rewritten.record_kind in {{ cited_kinds }}
                    union
                    select
                        unnest(array[rebuilt.subject_key, rebuilt.previous_subject_key]),
                        rebuilt.doc_no
                    from {{ ref('int_credit_record__current') }} as rebuilt
                    where rebuilt.rebuilt_at > {{ previous.built_at }} and rebuilt.record_kind in {{ cited_kinds }}
                )
            )
    {%- endif %}
),

lists as (
    select *
    from {{ ref('joint_reward_sanction_list') }}
),

-- a join, not a correlated EXISTS: planned on the cases' guessed count, the subquery scanned the records once per
-- case (187 s at 100k rows per feed, 3 s at 20k)
known_triggers as (
    select distinct
        subject_key,
        doc_no
    from {{ ref('fct_credit_record') }}
    where
        record_kind in {{ cited_kinds }}  -- noqa: LT02
        {%- if previous %}
            and subject_key in (select coalesce(cases.uscc, cases.person_key) from cases)
        {%- endif %}
)

select
    cases.case_id,
    coalesce(cases.uscc, cases.person_key) as subject_key,
    cases.subject_name,
    cases.person_id_no_masked,
    cases.implementing_unit,
    cases.measure_direction,
    cases.item_code,
    item.measure,
    item.measure_kind,
    coalesce(item.list_kind = case cases.measure_direction
        when 'sanction' then 'sanction_measure'
        when 'incentive' then 'incentive_measure'
    end, false) as direction_matches_item,
    cases.trigger_doc_no,
    known_triggers.doc_no is not null as trigger_known,
    cases.applied_on,
    cases.measure_content,
    date_trunc('month', cases.reported_on)::date as feedback_month,
    cases.reported_on,
    'government' as disclosure_class,
    -- the invocation that wrote the row: the night's personal-data test scans the rows it wrote
    '{{ invocation_id }}'::text as written_by_invocation
from cases
left join lists as item on cases.item_code = item.item_code
left join known_triggers
    on
        cases.trigger_doc_no = known_triggers.doc_no
        and coalesce(cases.uscc, cases.person_key) = known_triggers.subject_key
