{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        indexes=[{'columns': ['subject_key'], 'unique': true}, {'columns': ['uscc']}, {'columns': ['org_code']}],
        pre_hook=["{{ collect_changed_subjects(facts=false) }}", "{{ delete_changed_subjects() }}"],
        post_hook=["{{ record_build() }}"],
    )
}}
-- Every credit subject: its kind from the USCC's registration-authority and type characters, its
-- division (characters 3-8 of the USCC, else the division a utility reported), the names seen.
-- Incremental by subject, as int_credit_subject__resolved: the subjects of the records rebuilt since.
-- depends_on: {{ ref('int_credit_record__current') }}
{%- set previous = previous_build() %}

with subjects as (
    select *
    from {{ ref('int_credit_subject__resolved') }}
    {%- if previous %}
        where subject_key in (select changed_subject.subject_key from changed_subject)
    {%- endif %}
),

subject_type as (
    select
        authority_code::text as authority_code,
        type_code::text as type_code,
        authority_name,
        type_name,
        subject_kind
    from {{ ref('uscc_subject_type') }}
),

division as (
    select
        division_code::text as division_code,
        division_name,
        province_code::text as province_code,
        city_code::text as city_code
    from {{ ref('cn_division') }}
)

select
    subjects.subject_key,
    subjects.uscc,
    subjects.org_code,
    case
        when subjects.is_natural_person then 'natural_person'
        when subjects.uscc is null then 'unlinked_organisation'
        else coalesce(subject_type.subject_kind, 'other')
    end as subject_kind,
    subject_type.authority_name as registration_authority,
    subject_type.type_name as organisation_type,
    subjects.id_no_masked,
    subjects.primary_name,
    subjects.names_seen,
    coalesce(substr(subjects.uscc, 3, 6), subjects.reported_division_code) as division_code,
    division.division_name,
    division.province_code,
    division.city_code,
    subjects.first_seen_on,
    subjects.last_seen_on,
    -- the invocation that wrote the row: the night's personal-data test scans the rows it wrote
    '{{ invocation_id }}'::text as written_by_invocation
from subjects
left join subject_type
    on
        substr(subjects.uscc, 1, 1) = subject_type.authority_code
        and substr(subjects.uscc, 2, 1) = subject_type.type_code
left join division
    on coalesce(substr(subjects.uscc, 3, 6), subjects.reported_division_code) = division.division_code
