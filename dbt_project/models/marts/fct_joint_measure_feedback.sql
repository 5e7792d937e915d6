{{ config(indexes=[{'columns': ['case_id'], 'unique': true}, {'columns': ['subject_key']}]) }}
-- 奖惩案例反馈: every case of a joint reward or sanction an implementing unit reported having applied (latest report
-- per case), with the item of the four lists it applied and whether the listing or honour it cites is one the
-- warehouse holds for that subject: a case citing nothing known is fed back all the same, and counted.
with cases as (
    select *
    from {{ ref('int_joint_measure_feedback__latest') }}
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
    where record_kind in ('blacklist', 'court', 'redlist')
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
    'government' as disclosure_class
from cases
left join lists as item on cases.item_code = item.item_code
left join known_triggers
    on
        cases.trigger_doc_no = known_triggers.doc_no
        and coalesce(cases.uscc, cases.person_key) = known_triggers.subject_key
