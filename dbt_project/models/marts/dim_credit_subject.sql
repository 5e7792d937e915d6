{{ config(indexes=[{'columns': ['subject_key'], 'unique': true}, {'columns': ['uscc']}, {'columns': ['org_code']}]) }}
-- Every credit subject: its kind from the USCC's registration-authority and type characters, its
-- division (characters 3-8 of the USCC, else the division a utility reported), the names seen.
with subjects as (
    select *
    from {{ ref('int_credit_subject__resolved') }}
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
    subjects.last_seen_on
from subjects
left join subject_type
    on
        substr(subjects.uscc, 1, 1) = subject_type.authority_code
        and substr(subjects.uscc, 2, 1) = subject_type.type_code
left join division
    on coalesce(substr(subjects.uscc, 3, 6), subjects.reported_division_code) = division.division_code
