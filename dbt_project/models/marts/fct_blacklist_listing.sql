{{
    config(
        materialized='incremental',
        unique_key='record_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns',
        indexes=[
            {'columns': ['record_id'], 'unique': true},
            {'columns': ['list_type_code']},
            {'columns': ['subject_key']},
        ],
        post_hook=["{{ delete_rows_not_rewritten() }}", "{{ record_build() }}"],
    )
}}
-- 严重失信主体名单 in force tonight: every active listing of the 14 national list types, the
-- department lists and the courts' dishonest judgment debtors (type 1) alike. Incremental: a night
-- computes the records rewritten in fct_credit_record or rebuilt upstream since the last build
-- (macro records_changed_since); the post-hook drops the listings among them no longer in force.
-- depends_on: {{ ref('int_credit_record__current') }}
{%- set previous = previous_build() %}

with listings as (
    select *
    from {{ ref('fct_credit_record') }}
    where
        list_type_code is not null
        and status = 'active'  -- noqa: LT02
        {%- if previous %}
            and record_id in (
                select changed.record_id from ({{ records_changed_since(previous.built_at) }}) as changed
            )
        {%- endif %}
),

list_type as (
    select
        list_type_code::integer as list_type_code,
        list_type_name,
        owner_department,
        domain
    from {{ ref('credit_list_type') }}
)

select
    listings.record_id,
    listings.record_kind,
    listings.record_key,
    listings.subject_key,
    listings.subject_name,
    listings.subject_category,
    listings.id_no_masked,
    listings.list_type_code,
    list_type.list_type_name,
    list_type.owner_department,
    list_type.domain,
    listings.doc_no as listing_doc_no,
    coalesce(listings.details ->> 'listing_reason', listings.details ->> 'duty') as listing_reason,
    listings.authority as listing_authority,
    listings.valid_from as listed_on,
    listings.publicity_until,
    listings.disclosure_class,
    listings.first_reported_on,
    listings.last_reported_on,
    -- the invocation that wrote the row (the post-hook keeps what it wrote of the records it computed)
    '{{ invocation_id }}'::text as written_by_invocation
from listings
left join list_type
    on listings.list_type_code = list_type.list_type_code
