{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['measure_due_id'], 'unique': true},
            {'columns': ['subject_key']},
            {'columns': ['item_code']},
            {'columns': ['trigger_record_id']},
        ],
        pre_hook=["{{ collect_changed_subjects(triggered=true) }}", "{{ delete_changed_subjects() }}"],
        post_hook=["{{ record_build() }}"],
    )
}}
-- 联合奖惩: every measure of the four lists that applies tonight to a listed subject, and the units that must
-- apply it. A sanction (失信惩戒政策措施清单) follows each active black listing of its list type, one without a type
-- every listing; an incentive (守信激励政策措施清单) follows each active honour its pattern matches, one without a
-- pattern every honour, unless the subject is black-listed: its honours are then suspended and no incentive applies.
-- The scope item (诚信典型范围清单, 严重失信行为及主体范围清单) says under which item the subject is listed.
-- Incremental by subject: a night computes every measure of the subjects a record changed since the last
-- build names, now or before (macro subjects_changed_since), after the pre-hooks dropped their rows.
-- depends_on: {{ ref('int_credit_record__current') }}
{%- set previous = previous_build() %}

with lists as (
    select *
    from {{ ref('joint_reward_sanction_list') }}
),

listings as (
    select
        record_id,
        subject_key,
        subject_name,
        subject_category,
        list_type_code,
        list_type_name as trigger_name,
        listing_doc_no as trigger_doc_no,
        listed_on as applies_from,
        publicity_until as applies_until,
        disclosure_class
    from {{ ref('fct_blacklist_listing') }}
    {%- if previous %}
        where subject_key in (select changed_subject.subject_key from changed_subject)
    {%- endif %}
),

-- materialized: the few measures are joined to it, and the planner (which cannot see how many a filtered
-- seed CTE holds) would otherwise scan fct_credit_record once per measure
honours as materialized (
    select
        record_id,
        subject_key,
        subject_name,
        subject_category,
        null::integer as list_type_code,
        details ->> 'honour_name' as trigger_name,
        doc_no as trigger_doc_no,
        valid_from as applies_from,
        valid_to as applies_until,
        disclosure_class
    from {{ ref('fct_credit_record') }} as honour
    where
        record_kind = 'redlist'
        and status = 'active'
        {%- if previous %}  -- noqa: LT02
            and subject_key in (select changed_subject.subject_key from changed_subject)
        {%- endif %}
        and not exists (
            select 1 from listings
            where listings.subject_key = honour.subject_key
        )
),

sanctions as (
    select
        listings.*,
        'sanction' as measure_direction,
        scope.item_code as scope_item_code,
        measure.item_code
    from listings
    inner join lists as measure
        on
            measure.list_kind = 'sanction_measure'
            and (listings.list_type_code = measure.list_type_code or measure.list_type_code is null)
    left join lists as scope
        on
            scope.list_kind = 'dishonesty_scope'
            and listings.list_type_code = scope.list_type_code
),

incentives as (
    select
        honours.*,
        'incentive' as measure_direction,
        (
            select min(scope.item_code)
            from lists as scope
            where scope.list_kind = 'honour_scope' and honours.trigger_name ~ scope.honour_pattern
        ) as scope_item_code,
        measure.item_code
    from honours
    inner join lists as measure
        on
            measure.list_kind = 'incentive_measure'
            and (measure.honour_pattern is null or honours.trigger_name ~ measure.honour_pattern)
),

-- listings and honours have the same columns, so sanctions and incentives do too
applicable as (
    select * from sanctions
    union all
    select * from incentives
)

select
    applicable.record_id || '/' || applicable.item_code as measure_due_id,
    applicable.subject_key,
    applicable.subject_name,
    applicable.subject_category,
    applicable.measure_direction,
    applicable.record_id as trigger_record_id,
    applicable.trigger_name,
    applicable.trigger_doc_no,
    applicable.list_type_code,
    applicable.scope_item_code,
    applicable.item_code,
    measure.measure,
    measure.measure_kind,
    measure.implementing_units,
    measure.administrative_unit,
    measure.legal_basis,
    measure.evidence,
    applicable.applies_from,
    applicable.applies_until,
    applicable.disclosure_class,
    -- the invocation that wrote the row: the night's personal-data test scans the rows it wrote
    '{{ invocation_id }}'::text as written_by_invocation
from applicable
inner join lists as measure on applicable.item_code = measure.item_code
